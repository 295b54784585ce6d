//! Claims on cells: an advisory lock (`flock`, through `fs4`) on `<cache>/<experiment>/.locks/<key>`
//! held while a process checks, computes and stores a cell, so that any number of `kare run`
//! and `kare run-cell` processes sharing one cache compute each cell at most once at a time.
//!
//! The kernel releases the lock when its holder exits, however it exits (SIGKILL included), so
//! a claim of a killed process never blocks a later run. The lock files are empty and stay in
//! place (removing one while another process waits on it would let two processes hold "the"
//! lock); deleting `.locks/` while no run is active is harmless.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use fs4::{FileExt, TryLockError};

use crate::{Error, Result};
use kare_results::atomic::{partial_prefix, PARTIAL_SUFFIX};

/// The folder of the lock files, inside an experiment's cache folder.
pub const LOCKS_DIR: &str = ".locks";

/// A held claim on one cell; released when dropped.
#[derive(Debug)]
pub struct Claim {
    /// `None` when the filesystem cannot lock (then only the atomic writes protect the cell).
    _file: Option<File>,
}

/// The lock file of `key` in the experiment folder `dir`.
fn lock_path(dir: &Path, key: &str) -> PathBuf {
    dir.join(LOCKS_DIR).join(key)
}

fn open(dir: &Path, key: &str) -> Result<File> {
    let path = lock_path(dir, key);
    let folder = dir.join(LOCKS_DIR);
    std::fs::create_dir_all(&folder).map_err(|source| Error::Io {
        path: folder,
        source,
    })?;
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| Error::Io { path, source })
}

/// A filesystem that cannot lock (some network mounts) degrades to unlocked claims with a
/// warning: records are still written atomically, a cell may then be computed twice.
fn unlocked(dir: &Path, key: &str, e: &std::io::Error) -> Claim {
    eprintln!(
        "warning: cannot lock {}: {e}; computing without a claim",
        lock_path(dir, key).display()
    );
    Claim { _file: None }
}

impl Claim {
    /// Claims `key` in `dir`, waiting while another process holds it.
    pub fn acquire(dir: &Path, key: &str) -> Result<Claim> {
        let file = open(dir, key)?;
        match FileExt::lock(&file) {
            Ok(()) => Ok(Self::held(dir, key, file)),
            Err(e) => Ok(unlocked(dir, key, &e)),
        }
    }

    /// Claims `key` in `dir` if no other process holds it (`None` when one does).
    pub fn try_acquire(dir: &Path, key: &str) -> Result<Option<Claim>> {
        let file = open(dir, key)?;
        match FileExt::try_lock(&file) {
            Ok(()) => Ok(Some(Self::held(dir, key, file))),
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(e)) => Ok(Some(unlocked(dir, key, &e))),
        }
    }

    /// The claim of a locked file. Temporary record files of `key` left by a killed writer
    /// are removed now: only the holder of the claim writes that record.
    fn held(dir: &Path, key: &str, file: File) -> Claim {
        let prefix = partial_prefix(&dir.join(format!("{key}.json")));
        if let Ok(entries) = std::fs::read_dir(dir) {
            for entry in entries.flatten() {
                let name = entry.file_name();
                let name = name.to_string_lossy();
                if name.starts_with(&prefix) && name.ends_with(PARTIAL_SUFFIX) {
                    // Best effort: a leftover that cannot be removed does no harm.
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
        Claim { _file: Some(file) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_claim_excludes_others_until_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let first = Claim::try_acquire(dir.path(), "k").unwrap();
        assert!(first.is_some());
        assert!(Claim::try_acquire(dir.path(), "k").unwrap().is_none());
        assert!(Claim::try_acquire(dir.path(), "other").unwrap().is_some());
        drop(first);
        assert!(Claim::try_acquire(dir.path(), "k").unwrap().is_some());
    }

    #[test]
    fn a_claim_removes_the_leftover_temporary_files_of_its_record() {
        let dir = tempfile::tempdir().unwrap();
        let leftover = dir.path().join(".k.json.a1b2c3.partial");
        let other = dir.path().join(".k2.json.a1b2c3.partial");
        std::fs::write(&leftover, b"{").unwrap();
        std::fs::write(&other, b"{").unwrap();
        let _claim = Claim::acquire(dir.path(), "k").unwrap();
        assert!(!leftover.exists());
        assert!(other.exists(), "another cell's temporary file was removed");
    }
}
