//! The ECS Managed Instances management fee: charged per instance-hour on
//! top of the EC2 price, per second with a one-minute minimum, as EC2 is
//! ("Amazon ECS pricing", Managed Instances). The fee depends on the type.
//! Where a `--prices` file (an AmazonECS offer file, or an ecsim price row
//! `ecs_managed_instances,<type>,hour,<usd>`) or the shipped catalog prices
//! a type, that figure is billed; the shipped catalog holds only the
//! pricing page's worked example (c6a.2xlarge, $0.037 an hour, us-east-1).
//! Any other type's fee is estimated at the example's share of the EC2
//! On-Demand price (0.037 / 0.306 = 12.09 %) and marked so in cost.csv and
//! the summary. The fee cut for GPU types from 2026-07-01 is not modelled:
//! no stored AWS page gives its figure, so GPU types get the same estimate.

use super::ledger::{Class, Ledger};
use super::money::{Money, Rate};
use super::prices::{PriceBook, Rates};
use crate::engine::SimTime;
use crate::error::InputError;
use crate::model::Instance;

/// The pricing page's worked example: type, fee and that type's EC2
/// On-Demand price in us-east-1, USD per hour (in thousandths of a cent
/// below, to estimate in integers).
pub const EXAMPLE: (&str, f64, f64) = ("c6a.2xlarge", 0.037, 0.306);
const EXAMPLE_FEE_MILLI: i128 = 37;
const EXAMPLE_EC2_MILLI: i128 = 306;

/// Where the fee comes from, for cost.csv and summary.json.
pub const SHIPPED_SOURCE: &str = "Amazon ECS pricing page (aws.amazon.com/ecs/pricing, read 2026-12): c6a.2xlarge $0.037/h in us-east-1; other types estimated at 0.037/0.306 = 12.09% of their EC2 On-Demand price";

/// The fee an estimate gives a type whose EC2 On-Demand price is `ec2`.
pub fn estimate(ec2: Rate) -> Rate {
    Rate(ec2.0 * EXAMPLE_FEE_MILLI / EXAMPLE_EC2_MILLI)
}

/// What `add` prices: a scenario's Managed Instances providers, with what
/// it needs to price them (billing sits below the scenario, so it is handed
/// these rather than the scenario).
pub struct MiProviders<'a> {
    /// The scenario's file, for errors.
    pub file: &'a std::path::Path,
    pub region: &'a str,
    pub fleets: &'a [crate::model::managed_instances::MiFleet],
    /// `[[instance_types]] usd_per_hour` the scenario declares (pico-USD).
    pub declared: &'a std::collections::BTreeMap<String, i128>,
    pub providers: &'a [crate::model::AsgProvider],
}

/// Adds the EC2 price and the fee of every type a Managed Instances
/// provider may launch. Types without an EC2 price in the run's region are
/// left out of the provider's choice (said on stderr); none left is an
/// error at the provider's `instance_requirements`.
pub fn add(rates: &mut Rates, book: &PriceBook, sc: &MiProviders) -> Result<(), InputError> {
    if sc.fleets.is_empty() {
        return Ok(());
    }
    let region = sc.region;
    let mut from_book = false;
    for f in sc.fleets {
        let mut priced = 0;
        for t in &f.types {
            let ec2 = sc
                .declared
                .get(&t.name)
                .copied()
                .or_else(|| book.ec2(region, &t.name));
            let Some(ec2) = ec2 else { continue };
            priced += 1;
            let ec2 = Rate::whole(ec2);
            rates.ec2.insert(t.name.clone(), ec2);
            let fee = match book.get(region, "ecs_managed_instances", &t.name) {
                Some(p) => {
                    from_book |= t.name != EXAMPLE.0;
                    Rate::whole(p)
                }
                None => {
                    rates.mi_fee_estimated.insert(t.name.clone());
                    estimate(ec2)
                }
            };
            rates.mi_fee.insert(t.name.clone(), fee);
        }
        let name = &sc.providers[f.provider as usize].name;
        if priced == 0 {
            return Err(InputError::new(
                sc.file,
                format!("capacity_providers[{}].instance_requirements", f.provider),
                format!(
                    "none of the {} types these requirements admit has an On-Demand price in {region} ({}); pass the region's AmazonEC2 offer file with --prices (`{}`)",
                    f.types.len(),
                    book.source,
                    crate::pricelist::fetch_command("AmazonEC2", region)
                ),
            ));
        }
        if priced < f.types.len() {
            note_once(format!(
                "note: capacity provider {name}: {} of {} instance types have no On-Demand price in {region} and are not launched",
                f.types.len() - priced,
                f.types.len()
            ));
        }
    }
    rates.mi_fee_source = if from_book {
        format!("{} (rows of {})", SHIPPED_SOURCE, book.source)
    } else {
        SHIPPED_SOURCE.to_string()
    };
    Ok(())
}

impl Ledger {
    /// The fee of one Managed Instance over the time EC2 bills it (from
    /// `running` to termination, per second, one-minute minimum): a
    /// cost.csv row of kind `ecs_managed_instances_fee`.
    pub(super) fn bill_mi_fee(&mut self, inst: &Instance, group: &str, end: SimTime) -> Money {
        let start = inst.running;
        if end <= start && inst.terminated.is_some() {
            return Money(0);
        }
        let rate = self.rates.mi_fee.get(&inst.instance_type).copied();
        // `add` priced every type a provider may launch; a miss is a bug.
        debug_assert!(rate.is_some(), "no fee for {}", inst.instance_type);
        let rate = rate.unwrap_or_default();
        let detail = if self.rates.mi_fee_estimated.contains(&inst.instance_type) {
            format!(
                "{}; fee estimated (12.09% of EC2 On-Demand)",
                inst.instance_type
            )
        } else {
            format!("{}; fee from the price list", inst.instance_type)
        };
        self.bill(
            &format!("{}-fee", inst.id),
            "ecs_managed_instances_fee",
            "on_demand",
            Class::MiFee,
            group,
            &detail,
            start,
            end.max(start),
            &[(start, rate)],
        )
    }
}

/// Says `note` on stderr the first time only: prices are checked before a
/// run and again as it starts, and a sweep prices the same scenario often.
fn note_once(note: String) {
    static SAID: std::sync::Mutex<std::collections::BTreeSet<String>> =
        std::sync::Mutex::new(std::collections::BTreeSet::new());
    let mut said = SAID.lock().unwrap_or_else(|e| e.into_inner());
    if said.insert(note.clone()) {
        eprintln!("{note}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The estimate reproduces the example: c6a.2xlarge's $0.306 EC2 price
    /// gives $0.037; m5.xlarge's $0.192 gives $0.023216 (0.192 × 37/306).
    #[test]
    fn estimate_keeps_the_examples_share() {
        let usd = |x: f64| Rate::whole((x * 1e12).round() as i128);
        assert_eq!(estimate(usd(0.306)), usd(0.037));
        assert!((estimate(usd(0.192)).usd_per_hour() - 0.023_215_686).abs() < 1e-8);
    }
}
