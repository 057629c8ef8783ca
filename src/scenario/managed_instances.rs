//! `[[capacity_providers]] kind = "managed_instances"`: an ECS Managed
//! Instances capacity provider. Its InstanceRequirements are resolved
//! against the catalog here, once; the provider gets an instance group of
//! its own (named after it) that starts empty and that ECS, not an Auto
//! Scaling group, fills (`sim::managed_instances`).

use super::ctx::{Ctx, R};
use super::spec::CapacityProviderSpec;
use crate::billing::PriceBook;
use crate::catalog::requirements::{self, Requirements};
use crate::catalog::{InstanceType, instance_types};
use crate::engine::Dist;
use crate::engine::time::SECOND;
use crate::model::managed_instances::{MiFleet, MiType, UNPRICED};
use crate::model::{
    AsgProvider, CapacityChoice, Cluster, Instance, InstanceKind, InstanceStatus, InstanceTemplate,
    TaskDef,
};
use std::collections::BTreeMap;

/// scaleInAfter when the provider does not set it. AWS's API reference
/// says only that null "uses the default optimization behavior"; ecsim
/// takes 5 minutes (UNVERIFIED: no stored AWS page gives the figure).
pub const DEFAULT_SCALE_IN_AFTER: u64 = 300 * SECOND;
/// The longest scaleInAfter AWS accepts (0 to 3600 seconds).
const MAX_SCALE_IN_AFTER: u64 = 3600 * SECOND;

/// Types ECS Managed Instances never launch: no nano or micro sizes and
/// nothing with one vCPU (the reading of the ECS developer guide;
/// the stored copy of "Amazon ECS Managed Instances instance types" did not
/// show the list, so this is UNVERIFIED there).
pub fn never_launched(t: &InstanceType) -> bool {
    let size = t.name.split('.').nth(1).unwrap_or("");
    size == "nano" || size == "micro" || t.vcpu < 2
}

/// Keys only a Managed Instances provider takes, refused on an Auto
/// Scaling group provider rather than ignored.
pub(super) fn refuse_mi_keys(ctx: &Ctx, p: &str, c: &CapacityProviderSpec) -> R<()> {
    let given = [
        ("instance_requirements", c.instance_requirements.is_some()),
        ("capacity_option", c.capacity_option.is_some()),
        ("scale_in_after", c.scale_in_after.is_some()),
        ("availability_zones", c.availability_zones.is_some()),
    ];
    if let Some((key, _)) = given.iter().find(|g| g.1) {
        return Err(ctx.err(
            format!("{p}.{key}"),
            "only a Managed Instances provider takes this key; set kind = \"managed_instances\" (an Auto Scaling group provider takes the group's own settings)",
        ));
    }
    Ok(())
}

/// The keys of an Auto Scaling group provider, refused on a Managed
/// Instances one.
fn refuse_asg_keys(ctx: &Ctx, p: &str, c: &CapacityProviderSpec) -> R<()> {
    let asg_only = [
        ("instance_group", c.instance_group.is_some()),
        ("target_capacity", c.target_capacity.is_some()),
        (
            "minimum_scaling_step_size",
            c.minimum_scaling_step_size.is_some(),
        ),
        (
            "maximum_scaling_step_size",
            c.maximum_scaling_step_size.is_some(),
        ),
        ("instance_warmup_period", c.instance_warmup_period.is_some()),
        (
            "managed_termination_protection",
            c.managed_termination_protection.is_some(),
        ),
    ];
    if let Some((key, _)) = asg_only.iter().find(|g| g.1) {
        return Err(ctx.err(
            format!("{p}.{key}"),
            "a Managed Instances provider has no Auto Scaling group: ECS launches and retires its instances (drop this key, or use kind = \"auto_scaling_group\")",
        ));
    }
    Ok(())
}

/// The provider, its own instance group and the types it may launch.
pub(super) fn build(
    ctx: &Ctx,
    p: &str,
    c: &CapacityProviderSpec,
    cluster: &mut Cluster,
    region: &str,
) -> R<MiFleet> {
    refuse_asg_keys(ctx, p, c)?;
    if cluster.instance_groups.contains(&c.name) {
        return Err(ctx.err(
            format!("{p}.name"),
            format!(
                "\"{}\" is also an instance group's name; a Managed Instances provider's instances are listed under its own name",
                c.name
            ),
        ));
    }
    let rp = format!("{p}.instance_requirements");
    let Some(req) = &c.instance_requirements else {
        return Err(ctx.err(
            &rp,
            "a Managed Instances provider needs instance_requirements, at least vcpu_count = { min = 2 } and memory_mib = { min = 4096 } (AWS requires both)",
        ));
    };
    let types = resolve(req, region).map_err(|(key, m)| {
        ctx.err(
            if key.is_empty() {
                rp.clone()
            } else {
                format!("{rp}.{key}")
            },
            m,
        )
    })?;
    let spot = match c.capacity_option.as_deref() {
        None | Some("on_demand") => false,
        Some("spot") => true,
        Some(o) => {
            return Err(ctx.err(
                format!("{p}.capacity_option"),
                format!("\"{o}\" is not on_demand or spot"),
            ));
        }
    };
    let scale_in_after = match c.scale_in_after.as_deref() {
        None => Some(DEFAULT_SCALE_IN_AFTER),
        Some("off" | "-1") => None,
        Some(d) => {
            let t = ctx.duration(&format!("{p}.scale_in_after"), d)?;
            if t > MAX_SCALE_IN_AFTER {
                return Err(ctx.err(
                    format!("{p}.scale_in_after"),
                    "must be 0s to 1h (scaleInAfter 0 to 3600 seconds), or \"off\" (-1)",
                ));
            }
            Some(t)
        }
    };
    let zones = zones(ctx, p, c.availability_zones.as_deref(), &cluster.azs)?;
    let group = cluster.instance_groups.len() as u32;
    // The group's template is its largest type: what build's check_fits
    // asks ("could a task ever fit?"); each launch then picks its own type.
    let largest = types
        .iter()
        .max_by_key(|t| (t.cpu, t.memory, t.gpus, std::cmp::Reverse(t.name.clone())))
        .expect("resolve returns at least one type");
    cluster.instance_groups.push(c.name.clone());
    cluster.live_instances.push(0);
    cluster.templates.push(InstanceTemplate {
        group,
        zones: zones.clone(),
        // One kind, the largest: each launch then sets its own type
        // (`ManagedType::apply`), so no allocation strategy compares prices
        // here and the kind carries none.
        kinds: vec![InstanceKind {
            instance_type: largest.name.clone(),
            arch: largest.arch,
            attributes: crate::model::provider::zone_attributes(
                &BTreeMap::new(),
                &largest.name,
                largest.arch,
                &cluster.azs,
            ),
            cpu: largest.cpu,
            memory: largest.memory,
            eni_slots: largest.eni_slots,
            gpus: largest.gpus,
            weight: 1,
            on_demand_price: 0,
            spot_prices: Vec::new(),
            interruption_rate: Vec::new(),
        }],
        purchase: crate::model::mixed::Purchase::single(spot),
        // EC2 launch to ECS registration, as for a group's instances.
        launch_delay: Dist::lognormal_valid(90_000.0, 0.25),
        pending: Dist::Constant(super::instances::PENDING),
        az_rebalance: false,
    });
    let provider = cluster.providers.len() as u32;
    cluster.providers.push(AsgProvider {
        name: c.name.clone(),
        group,
        min_size: 0,
        max_size: super::instances::MAX_INSTANCES as u32,
        target_capacity: 100,
        min_step: 1,
        max_step: 10_000,
        warmup: 0,
        termination_protection: true,
        managed_instances: true,
        low_minutes: 0,
        reservation: 0.0,
        published: None,
    });
    let book = PriceBook::shipped();
    let shipped_price = types
        .iter()
        .map(|t| book.ec2(region, &t.name).unwrap_or(UNPRICED))
        .collect();
    Ok(MiFleet {
        provider,
        group,
        shipped_price,
        types,
        spot,
        scale_in_after,
        zones,
    })
}

fn zones(ctx: &Ctx, p: &str, list: Option<&[String]>, azs: &[String]) -> R<Vec<u32>> {
    let Some(list) = list else {
        return Ok((0..azs.len() as u32).collect());
    };
    if list.is_empty() {
        return Err(ctx.err(
            format!("{p}.availability_zones"),
            "must list at least one zone when given",
        ));
    }
    list.iter()
        .enumerate()
        .map(|(k, z)| {
            azs.iter()
                .position(|a| a == z)
                .map(|x| x as u32)
                .ok_or_else(|| {
                    ctx.err(
                        format!("{p}.availability_zones[{k}]"),
                        format!("\"{z}\" is not a cluster zone ({})", azs.join(", ")),
                    )
                })
        })
        .collect()
}

/// The catalog types `req` admits that Managed Instances would launch,
/// cheapest first by the shipped On-Demand prices of `region` (a run
/// re-ranks them by its own prices). Errors are (key under the
/// requirements table, message).
pub fn resolve(req: &Requirements, region: &str) -> Result<Vec<MiType>, (String, String)> {
    req.check()?;
    req.check_minimums()?;
    let book = PriceBook::shipped();
    let usable = instance_types().iter().filter(|t| !never_launched(t));
    let list = requirements::resolve(req, usable, |n| {
        book.ec2(region, n).map(|p| p as f64 / 1e12)
    })
    .map_err(|m| {
        (
            String::new(),
            format!("{m}; Managed Instances never launch nano, micro or 1-vCPU types"),
        )
    })?;
    Ok(list.into_iter().map(mi_type).collect())
}

/// A type as the agent on a Managed Instance registers it: awsvpc tasks
/// through ENI trunking where ECS's table lists the type (Managed
/// Instances use trunking for task density), else one per extra ENI.
pub fn mi_type(t: &InstanceType) -> MiType {
    MiType {
        name: t.name.clone(),
        arch: t.arch,
        vcpu: t.vcpu,
        cpu: t.registered_cpu(),
        memory: t.registered_memory(),
        eni_slots: t.awsvpc_tasks(true).or(t.awsvpc_tasks(false)).unwrap_or(0),
        gpus: t.gpus,
    }
}

/// An instance of every type the providers may launch, in each of their
/// zones (a task held to one zone fits through that zone's), for build's
/// "could a task ever fit?" check.
pub(super) fn kinds(cluster: &Cluster, fleets: &[MiFleet]) -> Vec<Instance> {
    let mut out = Vec::new();
    for f in fleets {
        let tpl = &cluster.templates[f.group as usize];
        for (&az, t) in f
            .zones
            .iter()
            .flat_map(|z| f.types.iter().map(move |t| (z, t)))
        {
            let mut inst = tpl.instance(
                0,
                az,
                0,
                InstanceStatus::Active,
                0,
                tpl.purchase.on_demand_percent == 0,
            );
            t.apply(&mut inst, t.attributes(&cluster.azs, az));
            out.push(inst);
        }
    }
    out
}

/// A task definition in `bridge` network mode cannot run on a Managed
/// Instances provider ("Amazon ECS task networking for Amazon ECS Managed
/// Instances": awsvpc, host or none, named in the task definition).
pub(super) fn check_network(
    ctx: &Ctx,
    cluster: &Cluster,
    path: &str,
    td: &TaskDef,
    capacity: &CapacityChoice,
) -> R<()> {
    let on_mi = (0..capacity.len())
        .filter_map(|i| capacity.share(i).asg)
        .find(|&a| cluster.providers[a as usize].managed_instances);
    if let (Some(a), true) = (on_mi, td.bridge) {
        return Err(ctx.err(
            format!("{path}.task_definition"),
            format!(
                "task definition \"{}\" uses bridge network mode (given or by default), which the Managed Instances provider \"{}\" does not run; set network_mode = \"awsvpc\" (or \"host\")",
                td.family, cluster.providers[a as usize].name
            ),
        ));
    }
    Ok(())
}
