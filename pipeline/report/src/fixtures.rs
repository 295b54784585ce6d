//! Hand-made runs for the report's unit tests.

use super::aggregate::{MethodRuns, Panel, PanelKey, SeedPoint, SeedRun};
use kare_results::Method;

/// One seed's (λ̃, test MSE) points.
pub type Points<'a> = &'a [(Option<f64>, f64)];

/// Runs of `method`: per seed (seed, points).
pub fn runs(method: Method, seeds: &[(u64, Points)]) -> MethodRuns {
    MethodRuns {
        method,
        seeds: seeds
            .iter()
            .map(|&(seed, points)| SeedRun {
                seed,
                points: points
                    .iter()
                    .map(|&(ridge_rel, test_mse)| SeedPoint {
                        ridge_rel,
                        test_mse,
                        train_kare_gcv: None,
                    })
                    .collect(),
                final_kare: None,
                stop_reason: "completed".into(),
                steps_run: 1,
                wall_seconds: 1.0,
            })
            .collect(),
    }
}

/// The DNN's runs with one value per seed, seeds numbered from 0.
pub fn dnn(values: &[f64]) -> MethodRuns {
    let points: Vec<[(Option<f64>, f64); 1]> = values.iter().map(|&v| [(None, v)]).collect();
    let seeds: Vec<(u64, Points)> = points
        .iter()
        .enumerate()
        .map(|(s, p)| (s as u64, &p[..]))
        .collect();
    runs(Method::Dnn, &seeds)
}

/// A simulation panel (γ, σ) of depth 1, width 64 with `methods`.
pub fn panel(gamma: f64, sigma: f64, methods: Vec<MethodRuns>) -> Panel {
    Panel {
        key: PanelKey {
            dataset: "simulation".into(),
            gamma: Some(gamma),
            sigma: Some(sigma),
            depth: 1,
            width: 64,
        },
        methods,
    }
}
