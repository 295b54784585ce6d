//! The peak memory of a cell, estimated from its shapes before it runs, so that a cell too big
//! for the machine (or for the experiment's `max_memory`) is refused with an error instead of
//! aborting the process when an allocation fails.

use super::cell::{CellConfig, Stage};

/// What a `kare` process takes besides its cells: code, libraries, thread stacks, the
/// experiment's plan (about 45 MB measured for a cell that trains a tiny network).
pub const PROCESS_BYTES: u64 = 64 << 20;

/// The shapes of a cell's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shapes {
    /// Training rows.
    pub n_train: usize,
    /// Test rows.
    pub n_test: usize,
    /// Input features.
    pub d: usize,
    /// Outputs.
    pub c: usize,
}

/// A conservative estimate, in bytes, of the peak memory of the cell `config` on data of
/// `shapes`, with n = n_train, m = n_test, w = the widest of width, d and c, L = depth:
///
/// - kernels and their factorisations: 12 n×n f64 matrices (K, the input Gram and the
///   per-layer Gram products, the eigenvectors of the ridge path and their workspace, the
///   Cholesky factor of KARE and ∂KARE/∂K; the baselines' kernel grids and the SVM's kernel
///   cache) and 4 m×n (the cross kernel, its Gram products and the test predictions);
/// - activations: 12 values per unit of each of the L + 1 layers for every row of both sets
///   (forward values, GELU derivatives, the backward products of KARE's gradient);
/// - parameters: 8 copies of the (d·width + (L−1)·width² + width·c + biases) weights (network, gradients,
///   the trainer's and the autograd's buffers);
/// - data: 6 copies of the (n + m)·(d + c) values (as prepared, as network inputs, the splits);
/// - the process itself: [`PROCESS_BYTES`].
///
/// All in f64 values (8 bytes), computed in floating point: an absurd size gives an absurd
/// estimate, never an overflow. Against the measured peak resident size of `kare run-cell`, it
/// is 1.5 times too much on Figure 1's cells (n = 800, m = 200, d = 10, width 64) and 2.2 times
/// on a kernel of n = 2500.
pub fn cell_bytes(config: &CellConfig, shapes: Shapes) -> u64 {
    let Shapes {
        n_train,
        n_test,
        d,
        c,
    } = shapes;
    let [n, m, d, c] = [n_train, n_test, d, c].map(|v| v as f64);
    let (depth, width) = match config.stage {
        Stage::Baselines => (0.0, 0.0),
        _ => (config.depth as f64, config.width as f64),
    };
    let w = width.max(d).max(c);
    let kernels = 12.0 * n * n + 4.0 * m * n;
    let activations = 12.0 * (depth + 1.0) * (n + m) * w;
    let hidden = (depth - 1.0).max(0.0) * width * width;
    let parameters = 8.0 * (d * width + hidden + width * c + depth * width + c);
    let data = 6.0 * (n + m) * (d + c);
    let bytes = 8.0 * (kernels + activations + parameters + data);
    // `as` saturates: an estimate beyond u64 is u64::MAX.
    (bytes as u64).saturating_add(PROCESS_BYTES)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kare_data::Overrides;

    fn config(depth: usize, width: usize) -> CellConfig {
        CellConfig {
            dataset: "simulation".into(),
            overrides: Overrides::default(),
            seed: 0,
            depth,
            width,
            stage: Stage::NtkKare,
            training: None,
            z: 0.1,
            ridge_grid: vec![1.0],
            save_networks: false,
            init_draw: 0,
            threads: 1,
            device: Default::default(),
            kernel_precision: Default::default(),
            baselines: None,
        }
    }

    #[test]
    fn the_estimate_follows_the_formula_and_saturates() {
        let shapes = Shapes {
            n_train: 10,
            n_test: 5,
            d: 3,
            c: 1,
        };
        // 12·100 + 4·50 = 1400; 12·2·15·4 = 1440; 8·(3·4 + 0 + 4 + 4 + 1) = 168; 6·15·4 = 360.
        assert_eq!(
            cell_bytes(&config(1, 4), shapes),
            8 * (1400 + 1440 + 168 + 360) + PROCESS_BYTES
        );
        let absurd = Shapes {
            n_train: usize::MAX,
            ..shapes
        };
        assert_eq!(cell_bytes(&config(1, usize::MAX), absurd), u64::MAX);
        // Figure 2's largest cell (MNIST, 1000 + 1000 rows, d 784, depth 4 × width 128) comes
        // to about a gigabyte, well within this machine's memory.
        let mnist = Shapes {
            n_train: 1000,
            n_test: 1000,
            d: 784,
            c: 1,
        };
        assert!(cell_bytes(&config(4, 128), mnist) < 1 << 30);
    }
}
