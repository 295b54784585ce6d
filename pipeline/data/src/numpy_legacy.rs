//! numpy's legacy global generator (`np.random.seed(s)` / `RandomState`), ported bit for bit.
//!
//! The paper's authors draw every data set with this generator: the simulation's `randn`
//! draws and the MNIST / Higgs subsets' `choice(n, k, replace=False)`. Running their seed
//! numbers and getting their exact data therefore requires the same stream. numpy keeps the
//! legacy stream frozen (numpy 1.26 behaviour): MT19937 seeded by `init_genrand`, 53-bit
//! doubles from two 32-bit outputs, polar Box-Muller normals that cache their second value,
//! and Fisher-Yates permutations whose bounded draws use masked rejection.
//!
//! The MT19937 core is `rand_mt::Mt`; everything above it follows numpy's C and Cython source
//! (`mt19937_next_double`, `legacy_gauss`, `random_interval`, `RandomState.shuffle`,
//! `RandomState.permutation` and `RandomState.choice`).

use rand_mt::Mt;

/// 2^26: the weight of the high 27 bits in a 53-bit double.
const TWO_POW_26: f64 = 67_108_864.0;
/// 2^53: scales a 53-bit integer into [0, 1).
const TWO_POW_53: f64 = 9_007_199_254_740_992.0;

/// numpy's legacy `RandomState` seeded as `np.random.seed(seed)` does (MT19937 `init_genrand`).
///
/// It carries the MT19937 state and the cached second normal of the polar method, exactly
/// the state numpy's `RandomState` keeps, so successive calls reproduce numpy's stream.
pub(crate) struct NumpyLegacy {
    mt: Mt,
    gauss: Option<f64>,
}

impl NumpyLegacy {
    /// The generator after `np.random.seed(seed)`: MT19937 `init_genrand(seed)` and no
    /// cached normal (numpy's `seed` clears it too), so draws start where numpy's do.
    pub(crate) fn new(seed: u32) -> Self {
        Self {
            mt: Mt::new(seed),
            gauss: None,
        }
    }

    /// One raw tempered MT19937 output (numpy's `next_uint32`), the source of every draw.
    pub(crate) fn next_u32(&mut self) -> u32 {
        self.mt.next_u32()
    }

    /// numpy's `next_uint64` for MT19937: the first 32-bit output is the high half.
    fn next_u64(&mut self) -> u64 {
        let hi = u64::from(self.next_u32());
        let lo = u64::from(self.next_u32());
        (hi << 32) | lo
    }

    /// A uniform double in [0, 1) as `np.random.random_sample()` draws it: 27 bits of one
    /// output and 26 of the next make a 53-bit integer scaled by 2^-53.
    pub(crate) fn random_sample(&mut self) -> f64 {
        let a = self.next_u32() >> 5;
        let b = self.next_u32() >> 6;
        (f64::from(a) * TWO_POW_26 + f64::from(b)) / TWO_POW_53
    }

    /// A standard normal as numpy's `legacy_gauss` draws it: the polar Box-Muller method
    /// returns `f * x2` and keeps `f * x1` for the next call, so normals come in pairs.
    pub(crate) fn gauss(&mut self) -> f64 {
        if let Some(cached) = self.gauss.take() {
            return cached;
        }
        let (x1, x2, r2) = self.point_in_unit_disc();
        let f = (-2.0 * r2.ln() / r2).sqrt();
        self.gauss = Some(f * x1);
        f * x2
    }

    /// The polar method's rejection step: a uniform point of the square (-1, 1)^2 kept when
    /// it lies strictly inside the unit disc and off the origin, with its squared radius.
    fn point_in_unit_disc(&mut self) -> (f64, f64, f64) {
        loop {
            let x1 = 2.0 * self.random_sample() - 1.0;
            let x2 = 2.0 * self.random_sample() - 1.0;
            let r2 = x1 * x1 + x2 * x2;
            if r2 < 1.0 && r2 != 0.0 {
                return (x1, x2, r2);
            }
        }
    }

    /// `n` successive [`gauss`](Self::gauss) values: `np.random.randn(...)` of `n` elements
    /// flattened in C order (e.g. `randn(1000, 10)` row by row).
    pub(crate) fn randn(&mut self, n: usize) -> Vec<f64> {
        (0..n).map(|_| self.gauss()).collect()
    }

    /// A uniform integer in [0, max] as numpy's `random_interval` draws it: outputs masked to
    /// the smallest all-ones mask covering `max`, rejected while above `max`. Uses 32-bit
    /// outputs when `max` fits in 32 bits, otherwise 64-bit ones (high half first); `max == 0`
    /// consumes nothing. This is the bounded draw of the legacy shuffle.
    pub(crate) fn interval(&mut self, max: u64) -> u64 {
        if max == 0 {
            return 0;
        }
        let mask = u64::MAX >> max.leading_zeros();
        loop {
            let value = if max <= u64::from(u32::MAX) {
                u64::from(self.next_u32()) & mask
            } else {
                self.next_u64() & mask
            };
            if value <= max {
                return value;
            }
        }
    }

    /// `np.random.permutation(n)`: the legacy shuffle of `arange(n)`, Fisher-Yates from the
    /// end, swapping element `i` with `interval(i)` for `i = n-1, ..., 1`.
    pub(crate) fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut values: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            // Lossless: usize is at most 64 bits, and j <= i.
            let j = self.interval(i as u64) as usize;
            values.swap(i, j);
        }
        values
    }

    /// `np.random.choice(n, k, replace=False)` without weights: legacy numpy takes the first
    /// `k` entries of `permutation(n)`, so it consumes a whole permutation's draws.
    ///
    /// Panics when `k > n`, where numpy raises `ValueError`.
    pub(crate) fn choice_without_replacement(&mut self, n: usize, k: usize) -> Vec<usize> {
        assert!(k <= n, "cannot take {k} of {n} without replacement");
        let mut indices = self.permutation(n);
        indices.truncate(k);
        indices
    }
}

#[cfg(test)]
mod tests {
    //! Compares the port with numpy's own output stored under
    //! `tests/fixtures/numpy-legacy/` (see its README for how each file was made).

    use super::NumpyLegacy;
    use serde_json::Value;
    use std::fs::File;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/numpy-legacy/");

    fn read_json(name: &str) -> Value {
        let file = File::open(format!("{FIXTURES}{name}")).expect("open fixture");
        serde_json::from_reader(file).expect("parse fixture JSON")
    }

    /// A C-order float64 `.npy` fixture, checked against its expected shape.
    fn read_npy(name: &str, shape: &[u64]) -> Vec<f64> {
        let file = File::open(format!("{FIXTURES}{name}")).expect("open fixture");
        let npy = npyz::NpyFile::new(file).expect("read .npy header");
        assert_eq!(npy.shape(), shape, "{name} shape");
        assert_eq!(npy.order(), npyz::Order::C, "{name} order");
        npy.into_vec::<f64>().expect("read .npy data")
    }

    /// Bit-for-bit equality of two float sequences, naming the first differing index.
    fn assert_bits(got: &[f64], want: &[f64], what: &str) {
        assert_eq!(got.len(), want.len(), "{what}: length");
        let first_diff = got
            .iter()
            .zip(want)
            .position(|(g, w)| g.to_bits() != w.to_bits());
        if let Some(i) = first_diff {
            panic!("{what}: index {i}: got {:e}, numpy {:e}", got[i], want[i]);
        }
    }

    /// Floats stored as `repr` strings, parsed exactly.
    fn floats(v: &Value) -> Vec<f64> {
        let items = v.as_array().expect("array of float strings");
        let parse = |x: &Value| x.as_str().expect("float string").parse().expect("float");
        items.iter().map(parse).collect()
    }

    fn uints(v: &Value) -> Vec<u64> {
        let items = v.as_array().expect("array of integers");
        items.iter().map(|x| x.as_u64().expect("integer")).collect()
    }

    fn usizes(v: &Value) -> Vec<usize> {
        uints(v).into_iter().map(|x| x as usize).collect()
    }

    fn seed_of(case: &Value) -> u32 {
        let seed = case["seed"].as_u64().expect("seed");
        u32::try_from(seed).expect("seed fits u32")
    }

    #[test]
    fn simulation_draws_match_numpy() {
        for seed in 0..3 {
            let mut rng = NumpyLegacy::new(seed);
            let x = read_npy(&format!("sim_seed{seed}_x.npy"), &[1000, 10]);
            let w = read_npy(&format!("sim_seed{seed}_w.npy"), &[10, 1]);
            let eps = read_npy(&format!("sim_seed{seed}_eps.npy"), &[1000, 1]);
            assert_bits(&rng.randn(10_000), &x, &format!("seed {seed} x"));
            assert_bits(&rng.randn(10), &w, &format!("seed {seed} w"));
            assert_bits(&rng.randn(1000), &eps, &format!("seed {seed} eps"));
        }
    }

    #[test]
    fn consecutive_choices_match_numpy() {
        for case in read_json("choice_without_replacement.json")
            .as_array()
            .unwrap()
        {
            let mut rng = NumpyLegacy::new(seed_of(case));
            for part in ["train", "test"] {
                let spec = &case[part];
                let n = spec["n"].as_u64().unwrap() as usize;
                let k = spec["k"].as_u64().unwrap() as usize;
                let got = rng.choice_without_replacement(n, k);
                assert_eq!(
                    got,
                    usizes(&spec["indices"]),
                    "seed {} {part}",
                    case["seed"]
                );
            }
        }
    }

    #[test]
    fn fixtures_come_from_numpy_1() {
        let doc = read_json("other_seeds.json");
        let version = doc["numpy_version"].as_str().expect("numpy_version");
        assert!(version.starts_with("1."), "numpy {version}");
    }

    /// One `other_seeds.json` case: every draw starts from a fresh `np.random.seed(seed)`.
    fn check_other_seed(case: &Value) {
        let seed = seed_of(case);
        let fresh = || NumpyLegacy::new(seed);
        let mut rng = fresh();
        let uniforms: Vec<f64> = (0..5).map(|_| rng.random_sample()).collect();
        assert_bits(
            &uniforms,
            &floats(&case["random_sample_5"]),
            &format!("{seed} uniform"),
        );
        assert_bits(
            &fresh().randn(7),
            &floats(&case["randn_7"]),
            &format!("{seed} randn"),
        );
        let perm = fresh().permutation(50);
        assert_eq!(
            perm,
            usizes(&case["permutation_50"]),
            "seed {seed} permutation"
        );
        let choice = fresh().choice_without_replacement(70_000, 20);
        assert_eq!(
            choice,
            usizes(&case["choice_70000_20"]),
            "seed {seed} choice"
        );
        for draw in case["randint"].as_array().expect("randint cases") {
            let high = draw["high"].as_u64().expect("high");
            let mut rng = fresh();
            let got: Vec<u64> = (0..4).map(|_| rng.interval(high - 1)).collect();
            assert_eq!(
                got,
                uints(&draw["values"]),
                "seed {seed} randint(0, {high})"
            );
        }
    }

    #[test]
    fn other_seeds_match_numpy() {
        let doc = read_json("other_seeds.json");
        let cases = doc["cases"].as_array().expect("cases");
        assert!(cases.len() >= 5, "expected several seeds");
        cases.iter().for_each(check_other_seed);
    }

    #[test]
    fn interval_full_64_bit_range_is_high_then_low_output() {
        let mut rng = NumpyLegacy::new(12345);
        let mut raw = NumpyLegacy::new(12345);
        let hi = u64::from(raw.next_u32());
        let lo = u64::from(raw.next_u32());
        assert_eq!(rng.interval(u64::MAX), (hi << 32) | lo);
    }

    #[test]
    fn interval_zero_consumes_nothing() {
        let mut rng = NumpyLegacy::new(7);
        let mut raw = NumpyLegacy::new(7);
        assert_eq!(rng.interval(0), 0);
        assert_eq!(rng.next_u32(), raw.next_u32());
    }
}
