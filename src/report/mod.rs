//! Results of a run: CSV files, `summary.json`, written atomically, the
//! price estimate and the HTML report. Running is `crate::run`'s.

pub mod csv_out;
pub mod end_files;
pub mod headline;
pub mod html;
pub mod price;
mod staged;
pub mod summary;

use crate::billing::CostSummary;
use crate::model::Cluster;
use crate::sim::Outcome;
pub use staged::{StagedDir, check_replaceable, remove_live, run_record_number, write_atomic};
pub use summary::Summary;

/// Everything a finished run knows.
pub struct RunResult {
    pub outcome: Outcome,
    pub cluster: Cluster,
    pub cost: CostSummary,
    pub wall_s: f64,
}

/// The files a run writes besides `summary.json` (always written), by stem:
/// `run --outputs tasks,timeseries` keeps only those.
pub const OUTPUT_FILES: [&str; 9] = [
    "tasks",
    "timeseries",
    "scaling",
    "cost",
    "cost_timeseries",
    "instances",
    "refused",
    "incidents",
    "deployments",
];

/// Which of `OUTPUT_FILES` a run writes (all by default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outputs([bool; OUTPUT_FILES.len()]);

impl Default for Outputs {
    fn default() -> Self {
        Outputs([true; OUTPUT_FILES.len()])
    }
}

impl Outputs {
    /// From a comma-separated list of stems (`tasks,cost` or `tasks.csv`).
    pub fn parse(list: &str) -> Result<Outputs, String> {
        let mut o = Outputs([false; OUTPUT_FILES.len()]);
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let stem = name.strip_suffix(".csv").unwrap_or(name);
            match OUTPUT_FILES.iter().position(|f| *f == stem) {
                Some(i) => o.0[i] = true,
                None if stem == "summary" || stem == "summary.json" => {}
                None => {
                    return Err(format!(
                        "\"{name}\" is not an output; choose from {} (summary.json is always written)",
                        OUTPUT_FILES.join(", ")
                    ));
                }
            }
        }
        Ok(o)
    }

    pub fn wants(&self, stem: &str) -> bool {
        OUTPUT_FILES
            .iter()
            .position(|f| *f == stem)
            .is_some_and(|i| self.0[i])
    }
}
