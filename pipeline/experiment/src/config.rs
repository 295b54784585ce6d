//! The experiment file schema (`experiments/*.toml`), its `[quick]` tier, and its validation.
//!
//! Every table rejects unknown keys, so a typo is an error naming the file, the key path and
//! (when the parser knows it) the line, never a silently ignored setting. Everything that can
//! be checked without data (sizes, rates, grids, which training a method needs) is checked
//! when the file is loaded, before any cell runs.

use std::fmt;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use serde::de::{self, IntoDeserializer, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::{Error, Result};
use kare_data::Overrides;
use kare_results::Method;

/// Where the MSE-trained network starts, relative to the KARE-trained one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Init {
    /// The authors' convention: the KARE network and the DNN are two consecutive draws of the
    /// seed's stream (the KARE network and the initial NTK the first, the DNN the second).
    #[default]
    Independent,
    /// One draw: the DNN starts from the KARE network's initialisation.
    Shared,
}

impl Init {
    /// The name used in experiment files and results.
    pub fn name(self) -> &'static str {
        match self {
            Init::Independent => "independent",
            Init::Shared => "shared",
        }
    }

    /// Which draw of the seed's stream a cell of `stage` starts from (0 the first).
    pub fn draw(self, stage: super::cell::Stage) -> usize {
        match (self, stage) {
            (Init::Independent, super::cell::Stage::Dnn) => 1,
            _ => 0,
        }
    }
}

/// A value or a list of values (`lr = 10.0` or `lr = [100.0, 10.0]`); a grid axis.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Many<T>(pub Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Many<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct ManyVisitor<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>> ManyVisitor<T> {
            fn one<E: de::Error>(
                value: impl IntoDeserializer<'de, E>,
            ) -> std::result::Result<Vec<T>, E> {
                T::deserialize(value.into_deserializer()).map(|t| vec![t])
            }
        }

        impl<'de, T: Deserialize<'de>> Visitor<'de> for ManyVisitor<T> {
            type Value = Vec<T>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number or a list of numbers")
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<Vec<T>, E> {
                Self::one(v)
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<Vec<T>, E> {
                Self::one(v)
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<Vec<T>, E> {
                Self::one(v)
            }

            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<Vec<T>, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = seq.next_element()? {
                    out.push(v);
                }
                Ok(out)
            }
        }

        d.deserialize_any(ManyVisitor(PhantomData)).map(Many)
    }
}

/// One data set of the grid: a `datasets.toml` entry with the experiment's overrides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSpec {
    /// The entry (`simulation`, `mnist-7v9`, `uci121/iris`, ...).
    pub name: String,
    /// For a family entry (`uci121`): expands into one data set per listed set (`uci121/<set>`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sets: Vec<String>,
    /// Settings changed for this experiment (n_train, n_test, d, gamma, sigma, set, fold).
    #[serde(default)]
    pub overrides: Overrides,
}

/// SGD settings of one trainer: `steps` or `epochs` (one of the two), learning rates, batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainSpec {
    /// Gradient steps (a mini-batch step counts as one).
    pub steps: Option<usize>,
    /// Passes over the training rows: `epochs × ⌈n_train / batch_size⌉` steps.
    pub epochs: Option<usize>,
    /// Learning rate, or a list of them (a grid axis: one cell per rate).
    pub lr: Many<f64>,
    /// Mini-batch rows (absent: full batch). A batch larger than the training set is the
    /// full batch.
    pub batch_size: Option<usize>,
}

/// A group of models: every `depth` × `width`, trained with these settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    /// Hidden layers (a value or a list).
    pub depth: Many<usize>,
    /// Units per hidden layer (a value or a list).
    pub width: Many<usize>,
    /// NTK-KARE training (METHOD §4); needed by `ntk-kare`.
    pub kare: Option<TrainSpec>,
    /// DNN training by MSE (METHOD §5); needed by `dnn` and `after-ntk`.
    pub dnn: Option<TrainSpec>,
}

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExperimentFile {
    description: String,
    registry: PathBuf,
    z: f64,
    methods: Vec<Method>,
    seeds: Vec<u64>,
    ridge_grid: Vec<f64>,
    #[serde(default)]
    save_networks: bool,
    #[serde(default)]
    init: Init,
    #[serde(default = "one")]
    cell_threads: usize,
    #[serde(default)]
    kernel_precision: InverseSquarePrecision,
    #[serde(default)]
    max_memory: Option<MaxMemory>,
    datasets: Vec<DataSpec>,
    models: Vec<ModelSpec>,
    quick: Option<QuickTier>,
}

/// An experiment's bound on the memory of one cell, as written: bytes, or a size with a unit
/// (`"8GiB"`, `"500MB"`; see [`kare_data::memory::parse_bytes`]). Not part of any cell's key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MaxMemory {
    /// A number of bytes.
    Bytes(u64),
    /// A size with a unit.
    Text(String),
}

impl MaxMemory {
    /// The bound in bytes and as written; `Err` says why the text is not a size.
    pub fn resolve(&self) -> std::result::Result<(u64, String), String> {
        match self {
            MaxMemory::Bytes(0) => Err("must be a positive number of bytes".into()),
            MaxMemory::Bytes(b) => Ok((*b, b.to_string())),
            MaxMemory::Text(t) => kare_data::memory::parse_bytes(t).map(|b| (b, t.clone())),
        }
    }
}

/// `kernel_precision`: the precision of the `M⁻²` term of `∂KARE/∂K` in NTK-KARE training,
/// `"f64"` (the default) or `"f32"` (`kare_ntk::KernelPrecision`: about 15 % off a step at
/// Figure 1's size, a gradient within 1e-5 of f64's; KARE's value and the Cholesky factor stay
/// f64). A different precision is a different training, so it enters the keys of NTK-KARE
/// cells (f64 is left out of them, as before the option existed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InverseSquarePrecision {
    #[default]
    F64,
    F32,
}

impl InverseSquarePrecision {
    /// Whether this is the default, f64.
    pub fn is_f64(&self) -> bool {
        *self == Self::F64
    }

    /// The core library's setting.
    pub fn core(self) -> kare_ntk::KernelPrecision {
        match self {
            Self::F64 => kare_ntk::KernelPrecision::F64,
            Self::F32 => kare_ntk::KernelPrecision::F32,
        }
    }
}

fn one() -> usize {
    1
}

/// `[quick]`: any key given replaces the full tier's value as a whole.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct QuickTier {
    z: Option<f64>,
    methods: Option<Vec<Method>>,
    seeds: Option<Vec<u64>>,
    ridge_grid: Option<Vec<f64>>,
    save_networks: Option<bool>,
    datasets: Option<Vec<DataSpec>>,
    models: Option<Vec<ModelSpec>>,
}

/// The grid of one tier, after `[quick]` has been applied: what the cells are made of.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tier {
    /// KARE's ridge (absolute, added to K/n) for training and for `final_kare`.
    pub z: f64,
    /// Methods reported, in this order.
    pub methods: Vec<Method>,
    /// Run seeds: each draws the data (where the entry redraws per seed), the initial
    /// network and the mini-batch order.
    pub seeds: Vec<u64>,
    /// Relative ridges λ̃ of kernel ridge prediction (`λ = λ̃·tr(K)/n²`).
    pub ridge_grid: Vec<f64>,
    /// Keep each trained network as safetensors beside its cell record.
    pub save_networks: bool,
    /// Where the DNN starts relative to the KARE network.
    pub init: Init,
    /// The threads every cell computes with, whatever `--jobs` and the machine's cores: the
    /// summation order of the parallel products depends on it, and KARE training at large
    /// learning rates is chaotic, so a cell's numbers are a function of its key only.
    pub cell_threads: usize,
    /// The precision of the `M⁻²` term of `∂KARE/∂K` in NTK-KARE training (absent from the
    /// provenance when f64, the default).
    #[serde(skip_serializing_if = "InverseSquarePrecision::is_f64")]
    pub kernel_precision: InverseSquarePrecision,
    /// The most memory one cell may take (the machine's available memory bounds it too):
    /// a cell estimated to need more is refused before any cell runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_memory: Option<MaxMemory>,
    /// Data sets, in order.
    pub datasets: Vec<DataSpec>,
    /// Model groups, in order.
    pub models: Vec<ModelSpec>,
}

/// A loaded experiment: its file, its registry and the tier to run.
#[derive(Debug, Clone)]
pub struct Experiment {
    /// The file's stem (`figure1`): names the cache folder and the results files.
    pub name: String,
    /// The experiment file.
    pub path: PathBuf,
    /// One line for humans.
    pub description: String,
    /// The `datasets.toml` it uses (resolved against the experiment file's folder).
    pub registry: PathBuf,
    /// True for the `[quick]` tier.
    pub quick: bool,
    /// The grid to run.
    pub tier: Tier,
}

impl Experiment {
    /// The tier's label: `full` or `quick`.
    pub fn tier_name(&self) -> &'static str {
        if self.quick {
            "quick"
        } else {
            "full"
        }
    }

    /// Reads and validates an experiment file; `quick` selects its `[quick]` tier. Errors
    /// name the file, the key path and the line.
    pub fn load(path: &Path, quick: bool) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, path, quick)
    }

    /// [`Experiment::load`] from text; `path` names it and anchors `registry`.
    pub fn parse(text: &str, path: &Path, quick: bool) -> Result<Self> {
        let error = |line, location: String, message: String| Error::ExperimentConfig {
            path: path.to_path_buf(),
            line,
            location,
            message,
        };
        let file: ExperimentFile =
            kare_data::toml_file::parse(text).map_err(|m| error(m.line, m.location, m.message))?;
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| error(None, "file name".into(), "has no usable stem".into()))?
            .to_string();
        let registry = path.parent().unwrap_or(Path::new("")).join(&file.registry);
        // The full tier is always checked, so `--quick` runs catch its mistakes too.
        let full = file.full_tier();
        full.validate()
            .map_err(|(field, message)| error(None, field, message))?;
        let tier = match (quick, file.quick) {
            (false, _) => full,
            (true, Some(q)) => {
                let tier = full.with_quick(q);
                tier.validate()
                    .map_err(|(field, message)| error(None, format!("quick.{field}"), message))?;
                tier
            }
            (true, None) => {
                return Err(error(
                    None,
                    "quick".into(),
                    "no [quick] table: this experiment has no quick tier".into(),
                ))
            }
        };
        Ok(Self {
            name,
            path: path.to_path_buf(),
            description: file.description,
            registry,
            quick,
            tier,
        })
    }
}

impl ExperimentFile {
    fn full_tier(&self) -> Tier {
        Tier {
            z: self.z,
            methods: self.methods.clone(),
            seeds: self.seeds.clone(),
            ridge_grid: self.ridge_grid.clone(),
            save_networks: self.save_networks,
            init: self.init,
            cell_threads: self.cell_threads,
            kernel_precision: self.kernel_precision,
            max_memory: self.max_memory.clone(),
            datasets: self.datasets.clone(),
            models: self.models.clone(),
        }
    }
}

impl Tier {
    fn with_quick(self, q: QuickTier) -> Tier {
        Tier {
            z: q.z.unwrap_or(self.z),
            methods: q.methods.unwrap_or(self.methods),
            seeds: q.seeds.unwrap_or(self.seeds),
            ridge_grid: q.ridge_grid.unwrap_or(self.ridge_grid),
            save_networks: q.save_networks.unwrap_or(self.save_networks),
            init: self.init,
            cell_threads: self.cell_threads,
            kernel_precision: self.kernel_precision,
            max_memory: self.max_memory,
            datasets: q.datasets.unwrap_or(self.datasets),
            models: q.models.unwrap_or(self.models),
        }
    }

    /// True when some method needs the MSE-trained DNN.
    pub fn needs_dnn(&self) -> bool {
        self.methods
            .iter()
            .any(|m| matches!(m, Method::Dnn | Method::AfterNtk))
    }

    /// True when `ntk-kare` is asked for.
    pub fn needs_kare(&self) -> bool {
        self.methods.contains(&Method::NtkKare)
    }

    /// The first problem found, as (key path, message).
    fn validate(&self) -> std::result::Result<(), (String, String)> {
        let bad = |field: &str, message: String| Err((field.to_string(), message));
        if !(self.z.is_finite() && self.z > 0.0) {
            return bad("z", format!("must be positive and finite, got {}", self.z));
        }
        if !(1..=256).contains(&self.cell_threads) {
            return bad(
                "cell_threads",
                format!(
                    "must be 1 … 256 threads per cell, got {}",
                    self.cell_threads
                ),
            );
        }
        if let Some(Err(message)) = self.max_memory.as_ref().map(MaxMemory::resolve) {
            return bad("max_memory", message);
        }
        non_empty_unique("methods", &self.methods)?;
        non_empty_unique("seeds", &self.seeds)?;
        non_empty_unique("ridge_grid", &self.ridge_grid)?;
        if let Some((i, v)) = self
            .ridge_grid
            .iter()
            .enumerate()
            .find(|(_, v)| !(v.is_finite() && **v > 0.0))
        {
            return bad(
                &format!("ridge_grid[{i}]"),
                format!("relative ridges must be positive and finite, got {v}"),
            );
        }
        if self.datasets.is_empty() {
            return bad("datasets", "lists no data set".into());
        }
        for (i, d) in self.datasets.iter().enumerate() {
            if d.name.trim().is_empty() {
                return bad(&format!("datasets[{i}].name"), "is empty".into());
            }
            if !d.sets.is_empty() && (d.name.contains('/') || d.overrides.set.is_some()) {
                return bad(
                    &format!("datasets[{i}].sets"),
                    "cannot be combined with a `family/set` name or `overrides.set`".into(),
                );
            }
            if !d.sets.is_empty() {
                non_empty_unique(&format!("datasets[{i}].sets"), &d.sets)?;
            }
        }
        if self.models.is_empty() {
            return bad("models", "lists no model".into());
        }
        for (i, m) in self.models.iter().enumerate() {
            let at = |field: &str| format!("models[{i}].{field}");
            non_empty_unique(&at("depth"), &m.depth.0)?;
            non_empty_unique(&at("width"), &m.width.0)?;
            if m.width.0.contains(&0) {
                return bad(
                    &at("width"),
                    "a hidden layer needs at least one unit".into(),
                );
            }
            for (needed, spec, what, by) in [
                (self.needs_kare(), &m.kare, "kare", "`ntk-kare`"),
                (self.needs_dnn(), &m.dnn, "dnn", "`dnn` and `after-ntk`"),
            ] {
                match spec {
                    Some(t) => t
                        .validate()
                        .map_err(|(f, msg)| (at(&format!("{what}.{f}")), msg))?,
                    None if needed => {
                        return bad(&at(what), format!("missing: {by} need this training"))
                    }
                    None => {}
                }
            }
        }
        Ok(())
    }
}

impl TrainSpec {
    fn validate(&self) -> std::result::Result<(), (String, String)> {
        let bad = |field: &str, message: &str| Err((field.to_string(), message.to_string()));
        match (self.steps, self.epochs) {
            (Some(_), Some(_)) => return bad("steps", "give `steps` or `epochs`, not both"),
            (None, None) => return bad("steps", "missing: give `steps` or `epochs`"),
            (Some(0), _) => return bad("steps", "must be at least 1"),
            (_, Some(0)) => return bad("epochs", "must be at least 1"),
            _ => {}
        }
        if self.batch_size == Some(0) {
            return bad("batch_size", "must be at least 1");
        }
        non_empty_unique("lr", &self.lr.0)?;
        if let Some((i, lr)) = self
            .lr
            .0
            .iter()
            .enumerate()
            .find(|(_, v)| !(v.is_finite() && **v > 0.0))
        {
            return Err((
                format!("lr[{i}]"),
                format!("learning rates must be positive and finite, got {lr}"),
            ));
        }
        Ok(())
    }
}

fn non_empty_unique<T: PartialEq + fmt::Debug>(
    field: &str,
    values: &[T],
) -> std::result::Result<(), (String, String)> {
    if values.is_empty() {
        return Err((field.to_string(), "is empty".into()));
    }
    for (i, v) in values.iter().enumerate() {
        if values[..i].contains(v) {
            return Err((format!("{field}[{i}]"), format!("{v:?} is listed twice")));
        }
    }
    Ok(())
}
