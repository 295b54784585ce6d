//! Train/test splits and per-seed subsampling.
//!
//! Randomness: a `ChaCha8Rng` seeded with the split seed on stream 0 makes fractional splits;
//! the [`Subsampler`] draws the `n_train`/`n_test` subsamples (train first, then test), either
//! from a `ChaCha8Rng` seeded with the run seed on stream 1 (streams keep the two independent
//! when both seeds are the run seed) or from numpy's legacy generator seeded with the run seed,
//! as the authors' `np.random.seed(s); choice(N_train, n_train, replace=False);
//! choice(N_test, n_test, replace=False)`.

use rand::seq::{index, SliceRandom};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::config::DrawRng;
use super::numpy_legacy::NumpyLegacy;

/// A run seed as numpy's `np.random.seed` takes it; `Err` for one above 2^32 − 1.
pub(crate) fn numpy_seed(seed: u64) -> Result<u32, String> {
    u32::try_from(seed).map_err(|_| {
        format!("seed {seed} does not fit numpy's legacy generator (seeds are 0 … 2^32 − 1)")
    })
}

/// Draws the per-run subsamples of the train and test parts (each generator boxed: one per
/// run, and their states differ in size, 0.3 kB against MT19937's 2.5 kB).
pub(crate) enum Subsampler {
    /// A `ChaCha8Rng` on stream 1.
    Chacha(Box<ChaCha8Rng>),
    /// numpy's legacy `choice(n, k, replace=False)`.
    Numpy(Box<NumpyLegacy>),
}

impl Subsampler {
    /// The subsampler of run `seed` under `rng`; `Err` when the seed does not fit it.
    pub(crate) fn new(rng: DrawRng, seed: u64) -> Result<Self, String> {
        Ok(match rng {
            DrawRng::Chacha8 => Subsampler::Chacha(Box::new(subsample_rng(seed))),
            DrawRng::NumpyLegacy => {
                Subsampler::Numpy(Box::new(NumpyLegacy::new(numpy_seed(seed)?)))
            }
        })
    }

    /// Draws `want` of `avail` without replacement (all of them, in order, when `want` is
    /// `None`: nothing is drawn). `Err` holds the number available when `want` exceeds it.
    pub(crate) fn subsample(
        &mut self,
        avail: &[usize],
        want: Option<usize>,
    ) -> Result<Vec<usize>, usize> {
        match self {
            Subsampler::Chacha(rng) => subsample(avail, want, rng),
            Subsampler::Numpy(rng) => match want {
                None => Ok(avail.to_vec()),
                Some(k) if k > avail.len() => Err(avail.len()),
                Some(k) => Ok(rng
                    .choice_without_replacement(avail.len(), k)
                    .into_iter()
                    .map(|i| avail[i])
                    .collect()),
            },
        }
    }
}

/// The generator for fractional splits.
pub(crate) fn split_rng(seed: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(0);
    rng
}

/// The ChaCha generator for per-run subsampling.
fn subsample_rng(seed: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(1);
    rng
}

/// Splits rows `0..n` into (train, test): within each class (or over all rows when `classes`
/// is `None`) a random `round(train_fraction · size)` rows go to train. Both parts are
/// shuffled so that classes are interleaved.
pub(crate) fn fraction_split(
    n: usize,
    classes: Option<&[usize]>,
    train_fraction: f64,
    rng: &mut ChaCha8Rng,
) -> (Vec<usize>, Vec<usize>) {
    let groups: Vec<Vec<usize>> = match classes {
        None => vec![(0..n).collect()],
        Some(cl) => {
            let k = cl.iter().max().map_or(0, |m| m + 1);
            let mut g = vec![Vec::new(); k];
            for (i, &c) in cl.iter().enumerate() {
                g[c].push(i);
            }
            g
        }
    };
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for mut g in groups {
        g.shuffle(rng);
        let cut = ((train_fraction * g.len() as f64).round() as usize).min(g.len());
        train.extend_from_slice(&g[..cut]);
        test.extend_from_slice(&g[cut..]);
    }
    train.shuffle(rng);
    test.shuffle(rng);
    (train, test)
}

/// Draws `want` of `avail` without replacement (all of them, in order, when `want` is
/// `None`). `Err` holds the number available when `want` exceeds it.
fn subsample(
    avail: &[usize],
    want: Option<usize>,
    rng: &mut ChaCha8Rng,
) -> Result<Vec<usize>, usize> {
    match want {
        None => Ok(avail.to_vec()),
        Some(k) if k > avail.len() => Err(avail.len()),
        Some(k) => Ok(index::sample(rng, avail.len(), k)
            .into_iter()
            .map(|i| avail[i])
            .collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stratified_split_keeps_each_class_fraction() {
        // 70 of class 0, 30 of class 1; 0.5 → 35 + 15 in train.
        let classes: Vec<usize> = (0..100).map(|i| usize::from(i % 10 < 3)).collect();
        let (train, test) = fraction_split(100, Some(&classes), 0.5, &mut split_rng(7));
        let ones = |v: &[usize]| v.iter().filter(|&&i| classes[i] == 1).count();
        assert_eq!((train.len(), test.len()), (50, 50));
        assert_eq!((ones(&train), ones(&test)), (15, 15));
        // 0.3 of 70 = 21 and of 30 = 9.
        let (train, test) = fraction_split(100, Some(&classes), 0.3, &mut split_rng(7));
        assert_eq!((train.len(), ones(&train)), (30, 9));
        let mut all: Vec<usize> = train.iter().chain(&test).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..100).collect::<Vec<_>>());
    }

    #[test]
    fn splits_and_subsamples_are_deterministic_per_seed() {
        let a = fraction_split(200, None, 0.5, &mut split_rng(1));
        let b = fraction_split(200, None, 0.5, &mut split_rng(1));
        let c = fraction_split(200, None, 0.5, &mut split_rng(2));
        assert_eq!(a, b);
        assert_ne!(a, c);
        let pool: Vec<usize> = (100..300).collect();
        let s1 = subsample(&pool, Some(20), &mut subsample_rng(1)).unwrap();
        assert_eq!(
            s1,
            subsample(&pool, Some(20), &mut subsample_rng(1)).unwrap()
        );
        assert_ne!(
            s1,
            subsample(&pool, Some(20), &mut subsample_rng(2)).unwrap()
        );
        let mut distinct = s1.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), 20);
        assert!(s1.iter().all(|i| pool.contains(i)));
        assert_eq!(subsample(&pool, Some(201), &mut subsample_rng(1)), Err(200));
        assert_eq!(subsample(&pool, None, &mut subsample_rng(1)).unwrap(), pool);
    }
}
