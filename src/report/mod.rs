//! Results of a run: CSV files, `summary.json`, written atomically.

pub mod csv_out;
pub mod summary;

use crate::error::{Error, Result};
use crate::scenario::Scenario;
use crate::sim::Sim;
use std::path::{Path, PathBuf};
use std::time::Instant;
pub use summary::Summary;

/// A results folder that only appears under its real name once complete.
pub struct StagedDir {
    tmp: PathBuf,
    target: PathBuf,
    done: bool,
}

impl StagedDir {
    pub fn new(target: &Path) -> Result<Self> {
        let parent = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::io(format!("cannot create {}", parent.display()), e))?;
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "results".into());
        let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
        if tmp.exists() {
            let _ = std::fs::remove_dir_all(&tmp);
        }
        std::fs::create_dir(&tmp)
            .map_err(|e| Error::io(format!("cannot create {}", tmp.display()), e))?;
        Ok(StagedDir {
            tmp,
            target: target.to_path_buf(),
            done: false,
        })
    }

    pub fn path(&self) -> &Path {
        &self.tmp
    }

    /// Moves the finished folder into place, replacing an older result.
    pub fn commit(mut self) -> Result<PathBuf> {
        let old = self.tmp.with_file_name(format!(
            ".{}.old-{}",
            self.target
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            std::process::id()
        ));
        if self.target.exists() {
            std::fs::rename(&self.target, &old)
                .map_err(|e| Error::io(format!("cannot replace {}", self.target.display()), e))?;
        }
        std::fs::rename(&self.tmp, &self.target).map_err(|e| {
            Error::io(
                format!("cannot move results to {}", self.target.display()),
                e,
            )
        })?;
        if old.exists() {
            let _ = std::fs::remove_dir_all(&old);
        }
        self.done = true;
        Ok(self.target.clone())
    }
}

impl Drop for StagedDir {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}

fn csv_err(file: &str) -> impl Fn(csv::Error) -> Error + '_ {
    move |e| Error::Internal(format!("writing {file}: {e}"))
}

/// Runs a scenario and writes its results to `out`; returns the summary.
pub fn run_to_dir(scenario: &Scenario, seed: u64, out: &Path) -> Result<Summary> {
    let staged = StagedDir::new(out)?;
    let dir = staged.path().to_path_buf();
    let started = Instant::now();
    let mut rec = csv_out::CsvRecorder::create(&dir, &scenario.cluster, scenario.duration)
        .map_err(csv_err("tasks.csv"))?;
    let (outcome, cluster) = Sim::new(scenario, seed, &mut rec).run()?;
    rec.finish()
        .map_err(csv_err("tasks.csv / timeseries.csv"))?;
    csv_out::write_instances(&dir.join("instances.csv"), &cluster, scenario.duration)
        .map_err(csv_err("instances.csv"))?;
    let wall = started.elapsed().as_secs_f64();
    let summary = summary::build(
        &scenario.name,
        &scenario.file.display().to_string(),
        seed,
        scenario.duration,
        &outcome,
        &cluster,
        wall,
    );
    let json =
        serde_json::to_string_pretty(&summary).map_err(|e| Error::Internal(e.to_string()))?;
    std::fs::write(dir.join("summary.json"), json + "\n")
        .map_err(|e| Error::io("writing summary.json", e))?;
    staged.commit()?;
    Ok(summary)
}
