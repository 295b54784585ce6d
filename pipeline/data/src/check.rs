//! The `check` report: per entry, the state of each file and, when all are good, the shapes
//! and class balance of what the entry prepares.

use std::fmt;
use std::path::PathBuf;

use super::checksum::{verify, Verdict};
use super::config::{Fold, Overrides};
use super::datadir::DataDir;
use super::registry::{param, Registry};
use crate::Result;

/// The state of one declared file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileStatus {
    /// Present, checksum verified.
    Ok,
    /// Not found; how to get it.
    Missing { how_to_get: String },
    /// Present with another sha256 (`expected` is the declared one).
    Mismatch { expected: String, actual: String },
    /// Present but unreadable.
    Unreadable { message: String },
}

/// One file of an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileCheck {
    /// The role (`table`, `train_images`, or a UCI file name).
    pub role: String,
    /// Where it was found, or where it is expected.
    pub path: PathBuf,
    /// Present and verified, missing, or different.
    pub status: FileStatus,
}

/// One entry (a UCI family contributes one per set, named `family/set`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryCheck {
    /// The entry, or `family/set`.
    pub name: String,
    /// Every declared file, in role order.
    pub files: Vec<FileCheck>,
    /// Shapes and class balance (seed 0, default settings) when every file is good.
    pub summary: Option<String>,
    /// Why the entry cannot be used although its files are good (a content error), or why
    /// it is not available at all.
    pub error: Option<String>,
}

impl EntryCheck {
    /// True when every file is good and the data prepared.
    pub fn is_ok(&self) -> bool {
        self.error.is_none() && self.files.iter().all(|f| f.status == FileStatus::Ok)
    }
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckReport {
    /// One per entry (per set for a UCI family), in name order.
    pub entries: Vec<EntryCheck>,
}

impl CheckReport {
    /// True when every entry is usable.
    pub fn is_ok(&self) -> bool {
        self.entries.iter().all(EntryCheck::is_ok)
    }
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for e in &self.entries {
            let state = if e.is_ok() { "ok" } else { "PROBLEM" };
            writeln!(f, "{}: {state}", e.name)?;
            for file in &e.files {
                match &file.status {
                    FileStatus::Ok => {
                        writeln!(f, "  ok        {} ({})", file.role, file.path.display())?
                    }
                    FileStatus::Missing { how_to_get } => writeln!(
                        f,
                        "  MISSING   {} ({})\n            {how_to_get}",
                        file.role,
                        file.path.display()
                    )?,
                    FileStatus::Mismatch { expected, actual } => writeln!(
                        f,
                        "  MISMATCH  {} ({}): sha256 {actual}, declared {expected}",
                        file.role,
                        file.path.display()
                    )?,
                    FileStatus::Unreadable { message } => writeln!(
                        f,
                        "  UNREADABLE {} ({}): {message}",
                        file.role,
                        file.path.display()
                    )?,
                }
            }
            if let Some(s) = &e.summary {
                writeln!(f, "  {s}")?;
            }
            if let Some(err) = &e.error {
                writeln!(f, "  error: {err}")?;
            }
        }
        let bad = self.entries.iter().filter(|e| !e.is_ok()).count();
        write!(f, "{} entries, {bad} with problems", self.entries.len())
    }
}

impl Registry {
    /// Checks every entry against `dir`: each file present with the declared sha256; then the
    /// entry is prepared (seed 0, no overrides) to report shapes and class balance, and a UCI
    /// set with a separate test file is prepared on its `test_file` fold too. Problems
    /// go into the report, which says how to get a missing file.
    pub fn check(&self, dir: &DataDir) -> CheckReport {
        let mut entries = Vec::new();
        for (name, config) in &self.entries {
            match &config.uci {
                Some(uci) => {
                    for set in uci.sets.keys() {
                        entries.push(self.check_one(&format!("{name}/{set}"), dir));
                    }
                    for (set, why) in &uci.unavailable {
                        entries.push(EntryCheck {
                            name: format!("{name}/{set}"),
                            files: vec![],
                            summary: None,
                            error: Some(format!("unavailable: {why}")),
                        });
                    }
                }
                None => entries.push(self.check_one(name, dir)),
            }
        }
        CheckReport { entries }
    }

    /// [`Registry::check`] for one entry (`family` checks all its sets, `family/set` one).
    pub fn check_entry(&self, name: &str, dir: &DataDir) -> Result<CheckReport> {
        let base = name.split_once('/').map_or(name, |(b, _)| b);
        let Some(config) = self.entries.get(base) else {
            return Err(param(
                name,
                "name",
                format!("not declared in {}", self.path.display()),
            ));
        };
        let entries = match (&config.uci, name.contains('/')) {
            (Some(uci), false) => uci
                .sets
                .keys()
                .map(|set| self.check_one(&format!("{name}/{set}"), dir))
                .collect(),
            _ => vec![self.check_one(name, dir)],
        };
        Ok(CheckReport { entries })
    }

    /// For a UCI set with a separate test file, prepares its `test_file` fold as well, so that
    /// the test file's declaration (rows, columns, classes) is checked with the rest.
    fn check_test_file(&self, name: &str, dir: &DataDir) -> Result<()> {
        let Some((family, set)) = name.split_once('/') else {
            return Ok(());
        };
        if !self
            .test_file_sets(family)
            .is_some_and(|sets| sets.contains(&set))
        {
            return Ok(());
        }
        let overrides = Overrides {
            fold: Some(Fold::TestFile),
            ..Overrides::default()
        };
        Self::prepare_resolved(&self.resolve(name, &overrides)?, dir, 0).map(|_| ())
    }

    fn check_one(&self, name: &str, dir: &DataDir) -> EntryCheck {
        let resolved = match self.resolve(name, &Overrides::default()) {
            Ok(r) => r,
            Err(e) => {
                return EntryCheck {
                    name: name.to_string(),
                    files: vec![],
                    summary: None,
                    error: Some(e.to_string()),
                }
            }
        };
        let files = Self::declared_files(&resolved);
        let checks: Vec<FileCheck> = files
            .iter()
            .map(|f| {
                let Some(path) = dir.locate(&f.spec) else {
                    return FileCheck {
                        role: f.role.clone(),
                        path: dir.target(&f.spec),
                        status: FileStatus::Missing {
                            how_to_get: f.how_to_get(dir),
                        },
                    };
                };
                let status = match std::fs::read(&path) {
                    Err(e) => FileStatus::Unreadable {
                        message: e.to_string(),
                    },
                    Ok(bytes) => match verify(&bytes, &f.spec) {
                        Verdict::Match => FileStatus::Ok,
                        Verdict::Mismatch { actual } => FileStatus::Mismatch {
                            expected: f.spec.sha256.clone(),
                            actual,
                        },
                    },
                };
                FileCheck {
                    role: f.role.clone(),
                    path,
                    status,
                }
            })
            .collect();
        let (summary, error) = if checks.iter().all(|c| c.status == FileStatus::Ok) {
            let prepared = Self::prepare_resolved(&resolved, dir, 0)
                .and_then(|p| self.check_test_file(&resolved.name, dir).map(|()| p));
            match prepared {
                Ok(p) => (Some(p.description), None),
                Err(e) => (None, Some(e.to_string())),
            }
        } else {
            (None, None)
        };
        EntryCheck {
            name: resolved.name,
            files: checks,
            summary,
            error,
        }
    }
}
