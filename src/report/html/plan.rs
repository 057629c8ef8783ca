//! The plan section of an `ecsim plan` folder's report: the answer and
//! every configuration with why it did or did not meet the targets.

use super::page::{Grid, Section};
use super::sweep::short;
use super::table::{Table, read_json};
use crate::error::Result;
use serde_json::Value;
use std::path::Path;

/// For an `ecsim plan` folder: its answer, and every configuration with
/// why it did or did not meet the targets (plan.json, plan.csv).
pub(super) fn plan_section(dir: &Path) -> Result<Option<Section>> {
    let (json, csv) = (dir.join("plan.json"), dir.join("plan.csv"));
    if !json.exists() || !csv.exists() {
        return Ok(None);
    }
    let plan = read_json(&json)?;
    let t = Table::read(&csv)?;
    let targets: Vec<String> = plan
        .get("targets")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let pick = |key: &str| {
        let p = plan.get(key).and_then(Value::as_u64)?;
        let pc = t.col("point")?;
        t.rows.iter().find(|r| r[pc] == p.to_string()).map(|r| {
            let cells: Vec<String> = t
                .header
                .iter()
                .zip(r)
                .skip(2)
                .take_while(|(h, _)| *h != "total_cost_usd_mean")
                .map(|(h, v)| format!("{}={v}", short(h)))
                .collect();
            format!("#{p} ({})", cells.join(", "))
        })
    };
    let answer = match (pick("cheapest"), pick("runner_up")) {
        (Some(c), Some(r)) => format!("Cheapest meeting every target: {c}; runner-up: {r}."),
        (Some(c), None) => format!("Cheapest meeting every target: {c}; no runner-up."),
        _ => "No configuration meets every target.".to_string(),
    };
    let mut sec = Section::new(
        "Plan",
        &format!(
            "Targets, met by every replication: {}. {answer} Configurations meeting the targets are ranked by mean total cost; the others say why not (plan.csv).",
            targets.join(", ")
        ),
    );
    sec.grids.push(plan_grid(&t));
    Ok(Some(sec))
}

/// plan.csv for reading: parameter paths shortened to their last part, but
/// target columns ("worst: availability_pct >= 99.9") kept whole — cut at
/// the last dot they read "9" — and costs rounded to cents.
fn plan_grid(t: &Table) -> Grid {
    let is_param = |h: &str| h.contains('.') && !h.contains(' ') && !h.contains(':');
    let header = t
        .header
        .iter()
        .map(|h| {
            if is_param(h) {
                short(h).to_string()
            } else {
                h.clone()
            }
        })
        .collect();
    let money: Vec<bool> = t
        .header
        .iter()
        .map(|h| h.contains("cost") || h.ends_with("_usd"))
        .collect();
    let rows = t
        .rows
        .iter()
        .map(|r| {
            r.iter()
                .zip(&money)
                .map(|(cell, &m)| match cell.parse::<f64>() {
                    Ok(v) if m => format!("{v:.2}"),
                    _ => cell.clone(),
                })
                .collect()
        })
        .collect();
    Grid { header, rows }
}
