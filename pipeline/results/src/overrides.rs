//! What a results row records of its data: the overrides an experiment set on a data set
//! (`Overrides`, with its text form, the results' `overrides` column), among them the UCI split
//! (`Fold`) and the generator of the draws (`DrawRng`). The data layer (`kare-data`) reads them
//! from experiment files and applies them.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The generator that turns a run seed into the data's random draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DrawRng {
    /// ChaCha8 streams seeded by the run seed (this project's own draws).
    #[default]
    Chacha8,
    /// numpy's legacy global generator, `np.random.seed(seed)` (MT19937), drawing in the order
    /// the paper's authors do, so that seed `s` gives their data for seed `s`.
    NumpyLegacy,
}

impl DrawRng {
    /// The name used in `datasets.toml` and experiment overrides.
    pub fn name(self) -> &'static str {
        match self {
            DrawRng::Chacha8 => "chacha8",
            DrawRng::NumpyLegacy => "numpy-legacy",
        }
    }
}

/// Which UCI split to use. Ordered as the report lists them: holdout, the folds, test file.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Deserialize, Serialize,
)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Fold {
    /// Line 1 of `conxuntos.dat` trains, line 2 tests (the reference code's protocol).
    #[default]
    Holdout,
    /// Fold k (0..4) of `conxuntos_kfold.dat`: lines 2k+1 (train) and 2k+2 (test).
    Kfold(usize),
    /// Every row of the data file trains and every row of the set's separate test file tests
    /// (the split on which the 179 classifiers' accuracies of the 19 sets with a test file were
    /// published). Only for sets that declare `test`.
    TestFile,
}

impl fmt::Display for Fold {
    /// `holdout`, `kfold(k)` or `test_file`, as in the results' `overrides` column.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fold::Holdout => f.write_str("holdout"),
            Fold::Kfold(k) => write!(f, "kfold({k})"),
            Fold::TestFile => f.write_str("test_file"),
        }
    }
}

/// Settings an experiment may change for one run; each applies to some formats only, and
/// one that does not apply is an error rather than ignored.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Overrides {
    /// Rows drawn for training (csv, idx: subsample size; simulation: leading rows).
    pub n_train: Option<usize>,
    /// Rows drawn for testing (csv, idx: subsample size; simulation: trailing rows).
    pub n_test: Option<usize>,
    /// Simulation input dimension.
    pub d: Option<usize>,
    /// Simulation γ.
    pub gamma: Option<f64>,
    /// Simulation noise σ.
    pub sigma: Option<f64>,
    /// UCI set name.
    pub set: Option<String>,
    /// UCI split.
    pub fold: Option<Fold>,
    /// The generator of the per-seed draws (absent: the entry's `rng`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rng: Option<DrawRng>,
}

impl fmt::Display for Overrides {
    /// The overrides that are set, as `key=value` pairs joined by `,` in key order
    /// (`gamma=1.25,sigma=0.1`, `fold=kfold(2),set=iris`); empty when none is set. This is the
    /// `overrides` column of the results; [`str::parse`] reads it back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = serde_json::to_value(self).map_err(|_| fmt::Error)?;
        let Some(fields) = value.as_object() else {
            return Ok(());
        };
        let pairs: Vec<String> = fields
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| {
                let text = match v {
                    serde_json::Value::String(s) => s.clone(),
                    serde_json::Value::Object(o) if o.len() == 1 => o
                        .iter()
                        .map(|(ok, ov)| format!("{ok}({ov})"))
                        .collect::<String>(),
                    other => other.to_string(),
                };
                format!("{k}={text}")
            })
            .collect();
        f.write_str(&pairs.join(","))
    }
}

impl std::str::FromStr for Overrides {
    type Err = String;

    /// Reads the text form written by [`Display`](fmt::Display): `key=value` pairs joined by
    /// `,`. `fold` is `holdout`, `test_file` or `kfold(k)`; `set` and `rng` are names; the
    /// others are numbers. An unknown key or a value of the wrong type is an error naming it.
    fn from_str(text: &str) -> std::result::Result<Overrides, String> {
        let mut table = serde_json::Map::new();
        for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = pair
                .split_once('=')
                .ok_or_else(|| format!("`{pair}` is not `key=value`"))?;
            let (key, value) = (key.trim(), value.trim());
            let parsed = match (key, value.strip_prefix("kfold(")) {
                ("fold", Some(k)) => serde_json::json!({ "kfold": k.strip_suffix(')')
                    .and_then(|k| k.parse::<usize>().ok())
                    .ok_or_else(|| format!("fold `{value}` is not `kfold(k)`"))? }),
                ("fold" | "set" | "rng", _) => serde_json::Value::String(value.into()),
                _ => serde_json::from_str::<serde_json::Number>(value)
                    .map(serde_json::Value::Number)
                    .map_err(|_| format!("`{key}={value}`: `{value}` is not a number"))?,
            };
            if table.insert(key.to_string(), parsed).is_some() {
                return Err(format!("`{key}` is given twice"));
            }
        }
        Overrides::deserialize(serde_json::Value::Object(table))
            .map_err(|e| format!("`{text}`: {e}"))
    }
}
