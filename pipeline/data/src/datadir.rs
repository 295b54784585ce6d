//! Where the data files live, and reading a declared file with its checksum verified.

use std::path::{Path, PathBuf};

use super::checksum::{verify, Verdict};
use super::config::FileSpec;
use crate::{Error, Result};

/// The data directory: declared file paths are relative to it.
///
/// Resolution order: an explicit path, else `$KARE_DATA_DIR`, else `data/` in the current
/// directory, else `../shared/datasets` (the project's shared collection, seen from the
/// project root).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDir {
    root: PathBuf,
}

/// The environment variable naming the data directory.
pub const DATA_DIR_ENV: &str = "KARE_DATA_DIR";

fn not_a_dir(path: &Path, why: &str) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::NotFound, why.to_string()),
    }
}

impl DataDir {
    /// Finds the data directory (see the type's documentation); an explicit or environment
    /// path that is not a directory is an error rather than a silent fallback.
    pub fn resolve(explicit: Option<&Path>) -> Result<Self> {
        Self::resolve_from(
            explicit,
            std::env::var_os(DATA_DIR_ENV).map(PathBuf::from),
            Path::new("."),
        )
    }

    /// [`DataDir::resolve`] with the environment value and the directory that `data/` and
    /// `../shared/datasets` are relative to given explicitly.
    fn resolve_from(explicit: Option<&Path>, env: Option<PathBuf>, base: &Path) -> Result<Self> {
        if let Some(p) = explicit {
            return if p.is_dir() {
                Ok(Self::at(p))
            } else {
                Err(not_a_dir(p, "the data directory given is not a directory"))
            };
        }
        if let Some(p) = env {
            return if p.is_dir() {
                Ok(Self::at(p))
            } else {
                Err(not_a_dir(
                    &p,
                    &format!("${DATA_DIR_ENV} does not name a directory"),
                ))
            };
        }
        for candidate in ["data", "../shared/datasets"] {
            let p = base.join(candidate);
            if p.is_dir() {
                return Ok(Self::at(p));
            }
        }
        Err(not_a_dir(
            &base.join("data"),
            &format!(
                "no data directory: set ${DATA_DIR_ENV}, create data/, or run from a project \
                 root with ../shared/datasets beside it"
            ),
        ))
    }

    /// A data directory at `root`, without checking that it exists (`fetch` may fill it).
    pub fn at(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where `spec` belongs under this directory.
    pub(crate) fn target(&self, spec: &FileSpec) -> PathBuf {
        self.root.join(&spec.path)
    }

    /// Where `spec` is found: under the data directory, else at its `system_path`.
    pub(crate) fn locate(&self, spec: &FileSpec) -> Option<PathBuf> {
        let local = self.target(spec);
        if local.is_file() {
            return Some(local);
        }
        spec.system_path
            .as_ref()
            .map(PathBuf::from)
            .filter(|p| p.is_file())
    }
}

/// One file of an entry, with the names used in messages.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DeclaredFile {
    /// The entry (or `family/set`) it belongs to.
    pub entry: String,
    /// Its role (`table`, `train_images`, or a UCI file name).
    pub role: String,
    /// The TOML key path of its sha256 (for mismatch messages; it names the entry).
    pub field: String,
    pub spec: FileSpec,
}

impl DeclaredFile {
    /// Human instructions to obtain the file (`dir` says where it is expected).
    pub fn how_to_get(&self, dir: &DataDir) -> String {
        let mut parts = Vec::new();
        if let Some(pkg) = &self.spec.debian_package {
            parts.push(format!(
                "Install the Debian package `{pkg}` (`apt-get update && apt-get install -y {pkg}`), \
                 which puts it at {}.",
                self.spec.system_path.as_deref().unwrap_or("?")
            ));
        }
        if !self.spec.urls.is_empty() {
            parts.push(format!(
                "Download it from {} (the pipeline's fetch does this and verifies the sha256).",
                self.spec.urls.join(" or ")
            ));
        }
        if let Some(src) = &self.spec.source {
            parts.push(format!("Source: {src}."));
        }
        parts.push(format!(
            "Or copy it to {} (the data directory is ${DATA_DIR_ENV}, else data/, else ../shared/datasets).",
            dir.target(&self.spec).display()
        ));
        parts.join(" ")
    }

    /// Reads the file and verifies its checksum: the bytes returned are the bytes checked.
    pub fn read(&self, dir: &DataDir) -> Result<(PathBuf, Vec<u8>)> {
        let path = dir.locate(&self.spec).ok_or_else(|| Error::DataMissing {
            entry: self.entry.clone(),
            role: self.role.clone(),
            path: dir.target(&self.spec),
            how_to_get: self.how_to_get(dir),
        })?;
        let bytes = std::fs::read(&path).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        self.check_bytes(&path, &bytes)?;
        Ok((path, bytes))
    }

    /// A checksum error unless `bytes` match the declaration.
    pub fn check_bytes(&self, path: &Path, bytes: &[u8]) -> Result<()> {
        match verify(bytes, &self.spec) {
            Verdict::Match => Ok(()),
            Verdict::Mismatch { actual } => Err(Error::DataChecksum {
                path: path.to_path_buf(),
                field: self.field.clone(),
                expected: self.spec.sha256.clone(),
                actual,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolution_order_is_explicit_env_data_then_shared() {
        let tmp = tempfile::tempdir().unwrap();
        let project = tmp.path().join("project");
        let shared = tmp.path().join("shared/datasets");
        let other = tmp.path().join("other");
        for d in [&project, &shared, &other] {
            std::fs::create_dir_all(d).unwrap();
        }
        let found = |explicit: Option<&Path>, env: Option<&Path>| {
            DataDir::resolve_from(explicit, env.map(Path::to_path_buf), &project)
                .map(|d| d.root().to_path_buf())
        };
        assert_eq!(
            found(None, None).unwrap(),
            project.join("../shared/datasets")
        );
        std::fs::create_dir(project.join("data")).unwrap();
        assert_eq!(found(None, None).unwrap(), project.join("data"));
        assert_eq!(found(None, Some(&other)).unwrap(), other);
        assert_eq!(found(Some(&shared), Some(&other)).unwrap(), shared);
        let missing = tmp.path().join("missing");
        let err = found(None, Some(&missing)).unwrap_err().to_string();
        assert!(
            err.contains("KARE_DATA_DIR does not name a directory"),
            "{err}"
        );
        assert!(found(Some(&missing), None).is_err());
        std::fs::remove_dir(project.join("data")).unwrap();
        std::fs::remove_dir_all(tmp.path().join("shared")).unwrap();
        let err = found(None, None).unwrap_err().to_string();
        assert!(err.contains("no data directory"), "{err}");
    }
}
