//! The UCI rows of a results file, with what Table 1 reads of them: the set, the split (the
//! fold of `overrides`, `holdout` when absent), and the hyper-parameter (depth, width,
//! learning rate and λ̃).

use crate::{Error, Result};
use kare_results::{Fold, Overrides};
use kare_results::{Method, ResultsFile};

/// The prefix of a UCI data set's name in the results (`uci121/iris`).
pub const SET_PREFIX: &str = "uci121/";

/// The folds of `conxuntos_kfold.dat`.
pub const K_FOLDS: usize = 4;

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
    pub split: Fold,
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

/// The columns Table 1 reads beyond [`kare_results::REQUIRED`].
const COLUMNS: [&str; 2] = ["overrides", "lr"];

/// The UCI rows of a results file (rows of other data sets are skipped). A missing column or a
/// fold outside `conxuntos_kfold.dat` is an error naming the file.
pub fn of(file: &ResultsFile) -> Result<Vec<UciRow>> {
    file.require(&COLUMNS, " (Table 1 reads them)")?;
    let mut rows = Vec::new();
    for r in &file.rows {
        let Some(set) = r.dataset.strip_prefix(SET_PREFIX) else {
            continue;
        };
        let split = r.overrides.fold.unwrap_or_default();
        if matches!(split, Fold::Kfold(k) if k >= K_FOLDS) {
            return Err(Error::Report {
                path: file.path.clone(),
                message: format!("{}: fold `{split}` is not one of 0..{K_FOLDS}", r.dataset),
            });
        }
        let other = Overrides {
            fold: None,
            ..r.overrides.clone()
        };
        rows.push(UciRow {
            set: set.to_string(),
            split,
            hyper: Hyper {
                depth: r.depth,
                width: r.width,
                lr: r.lr,
                ridge_rel: r.ridge_rel,
                other: other.to_string(),
            },
            seed: r.seed,
            method: r.method,
            accuracy: r.test_accuracy,
            grid_edge: r.grid_edge.clone(),
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

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
