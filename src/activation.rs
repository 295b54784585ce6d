//! The exact GELU `x·Φ(x) = 0.5·x·(1 + erf(x/√2))` and its first two derivatives as fused,
//! multi-threaded candle ops.
//!
//! Each op evaluates `erf` and `exp` (the pure-Rust libm, about 1 ulp, in f32 and f64; glibc's
//! `expf` ran 20× slower here, likely from AVX/SSE transitions) once per element and knows its own
//! derivative, so candle's autograd stays exact: the backward of
//! GELU is its slope `Φ(x) + x·φ(x)`, and the backward of the slope — needed because the
//! structured NTK depends on θ through it — is the curvature `φ(x)·(2 − x²)`. Candle's own
//! `gelu_erf` rounds 1/√(2π) in its backward, and composing GELU from candle's scalar `erf`, `exp`
//! and arithmetic costs a dozen single-threaded passes per layer.

use std::f64::consts::FRAC_1_SQRT_2;

use candle_core::{CpuStorage, CustomOp1, Layout, Shape, Tensor};
use rayon::prelude::*;

use crate::Result;

/// Which function of the GELU family an op computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    /// `x·Φ(x)`.
    Value,
    /// `Φ(x) + x·φ(x)`.
    Slope,
    /// `φ(x)·(2 − x²)`.
    Curvature,
}

struct Gelu(Order);

/// `1/√(2π)`.
const FRAC_1_SQRT_2PI: f64 = 0.398_942_280_401_432_7;

fn eval_f64(order: Order, x: f64) -> f64 {
    let pdf = || libm::exp(-0.5 * x * x) * FRAC_1_SQRT_2PI;
    let cdf = || 0.5 * (1.0 + libm::erf(x * FRAC_1_SQRT_2));
    match order {
        Order::Value => x * cdf(),
        Order::Slope => cdf() + x * pdf(),
        Order::Curvature => pdf() * (2.0 - x * x),
    }
}

fn eval_f32(order: Order, x: f32) -> f32 {
    let pdf = || libm::expf(-0.5 * x * x) * FRAC_1_SQRT_2PI as f32;
    let cdf = || 0.5 * (1.0 + libm::erff(x * FRAC_1_SQRT_2 as f32));
    match order {
        Order::Value => x * cdf(),
        Order::Slope => cdf() + x * pdf(),
        Order::Curvature => pdf() * (2.0 - x * x),
    }
}

fn map<T: Copy + Send + Sync>(v: &[T], f: impl Fn(T) -> T + Sync) -> Vec<T> {
    v.par_iter().with_min_len(1 << 14).map(|&x| f(x)).collect()
}

impl CustomOp1 for Gelu {
    fn name(&self) -> &'static str {
        match self.0 {
            Order::Value => "gelu",
            Order::Slope => "gelu-slope",
            Order::Curvature => "gelu-curvature",
        }
    }

    fn cpu_fwd(
        &self,
        storage: &CpuStorage,
        layout: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let Some((start, end)) = layout.contiguous_offsets() else {
            return Err(candle_core::Error::RequiresContiguous { op: self.name() });
        };
        let out = match storage {
            CpuStorage::F32(v) => CpuStorage::F32(map(&v[start..end], |x| eval_f32(self.0, x))),
            CpuStorage::F64(v) => CpuStorage::F64(map(&v[start..end], |x| eval_f64(self.0, x))),
            _ => candle_core::bail!("{}: f32 or f64 tensors only", self.name()),
        };
        Ok((out, layout.shape().clone()))
    }

    fn bwd(
        &self,
        arg: &Tensor,
        _res: &Tensor,
        grad_res: &Tensor,
    ) -> candle_core::Result<Option<Tensor>> {
        let next = match self.0 {
            Order::Value => Order::Slope,
            Order::Slope => Order::Curvature,
            Order::Curvature => {
                return Err(candle_core::Error::BackwardNotSupported { op: self.name() })
            }
        };
        Ok(Some(
            (grad_res * arg.contiguous()?.apply_op1_no_bwd(&Gelu(next))?)?,
        ))
    }
}

/// The exact GELU, element-wise, differentiable by candle's autograd.
pub fn gelu(z: &Tensor) -> Result<Tensor> {
    Ok(z.contiguous()?.apply_op1(Gelu(Order::Value))?)
}

/// GELU's derivative `Φ(x) + x·φ(x)`, element-wise and itself differentiable (its derivative is
/// `φ(x)·(2 − x²)`): the structured NTK depends on θ through it.
pub fn gelu_derivative(z: &Tensor) -> Result<Tensor> {
    Ok(z.contiguous()?.apply_op1(Gelu(Order::Slope))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curvature_is_the_slope_derivative() {
        // Central differences of the slope, h = 1e-5: agreement to 1e-9 absolute.
        for i in -60..=60 {
            let x = i as f64 * 0.1;
            let h = 1e-5;
            let fd = (eval_f64(Order::Slope, x + h) - eval_f64(Order::Slope, x - h)) / (2.0 * h);
            assert!((fd - eval_f64(Order::Curvature, x)).abs() < 1e-9, "x = {x}");
            let single = eval_f32(Order::Value, x as f32) as f64;
            assert!(
                (single - eval_f64(Order::Value, x)).abs() < 1e-6 * (1.0 + x.abs()),
                "f32 GELU at {x}"
            );
        }
    }
}
