//! Downloading a declared file: `curl -fL` into a temporary file beside the target, sha256
//! check, then an atomic rename. A failed download or a wrong checksum leaves nothing behind.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::config::Overrides;
use super::datadir::{DataDir, DeclaredFile};
use super::registry::Registry;
use crate::{Error, Result};

/// What `fetch` did for one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// The file was already present with the right checksum.
    Present(PathBuf),
    /// The file was downloaded from this address and verified.
    Downloaded { path: PathBuf, url: String },
}

/// Removes the temporary file when dropped (download or verification failed).
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn curl(url: &str, out: &Path) -> std::result::Result<(), String> {
    let output = Command::new("curl")
        .args(["-fL", "--silent", "--show-error", "-o"])
        .arg(out)
        .arg(url)
        .output()
        .map_err(|e| format!("cannot run curl: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        Err(format!(
            "{url}: {}",
            stderr.lines().last().unwrap_or("curl failed").trim()
        ))
    }
}

/// Makes `file` present and verified under `dir`, downloading it when needed.
fn fetch_file(file: &DeclaredFile, dir: &DataDir) -> Result<Fetched> {
    let target = dir.target(&file.spec);
    if let Some(found) = dir.locate(&file.spec) {
        let bytes = std::fs::read(&found).map_err(|source| Error::Io {
            path: found.clone(),
            source,
        })?;
        if file.check_bytes(&found, &bytes).is_ok() {
            return Ok(Fetched::Present(found));
        }
    }
    let fail = |message: String| Error::DataFetch {
        entry: file.entry.clone(),
        path: target.clone(),
        message,
    };
    if file.spec.urls.is_empty() {
        return Err(fail(format!(
            "no download address is declared. {}",
            file.how_to_get(dir)
        )));
    }
    let parent = target.parent().unwrap_or(dir.root());
    std::fs::create_dir_all(parent).map_err(|source| Error::Io {
        path: parent.to_path_buf(),
        source,
    })?;
    let name = target.file_name().unwrap_or_default().to_string_lossy();
    let temp = TempFile(parent.join(format!(".{name}.part-{}", std::process::id())));
    let mut tried = Vec::new();
    for url in &file.spec.urls {
        if let Err(e) = curl(url, &temp.0) {
            tried.push(e);
            continue;
        }
        let bytes = std::fs::read(&temp.0).map_err(|source| Error::Io {
            path: temp.0.clone(),
            source,
        })?;
        match file.check_bytes(&target, &bytes) {
            Ok(()) => {
                std::fs::rename(&temp.0, &target).map_err(|source| Error::Io {
                    path: target.clone(),
                    source,
                })?;
                return Ok(Fetched::Downloaded {
                    path: target,
                    url: url.clone(),
                });
            }
            Err(e) => tried.push(format!("{url}: {e}")),
        }
    }
    Err(fail(format!(
        "every source failed ({}). Without internet access, copy the file to {} instead. {}",
        tried.join("; "),
        target.display(),
        file.how_to_get(dir)
    )))
}

impl Registry {
    /// Downloads the missing files of an entry (`family` fetches all its sets, `family/set`
    /// one) from their declared addresses, verifying each checksum before an atomic rename.
    /// Files that are present and valid are left alone.
    pub fn fetch(&self, name: &str, dir: &DataDir) -> Result<Vec<Fetched>> {
        let base = name.split_once('/').map_or(name, |(b, _)| b);
        let names: Vec<String> = match self.members(base) {
            Some(sets) if !name.contains('/') => {
                sets.iter().map(|s| format!("{base}/{s}")).collect()
            }
            _ => vec![name.to_string()],
        };
        let mut done = Vec::new();
        for n in names {
            let resolved = self.resolve(&n, &Overrides::default())?;
            for file in Self::declared_files(&resolved) {
                done.push(fetch_file(&file, dir)?);
            }
        }
        Ok(done)
    }
}
