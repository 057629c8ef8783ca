//! `ecsim report RESULTS_DIR`: one self-contained report.html (inline SVG
//! charts drawn by plotters, inline CSS, no scripts, nothing fetched) for a
//! run or a sweep, and with `--png` every chart as report/<chart>.png.

pub mod chart;
mod costview;
mod heat;
mod overview;
mod page;
mod placement;
mod run;
mod scaling;
mod sweep;
mod table;
mod tasks;

use super::write_atomic;
use crate::error::{Error, InputError, Result};
use std::path::{Path, PathBuf};

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
    let html = page::render(&page).map_err(Error::Internal)?;
    let target = dir.join("report.html");
    write_atomic(&target, html.as_bytes())?;
    let charts: Vec<String> = page.charts().map(|c| c.id.clone()).collect();
    let mut pngs = Vec::new();
    if png {
        let out = dir.join("report");
        std::fs::create_dir_all(&out)
            .map_err(|e| Error::io(format!("cannot create {}", out.display()), e))?;
        for c in page.charts() {
            let bytes = chart::to_png(c).map_err(Error::Internal)?;
            let file = out.join(format!("{}.png", c.id));
            write_atomic(&file, &bytes)?;
            pngs.push(file);
        }
    }
    Ok(Written {
        html: target,
        charts,
        pngs,
    })
}
