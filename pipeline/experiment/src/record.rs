//! The record of a finished cell, as stored in the cache: its configuration and, per method,
//! the training outcome, timings and the metrics at every relative ridge.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::cell::CellConfig;
use kare_results::{Method, Num};

/// The metrics of one prediction: the network's output (`dnn`), or kernel ridge at one λ̃.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Relative ridge λ̃ (absent for `dnn`).
    pub ridge_rel: Option<f64>,
    /// Absolute ridge `λ = λ̃·tr(K)/n²`.
    pub lambda: Option<Num>,
    /// True at the λ̃ of the grid with the smallest training GCV (a choice made on training data
    /// alone, METHOD §5); absent for `dnn`.
    pub selected_by_gcv: Option<bool>,
    /// Mean over training points and outputs of (f − y)²; absent for the classical baselines,
    /// which report their tuning criterion instead.
    pub train_mse: Option<Num>,
    /// Mean over test points and outputs of (f − y)².
    pub test_mse: Num,
    /// Fraction of test points classified right (sign, or argmax); absent for regression.
    pub test_accuracy: Option<Num>,
    /// GCV of the kernel fit at λ (= KARE of the final kernel at z = λ); absent for `dnn`.
    pub train_kare_gcv: Option<Num>,
}

/// One method's outcome within a cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MethodResult {
    /// The method.
    pub method: Method,
    /// Parameter updates applied (0 for `initial-ntk`).
    pub steps_run: usize,
    /// Why training ended (`completed`, a breakdown, or `untrained`).
    pub stop_reason: String,
    /// Seconds spent on this method: its training plus its own evaluation.
    pub wall_seconds: f64,
    /// KARE of the final kernel at the experiment's z (absent for `dnn`, or when
    /// `K/n + z·I` could not be factorised).
    pub final_kare: Option<Num>,
    /// The trained network's file in the cache folder, when networks are kept.
    pub network: Option<String>,
    /// One point for `dnn`, one per λ̃ of the grid for the kernels.
    pub points: Vec<Point>,
    /// What a classical baseline chose on its training data (absent for the NTK methods).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tuned: Option<Tuned>,
}

/// The hyper-parameters a classical baseline chose on its training data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tuned {
    /// The choice in one line ([`crate::baselines::BaselineResult::hyperparameters_text`]).
    pub choice: String,
    /// The tuned hyper-parameters whose choice is the smallest or largest value of a grid of
    /// at least three values: a sign that the grid may be too narrow.
    pub at_edge: Vec<String>,
}

/// A finished cell, as stored under `<cache>/<experiment>/<key>.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellRecord {
    /// [`super::cell::CELL_SCHEMA`] when written.
    pub schema: String,
    /// The cache key.
    pub key: String,
    /// The crate version that computed it.
    pub version: String,
    /// [`kare_data::Prepared::checksum`] of the data used.
    pub data_checksum: String,
    /// [`kare_data::Prepared::description`] of the data used.
    pub data_description: String,
    /// The configuration.
    pub config: CellConfig,
    /// Training rows.
    pub n_train: usize,
    /// Test rows.
    pub n_test: usize,
    /// Input features.
    pub d: usize,
    /// Outputs.
    pub c: usize,
    /// Seconds for the whole cell (data excluded).
    pub wall_seconds: f64,
    /// Per method, in [`super::cell::Stage::methods`] order.
    pub results: Vec<MethodResult>,
    /// [`CellRecord::content_checksum`] when stored, so that a truncated or edited record is
    /// recognised. Absent only in records written before checksums were kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
}

impl CellRecord {
    /// The sha256 (hex) of the record's compact JSON without its `checksum` field: the
    /// checksum a stored record carries. JSON numbers round-trip exactly, so a record read
    /// back hashes to the same value.
    pub fn content_checksum(&self) -> String {
        let unsealed = CellRecord {
            checksum: None,
            ..self.clone()
        };
        let json = serde_json::to_vec(&unsealed).expect("a cell record always serialises");
        Sha256::digest(&json)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The record with its checksum set, as it is stored.
    pub fn sealed(self) -> CellRecord {
        let checksum = Some(self.content_checksum());
        CellRecord { checksum, ..self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_finite_numbers_round_trip_through_json() {
        for v in [0.1, 1e-300, -2.5, f64::INFINITY, f64::NEG_INFINITY] {
            let json = serde_json::to_string(&Num(v)).unwrap();
            assert_eq!(
                serde_json::from_str::<Num>(&json).unwrap(),
                Num(v),
                "{json}"
            );
        }
        let nan: Num =
            serde_json::from_str(&serde_json::to_string(&Num(f64::NAN)).unwrap()).unwrap();
        assert!(nan.0.is_nan());
        assert!(serde_json::from_str::<Num>("\"nope\"").is_err());
    }
}
