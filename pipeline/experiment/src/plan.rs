//! The plan of a run: every data set × seed prepared once (its checksum enters the keys, and
//! any data error surfaces before a cell runs), then every cell with its key, in results order.

use std::collections::BTreeMap;
use std::path::Path;

use super::cache::Cache;
use super::cell::{BaselineSet, CellConfig, Stage, Training};
use super::claim::Claim;
use super::config::{Experiment, ModelSpec};
use super::device::ComputeDevice;
use super::footprint::{cell_bytes, Shapes};
use super::record::CellRecord;
use crate::baselines::Baseline;
use crate::{Error, Result};
use kare_data::memory;
use kare_data::{DataDir, Overrides, Prepared, Registry, Task};
use kare_results::Method;
use kare_results::{Num, SeparateTestFile};

/// One data set of the grid at one seed.
#[derive(Debug, Clone)]
pub struct DataInstance {
    /// The entry (`family/set` for a set expanded from `sets`).
    pub name: String,
    /// The experiment's overrides.
    pub overrides: Overrides,
    /// The run seed.
    pub seed: u64,
    /// Where it is declared in the experiment file (`datasets[2]`), for errors.
    pub location: String,
    /// [`Prepared::checksum`].
    pub checksum: String,
    /// The shapes of the prepared data (epochs become steps with its training rows).
    pub shapes: Shapes,
}

/// One cell: its configuration, key and place in the results.
#[derive(Debug, Clone)]
pub struct Cell {
    /// Index into [`Plan::data`].
    pub data: usize,
    /// Cells of one block share data set, seed and model; their rows are grouped by method.
    pub block: usize,
    /// The resolved configuration.
    pub config: CellConfig,
    /// The cache key.
    pub key: String,
}

/// An experiment with its data resolved and its cells keyed.
#[derive(Debug)]
pub struct Plan {
    /// The experiment and tier.
    pub experiment: Experiment,
    /// The registry it uses.
    pub registry: Registry,
    /// The data directory.
    pub data_dir: DataDir,
    /// The experiment's cache folder.
    pub cache: Cache,
    /// Data sets × seeds, in the experiment's order.
    pub data: Vec<DataInstance>,
    /// The cells in results order: data set, model (group, depth, width), seed, stage,
    /// learning rate.
    pub cells: Vec<Cell>,
    /// The device every cell computes on.
    pub device: ComputeDevice,
}

impl Plan {
    /// Loads the experiment (`quick` for its quick tier), prepares each data set at each seed,
    /// and keys every cell for computing on `device`. Data errors name the experiment file and
    /// entry.
    pub fn new(
        path: &Path,
        quick: bool,
        data_dir: Option<&Path>,
        cache_root: &Path,
        device: ComputeDevice,
    ) -> Result<Self> {
        let experiment = Experiment::load(path, quick)?;
        let in_experiment = |location: String| {
            let path = path.to_path_buf();
            move |e: Error| Error::InExperiment {
                path,
                location,
                source: Box::new(e),
            }
        };
        let registry =
            Registry::from_file(&experiment.registry).map_err(in_experiment("registry".into()))?;
        let data_dir = DataDir::resolve(data_dir)?;
        let tier = &experiment.tier;
        let mut data = Vec::new();
        for (i, spec) in tier.datasets.iter().enumerate() {
            let names: Vec<String> = if spec.sets.is_empty() {
                vec![spec.name.clone()]
            } else {
                spec.sets
                    .iter()
                    .map(|s| format!("{}/{s}", spec.name))
                    .collect()
            };
            for name in names {
                for &seed in &tier.seeds {
                    let location = format!("datasets[{i}] (`{name}`, seed {seed})");
                    let prepared = registry
                        .prepare(&name, &data_dir, &spec.overrides, seed)
                        .map_err(in_experiment(location.clone()))?;
                    check_task(path, &location, &tier.methods, &prepared)?;
                    data.push(DataInstance {
                        name: name.clone(),
                        overrides: spec.overrides.clone(),
                        seed,
                        location,
                        shapes: Shapes {
                            n_train: prepared.n_train,
                            n_test: prepared.n_test,
                            d: prepared.d,
                            c: prepared.c,
                        },
                        checksum: prepared.checksum,
                    });
                }
            }
        }
        let cells = Self::cells(&experiment, &data, device);
        let mut seen = std::collections::HashSet::new();
        if let Some(twice) = cells.iter().find(|c| !seen.insert(c.key.as_str())) {
            return Err(Error::ExperimentConfig {
                path: path.to_path_buf(),
                line: None,
                location: "datasets / models".into(),
                message: format!(
                    "the cell {} comes twice: a data set or a model is listed twice",
                    twice.config.label()
                ),
            });
        }
        let cache = Cache::new(cache_root, &experiment.name);
        Ok(Self {
            experiment,
            registry,
            data_dir,
            cache,
            data,
            cells,
            device,
        })
    }

    fn cells(experiment: &Experiment, data: &[DataInstance], device: ComputeDevice) -> Vec<Cell> {
        let tier = &experiment.tier;
        let all_stages = Stage::for_methods(&tier.methods);
        let (baselines, stages): (Vec<Stage>, Vec<Stage>) =
            all_stages.into_iter().partition(|&s| s == Stage::Baselines);
        let requested_baselines: Vec<Method> = (tier.methods.iter())
            .copied()
            .filter(|m| m.is_baseline())
            .collect();
        let seeds = tier.seeds.len();
        let mut cells = Vec::new();
        let mut block = 0;
        // The cell of data instance `data_index` in block `block`.
        let cell = |data_index: usize, block, depth, width, stage, training| {
            let inst: &DataInstance = &data[data_index];
            let config = CellConfig {
                dataset: inst.name.clone(),
                overrides: inst.overrides.clone(),
                seed: inst.seed,
                depth,
                width,
                stage,
                training,
                z: tier.z,
                ridge_grid: tier.ridge_grid.clone(),
                save_networks: tier.save_networks,
                init_draw: tier.init.draw(stage),
                threads: tier.cell_threads,
                baselines: (stage == Stage::Baselines).then(|| BaselineSet {
                    revision: crate::baselines::REVISION,
                    methods: requested_baselines.clone(),
                }),
                device,
                kernel_precision: match stage {
                    Stage::NtkKare => tier.kernel_precision,
                    _ => Default::default(),
                },
            };
            Cell {
                data: data_index,
                block,
                key: config.key(&inst.checksum),
                config,
            }
        };
        // `data` holds each data set's seeds consecutively.
        for first in (0..data.len()).step_by(seeds) {
            for model in &tier.models {
                for &depth in &model.depth.0 {
                    for &width in &model.width.0 {
                        for (offset, inst) in data[first..first + seeds].iter().enumerate() {
                            for &stage in &stages {
                                for training in trainings(model, stage, inst.shapes.n_train) {
                                    let i = first + offset;
                                    cells.push(cell(i, block, depth, width, stage, training));
                                }
                            }
                            block += 1;
                        }
                    }
                }
            }
            // The baselines do not depend on the model: one block per data set and seed.
            for &stage in &baselines {
                for i in first..first + seeds {
                    cells.push(cell(i, block, 0, 0, stage, None));
                    block += 1;
                }
            }
        }
        cells
    }

    /// The verified cached record of cell `i`, or `None` when it is pending (see
    /// [`Cache::lookup`]: a bad record is moved aside and reported).
    pub fn lookup(&self, i: usize) -> Result<Option<CellRecord>> {
        let cell = &self.cells[i];
        self.cache.lookup(cell, &self.data[cell.data].checksum)
    }

    /// As [`Plan::lookup`], for the holder of the cell's claim.
    pub fn lookup_claimed(&self, i: usize, claim: &Claim) -> Result<Option<CellRecord>> {
        let cell = &self.cells[i];
        self.cache
            .lookup_claimed(cell, &self.data[cell.data].checksum, claim)
    }

    /// The estimated peak memory of cell `i` in bytes ([`cell_bytes`]).
    pub fn estimate(&self, i: usize) -> u64 {
        let cell = &self.cells[i];
        cell_bytes(&cell.config, self.data[cell.data].shapes)
    }

    /// Refuses, before any of them runs, cells of `cells` whose estimated peak memory exceeds
    /// the machine's available memory or the experiment's `max_memory`: the error names the
    /// experiment file, the largest such cell, its shapes and the estimate.
    pub fn check_memory(&self, cells: &[usize]) -> Result<()> {
        let Some(&largest) = cells.iter().max_by_key(|&&i| self.estimate(i)) else {
            return Ok(());
        };
        // Validated when the experiment was loaded, so it resolves.
        let max_memory = self.experiment.tier.max_memory.as_ref();
        let max_memory = max_memory.and_then(|m| m.resolve().ok());
        let bound = max_memory.as_ref().map(|(b, text)| (*b, text.as_str()));
        memory::check(self.estimate(largest), bound).map_err(|message| {
            let cell = &self.cells[largest];
            let s = self.data[cell.data].shapes;
            Error::TooBig {
                path: self.experiment.path.clone(),
                cell: cell.config.label(),
                shapes: format!(
                    "n_train {}, n_test {}, d {}, depth {}, width {}",
                    s.n_train, s.n_test, s.d, cell.config.depth, cell.config.width
                ),
                message,
            }
        })
    }

    /// Prepares the data of instance `i` again (for running its cells).
    pub fn prepare(&self, i: usize) -> Result<Prepared> {
        let inst = &self.data[i];
        self.registry
            .prepare(&inst.name, &self.data_dir, &inst.overrides, inst.seed)
            .map_err(|e| Error::InExperiment {
                path: self.experiment.path.clone(),
                location: inst.location.clone(),
                source: Box::new(e),
            })
    }

    /// The UCI sets of the plan that ship a separate test file, by data set name, with the
    /// scaling mismatch of their two files (for the provenance file and Table 1's report).
    pub fn separate_test_files(&self) -> Result<BTreeMap<String, SeparateTestFile>> {
        let mut out = BTreeMap::new();
        for inst in &self.data {
            if out.contains_key(&inst.name) {
                continue;
            }
            if let Some((file, rows)) = self.registry.test_file(&inst.name) {
                let m = self.registry.scaling_mismatch(&inst.name, &self.data_dir)?;
                let info = SeparateTestFile {
                    file: file.to_string(),
                    rows,
                    mean_shift: Num(m.mean_shift),
                    sd_ratio: Num(m.sd_ratio),
                };
                out.insert(inst.name.clone(), info);
            }
        }
        Ok(out)
    }

    /// The results files' stem: the experiment's name, with `-quick` for the quick tier so
    /// that the quick tier never overwrites the full results.
    pub fn results_stem(&self) -> String {
        if self.experiment.quick {
            format!("{}-quick", self.experiment.name)
        } else {
            self.experiment.name.clone()
        }
    }

    /// The flags besides the paths that select this plan's cells (` --quick`, ` --device cuda`;
    /// empty for the full tier on the CPU), for the commands it hands on (`run-cell`,
    /// `collect`): the tier and the device enter the cells' keys.
    pub fn cell_flags(&self) -> String {
        let mut flags = String::new();
        if self.experiment.quick {
            flags.push_str(" --quick");
        }
        if !self.device.is_cpu() {
            flags.push_str(&format!(" --device {}", self.device));
        }
        flags
    }
}

/// Refuses a method that cannot fit the prepared data's task (a classifier on regression
/// targets) before any cell runs, naming the experiment file, the entry and the method.
fn check_task(path: &Path, location: &str, methods: &[Method], data: &Prepared) -> Result<()> {
    let classifier =
        (methods.iter()).find(|m| Baseline::of(**m).is_some_and(|b| b.needs_classes()));
    match classifier {
        Some(m) if data.task == Task::Regression => Err(Error::ExperimentConfig {
            path: path.to_path_buf(),
            line: None,
            location: location.to_string(),
            message: format!(
                "method `{m}` is a classifier, but `{}` has regression targets: drop it from \
                 `methods` or use a classification data set",
                data.name
            ),
        }),
        _ => Ok(()),
    }
}

/// The trainings of `stage` in a model group: one per learning rate (none to do for
/// `initial-ntk`, which yields a single untrained cell).
fn trainings(model: &ModelSpec, stage: Stage, n_train: usize) -> Vec<Option<Training>> {
    let spec = match stage {
        Stage::InitialNtk | Stage::Baselines => return vec![None],
        Stage::NtkKare => model.kare.as_ref(),
        Stage::Dnn => model.dnn.as_ref(),
    };
    spec.map(|s| {
        s.lr.0
            .iter()
            .map(|&lr| Some(Training::resolve(s, lr, n_train)))
            .collect()
    })
    .unwrap_or_default()
}
