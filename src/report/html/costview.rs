//! The cost view: each hour's cost stacked by service and job (with the idle
//! EC2 capacity), and by launch type and market.
//!
//! Per service it bills as ecsim's ledger does: an instance's cost (cost.csv)
//! is shared between the tasks on it by what they reserved — CPU and memory
//! weighted 9:1 per vCPU vs GB, over the instance's billed life — and the
//! rest is idle; a Fargate task's row carries its owner. Spread evenly over
//! each billed interval, hour by hour, the shares add up to summary.json's
//! cost_by_service and cost_by_job (the report says so when they do not).

use super::chart::{Chart, Series, Style};
use super::table::Table;
use super::tasks::Tasks;
use crate::error::Result;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

const HOUR: f64 = 3600.0;
/// Services and jobs stacked by name; the cheaper rest share one band.
const MAX_OWNERS: usize = 7;

pub struct CostView {
    pub by_owner: Chart,
    pub by_kind: Chart,
    /// Set when the rebuilt shares miss summary.json's figures.
    pub mismatch: Option<String>,
}

fn names(summary: &Value, key: &str) -> Vec<String> {
    summary
        .get(key)
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// `usd` spread evenly over [a, b) into hourly buckets.
fn spread(hours: &mut [f64], a: f64, b: f64, usd: f64) {
    if hours.is_empty() || usd == 0.0 {
        return;
    }
    if b <= a {
        let h = ((a / HOUR) as usize).min(hours.len() - 1);
        hours[h] += usd;
        return;
    }
    let rate = usd / (b - a);
    let first = ((a / HOUR) as usize).min(hours.len() - 1);
    let last = ((b / HOUR).ceil() as usize).clamp(first + 1, hours.len());
    let n = hours.len();
    for (h, slot) in hours.iter_mut().enumerate().take(last).skip(first) {
        let (s, e) = (h as f64 * HOUR, (h + 1) as f64 * HOUR);
        // The last hour takes what runs past the end of the series.
        let e = if h + 1 == n { f64::INFINITY } else { e };
        let s = if h == first { f64::NEG_INFINITY } else { s };
        *slot += rate * (b.min(e) - a.max(s)).max(0.0);
    }
}

#[allow(clippy::too_many_arguments)]
pub fn build(
    summary: &Value,
    cost: &Table,
    cost_ts: &Table,
    tasks: &Tasks,
    instances: &Table,
    dur: f64,
    scale: f64,
    x_label: &str,
) -> Result<CostView> {
    let n = cost_ts.rows.len().max(1);
    let (owners, idle) = owner_hours(summary, cost, tasks, instances, dur, n)?;
    let mismatch = mismatch(summary, &owners);
    let steps = Steps { scale, dur };
    Ok(CostView {
        by_owner: by_owner_chart(&owners, &idle, cost_ts, &steps, x_label)?,
        by_kind: by_kind_chart(cost_ts, &steps, x_label)?,
        mismatch,
    })
}

/// Each service's and job's cost hour by hour (Fargate tasks, and their
/// share of the EC2 instances they ran on by reserved CPU and memory), and
/// the EC2 capacity no task reserved.
#[allow(clippy::type_complexity)]
fn owner_hours(
    summary: &Value,
    cost: &Table,
    tasks: &Tasks,
    instances: &Table,
    dur: f64,
    n: usize,
) -> Result<(BTreeMap<(u8, String), Vec<f64>>, Vec<f64>)> {
    let services = names(summary, "cost_by_service");
    let jobs = names(summary, "cost_by_job");
    let mut owners: BTreeMap<(u8, String), Vec<f64>> = BTreeMap::new();
    for s in &services {
        owners.insert((0, s.clone()), vec![0.0; n]);
    }
    for j in &jobs {
        owners.insert((1, j.clone()), vec![0.0; n]);
    }
    let mut idle = vec![0.0; n];

    let (ii, icpu, imem) = (
        instances.need("instance_id")?,
        instances.need("cpu_registered")?,
        instances.need("memory_registered_mib")?,
    );
    let mut size: HashMap<&str, (f64, f64)> = HashMap::new();
    for r in 0..instances.rows.len() {
        let c = instances.num(r, icpu)?.unwrap_or(0.0);
        let m = instances.num(r, imem)?.unwrap_or(0.0);
        size.insert(instances.rows[r][ii].as_str(), (c, m));
    }
    let mut on: HashMap<&str, Vec<usize>> = HashMap::new();
    for (k, t) in tasks.rows.iter().enumerate() {
        on.entry(tasks.instances[t.instance as usize].as_str())
            .or_default()
            .push(k);
    }
    // EC2 shares by tasks.csv's owner index, merged into `owners` below.
    let mut shares = vec![vec![0.0; n]; tasks.owners.len()];

    let (kc, idc, sc, ec, uc, oc) = (
        cost.need("kind")?,
        cost.need("id")?,
        cost.need("start")?,
        cost.need("end")?,
        cost.need("usd")?,
        cost.need("owner")?,
    );
    for r in 0..cost.rows.len() {
        let row = &cost.rows[r];
        let (a, b) = (
            cost.num(r, sc)?.unwrap_or(0.0),
            cost.num(r, ec)?.unwrap_or(dur),
        );
        let usd = cost.num(r, uc)?.unwrap_or(0.0);
        match row[kc].as_str() {
            "ec2_instance" => {
                let mut rest = vec![0.0; n];
                spread(&mut rest, a, b, usd);
                let (icpu, imem) = size.get(row[idc].as_str()).copied().unwrap_or((0.0, 0.0));
                let life = b - a;
                let whole = 9.0 * icpu + imem;
                if life > 0.0 && whole > 0.0 {
                    for &k in on.get(row[idc].as_str()).map_or(&[][..], Vec::as_slice) {
                        let t = &tasks.rows[k];
                        let (p, q) = (t.placed, t.stopped.unwrap_or(dur).min(dur));
                        let w = (9.0 * t.reserved[0] + t.reserved[1]) / whole;
                        let share = usd * w * (q - p).max(0.0) / life;
                        spread(&mut shares[t.owner as usize], p, q, share);
                        spread(&mut rest, p, q, -share);
                    }
                }
                for h in 0..n {
                    idle[h] += rest[h];
                }
            }
            "FARGATE" | "FARGATE_SPOT" => {
                let o = &row[oc];
                let kind = u8::from(!services.contains(o) && jobs.contains(o));
                let slot = owners
                    .entry((kind, o.clone()))
                    .or_insert_with(|| vec![0.0; n]);
                spread(slot, a, b, usd);
            }
            _ => {}
        }
    }

    for ((job, name), hours) in tasks.owners.iter().zip(shares) {
        let slot = owners
            .entry((u8::from(*job), name.clone()))
            .or_insert_with(|| vec![0.0; n]);
        for (s, h) in slot.iter_mut().zip(hours) {
            *s += h;
        }
    }
    Ok((owners, idle))
}

/// Where the hours do not add up to summary.json's figures, to the cent.
fn mismatch(summary: &Value, owners: &BTreeMap<(u8, String), Vec<f64>>) -> Option<String> {
    let mut off = Vec::new();
    for ((kind, name), hours) in owners {
        let key = if *kind == 0 {
            "cost_by_service"
        } else {
            "cost_by_job"
        };
        let want = summary
            .get(key)
            .and_then(|m| m.get(name))
            .and_then(Value::as_f64)
            .unwrap_or(0.0);
        let got: f64 = hours.iter().sum();
        if (got - want).abs() > 0.01 {
            off.push(format!("{name}: {got:.2} vs {want:.2} USD"));
        }
    }
    (!off.is_empty()).then(|| {
        format!(
            "The cost by service over time does not add up to summary.json's cost_by_service / cost_by_job: {}.",
            off.join("; ")
        )
    })
}

/// An hourly series as steps on the chart's time scale.
struct Steps {
    scale: f64,
    dur: f64,
}

impl Steps {
    fn points(&self, v: &[f64]) -> Vec<(f64, f64)> {
        let mut pts = Vec::with_capacity(v.len() * 2);
        for (h, &y) in v.iter().enumerate() {
            pts.push((h as f64 * HOUR / self.scale, y));
            pts.push((
                ((h + 1) as f64 * HOUR).min(self.dur.max(HOUR * h as f64)) / self.scale,
                y,
            ));
        }
        pts
    }
}

/// Hourly cost stacked by service and job (the dearest by name), idle EC2
/// capacity and the costs not tied to a task.
fn by_owner_chart(
    owners: &BTreeMap<(u8, String), Vec<f64>>,
    idle: &[f64],
    cost_ts: &Table,
    steps: &Steps,
    x_label: &str,
) -> Result<Chart> {
    let n = cost_ts.rows.len().max(1);
    let mut by_owner = Chart::new(
        "cost-by-owner",
        "Hourly cost by service and job",
        x_label,
        "USD per hour",
    );
    by_owner.stacked = true;
    let mut ranked: Vec<(&(u8, String), &Vec<f64>)> = owners.iter().collect();
    // Dearest first (stable: by kind and name in ties).
    ranked.sort_by(|a, b| b.1.iter().sum::<f64>().total_cmp(&a.1.iter().sum::<f64>()));
    let mut rest = vec![0.0; n];
    let mut drawn = 0;
    for ((kind, name), hours) in ranked {
        if hours.iter().all(|&v| v == 0.0) {
            continue;
        }
        if drawn < MAX_OWNERS {
            let label = if *kind == 0 {
                name.clone()
            } else {
                format!("{name} (job)")
            };
            // Colours 7 (grey) and 9 stay for idle and the rest below.
            by_owner.series.push(Series {
                name: label,
                color: drawn,
                style: Style::Line,
                points: steps.points(hours),
            });
            drawn += 1;
        } else {
            for h in 0..n {
                rest[h] += hours[h];
            }
        }
    }
    if rest.iter().any(|&v| v != 0.0) {
        by_owner.series.push(Series {
            name: "other services and jobs".into(),
            color: 8,
            style: Style::Line,
            points: steps.points(&rest),
        });
    }
    if idle.iter().any(|&v| v.abs() > 1e-9) {
        by_owner.series.push(Series {
            name: "idle EC2 capacity".into(),
            color: 7,
            style: Style::Line,
            points: steps.points(idle),
        });
    }
    let mut extra = vec![0.0; n];
    for col in [
        "ebs_usd",
        "public_ipv4_usd",
        "load_balancer_usd",
        "savings_plan_fee_usd",
        "savings_plan_covered_usd",
        "managed_instances_fee_usd",
    ] {
        if let Some(c) = cost_ts.col(col) {
            for (h, slot) in extra.iter_mut().enumerate().take(cost_ts.rows.len()) {
                *slot += credit_sign(col) * cost_ts.num(h, c)?.unwrap_or(0.0);
            }
        }
    }
    if extra.iter().any(|&v| v != 0.0) {
        // The Managed Instances fee is an instance's, not split by task.
        let name = match cost_ts.col("managed_instances_fee_usd") {
            Some(_) => "EBS, IPv4, load balancers, Savings Plan, Managed Instances fee",
            None => "EBS, IPv4, load balancers, Savings Plan",
        };
        by_owner.series.push(Series {
            name: name.into(),
            color: 9,
            style: Style::Line,
            points: steps.points(&extra),
        });
    }
    by_owner.caption = format!(
        "Each hour's cost stacked by what it paid for: the services and jobs (the {MAX_OWNERS} dearest by name, the rest together) — their Fargate tasks and their share of the EC2 instances they ran on, by reserved CPU and memory —, the EC2 capacity no task reserved (idle), and the costs not tied to a task. Rebuilt from cost.csv, tasks.csv and instances.csv; the bands add up to summary.json's cost_by_service and cost_by_job."
    );
    Ok(by_owner)
}

/// Hourly cost stacked by launch type and market.
fn by_kind_chart(cost_ts: &Table, steps: &Steps, x_label: &str) -> Result<Chart> {
    let n = cost_ts.rows.len().max(1);
    let mut by_kind = Chart::new(
        "cost-hourly",
        "Hourly cost by launch type and market",
        x_label,
        "USD per hour",
    );
    by_kind.stacked = true;
    for (col, name) in [
        ("ec2_on_demand_usd", "EC2 on-demand"),
        ("ec2_spot_usd", "EC2 Spot"),
        ("fargate_usd", "Fargate"),
        ("fargate_spot_usd", "Fargate Spot"),
        ("ebs_usd", "EBS"),
        ("public_ipv4_usd", "public IPv4"),
        ("load_balancer_usd", "load balancers"),
        ("savings_plan_fee_usd", "Savings Plan fee"),
        ("savings_plan_covered_usd", "Savings Plan covered (credit)"),
        ("managed_instances_fee_usd", "Managed Instances fee"),
    ] {
        let Some(c) = cost_ts.col(col) else { continue };
        let mut v = vec![0.0; n];
        for (h, slot) in v.iter_mut().enumerate().take(cost_ts.rows.len()) {
            *slot = credit_sign(col) * cost_ts.num(h, c)?.unwrap_or(0.0);
        }
        if v.iter().any(|&x| x != 0.0) {
            by_kind.line(name, Style::Line, steps.points(&v));
        }
    }
    by_kind.caption = "Each hour's cost (cost_timeseries.csv) stacked by launch type and market; kinds that stay zero are left out, and the Savings Plan's covered usage is a credit below zero (the usage above it is shown as billed)."
        .into();
    Ok(by_kind)
}

/// cost_timeseries.csv keeps the Savings Plan's covered usage positive (as
/// summary.json does) and subtracts it in `total_usd`: drawn as a credit.
fn credit_sign(col: &str) -> f64 {
    if col == "savings_plan_covered_usd" {
        -1.0
    } else {
        1.0
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn spreading_keeps_the_amount() {
        let mut h = vec![0.0; 3];
        super::spread(&mut h, 1800.0, 9000.0, 2.0);
        assert!((h.iter().sum::<f64>() - 2.0).abs() < 1e-12);
        assert!((h[0] - 0.5).abs() < 1e-12 && (h[1] - 1.0).abs() < 1e-12);
        // Past the last hour: kept in the last.
        let mut h = vec![0.0; 2];
        super::spread(&mut h, 3600.0, 10_800.0, 3.0);
        assert!((h[1] - 3.0).abs() < 1e-12);
    }
}
