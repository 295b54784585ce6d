//! The paper's curves (`shared/reference/paper_results.csv`), looked up by our panel keys.

use super::aggregate::{cmp_ridge, PanelKey};
use super::load::PaperPoint;
use kare_results::Method;

/// The paper's 10-seed mean test MSE at every curve point of Figures 1 and 2.
#[derive(Debug, Clone, Default)]
pub struct Reference {
    points: Vec<PaperPoint>,
}

impl Reference {
    /// Wraps the points read by [`super::load::load_reference`].
    pub fn new(points: Vec<PaperPoint>) -> Reference {
        Reference { points }
    }

    /// The paper's curve of `method` in panel `key`, as (λ̃, test MSE) sorted by λ̃; empty when
    /// the paper has no such panel (e.g. `higgs-clean`) or method (the initial NTK).
    pub fn curve(&self, key: &PanelKey, method: Method) -> Vec<(Option<f64>, f64)> {
        let mut curve: Vec<(Option<f64>, f64)> = self
            .points
            .iter()
            .filter(|p| p.method == method && PanelKey::of_paper(p) == *key)
            .map(|p| (p.ridge_rel, p.test_mse))
            .collect();
        curve.sort_by(|a, b| cmp_ridge(&a.0, &b.0));
        curve
    }

    /// The paper's best (smallest) test MSE of `method` in panel `key`, with its λ̃ (the DNN's
    /// single value has none).
    pub fn best(&self, key: &PanelKey, method: Method) -> Option<(Option<f64>, f64)> {
        self.curve(key, method)
            .into_iter()
            .min_by(|a, b| a.1.total_cmp(&b.1))
    }

    /// Whether the paper has panel `key` at all.
    pub fn has_panel(&self, key: &PanelKey) -> bool {
        self.points.iter().any(|p| PanelKey::of_paper(p) == *key)
    }
}
