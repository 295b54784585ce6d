#!/usr/bin/env python3
"""Write pipeline/data/tests/fixtures/numpy-legacy/other_seeds.json with numpy's legacy generator.

The Rust port of numpy's legacy global generator (`pipeline/data/src/numpy_legacy.rs`) is
checked bit for bit against these draws. Each case starts from `np.random.seed(seed)`.
Floats are stored as `repr` strings (shortest round-trip form; Rust's `str::parse::<f64>`
reads them back exactly), integers as JSON integers.

Usage: python3 scripts/numpy-legacy-fixtures.py [OUT]   (needs numpy 1.x, e.g. 1.26.4)
"""

import json
import sys
from pathlib import Path

import numpy as np

SEEDS = [3, 42, 12345, 2**31 - 1, 2**32 - 1]

# randint(0, high) with the default int64 dtype goes through random_bounded_uint64_fill
# with the masked method; with low = 0 it draws exactly what random_interval(high - 1) does.
# high - 1 > 2**32 - 1 takes the 64-bit branch (next_uint64 & mask, rejection).
RANDINT_HIGHS = [1000, 2**40, 5 * 2**32 + 7]


def floats(a):
    return [repr(float(v)) for v in np.asarray(a).ravel()]


def ints(a):
    return [int(v) for v in np.asarray(a).ravel()]


def case(seed):
    out = {"seed": seed}
    np.random.seed(seed)
    out["random_sample_5"] = floats(np.random.random_sample(5))
    np.random.seed(seed)
    out["randn_7"] = floats(np.random.randn(7))
    np.random.seed(seed)
    out["permutation_50"] = ints(np.random.permutation(50))
    np.random.seed(seed)
    out["choice_70000_20"] = ints(np.random.choice(70000, 20, replace=False))
    out["randint"] = []
    for high in RANDINT_HIGHS:
        np.random.seed(seed)
        out["randint"].append({"high": high, "values": ints(np.random.randint(0, high, size=4))})
    return out


def main():
    if not np.__version__.startswith("1."):
        sys.exit(f"numpy 1.x expected for the legacy stream reference, found {np.__version__}")
    default = Path(__file__).resolve().parent.parent / "pipeline/data/tests/fixtures/numpy-legacy/other_seeds.json"
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    doc = {
        "numpy_version": np.__version__,
        "generator": "np.random.seed(seed) (legacy RandomState, MT19937 init_genrand)",
        "cases": [case(s) for s in SEEDS],
    }
    path.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
