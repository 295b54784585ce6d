#!/usr/bin/env bash
# Compile (never run) the `cuda` feature of kare-ntk on a machine without a GPU.
#
# The CUDA toolkit comes from PyPI: NVIDIA's CUDA 13 wheels put a full toolkit
# (bin/nvcc, nvvm/bin/cicc, include/, lib/) into one folder, site-packages/nvidia/cu13.
# The cu12 wheels (12.4 ... 12.9) do NOT ship nvcc (only ptxas), so they can't be used.
# 13.4 is the newest CUDA that cudarc 0.19.10 knows (newer nvcc would make its build
# script panic with "Unsupported cuda toolkit version").
#
# Usage:  check-cuda.sh [cargo target args...]      (default: -p kare-ntk)
#   e.g.  check-cuda.sh                      # the library: runs nvcc on all candle kernels
#         check-cuda.sh -p kare-ntk --tests  # also links the test binaries (against stubs)
# Env (all optional):
#   PROJECT_DIR        workspace to build       (default: git top level of $PWD)
#   CARGO_TARGET_DIR   separate target dir      (default: /var/tmp/kare-cuda-target)
#   CUDA_VENV          venv holding the wheels  (default: /opt/cuda-venv)
#   CUDA_COMPUTE_CAP   GPU arch for nvcc        (default: 80, i.e. sm_80; no nvidia-smi here)
#   CUDA_PROFILE       release | dev            (default: release, the project's test profile)
#   INSTALL_ONLY=1     install the toolkit and stubs, then stop
set -euo pipefail

CUDA_VENV=${CUDA_VENV:-/opt/cuda-venv}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/tmp/kare-cuda-target}
export CUDA_COMPUTE_CAP=${CUDA_COMPUTE_CAP:-80}
CUDA_PROFILE=${CUDA_PROFILE:-release}
PROJECT_DIR=${PROJECT_DIR:-$(git rev-parse --show-toplevel 2>/dev/null || pwd)}
if [ $# -eq 0 ]; then set -- -p kare-ntk; fi

CUDA_MM=13.4
PKGS=(
  nvidia-cuda-nvcc==13.4.92     # nvcc, ptxas, fatbinary, nvlink, cudafe++
  nvidia-nvvm==13.4.92          # nvvm/bin/cicc, libdevice
  nvidia-cuda-crt==13.4.92      # include/crt/*
  nvidia-cuda-runtime==13.4.92  # cuda_runtime.h, cuda_fp16/bf16/fp8.h, cuda.h, libcudart.so.13
  nvidia-cuda-cccl==13.3.5.0.6  # include/cccl (nv/target, cuda/std, cub, thrust); no 13.4.* exists
)

log() { printf '[check-cuda] %s\n' "$*" >&2; }

# ---- 1. toolkit (idempotent) -------------------------------------------------
find_root() {
  local sp
  sp=$("$CUDA_VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' 2>/dev/null) || return 1
  printf '%s/nvidia/cu13' "$sp"
}
toolkit_ok() {
  local r
  r=$(find_root) || return 1
  [ -x "$r/bin/nvcc" ] && [ -x "$r/nvvm/bin/cicc" ] && [ -f "$r/include/cuda_fp8.h" ] \
    && [ -f "$r/include/cccl/nv/target" ] && [ -f "$r/include/crt/host_config.h" ] \
    && "$r/bin/nvcc" --version 2>/dev/null | grep -q "release $CUDA_MM,"
}
if toolkit_ok; then
  log "CUDA $CUDA_MM toolkit already in $CUDA_VENV"
else
  t0=$(date +%s)
  [ -x "$CUDA_VENV/bin/pip" ] || python3 -m venv "$CUDA_VENV"
  nice -n 19 "$CUDA_VENV/bin/pip" install --quiet --disable-pip-version-check --no-cache-dir "${PKGS[@]}"
  toolkit_ok || { log "toolkit install incomplete in $CUDA_VENV"; exit 1; }
  log "installed CUDA $CUDA_MM wheels in $(( $(date +%s) - t0 ))s (~127 MB download)"
fi
CUDA_ROOT_DIR=$(find_root)

# ---- 2. link stubs -------------------------------------------------------------
# candle-core turns on cudarc's `dynamic-linking`, so any binary (tests, benches, bins)
# links -lcuda -lnvrtc -lcurand -lcublas -lcublasLt, and candle-kernels adds -lcudart.
# The wheels have libcudart.so.13 only; libcuda is the driver (no wheel has it) and
# nvrtc/curand/cublas(+Lt) would be ~700 MB of wheels. Link-only stub libraries go in
# <root>/lib/stubs, which cudarc's build script adds to the link path -- but only if
# the folder exists when that build script runs, hence it is made before any build.
STUBS=$CUDA_ROOT_DIR/lib/stubs
mkdir -p "$STUBS"
ln -sfn ../libcudart.so.13 "$STUBS/libcudart.so"
ln -sfn libcudart.so.13 "$CUDA_ROOT_DIR/lib/libcudart.so"

make_stubs() {  # from the CUDA symbols the compiled rlibs import
  local deps=$1 syms
  syms=$(mktemp)
  for r in "$deps"/libcudarc-*.rlib "$deps"/libcandle_*.rlib; do
    [ -f "$r" ] && nm -u --format=just-symbols "$r" 2>/dev/null || true
  done | grep -E '^(cu[A-Z]|nvrtc|curand|cublas)' | sort -u > "$syms" || true
  if [ ! -s "$syms" ]; then rm -f "$syms"; log "no CUDA symbols found in $deps; stubs not made"; return 0; fi
  one() {  # lib soname regex
    local c; c=$(mktemp --suffix=.c)
    grep -E "$3" "$syms" | awk '{print "void " $1 "(void) {}"}' > "$c" || true
    gcc -shared -fPIC -o "$STUBS/lib$1.so" -Wl,-soname,"$2" "$c"
    rm -f "$c"
  }
  one cuda     libcuda.so.1      '^cu[A-Z]'
  one nvrtc    libnvrtc.so.13    '^nvrtc'
  one curand   libcurand.so.10   '^curand'
  one cublasLt libcublasLt.so.13 '^cublasLt'
  one cublas   libcublas.so.13   '^cublas([^L]|L[^t]|$)'
  log "link stubs for $(wc -l < "$syms") CUDA symbols in $STUBS"
  rm -f "$syms"
}

# ---- 3. environment ------------------------------------------------------------
export PATH=$CUDA_ROOT_DIR/bin:$PATH   # cudaforge (candle-kernels) and cudarc run `nvcc` from PATH
export CUDA_HOME=$CUDA_ROOT_DIR        # cudarc: link search paths <root>/lib, <root>/lib/stubs
export CUDA_PATH=$CUDA_ROOT_DIR
log "CUDA_HOME=$CUDA_HOME CUDA_COMPUTE_CAP=$CUDA_COMPUTE_CAP CARGO_TARGET_DIR=$CARGO_TARGET_DIR"
if [ "${INSTALL_ONLY:-0}" = 1 ]; then exit 0; fi

# ---- 4. build ------------------------------------------------------------------
case $CUDA_PROFILE in
  release) PROFILE_ARGS=(--release); PROFILE_DIR=release ;;
  dev)     PROFILE_ARGS=();          PROFILE_DIR=debug ;;
  *) log "CUDA_PROFILE must be release or dev"; exit 2 ;;
esac
cd "$PROJECT_DIR"
build() {
  log "cargo build ${PROFILE_ARGS[*]} --features kare-ntk/cuda $*"
  local t0=$(date +%s)
  nice -n 19 cargo build "${PROFILE_ARGS[@]}" --features kare-ntk/cuda "$@"
  log "took $(( $(date +%s) - t0 ))s"
}
# The library first: this runs nvcc on every candle kernel (the slow part, ~17 min cold
# on 2 niced cores) and links nothing, so it needs no stubs.
build -p kare-ntk
make_stubs "$CARGO_TARGET_DIR/$PROFILE_DIR/deps"
if [ "$*" != "-p kare-ntk" ]; then
  build "$@"
fi
log "OK: the cuda feature compiles (CUDA $CUDA_MM, sm_$CUDA_COMPUTE_CAP)"
