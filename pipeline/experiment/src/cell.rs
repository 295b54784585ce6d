//! Cells: the units of work of an experiment, their resolved configuration and cache key.
//!
//! A cell is one (data set + overrides, seed, depth, width, stage, learning rate). Its stage says
//! what it trains: `ntk-kare` trains the NTK with KARE and reports the `ntk-kare` rows; `dnn`
//! trains the network by MSE once and reports both the `dnn` rows (the network's output) and
//! the `after-ntk` rows (its final NTK), so the DNN is never trained twice; `initial-ntk` trains
//! nothing. The key hashes everything a cell's numbers depend on, so a changed setting, data
//! declaration or crate version never reuses a stale record.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::config::{InverseSquarePrecision, TrainSpec};
use super::device::ComputeDevice;
use kare_data::Overrides;
use kare_results::Method;

/// Bumped by hand whenever the computation of a cell changes without a version change, so
/// that older records are not served.
pub const CELL_SCHEMA: &str = "kare-cell v1";

/// The version of the pipeline (this crate's), part of every key.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What a cell trains, and so which methods' rows it yields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// KARE training of the NTK (METHOD §4) → `ntk-kare`.
    NtkKare,
    /// MSE training of the network (METHOD §5) → `dnn` and `after-ntk`.
    Dnn,
    /// No training → `initial-ntk`.
    InitialNtk,
    /// The classical baselines (kernel ridge, SVM) → `krr-*`, `svm`; one cell per data set
    /// and seed, whatever the models (its depth and width are 0).
    Baselines,
}

impl Stage {
    /// The name used in keys, file names and labels.
    pub fn name(self) -> &'static str {
        match self {
            Stage::NtkKare => "ntk-kare",
            Stage::Dnn => "dnn",
            Stage::InitialNtk => "initial-ntk",
            Stage::Baselines => "baselines",
        }
    }

    /// The methods whose rows this stage yields.
    pub fn methods(self) -> &'static [Method] {
        match self {
            Stage::NtkKare => &[Method::NtkKare],
            Stage::Dnn => &[Method::Dnn, Method::AfterNtk],
            Stage::InitialNtk => &[Method::InitialNtk],
            Stage::Baselines => Method::BASELINES,
        }
    }

    /// The stages needed for `methods`, in a fixed order (the model stages first).
    pub fn for_methods(methods: &[Method]) -> Vec<Stage> {
        [
            Stage::NtkKare,
            Stage::Dnn,
            Stage::InitialNtk,
            Stage::Baselines,
        ]
        .into_iter()
        .filter(|s| s.methods().iter().any(|m| methods.contains(m)))
        .collect()
    }
}

/// SGD settings resolved against the training set's size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Training {
    /// Gradient steps to run.
    pub steps: usize,
    /// The epochs they came from, when the experiment gave epochs.
    pub epochs: Option<usize>,
    /// Learning rate.
    pub lr: f64,
    /// Mini-batch rows; `None` is the full batch (also when the declared batch covers all rows).
    pub batch_size: Option<usize>,
}

impl Training {
    /// Resolves `spec` at learning rate `lr` for `n_train` training rows.
    pub fn resolve(spec: &TrainSpec, lr: f64, n_train: usize) -> Self {
        let batch_size = spec.batch_size.filter(|&b| b < n_train);
        let per_epoch = batch_size.map_or(1, |b| n_train.div_ceil(b));
        Self {
            steps: spec
                .steps
                .unwrap_or_else(|| spec.epochs.unwrap_or(1) * per_epoch),
            epochs: spec.epochs,
            lr,
            batch_size,
        }
    }
}

/// Everything a cell's result depends on besides the data's bytes (which the data checksum
/// covers). Its canonical JSON is hashed into the key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellConfig {
    /// The `datasets.toml` entry (`family/set` for a set of a family).
    pub dataset: String,
    /// The experiment's overrides for it.
    pub overrides: Overrides,
    /// Seeds the data draw, the initial network and the mini-batch order.
    pub seed: u64,
    /// Hidden layers.
    pub depth: usize,
    /// Units per hidden layer.
    pub width: usize,
    /// What is trained.
    pub stage: Stage,
    /// How (absent for `initial-ntk`).
    pub training: Option<Training>,
    /// KARE's ridge.
    pub z: f64,
    /// Relative ridges of the kernel predictions.
    pub ridge_grid: Vec<f64>,
    /// Whether the trained network is kept beside the record.
    pub save_networks: bool,
    /// Which network of the seed's stream the cell starts from (0 the first; see
    /// [`super::config::Init::draw`]).
    pub init_draw: usize,
    /// The threads the cell computes with (its numbers depend on it).
    pub threads: usize,
    /// What a `baselines` cell fits (absent for the other stages, whose keys it leaves as
    /// they were).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baselines: Option<BaselineSet>,
    /// The device the cell computes on. The CPU is left out of the canonical JSON, so CPU
    /// cells keep the keys they had before the field existed.
    #[serde(default, skip_serializing_if = "ComputeDevice::is_cpu")]
    pub device: ComputeDevice,
    /// The precision of `M⁻²` in NTK-KARE training (f64 for every other stage). f64 is left
    /// out of the canonical JSON, so its cells keep the keys they had before the option.
    #[serde(default, skip_serializing_if = "InverseSquarePrecision::is_f64")]
    pub kernel_precision: InverseSquarePrecision,
}

/// The classical baselines of a `baselines` cell and the revision of their code
/// ([`crate::baselines::REVISION`]), so that a change of tuning or scoring never serves an
/// older record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineSet {
    /// [`crate::baselines::REVISION`] when the cell was planned.
    pub revision: u32,
    /// The baselines fitted, in the experiment's order.
    pub methods: Vec<Method>,
}

impl CellConfig {
    /// The cache key: sha256 of the canonical JSON of the schema tag, the crate version, the
    /// core library's [`kare_ntk::NUMERICS`] revision, the data checksum and this configuration (struct fields serialise in a fixed order, floats
    /// in their shortest round-trip form).
    pub fn key(&self, data_checksum: &str) -> String {
        #[derive(Serialize)]
        struct KeyInput<'a> {
            schema: &'a str,
            version: &'a str,
            numerics: u32,
            data_checksum: &'a str,
            config: &'a CellConfig,
        }
        let json = serde_json::to_vec(&KeyInput {
            schema: CELL_SCHEMA,
            version: VERSION,
            numerics: kare_ntk::NUMERICS,
            data_checksum,
            config: self,
        })
        .expect("a cell configuration always serialises");
        Sha256::digest(&json)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The methods whose results the cell's record holds, in order: its stage's, or the
    /// baselines a `baselines` cell names.
    pub fn methods(&self) -> &[Method] {
        match &self.baselines {
            Some(set) => &set.methods,
            None => self.stage.methods(),
        }
    }

    /// A one-line label for progress and errors.
    pub fn label(&self) -> String {
        let overrides = self.overrides.to_string();
        let data = if overrides.is_empty() {
            self.dataset.clone()
        } else {
            format!("{}[{overrides}]", self.dataset)
        };
        let lr = self
            .training
            .as_ref()
            .map(|t| format!(" lr {}", t.lr))
            .unwrap_or_default();
        if self.stage == Stage::Baselines {
            return format!("{data} seed {} baselines", self.seed);
        }
        format!(
            "{data} d{}×w{} seed {} {}{lr}",
            self.depth,
            self.width,
            self.seed,
            self.stage.name()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> CellConfig {
        CellConfig {
            dataset: "simulation".into(),
            overrides: Overrides {
                gamma: Some(1.25),
                sigma: Some(0.1),
                ..Overrides::default()
            },
            seed: 3,
            depth: 1,
            width: 64,
            stage: Stage::NtkKare,
            training: Some(Training {
                steps: 100,
                epochs: None,
                lr: 100.0,
                batch_size: None,
            }),
            z: 0.1,
            ridge_grid: vec![1e-5, 1.0, 1e5],
            save_networks: false,
            init_draw: 0,
            threads: 1,
            baselines: None,
            device: ComputeDevice::Cpu,
            kernel_precision: InverseSquarePrecision::F64,
        }
    }

    #[test]
    fn key_depends_on_every_setting_and_the_data() {
        let base = config();
        let key = base.key("data");
        assert_eq!(key.len(), 64);
        assert_eq!(key, config().key("data"), "keys are deterministic");
        assert_ne!(key, base.key("other data"));
        let mut changed = config();
        changed.ridge_grid.push(1e6);
        assert_ne!(key, changed.key("data"));
        let mut changed = config();
        changed.training.as_mut().unwrap().lr = 10.0;
        assert_ne!(key, changed.key("data"));
        let mut changed = config();
        changed.overrides.sigma = Some(0.0);
        assert_ne!(key, changed.key("data"));
        let mut changed = config();
        changed.init_draw = 1;
        assert_ne!(key, changed.key("data"));
        let mut changed = config();
        changed.threads = 2;
        assert_ne!(key, changed.key("data"));
        let mut changed = config();
        changed.device = ComputeDevice::Cuda;
        assert_ne!(key, changed.key("data"));
        let mut changed = config();
        changed.kernel_precision = InverseSquarePrecision::F32;
        assert_ne!(key, changed.key("data"));
        let mut changed = config();
        changed.baselines = Some(BaselineSet {
            revision: 2,
            methods: vec![Method::Svm],
        });
        assert_ne!(key, changed.key("data"));
    }

    /// Cells without baselines keep the keys they had before the field existed: their
    /// canonical JSON has no `baselines` member.
    #[test]
    fn cells_without_baselines_serialise_as_before() {
        let json = serde_json::to_string(&config()).unwrap();
        assert!(!json.contains("baselines"), "{json}");
        assert!(!json.contains("device"), "{json}");
        assert!(!json.contains("kernel_precision"), "{json}");
        let back: CellConfig = serde_json::from_str(&json).unwrap();
        assert_eq!(back, config());
    }

    #[test]
    fn labels_and_override_text() {
        assert_eq!(config().overrides.to_string(), "gamma=1.25,sigma=0.1");
        assert_eq!(
            config().label(),
            "simulation[gamma=1.25,sigma=0.1] d1×w64 seed 3 ntk-kare lr 100"
        );
        let fold = Overrides {
            set: Some("iris".into()),
            fold: Some(kare_data::Fold::Kfold(2)),
            ..Overrides::default()
        };
        assert_eq!(fold.to_string(), "fold=kfold(2),set=iris");
        let test_file = Overrides {
            set: Some("monks-1".into()),
            fold: Some(kare_data::Fold::TestFile),
            ..Overrides::default()
        };
        assert_eq!(test_file.to_string(), "fold=test_file,set=monks-1");
        // The text reads back to the same overrides (the results' `overrides` column).
        let numpy = Overrides {
            n_train: Some(50),
            rng: Some(kare_data::DrawRng::NumpyLegacy),
            ..config().overrides
        };
        for o in [
            config().overrides,
            fold,
            test_file,
            numpy,
            Overrides::default(),
        ] {
            assert_eq!(o.to_string().parse::<Overrides>(), Ok(o.clone()), "{o}");
        }
        for bad in [
            "fold=kfold(x)",
            "gamma=high",
            "colour=red",
            "n_train=5,n_train=6",
            "gamma",
        ] {
            assert!(bad.parse::<Overrides>().is_err(), "{bad}");
        }
    }

    /// The folds' serialised spellings enter every UCI cell's key: the fold-file splits keep
    /// theirs, and the test-file split reads back from its TOML spelling.
    #[test]
    fn fold_spellings_in_keys_and_files() {
        use kare_data::Fold;
        let json = |f: Fold| serde_json::to_string(&f).unwrap();
        assert_eq!(json(Fold::Holdout), r#""holdout""#);
        assert_eq!(json(Fold::Kfold(2)), r#"{"kfold":2}"#);
        assert_eq!(json(Fold::TestFile), r#""test_file""#);
        let parsed: Overrides = toml::from_str(r#"fold = "test_file""#).unwrap();
        assert_eq!(parsed.fold, Some(Fold::TestFile));
        let mut holdout = config();
        holdout.dataset = "uci121/iris".into();
        holdout.overrides = Overrides {
            fold: Some(Fold::Holdout),
            ..Overrides::default()
        };
        let mut test_file = holdout.clone();
        test_file.overrides.fold = Some(Fold::TestFile);
        assert_ne!(holdout.key("data"), test_file.key("data"));
    }

    #[test]
    fn epochs_become_steps_and_large_batches_the_full_batch() {
        let spec = |epochs, batch_size| TrainSpec {
            steps: None,
            epochs: Some(epochs),
            lr: super::super::config::Many(vec![0.1]),
            batch_size,
        };
        let t = Training::resolve(&spec(400, Some(32)), 0.1, 100);
        assert_eq!((t.steps, t.batch_size), (1600, Some(32)));
        let t = Training::resolve(&spec(300, Some(32)), 0.1, 20);
        assert_eq!((t.steps, t.batch_size), (300, None));
        let t = Training::resolve(&spec(300, None), 0.1, 500);
        assert_eq!((t.steps, t.batch_size), (300, None));
    }
}
