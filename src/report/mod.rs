//! Results of a run: CSV files, `summary.json`, written atomically, the
//! price estimate and the HTML report. Running is `crate::run`'s.

mod csv_line;
pub mod csv_out;
pub mod html;
pub mod price;
mod spool;
mod staged;
pub mod summary;

use crate::billing::CostSummary;
use crate::model::Cluster;
use crate::sim::Outcome;
pub use staged::{StagedDir, check_replaceable, run_record_number, write_atomic};
pub use summary::Summary;

/// Everything a finished run knows.
pub struct RunResult {
    pub outcome: Outcome,
    pub cluster: Cluster,
    pub cost: CostSummary,
    pub wall_s: f64,
}
