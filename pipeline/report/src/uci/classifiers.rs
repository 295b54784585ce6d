//! The accuracies of the 179 classifiers of Fernández-Delgado et al. (2014) on the 121 UCI sets
//! (`results_UCI.txt` of the KARE repository, `shared/datasets/SOURCES.md` §3).
//!
//! The file is space-aligned: a header `problema` followed by the classifiers' names and the
//! summary columns `min max mean std`; one row per data set (its name, then one accuracy in
//! percent per classifier, `--` where the classifier has none, then the summaries); then a
//! dashed line and `mean` / `std` rows, which are not read. Names hold no spaces, so a row is
//! read as whitespace-separated fields, which also accepts the tabs before the summaries.

use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// The header's first field.
const FIRST: &str = "problema";
/// The summary columns after the classifiers.
const SUMMARIES: [&str; 4] = ["min", "max", "mean", "std"];
/// Written where a classifier has no accuracy.
const MISSING: &str = "--";

/// The classifiers' accuracies per data set.
#[derive(Debug, Clone, PartialEq)]
pub struct Classifiers {
    /// The file read.
    pub path: PathBuf,
    /// The classifiers' names, in the file's order.
    pub names: Vec<String>,
    /// Per data set (in the file's order): its name and, per classifier, the accuracy in
    /// percent (`None` where the file has `--`).
    pub sets: Vec<(String, Vec<Option<f64>>)>,
}

impl Classifiers {
    /// Reads `path`; a missing file or a malformed line is an error naming the file (and the
    /// line and column).
    pub fn load(path: &Path) -> Result<Classifiers> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::UciResults {
            path: path.to_path_buf(),
            message: format!("cannot be read: {e}"),
        })?;
        Classifiers::parse(&text, path)
    }

    /// Parses the text of a `results_UCI.txt` (`path` names it in errors).
    pub fn parse(text: &str, path: &Path) -> Result<Classifiers> {
        let fail = |message: String| Error::UciResults {
            path: path.to_path_buf(),
            message,
        };
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.trim()))
            .filter(|(_, l)| !l.is_empty());
        let (_, header) = lines
            .next()
            .ok_or_else(|| fail("the file is empty".into()))?;
        let fields: Vec<&str> = header.split_whitespace().collect();
        if fields.first() != Some(&FIRST) {
            return Err(fail(format!(
                "line 1: the header starts with `{}`, not `{FIRST}`",
                fields.first().unwrap_or(&"")
            )));
        }
        let summaries = fields
            .iter()
            .rev()
            .take_while(|f| SUMMARIES.contains(f))
            .count();
        let names: Vec<String> = fields[1..fields.len() - summaries]
            .iter()
            .map(|s| s.to_string())
            .collect();
        if names.is_empty() {
            return Err(fail("line 1: the header names no classifier".into()));
        }
        let mut sets: Vec<(String, Vec<Option<f64>>)> = Vec::new();
        for (line, text) in lines {
            if text.starts_with('-') {
                break;
            }
            let fields: Vec<&str> = text.split_whitespace().collect();
            let set = fields[0];
            if fields.len() != names.len() + summaries + 1 {
                return Err(fail(format!(
                    "line {line}: set `{set}` has {} fields, the header {} (the set's name, {} \
                     classifiers, {summaries} summaries)",
                    fields.len(),
                    names.len() + summaries + 1,
                    names.len()
                )));
            }
            if sets.iter().any(|(s, _)| s == set) {
                return Err(fail(format!("line {line}: set `{set}` appears twice")));
            }
            let values = fields[1..=names.len()]
                .iter()
                .zip(&names)
                .map(|(&v, name)| match v {
                    MISSING => Ok(None),
                    v => v
                        .parse::<f64>()
                        .ok()
                        .filter(|a| (0.0..=100.0).contains(a))
                        .map(Some)
                        .ok_or_else(|| {
                            fail(format!(
                                "line {line}, set `{set}`, classifier `{name}`: `{v}` is \
                                 neither an accuracy in percent (0 to 100) nor `{MISSING}`"
                            ))
                        }),
                })
                .collect::<Result<Vec<_>>>()?;
            sets.push((set.to_string(), values));
        }
        if sets.is_empty() {
            return Err(fail("no data-set rows after the header".into()));
        }
        Ok(Classifiers {
            path: path.to_path_buf(),
            names,
            sets,
        })
    }

    /// The accuracies (percent) on `set`, one per classifier; `None` when the file has no row
    /// for it.
    pub fn set(&self, set: &str) -> Option<&[Option<f64>]> {
        self.sets
            .iter()
            .find(|(s, _)| s == set)
            .map(|(_, v)| v.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "      problema  clfA   clfB  clfC\tmin\tmax\tmean\tstd
  iris   96.0   --    100\t96.0\t100.0\t98.0\t2.8
  wine   50.5  70.0   60.2\t50.5\t70.0\t60.2\t9.8
-------------------------------------
  mean   73.3  70.0   80.1
";

    #[test]
    fn reads_names_percentages_and_missing_entries() {
        let c = Classifiers::parse(FILE, Path::new("r.txt")).unwrap();
        assert_eq!(c.names, ["clfA", "clfB", "clfC"]);
        assert_eq!(c.sets.len(), 2, "the rows after the dashes are not sets");
        assert_eq!(c.set("iris").unwrap(), [Some(96.0), None, Some(100.0)]);
        assert_eq!(c.set("wine").unwrap(), [Some(50.5), Some(70.0), Some(60.2)]);
        assert!(c.set("mean").is_none() && c.set("zoo").is_none());
    }

    #[test]
    fn malformed_files_are_errors_naming_file_and_line() {
        let path = Path::new("shared/results_UCI.txt");
        let err = |text: &str| Classifiers::parse(text, path).unwrap_err().to_string();
        let e = err(&FILE.replace("  wine   50.5", "  wine   fifty"));
        assert!(
            e.contains("results_UCI.txt")
                && e.contains("line 3")
                && e.contains("`clfA`")
                && e.contains("`fifty`"),
            "{e}"
        );
        let e = err(&FILE.replace("70.0   60.2", "60.2"));
        assert!(
            e.contains("line 3") && e.contains("set `wine` has 7 fields"),
            "{e}"
        );
        let e = err(&FILE.replace("problema", "dataset"));
        assert!(e.contains("not `problema`"), "{e}");
        assert!(err("").contains("empty"));
        assert!(err(&FILE.replace("100\t", "140\t")).contains("`140`"));
        let missing = Classifiers::load(Path::new("/nonexistent/results_UCI.txt"))
            .unwrap_err()
            .to_string();
        assert!(
            missing.contains("/nonexistent/results_UCI.txt") && missing.contains("--uci-results"),
            "{missing}"
        );
    }
}
