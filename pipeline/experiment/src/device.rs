//! The device a run's networks compute on (`kare run --device cpu|cuda`).
//!
//! On the CPU the core library takes its faer path; on a CUDA GPU, its device-generic candle
//! path (`kare_ntk::Backend`). The two round differently, so the device is part of a cell's
//! key — a CPU cell's key leaves it out, and is the key it had before devices could be chosen.

use std::fmt;
use std::str::FromStr;

use candle_core::Device;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Where the networks of a run compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ComputeDevice {
    /// The CPU (the faer path). The default.
    #[default]
    Cpu,
    /// The first CUDA GPU (the candle path); needs a build with the `cuda` feature.
    Cuda,
}

impl ComputeDevice {
    /// Whether this is the CPU (the cell keys leave the CPU out).
    pub fn is_cpu(&self) -> bool {
        *self == Self::Cpu
    }

    /// The name `--device` takes.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Cpu => "cpu",
            Self::Cuda => "cuda",
        }
    }

    /// The candle device, or an error saying why it cannot be used: a build without the
    /// `cuda` feature, or no GPU (or driver) to open.
    pub fn open(&self) -> Result<Device> {
        match self {
            Self::Cpu => Ok(Device::Cpu),
            Self::Cuda => Device::new_cuda(0).map_err(|e| Error::Device {
                device: self.name().into(),
                message: match e {
                    candle_core::Error::NotCompiledWithCudaSupport => {
                        "this build of kare has no CUDA support; rebuild it with \
                         `cargo build --release -p kare --features cuda` (needs the CUDA \
                         toolkit), or run with `--device cpu`"
                            .into()
                    }
                    other => format!("no CUDA GPU could be opened: {other}"),
                },
            }),
        }
    }
}

impl fmt::Display for ComputeDevice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ComputeDevice {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "cpu" => Ok(Self::Cpu),
            "cuda" => Ok(Self::Cuda),
            other => Err(format!(
                "unknown device `{other}`: expected `cpu` or `cuda`"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back() {
        for d in [ComputeDevice::Cpu, ComputeDevice::Cuda] {
            assert_eq!(d.name().parse::<ComputeDevice>(), Ok(d));
        }
        let err = "gpu".parse::<ComputeDevice>().unwrap_err();
        assert!(err.contains("`gpu`") && err.contains("`cuda`"), "{err}");
    }

    /// Without the `cuda` feature, asking for the GPU says how to get a build that has it.
    #[cfg(not(feature = "cuda"))]
    #[test]
    fn cuda_without_the_feature_says_how_to_build_it() {
        let err = ComputeDevice::Cuda.open().unwrap_err().to_string();
        assert!(
            err.starts_with("--device cuda: this build of kare has no CUDA support"),
            "{err}"
        );
        assert!(err.contains("--features cuda"), "{err}");
        assert!(ComputeDevice::Cpu.open().unwrap().is_cpu());
    }
}
