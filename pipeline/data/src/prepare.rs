//! Preparing an entry for one run: load the rows, draw train and test, preprocess, code
//! the targets.

use super::checksum::sha256_hex;
use super::config::{Format, Overrides, SplitSpec};
use super::datadir::{DataDir, DeclaredFile};
use super::loaders::{load_csv, load_idx, load_uci};
use super::pool::{Coding, Features, Pool, Targets};
use super::preprocess::{apply, Frames};
use super::registry::{param, Registry, Resolved};
use super::simulate::simulate;
use super::split::{fraction_split, split_rng, Subsampler};
use super::{Prepared, Task};
use crate::memory;
use crate::Result;

/// Rows chosen for train and test, before preprocessing.
struct Drawn {
    train_pool: Pool,
    /// `None`: the test rows come from `train_pool` too.
    test_pool: Option<Pool>,
    train: Vec<usize>,
    test: Vec<usize>,
    coding: Coding,
    /// Rows loaded before the split (what `choose_by_rows` compares with).
    pool_rows: usize,
}

impl Drawn {
    /// Train and test rows both drawn from one loaded pool.
    fn from_one_pool(pool: Pool, train: Vec<usize>, test: Vec<usize>, coding: Coding) -> Self {
        Drawn {
            pool_rows: pool.n,
            train_pool: pool,
            test_pool: None,
            train,
            test,
            coding,
        }
    }
}

/// The file of `role` (validation made sure the format's roles are declared).
fn role<'a>(files: &'a [DeclaredFile], name: &str) -> &'a DeclaredFile {
    files
        .iter()
        .find(|f| f.role == name)
        .expect("validated: the format's file roles are declared")
}

/// The error for a subsample larger than its part.
fn too_many(r: &Resolved, field: &str, avail: usize, part: &str) -> crate::Error {
    param(
        &r.name,
        field,
        format!("asks for more rows than the {avail} of the {part} part"),
    )
}

/// Draws the run's subsamples with `r`'s generator: `n_train` of the train part's rows, then
/// `n_test` of the test part's (`None`: all, in order). An error names a seed the generator
/// cannot take or a subsample larger than its part.
fn subsample_parts(
    r: &Resolved,
    seed: u64,
    (train, n_train): (&[usize], Option<usize>),
    (test, n_test): (&[usize], Option<usize>),
) -> Result<(Vec<usize>, Vec<usize>)> {
    let mut sampler = Subsampler::new(r.config.rng, seed).map_err(|m| param(&r.name, "rng", m))?;
    let train = sampler
        .subsample(train, n_train)
        .map_err(|a| too_many(r, "split.n_train", a, "train"))?;
    let test = sampler
        .subsample(test, n_test)
        .map_err(|a| too_many(r, "split.n_test", a, "test"))?;
    Ok((train, test))
}

/// Copies of the simulated values held at once while the data are prepared (the draw, the
/// splits, the preprocessed and the final arrays), for the memory check before drawing.
const SIMULATION_COPIES: f64 = 6.0;

fn draw_simulation(r: &Resolved, seed: u64) -> Result<Drawn> {
    let sim = r.config.simulation.as_ref().expect("validated");
    let n = sim.n_train.saturating_add(sim.n_test);
    let bytes = SIMULATION_COPIES * 8.0 * n as f64 * (sim.d as f64 + 1.0);
    memory::check(bytes as u64, None).map_err(|m| {
        let what = format!("the simulation of {n} rows × {} features {m}", sim.d);
        param(&r.name, "n_train", what)
    })?;
    let (x, y) =
        simulate(sim, r.config.rng, seed).map_err(|(field, m)| param(&r.name, field, m))?;
    Ok(Drawn {
        train_pool: Pool {
            features: Features::F64(x),
            n,
            d: sim.d,
            image: None,
            targets: Targets::Values(y),
        },
        test_pool: None,
        train: (0..sim.n_train).collect(),
        test: (sim.n_train..n).collect(),
        coding: Coding::Regression,
        pool_rows: n,
    })
}

fn draw_uci(r: &Resolved, files: &[DeclaredFile], dir: &DataDir) -> Result<Drawn> {
    let uci = r.config.uci.as_ref().expect("validated");
    let set = &uci.sets[r.set.as_deref().expect("resolved")];
    let (pool, train, test) = load_uci(set, files, uci.fold, dir)?;
    let coding = if set.classes == 2 {
        Coding::Binary
    } else {
        Coding::OneHot {
            names: (0..set.classes).map(|k| k.to_string()).collect(),
        }
    };
    Ok(Drawn {
        // The data file's rows choose the preprocessing branch, also when the pool holds
        // the test file's rows after them.
        pool_rows: set.rows,
        ..Drawn::from_one_pool(pool, train, test, coding)
    })
}

/// The source's own train and test parts (in file order), each subsampled per seed.
fn draw_idx(r: &Resolved, files: &[DeclaredFile], dir: &DataDir, seed: u64) -> Result<Drawn> {
    let labels = r.config.labels.as_ref().expect("validated");
    let train_pool = load_idx(
        role(files, "train_images"),
        role(files, "train_labels"),
        labels,
        dir,
    )?;
    let test_pool = load_idx(
        role(files, "test_images"),
        role(files, "test_labels"),
        labels,
        dir,
    )?;
    let Some(SplitSpec::Given { n_train, n_test }) = &r.config.split else {
        unreachable!("validated: idx entries use a `given` split")
    };
    let all = |n| (0..n).collect::<Vec<_>>();
    let (train, test) = subsample_parts(
        r,
        seed,
        (&all(train_pool.n), *n_train),
        (&all(test_pool.n), *n_test),
    )?;
    Ok(Drawn {
        pool_rows: train_pool.n + test_pool.n,
        train_pool,
        test_pool: Some(test_pool),
        train,
        test,
        coding: labels.coding(),
    })
}

/// The parts of a table's rows before subsampling, and the subsample sizes still to draw.
type Parts = (Vec<usize>, Vec<usize>, Option<usize>, Option<usize>);

/// Splits a table's `pool` by `split`: a fraction (per class when stratified), by position,
/// or by the `parts` column.
fn csv_parts(r: &Resolved, pool: &Pool, parts: Option<&[String]>, seed: u64) -> Result<Parts> {
    let fraction = |f: f64, split_seed: Option<u64>, stratify: bool| {
        let classes = if stratify { pool.classes() } else { None };
        fraction_split(
            pool.n,
            classes,
            f,
            &mut split_rng(split_seed.unwrap_or(seed)),
        )
    };
    Ok(match r.config.split.as_ref().expect("validated") {
        split @ (SplitSpec::Stratified {
            train_fraction,
            split_seed,
            n_train,
            n_test,
        }
        | SplitSpec::Random {
            train_fraction,
            split_seed,
            n_train,
            n_test,
        }) => {
            let stratify = matches!(split, SplitSpec::Stratified { .. });
            let (tr, te) = fraction(*train_fraction, *split_seed, stratify);
            (tr, te, *n_train, *n_test)
        }
        SplitSpec::Ordered { n_train, n_test } => {
            let n_train = n_train.expect("validated");
            let end = n_test.map_or(pool.n, |k| n_train + k);
            if end > pool.n {
                return Err(param(
                    &r.name,
                    "split",
                    format!("an `ordered` split of {end} rows, but the table has {} (after row filters)", pool.n),
                ));
            }
            ((0..n_train).collect(), (n_train..end).collect(), None, None)
        }
        SplitSpec::Column {
            column,
            train,
            test,
            n_train,
            n_test,
        } => {
            let parts = parts.expect("load_csv returns the split column");
            let (mut tr, mut te) = (Vec::new(), Vec::new());
            for (i, p) in parts.iter().enumerate() {
                match p {
                    p if p == train => tr.push(i),
                    p if p == test => te.push(i),
                    other => {
                        return Err(param(
                            &r.name,
                            "split.column",
                            format!("kept row {} has `{other}` in column `{column}`, neither `{train}` nor `{test}`", i + 1),
                        ))
                    }
                }
            }
            (tr, te, *n_train, *n_test)
        }
        SplitSpec::Given { .. } => unreachable!("validated: csv entries do not use `given`"),
    })
}

fn draw_csv(r: &Resolved, files: &[DeclaredFile], dir: &DataDir, seed: u64) -> Result<Drawn> {
    let cfg = &r.config;
    let labels = cfg.labels.as_ref().expect("validated");
    let csv = cfg.csv.as_ref().expect("validated");
    let column = cfg.split.as_ref().and_then(SplitSpec::column);
    let (pool, parts) = load_csv(role(files, "table"), csv, labels, column, dir)?;
    let (tr, te, n_train, n_test) = csv_parts(r, &pool, parts.as_deref(), seed)?;
    let (train, test) = subsample_parts(r, seed, (&tr, n_train), (&te, n_test))?;
    Ok(Drawn::from_one_pool(pool, train, test, labels.coding()))
}

impl Registry {
    /// Loads the rows and draws the train and test parts for `seed`.
    fn draw(r: &Resolved, files: &[DeclaredFile], dir: &DataDir, seed: u64) -> Result<Drawn> {
        match r.config.format {
            Format::Simulation => draw_simulation(r, seed),
            Format::Uci121 => draw_uci(r, files, dir),
            Format::Idx => draw_idx(r, files, dir, seed),
            Format::Csv => draw_csv(r, files, dir, seed),
        }
    }

    /// Loads, splits and preprocesses an entry for one run.
    ///
    /// `name` is an entry, or `family/set` for a UCI set. `overrides` changes sizes,
    /// simulation parameters, or the UCI set and fold; one that does not apply to the
    /// entry is an error. Every file's checksum is verified as it is read.
    pub fn prepare(
        &self,
        name: &str,
        dir: &DataDir,
        overrides: &Overrides,
        seed: u64,
    ) -> Result<Prepared> {
        Self::prepare_resolved(&self.resolve(name, overrides)?, dir, seed)
    }

    /// [`Registry::prepare`] for an entry already resolved.
    pub(super) fn prepare_resolved(r: &Resolved, dir: &DataDir, seed: u64) -> Result<Prepared> {
        let files = Self::declared_files(r);
        let drawn = Self::draw(r, &files, dir, seed)?;
        Self::finish(r, drawn, seed)
    }

    fn finish(r: &Resolved, drawn: Drawn, seed: u64) -> Result<Prepared> {
        let Drawn {
            train_pool,
            test_pool,
            train,
            test,
            coding,
            pool_rows,
        } = drawn;
        let test_pool = test_pool.as_ref().unwrap_or(&train_pool);
        for (part, rows) in [("train", &train), ("test", &test)] {
            if rows.is_empty() {
                return Err(param(&r.name, "split", format!("the {part} part is empty")));
            }
        }
        let mut frames = Frames {
            train: train_pool.rows(&train),
            test: test_pool.rows(&test),
            d: train_pool.d,
            image: train_pool.image,
        };
        apply(&r.config.preprocess, &mut frames, pool_rows, "preprocess")
            .map_err(|(field, message)| param(&r.name, field, message))?;
        let (n_train, n_test, d, c) = (train.len(), test.len(), frames.d, coding.c());
        let balance = |pool: &Pool, rows: &[usize]| match coding.task() {
            Task::Regression => String::new(),
            _ => format!(" ({})", coding.balance(&pool.targets, rows)),
        };
        let description = format!(
            "{} (seed {seed}): train {n_train}×{d}{}, test {n_test}×{d}{}; {}",
            r.name,
            balance(&train_pool, &train),
            balance(test_pool, &test),
            r.config.description
        );
        Ok(Prepared {
            name: r.name.clone(),
            y_train: coding.encode(&train_pool.targets, &train),
            y_test: coding.encode(&test_pool.targets, &test),
            x_train: frames.train,
            x_test: frames.test,
            n_train,
            n_test,
            d,
            c,
            task: coding.task(),
            checksum: sha256_hex(
                format!("kare-data v1\n{}\nseed {seed}\n{:?}", r.name, r.config).as_bytes(),
            ),
            description,
        })
    }
}
