//! What the many-run commands print when they finish.

use super::plan::{self, PlanResult};
use super::spec::Sweep;
use super::{Done, table};
use std::fmt::Write;

/// What `ecsim sweep` prints when done.
pub fn sweep(sw: &Sweep, done: &Done) -> String {
    let mut out = String::new();
    let m = &done.manifest;
    let shard = m
        .shard
        .map(|s| {
            format!(
                " (shard {}/{}: {} runs)",
                s.index,
                s.count,
                done.records.len()
            )
        })
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{}: {} points × {} replications = {} runs{shard}; ran {}, {} already done; {} threads",
        m.sweep,
        m.points.len(),
        m.replications,
        m.runs_total,
        done.ran,
        done.resumed,
        done.threads
    );
    if m.shard.is_none() {
        for (i, p) in sw.points.iter().enumerate().take(20) {
            let costs: Vec<f64> = done
                .records
                .iter()
                .filter(|r| r.point as usize == i)
                .filter_map(|r| r.summary.get("total_cost_usd").and_then(|v| v.as_f64()))
                .collect();
            let params: Vec<String> = p.params.iter().map(|(k, v)| format!("{k} = {v}")).collect();
            if let Some(s) = table::stats(&costs) {
                let _ = writeln!(
                    out,
                    "  point {i} ({}): total cost {:.2} USD{}",
                    params.join(", "),
                    s.mean,
                    s.ci95
                        .map(|(lo, hi)| format!(" (95% CI {lo:.2}–{hi:.2})"))
                        .unwrap_or_default()
                );
            }
        }
        if sw.points.len() > 20 {
            let _ = writeln!(
                out,
                "  … {} more points in aggregate.csv",
                sw.points.len() - 20
            );
        }
    }
    let _ = writeln!(
        out,
        "results in {}/ (runs.csv{})",
        done.out.display(),
        if m.shard.is_none() {
            ", aggregate.csv"
        } else {
            ""
        }
    );
    out
}

/// What `ecsim plan` prints when done.
pub fn plan(r: &PlanResult, done: &Done) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {} configurations × {} replications; ran {}, {} already done; {} threads",
        r.plan,
        r.configurations.len(),
        r.replications,
        done.ran,
        done.resumed,
        done.threads
    );
    let _ = writeln!(out, "targets (every replication): {}", r.targets.join(", "));
    let by_point = |p: u32| r.configurations.iter().find(|c| c.point == p);
    for (label, p) in [("cheapest", r.cheapest), ("runner-up", r.runner_up)] {
        if let Some(c) = p.and_then(by_point) {
            let _ = writeln!(
                out,
                "{label}: {} — {:.2} USD (mean of {})",
                plan::describe(&done.manifest, c),
                c.total_cost_usd_mean,
                r.replications
            );
        }
    }
    let failed: Vec<_> = r
        .configurations
        .iter()
        .filter(|c| !c.meets_targets)
        .collect();
    if !failed.is_empty() {
        let _ = writeln!(out, "did not meet the targets (cheapest first):");
        for c in failed.iter().take(20) {
            let _ = writeln!(
                out,
                "  {} — {:.2} USD: {}",
                plan::describe(&done.manifest, c),
                c.total_cost_usd_mean,
                c.why()
            );
        }
    }
    let _ = writeln!(
        out,
        "results in {}/ (plan.csv, plan.json, runs.csv, aggregate.csv)",
        done.out.display()
    );
    out
}
