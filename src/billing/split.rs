//! The bill split by purchase option (On-Demand, Spot, Savings Plan,
//! Fargate, Fargate Spot), as `ecsim price`, the run line and the report
//! show it.

use super::ledger::{Class, CostSummary, Ledger};
use super::money::Money;
use crate::engine::time::HOUR;

/// `cost_by_purchase_option`, `monthly_cost_usd` and `spot_share_pct`
/// from the hourly columns, so the split adds up to the total exactly
/// (in pico-dollars) as the hourly totals do.
pub(super) fn purchase_options(ledger: &Ledger, s: &mut CostSummary) {
    let col = |class: Class| -> Money { ledger.hours.iter().map(|h| h[class as usize]).sum() };
    let compute = [
        ("ec2_on_demand", col(Class::Ec2OnDemand)),
        ("ec2_spot", col(Class::Ec2Spot)),
        ("fargate", col(Class::Fargate)),
        ("fargate_spot", col(Class::FargateSpot)),
    ];
    let plan = col(Class::SpFee) - col(Class::SpCovered);
    let other = col(Class::Ebs) + col(Class::PublicIpv4) + col(Class::LoadBalancer);
    for (k, m) in compute {
        s.cost_by_purchase_option.insert(k, m.usd());
    }
    s.cost_by_purchase_option.insert("savings_plan", plan.usd());
    s.cost_by_purchase_option.insert("other", other.usd());
    if !ledger.rates.mi_fee.is_empty() {
        s.cost_by_purchase_option
            .insert("managed_instances_fee", col(Class::MiFee).usd());
    }
    let all: Money = compute.iter().map(|c| c.1).sum();
    let spot = compute[1].1 + compute[3].1;
    s.spot_share_pct = if all.0 > 0 {
        100.0 * spot.usd() / all.usd()
    } else {
        0.0
    };
    s.monthly_cost_usd = if ledger.end > 0 {
        s.total_cost_usd * 730.0 * HOUR as f64 / ledger.end as f64
    } else {
        0.0
    };
}
