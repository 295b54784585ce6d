//! The fully connected GELU network of METHOD §1, its PyTorch-default initialisation, and its
//! safetensors format (`layers.{i}.weight` of shape `[out, in]`, `layers.{i}.bias` of shape `[out]`).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use candle_core::{DType, Device, Tensor, Var};
use rand::distr::{Distribution, Uniform};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::activation::GeluOps;
use crate::{Error, Result};

/// The architecture of a [`Mlp`]: `depth` hidden layers of `width` GELU units between
/// `inputs` features and `outputs` linear outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MlpShape {
    pub inputs: usize,
    pub depth: usize,
    pub width: usize,
    pub outputs: usize,
}

impl MlpShape {
    /// The `[out, in]` shapes of the `depth + 1` weight matrices, input layer first.
    fn layer_dims(&self) -> Vec<(usize, usize)> {
        let mut dims = Vec::with_capacity(self.depth + 1);
        let mut fan_in = self.inputs;
        for _ in 0..self.depth {
            dims.push((self.width, fan_in));
            fan_in = self.width;
        }
        dims.push((self.outputs, fan_in));
        dims
    }
}

/// One affine layer `h ↦ h Wᵀ + b`; `weight` is `[out, in]`, `bias` is `[out]`.
#[derive(Debug, Clone)]
pub struct Linear {
    pub weight: Var,
    pub bias: Var,
}

/// A fully connected network: hidden layers `h ↦ GELU(h Wᵀ + b)` and a linear output layer.
///
/// Layer `i` is stored as `layers.{i}.weight` / `layers.{i}.bias`, `i = 0` being the first hidden
/// layer and `i = depth` the output layer, so a PyTorch `ModuleList`/`Sequential` of `Linear`
/// layers named `layers` loads as is. Hidden widths may differ between layers when loaded from a file.
#[derive(Debug, Clone)]
pub struct Mlp {
    layers: Vec<Linear>,
}

impl Mlp {
    /// A freshly initialised network, PyTorch's default: every `W` and `b` of a layer with
    /// `fan_in` inputs drawn from `U(−1/√fan_in, 1/√fan_in)`.
    ///
    /// The draws come from a ChaCha8 stream seeded by `seed` (candle's own RNG cannot be seeded),
    /// layer by layer, weight (row-major) before bias, in f64 and then rounded to `dtype`, so the
    /// same seed gives the same network in f32 and f64 and on every machine.
    pub fn new(shape: &MlpShape, seed: u64, dtype: DType, device: &Device) -> Result<Self> {
        Self::nth(shape, seed, 0, dtype, device)
    }

    /// The network of draw `draw` (0 is [`Mlp::new`]'s) of the stream seeded by `seed`: the
    /// networks that consecutive constructions would give after seeding once, as when a
    /// script seeds its framework and then builds two models.
    pub fn nth(
        shape: &MlpShape,
        seed: u64,
        draw: usize,
        dtype: DType,
        device: &Device,
    ) -> Result<Self> {
        if shape.inputs == 0 || shape.outputs == 0 || (shape.depth > 0 && shape.width == 0) {
            crate::bail_param!("every layer needs at least one unit, got {shape:?}");
        }
        check_float(dtype)?;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        for _ in 0..draw {
            Self::draw(shape, &mut rng, dtype, device)?;
        }
        Self::draw(shape, &mut rng, dtype, device)
    }

    /// One network from `rng`, layer by layer, weight (row-major) before bias.
    fn draw(shape: &MlpShape, rng: &mut ChaCha8Rng, dtype: DType, device: &Device) -> Result<Self> {
        let mut layers = Vec::with_capacity(shape.depth + 1);
        for (out, fan_in) in shape.layer_dims() {
            let bound = 1.0 / (fan_in as f64).sqrt();
            let uniform = Uniform::new(-bound, bound)
                .map_err(|e| Error::InvalidParameter(format!("init bound {bound}: {e}")))?;
            let mut draw =
                |len: usize| -> Vec<f64> { (0..len).map(|_| uniform.sample(&mut *rng)).collect() };
            let weight =
                Tensor::from_vec(draw(out * fan_in), (out, fan_in), device)?.to_dtype(dtype)?;
            let bias = Tensor::from_vec(draw(out), out, device)?.to_dtype(dtype)?;
            layers.push(Linear {
                weight: Var::from_tensor(&weight)?,
                bias: Var::from_tensor(&bias)?,
            });
        }
        Ok(Self { layers })
    }

    /// Builds a network from named tensors (`layers.{i}.weight`, `layers.{i}.bias`), checking names
    /// and shapes; `dtype` converts every tensor (default: the dtype of `layers.0.weight`).
    ///
    /// A missing or unexpected name, a wrong rank, or a shape that does not chain with the
    /// previous layer is an [`Error::Weights`] naming the offending tensor.
    pub fn from_tensors(tensors: HashMap<String, Tensor>, dtype: Option<DType>) -> Result<Self> {
        let mut by_layer: BTreeMap<usize, (Option<Tensor>, Option<Tensor>)> = BTreeMap::new();
        for (name, tensor) in tensors {
            let parsed = name
                .strip_prefix("layers.")
                .and_then(|rest| rest.split_once('.'))
                .and_then(|(i, kind)| Some((i.parse::<usize>().ok()?, kind)));
            let entry = match parsed {
                Some((i, "weight")) => &mut by_layer.entry(i).or_default().0,
                Some((i, "bias")) => &mut by_layer.entry(i).or_default().1,
                _ => {
                    return Err(Error::Weights(format!(
                        "unexpected tensor `{name}`: expected only `layers.{{i}}.weight` and `layers.{{i}}.bias`"
                    )))
                }
            };
            *entry = Some(tensor);
        }
        if by_layer.is_empty() {
            return Err(Error::Weights(
                "no `layers.{i}.weight` tensors found".into(),
            ));
        }
        let first = by_layer
            .values()
            .find_map(|(w, _)| w.as_ref())
            .map(|w| w.dtype());
        let dtype = dtype.or(first).unwrap_or(DType::F32);
        let dtype = if check_float(dtype).is_ok() {
            dtype
        } else {
            DType::F32
        };
        let mut layers = Vec::with_capacity(by_layer.len());
        let mut fan_in: Option<usize> = None;
        for (expected, (i, (weight, bias))) in by_layer.into_iter().enumerate() {
            if i != expected {
                return Err(Error::Weights(format!(
                    "`layers.{expected}.weight` is missing (found layer {i})"
                )));
            }
            let weight =
                weight.ok_or_else(|| Error::Weights(format!("`layers.{i}.weight` is missing")))?;
            let bias =
                bias.ok_or_else(|| Error::Weights(format!("`layers.{i}.bias` is missing")))?;
            let &[out, inp] = weight.dims() else {
                return Err(Error::Weights(format!(
                    "`layers.{i}.weight` has shape {:?}, expected [out, in]",
                    weight.dims()
                )));
            };
            if let Some(prev_out) = fan_in {
                if inp != prev_out {
                    return Err(Error::Weights(format!(
                        "`layers.{i}.weight` has shape [{out}, {inp}] but layer {} outputs {prev_out} features: expected [_, {prev_out}]",
                        i - 1
                    )));
                }
            }
            if bias.dims() != [out] {
                return Err(Error::Weights(format!(
                    "`layers.{i}.bias` has shape {:?}, expected [{out}] to match `layers.{i}.weight`",
                    bias.dims()
                )));
            }
            fan_in = Some(out);
            // `detach` first: `Var::from_tensor` of a tensor that already is a variable would
            // share its storage, and training the new network would change the old one.
            layers.push(Linear {
                weight: Var::from_tensor(&weight.to_dtype(dtype)?.detach())?,
                bias: Var::from_tensor(&bias.to_dtype(dtype)?.detach())?,
            });
        }
        Ok(Self { layers })
    }

    /// Loads a safetensors file (see [`Mlp::from_tensors`] for the checks and `dtype`).
    pub fn load(path: &Path, dtype: Option<DType>, device: &Device) -> Result<Self> {
        let tensors = candle_core::safetensors::load(path, device)
            .map_err(|e| Error::Weights(format!("{}: {e}", path.display())))?;
        Self::from_tensors(tensors, dtype).map_err(|e| match e {
            Error::Weights(msg) => Error::Weights(format!("{}: {msg}", path.display())),
            other => other,
        })
    }

    /// Saves the parameters as safetensors, atomically (a temporary file renamed into place).
    pub fn save(&self, path: &Path) -> Result<()> {
        save_named(&self.named_tensors(), path)
    }

    /// The output of the network, `n × outputs`, for inputs `x` of shape `n × inputs`.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        self.forward_with(x, GeluOps::for_device(x.device()))
    }

    /// [`Mlp::forward`] with GELU evaluated by `ops`.
    pub(crate) fn forward_with(&self, x: &Tensor, ops: GeluOps) -> Result<Tensor> {
        let (hidden, out) = self.layers.split_at(self.layers.len() - 1);
        let mut h = x.clone();
        for layer in hidden {
            h = ops.value(&layer.affine(&h)?)?;
        }
        out[0].affine(&h)
    }

    /// The layers, input layer first, output layer last.
    pub fn layers(&self) -> &[Linear] {
        &self.layers
    }

    /// Number of hidden layers.
    pub fn depth(&self) -> usize {
        self.layers.len() - 1
    }

    /// Number of input features.
    pub fn inputs(&self) -> usize {
        self.layers[0].weight.dims()[1]
    }

    /// Number of outputs `c`.
    pub fn outputs(&self) -> usize {
        self.layers[self.depth()].weight.dims()[0]
    }

    /// The precision of the parameters (and of every tensor computed from them).
    pub fn dtype(&self) -> DType {
        self.layers[0].weight.dtype()
    }

    /// The device holding the parameters.
    pub fn device(&self) -> &Device {
        self.layers[0].weight.device()
    }

    /// Total number of scalar parameters P (all weights and biases).
    pub fn num_params(&self) -> usize {
        self.layers
            .iter()
            .map(|l| l.weight.elem_count() + l.bias.elem_count())
            .sum()
    }

    /// The trainable variables in the canonical order: `layers.0.weight`, `layers.0.bias`, ...
    pub fn vars(&self) -> Vec<Var> {
        self.layers
            .iter()
            .flat_map(|l| [l.weight.clone(), l.bias.clone()])
            .collect()
    }

    /// The parameter names in the order of [`Mlp::vars`].
    pub fn names(&self) -> Vec<String> {
        (0..self.layers.len())
            .flat_map(|i| [format!("layers.{i}.weight"), format!("layers.{i}.bias")])
            .collect()
    }

    /// The parameters by name, in the order of [`Mlp::vars`].
    pub fn named_tensors(&self) -> Vec<(String, Tensor)> {
        self.names()
            .into_iter()
            .zip(self.vars().iter().map(|v| v.as_tensor().clone()))
            .collect()
    }

    /// A copy of the network in another precision (new variables; `self` is untouched).
    pub fn to_dtype(&self, dtype: DType) -> Result<Self> {
        check_float(dtype)?;
        let tensors = self.named_tensors().into_iter().collect();
        Self::from_tensors(tensors, Some(dtype))
    }
}

impl Linear {
    /// `h Wᵀ + b`.
    pub fn affine(&self, h: &Tensor) -> Result<Tensor> {
        Ok(h.matmul(&self.weight.as_tensor().t()?)?
            .broadcast_add(self.bias.as_tensor())?)
    }
}

/// Writes named tensors as a safetensors file through a temporary file and a rename, so an
/// interrupted write never leaves a truncated file under `path`.
pub fn save_named(tensors: &[(String, Tensor)], path: &Path) -> Result<()> {
    let map: HashMap<String, Tensor> = tensors.iter().cloned().collect();
    let tmp = path.with_extension("safetensors.partial");
    candle_core::safetensors::save(&map, &tmp)?;
    std::fs::rename(&tmp, path)
        .map_err(|e| Error::Weights(format!("cannot move {} into place: {e}", tmp.display())))?;
    Ok(())
}

fn check_float(dtype: DType) -> Result<()> {
    match dtype {
        DType::F32 | DType::F64 => Ok(()),
        other => crate::bail_param!("networks run in f32 or f64, not {other:?}"),
    }
}
