//! Reading the report's inputs besides the results rows ([`kare_results::ResultsFile`]): the
//! paper's reference curves, and the run's provenance JSON (read leniently: its shape may grow).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::{Error, Result};
use kare_results::{Method, Provenance};

/// One point of the paper's curves (`paper_results.csv`), its data set named as ours.
#[derive(Debug, Clone, PartialEq)]
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

/// A CSV opened with its header indexed by column name.
struct Table {
    path: PathBuf,
    reader: csv::Reader<std::fs::File>,
    columns: HashMap<String, usize>,
}

impl Table {
    /// Opens `path` and checks that every column of `required` is in its header.
    fn open(path: &Path, required: &[&str]) -> Result<Table> {
        let mut reader = csv::Reader::from_path(path).map_err(|e| report_error(path, e))?;
        let header = reader.headers().map_err(|e| report_error(path, e))?;
        let columns: HashMap<String, usize> = header
            .iter()
            .enumerate()
            .map(|(i, name)| (name.trim().to_string(), i))
            .collect();
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|c| !columns.contains_key(*c))
            .collect();
        if !missing.is_empty() {
            return Err(Error::Report {
                path: path.to_path_buf(),
                message: format!("missing column(s) `{}`", missing.join("`, `")),
            });
        }
        Ok(Table {
            path: path.to_path_buf(),
            reader,
            columns,
        })
    }

    /// Calls `parse` on every data row.
    fn rows<T>(mut self, mut parse: impl FnMut(&Fields) -> Result<T>) -> Result<Vec<T>> {
        let mut out = Vec::new();
        for record in self.reader.records() {
            let record = record.map_err(|e| report_error(&self.path, e))?;
            let line = record.position().map_or(0, |p| p.line());
            out.push(parse(&Fields {
                path: &self.path,
                columns: &self.columns,
                record: &record,
                line,
            })?);
        }
        Ok(out)
    }
}

/// One data row, read by column name.
struct Fields<'a> {
    path: &'a Path,
    columns: &'a HashMap<String, usize>,
    record: &'a csv::StringRecord,
    line: u64,
}

impl Fields<'_> {
    fn text(&self, column: &str) -> &str {
        self.record
            .get(self.columns[column])
            .unwrap_or_default()
            .trim()
    }

    fn error(&self, column: &str, message: &str) -> Error {
        Error::Report {
            path: self.path.to_path_buf(),
            message: format!(
                "line {}, column `{column}`: `{}` {message}",
                self.line,
                self.text(column)
            ),
        }
    }

    fn parse<T: std::str::FromStr>(&self, column: &str, what: &str) -> Result<T> {
        self.text(column)
            .parse()
            .map_err(|_| self.error(column, &format!("is not {what}")))
    }

    fn number(&self, column: &str) -> Result<f64> {
        self.parse(column, "a number")
    }

    fn optional_number(&self, column: &str) -> Result<Option<f64>> {
        if self.text(column).is_empty() {
            Ok(None)
        } else {
            self.number(column).map(Some)
        }
    }

    fn count<T: std::str::FromStr>(&self, column: &str) -> Result<T> {
        self.parse(column, "a non-negative integer")
    }

    fn method(&self, column: &str) -> Result<Method> {
        Method::parse(self.text(column)).ok_or_else(|| self.error(column, "is not a known method"))
    }
}

fn report_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Report {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Reads the paper's reference curves (`paper_results.csv`), renaming its data sets to ours.
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
    Table::open(path, &COLUMNS)?.rows(|f| {
        Ok(PaperPoint {
            figure: f.text("figure").to_string(),
            dataset: our_dataset_name(f.text("dataset")).to_string(),
            gamma: f.optional_number("gamma")?,
            sigma: f.optional_number("sigma")?,
            depth: f.count("depth")?,
            width: f.count("width")?,
            method: f.method("method")?,
            ridge_rel: f.optional_number("ridge_rel")?,
            test_mse: f.number("test_mse")?,
        })
    })
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
