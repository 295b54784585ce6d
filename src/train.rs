//! The two trainers: the baseline DNN by SGD on MSE (METHOD §5) and NTK-KARE by SGD on the KARE
//! of the network's NTK (METHOD §4). Both are plain SGD (no momentum, no weight decay), full-batch
//! or mini-batch, and stop cleanly when the loss breaks down, saying why in their report.

use std::fmt;

use candle_core::{Tensor, WithDType};
use candle_nn::optim::{Optimizer, SGD};
use faer::{Mat, MatRef};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::backend::{self, Backend};
use crate::convert::tensor_to_faer;
use crate::dense::{self, Dense};
use crate::kare::KernelPrecision;
use crate::mlp::Mlp;
use crate::ntk::{with_real, NtkInputs};
use crate::objective::{kare_backward, KareStep};
use crate::{Error, Result};

/// Plain SGD settings shared by both trainers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sgd {
    /// Number of gradient steps (a mini-batch step counts as one).
    pub steps: usize,
    /// Learning rate.
    pub lr: f64,
    /// `None` for full-batch steps; `Some(b)` for mini-batches of `b` rows, reshuffled every epoch
    /// (the last batch of an epoch may be smaller).
    pub batch_size: Option<usize>,
    /// Seeds the mini-batch shuffling (unused for full batches).
    pub seed: u64,
}

impl Sgd {
    /// Full-batch SGD for `steps` steps at learning rate `lr`.
    pub fn full_batch(steps: usize, lr: f64) -> Self {
        Self {
            steps,
            lr,
            batch_size: None,
            seed: 0,
        }
    }

    fn check(&self, n: usize) -> Result<()> {
        if !(self.lr.is_finite() && self.lr > 0.0) {
            crate::bail_param!("learning rate must be positive and finite, got {}", self.lr);
        }
        if n == 0 {
            crate::bail_param!("cannot train on an empty data set");
        }
        if let Some(b) = self.batch_size {
            if b == 0 || b > n {
                crate::bail_param!("batch size {b} must lie in 1..={n} (the number of rows)");
            }
        }
        Ok(())
    }
}

/// Why a training run ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StopReason {
    /// All requested steps ran.
    Completed,
    /// The loss (MSE or KARE) was NaN or infinite at this step.
    NonFinite { step: usize },
    /// KARE was not positive at this step (impossible in exact arithmetic; a numerical breakdown).
    NonPositiveKare { step: usize, value: f64 },
    /// `K/n + z·I` could not be Cholesky-factorised at this step.
    NotPositiveDefinite { step: usize, pivot: usize },
}

impl StopReason {
    /// True unless every requested step ran.
    pub fn is_early(&self) -> bool {
        !matches!(self, StopReason::Completed)
    }
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopReason::Completed => write!(f, "completed"),
            StopReason::NonFinite { step } => write!(f, "non-finite loss at step {step}"),
            StopReason::NonPositiveKare { step, value } => {
                write!(f, "non-positive KARE {value:e} at step {step}")
            }
            StopReason::NotPositiveDefinite { step, pivot } => {
                write!(f, "Cholesky failed at pivot {pivot} at step {step}")
            }
        }
    }
}

/// What a training run did.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainReport {
    /// Parameter updates applied.
    pub steps_run: usize,
    /// Why training ended.
    pub stop: StopReason,
    /// The loss before each applied update (MSE for the DNN, KARE for NTK-KARE; on the batch).
    pub losses: Vec<f64>,
}

/// The row indices of each step's batch: all rows for full batches, or epoch-wise shuffled
/// mini-batches drawn from a ChaCha8 stream.
pub(crate) struct Batches {
    n: usize,
    size: Option<usize>,
    rng: ChaCha8Rng,
    order: Vec<u32>,
    pos: usize,
}

impl Batches {
    fn new(n: usize, sgd: &Sgd) -> Self {
        let order = (0..n as u32).collect();
        Self {
            n,
            size: sgd.batch_size,
            rng: ChaCha8Rng::seed_from_u64(sgd.seed),
            order,
            pos: n,
        }
    }

    /// The next batch, or `None` for the full batch (the caller then uses its tensors as they are).
    pub(crate) fn next(&mut self) -> Option<Vec<u32>> {
        let size = self.size?;
        if self.pos >= self.n {
            self.order.shuffle(&mut self.rng);
            self.pos = 0;
        }
        let end = (self.pos + size).min(self.n);
        let batch = self.order[self.pos..end].to_vec();
        self.pos = end;
        Some(batch)
    }
}

/// Deep copies of the parameters, to restore the last good state when training breaks down.
pub(crate) fn snapshot(mlp: &Mlp) -> Result<Vec<Tensor>> {
    Ok(mlp
        .vars()
        .iter()
        .map(|v| v.as_tensor().copy())
        .collect::<candle_core::Result<_>>()?)
}

pub(crate) fn restore(mlp: &Mlp, saved: &[Tensor]) -> Result<()> {
    for (v, t) in mlp.vars().iter().zip(saved) {
        v.set(t)?;
    }
    Ok(())
}

/// Trains `mlp` in place by SGD on the mean squared error (over samples and outputs) of its
/// outputs against `y` (n×c, f64 like [`train_kare`]'s targets, rounded to the network's
/// dtype).
///
/// If the loss becomes NaN or infinite, training stops and the parameters are restored to the
/// last ones with a finite loss. On the CPU the steps run on faer matrices in the network's
/// dtype (the `dense` module's loop, not candle's autograd), which is what makes Figure 2's
/// 10 000-step runs affordable; on another device they run by candle ([`train_dnn_with`]
/// chooses). `x` must have the network's dtype.
pub fn train_dnn(mlp: &mut Mlp, x: &Tensor, y: MatRef<'_, f64>, sgd: &Sgd) -> Result<TrainReport> {
    train_dnn_with(mlp, x, y, sgd, Backend::for_device(mlp.device()))
}

/// [`train_dnn`] computed by `backend`.
pub fn train_dnn_with(
    mlp: &mut Mlp,
    x: &Tensor,
    y: MatRef<'_, f64>,
    sgd: &Sgd,
    backend: Backend,
) -> Result<TrainReport> {
    let n = x.dims().first().copied().unwrap_or(0);
    sgd.check(n)?;
    if (y.nrows(), y.ncols()) != (n, mlp.outputs()) {
        return Err(Error::Shape(format!(
            "targets are {}×{}, expected {n}×{} ({n} inputs, {} network outputs)",
            y.nrows(),
            y.ncols(),
            mlp.outputs(),
            mlp.outputs()
        )));
    }
    if backend == Backend::Candle {
        return backend::train_dnn(mlp, x, y, sgd, &mut Batches::new(n, sgd));
    }
    with_real!(mlp.dtype(), T => {
        let x = tensor_to_faer::<T>(x)?;
        let y = Mat::<T>::from_fn(n, y.ncols(), |i, j| T::from_f64(y[(i, j)]));
        let mut dense = Dense::<T>::from_mlp(mlp)?;
        let mut batches = Batches::new(n, sgd);
        let trained = dense::train(&mut dense, x.as_ref(), y.as_ref(), sgd.lr, sgd.steps, || {
            batches.next()
        });
        dense.store(mlp)?;
        Ok(match trained.diverged_at {
            None => TrainReport {
                steps_run: sgd.steps,
                stop: StopReason::Completed,
                losses: trained.losses,
            },
            Some(step) => TrainReport {
                steps_run: step,
                stop: StopReason::NonFinite { step },
                losses: trained.losses,
            },
        })
    })
}

/// Trains `mlp`'s NTK in place by SGD on KARE(K(θ), Y, z) (METHOD §4); `y` is n×c in f64.
///
/// Each step evaluates the structured NTK on the batch, KARE and `∂KARE/∂K` in f64, and
/// back-propagates through the kernel. The network's own output is never fitted. When KARE is
/// NaN, not positive, or `K/n + z·I` cannot be factorised, training stops with that reason and
/// keeps the parameters of the last step whose KARE was valid — the reference code keeps the
/// parameters of the failing step, whose kernel is unusable for ridge regression.
///
/// A network on the CPU takes the faer path; on another device, the candle path
/// ([`train_kare_with`] chooses).
pub fn train_kare(
    mlp: &mut Mlp,
    x: &Tensor,
    y: MatRef<'_, f64>,
    z: f64,
    sgd: &Sgd,
) -> Result<TrainReport> {
    let how = KareStep {
        backend: Backend::for_device(mlp.device()),
        precision: KernelPrecision::F64,
    };
    train_kare_with(mlp, x, (y, z), sgd, how)
}

/// [`train_kare`] for targets and ridge `(y, z)`, each step computed as `how` says.
pub fn train_kare_with(
    mlp: &mut Mlp,
    x: &Tensor,
    (y, z): (MatRef<'_, f64>, f64),
    sgd: &Sgd,
    how: KareStep,
) -> Result<TrainReport> {
    let n = x.dims().first().copied().unwrap_or(0);
    sgd.check(n)?;
    if y.nrows() != n {
        return Err(Error::Shape(format!(
            "targets have {} rows, inputs {n}",
            y.nrows()
        )));
    }
    let full = match sgd.batch_size {
        None => Some(NtkInputs::new(x, None)?),
        Some(_) => None,
    };
    let mut opt = SGD::new(mlp.vars(), sgd.lr)?;
    let mut batches = Batches::new(n, sgd);
    let mut losses = Vec::with_capacity(sgd.steps);
    let mut last_good = snapshot(mlp)?;
    for step in 0..sgd.steps {
        let evaluated = match batches.next() {
            None => kare_backward(
                mlp,
                full.as_ref().expect("full batch has its Gram"),
                (y, z),
                how,
            ),
            Some(idx) => {
                let yb = Mat::from_fn(idx.len(), y.ncols(), |i, j| y[(idx[i] as usize, j)]);
                let xb = x.index_select(&Tensor::new(idx.as_slice(), x.device())?, 0)?;
                kare_backward(mlp, &NtkInputs::new(&xb, None)?, (yb.as_ref(), z), how)
            }
        };
        let stop = match evaluated {
            Ok((value, _)) if value.is_nan() || value.is_infinite() => {
                StopReason::NonFinite { step }
            }
            Ok((value, _)) if value <= 0.0 => StopReason::NonPositiveKare { step, value },
            Ok((value, grads)) => {
                losses.push(value);
                last_good = snapshot(mlp)?;
                opt.step(&grads)?;
                continue;
            }
            Err(Error::NotPositiveDefinite { pivot, .. }) => {
                StopReason::NotPositiveDefinite { step, pivot }
            }
            Err(Error::NonFinite { .. }) => StopReason::NonFinite { step },
            Err(other) => return Err(other),
        };
        restore(mlp, &last_good)?;
        return Ok(TrainReport {
            steps_run: step,
            stop,
            losses,
        });
    }
    Ok(TrainReport {
        steps_run: sgd.steps,
        stop: StopReason::Completed,
        losses,
    })
}
