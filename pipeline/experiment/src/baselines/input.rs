//! The baselines' view of a prepared data set, checked once: shapes, finite values, and ±1
//! labels for classification, so that the solvers never meet malformed input.

use crate::Error;
use crate::Result;
use kare_data::{Prepared, Task};

/// A checked prepared data set (row-major slices, see [`Prepared`]).
pub(crate) struct Input<'a> {
    pub name: &'a str,
    pub x_train: &'a [f64],
    pub x_test: &'a [f64],
    pub y_train: &'a [f64],
    pub y_test: &'a [f64],
    pub n_train: usize,
    pub n_test: usize,
    pub d: usize,
    pub c: usize,
    pub task: Task,
}

impl<'a> Input<'a> {
    /// Checks `p`: non-empty sets, slice lengths that match the stated shapes, a column count
    /// that fits the task, finite values, and ±1 (one-hot ±1) labels for classification.
    pub fn new(p: &'a Prepared) -> Result<Self> {
        let input = Self {
            name: &p.name,
            x_train: &p.x_train,
            x_test: &p.x_test,
            y_train: &p.y_train,
            y_test: &p.y_test,
            n_train: p.n_train,
            n_test: p.n_test,
            d: p.d,
            c: p.c,
            task: p.task,
        };
        if p.n_train == 0 {
            return Err(input.error("empty training set (n_train = 0)".into()));
        }
        if p.n_test == 0 {
            return Err(input.error("empty test set (n_test = 0)".into()));
        }
        if p.d == 0 || p.c == 0 {
            return Err(input.error(format!(
                "need at least one feature and one target column, got d = {}, c = {}",
                p.d, p.c
            )));
        }
        match p.task {
            Task::Binary if p.c != 1 => {
                return Err(input.error(format!("a binary task has 1 target column, got {}", p.c)))
            }
            Task::Multiclass { classes } if classes < 2 || classes != p.c => {
                return Err(input.error(format!(
                    "a {classes}-class task needs {classes} ≥ 2 target columns, got {}",
                    p.c
                )))
            }
            _ => {}
        }
        let arrays = [
            ("x_train", input.x_train, p.n_train, p.d),
            ("x_test", input.x_test, p.n_test, p.d),
            ("y_train", input.y_train, p.n_train, p.c),
            ("y_test", input.y_test, p.n_test, p.c),
        ];
        for (what, values, rows, cols) in arrays {
            if values.len() != rows * cols {
                return Err(input.error(format!(
                    "{what} holds {} values but its shape is {rows}×{cols}",
                    values.len()
                )));
            }
            if let Some(i) = values.iter().position(|v| !v.is_finite()) {
                return Err(input.error(format!(
                    "{what}[row {}, column {}] is {}: inputs must be finite",
                    i / cols,
                    i % cols,
                    values[i]
                )));
            }
        }
        if p.task != Task::Regression {
            for (what, values) in [("y_train", input.y_train), ("y_test", input.y_test)] {
                input.check_labels(what, values)?;
            }
        }
        Ok(input)
    }

    /// Checks that every row of a target matrix is a ±1 label (binary) or one-hot ±1.
    fn check_labels(&self, what: &str, y: &[f64]) -> Result<()> {
        for (row, r) in y.chunks(self.c).enumerate() {
            if let Some(v) = r.iter().find(|v| **v != 1.0 && **v != -1.0) {
                return Err(self.error(format!("{what} row {row} holds {v}, not a ±1 label")));
            }
            if self.c > 1 && r.iter().filter(|v| **v == 1.0).count() != 1 {
                return Err(self.error(format!(
                    "{what} row {row} is not one-hot ±1 (needs exactly one +1)"
                )));
            }
        }
        Ok(())
    }

    /// The class of each training row (the +1 column; 1 for +1 and 0 for −1 when binary), or
    /// 0 for every row in regression: the strata of the cross-validation folds, and the
    /// labels the classifiers are fitted to.
    pub fn strata(&self) -> Vec<usize> {
        self.y_train
            .chunks(self.c)
            .map(|r| match self.task {
                Task::Regression => 0,
                Task::Binary => usize::from(r[0] > 0.0),
                Task::Multiclass { .. } => r.iter().position(|v| *v > 0.0).unwrap_or(0),
            })
            .collect()
    }

    /// A baseline error about this data set.
    pub fn error(&self, message: String) -> Error {
        Error::Baseline {
            data: self.name.to_owned(),
            message,
        }
    }
}

/// Rows `rows` of the row-major `x` with `width` columns, row-major.
pub(crate) fn gather(x: &[f64], width: usize, rows: &[usize]) -> Vec<f64> {
    rows.iter()
        .flat_map(|&r| x[r * width..(r + 1) * width].iter().copied())
        .collect()
}
