//! `ecsim price`: the bill of a simulated run laid out like a pricing
//! calculator's estimate — per service and job, for the simulated period and
//! extrapolated to a month of 730 hours (AWS's convention).

use super::RunResult;
use crate::model::{Capacity, CapacityChoice, Cluster, ProviderShare};
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

/// One line of the bill split by purchase option; the lines add up to the
/// total (summary.json `cost_by_purchase_option`).
#[derive(Debug, Serialize)]
pub struct Market {
    /// Key in `cost_by_purchase_option`.
    pub market: &'static str,
    pub label: String,
    pub simulated_usd: f64,
    pub monthly_usd: f64,
}

/// A capacity provider an owner's strategy names, and what it is.
#[derive(Debug, Serialize)]
pub struct Provider {
    pub name: String,
    pub kind: String,
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
    pub markets: Vec<Market>,
    pub providers: Vec<Provider>,
    pub total_simulated_usd: f64,
    pub total_monthly_usd: f64,
    /// Where the ECS Managed Instances fee comes from (only with one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub managed_instances_fee_source: Option<String>,
    /// Charges the estimate leaves out.
    pub not_priced: Vec<&'static str>,
}

const MONTH_HOURS: f64 = 730.0;
/// Width of the purchase-option labels (the Savings Plan's, with its figures).
const MARKET_W: usize = 44;

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

/// What a capacity provider is: an Auto Scaling group's name, instance
/// type and market, or one of AWS's Fargate providers; `EC2` is the EC2
/// launch type (the cluster's container instances, no provider).
fn provider_kind(p: &ProviderShare, cluster: &Cluster) -> Provider {
    let group = |g: usize| {
        let t = &cluster.templates[g];
        let p = &t.purchase;
        let market = match (p.on_demand_base, p.on_demand_percent) {
            (0, 0) => "Spot".to_string(),
            (_, 100) => "on-demand".to_string(),
            (b, pct) => format!("{b} on-demand base, {pct}% on-demand above it, rest Spot"),
        };
        (
            cluster.instance_groups[g].clone(),
            crate::scenario::mixed::kind_names(&t.kinds),
            market,
        )
    };
    match (p.asg, p.capacity) {
        (Some(a), _) if cluster.providers[a as usize].managed_instances => {
            let cp = &cluster.providers[a as usize];
            let t = &cluster.templates[cp.group as usize];
            let market = if t.purchase.on_demand_percent == 0 {
                "Spot"
            } else {
                "on-demand"
            };
            Provider {
                name: cp.name.clone(),
                kind: format!(
                    "ECS Managed Instances, {market}, types from its instance_requirements (largest {}), EC2 price plus a management fee per instance-hour",
                    t.kinds[0].instance_type
                ),
            }
        }
        (Some(a), _) => {
            let cp = &cluster.providers[a as usize];
            let (name, ty, market) = group(cp.group as usize);
            Provider {
                name: cp.name.clone(),
                kind: format!("Auto Scaling group {name}, {ty}, {market}"),
            }
        }
        (None, Capacity::Fargate) => Provider {
            name: "FARGATE".into(),
            kind: "Fargate, on-demand".into(),
        },
        (None, Capacity::FargateSpot) => Provider {
            name: "FARGATE_SPOT".into(),
            kind: "Fargate Spot, interruptible, at a discount".into(),
        },
        (None, Capacity::Ec2) => Provider {
            name: "EC2".into(),
            kind: format!(
                "launch type, no provider: {}",
                (0..cluster.templates.len())
                    .map(|g| {
                        let (name, ty, market) = group(g);
                        format!("group {name}, {ty}, {market}")
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        },
    }
}

/// Every provider (or launch type) the services and jobs use, once each,
/// in the order first named.
fn providers(cluster: &Cluster) -> Vec<Provider> {
    let ec2 = [ProviderShare {
        capacity: Capacity::Ec2,
        asg: None,
        base: 0,
        weight: 1,
    }];
    let mut out: Vec<Provider> = Vec::new();
    let choices = cluster
        .services
        .iter()
        .map(|s| &s.capacity)
        .chain(cluster.jobs.iter().map(|j| &j.capacity));
    for c in choices {
        let list = match c {
            CapacityChoice::Ec2 => &ec2[..],
            CapacityChoice::Providers(l) => &l[..],
        };
        for p in list {
            let p = provider_kind(p, cluster);
            if !out.iter().any(|o| o.name == p.name) {
                out.push(p);
            }
        }
    }
    out
}

/// The bill by purchase option, in the order the calculator reads.
fn markets(cost: &crate::billing::CostSummary, scale: f64) -> Vec<Market> {
    // The plan's line is its fee less what it covered of the lines above
    // and below it (On-Demand EC2 and Fargate, shown before the discount).
    let sp = if cost.savings_plan_fee_usd > 0.0 {
        format!(
            "Savings Plan (fee {:.2}, covers {:.2})",
            cost.savings_plan_fee_usd, cost.savings_plan_covered_usd
        )
    } else {
        "Savings Plan (none)".into()
    };
    let mut list = vec![
        ("ec2_on_demand", "On-Demand EC2".to_string()),
        ("ec2_spot", "Spot EC2".into()),
        ("savings_plan", sp),
        ("fargate", "Fargate".into()),
        ("fargate_spot", "Fargate Spot".into()),
        ("other", "EBS, public IPv4, load balancers".into()),
    ];
    // Only with a Managed Instances provider: other runs' tables stay.
    if cost.managed_instances_fee_usd.is_some() {
        list.insert(
            2,
            ("managed_instances_fee", "ECS Managed Instances fee".into()),
        );
    }
    list.into_iter()
        .map(|(market, label)| {
            let usd = cost
                .cost_by_purchase_option
                .get(market)
                .copied()
                .unwrap_or(0.0);
            Market {
                market,
                label,
                simulated_usd: usd,
                monthly_usd: usd * scale,
            }
        })
        .collect()
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
    if let Some(fee) = cost.managed_instances_fee_usd {
        line(
            "ECS Managed Instances management fee".into(),
            "fee",
            "EC2".into(),
            fee,
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
        markets: markets(cost, scale),
        providers: providers(&r.cluster),
        total_simulated_usd: cost.total_cost_usd,
        total_monthly_usd: cost.total_cost_usd * scale,
        managed_instances_fee_source: cost.managed_instances_fee_source.clone(),
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
            out += &format!(
                "\n{:<w2$}  {:>14}  {:>14}\n",
                "by purchase option",
                "simulated USD",
                "per month USD",
                w2 = MARKET_W
            );
            for m in &e.markets {
                out += &format!(
                    "{:<w2$}  {:>14.4}  {:>14.2}\n",
                    m.label,
                    m.simulated_usd,
                    m.monthly_usd,
                    w2 = MARKET_W
                );
            }
            out += &format!(
                "{:<w2$}  {:>14.4}  {:>14.2}\n",
                "total",
                e.total_simulated_usd,
                e.total_monthly_usd,
                w2 = MARKET_W
            );
            if !e.providers.is_empty() {
                out += "\ncapacity providers:\n";
                for p in &e.providers {
                    out += &format!("  {} ({})\n", p.name, p.kind);
                }
            }
            out += "\nA month is 730 hours, the simulated period scaled up. EC2 cost is split between services and jobs\nby the CPU and memory they reserved (9:1 per vCPU vs GB); what no task reserved is idle capacity.\nBy purchase option: On-Demand EC2 and Fargate before the Savings Plan, whose line is its fee less the usage it covered.\n";
            if let Some(src) = &e.managed_instances_fee_source {
                out += &format!(
                    "ECS Managed Instances management fee: {src}; cost.csv marks each estimated fee.\n"
                );
            }
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
