//! The exact GELU `x·Φ(x) = 0.5·x·(1 + erf(x/√2))` and its first two derivatives as fused,
//! multi-threaded candle ops.
//!
//! Each op evaluates `erf` and `exp` once per element (in f64 the pure-Rust libm, about 1 ulp; in
//! f32 branch-free approximations within 2 ulp that the compiler vectorises — libm's `erff`
//! took a third of a DNN step, and glibc's `expf` ran 20× slower still) and knows its own
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

/// `exp(x)` in f32 without branches or calls, so loops over it vectorise: `2^k·e^r` with
/// `k = round(x/ln 2)`, `|r| ≤ ln 2 / 2` (Cody–Waite, two-part ln 2) and a degree-7 Taylor
/// polynomial for `e^r` (truncation < 1e-8 relative). Arguments are clamped to [−87, 88], where
/// `2^k` is a normal float; below −87 the result is e⁻⁸⁷ ≈ 1.6e-38 instead of a subnormal.
#[inline(always)]
fn exp_f32(x: f32) -> f32 {
    const LOG2_E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_145_75;
    const LN2_LO: f32 = 1.428_606_8e-6;
    // Adding and subtracting 1.5·2²³ rounds to the nearest integer for |v| < 2²².
    const ROUND: f32 = 12_582_912.0;
    let x = x.clamp(-87.0, 88.0);
    let shifted = x * LOG2_E + ROUND;
    let k = shifted - ROUND;
    let r = (x - k * LN2_HI) - k * LN2_LO;
    let mut p = 1.0 / 5040.0;
    for c in [
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
        1.0,
    ] {
        p = p * r + c;
    }
    // `shifted`'s low mantissa bits hold k (offset by 1.5·2²³'s bits); integer arithmetic on
    // them, unlike a float-to-int cast, vectorises.
    let k_bits = shifted.to_bits().wrapping_sub(ROUND.to_bits());
    p * f32::from_bits(k_bits.wrapping_add(127) << 23)
}

/// `erf(a)` in f32 without branches, so loops over it vectorise: N. Juffa's two minimax
/// approximations (`a·P(a²)` for |a| ≤ 0.9277, `1 − exp(Q(|a|))` beyond), both evaluated and one
/// selected. Within 2.5e-7 of the exact erf (tested against f64 `libm::erf`).
#[inline(always)]
#[allow(clippy::excessive_precision)] // the coefficients as published
fn erf_f32(a: f32) -> f32 {
    let t = a.abs().min(4.0);
    let s = t * t;
    let mut small = -5.967_617e-4;
    for c in [
        4.991_194_2e-3,
        -2.676_813_5e-2,
        1.128_199_3e-1,
        -3.761_253_4e-1,
        1.283_791_7e-1,
    ] {
        small = small * s + c;
    }
    let small = small * a + a;
    let mut large =
        (-1.728_534_7e-5 * t + 3.831_971_3e-4) * s + (-3.883_964_4e-3 * t + 2.425_462_2e-2);
    for c in [-1.067_778_8e-1, -6.348_466_9e-1, -1.287_175_1e-1] {
        large = large * t + c;
    }
    let large = (1.0 - exp_f32(large * t - t)).copysign(a);
    if t > 0.927_734_4 {
        large
    } else {
        small
    }
}

#[inline(always)]
fn eval_f32(order: Order, x: f32) -> f32 {
    let pdf = || exp_f32(-0.5 * x * x) * FRAC_1_SQRT_2PI as f32;
    let cdf = || 0.5 * (1.0 + erf_f32(x * FRAC_1_SQRT_2 as f32));
    match order {
        Order::Value => x * cdf(),
        Order::Slope => cdf() + x * pdf(),
        Order::Curvature => pdf() * (2.0 - x * x),
    }
}

/// GELU and its slope, for the element-wise passes outside candle (the DNN loop).
pub(crate) trait GeluScalar: Copy + std::ops::Add<Output = Self> {
    /// `(x·Φ(x), Φ(x) + x·φ(x))`, from one `erf` and one `exp`.
    fn gelu_and_slope(self) -> (Self, Self);

    /// `z ← GELU(z + bias)` and `slope ← GELU′(z + bias)` element-wise.
    fn gelu_slice(z: &mut [Self], slope: &mut [Self], bias: Self) {
        gelu_slice_plain(z, slope, bias);
    }
}

#[inline(always)]
fn gelu_slice_plain<T: GeluScalar>(z: &mut [T], slope: &mut [T], bias: T) {
    for (zi, si) in z.iter_mut().zip(slope) {
        (*zi, *si) = (*zi + bias).gelu_and_slope();
    }
}

/// [`gelu_slice_plain`] compiled for AVX-512, where the branch-free f32 `erf`/`exp` vectorise
/// 16 wide instead of SSE2's 4.
///
/// # Safety
/// The CPU must support AVX-512F (checked by the caller).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn gelu_slice_avx512(z: &mut [f32], slope: &mut [f32], bias: f32) {
    gelu_slice_plain(z, slope, bias);
}

/// [`gelu_slice_plain`] compiled for AVX2 (8 wide).
///
/// # Safety
/// The CPU must support AVX2 (checked by the caller).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn gelu_slice_avx2(z: &mut [f32], slope: &mut [f32], bias: f32) {
    gelu_slice_plain(z, slope, bias);
}

impl GeluScalar for f32 {
    #[inline(always)]
    fn gelu_and_slope(self) -> (f32, f32) {
        let cdf = 0.5 * (1.0 + erf_f32(self * FRAC_1_SQRT_2 as f32));
        let pdf = exp_f32(-0.5 * self * self) * FRAC_1_SQRT_2PI as f32;
        (self * cdf, cdf + self * pdf)
    }

    fn gelu_slice(z: &mut [f32], slope: &mut [f32], bias: f32) {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                // SAFETY: AVX-512F is present.
                return unsafe { gelu_slice_avx512(z, slope, bias) };
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: AVX2 is present.
                return unsafe { gelu_slice_avx2(z, slope, bias) };
            }
        }
        gelu_slice_plain(z, slope, bias);
    }
}

impl GeluScalar for f64 {
    #[inline]
    fn gelu_and_slope(self) -> (f64, f64) {
        let cdf = 0.5 * (1.0 + libm::erf(self * FRAC_1_SQRT_2));
        let pdf = libm::exp(-0.5 * self * self) * FRAC_1_SQRT_2PI;
        (self * cdf, cdf + self * pdf)
    }
}

/// `out[i] = order(x[i])`, with the order fixed outside the loop so that it vectorises.
#[inline(always)]
fn eval_slice_plain(order: Order, x: &[f32], out: &mut [f32]) {
    match order {
        Order::Value => eval_loop(Order::Value, x, out),
        Order::Slope => eval_loop(Order::Slope, x, out),
        Order::Curvature => eval_loop(Order::Curvature, x, out),
    }
}

#[inline(always)]
fn eval_loop(order: Order, x: &[f32], out: &mut [f32]) {
    for (y, &x) in out.iter_mut().zip(x) {
        *y = eval_f32(order, x);
    }
}

/// [`eval_slice_plain`] compiled for AVX-512.
///
/// # Safety
/// The CPU must support AVX-512F (checked by the caller).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn eval_slice_avx512(order: Order, x: &[f32], out: &mut [f32]) {
    eval_slice_plain(order, x, out);
}

/// [`eval_slice_plain`] compiled for AVX2.
///
/// # Safety
/// The CPU must support AVX2 (checked by the caller).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn eval_slice_avx2(order: Order, x: &[f32], out: &mut [f32]) {
    eval_slice_plain(order, x, out);
}

/// `order` applied to every element of `v`, in parallel chunks, vectorised for the CPU.
fn map_f32(order: Order, v: &[f32]) -> Vec<f32> {
    const CHUNK: usize = 1 << 14;
    let mut out = vec![0.0; v.len()];
    out.par_chunks_mut(CHUNK)
        .zip(v.par_chunks(CHUNK))
        .for_each(|(out, x)| {
            #[cfg(target_arch = "x86_64")]
            {
                if std::arch::is_x86_feature_detected!("avx512f") {
                    // SAFETY: AVX-512F is present.
                    return unsafe { eval_slice_avx512(order, x, out) };
                }
                if std::arch::is_x86_feature_detected!("avx2") {
                    // SAFETY: AVX2 is present.
                    return unsafe { eval_slice_avx2(order, x, out) };
                }
            }
            eval_slice_plain(order, x, out)
        });
    out
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
            CpuStorage::F32(v) => CpuStorage::F32(map_f32(self.0, &v[start..end])),
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

/// The exact GELU, element-wise, differentiable by candle's autograd: the fused op on the CPU,
/// candle's `erf` and `exp` composed on other devices.
pub fn gelu(z: &Tensor) -> Result<Tensor> {
    GeluOps::for_device(z.device()).value(z)
}

/// GELU's derivative `Φ(x) + x·φ(x)`, element-wise and itself differentiable (its derivative is
/// `φ(x)·(2 − x²)`): the structured NTK depends on θ through it. Fused on the CPU, composed on
/// other devices.
pub fn gelu_derivative(z: &Tensor) -> Result<Tensor> {
    GeluOps::for_device(z.device()).slope(z)
}

/// How GELU and its slope are evaluated on a tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GeluOps {
    /// The fused CPU ops of this module (one pass each; CPU tensors only).
    Fused,
    /// candle's own element-wise ops (`erf`, `exp`, arithmetic), which every device has, with
    /// candle's derivatives of them: `Φ(x) = (1 + erf(x/√2))/2`, `φ(x) = e^(−x²/2)/√(2π)`.
    Composed,
}

impl GeluOps {
    /// The fused ops on the CPU, the composed ones elsewhere.
    pub(crate) fn for_device(device: &candle_core::Device) -> Self {
        if device.is_cpu() {
            Self::Fused
        } else {
            Self::Composed
        }
    }

    /// `x·Φ(x)`.
    pub(crate) fn value(self, z: &Tensor) -> Result<Tensor> {
        Ok(match self {
            Self::Fused => z.contiguous()?.apply_op1(Gelu(Order::Value))?,
            Self::Composed => (z * normal_cdf(z)?)?,
        })
    }

    /// `Φ(x) + x·φ(x)`.
    pub(crate) fn slope(self, z: &Tensor) -> Result<Tensor> {
        Ok(match self {
            Self::Fused => z.contiguous()?.apply_op1(Gelu(Order::Slope))?,
            Self::Composed => {
                let pdf = z
                    .sqr()?
                    .affine(-0.5, 0.0)?
                    .exp()?
                    .affine(FRAC_1_SQRT_2PI, 0.0)?;
                (normal_cdf(z)? + (z * pdf)?)?
            }
        })
    }
}

/// `Φ(x) = (1 + erf(x/√2))/2` from candle's `erf`.
fn normal_cdf(z: &Tensor) -> Result<Tensor> {
    Ok(z.affine(FRAC_1_SQRT_2, 0.0)?.erf()?.affine(0.5, 0.5)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The branch-free f32 `exp` and `erf` against f64 libm on a grid of 200 001 points:
    /// `exp` within 2 ulp relative on [−87, 88]; `erf` within 2.5e-7 absolute on [−6, 6]
    /// (2 ulp of 1) and 2 ulp relative where |erf| < 0.5.
    #[test]
    fn f32_exp_and_erf_match_f64() {
        let ulp = f32::EPSILON as f64;
        for i in -100_000..=100_000 {
            let x = i as f64 * 88.0 / 100_000.0;
            let exact = libm::exp((x as f32) as f64);
            let got = exp_f32(x as f32) as f64;
            if x >= -87.0 {
                assert!(
                    (got - exact).abs() <= 2.0 * ulp * exact,
                    "exp({x}) = {got}, not {exact}"
                );
            }
            let a = i as f64 * 6.0 / 100_000.0;
            let exact = libm::erf((a as f32) as f64);
            let got = erf_f32(a as f32) as f64;
            assert!(
                (got - exact).abs() <= 2.5e-7,
                "erf({a}) = {got}, not {exact}"
            );
            if exact.abs() < 0.5 {
                assert!(
                    (got - exact).abs() <= 2.0 * ulp * exact.abs(),
                    "erf({a}) relative"
                );
            }
        }
    }

    /// The vectorised passes compute exactly what the scalar code does (no contraction into
    /// FMAs, same operations), on every order and across chunk boundaries.
    #[test]
    fn vectorised_passes_equal_the_scalar_code() {
        let xs: Vec<f32> = (0..40_000).map(|i| (i as f32 - 20_000.0) * 4e-4).collect();
        for order in [Order::Value, Order::Slope, Order::Curvature] {
            let scalar: Vec<f32> = xs.iter().map(|&x| eval_f32(order, x)).collect();
            assert_eq!(map_f32(order, &xs), scalar, "{order:?}");
        }
        let (mut z, mut s) = (xs.clone(), vec![0.0; xs.len()]);
        f32::gelu_slice(&mut z, &mut s, 0.25);
        for i in 0..xs.len() {
            let x = xs[i] + 0.25;
            assert_eq!(
                (z[i], s[i]),
                (eval_f32(Order::Value, x), eval_f32(Order::Slope, x))
            );
        }
    }

    /// candle's composed GELU, its slope and their autograd derivatives against the fused
    /// ops in f64 on [−8, 8]: within 1e-15 absolute (candle's `erf` against libm's).
    #[test]
    fn composed_ops_match_the_fused_ops() {
        let xs: Vec<f64> = (0..=1600).map(|i| (i as f64 - 800.0) * 0.01).collect();
        let var = candle_core::Var::new(xs.as_slice(), &candle_core::Device::Cpu).unwrap();
        let x = var.as_tensor();
        for (name, f) in [
            (
                "value",
                GeluOps::value as fn(GeluOps, &Tensor) -> Result<Tensor>,
            ),
            ("slope", GeluOps::slope),
        ] {
            let (fused, composed) = (
                f(GeluOps::Fused, x).unwrap(),
                f(GeluOps::Composed, x).unwrap(),
            );
            let grad = |t: &Tensor| {
                t.sum_all()
                    .unwrap()
                    .backward()
                    .unwrap()
                    .get(x)
                    .unwrap()
                    .to_vec1::<f64>()
                    .unwrap()
            };
            let pairs = [
                (
                    fused.to_vec1::<f64>().unwrap(),
                    composed.to_vec1::<f64>().unwrap(),
                ),
                (grad(&fused), grad(&composed)),
            ];
            for (order, (a, b)) in pairs.iter().enumerate() {
                let err = a.iter().zip(b).fold(0f64, |m, (u, v)| m.max((u - v).abs()));
                assert!(err <= 1e-15, "{name}, derivative {order}: {err:e}");
            }
        }
    }

    #[test]
    fn curvature_is_the_slope_derivative() {
        // Central differences of the slope, h = 1e-5: agreement to 1e-9 absolute.
        for i in -60..=60 {
            let x = i as f64 * 0.1;
            let h = 1e-5;
            let fd = (eval_f64(Order::Slope, x + h) - eval_f64(Order::Slope, x - h)) / (2.0 * h);
            assert!((fd - eval_f64(Order::Curvature, x)).abs() < 1e-9, "x = {x}");
            let (value, slope) = x.gelu_and_slope();
            assert_eq!(value, eval_f64(Order::Value, x));
            assert_eq!(slope, eval_f64(Order::Slope, x));
            let single = eval_f32(Order::Value, x as f32) as f64;
            assert!(
                (single - eval_f64(Order::Value, x)).abs() < 1e-6 * (1.0 + x.abs()),
                "f32 GELU at {x}"
            );
        }
    }
}
