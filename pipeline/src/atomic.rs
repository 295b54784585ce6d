//! The crate's one way of writing a file: a uniquely named temporary file in the same folder,
//! written, synced, then renamed over the target. A reader sees the old file or the whole new
//! one, never a truncated one, and any number of processes may write the same path at once
//! (each through its own temporary file; the last rename wins).

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// The suffix of the temporary files (`.<name>.<random>.partial`), so that leftovers of a
/// killed writer are recognisable.
pub const PARTIAL_SUFFIX: &str = ".partial";

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.to_path_buf();
    move |source| Error::Io { path, source }
}

/// The prefix of the temporary files of `path` (`.<file name>.`).
pub fn partial_prefix(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    format!(".{name}.")
}

/// Writes `path` with `fill`, which writes the content to the temporary file; creates the
/// parent folder. The temporary file is removed if `fill` or the write fails.
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut File) -> std::io::Result<()>,
) -> Result<()> {
    let parent: PathBuf = match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(p) => p.to_path_buf(),
        None => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(io(&parent))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(&partial_prefix(path))
        .suffix(PARTIAL_SUFFIX)
        .tempfile_in(&parent)
        .map_err(io(&parent))?;
    fill(tmp.as_file_mut()).map_err(io(tmp.path()))?;
    tmp.as_file().sync_all().map_err(io(tmp.path()))?;
    tmp.persist(path).map_err(|e| io(path)(e.error))?;
    Ok(())
}

/// Writes `bytes` to `path` atomically (see the module).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, |file| file.write_all(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concurrent_writers_of_one_path_all_succeed_and_leave_a_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/record.json");
        std::thread::scope(|s| {
            for t in 0..8u8 {
                let path = &path;
                s.spawn(move || {
                    for _ in 0..20 {
                        write_atomic(path, &[t; 4096]).unwrap();
                    }
                });
            }
        });
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(bytes.len(), 4096);
        assert!(bytes.iter().all(|&b| b == bytes[0]), "a torn write");
        let names: Vec<_> = std::fs::read_dir(dir.path().join("sub"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["record.json"], "temporary files left behind");
    }

    #[test]
    fn a_failed_fill_leaves_neither_the_target_nor_a_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.npy");
        let err = write_atomic_with(&path, |_| Err(std::io::Error::other("full disk")));
        assert!(err.unwrap_err().to_string().contains("full disk"));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
