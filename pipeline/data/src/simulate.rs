//! The METHOD §7 simulation: a single-index model with a cosine/logistic link.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

use super::config::{DrawRng, SimParams};
use super::numpy_legacy::NumpyLegacy;
use super::split::numpy_seed;

/// The link: `y* = cos(t) / (1 + exp(t))` at `t = γ·xᵀw`.
pub(crate) fn link(t: f64) -> f64 {
    t.cos() / (1.0 + t.exp())
}

/// Why a simulation cannot be drawn: the setting at fault (`rng`, `n_train`) and the reason.
pub(crate) type SimError = (&'static str, String);

/// Draws `n = n_train + n_test` rows: returns `x` (row-major `n × d`) and `y` (`n`).
///
/// One generator seeded with `seed` draws, in this order, `x` row by row, then `w` (`d`
/// values), then `ε` (`n` values) from N(0, 1): a `ChaCha8Rng`, or numpy's legacy generator,
/// for which this is exactly the authors' `np.random.seed(s); x = randn(n, d); w = randn(d, 1);
/// eps = randn(n, 1)`. `ε` is drawn even when σ = 0, so `x` and `w` depend on the seed and
/// `d` only: panels with different γ or σ see the same inputs. `Err` names the setting at
/// fault and says why: a seed that does not fit the generator (`rng`), or a size that cannot
/// be allocated (`n_train`).
pub(crate) fn simulate(
    p: &SimParams,
    rng: DrawRng,
    seed: u64,
) -> Result<(Vec<f64>, Vec<f64>), SimError> {
    let n = p.n_train.saturating_add(p.n_test);
    let values = n
        .checked_mul(p.d)
        .ok_or(("n_train", format!("{n} rows × {} features overflow", p.d)))?;
    // The largest draw is reserved first: a size the allocator refuses is an error, not an abort.
    let mut x = Vec::new();
    x.try_reserve_exact(values)
        .map_err(|e| ("n_train", format!("cannot allocate {values} inputs: {e}")))?;
    let (w, eps) = match rng {
        DrawRng::Chacha8 => {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let mut normal = |out: &mut Vec<f64>, k: usize| {
                out.extend((0..k).map(|_| -> f64 { rng.sample(StandardNormal) }))
            };
            let (mut w, mut eps) = (Vec::new(), Vec::new());
            normal(&mut x, values);
            normal(&mut w, p.d);
            normal(&mut eps, n);
            (w, eps)
        }
        DrawRng::NumpyLegacy => {
            let mut rng = NumpyLegacy::new(numpy_seed(seed).map_err(|m| ("rng", m))?);
            x.extend((0..values).map(|_| rng.gauss()));
            (rng.randn(p.d), rng.randn(n))
        }
    };
    let y = x
        .chunks_exact(p.d)
        .zip(&eps)
        .map(|(row, e)| {
            let t = p.gamma * row.iter().zip(&w).map(|(a, b)| a * b).sum::<f64>();
            link(t) + p.sigma * e
        })
        .collect();
    Ok((x, y))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(gamma: f64, sigma: f64) -> SimParams {
        SimParams {
            d: 3,
            n_train: 8,
            n_test: 2,
            gamma,
            sigma,
        }
    }

    #[test]
    fn link_matches_hand_values() {
        assert_eq!(link(0.0), 0.5);
        // cos(1.25) / (1 + exp(1.25)) and cos(−1.25) / (1 + exp(−1.25)), by Python's math.
        assert!((link(1.25) - 0.070_222_333_880_150_69).abs() < 1e-15);
        assert!((link(-1.25) - 0.245_100_028_515_117_97).abs() < 1e-15);
        assert_eq!(link(1000.0), 0.0);
    }

    #[test]
    fn simulation_matches_a_direct_recomputation() {
        let p = params(1.5, 0.1);
        let (x, y) = simulate(&p, DrawRng::Chacha8, 42).unwrap();
        assert_eq!((x.len(), y.len()), (30, 10));
        let mut rng = ChaCha8Rng::seed_from_u64(42);
        let draws: Vec<f64> = (0..30 + 3 + 10)
            .map(|_| rng.sample(StandardNormal))
            .collect();
        let (xs, rest) = draws.split_at(30);
        let (w, eps) = rest.split_at(3);
        assert_eq!(x, xs);
        for i in 0..10 {
            let t = 1.5 * (xs[3 * i] * w[0] + xs[3 * i + 1] * w[1] + xs[3 * i + 2] * w[2]);
            let direct = t.cos() / (1.0 + t.exp()) + 0.1 * eps[i];
            assert!(
                (y[i] - direct).abs() < 1e-14,
                "row {i}: {} vs {direct}",
                y[i]
            );
        }
    }

    #[test]
    fn inputs_depend_on_the_seed_only() {
        for rng in [DrawRng::Chacha8, DrawRng::NumpyLegacy] {
            let (x1, y1) = simulate(&params(1.0, 0.0), rng, 3).unwrap();
            let (x2, y2) = simulate(&params(1.25, 0.1), rng, 3).unwrap();
            let (x3, _) = simulate(&params(1.0, 0.0), rng, 4).unwrap();
            assert_eq!(x1, x2);
            assert_ne!(y1, y2);
            assert_ne!(x1, x3);
        }
    }

    /// The authors' draws for seeds 0–2, as numpy wrote them (`tests/fixtures/numpy-legacy`):
    /// x, w and ε bit for bit, y from them by the link.
    #[test]
    fn numpy_legacy_simulation_is_the_authors_draw() {
        let p = SimParams {
            d: 10,
            n_train: 800,
            n_test: 200,
            gamma: 1.25,
            sigma: 0.1,
        };
        for seed in 0..3u64 {
            let fixture = |name: &str| -> Vec<f64> {
                let path = format!(
                    "{}/tests/fixtures/numpy-legacy/sim_seed{seed}_{name}.npy",
                    env!("CARGO_MANIFEST_DIR")
                );
                npyz::NpyFile::new(std::fs::File::open(&path).unwrap())
                    .unwrap()
                    .into_vec()
                    .unwrap()
            };
            let (x, y) = simulate(&p, DrawRng::NumpyLegacy, seed).unwrap();
            let (xs, w, eps) = (fixture("x"), fixture("w"), fixture("eps"));
            let bits = |v: &[f64]| v.iter().map(|a| a.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&x), bits(&xs), "seed {seed}: x");
            for i in 0..1000 {
                let t = 1.25 * (0..10).map(|j| xs[10 * i + j] * w[j]).sum::<f64>();
                assert_eq!(
                    y[i].to_bits(),
                    (link(t) + 0.1 * eps[i]).to_bits(),
                    "seed {seed} row {i}"
                );
            }
        }
        let (field, message) = simulate(&p, DrawRng::NumpyLegacy, 1 << 32).unwrap_err();
        assert!(field == "rng" && message.contains("2^32"), "{message}");
    }
}
