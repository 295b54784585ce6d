//! Criterion benchmarks of the core library at the paper's sizes:
//! the structured NTK, one KARE training step and one DNN step, for
//! "mnist" (n = 1000, d = 576, depth 4 × width 128), "wide" (n = 2048, d = 64, depth 3 × 512),
//! "nt1024" (n = 1024, d = 64, depth 3 × 512: the size compared with neural-tangents) and
//! "simulation" (Figure 1: n = 800, d = 10, depth 1 × width 64).
//!
//! The NTK group's throughput is the effective flop rate `2·n²·P`: the flops an explicit `J Jᵀ`
//! would need, so criterion's "elem/s" reads as effective GFLOP/s.

use candle_core::{DType, Device, Tensor};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, Par};
use kare_ntk::mlp::{Mlp, MlpShape};
use kare_ntk::ntk::{ntk, NtkInputs};
use kare_ntk::objective::{kare_gradients, kare_gradients_in};
use kare_ntk::train::{train_dnn, train_dnn_with, Sgd};
use kare_ntk::{kare_gradients_with, Backend, KareStep, KernelPrecision};

struct Case {
    name: &'static str,
    n: usize,
    shape: MlpShape,
}

/// A case of `n` rows of `inputs` features and an MLP of `depth` hidden layers of `width`.
const fn case(name: &'static str, n: usize, inputs: usize, depth: usize, width: usize) -> Case {
    Case {
        name,
        n,
        shape: MlpShape {
            inputs,
            depth,
            width,
            outputs: 1,
        },
    }
}

const CASES: [Case; 4] = [
    case("mnist", 1000, 576, 4, 128),
    case("wide", 2048, 64, 3, 512),
    case("nt1024", 1024, 64, 3, 512),
    case("simulation", 800, 10, 1, 64),
];

struct Problem {
    mlp: Mlp,
    x: Tensor,
    inputs: NtkInputs,
    y: Mat<f64>,
}

/// An f32 network (the experiments' precision) on standard normal inputs with ±1 targets.
fn problem(case: &Case) -> Problem {
    let dev = Device::Cpu;
    let mlp = Mlp::new(&case.shape, 0, DType::F32, &dev).unwrap();
    let x = Tensor::randn(0f32, 1.0, (case.n, case.shape.inputs), &dev).unwrap();
    let inputs = NtkInputs::new(&x, None).unwrap();
    let y = Mat::from_fn(case.n, 1, |i, _| if i % 2 == 0 { 1.0 } else { -1.0 });
    Problem { mlp, x, inputs, y }
}

fn benches(c: &mut Criterion) {
    for case in &CASES {
        let p = problem(case);
        let flops = 2 * case.n * case.n * p.mlp.num_params();

        let mut group = c.benchmark_group("ntk");
        group
            .sample_size(10)
            .throughput(Throughput::Elements(flops as u64));
        group.bench_function(BenchmarkId::from_parameter(case.name), |b| {
            b.iter(|| ntk(&p.mlp, &p.inputs).unwrap())
        });
        group.finish();

        let mut group = c.benchmark_group("kare_step");
        group.sample_size(10);
        group.bench_function(BenchmarkId::from_parameter(case.name), |b| {
            b.iter(|| kare_gradients(&p.mlp, &p.inputs, p.y.as_ref(), 0.1).unwrap())
        });
        group.finish();

        // The same step with the M⁻² term of ∂KARE/∂K in f32 (`KernelPrecision::F32`).
        let mut group = c.benchmark_group("kare_step_f32_inverse_square");
        group.sample_size(10);
        group.bench_function(BenchmarkId::from_parameter(case.name), |b| {
            b.iter(|| {
                kare_gradients_in(&p.mlp, &p.inputs, p.y.as_ref(), 0.1, KernelPrecision::F32)
                    .unwrap()
            })
        });
        group.finish();

        // The same step by the device-generic candle path (`Backend::Candle`, the GPU's),
        // here on candle's CPU device: what the faer path saves on the CPU.
        let mut group = c.benchmark_group("kare_step_candle");
        group.sample_size(10);
        group.bench_function(BenchmarkId::from_parameter(case.name), |b| {
            b.iter(|| {
                let step = KareStep {
                    backend: Backend::Candle,
                    precision: KernelPrecision::F64,
                };
                kare_gradients_with(&p.mlp, &p.inputs, (p.y.as_ref(), 0.1), step).unwrap()
            })
        });
        group.finish();

        // Ten full-batch steps per iteration, so the copies in and out of the loop (done once
        // per training run) weigh as little as in a 10 000-step run. Throughput counts the
        // GEMM flops of the ten steps, 6·n·P each (forward, input gradient, weight gradient).
        let mut group = c.benchmark_group("dnn_10_steps");
        group.sample_size(20).throughput(Throughput::Elements(
            (10 * 6 * case.n * p.mlp.num_params()) as u64,
        ));
        let mut mlp = p.mlp.clone();
        group.bench_function(BenchmarkId::from_parameter(case.name), |b| {
            b.iter(|| train_dnn(&mut mlp, &p.x, p.y.as_ref(), &Sgd::full_batch(10, 1e-6)).unwrap())
        });
        group.finish();

        // The DNN's ten steps by the candle path on candle's CPU device.
        let mut group = c.benchmark_group("dnn_10_steps_candle");
        group.sample_size(10).throughput(Throughput::Elements(
            (10 * 6 * case.n * p.mlp.num_params()) as u64,
        ));
        let mut mlp = p.mlp.clone();
        group.bench_function(BenchmarkId::from_parameter(case.name), |b| {
            b.iter(|| {
                let sgd = Sgd::full_batch(10, 1e-6);
                train_dnn_with(&mut mlp, &p.x, p.y.as_ref(), &sgd, Backend::Candle).unwrap()
            })
        });
        group.finish();
    }
}

/// The machine's f32 GEMM rate at the DNN's largest product (MNIST's first layer,
/// 1000×576 · 576×128), on all threads and on one: the yardstick for `dnn_10_steps`.
fn gemm_reference(c: &mut Criterion) {
    let a = Mat::<f32>::from_fn(1000, 576, |i, j| ((i * 7 + j * 3) % 13) as f32 - 6.0);
    let b = Mat::<f32>::from_fn(576, 128, |i, j| ((i * 5 + j) % 11) as f32 - 5.0);
    let mut out = Mat::<f32>::zeros(1000, 128);
    let mut group = c.benchmark_group("gemm_f32");
    group
        .sample_size(50)
        .throughput(Throughput::Elements(2 * 1000 * 576 * 128));
    for (name, par) in [("all_threads", Par::rayon(0)), ("one_thread", Par::Seq)] {
        group.bench_function(name, |bench| {
            bench.iter(|| matmul(&mut out, Accum::Replace, &a, &b, 1.0, par))
        });
    }
    group.finish();
}

criterion_group!(core, benches, gemm_reference);
criterion_main!(core);
