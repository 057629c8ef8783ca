//! `ecsim report RESULTS_DIR`: one self-contained report.html (inline SVG
//! charts drawn by plotters, inline CSS, no scripts, nothing fetched) for a
//! run or a sweep, and with `--png` every chart as report/<chart>.png.

pub mod chart;
mod costview;
mod frontier;
mod heat;
mod overview;
mod page;
mod placement;
mod plan;
mod ramp;
mod run;
mod run_sections;
mod scale;
mod scaling;
mod sweep;
mod table;
mod tasks;

use super::write_atomic;
use crate::error::{Error, InputError, Result};
use std::path::{Path, PathBuf};

/// The longest chart file name: 255 bytes, less `.NAME.tmp-PID` while
/// it is written.
const MAX_FILE_NAME: usize = 255 - 20;

/// What `ecsim report` wrote.
#[derive(Debug)]
pub struct Written {
    pub html: PathBuf,
    /// Chart ids in report order (each an `<svg id=...>` in report.html).
    pub charts: Vec<String>,
    pub pngs: Vec<PathBuf>,
}

/// Writes `dir/report.html` (and with `png`, `dir/report/<chart>.png`).
pub fn write(dir: &Path, png: bool) -> Result<Written> {
    let bad = |msg: String| Error::Input(InputError::new(dir, "", msg));
    if !dir.is_dir() {
        let what = if dir.exists() {
            "not a folder"
        } else {
            "no such folder"
        };
        return Err(bad(format!(
            "{what}; give a results folder written by ecsim run or ecsim sweep"
        )));
    }
    let page = if dir.join("sweep.json").is_file() {
        sweep::build(dir)?
    } else if dir.join("summary.json").is_file() {
        run::build(dir)?
    } else {
        return Err(bad(
            "not an ecsim results folder: no summary.json (written by ecsim run) or sweep.json (written by ecsim sweep)".into(),
        ));
    };
    // Everything is drawn, and every name checked, before anything is
    // written: a chart that fails leaves the earlier report as it was, not
    // half replaced.
    let html = page::render(&page).map_err(Error::Internal)?;
    let target = dir.join("report.html");
    let charts: Vec<String> = page.charts().map(|c| c.id.clone()).collect();
    let out = dir.join("report");
    let mut drawn = Vec::new();
    if png {
        for c in page.charts() {
            let name = format!("{}.png", c.id);
            if name.len() > MAX_FILE_NAME {
                return Err(Error::Internal(format!(
                    "chart file name of {} bytes (at most {MAX_FILE_NAME})",
                    name.len()
                )));
            }
            drawn.push((out.join(name), chart::to_png(c).map_err(Error::Internal)?));
        }
        std::fs::create_dir_all(&out)
            .map_err(|e| Error::io(format!("cannot create {}", out.display()), e))?;
    }
    let mut pngs = Vec::new();
    for (file, bytes) in drawn {
        write_atomic(&file, &bytes)?;
        pngs.push(file);
    }
    // Last: a report.html newer than the charts means they were all written.
    write_atomic(&target, html.as_bytes())?;
    Ok(Written {
        html: target,
        charts,
        pngs,
    })
}
