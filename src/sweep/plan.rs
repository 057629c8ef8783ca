//! `ecsim plan`: the cheapest configurations whose every replication meets
//! every target.

use super::run::{Manifest, RunRecord};
use super::spec::Sweep;
use super::table;
use crate::error::InputError;
use serde::Serialize;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum Op {
    #[serde(rename = ">=")]
    AtLeast,
    #[serde(rename = "<=")]
    AtMost,
}

/// One target: a summary figure by exact flattened path
/// (`services.web.load.unserved_pct`) or by its last name (`unserved_pct`:
/// every service's), bounded from one side.
#[derive(Debug, Clone, Serialize)]
pub struct Target {
    pub figure: String,
    pub op: Op,
    pub bound: f64,
}

impl Target {
    fn matches(&self, metric: &str) -> bool {
        metric == self.figure || metric.rsplit('.').next() == Some(self.figure.as_str())
    }
    fn ok(&self, x: f64) -> bool {
        match self.op {
            Op::AtLeast => x >= self.bound,
            Op::AtMost => x <= self.bound,
        }
    }
    pub fn text(&self) -> String {
        let op = if self.op == Op::AtLeast { ">=" } else { "<=" };
        format!("{} {op} {}", self.figure, self.bound)
    }
}

const FORM: &str = "write a target as a string with its bound, e.g. availability_pct = \">= 99.9\", unserved_pct = \"<= 0.1\", provisioning_wait_p95_s = \"<= 120\"";

/// Reads `[targets]`, checking each against the figures the scenario's
/// summary has (`known`) and against what can ever be met.
pub fn targets(sweep: &Sweep, known: &[String]) -> Result<Vec<Target>, InputError> {
    let err = |p: String, m: String| InputError::new(&sweep.file, p, m);
    let Some(t) = &sweep.targets else {
        return Err(err(
            "targets".into(),
            format!("a plan needs [targets]; {FORM}"),
        ));
    };
    if t.is_empty() {
        return Err(err("targets".into(), format!("is empty; {FORM}")));
    }
    // `services.web.load.unserved_pct = "<= 0.1"` nests in TOML: a
    // target's path ends at its string.
    let mut flat = Vec::new();
    super::spec::flatten(t, "", &mut flat, &|_| false);
    let mut out = Vec::new();
    for (k, v) in &flat {
        let k = k.as_str();
        let path = format!("targets.{k}");
        let Some(s) = v.as_str() else {
            return Err(err(path, format!("got {v}; {FORM}")));
        };
        let s = s.trim();
        let (op, rest) = if let Some(r) = s.strip_prefix(">=") {
            (Op::AtLeast, r)
        } else if let Some(r) = s.strip_prefix("<=") {
            (Op::AtMost, r)
        } else {
            return Err(err(
                path,
                format!("\"{s}\" has no \">=\" or \"<=\"; {FORM}"),
            ));
        };
        let bound: f64 = rest
            .trim()
            .parse()
            .ok()
            .filter(|b: &f64| b.is_finite())
            .ok_or_else(|| {
                err(
                    path.clone(),
                    format!("\"{}\" is not a number; {FORM}", rest.trim()),
                )
            })?;
        let target = Target {
            figure: k.to_string(),
            op,
            bound,
        };
        if !known.iter().any(|m| target.matches(m)) {
            let mut leaves: Vec<&str> = known.iter().filter_map(|m| m.rsplit('.').next()).collect();
            leaves.sort_unstable();
            leaves.dedup();
            return Err(err(
                path,
                format!(
                    "\"{k}\" is no figure of this scenario's summary; use a full path such as services.web.load.unserved_pct or one of: {}",
                    leaves.join(", ")
                ),
            ));
        }
        // Every summary figure is 0 or more, and a percentage at most 100.
        let impossible = match op {
            Op::AtMost => bound < 0.0,
            Op::AtLeast => k.ends_with("_pct") && bound > 100.0,
        };
        if impossible {
            return Err(err(
                path,
                format!(
                    "\"{s}\" can never be met ({k} is never below 0 and a percentage never above 100)"
                ),
            ));
        }
        out.push(target);
    }
    Ok(out)
}

/// How one configuration fared against one target.
#[derive(Debug, Serialize)]
pub struct Check {
    pub target: String,
    /// The worst value over the replications (and, for a target by name,
    /// over every figure it names).
    pub worst: Option<f64>,
    pub runs_failed: u32,
    pub runs: u32,
}

#[derive(Debug, Serialize)]
pub struct Config {
    pub point: u32,
    pub params: serde_json::Map<String, serde_json::Value>,
    pub total_cost_usd_mean: f64,
    pub meets_targets: bool,
    pub checks: Vec<Check>,
}

impl Config {
    /// Why it failed, in words.
    pub fn why(&self) -> String {
        self.checks
            .iter()
            .filter(|c| c.runs_failed > 0)
            .map(|c| match c.worst {
                Some(w) => format!(
                    "{}: worst {} in {}/{} runs",
                    c.target, w, c.runs_failed, c.runs
                ),
                None => format!("{}: figure missing", c.target),
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

#[derive(Debug, Serialize)]
pub struct PlanResult {
    pub plan: String,
    pub targets: Vec<String>,
    pub replications: u32,
    /// The cheapest configuration meeting every target, then the runner-up.
    pub cheapest: Option<u32>,
    pub runner_up: Option<u32>,
    /// Every configuration: those meeting the targets by mean cost, then the rest by mean cost.
    pub configurations: Vec<Config>,
}

pub fn evaluate(m: &Manifest, targets: &[Target], records: &[RunRecord]) -> PlanResult {
    let mut configs: Vec<Config> = m
        .points
        .iter()
        .map(|p| {
            let runs: Vec<Vec<(String, f64)>> = records
                .iter()
                .filter(|r| r.point == p.point)
                .map(|r| table::metrics(&r.summary))
                .collect();
            let cost: Vec<f64> = runs
                .iter()
                .filter_map(|ms| ms.iter().find(|(k, _)| k == "total_cost_usd").map(|x| x.1))
                .collect();
            let checks: Vec<Check> = targets
                .iter()
                .map(|t| {
                    let mut worst: Option<f64> = None;
                    let mut failed = 0;
                    for ms in &runs {
                        let vals: Vec<f64> = ms
                            .iter()
                            .filter(|(k, _)| t.matches(k))
                            .map(|x| x.1)
                            .collect();
                        if vals.is_empty() || vals.iter().any(|&x| !t.ok(x)) {
                            failed += 1;
                        }
                        for x in vals {
                            let worse = match (worst, t.op) {
                                (None, _) => true,
                                (Some(w), Op::AtLeast) => x < w,
                                (Some(w), Op::AtMost) => x > w,
                            };
                            if worse {
                                worst = Some(x);
                            }
                        }
                    }
                    Check {
                        target: t.text(),
                        worst,
                        runs_failed: failed,
                        runs: runs.len() as u32,
                    }
                })
                .collect();
            Config {
                point: p.point,
                params: p.params.clone(),
                total_cost_usd_mean: table::stats(&cost).map_or(f64::INFINITY, |s| s.mean),
                meets_targets: !runs.is_empty() && checks.iter().all(|c| c.runs_failed == 0),
                checks,
            }
        })
        .collect();
    configs.sort_by(|a, b| {
        b.meets_targets
            .cmp(&a.meets_targets)
            .then(a.total_cost_usd_mean.total_cmp(&b.total_cost_usd_mean))
            .then(a.point.cmp(&b.point))
    });
    let ok: Vec<u32> = configs
        .iter()
        .filter(|c| c.meets_targets)
        .map(|c| c.point)
        .collect();
    PlanResult {
        plan: m.sweep.clone(),
        targets: targets.iter().map(Target::text).collect(),
        replications: m.replications,
        cheapest: ok.first().copied(),
        runner_up: ok.get(1).copied(),
        configurations: configs,
    }
}

/// `plan.csv`: one row per configuration, in the plan's order.
pub fn plan_csv(m: &Manifest, r: &PlanResult) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = vec!["rank".into(), "point".into()];
    header.extend(m.parameters.iter().map(|p| p.path.clone()));
    header.extend(["total_cost_usd_mean".into(), "meets_targets".into()]);
    header.extend(r.targets.iter().map(|t| format!("worst: {t}")));
    header.push("why_not".into());
    w.write_record(&header)?;
    let mut rank = 0;
    for c in &r.configurations {
        let mut rec = vec![
            if c.meets_targets {
                rank += 1;
                rank.to_string()
            } else {
                String::new()
            },
            c.point.to_string(),
        ];
        rec.extend(
            m.parameters
                .iter()
                .map(|p| c.params.get(&p.path).map(table::cell).unwrap_or_default()),
        );
        rec.push(format!("{}", c.total_cost_usd_mean));
        rec.push(c.meets_targets.to_string());
        rec.extend(
            c.checks
                .iter()
                .map(|k| k.worst.map(|x| format!("{x}")).unwrap_or_default()),
        );
        rec.push(c.why());
        w.write_record(&rec)?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// A configuration in words: `path = value, ...`, in the plan file's order.
pub fn describe(m: &Manifest, c: &Config) -> String {
    m.parameters
        .iter()
        .filter_map(|p| c.params.get(&p.path).map(|v| format!("{} = {v}", p.path)))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn write(dir: &Path, m: &Manifest, r: &PlanResult) -> crate::error::Result<()> {
    let csv = plan_csv(m, r).map_err(|e| crate::error::Error::Internal(e.to_string()))?;
    super::run::write_atomic(&dir.join("plan.csv"), &csv)?;
    super::run::write_json(&dir.join("plan.json"), r)
}
