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
use super::split::{fraction_split, split_rng, subsample, subsample_rng};
use super::{Prepared, Task};
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

impl Registry {
    /// Loads the rows and draws the train and test parts for `seed`.
    fn draw(r: &Resolved, files: &[DeclaredFile], dir: &DataDir, seed: u64) -> Result<Drawn> {
        let role = |name: &str| {
            files
                .iter()
                .find(|f| f.role == name)
                .expect("validated: the format's file roles are declared")
        };
        let too_many = |field: &str, avail: usize, part: &str| {
            param(
                &r.name,
                field,
                format!("asks for more rows than the {avail} of the {part} part"),
            )
        };
        let cfg = &r.config;
        match cfg.format {
            Format::Simulation => {
                let sim = cfg.simulation.as_ref().expect("validated");
                let (x, y) = simulate(sim, seed);
                let n = sim.n_train + sim.n_test;
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
            Format::Uci121 => {
                let uci = cfg.uci.as_ref().expect("validated");
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
                    pool_rows: pool.n,
                    train_pool: pool,
                    test_pool: None,
                    train,
                    test,
                    coding,
                })
            }
            Format::Idx => {
                let labels = cfg.labels.as_ref().expect("validated");
                let train_pool = load_idx(role("train_images"), role("train_labels"), labels, dir)?;
                let test_pool = load_idx(role("test_images"), role("test_labels"), labels, dir)?;
                let Some(SplitSpec::Given { n_train, n_test }) = &cfg.split else {
                    unreachable!("validated: idx entries use a `given` split")
                };
                let mut rng = subsample_rng(seed);
                let all = |n| (0..n).collect::<Vec<_>>();
                let train = subsample(&all(train_pool.n), *n_train, &mut rng)
                    .map_err(|a| too_many("split.n_train", a, "train"))?;
                let test = subsample(&all(test_pool.n), *n_test, &mut rng)
                    .map_err(|a| too_many("split.n_test", a, "test"))?;
                Ok(Drawn {
                    pool_rows: train_pool.n + test_pool.n,
                    train_pool,
                    test_pool: Some(test_pool),
                    train,
                    test,
                    coding: labels.coding(),
                })
            }
            Format::Csv => {
                let labels = cfg.labels.as_ref().expect("validated");
                let csv = cfg.csv.as_ref().expect("validated");
                let pool = load_csv(role("table"), csv, labels, dir)?;
                let (fraction, split_seed, n_train, n_test, stratify) =
                    match cfg.split.as_ref().expect("validated") {
                        SplitSpec::Stratified {
                            train_fraction,
                            split_seed,
                            n_train,
                            n_test,
                        } => (*train_fraction, *split_seed, *n_train, *n_test, true),
                        SplitSpec::Random {
                            train_fraction,
                            split_seed,
                            n_train,
                            n_test,
                        } => (*train_fraction, *split_seed, *n_train, *n_test, false),
                        SplitSpec::Given { .. } => {
                            unreachable!("validated: csv entries split by fraction")
                        }
                    };
                let classes = if stratify { pool.classes() } else { None };
                let (tr, te) = fraction_split(
                    pool.n,
                    classes,
                    fraction,
                    &mut split_rng(split_seed.unwrap_or(seed)),
                );
                let mut rng = subsample_rng(seed);
                let train = subsample(&tr, n_train, &mut rng)
                    .map_err(|a| too_many("split.n_train", a, "train"))?;
                let test = subsample(&te, n_test, &mut rng)
                    .map_err(|a| too_many("split.n_test", a, "test"))?;
                Ok(Drawn {
                    pool_rows: pool.n,
                    train_pool: pool,
                    test_pool: None,
                    train,
                    test,
                    coding: labels.coding(),
                })
            }
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
