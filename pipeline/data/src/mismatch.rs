//! How differently a UCI set's train and test files are scaled, measured on the raw files.
//!
//! The collection's authors scaled each file of a set separately, so in the 19 sets with a
//! separate test file the test features may be shifted or stretched against the training
//! statistics our preprocessing uses; this says by how much.

use super::config::{Fold, Overrides};
use super::datadir::DataDir;
use super::loaders::{read_uci_file, uci_file};
use super::registry::{param, Registry};
use crate::Result;

/// The scaling mismatch of a UCI set's data (train) file and its separate test file, from the
/// raw values before any preprocessing. Per feature j the train file gives the mean μ_tr and
/// standard deviation σ_tr, the test file μ_te and σ_te (population deviations, ddof 0);
/// features constant in the train file (σ_tr = 0) are skipped. It compares the files' value
/// distributions, not their codings: two files each z-scored with its own statistics show no
/// mismatch although one raw value is coded differently in each.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScalingMismatch {
    /// max_j |μ_te − μ_tr| / σ_tr: the largest shift of a test mean, in training deviations
    /// (0 when no feature is compared).
    pub mean_shift: f64,
    /// max_j max(σ_te / σ_tr, σ_tr / σ_te): the largest factor between the two deviations
    /// (1 when no feature is compared; infinite when a feature that varies in training is
    /// constant in the test file).
    pub sd_ratio: f64,
    /// Features compared (σ_tr > 0).
    pub compared: usize,
    /// Features skipped as constant in the train file (σ_tr = 0).
    pub skipped: usize,
}

/// Mean and population standard deviation of `values` (not empty).
fn mean_sd(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    (mean, var.sqrt())
}

impl ScalingMismatch {
    /// The mismatch of two files' feature columns (`train[j]` and `test[j]` are feature j's
    /// values; both files have the same features, each at least one row).
    pub(crate) fn between(train: &[Vec<f64>], test: &[Vec<f64>]) -> Self {
        let mut out = ScalingMismatch {
            mean_shift: 0.0,
            sd_ratio: 1.0,
            compared: 0,
            skipped: 0,
        };
        for (tr, te) in train.iter().zip(test) {
            let ((mu_tr, sd_tr), (mu_te, sd_te)) = (mean_sd(tr), mean_sd(te));
            if sd_tr == 0.0 {
                out.skipped += 1;
                continue;
            }
            out.compared += 1;
            out.mean_shift = out.mean_shift.max((mu_te - mu_tr).abs() / sd_tr);
            let ratio = if sd_te == 0.0 {
                f64::INFINITY
            } else {
                (sd_te / sd_tr).max(sd_tr / sd_te)
            };
            out.sd_ratio = out.sd_ratio.max(ratio);
        }
        out
    }
}

impl Registry {
    /// The [`ScalingMismatch`] of a UCI set's train and test files; `name` is `family/set`
    /// (`uci121/monks-1`). Both files are read as the `test_file` fold reads them: checksums
    /// verified, shapes checked against the declaration. A set without a declared test file,
    /// or an entry that is no UCI family, is an error naming it.
    pub fn scaling_mismatch(&self, name: &str, dir: &DataDir) -> Result<ScalingMismatch> {
        let overrides = Overrides {
            fold: Some(Fold::TestFile),
            ..Overrides::default()
        };
        let resolved = self.resolve(name, &overrides)?;
        let files = Self::declared_files(&resolved);
        let (Some(uci), Some(set)) = (&resolved.config.uci, resolved.set.as_deref()) else {
            return Err(param(name, "name", "is not a set of a UCI family"));
        };
        let set = &uci.sets[set];
        let test = set
            .test
            .as_ref()
            .expect("validated: the test_file fold needs a declared test file");
        let train = read_uci_file(set, uci_file(&files, &set.data), set.rows, dir)?;
        let test = read_uci_file(set, uci_file(&files, &test.file), test.rows, dir)?;
        Ok(ScalingMismatch::between(&train.columns, &test.columns))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mismatch_of_hand_computed_columns() {
        // Feature 0: train 0, 2 (μ 1, σ 1), test 3, 3, 6 (μ 4, σ √2): shift 3, ratio √2.
        // Feature 1: train 1, 3 (μ 2, σ 1), test 2, 2.5, 1.5 (μ 2, σ √(1/6)): ratio √6.
        // Feature 2: constant in train, skipped whatever the test file holds.
        let train = vec![vec![0.0, 2.0], vec![1.0, 3.0], vec![5.0, 5.0]];
        let test = vec![
            vec![3.0, 3.0, 6.0],
            vec![2.0, 2.5, 1.5],
            vec![9.0, 0.0, 1.0],
        ];
        let m = ScalingMismatch::between(&train, &test);
        assert!((m.mean_shift - 3.0).abs() < 1e-12, "{m:?}");
        assert!((m.sd_ratio - 6f64.sqrt()).abs() < 1e-12, "{m:?}");
        assert_eq!((m.compared, m.skipped), (2, 1));
        let flat = ScalingMismatch::between(&[vec![0.0, 2.0]], &[vec![1.0, 1.0]]);
        assert_eq!(flat.sd_ratio, f64::INFINITY);
        assert_eq!(flat.mean_shift, 0.0);
    }
}
