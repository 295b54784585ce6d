//! The scores every model is reported with, computed one way for all of them: the mean squared
//! error, and the class of a row of outputs (the sign of a single output, the first largest of
//! several), from which accuracy is counted.

/// Mean of `(p − t)²` over the `(prediction, target)` pairs, summed in the order given.
pub fn mse(pairs: impl Iterator<Item = (f64, f64)>) -> f64 {
    let (sum, n) = pairs.fold((0.0, 0usize), |(s, n), (p, t)| (s + (p - t).powi(2), n + 1));
    sum / n as f64
}

/// The class of one row of `c` outputs, `output(j)` being the j-th: `1` for a positive output
/// (`0` otherwise) when `c` is 1, else the first largest output's index.
pub fn class(c: usize, output: impl Fn(usize) -> f64) -> usize {
    match c {
        1 => usize::from(output(0) > 0.0),
        _ => (0..c).fold(0, |best, j| if output(j) > output(best) { j } else { best }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mse_and_classes() {
        assert_eq!(mse([(1.0, 0.0), (0.0, 2.0)].into_iter()), 2.5);
        let row = [0.1, 0.7, 0.7, -2.0];
        assert_eq!(class(4, |j| row[j]), 1, "the first of two largest");
        assert_eq!(class(1, |_| 0.0), 0);
        assert_eq!(class(1, |_| 1e-300), 1);
    }
}
