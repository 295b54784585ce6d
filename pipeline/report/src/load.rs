//! Reading the report's inputs besides the results rows ([`kare_results::ResultsFile`]): the
//! paper's reference curves, and the run's provenance JSON (read leniently: its shape may grow).

use std::path::Path;

use serde::Deserialize;

use crate::{Error, Result};
use kare_results::{read_csv, Method, Provenance};

/// One point of the paper's curves (`paper_results.csv`), its data set named as ours.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PaperPoint {
    /// `figure1` or `figure2`.
    pub figure: String,
    /// Our name of the data set (`mnist` → `mnist-7v9`).
    pub dataset: String,
    /// The simulation's γ.
    pub gamma: Option<f64>,
    /// The simulation's σ.
    pub sigma: Option<f64>,
    /// Hidden layers.
    pub depth: usize,
    /// Units per hidden layer.
    pub width: usize,
    /// The method (the paper has NTK-KARE, after-NTK and DNN).
    #[serde(deserialize_with = "kare_results::row::method")]
    pub method: Method,
    /// λ̃ (absent for the DNN).
    pub ridge_rel: Option<f64>,
    /// The paper's 10-seed mean test MSE.
    pub test_mse: f64,
}

/// The provenance of a run (`results/<experiment>.json`) as the report reads it: its
/// configuration as JSON.
pub type RunInfo = Provenance<serde_json::Value>;

/// Our name of a data set the paper names differently.
fn our_dataset_name(paper: &str) -> &str {
    match paper {
        "mnist" => "mnist-7v9",
        other => other,
    }
}

fn report_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Report {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Reads the paper's reference curves (`paper_results.csv`), renaming its data sets to ours.
/// A missing column, an unknown method or an unparsable number is an error naming the column
/// and the line.
pub fn load_reference(path: &Path) -> Result<Vec<PaperPoint>> {
    const COLUMNS: [&str; 9] = [
        "figure",
        "dataset",
        "gamma",
        "sigma",
        "depth",
        "width",
        "method",
        "ridge_rel",
        "test_mse",
    ];
    let (_, points): (_, Vec<PaperPoint>) = read_csv(path, &COLUMNS)?;
    Ok(points
        .into_iter()
        .map(|p| PaperPoint {
            dataset: our_dataset_name(&p.dataset).to_string(),
            ..p
        })
        .collect())
}

/// Reads a run's provenance JSON leniently (absent fields take their defaults): `Ok(None)` when
/// the file does not exist, an error when it is not a JSON object or a field has the wrong
/// type.
pub fn load_run_info(path: &Path) -> Result<Option<RunInfo>> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(Error::Io {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| report_error(path, e))?;
    if !value.is_object() {
        return Err(report_error(path, "not a JSON object"));
    }
    serde_json::from_value(value)
        .map(Some)
        .map_err(|e| report_error(path, e))
}
