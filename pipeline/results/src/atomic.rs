//! The crate's one way of writing a file: a uniquely named temporary file in the same folder,
//! written, synced, then renamed over the target. A reader sees the old file or the whole new
//! one, never a truncated one, and any number of processes may write the same path at once
//! (each through its own temporary file; the last rename wins).

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

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

/// A new uniquely named temporary file beside `path` (its folder created), named
/// `.<file name>.<random><suffix>`. It gets the permissions `File::create` would give (0o666
/// less the umask) rather than tempfile's private 0o600, so that a file renamed into place is as
/// readable as one written directly (a cache shared between users, published results).
fn temporary(path: &Path, suffix: &str) -> Result<NamedTempFile> {
    let parent: PathBuf = match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(p) => p.to_path_buf(),
        None => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(io(&parent))?;
    let prefix = partial_prefix(path);
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(suffix);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder.tempfile_in(&parent).map_err(io(&parent))
}

/// Syncs the temporary file and renames it over `path`.
fn persist(tmp: NamedTempFile, path: &Path) -> Result<()> {
    tmp.as_file().sync_all().map_err(io(tmp.path()))?;
    tmp.persist(path).map_err(|e| io(path)(e.error))?;
    Ok(())
}

/// Writes `path` with `fill`, which writes the content to the temporary file; creates the
/// parent folder. The temporary file is removed if `fill` or the write fails.
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut File) -> std::io::Result<()>,
) -> Result<()> {
    let mut tmp = temporary(path, PARTIAL_SUFFIX)?;
    fill(tmp.as_file_mut()).map_err(io(tmp.path()))?;
    persist(tmp, path)
}

/// Writes `path` with `fill`, which writes the content to the temporary file *by path*: for
/// writers that open the file themselves and read the format from its extension (plotters'
/// PNG encoder), so the temporary keeps `path`'s extension. The temporary file is removed if
/// `fill` or the write fails.
pub fn write_atomic_via_path(path: &Path, fill: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    let extension = path
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    let tmp = temporary(path, &format!("{PARTIAL_SUFFIX}{extension}"))?;
    fill(tmp.path())?;
    persist(tmp, path)
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
    fn a_fill_by_path_keeps_the_extension_and_leaves_only_the_target() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.png");
        write_atomic_via_path(&path, |tmp| {
            assert_eq!(tmp.extension().unwrap(), "png");
            std::fs::write(tmp, b"image").map_err(io(tmp))
        })
        .unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"image");
        let failed = |_: &Path| Err(io(&path)(std::io::Error::other("no font")));
        let err = write_atomic_via_path(&dir.path().join("g.png"), failed);
        assert!(err.unwrap_err().to_string().contains("no font"));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    /// A file written atomically is as readable as one `File::create` makes in the same
    /// folder (same umask), not private to its owner.
    #[cfg(unix)]
    #[test]
    fn written_files_get_the_permissions_of_a_created_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let direct = dir.path().join("direct");
        File::create(&direct).unwrap();
        let atomic = dir.path().join("atomic.json");
        write_atomic(&atomic, b"{}").unwrap();
        let by_path = dir.path().join("figure.png");
        write_atomic_via_path(&by_path, |tmp| std::fs::write(tmp, b"png").map_err(io(tmp)))
            .unwrap();
        assert_eq!(mode(&atomic), mode(&direct));
        assert_eq!(mode(&by_path), mode(&direct));
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
