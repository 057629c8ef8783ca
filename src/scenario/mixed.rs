//! The mixed-instances keys of `[[instance_groups]]`: launch template
//! overrides (`instance_types`, with optional `weighted_capacity`), the
//! `InstancesDistribution` (On-Demand base and percentage, allocation
//! strategies), the prices and Spot interruption rates the strategies
//! compare, and the group's instances at time 0.

use super::ctx::{Ctx, R};
use super::spec::{FaultSpec, InstanceGroupSpec};
use crate::billing::PricingConfig;
use crate::billing::money::Rate;
use crate::catalog::requirements::{self, Requirements};
use crate::engine::SimTime;
use crate::model::mixed::{OnDemandStrategy, Purchase, SpotStrategy, price_at};
use crate::model::{Cluster, InstanceKind, InstanceStatus, InstanceTemplate};

/// AWS's most launch template overrides per group.
const MAX_OVERRIDES: usize = 40;
/// `WeightedCapacity` is 1 to 999.
const MAX_WEIGHT: i64 = 999;

/// One override as written: the type, the field path naming it, its weight.
pub(super) struct Override {
    pub name: String,
    pub path: String,
    pub weight: u32,
}

/// The types a group launches, in priority order: `instance_type`,
/// `instance_types` or `instance_requirements` (exactly one of them).
/// `price_of` gives a type's On-Demand price (pico-dollars per hour) as the
/// build knows it, for the types a requirement admits.
pub(super) fn overrides(
    ctx: &Ctx,
    p: &str,
    g: &InstanceGroupSpec,
    price_of: &dyn Fn(&str) -> Option<i128>,
    pricing: &PricingConfig,
) -> R<Vec<Override>> {
    if let Some(req) = &g.instance_requirements {
        if g.instance_type.is_some() || g.instance_types.is_some() {
            return Err(ctx.err(
                format!("{p}.instance_requirements"),
                "give instance_type, instance_types or instance_requirements, only one of them",
            ));
        }
        return from_requirements(
            ctx,
            &format!("{p}.instance_requirements"),
            req,
            price_of,
            pricing,
        );
    }
    let list = match (&g.instance_type, &g.instance_types) {
        (Some(_), Some(_)) => {
            return Err(ctx.err(
                format!("{p}.instance_types"),
                "give instance_type or instance_types, not both",
            ));
        }
        (None, None) => {
            return Err(ctx.err(
                p,
                "missing instance_type: give instance_type = \"m5.large\", or instance_types = [\"m5.large\", \"m6i.large\"] (launch template overrides, highest priority first), or instance_requirements = { vcpu_count = { min = 2 }, memory_mib = { min = 4096 } }",
            ));
        }
        (Some(t), None) => {
            return Ok(vec![Override {
                name: t.clone(),
                path: format!("{p}.instance_type"),
                weight: 1,
            }]);
        }
        (None, Some(list)) => list,
    };
    if list.is_empty() || list.len() > MAX_OVERRIDES {
        return Err(ctx.err(
            format!("{p}.instance_types"),
            format!("list 1 to {MAX_OVERRIDES} instance types (AWS's limit of launch template overrides)"),
        ));
    }
    let mut out: Vec<Override> = Vec::new();
    for (k, v) in list.iter().enumerate() {
        let path = format!("{p}.instance_types[{k}]");
        let (name, weight) = match v {
            toml::Value::String(s) => (s.clone(), None),
            toml::Value::Table(t) => {
                if let Some(bad) = t
                    .keys()
                    .find(|k| !["type", "weighted_capacity"].contains(&k.as_str()))
                {
                    return Err(ctx.err(
                        format!("{path}.{bad}"),
                        "unknown key; an override takes type and weighted_capacity",
                    ));
                }
                let name = match t.get("type") {
                    Some(toml::Value::String(s)) => s.clone(),
                    _ => {
                        return Err(ctx.err(
                            format!("{path}.type"),
                            "missing or not a string: give the instance type, e.g. type = \"m5.xlarge\"",
                        ));
                    }
                };
                let weight = match t.get("weighted_capacity") {
                    None => None,
                    Some(toml::Value::Integer(w)) if (1..=MAX_WEIGHT).contains(w) => {
                        Some(*w as u32)
                    }
                    Some(_) => {
                        return Err(ctx.err(
                            format!("{path}.weighted_capacity"),
                            format!(
                                "must be a whole number from 1 to {MAX_WEIGHT} (WeightedCapacity)"
                            ),
                        ));
                    }
                };
                (name, weight)
            }
            _ => {
                return Err(ctx.err(
                    &path,
                    "give an instance type name, or a table { type = \"m5.xlarge\", weighted_capacity = 2 }",
                ));
            }
        };
        if out.iter().any(|o| o.name == name) {
            return Err(ctx.err(&path, format!("{name} is listed twice")));
        }
        out.push(Override {
            name,
            path: if matches!(v, toml::Value::Table(_)) {
                format!("{path}.type")
            } else {
                path
            },
            weight: weight.unwrap_or(1),
        });
    }
    // AWS takes weights for all overrides or none ("Configure instance
    // weighting for Amazon EC2 Auto Scaling"): a partial list is a slip.
    let given = list
        .iter()
        .filter(|v| v.get("weighted_capacity").is_some())
        .count();
    if given > 0 && given < list.len() {
        return Err(ctx.err(
            format!("{p}.instance_types"),
            "give weighted_capacity for every type or for none",
        ));
    }
    Ok(out)
}

/// Price protection for attribute-based selection, as the API's
/// InstanceRequirements defaults it: a type priced more than this many
/// percent above the cheapest M, C or R type that matches is not launched
/// (SpotMaxPricePercentageOverLowestPrice 100, OnDemandMaxPrice... 20).
const SPOT_PRICE_PROTECTION: i128 = 100;

/// The overrides an `instance_requirements` table gives: the catalog types
/// it admits that have a price in the run's region (a type without one is
/// not offered there), cheapest On-Demand first, less those above Spot
/// price protection. On-Demand's own threshold (20 %) never binds here: the
/// group's On-Demand strategy is then lowest-price, which takes the
/// cheapest type, and that is at most the M/C/R reference price.
fn from_requirements(
    ctx: &Ctx,
    rp: &str,
    raw: &toml::Value,
    price_of: &dyn Fn(&str) -> Option<i128>,
    pricing: &PricingConfig,
) -> R<Vec<Override>> {
    let req: Requirements = raw.clone().try_into().map_err(|e: toml::de::Error| {
        ctx.err(
            rp,
            format!(
                "{}; the keys are vcpu_count, memory_mib, cpu_manufacturers, instance_generations, burstable_performance, bare_metal, accelerator_count, allowed_instance_types, excluded_instance_types",
                e.message()
            ),
        )
    })?;
    req.check()
        .and_then(|()| req.check_minimums())
        .map_err(|(key, m)| ctx.err(format!("{rp}.{key}"), m))?;
    let priced = crate::catalog::instance_types()
        .iter()
        .filter(|t| price_of(&t.name).is_some());
    let types = requirements::resolve(&req, priced, |n| price_of(n).map(|p| p as f64 / 1e12))
        .map_err(|m| ctx.err(rp, m))?;
    let spot_now = |t: &str| price_at(&prices(t, price_of(t).unwrap_or(0), pricing).1, 0);
    let mcr = |t: &str| t.starts_with(['m', 'c', 'r']) && !t.starts_with("mac");
    let reference = types
        .iter()
        .filter(|t| mcr(&t.name))
        .chain(types.iter())
        .map(|t| spot_now(&t.name))
        .next()
        .expect("resolve returns at least one type");
    // `types` is sorted by On-Demand price, so the first M/C/R type is
    // the cheapest; with a Spot series its Spot price sets the bar.
    let cap = reference * (100 + SPOT_PRICE_PROTECTION) / 100;
    Ok(types
        .into_iter()
        .filter(|t| spot_now(&t.name) <= cap)
        .map(|t| Override {
            name: t.name.clone(),
            path: rp.to_string(),
            weight: 1,
        })
        .collect())
}

/// The group's `InstancesDistribution`; `market` (the single-market
/// shorthand) and the On-Demand/Spot keys exclude each other.
pub(super) fn purchase(ctx: &Ctx, p: &str, g: &InstanceGroupSpec, spot: bool) -> R<Purchase> {
    let mixed_keys =
        g.on_demand_base_capacity.is_some() || g.on_demand_percentage_above_base_capacity.is_some();
    if g.market.is_some() && mixed_keys {
        return Err(ctx.err(
            format!("{p}.market"),
            "give market or on_demand_base_capacity / on_demand_percentage_above_base_capacity, not both (market = \"spot\" is on_demand_percentage_above_base_capacity = 0)",
        ));
    }
    let mut out = Purchase::single(spot);
    if let Some(b) = g.on_demand_base_capacity {
        out.on_demand_base = ctx.count(&format!("{p}.on_demand_base_capacity"), b, 100_000)?;
    }
    if let Some(pct) = g.on_demand_percentage_above_base_capacity {
        out.on_demand_percent = ctx.count(
            &format!("{p}.on_demand_percentage_above_base_capacity"),
            pct,
            100,
        )?;
    }
    if let Some(s) = &g.spot_allocation_strategy {
        out.spot = SpotStrategy::parse(s).ok_or_else(|| {
            ctx.err(
                format!("{p}.spot_allocation_strategy"),
                format!(
                    "\"{s}\" is not lowest-price, capacity-optimized or price-capacity-optimized"
                ),
            )
        })?;
    }
    // "lowest-price ... is the default value for Auto Scaling groups that
    // specify InstanceRequirements"; prioritized "cannot be used for groups
    // that do" (InstancesDistribution, Auto Scaling API reference).
    if g.instance_requirements.is_some() {
        out.on_demand = OnDemandStrategy::LowestPrice;
        if g.on_demand_allocation_strategy.as_deref() == Some("prioritized") {
            return Err(ctx.err(
                format!("{p}.on_demand_allocation_strategy"),
                "prioritized needs an order of instance types; with instance_requirements the On-Demand strategy is lowest-price (drop the key or set \"lowest-price\")",
            ));
        }
    }
    if let Some(s) = &g.on_demand_allocation_strategy {
        out.on_demand = OnDemandStrategy::parse(s).ok_or_else(|| {
            ctx.err(
                format!("{p}.on_demand_allocation_strategy"),
                format!("\"{s}\" is not prioritized or lowest-price"),
            )
        })?;
    }
    Ok(out)
}

/// Per cluster zone, the Spot interruptions per instance-hour the
/// scenario's `spot_interruption` faults give instances of `ty` there: the
/// pool's risk, which the capacity-optimized strategies avoid. Read from
/// the raw faults (checked later by `faults.rs`).
pub(super) fn interruption_rates(faults: &[FaultSpec], azs: &[String], ty: &str) -> Vec<f64> {
    azs.iter()
        .map(|az| {
            faults
                .iter()
                .filter(|f| f.kind == "spot_interruption")
                .filter(|f| f.capacity.as_deref() != Some("fargate"))
                .filter(|f| f.instance_type.as_deref().is_none_or(|t| t == ty))
                .filter(|f| f.availability_zone.as_deref().is_none_or(|z| z == az))
                .filter_map(|f| f.rate_per_hour)
                .filter(|r| r.is_finite() && *r > 0.0)
                .sum()
        })
        .collect()
}

/// The On-Demand price and Spot price series of a type: a Spot series the
/// scenario gives, else On-Demand less the Spot discount.
pub(super) fn prices(
    ty: &str,
    on_demand: i128,
    pricing: &PricingConfig,
) -> (i128, Vec<(SimTime, i128)>) {
    let spot = match pricing.ec2_spot_series.get(ty) {
        Some(s) if !s.is_empty() => s.clone(),
        _ => vec![(0, Rate(on_demand).discounted(pricing.ec2_spot_discount).0)],
    };
    (on_demand, spot)
}

/// The group's instances at time 0 as (zone, type, Spot): its first
/// `count` capacity units, round the zones in order, each instance's
/// market and type as the group chooses.
fn initial_plan(t: &InstanceTemplate, zones: usize, count: u32) -> Vec<(u32, u32, bool)> {
    // (kind, spot, zone) → instances, for lowest-price's spread.
    let mut have = vec![0u32; t.kinds.len() * 2 * zones];
    let cell = |k: u32, spot: bool, z: u32| crate::model::mixed::pool_cell(k, spot, z, zones);
    let (mut units, mut on_demand) = (0u32, 0u32);
    let mut out = Vec::new();
    while units < count {
        let az = t.zones[out.len() % t.zones.len()];
        let (kind, spot) = t.choose(az, 0, count, on_demand, &|k, s| have[cell(k, s, az)]);
        have[cell(kind, spot, az)] += 1;
        let w = t.kinds[kind as usize].weight;
        units += w;
        if !spot {
            on_demand += w;
        }
        out.push((az, kind, spot));
    }
    out
}

/// Launches the group's instances at time 0 (`initial_plan`).
pub(super) fn initial_instances(cluster: &mut Cluster, t: &InstanceTemplate, count: u32) {
    for (az, kind, spot) in initial_plan(t, cluster.azs.len(), count) {
        let idx = cluster.instances.len();
        let inst = t.instance(idx, az, 0, InstanceStatus::Active, kind, spot);
        cluster.registered_cpu += u64::from(inst.cpu);
        cluster.registered_memory += u64::from(inst.memory);
        cluster.registered_gpus += u64::from(inst.gpus);
        cluster.add_instance(inst);
    }
}

/// The scenario priced as the run prices it: a group of several types
/// compared the build's prices (declared, else the shipped catalog's);
/// when the run's differ (`--prices`), its types are compared again and its
/// instances at time 0 re-chosen. Borrowed when nothing changes.
pub fn with_run_prices<'a>(
    sc: &'a super::Scenario,
    rates: &crate::billing::Rates,
) -> std::borrow::Cow<'a, super::Scenario> {
    let od = |t: &str| rates.ec2.get(t).map_or(0, |r| r.0 / 1024);
    let stale = sc.cluster.templates.iter().any(|t| {
        t.kinds.len() > 1
            && t.kinds
                .iter()
                .any(|k| k.on_demand_price != od(&k.instance_type))
    });
    if !stale {
        return std::borrow::Cow::Borrowed(sc);
    }
    let mut sc = sc.clone();
    let c = &mut sc.cluster;
    for g in 0..c.templates.len() {
        let t = &mut c.templates[g];
        if t.kinds.len() < 2 {
            continue;
        }
        for k in &mut t.kinds {
            (k.on_demand_price, k.spot_prices) =
                prices(&k.instance_type, od(&k.instance_type), &sc.pricing);
        }
        let t = &c.templates[g];
        let members: Vec<usize> = (0..c.instances.len())
            .filter(|&i| c.instances[i].group == g as u32)
            .collect();
        let units: u32 = members
            .iter()
            .map(|&i| t.kinds[c.instances[i].kind as usize].weight)
            .sum();
        let plan = initial_plan(t, c.azs.len(), units);
        if plan.len() != members.len() {
            // Weighted types: the new choice would need another number of
            // instances, and instances are numbered across groups.
            eprintln!(
                "note: instance group \"{}\" keeps the instances at time 0 chosen with the build's prices (its weighted types would need another number of instances at the run's prices); launches later compare the run's prices",
                c.instance_groups[g]
            );
            continue;
        }
        for (&i, (az, kind, spot)) in members.iter().zip(plan) {
            let fresh = t.instance(i, az, 0, InstanceStatus::Active, kind, spot);
            let old = &mut c.instances[i];
            c.registered_cpu = c.registered_cpu - u64::from(old.cpu) + u64::from(fresh.cpu);
            c.registered_memory =
                c.registered_memory - u64::from(old.memory) + u64::from(fresh.memory);
            c.registered_gpus = c.registered_gpus - u64::from(old.gpus) + u64::from(fresh.gpus);
            *old = fresh;
        }
    }
    std::borrow::Cow::Owned(sc)
}

/// The kinds of a template as "m5.xlarge+m6i.xlarge" (weights as "×2").
pub fn kind_names(kinds: &[InstanceKind]) -> String {
    kinds
        .iter()
        .map(|k| {
            if k.weight == 1 {
                k.instance_type.clone()
            } else {
                format!("{}×{}", k.instance_type, k.weight)
            }
        })
        .collect::<Vec<_>>()
        .join("+")
}
