//! Number formatting shared by the tables, the report and the figures' tick labels.

use super::aggregate::Stats;

/// A metric with three significant digits (`0.0321`, `12.3`, `1.23e-5`); `NaN`, `inf`.
pub fn num(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v:?}");
    }
    if v == 0.0 {
        return "0".into();
    }
    let magnitude = v.abs().log10().floor();
    if (-3.0..4.0).contains(&magnitude) {
        let decimals = (2.0 - magnitude).max(0.0) as usize;
        format!("{v:.decimals$}")
    } else {
        format!("{v:.2e}")
    }
}

/// `mean ± sd` (just the mean for a single seed).
pub fn mean_sd(s: &Stats) -> String {
    match s.sd {
        Some(sd) => format!("{} ± {}", num(s.mean), num(sd)),
        None => num(s.mean),
    }
}

/// A relative ridge as a power of ten where it is one (`1e-3`, `1e0`); `—` for none.
pub fn ridge(r: Option<f64>) -> String {
    match r {
        Some(v) => format!("{v:e}"),
        None => "—".into(),
    }
}

/// A duration for readers: `4.2 s`, `12 min 5 s`, `1 h 2 min`.
pub fn duration(seconds: f64) -> String {
    if !seconds.is_finite() {
        return format!("{seconds:?} s");
    }
    let whole = seconds.round() as u64;
    match whole {
        0..=59 => format!("{seconds:.1} s"),
        60..=3599 => format!("{} min {} s", whole / 60, whole % 60),
        _ => format!("{} h {} min", whole / 3600, (whole % 3600) / 60),
    }
}

/// `10` raised to an integer power with superscript digits (`10⁻³`), for log-axis ticks.
pub fn power_of_ten(exponent: i32) -> String {
    const SUPERSCRIPT: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    let digits: String = exponent
        .unsigned_abs()
        .to_string()
        .chars()
        .map(|c| SUPERSCRIPT[c.to_digit(10).expect("a decimal digit") as usize])
        .collect();
    let sign = if exponent < 0 { "⁻" } else { "" };
    format!("10{sign}{digits}")
}

/// Escapes LaTeX's special characters and writes the Unicode symbols the tables use in math
/// (`λ̃`, `±`, `γ`, `σ`, `×`, `≥`) or as text dashes.
pub fn latex_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' | '%' | '$' | '#' | '_' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            '\\' => out += r"\textbackslash{}",
            '~' => out += r"\textasciitilde{}",
            '^' => out += r"\textasciicircum{}",
            'γ' => out += r"$\gamma$",
            'σ' => out += r"$\sigma$",
            'λ' => out += r"$\lambda$",
            '±' => out += r"$\pm$",
            '×' => out += r"$\times$",
            '≥' => out += r"$\geq$",
            '>' => out += r"$>$",
            '—' => out += "---",
            '–' => out += "--",
            '…' => out += r"\dots{}",
            _ => out.push(c),
        }
    }
    // λ̃ is λ followed by a combining tilde.
    out.replace("$\\lambda$\u{303}", r"$\tilde\lambda$")
}
