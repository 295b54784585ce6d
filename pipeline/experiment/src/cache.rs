//! The cell cache: one JSON record per finished cell under `<cache>/<experiment>/<key>.json`,
//! written atomically (a run killed at any moment leaves only whole records behind) by the
//! holder of the cell's [`Claim`], sealed with a checksum, and verified whenever it is read: a
//! record that cannot serve its cell is moved aside to `<key>.json.bad-<time>-<pid>`, reported
//! on stderr, and the cell is pending again.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use super::cell::Stage;
use super::claim::Claim;
use super::plan::Cell;
use super::record::CellRecord;
use super::verify::checked_record;
use crate::{Error, Result};
use kare_results::atomic::write_atomic;

/// The environment variable naming the cache directory.
pub const CACHE_DIR_ENV: &str = "KARE_CACHE_DIR";

/// The cache directory: an explicit path, else `$KARE_CACHE_DIR`, else `cache/`.
pub fn cache_root(explicit: Option<&Path>) -> PathBuf {
    explicit
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os(CACHE_DIR_ENV).map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("cache"))
}

/// One experiment's folder of the cache.
#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
}

impl Cache {
    /// The folder of `experiment` under `root` (created when a record is first stored).
    pub fn new(root: &Path, experiment: &str) -> Self {
        Self {
            dir: root.join(experiment),
        }
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the record of `key` lives.
    pub fn record_path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.json"))
    }

    /// The file name of a cell's trained network (relative to [`Cache::dir`]).
    pub fn network_file(key: &str, stage: Stage) -> String {
        format!("{key}.{}.safetensors", stage.name())
    }

    /// Claims the cell `key`, waiting while another process holds it (see [`Claim`]).
    pub fn claim(&self, key: &str) -> Result<Claim> {
        Claim::acquire(&self.dir, key)
    }

    /// Claims the cell `key` unless another process holds it.
    pub fn try_claim(&self, key: &str) -> Result<Option<Claim>> {
        Claim::try_acquire(&self.dir, key)
    }

    /// The verified record of `cell` (its data's checksum is `data_checksum`), or `None` when
    /// the cell is pending. A bad record is moved aside and reported, under the cell's claim;
    /// while another process holds that claim the record is left to it and the cell is pending.
    pub fn lookup(&self, cell: &Cell, data_checksum: &str) -> Result<Option<CellRecord>> {
        match self.read_checked(cell, data_checksum)? {
            Checked::Good(record) => Ok(Some(*record)),
            Checked::Missing => Ok(None),
            Checked::Bad(_) => match self.try_claim(&cell.key)? {
                Some(claim) => self.lookup_claimed(cell, data_checksum, &claim),
                None => Ok(None),
            },
        }
    }

    /// As [`Cache::lookup`], for the holder of the cell's claim.
    pub fn lookup_claimed(
        &self,
        cell: &Cell,
        data_checksum: &str,
        _claim: &Claim,
    ) -> Result<Option<CellRecord>> {
        match self.read_checked(cell, data_checksum)? {
            Checked::Good(record) => Ok(Some(*record)),
            Checked::Missing => Ok(None),
            Checked::Bad(reason) => {
                self.move_aside(cell, &reason)?;
                Ok(None)
            }
        }
    }

    fn read_checked(&self, cell: &Cell, data_checksum: &str) -> Result<Checked> {
        let path = self.record_path(&cell.key);
        match std::fs::read(&path) {
            Ok(bytes) => Ok(match checked_record(&bytes, cell, data_checksum) {
                Ok(record) => Checked::Good(Box::new(record)),
                Err(reason) => Checked::Bad(reason),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Checked::Missing),
            Err(source) => Err(Error::Io { path, source }),
        }
    }

    /// Renames the bad record of `cell` to `<key>.json.bad-<unix seconds>-<pid>` and reports it.
    fn move_aside(&self, cell: &Cell, reason: &str) -> Result<()> {
        let path = self.record_path(&cell.key);
        let seconds = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let aside = self.dir.join(format!(
            "{}.json.bad-{seconds}-{}",
            cell.key,
            std::process::id()
        ));
        std::fs::rename(&path, &aside).map_err(|e| Error::CacheRecord {
            path: path.clone(),
            message: format!("{reason}, and it cannot be moved aside: {e}"),
        })?;
        eprintln!(
            "warning: cache record {} cannot serve the cell `{}`: {reason}; moved to {}, the cell is pending",
            path.display(),
            cell.config.label(),
            aside.display()
        );
        Ok(())
    }

    /// Stores a finished cell atomically, sealed with its checksum; the caller holds its claim.
    pub fn store(&self, record: CellRecord, _claim: &Claim) -> Result<CellRecord> {
        let record = record.sealed();
        let path = self.record_path(&record.key);
        let json = serde_json::to_vec_pretty(&record).map_err(|e| Error::CacheRecord {
            path: path.clone(),
            message: format!("cannot serialise: {e}"),
        })?;
        write_atomic(&path, &json)?;
        Ok(record)
    }
}

/// A record file as read.
enum Checked {
    Good(Box<CellRecord>),
    Missing,
    Bad(String),
}
