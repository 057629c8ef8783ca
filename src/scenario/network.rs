//! Opt-ins to prices beyond compute: `public_ip` on an instance group,
//! `assign_public_ip` on a service or job (its Fargate tasks), and the
//! `[pricing]` rates of public IPv4 addresses and load balancers.

use super::ctx::{Ctx, R};
use super::spec::{PricingSpec, ScenarioSpec};
use crate::billing::network::{self, Alb, Network};
use crate::model::{CapacityChoice, Cluster, Owner};

fn rate(ctx: &Ctx, key: &str, v: Option<f64>, default: f64) -> R<crate::billing::Rate> {
    let usd = v.unwrap_or(default);
    if !(usd.is_finite() && (0.0..1e4).contains(&usd)) {
        return Err(ctx.err(
            format!("pricing.{key}"),
            format!("must be 0 or more dollars per hour (below 10,000), got {usd}"),
        ));
    }
    Ok(network::usd_per_hour(usd))
}

/// Whether any task of this choice can run on Fargate.
fn any_fargate(c: &CapacityChoice) -> bool {
    match c {
        CapacityChoice::Ec2 => false,
        CapacityChoice::Providers(list) => list.iter().any(|p| p.capacity.is_fargate()),
    }
}

pub(super) fn build(ctx: &Ctx, spec: &ScenarioSpec, cluster: &Cluster) -> R<Network> {
    let p: Option<&PricingSpec> = spec.pricing.as_ref();
    let d = Network::default();
    let mut n = Network {
        ipv4: rate(
            ctx,
            "public_ipv4_usd_per_hour",
            p.and_then(|p| p.public_ipv4_usd_per_hour),
            network::PUBLIC_IPV4_USD_PER_HOUR,
        )?,
        alb_hour: rate(
            ctx,
            "alb_usd_per_hour",
            p.and_then(|p| p.alb_usd_per_hour),
            network::ALB_USD_PER_HOUR,
        )?,
        lcu_hour: rate(
            ctx,
            "alb_lcu_usd_per_hour",
            p.and_then(|p| p.alb_lcu_usd_per_hour),
            network::ALB_LCU_USD_PER_HOUR,
        )?,
        ..d
    };
    for (g, spec) in spec.instance_groups.iter().enumerate() {
        if spec.public_ip == Some(true) {
            n.ipv4_groups.push(g as u32);
        }
    }
    // ECS assigns public IPs to awsvpc tasks on Fargate only; an EC2 task
    // reaches the internet through its instance or a NAT gateway.
    let refuse = |q: String| {
        Err(ctx.err(
            format!("{q}.assign_public_ip"),
            "only Fargate tasks get a public IP (assignPublicIp); on EC2 set public_ip on the instance group",
        ))
    };
    for (i, s) in spec.services.iter().enumerate() {
        if s.assign_public_ip == Some(true) {
            if !any_fargate(&cluster.services[i].capacity) {
                return refuse(format!("services[{i}]"));
            }
            n.ipv4_owners.push(Owner::Service(i as u32));
        }
    }
    for (j, s) in spec.jobs.iter().enumerate() {
        if s.assign_public_ip == Some(true) {
            if !any_fargate(&cluster.jobs[j].capacity) {
                return refuse(format!("jobs[{j}]"));
            }
            n.ipv4_owners.push(Owner::Job(j as u32));
        }
    }
    n.ipv4_owners.sort_unstable();
    // One Application Load Balancer per service that declares a load balancer.
    let mut load = 0;
    for (i, s) in spec.services.iter().enumerate() {
        let has_demand = cluster.services[i].workload.is_some();
        if let Some(lb) = &s.load_balancer {
            let (rpc, bytes, rules) =
                super::load_balancer::traffic(ctx, &format!("services[{i}]"), lb)?;
            n.albs.push(Alb {
                service: i as u32,
                load: has_demand.then_some(load),
                requests_per_connection: rpc,
                bytes_per_request: bytes,
                rules,
            });
        }
        if has_demand {
            load += 1;
        }
    }
    // Prices in use that only us-east-1's list gives (said when the run is
    // priced for another region: `scenario::notes`).
    let given = |f: fn(&PricingSpec) -> Option<f64>| p.and_then(f).is_some();
    let ipv4 = !n.ipv4_groups.is_empty() || !n.ipv4_owners.is_empty();
    if ipv4 && !given(|p| p.public_ipv4_usd_per_hour) {
        n.us_east_1_prices.push("pricing.public_ipv4_usd_per_hour");
    }
    if !n.albs.is_empty() && !given(|p| p.alb_usd_per_hour) {
        n.us_east_1_prices.push("pricing.alb_usd_per_hour");
    }
    if !n.albs.is_empty() && !given(|p| p.alb_lcu_usd_per_hour) {
        n.us_east_1_prices.push("pricing.alb_lcu_usd_per_hour");
    }
    Ok(n)
}
