//! `kare datasets export`: a prepared data set written as `.npy`, so that its draws can be
//! checked against another tool's (numpy, the authors' scripts).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::config::Overrides;
use super::Prepared;
use crate::{Error, Result};

/// The files [`export`] writes, in order: inputs and targets of the train and test parts.
pub const EXPORT_FILES: [&str; 4] = ["x_train.npy", "y_train.npy", "x_test.npy", "y_test.npy"];

/// Overrides from `key=value` pairs (`gamma=1.25`, `rng=numpy-legacy`, `fold={kfold=2}`): each
/// value is read as a TOML value, or as text when it is not one. An unknown key or a value of
/// the wrong type is an error naming it.
pub fn parse_overrides(entry: &str, pairs: &[String]) -> Result<Overrides> {
    let bad = |field: &str, message: String| Error::DataParam {
        entry: entry.to_string(),
        field: format!("--set {field}"),
        message,
    };
    let mut table = toml::Table::new();
    for pair in pairs {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| bad(pair, "is not `key=value`".into()))?;
        let parsed = toml::from_str::<toml::Table>(&format!("v = {value}"))
            .ok()
            .and_then(|mut t| t.remove("v"))
            .unwrap_or_else(|| toml::Value::String(value.to_string()));
        if table.insert(key.trim().to_string(), parsed).is_some() {
            return Err(bad(key, "is given twice".into()));
        }
    }
    Overrides::deserialize(toml::Value::Table(table)).map_err(|e| bad("", e.to_string()))
}

/// Writes `data`'s train and test inputs and targets into `dir` (created if needed, by the
/// atomic writer) as C-order f64 `.npy` files named [`EXPORT_FILES`]; returns their paths.
pub fn export(data: &Prepared, dir: &Path) -> Result<Vec<PathBuf>> {
    let parts: [(usize, usize, &[f64]); 4] = [
        (data.n_train, data.d, &data.x_train),
        (data.n_train, data.c, &data.y_train),
        (data.n_test, data.d, &data.x_test),
        (data.n_test, data.c, &data.y_test),
    ];
    EXPORT_FILES
        .iter()
        .zip(parts)
        .map(|(name, (rows, cols, values))| {
            let path = dir.join(name);
            crate::npy::write(&path, rows, cols, values)?;
            Ok(path)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DrawRng;
    use crate::Fold;

    fn pairs(p: &[&str]) -> Vec<String> {
        p.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn overrides_from_pairs() {
        let ov = parse_overrides(
            "x",
            &pairs(&[
                "gamma=1.25",
                "n_train=10",
                "rng=numpy-legacy",
                "fold={kfold=2}",
            ]),
        )
        .unwrap();
        assert_eq!(ov.gamma, Some(1.25));
        assert_eq!(ov.n_train, Some(10));
        assert_eq!(ov.rng, Some(DrawRng::NumpyLegacy));
        assert_eq!(ov.fold, Some(Fold::Kfold(2)));
        let err = |p: &[&str]| parse_overrides("x", &pairs(p)).unwrap_err().to_string();
        assert!(err(&["gama=1"]).contains("gama"), "{}", err(&["gama=1"]));
        assert!(err(&["gamma"]).contains("is not `key=value`"));
        assert!(err(&["n_train=ten"]).contains("data set `x`"));
        assert!(err(&["d=1", "d=2"]).contains("twice"));
        assert!(
            err(&["rng=mt"]).contains("unknown variant"),
            "{}",
            err(&["rng=mt"])
        );
    }
}
