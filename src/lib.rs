//! ecsim: a discrete-event simulator of Amazon ECS clusters.
//!
//! The modules stand on floors; a module uses only its own floor and those
//! below it (`tests/layers.rs` checks this):
//!
//! 1. `engine` (clock, events, RNG streams, distributions), with the leaf
//!    utilities `error`, `input` (reading input files), `progress`, `table`
//!    (CSV/Parquet writers): no ECS knowledge.
//! 2. `scaling` → `model` → `placement`, `faults`: cluster state, demand
//!    and auto scaling, placement, the faults that can strike.
//! 3. `pricelist` → `catalog` → `billing`: AWS offer files, instance types
//!    and Fargate sizes, prices and the bill.
//! 4. `scenario`: TOML/JSON input, validated into a model.
//! 5. `sim` (lifecycle and the service scheduler) and `import` (AWS CLI
//!    outputs into a scenario).
//! 6. `report` (outputs of a run: CSV/JSON, summary, HTML), then `run`
//!    (one scenario into a results folder), then `sweep` (many runs, plans).
//! 7. `cli`, and `fuzzing` (the fuzz harnesses): the command line.

pub mod billing;
pub mod catalog;
// Hidden, not private: src/main.rs, tests/docs.rs (the flags the docs name)
// and python/ call it; it is not a library API.
#[doc(hidden)]
pub mod cli;
pub mod engine;
pub mod error;
pub mod faults;
// Hidden, not private: fuzz/ and tests/fuzz_corpus.rs run these harnesses.
#[doc(hidden)]
pub mod fuzzing;
pub mod import;
pub mod input;
pub mod model;
pub mod placement;
pub mod pricelist;
pub mod progress;
pub mod report;
pub mod run;
pub mod scaling;
pub mod scenario;
pub mod sim;
pub mod sweep;
pub mod table;
