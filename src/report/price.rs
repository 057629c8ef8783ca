//! `ecsim price`: the bill of a simulated run laid out like a pricing
//! calculator's estimate — per service and job, for the simulated period and
//! extrapolated to a month of 730 hours (AWS's convention).

use super::RunResult;
use crate::model::{CapacityChoice, Cluster};
use crate::scenario::Scenario;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

#[derive(Debug, Serialize)]
pub struct Line {
    pub item: String,
    pub kind: &'static str,
    pub capacity: String,
    pub simulated_usd: f64,
    pub monthly_usd: f64,
}

#[derive(Debug, Serialize)]
pub struct Estimate {
    pub scenario: String,
    pub region: String,
    pub price_source: String,
    pub seed: u64,
    pub simulated_hours: f64,
    /// True when `--max-wall` cut the run short: the figures cover only the
    /// simulated hours reached.
    pub partial: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partial_reason: Option<String>,
    pub lines: Vec<Line>,
    pub total_simulated_usd: f64,
    pub total_monthly_usd: f64,
    /// Charges the estimate leaves out.
    pub not_priced: Vec<&'static str>,
}

const MONTH_HOURS: f64 = 730.0;

fn capacity_label(c: &CapacityChoice, cluster: &Cluster) -> String {
    match c {
        CapacityChoice::Ec2 => "EC2".into(),
        CapacityChoice::Providers(list) => list
            .iter()
            .map(|p| match p.asg {
                Some(a) => cluster.providers[a as usize].name.as_str(),
                None => p.capacity.provider(),
            })
            .collect::<Vec<_>>()
            .join("+"),
    }
}

pub fn estimate(sc: &Scenario, seed: u64, r: &RunResult) -> Estimate {
    let hours = r.outcome.end as f64 / 3_600_000.0;
    // A run cut short at time 0 has no period to scale up.
    let scale = if hours > 0.0 {
        MONTH_HOURS / hours
    } else {
        0.0
    };
    let cost = &r.cost;
    let mut lines = Vec::new();
    let mut line = |item: String, kind, capacity: String, usd: f64| {
        lines.push(Line {
            item,
            kind,
            capacity,
            simulated_usd: usd,
            monthly_usd: usd * scale,
        });
    };
    for s in &r.cluster.services {
        line(
            s.name.clone(),
            "service",
            capacity_label(&s.capacity, &r.cluster),
            cost.cost_by_service.get(&s.name).copied().unwrap_or(0.0),
        );
    }
    for j in &r.cluster.jobs {
        line(
            j.name.clone(),
            "job",
            capacity_label(&j.capacity, &r.cluster),
            cost.cost_by_job.get(&j.name).copied().unwrap_or(0.0),
        );
    }
    if !r.cluster.instances.is_empty() {
        line(
            "idle EC2 capacity".into(),
            "idle",
            "EC2".into(),
            cost.idle_capacity_cost_usd,
        );
    }
    if cost.ebs_cost_usd > 0.0 {
        line(
            "EBS root volumes".into(),
            "storage",
            "EC2".into(),
            cost.ebs_cost_usd,
        );
    }
    for (service, usd) in &cost.load_balancer_cost_by_service {
        line(
            format!("load balancer of {service}"),
            "load_balancer",
            "ALB".into(),
            *usd,
        );
    }
    if cost.public_ipv4_cost_usd > 0.0 {
        line(
            "public IPv4 addresses".into(),
            "network",
            "-".into(),
            cost.public_ipv4_cost_usd,
        );
    }
    if cost.savings_plan_fee_usd > 0.0 {
        line(
            "Savings Plan commitment".into(),
            "savings_plan",
            "-".into(),
            cost.savings_plan_fee_usd,
        );
        line(
            "usage covered by the plan".into(),
            "savings_plan",
            "-".into(),
            -cost.savings_plan_covered_usd,
        );
    }
    Estimate {
        scenario: sc.name.clone(),
        region: cost.region.clone(),
        price_source: cost.price_source.clone(),
        seed,
        simulated_hours: hours,
        partial: r.outcome.partial.is_some(),
        partial_reason: r.outcome.partial.clone(),
        lines,
        total_simulated_usd: cost.total_cost_usd,
        total_monthly_usd: cost.total_cost_usd * scale,
        not_priced: cost.not_priced.clone(),
    }
}

pub fn render(e: &Estimate, format: Format) -> String {
    match format {
        Format::Json => serde_json::to_string_pretty(e).unwrap_or_default() + "\n",
        Format::Csv => {
            let mut out = String::from("item,kind,capacity,simulated_usd,monthly_usd\n");
            for l in &e.lines {
                out += &format!(
                    "{},{},{},{:.4},{:.2}\n",
                    csv_cell(&l.item),
                    l.kind,
                    l.capacity,
                    l.simulated_usd,
                    l.monthly_usd
                );
            }
            // Data rows only: their sum is the total (a total row would be
            // counted twice by anyone summing the column).
            out
        }
        Format::Table => {
            let w = e
                .lines
                .iter()
                .map(|l| l.item.len())
                .max()
                .unwrap_or(4)
                .max(5);
            let cw = e
                .lines
                .iter()
                .map(|l| l.capacity.len())
                .max()
                .unwrap_or(8)
                .max(8);
            let mut out = format!(
                "Cost estimate for {} in {} (seed {}), from {:.1} simulated hours\nPrices: {}\n\n",
                e.scenario, e.region, e.seed, e.simulated_hours, e.price_source
            );
            if let Some(why) = &e.partial_reason {
                out += &format!("PARTIAL: {why}\n\n");
            }
            out += &format!(
                "{:<w$}  {:<12}  {:<cw$}  {:>14}  {:>14}\n",
                "item", "kind", "capacity", "simulated USD", "per month USD"
            );
            out += &format!("{}\n", "-".repeat(w + cw + 48));
            for l in &e.lines {
                out += &format!(
                    "{:<w$}  {:<12}  {:<cw$}  {:>14.4}  {:>14.2}\n",
                    l.item, l.kind, l.capacity, l.simulated_usd, l.monthly_usd
                );
            }
            out += &format!("{}\n", "-".repeat(w + cw + 48));
            out += &format!(
                "{:<w$}  {:<12}  {:<cw$}  {:>14.4}  {:>14.2}\n",
                "total", "", "", e.total_simulated_usd, e.total_monthly_usd
            );
            out += "\nA month is 730 hours, the simulated period scaled up. EC2 cost is split between services and jobs\nby the CPU and memory they reserved (9:1 per vCPU vs GB); what no task reserved is idle capacity.\n";
            out += &format!("Not included: {}.\n", e.not_priced.join(", "));
            out
        }
    }
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
