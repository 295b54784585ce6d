//! The pipeline crate's integration tests, in one binary (one link of candle, polars and
//! plotters instead of three): the cache shared by concurrent processes and its verification
//! (`cache`), the `kare ntk`/`kare kare` commands (`cli`), the experiment runner
//! with its cache and resumption (`pipeline`), its Slurm job arrays (`slurm`: the script, one
//! cell per task, collecting), the report (`report`), and its Table 1 against the 179 UCI
//! classifiers (`report_uci`).

mod cache;
mod cli;
mod pipeline;
mod report;
mod report_uci;
mod slurm;
