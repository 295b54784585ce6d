//! Running an experiment: plan, skip the cells the cache holds, compute the others on up to
//! `jobs` worker threads (each cell is claimed, computed and stored atomically; a cell another
//! process has claimed is taken last and served from its record), then write the results from
//! the records. On a cluster the same steps are split between
//! processes: [`compute_cell`] computes one cell (one Slurm array task) and [`collect`] writes
//! the results once every cell is cached.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex, PoisonError};
use std::time::Instant;

use super::claim::Claim;
use super::compute::run_cell;
use super::device::ComputeDevice;
use super::plan::Plan;
use super::progress::{Progress, ProgressMode};
use super::record::CellRecord;
use super::results::{self, RunCounts};
use crate::{Error, Result};
use candle_core::Device;
use kare_data::Prepared;

/// How to run an experiment.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Run the `[quick]` tier.
    pub quick: bool,
    /// Cells computed at once, each with the experiment's `cell_threads` (one by default: small
    /// GEMMs scale poorly across threads, so one cell per core does the most work). The
    /// results do not depend on it.
    pub jobs: usize,
    /// The cache directory (see [`super::cache_root`]).
    pub cache_root: PathBuf,
    /// The data directory (`None`: `$KARE_DATA_DIR`, `data/`, `../shared/datasets`).
    pub data_dir: Option<PathBuf>,
    /// Where `<experiment>.csv` / `.json` go.
    pub results_dir: PathBuf,
    /// How progress is shown.
    pub progress: ProgressMode,
    /// The device the networks compute on (part of every cell's key but the CPU's).
    pub device: ComputeDevice,
}

/// What a run did.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    /// The experiment's name.
    pub experiment: String,
    /// `full` or `quick`.
    pub tier: &'static str,
    /// Cells in the plan.
    pub cells: usize,
    /// Cells served from the cache.
    pub cached: usize,
    /// Cells computed by this run.
    pub computed: usize,
    /// Rows of the results CSV.
    pub rows: usize,
    /// The results CSV.
    pub csv: PathBuf,
    /// The provenance JSON.
    pub json: PathBuf,
    /// Wall time of the run.
    pub wall_seconds: f64,
}

/// What a worker reports.
enum Event {
    Started(usize),
    Finished(usize, Result<Done>),
}

/// How a claimed cell ended.
enum Done {
    /// Computed and stored by this run.
    Computed(Box<CellRecord>),
    /// Found in the cache once claimed: another process computed it meanwhile.
    Served(Box<CellRecord>),
}

/// The cells a run still has to claim: `fresh` ones not tried yet, and `busy` ones that another
/// process held when tried (each worker takes those last, so that processes sharing a cache
/// spread over the cells instead of queueing behind each other).
struct Queue {
    fresh: VecDeque<usize>,
    busy: VecDeque<usize>,
}

impl Queue {
    /// The next cell with its claim: a free fresh cell, else a busy cell that has become
    /// free, else the first busy cell once its holder releases it; `None` when all are taken.
    fn next(queue: &Mutex<Queue>, plan: &Plan) -> Option<(usize, Result<Claim>)> {
        let mut q = queue.lock().unwrap_or_else(PoisonError::into_inner);
        let tries = q.fresh.len() + q.busy.len();
        for _ in 0..tries {
            let i = q.fresh.pop_front().or_else(|| q.busy.pop_front())?;
            match plan.cache.try_claim(&plan.cells[i].key) {
                Ok(Some(claim)) => return Some((i, Ok(claim))),
                Ok(None) => q.busy.push_back(i),
                Err(e) => return Some((i, Err(e))),
            }
        }
        let i = q.busy.pop_front()?;
        drop(q);
        Some((i, plan.cache.claim(&plan.cells[i].key)))
    }
}

/// Prepared data shared by the cells of one data set and seed, dropped after its last cell.
struct DataMemo<'a> {
    plan: &'a Plan,
    live: Mutex<HashMap<usize, Slot>>,
}

/// One data instance: its data once prepared, and the pending cells that still need it.
struct Slot {
    data: Option<Arc<Prepared>>,
    users: usize,
}

impl<'a> DataMemo<'a> {
    fn new(plan: &'a Plan, pending: &[usize]) -> Self {
        let mut live: HashMap<usize, Slot> = HashMap::new();
        for &i in pending {
            live.entry(plan.cells[i].data)
                .or_insert(Slot {
                    data: None,
                    users: 0,
                })
                .users += 1;
        }
        Self {
            plan,
            live: Mutex::new(live),
        }
    }

    /// The data of instance `i`, prepared on first use under the lock, so two cells of the
    /// same data never prepare it twice.
    fn get(&self, i: usize) -> Result<Arc<Prepared>> {
        let mut live = self.live.lock().unwrap_or_else(PoisonError::into_inner);
        let slot = live.entry(i).or_insert(Slot {
            data: None,
            users: 1,
        });
        match &slot.data {
            Some(data) => Ok(data.clone()),
            None => {
                let data = Arc::new(self.plan.prepare(i)?);
                slot.data = Some(data.clone());
                Ok(data)
            }
        }
    }

    /// One cell of instance `i` is done with it.
    fn release(&self, i: usize) {
        let mut live = self.live.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(slot) = live.get_mut(&i) {
            slot.users = slot.users.saturating_sub(1);
            if slot.users == 0 {
                live.remove(&i);
            }
        }
    }
}

/// Computes cell `i` of `plan` from its prepared `data` and stores its record atomically under
/// its `claim`: the one compute path of both `kare run` and `kare run-cell`. Returns the record
/// as stored.
///
/// The cell computes on `device` (the plan's, opened) in a rayon pool of exactly its configured
/// threads, so its numbers do not depend on `--jobs` or on the machine's cores.
fn compute_and_store(
    plan: &Plan,
    i: usize,
    data: &Prepared,
    device: &Device,
    claim: &Claim,
) -> Result<CellRecord> {
    let cell = &plan.cells[i];
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cell.config.threads)
        .build()
        .map_err(|e| Error::Threads(e.to_string()))?;
    let record = pool
        .install(|| run_cell(&cell.config, &cell.key, data, &plan.cache, device))
        .map_err(|e| Error::InExperiment {
            path: plan.experiment.path.clone(),
            location: format!("{} (cell {})", cell.config.label(), cell.key),
            source: Box::new(e),
        })?;
    plan.cache.store(record, claim)
}

/// A one-line outcome of a computed cell for the progress report: its time and stop reasons.
fn outcome_text(record: &CellRecord) -> String {
    let stops: Vec<String> = record
        .results
        .iter()
        .map(|r| format!("{} {}", r.method, r.stop_reason))
        .collect();
    format!("{:.1} s ({})", record.wall_seconds, stops.join(", "))
}

/// One claimed cell: served if another process stored it meanwhile, else data, compute, store.
fn compute_one(
    plan: &Plan,
    memo: &DataMemo,
    device: &Device,
    i: usize,
    claim: &Claim,
) -> Result<Done> {
    if let Some(record) = plan.lookup_claimed(i, claim)? {
        return Ok(Done::Served(Box::new(record)));
    }
    let data = memo.get(plan.cells[i].data)?;
    compute_and_store(plan, i, &data, device, claim).map(|r| Done::Computed(Box::new(r)))
}

/// What [`compute_cell`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum CellOutcome {
    /// The cache already held the cell's record; nothing was computed.
    Cached,
    /// The cell was computed and its record stored; the text gives its time and stop reasons.
    Computed(String),
}

/// Computes cell `index` of `plan` (in plan order, [`Plan::cells`]) and stores its record,
/// unless the cache already holds it: one task of a Slurm job array (`kare run-cell`), so that
/// many processes sharing one cache compute an experiment between them. While another process
/// holds the cell's claim it waits, then serves that process's record. Only this cell's data
/// set and seed are prepared again. An index outside the plan is [`Error::CellIndex`].
pub fn compute_cell(plan: &Plan, index: usize) -> Result<CellOutcome> {
    let cell = plan.cells.get(index).ok_or_else(|| Error::CellIndex {
        path: plan.experiment.path.clone(),
        tier: plan.experiment.tier_name(),
        index,
        cells: plan.cells.len(),
    })?;
    if plan.lookup(index)?.is_some() {
        return Ok(CellOutcome::Cached);
    }
    plan.check_memory(&[index])?;
    let device = plan.device.open()?;
    let claim = plan.cache.claim(&cell.key)?;
    if plan.lookup_claimed(index, &claim)?.is_some() {
        return Ok(CellOutcome::Cached);
    }
    let data = plan.prepare(cell.data)?;
    let record = compute_and_store(plan, index, &data, &device, &claim)?;
    Ok(CellOutcome::Computed(outcome_text(&record)))
}

/// Computes the cells `pending` on `device` with `jobs` threads, reporting to `progress` and
/// filling `records`; returns how many of them another process stored meanwhile. Stops handing
/// out cells at the first error (cells already running finish and are stored) and returns it.
fn compute(
    plan: &Plan,
    pending: Vec<usize>,
    jobs: usize,
    device: &Device,
    progress: &mut Progress,
    records: &mut [Option<CellRecord>],
) -> Result<usize> {
    let memo = DataMemo::new(plan, &pending);
    let queue = Mutex::new(Queue {
        fresh: VecDeque::from(pending),
        busy: VecDeque::new(),
    });
    let abort = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel();
    let mut first_error = None;
    let mut served = 0;
    std::thread::scope(|s| {
        for _ in 0..jobs.max(1) {
            let tx = tx.clone();
            let (queue, memo, abort) = (&queue, &memo, &abort);
            s.spawn(move || loop {
                if abort.load(Ordering::SeqCst) {
                    break;
                }
                let Some((i, claim)) = Queue::next(queue, plan) else {
                    break;
                };
                // The collector outlives the workers, so sends cannot fail.
                let _ = tx.send(Event::Started(i));
                let result = claim.and_then(|claim| compute_one(plan, memo, device, i, &claim));
                memo.release(plan.cells[i].data);
                if result.is_err() {
                    abort.store(true, Ordering::SeqCst);
                }
                let _ = tx.send(Event::Finished(i, result));
            });
        }
        drop(tx);
        for event in rx {
            match event {
                Event::Started(i) => progress.started(i, plan.cells[i].config.label()),
                Event::Finished(i, Ok(Done::Computed(record))) => {
                    progress.finished(i, &outcome_text(&record));
                    records[i] = Some(*record);
                }
                Event::Finished(i, Ok(Done::Served(record))) => {
                    progress.finished(i, "stored by another process meanwhile");
                    records[i] = Some(*record);
                    served += 1;
                }
                Event::Finished(i, Err(e)) => {
                    progress.finished(i, &format!("FAILED: {e}"));
                    first_error.get_or_insert(e);
                }
            }
        }
    });
    first_error.map_or(Ok(served), Err)
}

/// Runs the experiment at `path` and writes its results; see [`RunOptions`].
pub fn run(path: &Path, opts: &RunOptions) -> Result<RunSummary> {
    let started = Instant::now();
    let plan = Plan::new(
        path,
        opts.quick,
        opts.data_dir.as_deref(),
        &opts.cache_root,
        opts.device,
    )?;
    let mut records = (0..plan.cells.len())
        .map(|i| plan.lookup(i))
        .collect::<Result<Vec<Option<CellRecord>>>>()?;
    let mut pending: Vec<usize> = (0..records.len())
        .filter(|&i| records[i].is_none())
        .collect();
    // Cells of one data set and seed run together, so its data is prepared once.
    pending.sort_by_key(|&i| plan.cells[i].data);
    plan.check_memory(&pending)?;
    // Opened once for the run, and only when a cell is to be computed: a device that cannot be
    // used is an error before any cell starts.
    let device = (!pending.is_empty())
        .then(|| plan.device.open())
        .transpose()?;
    let cached = plan.cells.len() - pending.len();
    let title = format!("{} ({})", plan.experiment.name, plan.experiment.tier_name());
    let mut progress = Progress::new(opts.progress, &title, plan.cells.len(), cached);
    let outcome = match &device {
        Some(device) => compute(
            &plan,
            pending,
            opts.jobs,
            device,
            &mut progress,
            &mut records,
        ),
        None => Ok(0),
    };
    progress.close();
    let served = outcome?;
    let records = records
        .into_iter()
        .zip(&plan.cells)
        .map(|(record, cell)| {
            record.ok_or_else(|| Error::CacheRecord {
                path: plan.cache.record_path(&cell.key),
                message: "was neither computed nor found in the cache".into(),
            })
        })
        .collect::<Result<Vec<CellRecord>>>()?;
    write_results(&plan, &records, &opts.results_dir, cached + served, started)
}

/// How many cell labels a [`Error::CellsMissing`] shows.
const MISSING_SHOWN: usize = 5;

/// Writes the results of `plan` from the records in its cache, exactly as [`run`] writes them,
/// without computing anything: the last step after a Slurm job array (`kare collect`). When a
/// cell has no record yet, nothing is written and the error ([`Error::CellsMissing`]) says how
/// many cells are missing and names the first few with their array index. `started` is when
/// the collection began (for the provenance file's wall time).
pub fn collect(plan: &Plan, results_dir: &Path, started: Instant) -> Result<RunSummary> {
    let mut records = Vec::with_capacity(plan.cells.len());
    let mut missing = Vec::new();
    for i in 0..plan.cells.len() {
        match plan.lookup(i)? {
            Some(record) => records.push(record),
            None => missing.push(i),
        }
    }
    if !missing.is_empty() {
        return Err(Error::CellsMissing {
            path: plan.experiment.path.clone(),
            tier: plan.experiment.tier_name(),
            missing: missing.len(),
            cells: plan.cells.len(),
            cache: plan.cache.dir().to_path_buf(),
            examples: missing
                .iter()
                .take(MISSING_SHOWN)
                .map(|&i| format!("[{i}] {}", plan.cells[i].config.label()))
                .collect(),
        });
    }
    write_results(plan, &records, results_dir, records.len(), started)
}

/// Writes the results files of `plan` from `records` (one per cell, in plan order), of which
/// `cached` came from the cache, and summarises the run that began at `started`.
fn write_results(
    plan: &Plan,
    records: &[CellRecord],
    results_dir: &Path,
    cached: usize,
    started: Instant,
) -> Result<RunSummary> {
    let computed = records.len() - cached;
    let wall_seconds = started.elapsed().as_secs_f64();
    let counts = RunCounts {
        cached,
        computed,
        wall_seconds,
    };
    let (csv, json, rows) = results::write(plan, records, results_dir, &counts)?;
    Ok(RunSummary {
        experiment: plan.experiment.name.clone(),
        tier: plan.experiment.tier_name(),
        cells: plan.cells.len(),
        cached,
        computed,
        rows,
        csv,
        json,
        wall_seconds,
    })
}
