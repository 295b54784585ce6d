//! The registry: parses `datasets.toml`, resolves an entry with an experiment's overrides,
//! and prepares, checks or fetches it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::config::{EntryConfig, FileSpec, Fold, Overrides, RegistryFile, UciFamily};
use super::datadir::DeclaredFile;
use super::validate::{valid_name, Invalid};
use crate::{Error, Result};

/// The data sets declared in one `datasets.toml`.
#[derive(Debug, Clone)]
pub struct Registry {
    pub(super) path: PathBuf,
    pub(super) entries: BTreeMap<String, EntryConfig>,
}

/// An entry with overrides applied; for a UCI family, narrowed to one set.
pub(super) struct Resolved {
    /// `entry` or `family/set`.
    pub name: String,
    pub config: EntryConfig,
    /// The UCI set, for families.
    pub set: Option<String>,
}

/// A [`Error::DataParam`] naming the entry and the field.
pub(super) fn param(entry: &str, field: impl Into<String>, message: impl Into<String>) -> Error {
    Error::DataParam {
        entry: entry.to_string(),
        field: field.into(),
        message: message.into(),
    }
}

impl Registry {
    /// Reads and validates a registry file; errors name the file, the entry and the field.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Parses and validates registry text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &Path) -> Result<Self> {
        let config_error = |line, location: String, message: String| Error::DataConfig {
            path: origin.to_path_buf(),
            line,
            location,
            message,
        };
        let file: RegistryFile = crate::toml_file::parse(text)
            .map_err(|m| config_error(m.line, m.location, m.message))?;
        for (name, entry) in &file.datasets {
            if !valid_name(name) {
                return Err(config_error(
                    None,
                    format!("datasets.{name}"),
                    "entry names use a-z, 0-9, `-` and `_`".into(),
                ));
            }
            entry.validate().map_err(|(field, message)| {
                config_error(None, format!("datasets.{name}.{field}"), message)
            })?;
        }
        Ok(Self {
            path: origin.to_path_buf(),
            entries: file.datasets,
        })
    }

    /// The declared entry names (a UCI family is one name; see [`Registry::members`]).
    pub fn names(&self) -> Vec<&str> {
        self.entries.keys().map(String::as_str).collect()
    }

    /// An entry's one-line description.
    pub fn description(&self, name: &str) -> Option<&str> {
        self.entries.get(name).map(|e| e.description.as_str())
    }

    /// The sets of a UCI family (usable as `family/set` or through [`Overrides::set`]);
    /// `None` for other entries.
    pub fn members(&self, name: &str) -> Option<Vec<&str>> {
        let uci = self.entries.get(name)?.uci.as_ref()?;
        Some(uci.sets.keys().map(String::as_str).collect())
    }

    /// The sets of a UCI family that ship a separate test file (a declared `test`), usable
    /// with `fold = "test_file"`; `None` for other entries.
    pub fn test_file_sets(&self, name: &str) -> Option<Vec<&str>> {
        let uci = self.entries.get(name)?.uci.as_ref()?;
        Some(
            uci.sets
                .iter()
                .filter(|(_, set)| set.test.is_some())
                .map(|(name, _)| name.as_str())
                .collect(),
        )
    }

    /// The separate test file of the UCI set `family/set` (`uci121/monks-1`): its file name
    /// and rows; `None` when the set ships none or `name` is not a UCI set.
    pub fn test_file(&self, name: &str) -> Option<(&str, usize)> {
        let (family, set) = name.split_once('/')?;
        let uci = self.entries.get(family)?.uci.as_ref()?;
        let test = uci.sets.get(set)?.test.as_ref()?;
        Some((test.file.as_str(), test.rows))
    }

    pub(super) fn resolve(&self, name: &str, ov: &Overrides) -> Result<Resolved> {
        let (base, named_set) = match name.split_once('/') {
            Some((b, s)) => (b, Some(s)),
            None => (name, None),
        };
        let mut config = self.entries.get(base).cloned().ok_or_else(|| {
            param(
                name,
                "name",
                format!(
                    "not declared in {} (entries: {})",
                    self.path.display(),
                    self.names().join(", ")
                ),
            )
        })?;
        override_sizes(name, &mut config, ov)?;
        override_simulation(name, &mut config, ov)?;
        let set = match config.uci.as_mut() {
            Some(uci) => Some(narrow_family(name, base, named_set, uci, ov)?),
            None => {
                if named_set.is_some() {
                    return Err(param(
                        name,
                        "name",
                        format!("`{base}` is not a family: drop the `/…` suffix"),
                    ));
                }
                let format_name = config.format.name();
                for (field, given) in [("set", ov.set.is_some()), ("fold", ov.fold.is_some())] {
                    if given {
                        return Err(not_for(name, format_name, field));
                    }
                }
                None
            }
        };
        if let Some(rng) = ov.rng {
            config.rng = rng;
        }
        config.validate().map_err(|(field, message): Invalid| {
            param(name, format!("{field} (after overrides)"), message)
        })?;
        let name = match &set {
            Some(s) => format!("{base}/{s}"),
            None => base.to_string(),
        };
        Ok(Resolved { name, config, set })
    }

    /// The files of a resolved entry (for a family: of its one set).
    pub(super) fn declared_files(resolved: &Resolved) -> Vec<DeclaredFile> {
        let Resolved { name, config, set } = resolved;
        let base = name.split_once('/').map_or(name.as_str(), |(b, _)| b);
        match (&config.uci, set) {
            (Some(uci), Some(set)) => uci.sets[set]
                .sha256
                .iter()
                .map(|(file, hash)| DeclaredFile {
                    entry: name.clone(),
                    role: file.clone(),
                    field: format!("datasets.{base}.uci.sets.{set}.sha256[\"{file}\"]"),
                    spec: FileSpec {
                        path: format!("{}/{set}/{file}", uci.dir),
                        sha256: hash.clone(),
                        content_sha256: None,
                        urls: uci
                            .url_template
                            .iter()
                            .map(|t| t.replace("{set}", set).replace("{file}", file))
                            .collect(),
                        source: uci.source.clone(),
                        debian_package: None,
                        system_path: None,
                    },
                })
                .collect(),
            _ => config
                .files
                .iter()
                .map(|(role, spec)| DeclaredFile {
                    entry: name.clone(),
                    role: role.clone(),
                    field: format!("datasets.{base}.files.{role}.sha256"),
                    spec: spec.clone(),
                })
                .collect(),
        }
    }
}

/// The error for an override that entry `name`, of format `format_name`, has no use for: an
/// override that does not apply is refused rather than silently ignored.
fn not_for(name: &str, format_name: &str, field: &str) -> Error {
    param(
        name,
        format!("overrides.{field}"),
        format!("does not apply to a `{format_name}` entry"),
    )
}

/// Applies the `n_train` / `n_test` overrides to entry `name`: a simulation's row counts, or
/// a file's subsample sizes; an entry with neither refuses them.
fn override_sizes(name: &str, config: &mut EntryConfig, ov: &Overrides) -> Result<()> {
    if ov.n_train.is_none() && ov.n_test.is_none() {
        return Ok(());
    }
    if let Some(sim) = config.simulation.as_mut() {
        sim.n_train = ov.n_train.unwrap_or(sim.n_train);
        sim.n_test = ov.n_test.unwrap_or(sim.n_test);
    } else if let Some(split) = config.split.as_mut() {
        let (tr, te) = split.sizes_mut();
        *tr = ov.n_train.or(*tr);
        *te = ov.n_test.or(*te);
    } else {
        return Err(not_for(name, config.format.name(), "n_train / n_test"));
    }
    Ok(())
}

/// Applies the simulation overrides (`d`, `gamma`, `sigma`) to entry `name`; an entry that is
/// not a simulation refuses them.
fn override_simulation(name: &str, config: &mut EntryConfig, ov: &Overrides) -> Result<()> {
    let format_name = config.format.name();
    let Some(sim) = config.simulation.as_mut() else {
        for (field, given) in [
            ("d", ov.d.is_some()),
            ("gamma", ov.gamma.is_some()),
            ("sigma", ov.sigma.is_some()),
        ] {
            if given {
                return Err(not_for(name, format_name, field));
            }
        }
        return Ok(());
    };
    if let Some(d) = ov.d {
        sim.d = d;
    }
    if let Some(g) = ov.gamma {
        sim.gamma = g;
    }
    if let Some(s) = ov.sigma {
        sim.sigma = s;
    }
    Ok(())
}

/// Narrows the UCI family `base` (asked for as `name`) to one set, applies the `fold`
/// override, and returns the set. Only the chosen set is kept, since the effective
/// configuration is the cache key.
fn narrow_family(
    name: &str,
    base: &str,
    named_set: Option<&str>,
    uci: &mut UciFamily,
    ov: &Overrides,
) -> Result<String> {
    let chosen = choose_set(name, base, named_set, uci, ov)?;
    if let Some(fold) = ov.fold {
        uci.fold = fold;
    }
    uci.set = Some(chosen.clone());
    // A test file is part of the cache key only when the fold reads it.
    uci.sets.retain(|k, _| *k == chosen);
    if uci.fold != Fold::TestFile {
        uci.sets.values_mut().for_each(|s| s.test = None);
    }
    Ok(chosen)
}

/// The set of the UCI family `base` that `name` asks for: the name's `/<set>`, else the `set`
/// override, else the family's default; it must be declared and available, and the name and
/// the override must not disagree.
fn choose_set(
    name: &str,
    base: &str,
    named_set: Option<&str>,
    uci: &UciFamily,
    ov: &Overrides,
) -> Result<String> {
    if let (Some(a), Some(b)) = (named_set, ov.set.as_deref()) {
        if a != b {
            return Err(param(
                name,
                "overrides.set",
                format!("`{b}` contradicts the name's set `{a}`"),
            ));
        }
    }
    let chosen = named_set
        .map(str::to_string)
        .or_else(|| ov.set.clone())
        .or_else(|| uci.set.clone())
        .ok_or_else(|| {
            param(
                name,
                "set",
                format!(
                    "a `uci121` family needs a set: name it `{base}/<set>` or override `set` ({} sets declared)",
                    uci.sets.len()
                ),
            )
        })?;
    if let Some(why) = uci.unavailable.get(&chosen) {
        return Err(param(
            name,
            "set",
            format!("`{chosen}` is unavailable: {why}"),
        ));
    }
    if !uci.sets.contains_key(&chosen) {
        return Err(param(
            name,
            "set",
            format!("`{chosen}` is not declared in uci.sets"),
        ));
    }
    Ok(chosen)
}
