//! Memory budgets: a limit on the bytes a computation may take (the machine's available memory,
//! or an experiment's `max_memory`, whichever is smaller), so that an absurd size is refused
//! with an error naming its estimate before anything is allocated, instead of aborting the
//! process when the allocation fails.

use std::fmt;

/// The most memory a computation may take, and where that bound comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct Limit {
    /// Bytes.
    pub bytes: u64,
    /// Where the bound comes from (`MemAvailable of /proc/meminfo`, `max_memory = 8GiB`).
    pub source: String,
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", show(self.bytes), self.source)
    }
}

/// The bytes the machine can give to new allocations: `MemAvailable` of `/proc/meminfo` on
/// Linux; `None` where that cannot be read (no check is then made against the machine).
pub fn available() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

/// The limit of a computation: the available memory and `max_memory` (bytes, with the text it
/// was given as), whichever is smaller; `None` when neither is known.
pub fn limit(max_memory: Option<(u64, &str)>) -> Option<Limit> {
    let machine = available().map(|bytes| Limit {
        bytes,
        source: "MemAvailable of /proc/meminfo".into(),
    });
    let declared = max_memory.map(|(bytes, text)| Limit {
        bytes,
        source: format!("max_memory = {text}"),
    });
    match (machine, declared) {
        (Some(m), Some(d)) => Some(if d.bytes <= m.bytes { d } else { m }),
        (m, d) => m.or(d),
    }
}

/// Parses a size: a number of bytes, optionally with a unit `B`, `kB`, `MB`, `GB`, `TB`
/// (powers of 1000) or `KiB`, `MiB`, `GiB`, `TiB` (powers of 1024; `K`, `M`, `G`, `T` alone
/// too), e.g. `8GiB`, `512 MB`, `1.5G`, `1000000`.
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = (t[..split].trim(), t[split..].trim());
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size such as `8GiB` or `500MB`"))?;
    let scale: f64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "tb" => 1e12,
        "k" | "kib" => 1024.0,
        "m" | "mib" => 1024f64.powi(2),
        "g" | "gib" => 1024f64.powi(3),
        "t" | "tib" => 1024f64.powi(4),
        _ => {
            return Err(format!(
                "`{text}`: unknown unit `{unit}` (B, kB, MB, GB, TB, KiB, MiB, GiB, TiB)"
            ))
        }
    };
    let bytes = value * scale;
    if !(bytes >= 1.0 && bytes < u64::MAX as f64) {
        return Err(format!("`{text}` is not a positive size"));
    }
    Ok(bytes as u64)
}

/// A byte count for people: `1.5 GB`, `800 MB`, `12 kB`, in powers of 1000.
pub fn show(bytes: u64) -> String {
    let b = bytes as f64;
    match b {
        b if b >= 1e12 => format!("{:.1} TB", b / 1e12),
        b if b >= 1e9 => format!("{:.1} GB", b / 1e9),
        b if b >= 1e6 => format!("{:.1} MB", b / 1e6),
        b if b >= 1e3 => format!("{:.1} kB", b / 1e3),
        b => format!("{b} B"),
    }
}

/// `Err` naming the estimate and the limit when `estimate` bytes exceed the limit of a
/// computation (see [`limit`]).
pub fn check(estimate: u64, max_memory: Option<(u64, &str)>) -> Result<(), String> {
    match limit(max_memory) {
        Some(limit) if estimate > limit.bytes => Err(format!(
            "needs an estimated {} of memory at its peak, more than the {limit}",
            show(estimate)
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_in_both_unit_systems() {
        assert_eq!(parse_bytes("1000000"), Ok(1_000_000));
        assert_eq!(parse_bytes("8GiB"), Ok(8 << 30));
        assert_eq!(parse_bytes("8 GB"), Ok(8_000_000_000));
        assert_eq!(parse_bytes("1.5G"), Ok(3 << 29));
        assert_eq!(parse_bytes("512MiB"), Ok(512 << 20));
        assert!(parse_bytes("8 parsecs")
            .unwrap_err()
            .contains("unknown unit"));
        assert!(parse_bytes("lots").is_err());
        assert!(parse_bytes("0").is_err());
        assert_eq!(show(1_500_000_000), "1.5 GB");
        assert_eq!(show(999), "999 B");
    }

    #[test]
    fn the_limit_is_the_smaller_bound_and_names_it() {
        let machine = available().expect("this test runs on Linux");
        assert!(machine > 0);
        let small = limit(Some((1 << 20, "1MiB"))).unwrap();
        assert_eq!(small.bytes, 1 << 20);
        assert_eq!(small.to_string(), "1.0 MB (max_memory = 1MiB)");
        let huge = limit(Some((u64::MAX / 2, "lots"))).unwrap();
        assert_eq!(huge.source, "MemAvailable of /proc/meminfo");
        let err = check(2 << 20, Some((1 << 20, "1MiB"))).unwrap_err();
        assert!(
            err.contains("2.1 MB") && err.contains("max_memory = 1MiB"),
            "{err}"
        );
        assert!(check(1 << 10, Some((1 << 20, "1MiB"))).is_ok());
    }
}
