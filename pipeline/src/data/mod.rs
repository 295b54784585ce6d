//! Data sets declared in `datasets.toml` (placeholder until the data layer lands).
