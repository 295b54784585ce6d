//! Feature preprocessing. Every statistic comes from the training rows only and is then
//! applied unchanged to the test rows, so no test information leaks into training.

use super::config::Step;

/// Train and test features (row-major, `d` columns) being transformed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Frames {
    pub train: Vec<f64>,
    pub test: Vec<f64>,
    pub d: usize,
    /// `(rows, cols)` while the rows are images.
    pub image: Option<(usize, usize)>,
}

/// A failed step: the TOML path of the step and what went wrong.
pub(crate) type StepError = (String, String);

/// The `p`-th percentile (0..=100) of sorted data, numpy's default "linear" method, including
/// its way of interpolating (from the upper point when the fraction is at least ½).
pub(crate) fn percentile(sorted: &[f64], p: f64) -> f64 {
    let pos = p / 100.0 * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    let t = pos - lo as f64;
    let (a, b) = (sorted[lo], sorted[hi]);
    if t >= 0.5 {
        b - (b - a) * (1.0 - t)
    } else {
        a + (b - a) * t
    }
}

/// Per-column map `x → (clamp(x, lo, hi) − shift) / scale`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct ColumnMap {
    lo: f64,
    hi: f64,
    shift: f64,
    scale: f64,
}

impl ColumnMap {
    fn scale_only(shift: f64, scale: f64) -> Self {
        Self {
            lo: f64::NEG_INFINITY,
            hi: f64::INFINITY,
            shift,
            scale,
        }
    }
}

/// Applies a per-column map computed from each training column (sorted copy given too).
fn by_column(
    f: &mut Frames,
    fit: impl Fn(usize, &[f64], &[f64]) -> Result<ColumnMap, String>,
) -> Result<(), String> {
    let d = f.d;
    let n = f.train.len() / d;
    let mut maps = Vec::with_capacity(d);
    for j in 0..d {
        let col: Vec<f64> = (0..n).map(|i| f.train[i * d + j]).collect();
        let mut sorted = col.clone();
        sorted.sort_by(f64::total_cmp);
        maps.push(fit(j, &col, &sorted)?);
    }
    for data in [&mut f.train, &mut f.test] {
        for row in data.chunks_exact_mut(d) {
            for (x, m) in row.iter_mut().zip(&maps) {
                *x = (x.clamp(m.lo, m.hi) - m.shift) / m.scale;
            }
        }
    }
    Ok(())
}

fn crop(f: &mut Frames, k: usize) -> Result<(), String> {
    let (r, c) = f.image.ok_or("`crop` needs image rows")?;
    if r <= 2 * k || c <= 2 * k {
        return Err(format!(
            "cannot crop {k} pixels from each side of a {r}×{c} image"
        ));
    }
    let (nr, nc) = (r - 2 * k, c - 2 * k);
    for data in [&mut f.train, &mut f.test] {
        *data = data
            .chunks_exact(r * c)
            .flat_map(|img| {
                (k..r - k).flat_map(move |i| img[i * c + k..i * c + c - k].iter().copied())
            })
            .collect();
    }
    f.d = nr * nc;
    f.image = Some((nr, nc));
    Ok(())
}

fn center_per_sample(f: &mut Frames) {
    let d = f.d;
    for data in [&mut f.train, &mut f.test] {
        for row in data.chunks_exact_mut(d) {
            let mean = row.iter().sum::<f64>() / d as f64;
            row.iter_mut().for_each(|x| *x -= mean);
        }
    }
}

fn divide_by_train_max(f: &mut Frames, absolute: bool) -> Result<(), String> {
    by_column(f, |j, col, _| {
        let max = col
            .iter()
            .map(|x| if absolute { x.abs() } else { *x })
            .fold(f64::NEG_INFINITY, f64::max);
        if max == 0.0 || !max.is_finite() {
            return Err(format!(
                "feature {j} has maximum {max} over the training rows; cannot divide by it"
            ));
        }
        Ok(ColumnMap::scale_only(0.0, max))
    })
}

fn clip_zscore(f: &mut Frames, lower: f64, upper: f64) -> Result<(), String> {
    by_column(f, |_, col, sorted| {
        let (lo, hi) = (percentile(sorted, lower), percentile(sorted, upper));
        let clipped: Vec<f64> = col.iter().map(|x| x.clamp(lo, hi)).collect();
        let n = clipped.len() as f64;
        let mean = clipped.iter().sum::<f64>() / n;
        let std = (clipped.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
        Ok(ColumnMap {
            lo,
            hi,
            shift: mean,
            scale: if std == 0.0 { 1.0 } else { std },
        })
    })
}

fn robust_scale(f: &mut Frames) -> Result<(), String> {
    by_column(f, |_, _, sorted| {
        let iqr = percentile(sorted, 75.0) - percentile(sorted, 25.0);
        Ok(ColumnMap::scale_only(
            percentile(sorted, 50.0),
            if iqr == 0.0 { 1.0 } else { iqr },
        ))
    })
}

/// Runs `steps` in order. `pool_rows` is the number of rows loaded before the split (what
/// `choose_by_rows` compares with). Non-finite output is an error.
pub(crate) fn apply(
    steps: &[Step],
    f: &mut Frames,
    pool_rows: usize,
    at: &str,
) -> Result<(), StepError> {
    for (i, step) in steps.iter().enumerate() {
        let here = format!("{at}[{i}]");
        let done = match step {
            Step::Crop { pixels } => crop(f, *pixels),
            Step::Divide { by } => {
                f.train
                    .iter_mut()
                    .chain(f.test.iter_mut())
                    .for_each(|x| *x /= by);
                Ok(())
            }
            Step::CenterPerSample => {
                center_per_sample(f);
                Ok(())
            }
            Step::DivideByTrainMax { absolute } => divide_by_train_max(f, *absolute),
            Step::ClipZscore { lower, upper } => clip_zscore(f, *lower, *upper),
            Step::RobustScale => robust_scale(f),
            Step::ChooseByRows {
                min_rows,
                at_least,
                below,
            } => {
                let (branch, name) = if pool_rows >= *min_rows {
                    (at_least, "at_least")
                } else {
                    (below, "below")
                };
                apply(branch, f, pool_rows, &format!("{here}.{name}"))?;
                Ok(())
            }
        };
        done.map_err(|m| (here.clone(), m))?;
        if let Some(bad) = f.train.iter().chain(&f.test).position(|x| !x.is_finite()) {
            return Err((
                here,
                format!("produced a non-finite value (element {bad} of train+test)"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(train: &[f64], test: &[f64], d: usize) -> Frames {
        Frames {
            train: train.to_vec(),
            test: test.to_vec(),
            d,
            image: None,
        }
    }

    fn close(a: &[f64], b: &[f64]) {
        assert_eq!(a.len(), b.len());
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            assert!((x - y).abs() < 1e-12, "element {i}: {x} vs {y}");
        }
    }

    #[test]
    fn percentile_is_numpy_linear() {
        let s = [1.0, 2.0, 3.0, 4.0, 100.0];
        // positions 0.05·4 = 0.2 and 0.95·4 = 3.8
        assert!((percentile(&s, 5.0) - 1.2).abs() < 1e-12);
        assert!((percentile(&s, 95.0) - 80.8).abs() < 1e-12);
        assert_eq!(percentile(&s, 50.0), 3.0);
        assert_eq!(percentile(&s, 0.0), 1.0);
        assert_eq!(percentile(&s, 100.0), 100.0);
        assert_eq!(percentile(&[7.0], 30.0), 7.0);
    }

    #[test]
    fn clip_and_zscore_on_a_five_row_column() {
        // Train column [1, 2, 3, 4, 100] → clipped to [1.2, 80.8]: [1.2, 2, 3, 4, 80.8],
        // mean 91/5 = 18.2, deviations −17, −16.2, −15.2, −14.2, 62.6, variance 4902.88/5.
        let mut f = frames(&[3.0, 1.0, 100.0, 2.0, 4.0], &[0.0, 50.0, 200.0], 1);
        apply(
            &[Step::ClipZscore {
                lower: 5.0,
                upper: 95.0,
            }],
            &mut f,
            5,
            "preprocess",
        )
        .unwrap();
        let sd = (4902.88f64 / 5.0).sqrt();
        close(
            &f.train,
            &[-15.2 / sd, -17.0 / sd, 62.6 / sd, -16.2 / sd, -14.2 / sd],
        );
        // Test rows use the training bounds and moments: 0 → 1.2, 200 → 80.8.
        close(&f.test, &[-17.0 / sd, (50.0 - 18.2) / sd, 62.6 / sd]);
    }

    #[test]
    fn robust_scaling_uses_training_median_and_iqr() {
        // Column 0: [1, 2, 3, 4, 100]: median 3, q25 2, q75 4 → IQR 2.
        // Column 1 is constant: IQR 0 is replaced by 1.
        let train = [1.0, 5.0, 2.0, 5.0, 3.0, 5.0, 4.0, 5.0, 100.0, 5.0];
        let mut f = frames(&train, &[7.0, 6.0], 2);
        apply(&[Step::RobustScale], &mut f, 5, "preprocess").unwrap();
        close(
            &f.train,
            &[-1.0, 0.0, -0.5, 0.0, 0.0, 0.0, 0.5, 0.0, 48.5, 0.0],
        );
        close(&f.test, &[2.0, 1.0]);
    }

    #[test]
    fn crop_of_a_4x4_image_by_1_keeps_the_centre() {
        let img: Vec<f64> = (0..16).map(f64::from).collect();
        let mut f = Frames {
            train: img.clone(),
            test: img.iter().map(|x| x + 100.0).collect(),
            d: 16,
            image: Some((4, 4)),
        };
        apply(&[Step::Crop { pixels: 1 }], &mut f, 1, "preprocess").unwrap();
        assert_eq!(f.train, vec![5.0, 6.0, 9.0, 10.0]);
        assert_eq!(f.test, vec![105.0, 106.0, 109.0, 110.0]);
        assert_eq!((f.d, f.image), (4, Some((2, 2))));
        let err = apply(&[Step::Crop { pixels: 1 }], &mut f, 1, "preprocess").unwrap_err();
        assert_eq!(err.0, "preprocess[0]");
    }

    #[test]
    fn divide_centre_and_train_max() {
        let mut f = frames(&[255.0, 0.0, 51.0, 102.0], &[510.0, 255.0], 2);
        apply(
            &[Step::Divide { by: 255.0 }, Step::CenterPerSample],
            &mut f,
            2,
            "preprocess",
        )
        .unwrap();
        close(&f.train, &[0.5, -0.5, -0.1, 0.1]);
        close(&f.test, &[0.5, -0.5]);

        // Signed max: column 0 max 2, column 1 max −1 (sign kept, as the reference code);
        // absolute max: column 1 becomes 4.
        let train = [2.0, -4.0, -6.0, -1.0];
        let mut f = frames(&train, &[1.0, 2.0], 2);
        apply(
            &[Step::DivideByTrainMax { absolute: false }],
            &mut f,
            2,
            "p",
        )
        .unwrap();
        close(&f.train, &[1.0, 4.0, -3.0, 1.0]);
        close(&f.test, &[0.5, -2.0]);
        let mut f = frames(&train, &[1.0, 2.0], 2);
        apply(&[Step::DivideByTrainMax { absolute: true }], &mut f, 2, "p").unwrap();
        close(&f.train, &[1.0 / 3.0, -1.0, -1.0, -0.25]);
        let mut f = frames(&[0.0, 1.0], &[1.0, 1.0], 2);
        let err = apply(
            &[Step::DivideByTrainMax { absolute: false }],
            &mut f,
            1,
            "p",
        )
        .unwrap_err();
        assert!(err.1.contains("feature 0 has maximum 0"), "{err:?}");
    }

    #[test]
    fn choose_by_rows_picks_the_branch_from_the_pool_size() {
        let step = Step::ChooseByRows {
            min_rows: 100,
            at_least: vec![Step::Divide { by: 2.0 }],
            below: vec![Step::Divide { by: 4.0 }],
        };
        let mut f = frames(&[8.0], &[4.0], 1);
        apply(std::slice::from_ref(&step), &mut f, 100, "p").unwrap();
        assert_eq!((f.train[0], f.test[0]), (4.0, 2.0));
        let mut f = frames(&[8.0], &[4.0], 1);
        apply(&[step], &mut f, 99, "p").unwrap();
        assert_eq!((f.train[0], f.test[0]), (2.0, 1.0));
    }
}
