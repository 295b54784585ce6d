//! The `kare ntk` and `kare kare` commands, run as a user would: files in, files out.
//! Kernels are checked against the explicit `J Jᵀ` oracle, gradients against the library.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use candle_core::{DType, Device, Tensor};
use kare_data::npy;
use kare_ntk::convert::mat_from_rows;
use kare_ntk::mlp::{Mlp, MlpShape};
use kare_ntk::ntk::{ntk_explicit, NtkInputs};
use kare_ntk::objective::kare_gradients;
use npyz::WriterBuilder;

fn workdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kare-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn kare(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kare"))
        .args(args)
        .output()
        .unwrap()
}

/// Runs `kare` and asserts that it succeeded, showing its stderr otherwise.
fn kare_ok(args: &[&str]) -> Output {
    let run = kare(args);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    run
}

/// Asserts that `kare` failed and that its error message contains every one of `needles`.
fn fails_naming(run: Output, needles: &[&str]) {
    assert!(!run.status.success(), "the command succeeded");
    let e = String::from_utf8_lossy(&run.stderr);
    assert!(needles.iter().all(|n| e.contains(n)), "{e}");
}

/// Asserts that a kernel read back from `.npy` equals the oracle to `1e-10·scale` per entry.
fn assert_kernel(k: &npy::Array2, oracle: &faer::Mat<f64>, scale: f64) {
    assert_eq!((k.rows, k.cols), oracle.shape());
    for i in 0..k.rows {
        for j in 0..k.cols {
            let got = k.data[i * k.cols + j];
            assert!(
                (got - oracle[(i, j)]).abs() < 1e-10 * scale,
                "K[{i},{j}] = {got} vs {}",
                oracle[(i, j)]
            );
        }
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Deterministic inputs with values exactly representable in f32.
fn inputs(rows: usize, cols: usize, shift: usize) -> Vec<f64> {
    (0..rows * cols)
        .map(|i| (((i + shift) * 37 % 17) as f64 - 8.0) / 8.0)
        .collect()
}

fn write_f32(path: &Path, rows: usize, cols: usize, data: &[f64]) {
    let mut w = npyz::WriteOptions::new()
        .default_dtype()
        .shape(&[rows as u64, cols as u64])
        .writer(std::fs::File::create(path).unwrap())
        .begin_nd()
        .unwrap();
    w.extend(data.iter().map(|v| *v as f32)).unwrap();
    w.finish().unwrap();
}

/// A freshly initialised network saved as `w.safetensors` in `dir`.
fn saved_network(dir: &Path, shape: MlpShape, seed: u64, dtype: DType) -> (Mlp, PathBuf) {
    let mlp = Mlp::new(&shape, seed, dtype, &Device::Cpu).unwrap();
    let weights = dir.join("w.safetensors");
    mlp.save(&weights).unwrap();
    (mlp, weights)
}

fn tensor(data: &[f64], rows: usize, cols: usize) -> Tensor {
    Tensor::from_vec(data.to_vec(), (rows, cols), &Device::Cpu).unwrap()
}

#[test]
fn ntk_command_writes_the_kernel_of_a_saved_network() {
    let dir = workdir("ntk");
    let (mlp, weights) = saved_network(
        &dir,
        MlpShape {
            inputs: 3,
            depth: 2,
            width: 5,
            outputs: 2,
        },
        1,
        DType::F64,
    );
    let (x, xt) = (inputs(6, 3, 0), inputs(4, 3, 5));
    write_f32(&dir.join("x.npy"), 6, 3, &x);
    npy::write(&dir.join("xt.npy"), 4, 3, &xt).unwrap();

    let out = dir.join("k.npy");
    kare_ok(&[
        "ntk",
        "--weights",
        s(&weights),
        "--inputs",
        s(&dir.join("x.npy")),
        "--out",
        s(&out),
    ]);
    let k = npy::read(&out).unwrap();
    let oracle = ntk_explicit(&mlp, &tensor(&x, 6, 3), &tensor(&x, 6, 3)).unwrap();
    assert_eq!((k.rows, k.cols, k.is_f64), (6, 6, true));
    let scale = oracle.norm_max();
    assert_kernel(&k, &oracle, scale);

    let cross = dir.join("kc.npy");
    kare_ok(&[
        "ntk",
        "--weights",
        s(&weights),
        "--inputs",
        s(&dir.join("x.npy")),
        "--test",
        s(&dir.join("xt.npy")),
        "--out",
        s(&cross),
    ]);
    let kc = npy::read(&cross).unwrap();
    let oracle = ntk_explicit(&mlp, &tensor(&xt, 4, 3), &tensor(&x, 6, 3)).unwrap();
    assert_eq!((kc.rows, kc.cols), (4, 6));
    assert_kernel(&kc, &oracle, scale);

    // --dtype f32 runs the same network in single precision: the same kernel to f32 accuracy.
    let k32 = dir.join("k32.npy");
    kare_ok(&[
        "ntk",
        "--weights",
        s(&weights),
        "--inputs",
        s(&dir.join("x.npy")),
        "--out",
        s(&k32),
        "--dtype",
        "f32",
    ]);
    let k32 = npy::read(&k32).unwrap();
    for (a, b) in k32.data.iter().zip(&k.data) {
        assert!((a - b).abs() < 1e-5 * scale, "f32 kernel {a} vs f64 {b}");
    }
}

#[test]
fn kare_command_prints_kare_and_writes_named_gradients() {
    let dir = workdir("kare");
    let (mlp, weights) = saved_network(
        &dir,
        MlpShape {
            inputs: 3,
            depth: 2,
            width: 5,
            outputs: 1,
        },
        2,
        DType::F64,
    );
    let x = inputs(7, 3, 1);
    npy::write(&dir.join("x.npy"), 7, 3, &x).unwrap();
    let y: Vec<f64> = (0..7)
        .map(|i| if i % 3 == 0 { 1.0 } else { -1.0 })
        .collect();
    npyz::to_file_1d(dir.join("y.npy"), y.iter().copied()).unwrap();

    let out = dir.join("g.safetensors");
    let run = kare_ok(&[
        "kare",
        "--weights",
        s(&weights),
        "--inputs",
        s(&dir.join("x.npy")),
        "--targets",
        s(&dir.join("y.npy")),
        "--out",
        s(&out),
    ]);
    let stdout = String::from_utf8_lossy(&run.stdout);
    let printed: f64 = stdout
        .trim()
        .strip_prefix("KARE = ")
        .unwrap()
        .parse()
        .unwrap();

    let xt = tensor(&x, 7, 3);
    let ym = mat_from_rows(&y, 7, 1, "y").unwrap();
    let lib = kare_gradients(&mlp, &NtkInputs::new(&xt, None).unwrap(), ym.as_ref(), 0.1).unwrap();
    assert_eq!(printed, lib.kare);
    let grads = candle_core::safetensors::load(&out, &Device::Cpu).unwrap();
    assert_eq!(grads.len(), mlp.names().len());
    for (name, expected) in mlp.names().iter().zip(&lib.grads) {
        let got = grads[name].flatten_all().unwrap().to_vec1::<f64>().unwrap();
        assert_eq!(
            got,
            expected.flatten_all().unwrap().to_vec1::<f64>().unwrap(),
            "{name}"
        );
    }
    let out_bias = grads["layers.2.bias"].to_vec1::<f64>().unwrap();
    assert_eq!(out_bias, vec![0.0]);
}

#[test]
fn mismatched_inputs_are_clear_errors() {
    let dir = workdir("errors");
    let (mlp, weights) = saved_network(
        &dir,
        MlpShape {
            inputs: 3,
            depth: 1,
            width: 4,
            outputs: 1,
        },
        3,
        DType::F32,
    );
    npy::write(&dir.join("x4.npy"), 5, 4, &inputs(5, 4, 0)).unwrap();
    npy::write(&dir.join("x.npy"), 5, 3, &inputs(5, 3, 0)).unwrap();
    npy::write(&dir.join("y6.npy"), 6, 1, &[1.0; 6]).unwrap();
    npyz::to_file_1d(dir.join("int.npy"), [1i32, 2, 3]).unwrap();
    let out = dir.join("out.npy");

    let (x, x4, int, y6) = (
        dir.join("x.npy"),
        dir.join("x4.npy"),
        dir.join("int.npy"),
        dir.join("y6.npy"),
    );
    let ntk = |weights: &Path, inputs: &Path| {
        kare(&[
            "ntk",
            "--weights",
            s(weights),
            "--inputs",
            s(inputs),
            "--out",
            s(&out),
        ])
    };
    fails_naming(ntk(&weights, &x4), &["x4.npy", "4 columns", "3 features"]);
    fails_naming(ntk(&weights, &int), &["int.npy", "not float32 or float64"]);
    let kare_run = kare(&[
        "kare",
        "--weights",
        s(&weights),
        "--inputs",
        s(&x),
        "--targets",
        s(&y6),
        "--out",
        s(&out),
    ]);
    fails_naming(kare_run, &["y6.npy", "6 rows", "5"]);
    fails_naming(
        ntk(&dir.join("missing.safetensors"), &x),
        &["missing.safetensors"],
    );
    assert!(!out.exists(), "a failed command left an output file");

    let mut bad = mlp
        .named_tensors()
        .into_iter()
        .collect::<std::collections::HashMap<_, _>>();
    bad.insert(
        "layers.1.weight".into(),
        Tensor::zeros((1, 7), DType::F32, &Device::Cpu).unwrap(),
    );
    let bad_path = dir.join("bad.safetensors");
    candle_core::safetensors::save(&bad, &bad_path).unwrap();
    fails_naming(ntk(&bad_path, &x), &["layers.1.weight", "bad.safetensors"]);
}

/// `kare datasets export` of the simulation on numpy's legacy generator writes the authors'
/// inputs for that seed: numpy's own `x` (tests/fixtures/numpy-legacy), first 800 rows train,
/// bit for bit; the targets come from the same rows by the link.
#[test]
fn exported_numpy_legacy_simulation_is_numpys_draw() {
    let dir = workdir("export");
    let registry = concat!(env!("CARGO_MANIFEST_DIR"), "/../../datasets.toml");
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../data/tests/fixtures/numpy-legacy"
    );
    let out = dir.join("seed1");
    let out_text = out.to_str().unwrap();
    let args = [
        "datasets",
        "export",
        "simulation",
        "--registry",
        registry,
        "--seed",
        "1",
    ];
    kare_ok(
        &[
            &args[..],
            &[
                "--set",
                "rng=numpy-legacy",
                "--set",
                "gamma=1.5",
                "--out",
                out_text,
            ],
        ]
        .concat(),
    );
    let x = npy::read(&Path::new(fixture).join("sim_seed1_x.npy")).unwrap();
    let x_train = npy::read(&out.join("x_train.npy")).unwrap();
    let x_test = npy::read(&out.join("x_test.npy")).unwrap();
    let y_train = npy::read(&out.join("y_train.npy")).unwrap();
    assert_eq!(
        (x_train.rows, x_train.cols, x_test.rows, y_train.cols),
        (800, 10, 200, 1)
    );
    let bits = |v: &[f64]| v.iter().map(|a| a.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&x_train.data), bits(&x.data[..8000]));
    assert_eq!(bits(&x_test.data), bits(&x.data[8000..]));
    // The default generator draws something else; a bad override is an error naming it.
    let ours = dir.join("ours");
    kare_ok(&[&args[..], &["--out", ours.to_str().unwrap()]].concat());
    let x_ours = npy::read(&ours.join("x_train.npy")).unwrap();
    assert_ne!(bits(&x_ours.data), bits(&x_train.data));
    fails_naming(
        kare(&[&args[..], &["--set", "rng=mt19937", "--out", out_text]].concat()),
        &["--set", "unknown variant `mt19937`"],
    );
}

/// NaN weights, inputs beyond the network's precision or beyond f64's arithmetic, and a ridge
/// that makes KARE non-finite are errors naming the file or the argument, with no output.
/// Writes `x.npy` (5 × 3), `huge.npy` (the same × 1e200), `y.npy` (±1) and a copy of `mlp`'s
/// weights with a NaN first layer into `dir`; returns the path of the latter.
fn non_finite_inputs(dir: &Path, mlp: &Mlp) -> PathBuf {
    let x = inputs(5, 3, 0);
    npy::write(&dir.join("x.npy"), 5, 3, &x).unwrap();
    let huge: Vec<f64> = x.iter().map(|v| v * 1e200).collect();
    npy::write(&dir.join("huge.npy"), 5, 3, &huge).unwrap();
    npy::write(&dir.join("y.npy"), 5, 1, &[1.0, -1.0, 1.0, -1.0, 1.0]).unwrap();
    let mut tensors: std::collections::HashMap<_, _> = mlp.named_tensors().into_iter().collect();
    let w = tensors["layers.0.weight"].clone();
    tensors.insert("layers.0.weight".into(), (w * f64::NAN).unwrap());
    let nan_weights = dir.join("nan.safetensors");
    candle_core::safetensors::save(&tensors, &nan_weights).unwrap();
    nan_weights
}

#[test]
fn non_finite_weights_inputs_and_ridges_are_errors_naming_them() {
    let dir = workdir("non-finite");
    let shape = MlpShape {
        inputs: 3,
        depth: 1,
        width: 4,
        outputs: 1,
    };
    let (mlp, weights) = saved_network(&dir, shape, 4, DType::F64);
    let nan_weights = non_finite_inputs(&dir, &mlp);
    let out = dir.join("out.npy");
    let ntk = |weights: &Path, x: &Path, dtype: &str| {
        kare(&[
            "ntk",
            "--weights",
            s(weights),
            "--inputs",
            s(x),
            "--out",
            s(&out),
            "--dtype",
            dtype,
        ])
    };
    let (xp, hp) = (dir.join("x.npy"), dir.join("huge.npy"));
    fails_naming(
        ntk(&nan_weights, &xp, "f64"),
        &["nan.safetensors", "layers.0.weight", "NaN"],
    );
    // 1e200 does not fit f32; in f64 it fits, but its kernel (≈ 1e400) does not.
    fails_naming(
        ntk(&weights, &hp, "f32"),
        &["huge.npy", "row 0", "overflows", "F32"],
    );
    fails_naming(
        ntk(&weights, &hp, "f64"),
        &["huge.npy", "non-finite entry K[0, 0]"],
    );
    assert!(!out.exists(), "a failed command left a kernel");
    let gradient = dir.join("g.safetensors");
    let kare_at = |z: &str, x: &Path| {
        kare(&[
            "kare",
            "--weights",
            s(&weights),
            "--inputs",
            s(x),
            "--targets",
            s(&dir.join("y.npy")),
            "--out",
            s(&gradient),
            &format!("--z={z}"),
        ])
    };
    fails_naming(
        kare_at("1e300", &xp),
        &["x.npy", "KARE at z = 1e300", "NaN"],
    );
    fails_naming(kare_at("-1", &xp), &["--z", "positive finite", "-1"]);
    fails_naming(kare_at("NaN", &xp), &["--z", "NaN"]);
    fails_naming(kare_at("0.1", &hp), &["huge.npy"]);
    assert!(!gradient.exists(), "a failed command left a gradient");
    // The same commands on sound input still succeed.
    kare_ok(&[
        "ntk",
        "--weights",
        s(&weights),
        "--inputs",
        s(&xp),
        "--out",
        s(&out),
    ]);
    let run = kare_at("0.1", &xp);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

/// Output into a pipe that is already closed (`kare datasets list | head -0`) ends `kare` by
/// SIGPIPE, as other Unix tools end, not by a panic in `println!`.
#[test]
fn a_closed_stdout_ends_kare_quietly() {
    let registry = concat!(env!("CARGO_MANIFEST_DIR"), "/../../datasets.toml");
    let mut child = Command::new(env!("CARGO_BIN_EXE_kare"))
        .args(["datasets", "list", "--registry", registry])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(out.status.code(), Some(101), "{stderr}");
}
