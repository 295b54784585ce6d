//! Initialisation, the exact GELU, and the safetensors format.

use std::collections::HashMap;

use candle_core::{DType, Device, Tensor};
use kare_ntk::activation::{gelu, gelu_derivative};
use kare_ntk::mlp::{Mlp, MlpShape};
use kare_ntk::Error;

use crate::net;

fn temp_path(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("kare-ntk-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn init_is_pytorch_default_and_seeded() {
    let shape = MlpShape {
        inputs: 9,
        depth: 2,
        width: 16,
        outputs: 3,
    };
    let a = Mlp::new(&shape, 42, DType::F64, &Device::Cpu).unwrap();
    let b = Mlp::new(&shape, 42, DType::F64, &Device::Cpu).unwrap();
    let c = Mlp::new(&shape, 43, DType::F64, &Device::Cpu).unwrap();
    let lo = Mlp::new(&shape, 42, DType::F32, &Device::Cpu).unwrap();
    assert_eq!(a.num_params(), 9 * 16 + 16 + 16 * 16 + 16 + 16 * 3 + 3);
    let fan_ins = [9, 9, 16, 16, 16, 16];
    for ((((va, vb), vc), vlo), fan_in) in a
        .vars()
        .iter()
        .zip(b.vars())
        .zip(c.vars())
        .zip(lo.vars())
        .zip(fan_ins)
    {
        let bound = 1.0 / (fan_in as f64).sqrt();
        let xa = va.flatten_all().unwrap().to_vec1::<f64>().unwrap();
        assert!(
            xa.iter().all(|v| v.abs() <= bound),
            "a draw exceeds 1/√fan_in = {bound}"
        );
        // Spread over the interval: the extremes come within 20% of the bound.
        let max = xa.iter().fold(0f64, |m, v| m.max(v.abs()));
        assert!(
            max > 0.8 * bound || xa.len() < 8,
            "draws cluster: max {max} vs bound {bound}"
        );
        assert_eq!(
            xa,
            vb.flatten_all().unwrap().to_vec1::<f64>().unwrap(),
            "same seed, different draws"
        );
        assert_ne!(
            xa,
            vc.flatten_all().unwrap().to_vec1::<f64>().unwrap(),
            "different seeds, same draws"
        );
        let x32 = vlo.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        assert!(
            xa.iter().zip(&x32).all(|(d, s)| *s == *d as f32),
            "f32 init is not the rounded f64 init"
        );
    }
}

/// `Mlp::nth(.., 1, ..)` continues the stream of `Mlp::new`: checked against a wider network
/// with the same fan-in, whose one draw covers both (rows of a linear layer come in stream order).
#[test]
fn consecutive_draws_continue_one_stream() {
    let shape = |outputs| MlpShape {
        inputs: 4,
        depth: 0,
        width: 0,
        outputs,
    };
    let values = |m: &Mlp, i: usize| -> Vec<f64> {
        m.vars()[i].flatten_all().unwrap().to_vec1::<f64>().unwrap()
    };
    let first = Mlp::nth(&shape(1), 7, 0, DType::F64, &Device::Cpu).unwrap();
    let new = Mlp::new(&shape(1), 7, DType::F64, &Device::Cpu).unwrap();
    assert_eq!(values(&first, 0), values(&new, 0));
    let second = Mlp::nth(&shape(1), 7, 1, DType::F64, &Device::Cpu).unwrap();
    // Stream positions 0–3: the first weight row, 4: its bias, 5–7: the second's weights.
    let wide = values(
        &Mlp::new(&shape(2), 7, DType::F64, &Device::Cpu).unwrap(),
        0,
    );
    assert_eq!(wide[..4], values(&first, 0)[..]);
    assert_eq!(wide[4], values(&first, 1)[0]);
    assert_eq!(wide[5..8], values(&second, 0)[..3]);
    assert_ne!(values(&first, 0), values(&second, 0));
}

#[test]
fn gelu_derivative_matches_finite_differences() {
    // Tolerance 1e-9 absolute on the derivative (central differences, h = 1e-5, in f64).
    let xs: Vec<f64> = (-40..=40).map(|i| i as f64 * 0.15).collect();
    let x = Tensor::new(xs.as_slice(), &Device::Cpu).unwrap();
    let h = 1e-5;
    let up = gelu(&(&x + h).unwrap()).unwrap().to_vec1::<f64>().unwrap();
    let down = gelu(&(&x - h).unwrap()).unwrap().to_vec1::<f64>().unwrap();
    let d = gelu_derivative(&x).unwrap().to_vec1::<f64>().unwrap();
    let g = gelu(&x).unwrap().to_vec1::<f64>().unwrap();
    for i in 0..xs.len() {
        let fd = (up[i] - down[i]) / (2.0 * h);
        assert!((fd - d[i]).abs() < 1e-9, "x = {}: {fd} vs {}", xs[i], d[i]);
        // GELU itself against x·Φ(x) with erf from its Taylor series (accurate for |x| ≤ 3).
        if xs[i].abs() > 3.0 {
            continue;
        }
        let closed = 0.5 * xs[i] * (1.0 + libm_erf(xs[i] / 2f64.sqrt()));
        assert!(
            (g[i] - closed).abs() < 1e-12,
            "x = {}: {} vs {closed}",
            xs[i],
            g[i]
        );
    }
}

/// erf by its Taylor series, an oracle independent of candle's erf; cancellation limits it to
/// about 1e-14 for |x| ≤ 2.2.
fn libm_erf(x: f64) -> f64 {
    let mut term = x;
    let mut sum = x;
    for k in 1..120 {
        term *= -x * x / k as f64;
        sum += term / (2 * k + 1) as f64;
    }
    sum * 2.0 / std::f64::consts::PI.sqrt()
}

#[test]
fn safetensors_round_trip_is_exact() {
    for dtype in [DType::F32, DType::F64] {
        let shape = MlpShape {
            inputs: 5,
            depth: 3,
            width: 7,
            outputs: 2,
        };
        let mlp = Mlp::new(&shape, 7, dtype, &Device::Cpu).unwrap();
        let path = temp_path(&format!("roundtrip-{dtype:?}.safetensors"));
        mlp.save(&path).unwrap();
        let back = Mlp::load(&path, None, &Device::Cpu).unwrap();
        assert_eq!(back.dtype(), dtype);
        assert_eq!(back.names(), mlp.names());
        for (a, b) in mlp.vars().iter().zip(back.vars()) {
            assert_eq!(a.dims(), b.dims());
            let a = a
                .to_dtype(DType::F64)
                .unwrap()
                .flatten_all()
                .unwrap()
                .to_vec1::<f64>()
                .unwrap();
            let b = b
                .to_dtype(DType::F64)
                .unwrap()
                .flatten_all()
                .unwrap()
                .to_vec1::<f64>()
                .unwrap();
            assert_eq!(a, b);
        }
        assert!(!path.with_extension("safetensors.partial").exists());
    }
}

#[test]
fn misshapen_or_misnamed_pytorch_files_are_rejected_by_name() {
    let good = net(4, 2, 6, 1, 0);
    let mut tensors: HashMap<String, Tensor> = good.named_tensors().into_iter().collect();
    // layers.1 expects 6 inputs; give it 5.
    tensors.insert(
        "layers.1.weight".into(),
        Tensor::zeros((6, 5), DType::F64, &Device::Cpu).unwrap(),
    );
    let path = temp_path("wrong-shape.safetensors");
    candle_core::safetensors::save(&tensors, &path).unwrap();
    let err = Mlp::load(&path, None, &Device::Cpu).unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, Error::Weights(_))
            && msg.contains("layers.1.weight")
            && msg.contains("wrong-shape"),
        "{msg}"
    );

    let mut tensors: HashMap<String, Tensor> = good.named_tensors().into_iter().collect();
    tensors.insert(
        "layers.2.bias".into(),
        Tensor::zeros(3, DType::F64, &Device::Cpu).unwrap(),
    );
    assert!(Mlp::from_tensors(tensors, None)
        .unwrap_err()
        .to_string()
        .contains("layers.2.bias"));

    let mut tensors: HashMap<String, Tensor> = good.named_tensors().into_iter().collect();
    tensors.remove("layers.0.bias");
    assert!(Mlp::from_tensors(tensors, None)
        .unwrap_err()
        .to_string()
        .contains("layers.0.bias"));

    let mut tensors: HashMap<String, Tensor> = good.named_tensors().into_iter().collect();
    let w = tensors.remove("layers.0.weight").unwrap();
    tensors.insert("0.weight".into(), w);
    assert!(Mlp::from_tensors(tensors, None)
        .unwrap_err()
        .to_string()
        .contains("`0.weight`"));
}
