//! One row of a results CSV (one cell × method × λ̃), its columns and their text forms, and the
//! reader and writer of the file. The runner writes rows through [`write_csv`]; the report
//! reads them through [`ResultsFile::read`].

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Method;
use crate::Overrides;
use crate::{Error, Result};

/// The CSV columns, in the order of [`ResultRow`]'s fields.
pub const COLUMNS: [&str; 33] = [
    "experiment",
    "dataset",
    "overrides",
    "gamma",
    "sigma",
    "n_train",
    "n_test",
    "d",
    "depth",
    "width",
    "seed",
    "method",
    "lr",
    "steps",
    "batch_size",
    "ridge_rel",
    "lambda",
    "selected_by_gcv",
    "train_mse",
    "test_mse",
    "test_accuracy",
    "train_kare_gcv",
    "final_kare",
    "z",
    "steps_run",
    "stop_reason",
    "wall_seconds",
    "cell_key",
    "data_checksum",
    "network_draw",
    "threads",
    "hyperparameters",
    "grid_edge",
];

/// The columns the report reads and a results file must have. The others (the cell's
/// provenance: sizes, keys, checksums, threads, tuned hyper-parameters) may be absent, as in
/// files written before they existed; they then read as empty or 0.
pub const REQUIRED: [&str; 18] = [
    "experiment",
    "dataset",
    "gamma",
    "sigma",
    "depth",
    "width",
    "seed",
    "method",
    "ridge_rel",
    "lambda",
    "train_mse",
    "test_mse",
    "test_accuracy",
    "train_kare_gcv",
    "final_kare",
    "steps_run",
    "stop_reason",
    "wall_seconds",
];

/// The `stop_reason` of a training run that did all its steps.
pub const COMPLETED: &str = "completed";

/// One row of a results CSV. Numbers are written in Rust's shortest round-trip form (`0.1`,
/// `1e-5`, `NaN`, `inf`); an absent value is an empty cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultRow {
    /// The experiment's name (`figure1`).
    pub experiment: String,
    /// The data set (`simulation`, `mnist-7v9`, `uci121/iris`, …).
    pub dataset: String,
    /// The data set's overrides, in their text form (`gamma=1.0,sigma=0.0`, `fold=kfold(2)`).
    #[serde(default, serialize_with = "display", deserialize_with = "from_text")]
    pub overrides: Overrides,
    /// The simulation's γ (absent for real data).
    #[serde(serialize_with = "opt_num")]
    pub gamma: Option<f64>,
    /// The simulation's noise level σ (absent for real data).
    #[serde(serialize_with = "opt_num")]
    pub sigma: Option<f64>,
    /// Training rows.
    #[serde(default)]
    pub n_train: usize,
    /// Test rows.
    #[serde(default)]
    pub n_test: usize,
    /// Input features.
    #[serde(default)]
    pub d: usize,
    /// Hidden layers (0 for the baselines).
    pub depth: usize,
    /// Units per hidden layer (0 for the baselines).
    pub width: usize,
    /// The seed (data draw and initialisation).
    pub seed: u64,
    /// The method.
    #[serde(deserialize_with = "method")]
    pub method: Method,
    /// Learning rate of the training the method needs (absent for the baselines).
    #[serde(serialize_with = "opt_num")]
    pub lr: Option<f64>,
    /// Training steps configured.
    pub steps: Option<usize>,
    /// Mini-batch size (absent: full batch).
    pub batch_size: Option<usize>,
    /// Relative ridge λ̃ (absent for the DNN and the baselines).
    #[serde(serialize_with = "opt_num")]
    pub ridge_rel: Option<f64>,
    /// Absolute ridge `λ = λ̃·tr(K)/n²`.
    #[serde(serialize_with = "opt_num")]
    pub lambda: Option<f64>,
    /// Whether training GCV selects this λ̃ of the grid (`1` or `0`).
    #[serde(default, serialize_with = "opt_flag", deserialize_with = "flag")]
    pub selected_by_gcv: Option<bool>,
    /// Training MSE (absent for the classical baselines).
    #[serde(serialize_with = "opt_num")]
    pub train_mse: Option<f64>,
    /// Test MSE (NaN or infinite for a diverged prediction, explained in `stop_reason`).
    #[serde(serialize_with = "num")]
    pub test_mse: f64,
    /// Test accuracy (absent for regression).
    #[serde(serialize_with = "opt_num")]
    pub test_accuracy: Option<f64>,
    /// GCV of the final kernel at this λ̃: a criterion computed on training data alone.
    #[serde(serialize_with = "opt_num")]
    pub train_kare_gcv: Option<f64>,
    /// KARE of the final kernel at the experiment's z (absent for the DNN).
    #[serde(serialize_with = "opt_num")]
    pub final_kare: Option<f64>,
    /// KARE's ridge z.
    #[serde(default, serialize_with = "num")]
    pub z: f64,
    /// Parameter updates applied.
    pub steps_run: usize,
    /// [`COMPLETED`], why training ended early, or a baseline's tuning criterion.
    pub stop_reason: String,
    /// Seconds the method took in its cell (repeated on each λ̃ row of that method).
    #[serde(serialize_with = "seconds")]
    pub wall_seconds: f64,
    /// The cell's cache key.
    #[serde(default)]
    pub cell_key: String,
    /// The checksum of the prepared data.
    #[serde(default)]
    pub data_checksum: String,
    /// Which draw of the seed's stream the network started from.
    pub network_draw: Option<usize>,
    /// The threads the cell computed with.
    pub threads: Option<usize>,
    /// A classical baseline's tuned hyper-parameters (`kernel=rbf γ=8.572e-1 C=10 g=16`).
    pub hyperparameters: Option<String>,
    /// A classical baseline's tuned hyper-parameters at an edge of their grid (`none`, or their
    /// names joined by spaces).
    pub grid_edge: Option<String>,
}

fn num<S: Serializer>(v: &f64, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{v:?}"))
}

fn opt_num<S: Serializer>(v: &Option<f64>, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&v.map(|v| format!("{v:?}")).unwrap_or_default())
}

fn seconds<S: Serializer>(v: &f64, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{v:.3}"))
}

fn opt_flag<S: Serializer>(v: &Option<bool>, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(v.map_or("", |b| if b { "1" } else { "0" }))
}

/// A deserialisation error that names its column (csv does not know the column of an error
/// raised inside a field's own deserialiser).
fn bad<E: serde::de::Error>(column: &str, value: &str, what: impl std::fmt::Display) -> E {
    E::custom(format!("column `{column}`: `{value}` {what}"))
}

fn flag<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<bool>, D::Error> {
    match String::deserialize(d)?.trim() {
        "" => Ok(None),
        "1" => Ok(Some(true)),
        "0" => Ok(Some(false)),
        other => Err(bad("selected_by_gcv", other, "is not 0 or 1")),
    }
}

/// A method by its results name (`ntk-kare`) or the paper's (`NTK-KARE`), for
/// `#[serde(deserialize_with)]` on a CSV column named `method`.
pub fn method<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Method, D::Error> {
    let name = String::deserialize(d)?;
    Method::parse(&name).ok_or_else(|| bad("method", &name, "is not a known method"))
}

fn display<S: Serializer>(v: &Overrides, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&v.to_string())
}

fn from_text<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Overrides, D::Error> {
    let text = String::deserialize(d)?;
    text.parse().map_err(|e: String| bad("overrides", &text, e))
}

/// The CSV text of `rows`, header first (also when there are none).
pub fn write_csv(rows: &[ResultRow]) -> std::result::Result<Vec<u8>, csv::Error> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    w.write_record(COLUMNS)?;
    for row in rows {
        w.serialize(row)?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// A results CSV as read: its rows and the columns its header has.
#[derive(Debug, Clone)]
pub struct ResultsFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// Its header's columns.
    pub columns: HashSet<String>,
    /// Its rows, in file order.
    pub rows: Vec<ResultRow>,
}

impl ResultsFile {
    /// Reads a results CSV. A missing column of [`REQUIRED`], an unknown method or an
    /// unparsable value is an error naming the file, the line and the column.
    pub fn read(path: &Path) -> Result<ResultsFile> {
        let (columns, rows) = read_csv(path, &REQUIRED)?;
        Ok(ResultsFile {
            path: path.to_path_buf(),
            columns,
            rows,
        })
    }

    /// An error naming the columns of `columns` the file lacks (`who` says which reader needs
    /// them); `Ok` when it has them all.
    pub fn require(&self, columns: &[&str], who: &str) -> Result<()> {
        require(&self.path, &self.columns, columns, who)
    }
}

/// The rows of a CSV file with a header, each deserialised by column name (values trimmed),
/// and the header's columns. A column of `required` missing from the header, or a value that
/// does not parse, is an error naming the file (and the line and column).
pub fn read_csv<T: DeserializeOwned>(
    path: &Path,
    required: &[&str],
) -> Result<(HashSet<String>, Vec<T>)> {
    let fail = |message: String| Error::Report {
        path: path.to_path_buf(),
        message,
    };
    let mut reader = csv::Reader::from_path(path).map_err(|e| fail(e.to_string()))?;
    let header = reader.headers().map_err(|e| fail(e.to_string()))?.clone();
    let header: csv::StringRecord = header.iter().map(str::trim).collect();
    let columns: HashSet<String> = header.iter().map(String::from).collect();
    require(path, &columns, required, "")?;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| fail(e.to_string()))?;
        let line = record.position().map_or(0, |p| p.line());
        let record: csv::StringRecord = record.iter().map(str::trim).collect();
        let row = record
            .deserialize(Some(&header))
            .map_err(|e| fail(deserialize_message(&e, &header, &record, line)))?;
        rows.push(row);
    }
    Ok((columns, rows))
}

fn require(path: &Path, have: &HashSet<String>, columns: &[&str], who: &str) -> Result<()> {
    let missing: Vec<&str> = (columns.iter().copied())
        .filter(|c| !have.contains(*c))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(Error::Report {
        path: path.to_path_buf(),
        message: format!("missing column(s) `{}`{who}", missing.join("`, `")),
    })
}

/// `line 3, column `test_mse`: `half` is not a number` for a value that does not parse.
fn deserialize_message(
    e: &csv::Error,
    header: &csv::StringRecord,
    record: &csv::StringRecord,
    line: u64,
) -> String {
    let csv::ErrorKind::Deserialize { err: e, .. } = e.kind() else {
        return format!("line {line}: {e}");
    };
    let named = match e.kind() {
        csv::DeserializeErrorKind::Message(m) if m.starts_with("column `") => Some(m),
        _ => None,
    };
    let (Some(field), None) = (e.field().map(|f| f as usize), named) else {
        return format!(
            "line {line}, {}",
            named.cloned().unwrap_or_else(|| e.to_string())
        );
    };
    let column = header.get(field).unwrap_or("?");
    let value = record.get(field).unwrap_or_default();
    let what = match e.kind() {
        csv::DeserializeErrorKind::ParseFloat(_) => "is not a number".to_string(),
        csv::DeserializeErrorKind::ParseInt(_) => "is not a non-negative integer".to_string(),
        kind => kind.to_string(),
    };
    format!("line {line}, column `{column}`: `{value}` {what}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Fold;

    fn example() -> ResultRow {
        ResultRow {
            experiment: "table1".into(),
            dataset: "uci121/iris".into(),
            overrides: Overrides {
                fold: Some(Fold::Kfold(2)),
                ..Overrides::default()
            },
            gamma: None,
            sigma: None,
            n_train: 75,
            n_test: 75,
            d: 4,
            depth: 1,
            width: 64,
            seed: 0,
            method: Method::NtkKare,
            lr: Some(10.0),
            steps: Some(300),
            batch_size: None,
            ridge_rel: Some(1e-5),
            lambda: Some(0.25),
            selected_by_gcv: Some(true),
            train_mse: Some(0.0125),
            test_mse: f64::INFINITY,
            test_accuracy: Some(0.96),
            train_kare_gcv: Some(1.5e-3),
            final_kare: Some(7e-4),
            z: 0.1,
            steps_run: 300,
            stop_reason: COMPLETED.into(),
            wall_seconds: 1.23456,
            cell_key: "ab12".into(),
            data_checksum: "cd34".into(),
            network_draw: Some(1),
            threads: Some(1),
            hyperparameters: None,
            grid_edge: None,
        }
    }

    fn read(text: &str) -> Result<ResultsFile> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        std::fs::write(&path, text).unwrap();
        ResultsFile::read(&path)
    }

    #[test]
    fn rows_read_back_as_written_in_their_text_forms() {
        let mut baseline = example();
        baseline.method = Method::Svm;
        baseline.train_mse = None;
        baseline.selected_by_gcv = None;
        baseline.hyperparameters = Some("kernel=rbf C=10".into());
        baseline.grid_edge = Some("none".into());
        let bytes = write_csv(&[example(), baseline.clone()]).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next().unwrap(), COLUMNS.join(","));
        assert_eq!(
            lines.next().unwrap(),
            "table1,uci121/iris,fold=kfold(2),,,75,75,4,1,64,0,ntk-kare,10.0,300,,1e-5,0.25,1,\
             0.0125,inf,0.96,0.0015,0.0007,0.1,300,completed,1.235,ab12,cd34,1,1,,"
        );
        let back = read(&text).unwrap();
        let mut rounded = example();
        rounded.wall_seconds = 1.235;
        baseline.wall_seconds = 1.235;
        assert_eq!(back.rows, vec![rounded, baseline]);
        assert!(write_csv(&[]).unwrap().starts_with(b"experiment,dataset,"));
    }

    #[test]
    fn bad_files_are_errors_naming_line_and_column() {
        let header = COLUMNS.join(",");
        let row = String::from_utf8(write_csv(&[example()]).unwrap()).unwrap();
        let row = row.lines().nth(1).unwrap().to_string();
        let err = |text: String| read(&text).unwrap_err().to_string();
        let e = err(format!("{header}\n{}\n", row.replace(",inf,", ",half,")));
        assert!(
            e.contains("line 2, column `test_mse`: `half` is not a number"),
            "{e}"
        );
        let e = err(format!(
            "{header}\n{row}\n{}\n",
            row.replace("ntk-kare", "ntk-karate")
        ));
        assert!(
            e.contains("line 3, column `method`: `ntk-karate` is not a known method"),
            "{e}"
        );
        let e = err(format!(
            "{header}\n{}\n",
            row.replace(",0.25,1,", ",0.25,yes,")
        ));
        assert!(
            e.contains("line 2, column `selected_by_gcv`: `yes` is not 0 or 1"),
            "{e}"
        );
        let e = err(format!(
            "{header}\n{}\n",
            row.replace("kfold(2)", "kfold(two)")
        ));
        assert!(
            e.contains("line 2, column `overrides`: `fold=kfold(two)`"),
            "{e}"
        );
        let e = err(header.replace(",test_mse", "") + "\n");
        assert!(
            e.contains("missing column(s) `test_mse`") && e.contains("r.csv"),
            "{e}"
        );
    }
}
