//! Criterion benchmarks live in `benches/`; `report` turns a saved criterion baseline into the
//! tables of BENCHMARKS.md (the `bench-report` binary).

pub mod report;
