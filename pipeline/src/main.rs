//! The `kare` command.

use std::path::PathBuf;
use std::process::ExitCode;

use candle_core::DType;
use clap::{Parser, Subcommand, ValueEnum};
use kare_pipeline::inspect;

/// NTK and KARE tools for fully connected GELU networks (arXiv 2505.11347).
#[derive(Parser)]
#[command(name = "kare", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The precision of the network; kernels, KARE and solves are f64 either way.
#[derive(Clone, Copy, ValueEnum)]
enum Precision {
    F32,
    F64,
}

impl From<Precision> for DType {
    fn from(p: Precision) -> Self {
        match p {
            Precision::F32 => DType::F32,
            Precision::F64 => DType::F64,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Write the empirical NTK K(X, X), or K(X*, X) with --test, of a saved MLP as .npy (f64).
    Ntk {
        /// Parameters as safetensors: layers.{i}.weight [out, in] and layers.{i}.bias [out].
        #[arg(long)]
        weights: PathBuf,
        /// Training inputs X, n×d, .npy (f32 or f64, C order).
        #[arg(long)]
        inputs: PathBuf,
        /// Test inputs X*, m×d: write the m×n cross kernel K(X*, X) instead.
        #[arg(long)]
        test: Option<PathBuf>,
        /// Output .npy file.
        #[arg(long)]
        out: PathBuf,
        /// Network precision (default: that of the weights file).
        #[arg(long, value_enum)]
        dtype: Option<Precision>,
    },
    /// Print KARE of a saved MLP's NTK and write ∂KARE/∂θ under the weights' tensor names.
    Kare {
        /// Parameters as safetensors (as for `kare ntk`).
        #[arg(long)]
        weights: PathBuf,
        /// Training inputs X, n×d, .npy.
        #[arg(long)]
        inputs: PathBuf,
        /// Targets Y, n×c (or a 1-D array of n for c = 1), .npy.
        #[arg(long)]
        targets: PathBuf,
        /// Ridge z of KARE (absolute, added to K/n).
        #[arg(long, default_value_t = 0.1)]
        z: f64,
        /// Network precision (default: that of the weights file).
        #[arg(long, value_enum)]
        dtype: Option<Precision>,
        /// Output safetensors file for the gradient.
        #[arg(long)]
        out: PathBuf,
    },
}

fn run(cli: Cli) -> kare_pipeline::Result<()> {
    match cli.command {
        Command::Ntk {
            weights,
            inputs,
            test,
            out,
            dtype,
        } => {
            let mlp = inspect::load_network(&weights, dtype.map(DType::from))?;
            let (rows, cols) = inspect::write_ntk(&mlp, &inputs, test.as_deref(), &out)?;
            eprintln!("wrote {rows}×{cols} kernel to {}", out.display());
        }
        Command::Kare {
            weights,
            inputs,
            targets,
            z,
            dtype,
            out,
        } => {
            let mlp = inspect::load_network(&weights, dtype.map(DType::from))?;
            let value = inspect::write_kare_gradient(&mlp, &inputs, &targets, z, &out)?;
            println!("KARE = {value:.17e}");
            eprintln!(
                "wrote ∂KARE/∂θ ({} tensors) to {}",
                mlp.names().len(),
                out.display()
            );
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
