//! Writes BENCHMARKS.md from the committed criterion baseline: the machine it was measured on
//! (`benchmarks/baseline/machine.txt`) and, per benchmark, criterion's median time per
//! iteration with its throughput, put into the prose of `benchmarks/BENCHMARKS.template.md`
//! at `{{machine}}` and `{{results}}`. `make bench` runs it after saving the baseline.
//!
//! Usage: `bench-report [BASELINE_DIR] [TEMPLATE] [OUT]` (defaults: `benchmarks/baseline`,
//! `benchmarks/BENCHMARKS.template.md`, `BENCHMARKS.md`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use kare_benchmarks::report::{estimates, render, Estimate};

fn main() -> ExitCode {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let arg = |i: usize, default: &str| args.get(i).cloned().unwrap_or_else(|| default.into());
    let (baseline, template, out) = (
        arg(0, "benchmarks/baseline"),
        arg(1, "benchmarks/BENCHMARKS.template.md"),
        arg(2, "BENCHMARKS.md"),
    );
    match write(&baseline, &template, &out) {
        Ok(n) => {
            println!("wrote {} ({n} benchmarks)", out.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn write(baseline: &Path, template: &Path, out: &Path) -> Result<usize, String> {
    let read = |p: &Path| std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()));
    let machine = read(&baseline.join("machine.txt"))?;
    let found: BTreeMap<String, Estimate> = estimates(&baseline.join("criterion"))?;
    if found.is_empty() {
        return Err(format!(
            "no criterion estimates under {}: run `make bench` first",
            baseline.join("criterion").display()
        ));
    }
    let text = render(&read(template)?, &machine, &found)?;
    std::fs::write(out, text).map_err(|e| format!("{}: {e}", out.display()))?;
    Ok(found.len())
}
