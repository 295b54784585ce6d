//! Validation of `datasets.toml` entries: everything that can be checked without reading
//! data (sizes, label maps, step parameters, which sections fit which format). Errors carry
//! the key path below the entry.

use super::config::{
    DrawRng, EntryConfig, FileSpec, Fold, Format, LabelSpec, SimParams, SplitSpec, Step, UciFamily,
    UciSet,
};

/// A validation failure: the dotted key path below the entry and what is wrong.
pub(crate) type Invalid = (String, String);

fn bad(field: impl Into<String>, message: impl Into<String>) -> Invalid {
    (field.into(), message.into())
}

/// True for a 64-digit lower-case hex string.
fn is_sha256(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A relative path that stays inside the data directory.
fn is_safe_relative(p: &str) -> bool {
    let path = std::path::Path::new(p);
    !p.is_empty()
        && path.is_relative()
        && path
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
}

/// Entry names: lower-case letters, digits, `-` and `_` (a `/` separates a family from its set).
pub(crate) fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

impl FileSpec {
    fn validate(&self, at: &str) -> Result<(), Invalid> {
        if !is_safe_relative(&self.path) {
            return Err(bad(
                format!("{at}.path"),
                format!("`{}` must be a relative path without `..`", self.path),
            ));
        }
        if !is_sha256(&self.sha256) {
            return Err(bad(
                format!("{at}.sha256"),
                "must be 64 lower-case hex digits",
            ));
        }
        if let Some(c) = &self.content_sha256 {
            if !is_sha256(c) {
                return Err(bad(
                    format!("{at}.content_sha256"),
                    "must be 64 lower-case hex digits",
                ));
            }
        }
        if let Some(s) = &self.system_path {
            if !std::path::Path::new(s).is_absolute() {
                return Err(bad(format!("{at}.system_path"), "must be an absolute path"));
            }
        }
        if self.debian_package.is_some() && self.system_path.is_none() {
            return Err(bad(
                format!("{at}.system_path"),
                "is required with `debian_package` (where the package installs the file)",
            ));
        }
        Ok(())
    }
}

impl LabelSpec {
    fn validate(&self) -> Result<(), Invalid> {
        match self {
            LabelSpec::Regression => Ok(()),
            LabelSpec::Binary { map, .. } => {
                for (label, v) in map {
                    if *v != 1.0 && *v != -1.0 {
                        return Err(bad(
                            format!("labels.map.{label}"),
                            format!("{v} is not −1 or +1"),
                        ));
                    }
                }
                let has = |s: f64| map.values().any(|v| *v == s);
                if !(has(1.0) && has(-1.0)) {
                    return Err(bad(
                        "labels.map",
                        "must map at least one label to −1 and one to +1",
                    ));
                }
                Ok(())
            }
            LabelSpec::OneHot { classes, .. } => {
                if classes.len() < 2 {
                    return Err(bad("labels.classes", "needs at least two classes"));
                }
                let mut seen = std::collections::BTreeSet::new();
                for c in classes {
                    if !seen.insert(c) {
                        return Err(bad("labels.classes", format!("`{c}` is listed twice")));
                    }
                }
                Ok(())
            }
        }
    }
}

/// A split of one table's rows: format `csv` only (idx sources use `given`).
fn csv_only(format: Format, what: &str) -> Result<(), Invalid> {
    if format == Format::Csv {
        return Ok(());
    }
    Err(bad(
        "split.kind",
        format!("{what} applies to one table (format `csv`); use `given` for idx"),
    ))
}

fn validate_sizes(n_train: Option<usize>, n_test: Option<usize>) -> Result<(), Invalid> {
    if n_train == Some(0) {
        return Err(bad("split.n_train", "must be at least 1 (an empty split)"));
    }
    if n_test == Some(0) {
        return Err(bad("split.n_test", "must be at least 1 (an empty split)"));
    }
    Ok(())
}

impl SplitSpec {
    fn validate(&self, format: Format, labels: &LabelSpec) -> Result<(), Invalid> {
        match self {
            SplitSpec::Given { n_train, n_test } => {
                if format != Format::Idx {
                    return Err(bad(
                        "split.kind",
                        "`given` needs a source with its own train/test parts (format `idx`)",
                    ));
                }
                validate_sizes(*n_train, *n_test)
            }
            SplitSpec::Stratified {
                train_fraction,
                n_train,
                n_test,
                ..
            }
            | SplitSpec::Random {
                train_fraction,
                n_train,
                n_test,
                ..
            } => {
                csv_only(format, "a fractional split")?;
                if !(*train_fraction > 0.0 && *train_fraction < 1.0) {
                    return Err(bad(
                        "split.train_fraction",
                        format!("{train_fraction} is not in (0, 1)"),
                    ));
                }
                if matches!(self, SplitSpec::Stratified { .. }) && *labels == LabelSpec::Regression
                {
                    return Err(bad(
                        "split.kind",
                        "cannot stratify a regression target; use `random`",
                    ));
                }
                validate_sizes(*n_train, *n_test)
            }
            SplitSpec::Ordered { n_train, n_test } => {
                csv_only(format, "an `ordered` split")?;
                if n_train.is_none() {
                    return Err(bad(
                        "split.n_train",
                        "is required by an `ordered` split (the first n_train rows train)",
                    ));
                }
                validate_sizes(*n_train, *n_test)
            }
            SplitSpec::Column {
                column,
                train,
                test,
                n_train,
                n_test,
            } => {
                csv_only(format, "a `column` split")?;
                if column.is_empty() {
                    return Err(bad("split.column", "must name a column"));
                }
                if train == test {
                    return Err(bad(
                        "split.test",
                        format!("`{test}` is also the train value"),
                    ));
                }
                validate_sizes(*n_train, *n_test)
            }
        }
    }
}

/// Which formats draw with `rng`: the simulation's values and the subsamples of idx and csv
/// parts; a UCI family's folds are fixed files, so it draws nothing.
fn validate_rng(format: Format, rng: DrawRng) -> Result<(), Invalid> {
    if rng == DrawRng::NumpyLegacy && format == Format::Uci121 {
        return Err(bad(
            "rng",
            "a `uci121` family draws nothing (its folds are files): `numpy-legacy` does not apply",
        ));
    }
    Ok(())
}

impl SimParams {
    fn validate(&self) -> Result<(), Invalid> {
        if self.d == 0 {
            return Err(bad("simulation.d", "must be at least 1"));
        }
        if self.n_train == 0 {
            return Err(bad(
                "simulation.n_train",
                "must be at least 1 (an empty split)",
            ));
        }
        if self.n_test == 0 {
            return Err(bad(
                "simulation.n_test",
                "must be at least 1 (an empty split)",
            ));
        }
        if !self.gamma.is_finite() {
            return Err(bad("simulation.gamma", "must be finite"));
        }
        if !(self.sigma.is_finite() && self.sigma >= 0.0) {
            return Err(bad("simulation.sigma", "must be finite and ≥ 0"));
        }
        Ok(())
    }
}

impl UciFamily {
    fn validate(&self) -> Result<(), Invalid> {
        if !is_safe_relative(&self.dir) {
            return Err(bad("uci.dir", "must be a relative path without `..`"));
        }
        if let Some(t) = &self.url_template {
            if !(t.contains("{set}") && t.contains("{file}")) {
                return Err(bad("uci.url_template", "must contain `{set}` and `{file}`"));
            }
        }
        if self.sets.is_empty() {
            return Err(bad("uci.sets", "declares no set"));
        }
        if let Some(s) = &self.set {
            if !self.sets.contains_key(s) {
                return Err(bad("uci.set", format!("`{s}` is not declared in uci.sets")));
            }
        }
        if let Fold::Kfold(k) = self.fold {
            if k >= 4 {
                return Err(bad("uci.fold", format!("kfold {k} is not in 0..4")));
            }
        }
        for (name, set) in &self.sets {
            self.validate_set(name, set)?;
        }
        Ok(())
    }

    /// One set: its name, its checksums (of every file a split may read) and its shape.
    fn validate_set(&self, name: &str, set: &UciSet) -> Result<(), Invalid> {
        let at = format!("uci.sets.{name}");
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(bad(at, "set names use letters, digits, `-` and `_`"));
        }
        if self.unavailable.contains_key(name) {
            return Err(bad(at, "is also listed in uci.unavailable"));
        }
        for (file, hash) in &set.sha256 {
            if !is_safe_relative(file) || file.contains('/') {
                return Err(bad(
                    format!("{at}.sha256"),
                    format!("`{file}` is not a file name"),
                ));
            }
            if !is_sha256(hash) {
                return Err(bad(
                    format!("{at}.sha256.{file}"),
                    "must be 64 lower-case hex digits",
                ));
            }
        }
        let test = set.test.as_ref().map(|t| t.file.as_str());
        for needed in [set.data.as_str(), "conxuntos.dat", "conxuntos_kfold.dat"]
            .into_iter()
            .chain(test)
        {
            if !set.sha256.contains_key(needed) {
                return Err(bad(
                    format!("{at}.sha256"),
                    format!("declares no checksum for `{needed}`"),
                ));
            }
        }
        validate_test_file(set, self.fold, name, &at)?;
        if set.rows == 0 || set.features == 0 {
            return Err(bad(at, "rows and features must be at least 1"));
        }
        if set.classes < 2 {
            return Err(bad(format!("{at}.classes"), "needs at least two classes"));
        }
        Ok(())
    }
}

/// A set's separate test file: a file other than the data file, with rows; and the
/// `test_file` fold only for a set that declares one.
fn validate_test_file(set: &UciSet, fold: Fold, name: &str, at: &str) -> Result<(), Invalid> {
    match &set.test {
        None if fold == Fold::TestFile => Err(bad(
            "uci.fold",
            format!(
                "set `{name}` has no separate test file (no `test` in uci.sets.{name}), so \
                 the `test_file` fold does not apply to it"
            ),
        )),
        None => Ok(()),
        Some(test) if test.file == set.data => Err(bad(
            format!("{at}.test.file"),
            format!("`{}` is the data file itself", test.file),
        )),
        Some(test) if test.rows == 0 => Err(bad(format!("{at}.test.rows"), "must be at least 1")),
        Some(_) => Ok(()),
    }
}

impl Step {
    fn validate(&self, at: &str, image: bool) -> Result<(), Invalid> {
        match self {
            Step::Crop { .. } if !image => {
                Err(bad(at, "`crop` needs an image source (format `idx`)"))
            }
            Step::Divide { by } if !(by.is_finite() && *by != 0.0) => {
                Err(bad(format!("{at}.by"), "must be finite and non-zero"))
            }
            Step::ClipZscore { lower, upper }
                if !(0.0 <= *lower && lower < upper && *upper <= 100.0) =>
            {
                Err(bad(
                    at,
                    format!("percentiles need 0 ≤ lower < upper ≤ 100, got {lower} and {upper}"),
                ))
            }
            Step::ChooseByRows {
                at_least, below, ..
            } => {
                for (i, s) in at_least.iter().enumerate() {
                    s.validate(&format!("{at}.at_least[{i}]"), image)?;
                }
                for (i, s) in below.iter().enumerate() {
                    s.validate(&format!("{at}.below[{i}]"), image)?;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

impl EntryConfig {
    /// Checks everything that can be checked without data; the error names the field.
    pub(crate) fn validate(&self) -> Result<(), Invalid> {
        self.validate_sections()?;
        self.validate_labels_and_split()?;
        self.validate_files()?;
        validate_rng(self.format, self.rng)?;
        self.validate_csv()?;
        if let Some(sim) = &self.simulation {
            sim.validate()?;
        }
        if let Some(uci) = &self.uci {
            uci.validate()?;
        }
        let image = self.format == Format::Idx;
        for (i, step) in self.preprocess.iter().enumerate() {
            step.validate(&format!("preprocess[{i}]"), image)?;
        }
        Ok(())
    }

    /// Checks that the entry has the format's own section (`csv`, `simulation`, `uci`) and
    /// none of the others.
    fn validate_sections(&self) -> Result<(), Invalid> {
        let sections = [
            ("csv", self.csv.is_some(), Format::Csv),
            ("simulation", self.simulation.is_some(), Format::Simulation),
            ("uci", self.uci.is_some(), Format::Uci121),
        ];
        for (key, present, owner) in sections {
            if present && owner != self.format {
                return Err(bad(
                    key,
                    format!("does not apply to format `{}`", self.format.name()),
                ));
            }
            if !present && owner == self.format {
                return Err(bad(key, "is required by this format"));
            }
        }
        Ok(())
    }

    /// Checks `labels` and `split`: required and valid for the file formats (csv, idx), absent
    /// for the formats that code their own targets and split.
    fn validate_labels_and_split(&self) -> Result<(), Invalid> {
        if matches!(self.format, Format::Csv | Format::Idx) {
            let labels = self
                .labels
                .as_ref()
                .ok_or_else(|| bad("labels", "is required by this format"))?;
            labels.validate()?;
            let split = self
                .split
                .as_ref()
                .ok_or_else(|| bad("split", "is required by this format"))?;
            return split.validate(self.format, labels);
        }
        if self.labels.is_some() {
            return Err(bad(
                "labels",
                "does not apply: this format codes its own targets",
            ));
        }
        if self.split.is_some() {
            return Err(bad(
                "split",
                "does not apply: this format has its own split",
            ));
        }
        Ok(())
    }

    /// Checks `files`: exactly the format's roles, each a valid file spec (a uci121 family
    /// declares none here).
    fn validate_files(&self) -> Result<(), Invalid> {
        if self.format == Format::Uci121 && !self.files.is_empty() {
            return Err(bad(
                "files",
                "a uci121 family declares its files in uci.sets",
            ));
        }
        for role in self.format.required_roles() {
            if !self.files.contains_key(*role) {
                return Err(bad(format!("files.{role}"), "is required by this format"));
            }
        }
        for (role, spec) in &self.files {
            if !self.format.required_roles().contains(&role.as_str()) {
                return Err(bad(
                    format!("files.{role}"),
                    format!(
                        "unknown role; this format uses {:?}",
                        self.format.required_roles()
                    ),
                ));
            }
            spec.validate(&format!("files.{role}"))?;
        }
        Ok(())
    }

    /// Checks the `csv` section: a split column that is neither the target nor dropped, an
    /// ASCII separator, a kept target, finite sentinels.
    fn validate_csv(&self) -> Result<(), Invalid> {
        let Some(csv) = &self.csv else {
            return Ok(());
        };
        if let Some(column) = self.split.as_ref().and_then(SplitSpec::column) {
            if *column == csv.target || csv.drop_columns.iter().any(|c| c == column) {
                return Err(bad(
                    "split.column",
                    format!("`{column}` is also the target or a dropped column"),
                ));
            }
        }
        if !csv.separator.is_ascii() {
            return Err(bad("csv.separator", "must be one ASCII character"));
        }
        if csv.drop_columns.contains(&csv.target) {
            return Err(bad("csv.drop_columns", "drops the target column"));
        }
        if csv.drop_rows_with.iter().any(|v| !v.is_finite()) {
            return Err(bad(
                "csv.drop_rows_with",
                "sentinels must be finite numbers",
            ));
        }
        Ok(())
    }
}
