#!/usr/bin/env bash
# The criterion benchmarks against a committed baseline (benchmarks/baseline).
#
#   scripts/bench.sh save    run the benchmarks, save them as criterion's baseline `main`, copy
#                            that baseline and a description of this machine into
#                            benchmarks/baseline, and regenerate BENCHMARKS.md from them
#   scripts/bench.sh check   restore the committed baseline into criterion's folder, run the
#                            benchmarks against it, and fail when criterion reports a regression
#                            beyond its noise threshold (NOISE, default 0.05 = 5 %)
#
# Extra arguments go to criterion (a benchmark filter such as `kare_step`, `--quick`, …).
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO=${CARGO:-cargo}
TARGET=${CARGO_TARGET_DIR:-target}
CRITERION="$TARGET/criterion"
STORE=benchmarks/baseline
NOISE=${NOISE:-0.05}
BASELINE=main

# The CPU model, its vector instruction sets, the cores and the compiler.
machine() {
    local model flags isa
    model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
    flags=$(sed -n 's/^flags[[:space:]]*: //p' /proc/cpuinfo | head -1)
    isa=$(for f in avx512f avx512vl avx2 fma; do
        if [[ " $flags " == *" $f "* ]]; then echo "$f"; fi
    done | paste -sd, -)
    echo "- CPU: ${model:-unknown} (instruction sets: ${isa:-none of avx2, avx512f})"
    echo "- cores: $(nproc); memory: $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
    echo "- compiler: $(rustc --version)"
    echo "- measured: $(date -u +%Y-%m-%d) with \`make bench\` (criterion, release profile)"
}

case "${1:-}" in
save)
    shift
    "$CARGO" bench -p kare-benchmarks --bench core -- --save-baseline "$BASELINE" "$@"
    rm -rf "$STORE/criterion"
    mkdir -p "$STORE/criterion"
    (cd "$CRITERION" && find . -type d -name "$BASELINE" -print0 |
        xargs -0 -I{} cp -r --parents {} "$OLDPWD/$STORE/criterion/")
    machine > "$STORE/machine.txt"
    "$CARGO" run --release -q -p kare-benchmarks --bin bench-report
    ;;
check)
    shift
    [ -d "$STORE/criterion" ] || { echo "error: no committed baseline in $STORE: run \`make bench\`" >&2; exit 1; }
    here=$(machine | sed -n 1p)
    saved=$(head -1 "$STORE/machine.txt")
    if [ "$here" != "$saved" ]; then
        echo "warning: the baseline was measured on another CPU; a difference may be the machine's" >&2
        echo "  baseline: $saved" >&2
        echo "  here:     $here" >&2
    fi
    mkdir -p "$CRITERION"
    cp -r "$STORE/criterion/." "$CRITERION/"
    log="$TARGET/bench-check.log"
    "$CARGO" bench -p kare-benchmarks --bench core -- --baseline "$BASELINE" \
        --noise-threshold "$NOISE" "$@" 2>&1 | tee "$log"
    if grep -q "Performance has regressed" "$log"; then
        echo "bench-check: regressions beyond the noise threshold ($NOISE):" >&2
        awk '/^[a-z_0-9]+\/[^ ]* +time:/ { name = $1 } /Performance has regressed/ { print "  " name }' \
            "$log" >&2
        exit 1
    fi
    echo "bench-check: no regression beyond the noise threshold ($NOISE) against $STORE"
    ;;
*)
    echo "usage: scripts/bench.sh save|check [criterion arguments]" >&2
    exit 2
    ;;
esac
