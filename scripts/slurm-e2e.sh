#!/usr/bin/env bash
# End-to-end test of the Slurm scale-out (`make test-slurm`): a tiny experiment planned as a
# job array (`kare plan --slurm`), run by Slurm (`sbatch --wait`), collected (`kare collect`),
# and compared with the same experiment run by the local runner (`kare run`) into another cache:
# the two results CSVs must agree in every column but the measured wall time (`wall_seconds`).
# Also checks that `kare collect` refuses an unfinished array, naming the missing cells, that a
# lost cell is recomputed by resubmitting part of the array (KARE_INDEX_OFFSET) while cached
# cells are skipped, and that `kare run-cell` refuses an index outside the plan.
#
#   scripts/slurm-e2e.sh [path/to/kare]     (default: $CARGO_TARGET_DIR/release/kare, else
#                                            target/release/kare)
#
# Needs a running Slurm cluster whose nodes see this machine's temporary directory (a one-node
# cluster: scripts/slurm-local.sh start). KARE_E2E_DIR sets where the temporary folder is made
# (default $TMPDIR, else /tmp; on a real cluster, a shared filesystem); KARE_E2E_KEEP=1 keeps it.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
KARE=${1:-${CARGO_TARGET_DIR:-$ROOT/target}/release/kare}
[ -x "$KARE" ] || { echo "slurm-e2e: no kare binary at $KARE (make build)" >&2; exit 1; }
KARE=$(cd "$(dirname "$KARE")" && pwd)/$(basename "$KARE")
command -v sbatch >/dev/null || { echo "slurm-e2e: sbatch not found: Slurm is not installed" >&2; exit 1; }
CPUS=1                   # --cpus-per-task of the array, and the thread count of the local run
START=$(date +%s)

WORK=$(mktemp -d "${KARE_E2E_DIR:-${TMPDIR:-/tmp}}/kare-slurm-e2e.XXXXXX")
cleanup() {
    if [ "${KARE_E2E_KEEP:-0}" = 1 ]; then echo "slurm-e2e: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
cd "$WORK"
mkdir data                # the simulation reads no files, but a data folder must exist

fail() {
    echo "slurm-e2e: FAILED: $*" >&2
    exit 1
}
step() { echo "== $*"; }

# A tiny grid in the style of experiments/figure1.toml: its quick tier (the one run here) is one
# simulation panel at 80 training points, 2 seeds, one model, 3 ridges: 6 cells.
cat > tiny.toml <<EOF
description = "Slurm end-to-end test: a tiny simulation grid"
registry = "$ROOT/datasets.toml"
z = 0.1
methods = ["ntk-kare", "after-ntk", "dnn", "initial-ntk"]
seeds = [0, 1, 2]
ridge_grid = [1e-2, 1.0, 1e2]
datasets = [
  { name = "simulation", overrides = { n_train = 60, n_test = 30, d = 5, gamma = 1.25, sigma = 0.1 } },
]

[[models]]
depth = 1
width = 16
kare = { steps = 20, lr = 10.0 }
dnn = { steps = 300, lr = 0.1 }

[quick]
seeds = [0, 1]
datasets = [
  { name = "simulation", overrides = { n_train = 80, n_test = 40, d = 5, gamma = 1.25, sigma = 0.1 } },
]

[[quick.models]]
depth = 1
width = 32
kare = { steps = 30, lr = 10.0 }
dnn = { steps = 500, lr = 0.1 }
EOF
CELLS=6

step "kare plan --slurm"
"$KARE" plan tiny.toml --quick --data data --cache slurm-cache \
    --slurm job.sbatch --cpus-per-task "$CPUS" --logs logs | tee plan.out
grep -q "^#SBATCH --array=0-$((CELLS - 1))\$" job.sbatch ||
    fail "job.sbatch has no '#SBATCH --array=0-$((CELLS - 1))': $(grep -- --array job.sbatch)"
grep -q "^#SBATCH --cpus-per-task=$CPUS\$" job.sbatch || fail "job.sbatch: wrong --cpus-per-task"
grep -qF "'$WORK/slurm-cache'" job.sbatch || fail "job.sbatch does not name the cache $WORK/slurm-cache"
grep -qF "'$KARE'" job.sbatch || fail "job.sbatch does not name the binary $KARE"
[ -d logs ] || fail "the logs folder was not created"

# `kare collect` must fail: its stderr goes to $1 (and is shown); $2 says what it lacks.
collect_must_fail() {
    if "$KARE" collect tiny.toml --quick --data data --cache slurm-cache --results slurm-results \
        2> "$1"; then
        fail "kare collect succeeded $2"
    fi
    cat "$1"
}

step "kare collect before the array ran must fail, naming the missing cells"
collect_must_fail collect-empty.err "on an empty cache"
grep -q "$CELLS of $CELLS cells are not in the cache" collect-empty.err ||
    fail "the error does not say that $CELLS of $CELLS cells are missing"
grep -q "\[0\] simulation\[.*\] d1×w32 seed 0 ntk-kare lr 10" collect-empty.err ||
    fail "the error does not name the first missing cell"
[ ! -e slurm-results ] || fail "a failed collect wrote results"

step "kare run-cell outside the plan must fail, naming the plan's size"
if "$KARE" run-cell tiny.toml --quick --data data --cache slurm-cache --index "$CELLS" \
    2> index.err; then
    fail "kare run-cell --index $CELLS succeeded"
fi
cat index.err
grep -q "no cell $CELLS: the plan has $CELLS cells" index.err || fail "the error does not name the plan's size"

step "sbatch --wait job.sbatch"
if ! timeout 900 sbatch --wait job.sbatch; then
    for log in logs/*; do echo "--- $log"; cat "$log"; done
    fail "the job array failed"
fi
for log in logs/*; do echo "--- $log"; cat "$log"; done
LOGS=$(find logs -type f | wc -l)
[ "$LOGS" -eq "$CELLS" ] || fail "$LOGS task logs, expected $CELLS"
[ "$(grep -l ': computed, ' logs/* | wc -l)" -eq "$CELLS" ] || fail "not every task computed its cell"

step "a lost record: kare collect names it, a resubmission of part of the array recomputes it"
LAST=$((CELLS - 1))
KEY=$(sed -n "s/^\[$LAST\] pending \([0-9a-f]*\) .*/\1/p" plan.out)
[ -n "$KEY" ] || fail "plan.out does not list cell $LAST"
rm slurm-cache/tiny/"$KEY"*.json
collect_must_fail collect-one.err "with cell $LAST missing"
grep -q "1 of $CELLS cells are not in the cache .*: \[$LAST\] simulation" collect-one.err ||
    fail "the error does not name the missing cell $LAST"
[ ! -e slurm-results ] || fail "a failed collect wrote results"
# Tasks 0-1 with offset LAST-1: cells LAST-1 (cached) and LAST (lost).
if ! timeout 900 sbatch --wait --array=0-1 --export=ALL,KARE_INDEX_OFFSET=$((LAST - 1)) job.sbatch; then
    for log in logs/*; do echo "--- $log"; cat "$log"; done
    fail "the resubmitted tasks failed"
fi
grep -h "cell \[$((LAST - 1))\] of $CELLS: .*: already cached" logs/* ||
    fail "the resubmitted task of cached cell $((LAST - 1)) did not skip it"
[ "$(grep -l "cell \[$LAST\] of $CELLS: .*: computed, " logs/* | wc -l)" -eq 2 ] ||
    fail "the resubmitted task did not recompute cell $LAST"

step "kare collect"
"$KARE" collect tiny.toml --quick --data data --cache slurm-cache --results slurm-results
[ -s slurm-results/tiny-quick.csv ] && [ -s slurm-results/tiny-quick.json ] ||
    fail "kare collect did not write slurm-results/tiny-quick.csv and .json"

step "kare run (local runner, $CPUS thread(s) like each array task)"
RAYON_NUM_THREADS=$CPUS "$KARE" run tiny.toml --quick --data data --cache local-cache \
    --results local-results --progress lines

step "compare the results, every column but wall_seconds"
# Drops the named columns of a CSV (fields may be quoted, with commas inside) and writes the
# others tab-separated. perl is part of every Debian system (perl-base); no CSV module is needed
# for the writer's quoting.
drop_columns() { # file column...
    perl -e '
        my ($file, @drop) = @ARGV;
        open(my $in, "<", $file) or die "$file: $!";
        sub fields { my @f; my $s = shift; chomp $s;
            while ($s =~ /\G("(?:[^"]|"")*"|[^,]*)(,|$)/g) { push @f, $1; last if $2 eq ""; }
            return @f; }
        my @header = fields(scalar <$in>);
        my %drop = map { $_ => 1 } @drop;
        for my $d (@drop) { die "$file: no column $d\n" unless grep { $_ eq $d } @header; }
        my @keep = grep { !$drop{$header[$_]} } 0 .. $#header;
        print join("\t", @header[@keep]), "\n";
        while (my $line = <$in>) { my @f = fields($line); print join("\t", @f[@keep]), "\n"; }
    ' "$@"
}
drop_columns slurm-results/tiny-quick.csv wall_seconds > slurm.cmp
drop_columns local-results/tiny-quick.csv wall_seconds > local.cmp
head -1 slurm-results/tiny-quick.csv | cmp -s - <(head -1 local-results/tiny-quick.csv) ||
    fail "the two CSVs have different columns"
ROWS=$(($(wc -l < slurm.cmp) - 1))
# Per seed: ntk-kare, after-ntk, initial-ntk × 3 ridges, dnn × 1.
[ "$ROWS" -eq $((2 * (3 * 3 + 1))) ] || fail "$ROWS result rows, expected $((2 * (3 * 3 + 1)))"
if ! diff -u local.cmp slurm.cmp > results.diff; then
    perl -e '
        my ($a, $b) = @ARGV; open(A, $a); open(B, $b);
        my $h = <A>; <B>; chomp $h; my @h = split /\t/, $h, -1;
        my %cols;
        while (defined(my $x = <A>) and defined(my $y = <B>)) {
            chomp $x; chomp $y; my @x = split /\t/, $x, -1; my @y = split /\t/, $y, -1;
            for my $i (0 .. $#x) { $cols{$h[$i] // $i}++ if ($x[$i] // "") ne ($y[$i] // ""); }
        }
        print "differing columns (rows): ", join(", ", map { "$_ ($cols{$_})" } sort keys %cols), "\n";
    ' local.cmp slurm.cmp >&2 || true
    cat results.diff >&2
    fail "the Slurm results differ from the local run (diff above: - local, + Slurm)"
fi

echo "slurm-e2e: PASSED: $CELLS cells as a Slurm job array, $ROWS rows identical to the local run" \
    "(wall_seconds aside), in $(($(date +%s) - START)) s"
