//! The `kare` command.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use candle_core::DType;
use clap::{Parser, Subcommand, ValueEnum};
use kare_data::{DataDir, Fetched, Registry};
use kare_experiment::{
    self as experiment, inspect, CellOutcome, ComputeDevice, Plan, ProgressMode, RunOptions,
    SlurmJob, SLURM_DEFAULT_MAX_ARRAY_SIZE,
};
use kare_report as report;
use kare_results::Error;

/// NTK and KARE tools for fully connected GELU networks (arXiv 2505.11347).
#[derive(Parser)]
#[command(name = "kare", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The precision of the network; kernels, KARE and solves are f64 either way.
#[derive(Clone, Copy, ValueEnum)]
enum Precision {
    F32,
    F64,
}

impl From<Precision> for DType {
    fn from(p: Precision) -> Self {
        match p {
            Precision::F32 => DType::F32,
            Precision::F64 => DType::F64,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Write the empirical NTK K(X, X), or K(X*, X) with --test, of a saved MLP as .npy (f64).
    Ntk {
        /// Parameters as safetensors: layers.{i}.weight [out, in] and layers.{i}.bias [out].
        #[arg(long)]
        weights: PathBuf,
        /// Training inputs X, n×d, .npy (f32 or f64, C order).
        #[arg(long)]
        inputs: PathBuf,
        /// Test inputs X*, m×d: write the m×n cross kernel K(X*, X) instead.
        #[arg(long)]
        test: Option<PathBuf>,
        /// Output .npy file.
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        network: NetworkArgs,
    },
    /// Print KARE of a saved MLP's NTK and write ∂KARE/∂θ under the weights' tensor names.
    Kare {
        /// Parameters as safetensors (as for `kare ntk`).
        #[arg(long)]
        weights: PathBuf,
        /// Training inputs X, n×d, .npy.
        #[arg(long)]
        inputs: PathBuf,
        /// Targets Y, n×c (or a 1-D array of n for c = 1), .npy.
        #[arg(long)]
        targets: PathBuf,
        /// Ridge z of KARE (absolute, added to K/n).
        #[arg(long, default_value_t = 0.1)]
        z: f64,
        #[command(flatten)]
        network: NetworkArgs,
        /// Output safetensors file for the gradient.
        #[arg(long)]
        out: PathBuf,
    },
    /// Run an experiment (`figure1`, `figure2`, `table1`, or a path to a TOML file): cells
    /// already in the cache are skipped; results go to <results>/<experiment>[-quick].csv/.json.
    Run {
        /// Experiment name (experiments/<name>.toml) or path.
        experiment: String,
        #[command(flatten)]
        place: Placement,
        /// Cells computed at once, each with the experiment's `cell_threads` (the results do
        /// not depend on it).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
        jobs: u16,
        /// Where results/<experiment>.csv and .json are written.
        #[arg(long, default_value = "results")]
        results: PathBuf,
        /// Progress: a bar on a terminal, else one line per cell (`lines`), or none.
        #[arg(long, value_enum, default_value_t = ProgressArg::Auto)]
        progress: ProgressArg,
    },
    /// List an experiment's cells with their cache state, without running anything; with
    /// --slurm, also write a Slurm job-array script with one task per cell.
    Plan {
        /// Experiment name (experiments/<name>.toml) or path.
        experiment: String,
        #[command(flatten)]
        place: Placement,
        #[command(flatten)]
        slurm: SlurmArgs,
    },
    /// Compute one cell of an experiment (its index in `kare plan`'s order) into the cache,
    /// unless the cache holds it already: one task of the `kare plan --slurm` job array.
    RunCell {
        /// Experiment name (experiments/<name>.toml) or path.
        experiment: String,
        #[command(flatten)]
        place: Placement,
        /// The cell's index in the plan, 0 to cells − 1 ($SLURM_ARRAY_TASK_ID).
        #[arg(long)]
        index: usize,
    },
    /// Write an experiment's results from the cached cells without computing any (after a
    /// Slurm job array); fails, writing nothing, while some cells are missing.
    Collect {
        /// Experiment name (experiments/<name>.toml) or path.
        experiment: String,
        #[command(flatten)]
        place: Placement,
        /// Where results/<experiment>.csv and .json are written.
        #[arg(long, default_value = "results")]
        results: PathBuf,
    },
    /// Figures (PNG, SVG), tables (Markdown, LaTeX) and REPORT.md from results/<experiment>.csv,
    /// beside the paper's values; an experiment that has not run yet is reported as such.
    Report {
        /// Results-file stems, e.g. `figure1 figure2` or `figure1-quick`.
        #[arg(required = true)]
        experiments: Vec<String>,
        /// Where the results CSV/JSON files are (tables are written beside them).
        #[arg(long, default_value = "results")]
        results: PathBuf,
        /// Where the figures go.
        #[arg(long, default_value = "figures")]
        figures: PathBuf,
        /// The paper's curve values.
        #[arg(long, default_value = "../shared/reference/paper_results.csv")]
        reference: PathBuf,
        /// The accuracies of the 179 classifiers on the UCI sets (Table 1's comparison; read
        /// only for results of UCI sets).
        #[arg(
            long,
            default_value = "../shared/datasets/uci121_results/results_UCI.txt"
        )]
        uci_results: PathBuf,
        /// The generated report.
        #[arg(long, default_value = "REPORT.md")]
        out: PathBuf,
    },
    /// The data sets of datasets.toml: list them, verify their files, or download them.
    Datasets {
        #[command(subcommand)]
        action: DatasetsAction,
        /// The registry.
        #[arg(long, global = true, default_value = "datasets.toml")]
        registry: PathBuf,
        /// The data directory (default: $KARE_DATA_DIR, else data/, else ../shared/datasets).
        #[arg(long, global = true)]
        data: Option<PathBuf>,
    },
}

/// Which tier, where the cache and the data live, and the device (shared by `run`, `plan`,
/// `run-cell` and `collect`).
#[derive(clap::Args)]
struct Placement {
    /// Run the experiment's [quick] tier (results go to <experiment>-quick.csv).
    #[arg(long)]
    quick: bool,
    /// The cache directory (default: $KARE_CACHE_DIR, else cache/).
    #[arg(long)]
    cache: Option<PathBuf>,
    /// The data directory (default: $KARE_DATA_DIR, else data/, else ../shared/datasets).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Where the networks compute: `cpu` (the faer path), or `cuda` (the candle path on the
    /// first GPU; needs a build with `--features cuda`). Part of every cell's key but the CPU's.
    #[arg(long, default_value = "cpu")]
    device: ComputeDevice,
}

/// The precision and device of a saved network (`kare ntk`, `kare kare`).
#[derive(clap::Args)]
struct NetworkArgs {
    /// Network precision (default: that of the weights file).
    #[arg(long, value_enum)]
    dtype: Option<Precision>,
    /// Where the network computes: `cpu` (the faer path) or `cuda` (the candle path on the first
    /// GPU; needs a build with `--features cuda`).
    #[arg(long, default_value = "cpu")]
    device: ComputeDevice,
}

impl NetworkArgs {
    /// The network in `weights`, in the precision and on the device asked for.
    fn load(&self, weights: &Path) -> kare_results::Result<kare_ntk::mlp::Mlp> {
        let device = self.device.open()?;
        inspect::load_network(weights, self.dtype.map(DType::from), &device)
    }
}

/// The Slurm job array of `kare plan --slurm`.
#[derive(clap::Args)]
struct SlurmArgs {
    /// Write a Slurm batch script here: a job array with one task per cell, each running
    /// `kare run-cell` on the shared cache; submit it with `sbatch`, then `kare collect`.
    #[arg(long, value_name = "SCRIPT")]
    slurm: Option<PathBuf>,
    /// CPUs of each array task (default: the experiment's `cell_threads`, the threads every
    /// cell computes with, whatever its CPUs).
    #[arg(long, requires = "slurm", value_parser = clap::value_parser!(u16).range(1..))]
    cpus_per_task: Option<u16>,
    /// The job's name (default: kare-<experiment>[-quick]).
    #[arg(long, requires = "slurm")]
    job_name: Option<String>,
    /// The folder of the tasks' log files (created now).
    #[arg(long, default_value = "slurm-logs", requires = "slurm")]
    logs: PathBuf,
}

#[derive(Clone, Copy, ValueEnum)]
enum ProgressArg {
    Auto,
    Lines,
    None,
}

impl From<ProgressArg> for ProgressMode {
    fn from(p: ProgressArg) -> Self {
        match p {
            ProgressArg::Auto => ProgressMode::Auto,
            ProgressArg::Lines => ProgressMode::Lines,
            ProgressArg::None => ProgressMode::Silent,
        }
    }
}

#[derive(Subcommand)]
enum DatasetsAction {
    /// Every entry with its description (a family with its number of sets).
    List,
    /// Verify checksums; print shapes and class balance (exit status 1 on any problem).
    Check {
        /// Entries to check (`uci121` checks all its sets, `uci121/iris` one); default: all.
        names: Vec<String>,
    },
    /// Download missing files from their declared addresses, verifying checksums.
    Fetch {
        /// One entry; default: all.
        name: Option<String>,
    },
    /// Write one run's prepared data as .npy (f64, C order): x_train, y_train, x_test, y_test.
    Export {
        /// The entry (`family/set` for a UCI set).
        name: String,
        /// The run seed, as an experiment's `seeds` gives it.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// An override as an experiment would set it, `key=value` (n_train, n_test, d, gamma,
        /// sigma, set, fold, rng); repeatable.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        overrides: Vec<String>,
        /// The folder to write (created if needed).
        #[arg(long)]
        out: PathBuf,
    },
}

/// An experiment argument: an existing file, else `experiments/<name>.toml`.
fn experiment_path(arg: &str) -> kare_results::Result<PathBuf> {
    let direct = PathBuf::from(arg);
    if direct.is_file() {
        return Ok(direct);
    }
    let named = Path::new("experiments").join(format!("{arg}.toml"));
    if named.is_file() {
        return Ok(named);
    }
    let known: Vec<String> = std::fs::read_dir("experiments")
        .map(|entries| {
            let mut names: Vec<String> = entries
                .filter_map(|e| e.ok())
                .filter_map(|e| {
                    let p = e.path();
                    (p.extension()? == "toml").then(|| p.file_stem()?.to_str().map(String::from))?
                })
                .collect();
            names.sort();
            names
        })
        .unwrap_or_default();
    Err(Error::Io {
        path: direct,
        source: std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!(
                "no such experiment: neither this file nor {} exists (experiments/: {})",
                named.display(),
                if known.is_empty() {
                    "none".into()
                } else {
                    known.join(", ")
                }
            ),
        ),
    })
}

/// The data directory given, else the usual search, else `data/`: for commands that may not
/// need one (a download fills it; a simulation reads nothing), where a missing file is then an
/// error naming it and how to get it.
fn data_dir_or_default(data: Option<&Path>) -> DataDir {
    match data {
        Some(d) => DataDir::at(d),
        None => DataDir::resolve(None).unwrap_or_else(|_| DataDir::at("data")),
    }
}

fn datasets(
    action: DatasetsAction,
    registry: &Path,
    data: Option<&Path>,
) -> kare_results::Result<bool> {
    let reg = Registry::from_file(registry)?;
    match action {
        DatasetsAction::List => {
            for name in reg.names() {
                let sets = reg
                    .members(name)
                    .map(|m| format!(" [{} sets: {name}/<set>]", m.len()))
                    .unwrap_or_default();
                println!("{name}{sets}\n    {}", reg.description(name).unwrap_or(""));
            }
            Ok(true)
        }
        DatasetsAction::Check { names } => {
            let dir = DataDir::resolve(data)?;
            println!("data directory: {}", dir.root().display());
            let mut ok = true;
            let reports = if names.is_empty() {
                vec![reg.check(&dir)]
            } else {
                names
                    .iter()
                    .map(|n| reg.check_entry(n, &dir))
                    .collect::<kare_results::Result<_>>()?
            };
            for report in reports {
                println!("{report}");
                ok &= report.is_ok();
            }
            Ok(ok)
        }
        DatasetsAction::Fetch { name } => {
            let dir = data_dir_or_default(data);
            let names: Vec<String> = match name {
                Some(n) => vec![n],
                None => reg.names().into_iter().map(String::from).collect(),
            };
            for n in names {
                for fetched in reg.fetch(&n, &dir)? {
                    match fetched {
                        Fetched::Present(p) => println!("present     {}", p.display()),
                        Fetched::Downloaded { path, url } => {
                            println!("downloaded  {} from {url}", path.display())
                        }
                    }
                }
            }
            Ok(true)
        }
        DatasetsAction::Export {
            name,
            seed,
            overrides,
            out,
        } => {
            let dir = data_dir_or_default(data);
            let overrides = kare_data::parse_overrides(&name, &overrides)?;
            let prepared = reg.prepare(&name, &dir, &overrides, seed)?;
            for path in kare_data::export(&prepared, &out)? {
                println!("wrote {}", path.display());
            }
            println!("{}", prepared.description);
            Ok(true)
        }
    }
}

/// The plan of an experiment argument with its tier, cache and data.
fn load_plan(experiment: &str, place: &Placement) -> kare_results::Result<Plan> {
    let path = experiment_path(experiment)?;
    let cache_root = experiment::cache_root(place.cache.as_deref());
    Plan::new(
        &path,
        place.quick,
        place.data.as_deref(),
        &cache_root,
        place.device,
    )
}

/// `kare plan`: lists every cell of the experiment as cached or pending and, with `--slurm`,
/// writes a batch script that computes them as a job array.
fn plan(experiment: &str, place: &Placement, slurm: &SlurmArgs) -> kare_results::Result<()> {
    let plan = load_plan(experiment, place)?;
    print_cells(&plan, slurm.slurm.is_some())?;
    match &slurm.slurm {
        Some(script) => write_slurm_script(experiment, place, slurm, &plan, script),
        None => Ok(()),
    }
}

/// Prints the plan's header, one line per cell (cached or pending; prefixed with its array
/// index when `indexed`, for a Slurm job array), and the counts.
fn print_cells(plan: &Plan, indexed: bool) -> kare_results::Result<()> {
    let e = &plan.experiment;
    println!("{} ({} tier): {}", e.name, e.tier_name(), e.description);
    println!(
        "{} data sets × seeds, {} cells; cache {}",
        plan.data.len(),
        plan.cells.len(),
        plan.cache.dir().display()
    );
    let mut cached = 0;
    for (i, cell) in plan.cells.iter().enumerate() {
        let state = if plan.lookup(i)?.is_some() {
            cached += 1;
            "cached "
        } else {
            "pending"
        };
        let index = if indexed {
            format!("[{i}] ")
        } else {
            String::new()
        };
        println!("{index}{state} {} {}", &cell.key[..12], cell.config.label());
    }
    println!("{cached} cached, {} to compute", plan.cells.len() - cached);
    Ok(())
}

/// Writes the Slurm batch script `script` for the plan's cells and says how to submit it and
/// collect the results afterwards.
fn write_slurm_script(
    experiment: &str,
    place: &Placement,
    slurm: &SlurmArgs,
    plan: &Plan,
    script: &Path,
) -> kare_results::Result<()> {
    let kare = std::env::current_exe().map_err(|source| Error::Io {
        path: PathBuf::from("kare"),
        source,
    })?;
    let cpus_per_task = slurm
        .cpus_per_task
        .unwrap_or_else(|| u16::try_from(plan.experiment.tier.cell_threads).unwrap_or(u16::MAX));
    let job = SlurmJob {
        script: script.to_path_buf(),
        kare,
        cpus_per_task,
        job_name: slurm.job_name.clone(),
        logs: slurm.logs.clone(),
        cache_root: experiment::cache_root(place.cache.as_deref()),
    };
    experiment::write_batch_script(plan, &job)?;
    let n = plan.cells.len();
    println!(
        "wrote {}: a job array of {n} tasks (0-{}), {} CPU(s) each, logs in {}",
        script.display(),
        n - 1,
        cpus_per_task,
        slurm.logs.display()
    );
    let mut collect = format!("kare collect {experiment}{}", plan.cell_flags());
    for (flag, dir) in [("cache", &place.cache), ("data", &place.data)] {
        if let Some(dir) = dir {
            collect.push_str(&format!(" --{flag} {}", dir.display()));
        }
    }
    println!(
        "submit it with `sbatch {}`; when it has finished, `{collect}` writes the results",
        script.display()
    );
    if n > SLURM_DEFAULT_MAX_ARRAY_SIZE {
        warn_array_too_large(n, script);
    }
    Ok(())
}

/// Warns that a job array of `n` tasks exceeds Slurm's default MaxArraySize, and prints the
/// commands that submit it in parts of at most that many tasks, each shifted by
/// KARE_INDEX_OFFSET.
fn warn_array_too_large(n: usize, script: &Path) {
    let parts: Vec<String> = (0..n)
        .step_by(SLURM_DEFAULT_MAX_ARRAY_SIZE)
        .map(|offset| {
            let last = (n - offset).min(SLURM_DEFAULT_MAX_ARRAY_SIZE) - 1;
            format!(
                "  sbatch --array=0-{last} --export=ALL,KARE_INDEX_OFFSET={offset} {}",
                script.display()
            )
        })
        .collect();
    eprintln!(
        "warning: {n} array tasks exceed Slurm's default MaxArraySize \
         ({SLURM_DEFAULT_MAX_ARRAY_SIZE}); unless the cluster allows indices up to {}, \
         submit the array in parts:\n{}",
        n - 1,
        parts.join("\n")
    );
}

/// `kare run-cell`: one cell computed into the cache (or found there), reported on stderr.
fn run_cell(experiment: &str, place: &Placement, index: usize) -> kare_results::Result<()> {
    let plan = load_plan(experiment, place)?;
    let outcome = experiment::compute_cell(&plan, index)?;
    let cell = &plan.cells[index];
    let what = match outcome {
        CellOutcome::Cached => "already cached".to_string(),
        CellOutcome::Computed(text) => format!("computed, {text}"),
    };
    eprintln!(
        "{} ({}) cell [{index}] of {}: {} [{}]: {what}",
        plan.experiment.name,
        plan.experiment.tier_name(),
        plan.cells.len(),
        cell.config.label(),
        plan.cache.record_path(&cell.key).display()
    );
    Ok(())
}

/// `kare ntk`: writes the NTK of the network in `weights` on `inputs` (against `test` when
/// given) to `out`.
fn ntk(
    weights: &Path,
    inputs: &Path,
    test: Option<&Path>,
    out: &Path,
    network: &NetworkArgs,
) -> kare_results::Result<()> {
    let mlp = network.load(weights)?;
    let (rows, cols) = inspect::write_ntk(&mlp, inputs, test, out)?;
    eprintln!("wrote {rows}×{cols} kernel to {}", out.display());
    Ok(())
}

/// `kare kare`: prints KARE of the network in `weights` on `inputs` and `targets` at `z`, and
/// writes its gradient with respect to the parameters to `out`.
fn kare_gradient(
    weights: &Path,
    inputs: &Path,
    targets: &Path,
    z: f64,
    network: &NetworkArgs,
    out: &Path,
) -> kare_results::Result<()> {
    let mlp = network.load(weights)?;
    let value = inspect::write_kare_gradient(&mlp, inputs, targets, z, out)?;
    println!("KARE = {value:.17e}");
    eprintln!(
        "wrote ∂KARE/∂θ ({} tensors) to {}",
        mlp.names().len(),
        out.display()
    );
    Ok(())
}

/// `kare run`: computes the experiment's missing cells, writes its results and summarises
/// them on stderr.
fn run_experiment(
    experiment: &str,
    place: Placement,
    jobs: u16,
    results: PathBuf,
    progress: ProgressArg,
) -> kare_results::Result<()> {
    let path = experiment_path(experiment)?;
    let summary = experiment::run(
        &path,
        &RunOptions {
            quick: place.quick,
            jobs: usize::from(jobs),
            cache_root: experiment::cache_root(place.cache.as_deref()),
            data_dir: place.data,
            device: place.device,
            results_dir: results,
            progress: progress.into(),
        },
    )?;
    eprintln!(
        "{} ({}): {} cells ({} from cache, {} computed), {} rows in {} ({:.1} s)",
        summary.experiment,
        summary.tier,
        summary.cells,
        summary.cached,
        summary.computed,
        summary.rows,
        summary.csv.display(),
        summary.wall_seconds
    );
    Ok(())
}

/// `kare collect`: writes the experiment's results from cells already in the cache and
/// summarises them on stderr.
fn collect(experiment: &str, place: &Placement, results: &Path) -> kare_results::Result<()> {
    let started = std::time::Instant::now();
    let plan = load_plan(experiment, place)?;
    let summary = experiment::collect(&plan, results, started)?;
    eprintln!(
        "{} ({}): collected {} cells, {} rows in {} ({:.1} s)",
        summary.experiment,
        summary.tier,
        summary.cells,
        summary.rows,
        summary.csv.display(),
        summary.wall_seconds
    );
    Ok(())
}

/// Runs the command line's subcommand; a failed `datasets check` is a failure exit code.
fn run(cli: Cli) -> kare_results::Result<ExitCode> {
    match cli.command {
        Command::Ntk {
            weights,
            inputs,
            test,
            out,
            network,
        } => ntk(&weights, &inputs, test.as_deref(), &out, &network)?,
        Command::Kare {
            weights,
            inputs,
            targets,
            z,
            network,
            out,
        } => kare_gradient(&weights, &inputs, &targets, z, &network, &out)?,
        Command::Run {
            experiment,
            place,
            jobs,
            results,
            progress,
        } => run_experiment(&experiment, place, jobs, results, progress)?,
        Command::Plan {
            experiment,
            place,
            slurm,
        } => plan(&experiment, &place, &slurm)?,
        Command::RunCell {
            experiment,
            place,
            index,
        } => run_cell(&experiment, &place, index)?,
        Command::Collect {
            experiment,
            place,
            results,
        } => collect(&experiment, &place, &results)?,
        Command::Report {
            experiments,
            results,
            figures,
            reference,
            uci_results,
            out,
        } => {
            let names: Vec<&str> = experiments.iter().map(String::as_str).collect();
            let summary =
                report::build(&results, &figures, &reference, &uci_results, &out, &names)?;
            for e in &summary.experiments {
                eprintln!("{}: {}", e.name, e.status_text());
            }
            eprintln!("wrote {}", summary.report.display());
        }
        Command::Datasets {
            action,
            registry,
            data,
        } => {
            if !datasets(action, &registry, data.as_deref())? {
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Lets a closed stdout end the process quietly (`kare plan figure1 | head`), as for other Unix
/// tools: Rust ignores SIGPIPE, so `println!` would panic on the failed write instead.
fn default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in `main`, before any other thread exists; SIG_DFL is a valid
    // disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn main() -> ExitCode {
    default_sigpipe();
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
