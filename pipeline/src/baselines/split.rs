//! The SVM's inner validation split of the training rows: stratified, seeded, and never
//! emptying a class of the part that is fitted.

use std::collections::BTreeMap;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Splits rows `0..strata.len()` into (fit, validation), both in increasing row order. Within
/// each stratum (class) a random `round(fraction · size)` rows are held out, at most
/// `size − 1` so that every class stays in the fitted part. The shuffles come from a
/// `ChaCha8Rng` seeded with `seed` (stream 2: the data layer uses streams 0 and 1 of the run
/// seed). `Err` says why no validation row could be held out.
pub(crate) fn inner_split(
    strata: &[usize],
    fraction: f64,
    seed: u64,
) -> Result<(Vec<usize>, Vec<usize>), String> {
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (row, &s) in strata.iter().enumerate() {
        groups.entry(s).or_default().push(row);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(2);
    let (mut fit, mut val) = (Vec::new(), Vec::new());
    for mut rows in groups.into_values() {
        rows.shuffle(&mut rng);
        let held = ((fraction * rows.len() as f64).round() as usize).min(rows.len() - 1);
        val.extend_from_slice(&rows[..held]);
        fit.extend_from_slice(&rows[held..]);
    }
    if val.is_empty() {
        return Err(format!(
            "{} training rows are too few for a {:.0} % validation split of every class",
            strata.len(),
            100.0 * fraction
        ));
    }
    fit.sort_unstable();
    val.sort_unstable();
    Ok((fit, val))
}
