//! The cell cache: one JSON record per finished cell under `<cache>/<experiment>/<key>.json`,
//! written atomically, so a run killed at any moment leaves only whole records behind.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::cell::Stage;
use super::record::CellRecord;
use crate::{Error, Result};

/// The environment variable naming the cache directory.
pub const CACHE_DIR_ENV: &str = "KARE_CACHE_DIR";

/// The cache directory: an explicit path, else `$KARE_CACHE_DIR`, else `cache/`.
pub fn cache_root(explicit: Option<&Path>) -> PathBuf {
    explicit
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os(CACHE_DIR_ENV).map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("cache"))
}

/// Writes `bytes` to `path` through `<path>.partial` (synced, then renamed into place): a reader
/// sees the old file or the whole new one, never a truncated one. Creates the parent folder.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path, source }
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".partial");
    let tmp = PathBuf::from(tmp);
    let mut file = std::fs::File::create(&tmp).map_err(io(&tmp))?;
    file.write_all(bytes).map_err(io(&tmp))?;
    file.sync_all().map_err(io(&tmp))?;
    drop(file);
    std::fs::rename(&tmp, path).map_err(io(path))
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

    /// True when `key` has a record.
    pub fn contains(&self, key: &str) -> bool {
        self.record_path(key).is_file()
    }

    /// The record of `key`, if the cell has finished. A record that cannot be read or that
    /// belongs to another key is an error naming the file (delete it to recompute).
    pub fn load(&self, key: &str) -> Result<Option<CellRecord>> {
        let path = self.record_path(key);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(Error::Io { path, source }),
        };
        let bad = |message: String| Error::CacheRecord {
            path: path.clone(),
            message: format!("{message}; delete the file to recompute the cell"),
        };
        let record: CellRecord =
            serde_json::from_slice(&bytes).map_err(|e| bad(format!("unreadable: {e}")))?;
        if record.key != key {
            return Err(bad(format!("holds the cell {}", record.key)));
        }
        Ok(Some(record))
    }

    /// Stores a finished cell atomically.
    pub fn store(&self, record: &CellRecord) -> Result<()> {
        let json = serde_json::to_vec_pretty(record).map_err(|e| Error::CacheRecord {
            path: self.record_path(&record.key),
            message: format!("cannot serialise: {e}"),
        })?;
        write_atomic(&self.record_path(&record.key), &json)
    }
}
