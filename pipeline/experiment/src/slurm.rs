//! Scale-out on a Slurm cluster: a job-array batch script with one array task per cell of a
//! plan (`kare plan --slurm`). Task `i` runs `kare run-cell <experiment> --index i`, which
//! computes [`Plan::cells`]`[i]` into the shared cell cache (or exits at once when it is cached);
//! `kare collect` then writes the results from the cache. Every path in the script is absolute,
//! so the tasks find the binary, the experiment, the data and the cache wherever they start.

use std::path::{Path, PathBuf};

use super::plan::Plan;
use crate::{Error, Result};
use kare_results::atomic::write_atomic;

/// Slurm's default `MaxArraySize`: array indices must stay below it unless the cluster raised
/// it; larger plans are submitted in parts with `KARE_INDEX_OFFSET` (see [`batch_script`]).
pub const SLURM_DEFAULT_MAX_ARRAY_SIZE: usize = 1001;

/// How the job array is submitted and what its tasks run.
#[derive(Debug, Clone)]
pub struct SlurmJob {
    /// Where the batch script is written.
    pub script: PathBuf,
    /// `kare` binary run by each task (normally the running one, [`std::env::current_exe`]).
    pub kare: PathBuf,
    /// `--cpus-per-task` (a cell computes with its experiment's `cell_threads` whatever this is).
    pub cpus_per_task: u16,
    /// `--job-name` (default: `kare-<results stem>`, e.g. `kare-figure1-quick`).
    pub job_name: Option<String>,
    /// The folder of the tasks' logs (`<job name>-<job id>_<task>.out`), created when the script
    /// is written: Slurm does not create it, and a task whose log cannot be opened fails.
    pub logs: PathBuf,
    /// The cache root shared by the tasks (see [`super::cache_root`]).
    pub cache_root: PathBuf,
}

/// `path` made absolute against the current directory, symbolic links resolved when it
/// exists (a task may start in another directory, on another node).
fn absolute(path: &Path) -> Result<PathBuf> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    match path.canonicalize() {
        Ok(p) => Ok(p),
        Err(_) => std::path::absolute(path).map_err(io),
    }
}

/// `text` quoted for a POSIX shell (single quotes; an embedded `'` becomes `'\''`).
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// Checks that `value` can stand unquoted in an `#SBATCH` line (sbatch splits those lines on
/// white space and expands `%` patterns in file names).
fn sbatch_safe(script: &Path, what: &str, value: &str) -> Result<()> {
    match value
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || "%'\"\\".contains(*c))
    {
        None => Ok(()),
        Some(c) => Err(Error::Slurm {
            path: script.to_path_buf(),
            message: format!("{what} `{value}` holds {c:?}, which an #SBATCH line cannot carry"),
        }),
    }
}

/// A path as UTF-8 text without control characters (a newline would end a script line), or an
/// error naming what it is.
fn utf8<'a>(script: &Path, what: &str, path: &'a Path) -> Result<&'a str> {
    path.to_str()
        .filter(|text| !text.chars().any(char::is_control))
        .ok_or_else(|| Error::Slurm {
            path: script.to_path_buf(),
            message: format!(
                "{what} {} is not UTF-8 text without control characters",
                path.display()
            ),
        })
}

/// The batch script of `plan` for `job`: `#SBATCH --array=0-(N-1)` over the plan's N cells,
/// one cell per task, each task running `kare run-cell` with the absolute paths of the binary,
/// the experiment file, the cache root and the data directory. Task `i` computes cell
/// `i + $KARE_INDEX_OFFSET` (default 0), so that a plan larger than the cluster's
/// `MaxArraySize` can be submitted in parts
/// (`sbatch --array=0-421 --export=ALL,KARE_INDEX_OFFSET=1000`).
pub fn batch_script(plan: &Plan, job: &SlurmJob) -> Result<String> {
    let script = &job.script;
    let cells = plan.cells.len();
    if cells == 0 {
        return Err(Error::Slurm {
            path: script.clone(),
            message: format!("{} has no cells to run", plan.experiment.path.display()),
        });
    }
    let job_name = job
        .job_name
        .clone()
        .unwrap_or_else(|| format!("kare-{}", plan.results_stem()));
    sbatch_safe(script, "the job name", &job_name)?;
    let logs = absolute(&job.logs)?;
    let logs_text = utf8(script, "the logs folder", &logs)?;
    sbatch_safe(script, "the logs folder", logs_text)?;
    let kare = absolute(&job.kare)?;
    let experiment = absolute(&plan.experiment.path)?;
    let cache = absolute(&job.cache_root)?;
    let data = absolute(plan.data_dir.root())?;
    let quote = |what: &str, p: &Path| utf8(script, what, p).map(shell_quote);
    let e = &plan.experiment;
    let flags = plan.cell_flags();
    let stem = plan.results_stem();
    Ok(format!(
        r#"#!/bin/bash
# kare-ntk: the {name} experiment ({tier} tier) as a Slurm job array, one task per cell.
# Written by `kare plan --slurm`. Submit with `sbatch {script_name}`; when every task has
# finished, `kare collect {experiment_arg}{flags} --cache {cache_arg}` writes {stem}.csv/.json.
# Task i computes cell i of the plan (`kare plan` lists them in this order) into the shared cell
# cache, or exits at once when the cache holds it: resubmitting resumes an unfinished array.
#SBATCH --job-name={job_name}
#SBATCH --array=0-{last}
#SBATCH --ntasks=1
#SBATCH --cpus-per-task={cpus}
#SBATCH --output={logs_text}/%x-%A_%a.out
set -euo pipefail
export RAYON_NUM_THREADS="${{SLURM_CPUS_PER_TASK:-{cpus}}}"
KARE={kare}
EXPERIMENT={experiment_q}
CACHE={cache_q}
DATA={data_q}
# The cell: the array index plus KARE_INDEX_OFFSET (default 0), for plans with more cells than
# the cluster's MaxArraySize: `sbatch --array=0-99 --export=ALL,KARE_INDEX_OFFSET=1000 <script>`
# runs cells 1000-1099.
INDEX=$((SLURM_ARRAY_TASK_ID + ${{KARE_INDEX_OFFSET:-0}}))
exec "$KARE" run-cell "$EXPERIMENT"{flags} --index "$INDEX" --cache "$CACHE" --data "$DATA"
"#,
        name = e.name,
        tier = e.tier_name(),
        script_name = script.display(),
        experiment_arg = experiment.display(),
        cache_arg = cache.display(),
        last = cells - 1,
        cpus = job.cpus_per_task.max(1),
        kare = quote("the kare binary", &kare)?,
        experiment_q = quote("the experiment file", &experiment)?,
        cache_q = quote("the cache", &cache)?,
        data_q = quote("the data folder", &data)?,
    ))
}

/// Writes [`batch_script`] to `job.script` (atomically) and creates the logs folder.
pub fn write_batch_script(plan: &Plan, job: &SlurmJob) -> Result<()> {
    let text = batch_script(plan, job)?;
    std::fs::create_dir_all(&job.logs).map_err(|source| Error::Io {
        path: job.logs.clone(),
        source,
    })?;
    write_atomic(&job.script, text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_survives_quotes_and_spaces() {
        assert_eq!(shell_quote("/a b/c"), "'/a b/c'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }

    #[test]
    fn sbatch_lines_refuse_what_they_cannot_carry() {
        let script = Path::new("job.sbatch");
        assert!(sbatch_safe(script, "name", "kare-figure1-quick").is_ok());
        for bad in ["a b", "50%", "it's", "tab\there"] {
            let err = sbatch_safe(script, "name", bad).unwrap_err().to_string();
            assert!(err.contains("job.sbatch") && err.contains(bad), "{err}");
        }
    }
}
