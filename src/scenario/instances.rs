//! Instance groups (Auto Scaling groups) and the capacity providers over them.

use super::capacity;
use super::ctx::{Ctx, R, unique};
use super::instance_types::DeclaredTypes;
use super::mixed;
use super::spec::*;
use crate::engine::Dist;
use crate::engine::time::SECOND;
use crate::model::managed_instances::MiFleet;
use crate::model::*;
use std::collections::HashSet;

/// How long a launched instance stays `pending` unless `pending_delay` says:
/// ecsim's figure, as AWS publishes none (EC2 state-change events give
/// yours); only the billing start depends on it.
pub const PENDING: u64 = 15 * SECOND;

/// ECS's default quota of container instances per cluster ("Amazon ECS
/// service quotas"); a scenario may go past it, with a warning.
pub const ECS_INSTANCE_QUOTA: i64 = 5_000;
/// The most instances (count or max_size, summed over groups) one scenario
/// may hold: 20× ECS's quota, about 100 MB of instances and DAEMON tasks.
pub const MAX_INSTANCES: i64 = 100_000;

/// Per group: (min size, max size).
pub(super) type Sizes = Vec<(u32, u32)>;

pub(super) fn build_instances(
    ctx: &Ctx,
    spec: &ScenarioSpec,
    cluster: &mut Cluster,
    types: &DeclaredTypes,
    pricing: &crate::billing::PricingConfig,
) -> R<Sizes> {
    // What the allocation strategies compare until the run's own prices
    // are known (`run::rates_for` re-prices when they differ): a declared
    // price, else the shipped catalog's.
    let region = spec.region.as_deref().unwrap_or("us-east-1");
    let book = std::cell::OnceCell::new();
    let price_of = |t: &str| {
        types.prices.get(t).copied().or_else(|| {
            book.get_or_init(crate::billing::PriceBook::shipped)
                .ec2(region, t)
        })
    };
    let mut sizes = Vec::new();
    let mut names = HashSet::new();
    unique(
        ctx,
        "instance_groups",
        spec.instance_groups.iter().map(|g| g.name.as_str()),
        &mut names,
    )?;
    // Counted before any instance is built: each takes memory at once.
    let most: i64 = spec
        .instance_groups
        .iter()
        .map(|g| g.count.max(g.max_size.unwrap_or(0)).clamp(0, 1 << 40))
        .sum();
    if most > MAX_INSTANCES {
        return Err(ctx.err(
            "instance_groups",
            format!(
                "the groups hold up to {most} instances (count or max_size, summed); ecsim simulates at most {MAX_INSTANCES} in one scenario, and ECS itself allows {ECS_INSTANCE_QUOTA} container instances per cluster"
            ),
        ));
    }
    for (gi, g) in spec.instance_groups.iter().enumerate() {
        let p = format!("instance_groups[{gi}]");
        cluster.instance_groups.push(g.name.clone());
        cluster.live_instances.push(0);
        let overrides = mixed::overrides(ctx, &p, g, &price_of, pricing)?;
        if overrides.len() > 1 && g.registered_memory_mib.is_some() {
            return Err(ctx.err(
                format!("{p}.registered_memory_mib"),
                "is one type's figure; with several instance_types give each type's with [[instance_types]] instead",
            ));
        }
        let count = ctx.count(&format!("{p}.count"), g.count, 100_000)?;
        let zones = group_zones(ctx, &p, g, &cluster.azs)?;
        check_attributes(ctx, &p, g)?;
        let spot = capacity::market(ctx, &format!("{p}.market"), g.market.as_deref())?;
        let purchase = mixed::purchase(ctx, &p, g, spot)?;
        let kinds = build_kinds(
            ctx,
            &p,
            g,
            &overrides,
            types,
            &cluster.azs,
            &Pricing {
                spec,
                pricing,
                price_of: &price_of,
            },
        )?;
        let template = InstanceTemplate {
            group: gi as u32,
            zones,
            kinds,
            purchase,
            launch_delay: match &g.launch_delay {
                Some(d) => ctx.dist(&format!("{p}.launch_delay"), d)?,
                None => Dist::lognormal_valid(90_000.0, 0.25),
            },
            pending: match &g.pending_delay {
                Some(d) => ctx.dist(&format!("{p}.pending_delay"), d)?,
                None => Dist::Constant(PENDING),
            },
            // AZRebalance is one of an Auto Scaling group's processes, on
            // unless suspended.
            az_rebalance: g.az_rebalance.unwrap_or(true),
        };
        let first = cluster.instances.len();
        mixed::initial_instances(cluster, &template, count);
        cluster.templates.push(template);
        start_states(ctx, &p, g, count, cluster, first)?;
        let (min_size, max_size) = group_sizes(ctx, &p, g, count)?;
        sizes.push((min_size, max_size));
    }
    Ok(sizes)
}

/// A group's zones, as indexes into the cluster's: all of them unless it
/// lists some.
fn group_zones(ctx: &Ctx, p: &str, g: &InstanceGroupSpec, azs: &[String]) -> R<Vec<u32>> {
    Ok(match &g.availability_zones {
        None => (0..azs.len() as u32).collect(),
        Some(list) if list.is_empty() => {
            return Err(ctx.err(
                format!("{p}.availability_zones"),
                "must list at least one zone when given",
            ));
        }
        Some(list) => list
            .iter()
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
            .collect::<R<_>>()?,
    })
}

/// Custom attribute names as ECS takes them.
fn check_attributes(ctx: &Ctx, p: &str, g: &InstanceGroupSpec) -> R<()> {
    for k in g.attributes.keys() {
        if k.is_empty()
            || k.len() > 128
            || !k
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_/.".contains(c))
            || k.starts_with("ecs.")
        {
            return Err(ctx.err(format!("{p}.attributes.{k}"), "custom attribute names are 1-128 of A-Z a-z 0-9 - _ / . and may not start with \"ecs.\""));
        }
    }
    Ok(())
}

/// The group's instances that start DRAINING or with their agent
/// disconnected (`first` is the group's first instance).
fn start_states(
    ctx: &Ctx,
    p: &str,
    g: &InstanceGroupSpec,
    count: u32,
    cluster: &mut Cluster,
    first: usize,
) -> R<()> {
    // Set before the run starts: ECS stops placing on a DRAINING
    // instance and the service scheduler replaces its tasks ("Draining
    // Amazon ECS container instances"); the instance itself stays until
    // something terminates it.
    for (k, &n) in g.draining_instances.iter().enumerate() {
        let q = format!("{p}.draining_instances[{k}]");
        if count == 0 {
            return Err(ctx.err(q, "the group starts with no instance to drain"));
        }
        let n = ctx.count(&q, n, i64::from(count) - 1)?;
        cluster.start_draining((first + n as usize) as u32);
    }
    disconnect(
        ctx,
        p,
        &g.agent_disconnected,
        count,
        &mut cluster.instances[first..],
    )?;
    Ok(())
}

/// `min_size` and `max_size` (the count when not given), with the count
/// between them.
fn group_sizes(ctx: &Ctx, p: &str, g: &InstanceGroupSpec, count: u32) -> R<(u32, u32)> {
    let (min_size, max_size) = (
        g.min_size
            .map(|v| ctx.count(&format!("{p}.min_size"), v, 100_000))
            .transpose()?
            .unwrap_or(count),
        g.max_size
            .map(|v| ctx.count(&format!("{p}.max_size"), v, 100_000))
            .transpose()?
            .unwrap_or(count),
    );
    if min_size > count || count > max_size {
        return Err(ctx.err(
            format!("{p}.count"),
            format!("count {count} must lie within min_size {min_size} and max_size {max_size}"),
        ));
    }
    Ok((min_size, max_size))
}

/// What the types of a group are compared with: the run's prices as known
/// at build time, and the faults (per-pool Spot interruption rates).
struct Pricing<'a> {
    spec: &'a ScenarioSpec,
    pricing: &'a crate::billing::PricingConfig,
    price_of: &'a dyn Fn(&str) -> Option<i128>,
}

/// Each launch template override of group `g` as its instances are made.
fn build_kinds(
    ctx: &Ctx,
    p: &str,
    g: &InstanceGroupSpec,
    overrides: &[mixed::Override],
    types: &DeclaredTypes,
    azs: &[String],
    how: &Pricing,
) -> R<Vec<InstanceKind>> {
    let trunking = g.awsvpc_trunking.unwrap_or(false);
    let mut kinds = Vec::new();
    for o in overrides {
        let resolved = types.get(ctx, &o.path, &o.name)?;
        let it = &resolved.it;
        if trunking && it.awsvpc_tasks(true).is_none() {
            return Err(ctx.err(format!("{p}.awsvpc_trunking"), no_trunking(it)));
        }
        let mut memory = match g.registered_memory_mib {
            Some(m) => ctx.count(
                &format!("{p}.registered_memory_mib"),
                m,
                i64::from(it.memory_mib),
            )?,
            None => resolved.registered_memory,
        };
        let reserved = ctx.count(
            &format!("{p}.reserved_memory_mib"),
            g.reserved_memory_mib.unwrap_or(0),
            i64::from(memory),
        )?;
        memory -= reserved;
        // Only a multi-type group compares prices; the run checks that
        // every type is priced (`run::rates_for`).
        let on_demand = if overrides.len() > 1 {
            (how.price_of)(&it.name).unwrap_or(0)
        } else {
            0
        };
        let (on_demand_price, spot_prices) = mixed::prices(&it.name, on_demand, how.pricing);
        kinds.push(InstanceKind {
            instance_type: it.name.clone(),
            arch: it.arch,
            attributes: crate::model::provider::zone_attributes(
                &g.attributes,
                &it.name,
                it.arch,
                azs,
            ),
            cpu: it.registered_cpu(),
            memory,
            // Unknown ENI limits hold no awsvpc task: check_fits says why.
            eni_slots: it.awsvpc_tasks(trunking).unwrap_or(0),
            gpus: it.gpus,
            weight: o.weight,
            on_demand_price,
            spot_prices,
            interruption_rate: mixed::interruption_rates(&how.spec.faults, azs, &it.name),
        });
    }
    Ok(kinds)
}

pub(super) fn build_providers(
    ctx: &Ctx,
    spec: &ScenarioSpec,
    cluster: &mut Cluster,
    sizes: &Sizes,
    region: &str,
) -> R<Vec<MiFleet>> {
    let mut fleets = Vec::new();
    let mut names = HashSet::from(["FARGATE".to_string(), "FARGATE_SPOT".to_string()]);
    for (i, c) in spec.capacity_providers.iter().enumerate() {
        let p = format!("capacity_providers[{i}]");
        if !names.insert(c.name.clone()) || c.name.trim().is_empty() {
            return Err(ctx.err(
                format!("{p}.name"),
                format!("\"{}\" is empty, reserved or used twice", c.name),
            ));
        }
        match c.kind.as_deref() {
            None | Some("auto_scaling_group") => {
                super::managed_instances::refuse_mi_keys(ctx, &p, c)?;
            }
            Some("managed_instances") => {
                fleets.push(super::managed_instances::build(
                    ctx, &p, c, cluster, region,
                )?);
                continue;
            }
            Some(o) => {
                return Err(ctx.err(
                    format!("{p}.kind"),
                    format!("\"{o}\" is not auto_scaling_group (the default) or managed_instances"),
                ));
            }
        }
        let Some(group_name) = &c.instance_group else {
            return Err(ctx.err(
                format!("{p}.instance_group"),
                "an Auto Scaling group capacity provider names its instance group (or set kind = \"managed_instances\" with instance_requirements)",
            ));
        };
        let group = cluster
            .instance_groups
            .iter()
            .position(|g| g == group_name)
            .ok_or_else(|| {
                ctx.err(
                    format!("{p}.instance_group"),
                    format!(
                        "unknown instance group \"{}\"; defined: {}",
                        group_name,
                        cluster.instance_groups.join(", ")
                    ),
                )
            })?;
        // "The Auto Scaling group that's used with your capacity provider
        // can't use instance weighting settings" ("Amazon ECS cluster auto
        // scaling"): managed scaling counts instances, not units.
        if cluster.templates[group].weighted() {
            return Err(ctx.err(
                format!("{p}.instance_group"),
                format!(
                    "group \"{}\" weights its instance types (weighted_capacity), which ECS capacity providers do not support; drop weighted_capacity or use the group without a capacity provider",
                    group_name
                ),
            ));
        }
        if cluster.providers.iter().any(|q| q.group == group as u32) {
            return Err(ctx.err(
                format!("{p}.instance_group"),
                "another capacity provider already uses this group",
            ));
        }
        let target = ctx.count(
            &format!("{p}.target_capacity"),
            c.target_capacity.unwrap_or(100),
            100,
        )?;
        if target == 0 {
            return Err(ctx.err(format!("{p}.target_capacity"), "must be 1 to 100 (percent)"));
        }
        let min_step = ctx.count(
            &format!("{p}.minimum_scaling_step_size"),
            c.minimum_scaling_step_size.unwrap_or(1),
            10_000,
        )?;
        if min_step == 0 {
            return Err(ctx.err(
                format!("{p}.minimum_scaling_step_size"),
                "must be 1 to 10000",
            ));
        }
        let max_step = ctx.count(
            &format!("{p}.maximum_scaling_step_size"),
            c.maximum_scaling_step_size.unwrap_or(10_000),
            10_000,
        )?;
        if max_step < min_step {
            return Err(ctx.err(
                format!("{p}.maximum_scaling_step_size"),
                format!("{max_step} is below minimum_scaling_step_size {min_step}"),
            ));
        }
        let warmup = match &c.instance_warmup_period {
            Some(w) => ctx.duration(&format!("{p}.instance_warmup_period"), w)?,
            None => 300 * SECOND,
        };
        let (min_size, max_size) = sizes[group];
        cluster.providers.push(AsgProvider {
            name: c.name.clone(),
            group: group as u32,
            min_size,
            max_size,
            target_capacity: target,
            min_step,
            max_step,
            warmup,
            termination_protection: c.managed_termination_protection.unwrap_or(true),
            managed_instances: false,
            low_minutes: 0,
            reservation: 0.0,
            published: None,
        });
    }
    Ok(fleets)
}

/// Why a type cannot take `awsvpc_trunking = true` and what to do instead.
/// `agent_disconnected`: instances of the group (from 0) that start with
/// their container agent disconnected. ECS places no task on them (API
/// reference "ContainerInstance", agentConnected: only instances whose
/// agent is connected accept task placement requests).
fn disconnect(ctx: &Ctx, p: &str, list: &[i64], count: u32, group: &mut [Instance]) -> R<()> {
    for (i, &n) in list.iter().enumerate() {
        let q = format!("{p}.agent_disconnected[{i}]");
        let n = ctx.count(&q, n, 100_000)?;
        let Some(inst) = group.get_mut(n as usize) else {
            return Err(ctx.err(
                q,
                format!(
                    "the group starts with {count} instances (0 to {})",
                    count.saturating_sub(1)
                ),
            ));
        };
        if !inst.agent_connected {
            return Err(ctx.err(q, format!("instance {n} is listed twice")));
        }
        inst.agent_connected = false;
    }
    Ok(())
}

fn no_trunking(it: &crate::catalog::InstanceType) -> String {
    let name = &it.name;
    if crate::catalog::ecs_trunk_tasks(name).is_some() {
        return format!(
            "[[instance_types]] sets trunk_tasks = 0 for {name}, i.e. no ENI trunking; drop awsvpc_trunking or give trunk_tasks a task count"
        );
    }
    // Listed types of the same size and architecture, as a way out; those
    // of the same family letter (m, c, r...) first.
    let mut alike: Vec<&str> = crate::catalog::instance_types()
        .iter()
        .filter(|t| t.trunk_tasks.is_some() && t.vcpu == it.vcpu && t.arch == it.arch)
        .map(|t| t.name.as_str())
        .collect();
    alike.sort_by_key(|t| t.get(..1) != name.get(..1));
    alike.truncate(4);
    let alike = if alike.is_empty() {
        String::new()
    } else {
        format!(" (such as {})", alike.join(", "))
    };
    format!(
        "{name} is not in ECS's ENI trunking table ({}), so it does not support awsvpcTrunking; drop awsvpc_trunking, use a type the table lists{alike}, or if AWS documents a task count for it give it with [[instance_types]] name = \"{name}\", trunk_tasks = N",
        crate::catalog::TRUNKING_SOURCE
    )
}
