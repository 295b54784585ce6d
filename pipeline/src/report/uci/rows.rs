//! The UCI rows of a results CSV, read with the columns Table 1 needs beyond the generic
//! loader's: the split (`overrides`: `fold=holdout`, `fold=kfold(k)` or `fold=test_file`) and
//! the learning rate, which with depth, width and λ̃ make a method's hyper-parameter.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use crate::experiment::Method;
use crate::{Error, Result};

/// The prefix of a UCI data set's name in the results (`uci121/iris`).
pub const SET_PREFIX: &str = "uci121/";

/// The folds of `conxuntos_kfold.dat`.
pub const K_FOLDS: usize = 4;

/// The results CSV columns read here.
const COLUMNS: [&str; 9] = [
    "dataset",
    "overrides",
    "depth",
    "width",
    "seed",
    "method",
    "lr",
    "ridge_rel",
    "test_accuracy",
];

/// Which split of a UCI set a row was computed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Split {
    /// `conxuntos.dat`: the train / test halves of the reference code.
    Holdout,
    /// Fold `k` (0 to [`K_FOLDS`] − 1) of `conxuntos_kfold.dat`.
    Kfold(usize),
    /// The whole data file trains, the set's separate test file tests (`fold=test_file`).
    TestFile,
}

impl fmt::Display for Split {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Split::Holdout => f.write_str("holdout"),
            Split::Kfold(k) => write!(f, "kfold({k})"),
            Split::TestFile => f.write_str("test_file"),
        }
    }
}

impl Split {
    /// Reads the split from an `overrides` cell (`fold=holdout`, `fold=kfold(2)`,
    /// `fold=test_file`, possibly among other `key=value` pairs joined by `,`) and returns it
    /// with the other overrides (joined again, in their order). Without a `fold` the split is `holdout`, the registry's
    /// default for `uci121`.
    pub fn parse(overrides: &str) -> Result<(Split, String), String> {
        let mut split = Split::Holdout;
        let mut other = Vec::new();
        for pair in overrides
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            match pair.split_once('=') {
                Some(("fold", value)) => {
                    split = match value.trim() {
                        "holdout" => Split::Holdout,
                        "test_file" => Split::TestFile,
                        v => {
                            let k = v
                                .strip_prefix("kfold(")
                                .and_then(|r| r.strip_suffix(')'))
                                .and_then(|k| k.trim().parse::<usize>().ok())
                                .filter(|k| *k < K_FOLDS)
                                .ok_or_else(|| {
                                    format!(
                                        "fold `{v}` is not `holdout`, `test_file` or `kfold(k)` \
                                         with k in 0..{K_FOLDS}"
                                    )
                                })?;
                            Split::Kfold(k)
                        }
                    }
                }
                _ => other.push(pair),
            }
        }
        Ok((split, other.join(",")))
    }
}

/// A method's hyper-parameter: whichever of depth, width, learning rate and λ̃ it has (the
/// baselines have none here: they tune their own on the training data), and any overrides
/// other than the fold.
#[derive(Debug, Clone, PartialEq)]
pub struct Hyper {
    /// Hidden layers (0 for the baselines).
    pub depth: usize,
    /// Units per hidden layer (0 for the baselines).
    pub width: usize,
    /// Learning rate (KARE's for NTK-KARE, SGD's for the DNN and the after-NTK).
    pub lr: Option<f64>,
    /// Relative ridge λ̃ of the kernel methods.
    pub ridge_rel: Option<f64>,
    /// Overrides other than `fold` (usually empty).
    pub other: String,
}

impl Hyper {
    /// Whether `self` and `other` are the same point of the grid.
    pub fn same(&self, other: &Hyper) -> bool {
        let bits = |v: Option<f64>| v.map(f64::to_bits);
        self.depth == other.depth
            && self.width == other.width
            && bits(self.lr) == bits(other.lr)
            && bits(self.ridge_rel) == bits(other.ridge_rel)
            && self.other == other.other
    }

    /// `depth 1, width 64, lr 10, λ̃ 1e-2`; `its own (tuned on the training data)` for a
    /// baseline.
    pub fn text(&self) -> String {
        let parts = self.parts(|d, w| format!("depth {d}, width {w}"));
        if parts.is_empty() {
            "its own (tuned on the training data)".into()
        } else {
            parts.join(", ")
        }
    }

    /// A compact form for table cells: `d1 w64 lr 10 λ̃ 1e-2`; `—` for a baseline.
    pub fn short(&self) -> String {
        let parts = self.parts(|d, w| format!("d{d} w{w}"));
        if parts.is_empty() {
            "—".into()
        } else {
            parts.join(" ")
        }
    }

    /// The settings this hyper-parameter has, the model written by `model(depth, width)`.
    fn parts(&self, model: impl Fn(usize, usize) -> String) -> Vec<String> {
        let mut parts = Vec::new();
        if self.depth > 0 || self.width > 0 {
            parts.push(model(self.depth, self.width));
        }
        if let Some(lr) = self.lr {
            parts.push(format!("lr {lr}"));
        }
        if let Some(r) = self.ridge_rel {
            parts.push(format!("λ̃ {r:e}"));
        }
        if !self.other.is_empty() {
            parts.push(self.other.clone());
        }
        parts
    }
}

/// One UCI row of the results.
#[derive(Debug, Clone, PartialEq)]
pub struct UciRow {
    /// The set (`iris`: the data set's name without [`SET_PREFIX`]).
    pub set: String,
    /// The split.
    pub split: Split,
    /// The hyper-parameter.
    pub hyper: Hyper,
    /// The seed.
    pub seed: u64,
    /// The method.
    pub method: Method,
    /// Test accuracy, a fraction (absent or NaN when the prediction failed).
    pub accuracy: Option<f64>,
    /// For a classical baseline, the tuned hyper-parameters at an edge of their grid (`none`,
    /// or their names); absent for the other methods and in results written before the
    /// column existed.
    pub grid_edge: Option<String>,
}

/// Whether a results row's data set is a UCI set.
pub fn is_uci(dataset: &str) -> bool {
    dataset.starts_with(SET_PREFIX)
}

/// Reads the UCI rows of a results CSV (rows of other data sets are skipped). A missing
/// column, an unknown method or fold, or an unparsable number is an error naming the column
/// and the line.
pub fn load(path: &Path) -> Result<Vec<UciRow>> {
    let fail = |message: String| Error::Report {
        path: path.to_path_buf(),
        message,
    };
    let mut reader = csv::Reader::from_path(path).map_err(|e| fail(e.to_string()))?;
    let header = reader.headers().map_err(|e| fail(e.to_string()))?;
    let columns: HashMap<&str, usize> = header
        .iter()
        .enumerate()
        .map(|(i, name)| (name.trim(), i))
        .collect();
    let missing: Vec<&str> = COLUMNS
        .into_iter()
        .filter(|c| !columns.contains_key(c))
        .collect();
    if !missing.is_empty() {
        return Err(fail(format!(
            "missing column(s) `{}` (Table 1 reads them)",
            missing.join("`, `")
        )));
    }
    let index: Vec<usize> = COLUMNS.iter().map(|c| columns[c]).collect();
    let grid_edge = columns.get("grid_edge").copied();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| fail(e.to_string()))?;
        let line = record.position().map_or(0, |p| p.line());
        let cell = |c: usize| record.get(index[c]).unwrap_or_default().trim();
        let bad = |c: usize, what: &str| {
            fail(format!(
                "line {line}, column `{}`: `{}` {what}",
                COLUMNS[c],
                cell(c)
            ))
        };
        let Some(set) = cell(0).strip_prefix(SET_PREFIX) else {
            continue;
        };
        let count = |c: usize| {
            cell(c)
                .parse::<usize>()
                .map_err(|_| bad(c, "is not a non-negative integer"))
        };
        let optional = |c: usize| match cell(c) {
            "" => Ok(None),
            v => v
                .parse::<f64>()
                .map(Some)
                .map_err(|_| bad(c, "is not a number")),
        };
        let (split, other) = Split::parse(cell(1))
            .map_err(|m| fail(format!("line {line}, column `overrides`: {m}")))?;
        rows.push(UciRow {
            set: set.to_string(),
            split,
            hyper: Hyper {
                depth: count(2)?,
                width: count(3)?,
                lr: optional(6)?,
                ridge_rel: optional(7)?,
                other,
            },
            seed: cell(4)
                .parse()
                .map_err(|_| bad(4, "is not a non-negative integer"))?,
            method: Method::parse(cell(5)).ok_or_else(|| bad(5, "is not a known method"))?,
            accuracy: optional(8)?,
            grid_edge: grid_edge
                .and_then(|i| record.get(i))
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(String::from),
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_other_overrides_are_read() {
        assert_eq!(
            Split::parse("fold=holdout").unwrap(),
            (Split::Holdout, String::new())
        );
        assert_eq!(
            Split::parse("fold=kfold(3)").unwrap(),
            (Split::Kfold(3), String::new())
        );
        assert_eq!(
            Split::parse("n_train=50,fold=kfold(0)").unwrap(),
            (Split::Kfold(0), "n_train=50".to_string())
        );
        assert_eq!(
            Split::parse("set=monks-1,fold=test_file").unwrap(),
            (Split::TestFile, "set=monks-1".to_string())
        );
        assert_eq!(Split::TestFile.to_string(), "test_file");
        assert_eq!(Split::parse("").unwrap(), (Split::Holdout, String::new()));
        assert!(Split::parse("fold=kfold(4)")
            .unwrap_err()
            .contains("kfold(4)"));
        assert!(Split::parse("fold=train").is_err());
    }

    #[test]
    fn hyper_text_names_what_the_method_has() {
        let h = Hyper {
            depth: 1,
            width: 64,
            lr: Some(10.0),
            ridge_rel: Some(0.01),
            other: String::new(),
        };
        assert_eq!(h.text(), "depth 1, width 64, lr 10, λ̃ 1e-2");
        assert_eq!(h.short(), "d1 w64 lr 10 λ̃ 1e-2");
        let baseline = Hyper {
            depth: 0,
            width: 0,
            lr: None,
            ridge_rel: None,
            other: String::new(),
        };
        assert_eq!(baseline.text(), "its own (tuned on the training data)");
        assert!(h.same(&h.clone()) && !h.same(&baseline));
    }
}
