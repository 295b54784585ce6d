//! Reading criterion's saved estimates and writing them as Markdown tables.
//!
//! A saved baseline holds, per benchmark, `<group>/<id>/<baseline>/estimates.json` (times in
//! nanoseconds per iteration) and `benchmark.json` (its ids and throughput).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::Deserialize;

/// The name of the baseline `make bench` saves and `make bench-check` compares with.
pub const BASELINE: &str = "main";

/// One benchmark's saved result.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// The group (`kare_step`).
    pub group: String,
    /// The benchmark within the group (`mnist`).
    pub id: String,
    /// Median time per iteration, in seconds.
    pub median: f64,
    /// Lower and upper bounds of the 95 % confidence interval of the median, in seconds.
    pub interval: (f64, f64),
    /// Elements per iteration when the benchmark declares a throughput (flops here).
    pub elements: Option<u64>,
}

#[derive(Deserialize)]
struct Interval {
    lower_bound: f64,
    upper_bound: f64,
}

#[derive(Deserialize)]
struct Statistic {
    point_estimate: f64,
    confidence_interval: Interval,
}

#[derive(Deserialize)]
struct Estimates {
    median: Statistic,
}

#[derive(Deserialize)]
struct Benchmark {
    group_id: String,
    function_id: Option<String>,
    value_str: Option<String>,
    /// `{"Elements": n}`, `{"Bytes": n}`, … or null.
    throughput: Option<serde_json::Value>,
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Every benchmark saved under `dir` (criterion's folder) as [`BASELINE`], by full id
/// (`kare_step/mnist`).
pub fn estimates(dir: &Path) -> Result<BTreeMap<String, Estimate>, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| format!("{}: {e}", d.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| e.to_string())?.path();
            if !path.is_dir() {
                continue;
            }
            if path.file_name().is_some_and(|n| n == BASELINE) {
                let e = estimate(&path)?;
                out.insert(format!("{}/{}", e.group, e.id), e);
            } else {
                stack.push(path);
            }
        }
    }
    Ok(out)
}

fn estimate(dir: &Path) -> Result<Estimate, String> {
    let b: Benchmark = read_json(&dir.join("benchmark.json"))?;
    let e: Estimates = read_json(&dir.join("estimates.json"))?;
    let id = (b.function_id.into_iter())
        .chain(b.value_str)
        .collect::<Vec<_>>()
        .join("/");
    let elements = b.throughput.as_ref().and_then(|t| {
        (t.get("Elements")
            .or_else(|| t.pointer("/ElementsAndBytes/elements")))
        .and_then(serde_json::Value::as_u64)
    });
    let ns = 1e-9;
    Ok(Estimate {
        group: b.group_id,
        id,
        median: e.median.point_estimate * ns,
        interval: (
            e.median.confidence_interval.lower_bound * ns,
            e.median.confidence_interval.upper_bound * ns,
        ),
        elements,
    })
}

/// A time in the unit that gives it one to three integer digits (`58.3 ms`, `1.26 s`).
pub fn duration(seconds: f64) -> String {
    let (value, unit) = match seconds {
        s if s >= 1.0 => (s, "s"),
        s if s >= 1e-3 => (s * 1e3, "ms"),
        s if s >= 1e-6 => (s * 1e6, "µs"),
        s => (s * 1e9, "ns"),
    };
    let digits = if value >= 100.0 {
        0
    } else if value >= 10.0 {
        1
    } else {
        2
    };
    format!("{value:.digits$} {unit}")
}

/// The Markdown table of `estimates`: one row per benchmark, in id order, with its median, the
/// 95 % interval of the median, and the throughput as Gflop/s where it has one.
pub fn table(estimates: &BTreeMap<String, Estimate>) -> String {
    let mut out = String::from(
        "| benchmark | median per iteration | 95 % interval of the median | rate |\n|---|---|---|---|\n",
    );
    for (name, e) in estimates {
        let rate = e
            .elements
            .map(|n| format!("{:.1} Gflop/s", n as f64 / e.median / 1e9))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "| `{name}` | **{}** | {} – {} | {rate} |",
            duration(e.median),
            duration(e.interval.0),
            duration(e.interval.1)
        );
    }
    out
}

/// A speed target of the project: the longest median time per iteration one benchmark may
/// take.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target {
    /// What the benchmark times.
    pub what: &'static str,
    /// The benchmark (`kare_step/simulation`).
    pub benchmark: &'static str,
    /// The longest median that meets the target, in seconds.
    pub limit: f64,
    /// Where the limit comes from.
    pub source: &'static str,
}

/// The targets the benchmarks are held to.
pub const TARGETS: [Target; 2] = [
    Target {
        what: "one NTK-KARE step at Figure 1's size (n = 800, 1 × 64)",
        benchmark: "kare_step/simulation",
        limit: 0.015,
        source: "the project's target",
    },
    Target {
        what: "one NTK-KARE step at n = 1024, 64-512-512-512-1",
        benchmark: "kare_step/nt1024",
        limit: 1.16 / 3.0,
        source: "3× faster than neural-tangents' 1.16 s (jitted JAX, measured on another \
                 2-core machine, not side by side)",
    },
];

/// The Markdown table of `targets` against `estimates`: each target's limit, the measured
/// median, and whether it is met or by how much it is missed.
pub fn targets_table(targets: &[Target], estimates: &BTreeMap<String, Estimate>) -> String {
    let mut out = String::from(
        "| target | benchmark | limit | whence | measured median | verdict |\n|---|---|---|---|---|---|\n",
    );
    for t in targets {
        let (measured, verdict) = match estimates.get(t.benchmark) {
            None => ("not measured".to_string(), "—".to_string()),
            Some(e) if e.median <= t.limit => (
                duration(e.median),
                format!("met ({:.2}× under the limit)", t.limit / e.median),
            ),
            Some(e) => (
                duration(e.median),
                format!("**missed by {:.2}×**", e.median / t.limit),
            ),
        };
        let _ = writeln!(
            out,
            "| {} | `{}` | ≤ {} | {} | {measured} | {verdict} |",
            t.what,
            t.benchmark,
            duration(t.limit),
            t.source
        );
    }
    out
}

/// `template` with `{{machine}}` replaced by `machine`, `{{results}}` by the table of
/// `estimates` and `{{targets}}` by the table of [`TARGETS`]; an error when a placeholder is
/// missing.
pub fn render(
    template: &str,
    machine: &str,
    estimates: &BTreeMap<String, Estimate>,
) -> Result<String, String> {
    for key in ["{{machine}}", "{{results}}", "{{targets}}"] {
        if !template.contains(key) {
            return Err(format!("the template has no {key}"));
        }
    }
    Ok(template
        .replace("{{machine}}", machine.trim_end())
        .replace("{{results}}", table(estimates).trim_end())
        .replace("{{targets}}", targets_table(&TARGETS, estimates).trim_end()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn save(dir: &Path, group: &str, value: &str, median_ns: f64, elements: Option<u64>) {
        let d = dir.join(group).join(value).join(BASELINE);
        std::fs::create_dir_all(&d).unwrap();
        let throughput = elements.map_or("null".into(), |n| format!(r#"{{"Elements":{n}}}"#));
        std::fs::write(
            d.join("benchmark.json"),
            format!(
                r#"{{"group_id":"{group}","function_id":null,"value_str":"{value}","throughput":{throughput},"full_id":"{group}/{value}","directory_name":"{group}/{value}","title":"{group}/{value}"}}"#
            ),
        )
        .unwrap();
        let stat = |v: f64| {
            format!(
                r#"{{"confidence_interval":{{"confidence_level":0.95,"lower_bound":{},"upper_bound":{}}},"point_estimate":{v},"standard_error":1.0}}"#,
                v * 0.9,
                v * 1.1
            )
        };
        std::fs::write(
            d.join("estimates.json"),
            format!(
                r#"{{"mean":{},"median":{},"median_abs_dev":{},"slope":null,"std_dev":{}}}"#,
                stat(median_ns * 1.02),
                stat(median_ns),
                stat(1.0),
                stat(2.0)
            ),
        )
        .unwrap();
        // A comparison's own folders are not the baseline and must be passed over.
        std::fs::create_dir_all(dir.join(group).join(value).join("new")).unwrap();
    }

    #[test]
    fn saved_estimates_become_a_table_in_the_template() {
        let dir = tempfile::tempdir().unwrap();
        save(dir.path(), "kare_step", "mnist", 174e6, None);
        save(dir.path(), "ntk", "wide", 331e6, Some(4_700_000_000_000));
        let found = estimates(dir.path()).unwrap();
        assert_eq!(found.len(), 2);
        let k = &found["kare_step/mnist"];
        assert!((k.median - 0.174).abs() < 1e-12 && (k.interval.1 - 0.1914).abs() < 1e-12);
        assert_eq!(found["ntk/wide"].elements, Some(4_700_000_000_000));
        let text = render(
            "# B\n{{machine}}\n\n{{results}}\n\n{{targets}}\n",
            "AMD EPYC, avx2",
            &found,
        )
        .unwrap();
        assert!(text.contains("AMD EPYC, avx2\n"), "{text}");
        assert!(
            text.contains("| `kare_step/mnist` | **174 ms** | 157 ms – 191 ms |  |"),
            "{text}"
        );
        // 4.7e12 elements in 0.331 s.
        assert!(
            text.contains("| `ntk/wide` | **331 ms** | 298 ms – 364 ms | 14199.4 Gflop/s |"),
            "{text}"
        );
        assert!(render("no placeholders", "m", &found).is_err());
        assert!(
            text.contains("| `kare_step/simulation` | ≤ 15.0 ms |"),
            "{text}"
        );
    }

    /// A benchmark under its limit meets it, one over it is missed by the ratio, and one not
    /// measured says so.
    #[test]
    fn targets_are_met_missed_or_not_measured() {
        let dir = tempfile::tempdir().unwrap();
        save(dir.path(), "kare_step", "fast", 10e6, None);
        save(dir.path(), "kare_step", "slow", 45e6, None);
        let found = estimates(dir.path()).unwrap();
        let target = |benchmark| Target {
            what: "a step",
            benchmark,
            limit: 0.015,
            source: "a bound",
        };
        let targets = [
            target("kare_step/fast"),
            target("kare_step/slow"),
            target("none"),
        ];
        let text = targets_table(&targets, &found);
        assert!(
            text.contains("| 10.0 ms | met (1.50× under the limit) |"),
            "{text}"
        );
        assert!(text.contains("| 45.0 ms | **missed by 3.00×** |"), "{text}");
        assert!(
            text.contains("| `none` | ≤ 15.0 ms | a bound | not measured | — |"),
            "{text}"
        );
    }

    #[test]
    fn durations_keep_three_significant_digits() {
        assert_eq!(duration(1.2634), "1.26 s");
        assert_eq!(duration(0.0583), "58.3 ms");
        assert_eq!(duration(0.000746), "746 µs");
        assert_eq!(duration(3.4e-8), "34.0 ns");
    }
}
