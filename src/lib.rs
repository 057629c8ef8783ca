//! ecsim: a discrete-event simulator of Amazon ECS clusters.

pub mod billing;
pub mod catalog;
pub mod cli;
pub mod engine;
pub mod error;
pub mod faults;
pub mod fuzzing;
pub mod import;
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
