//! Checks a parsed scenario and turns it into the initial model. Every error
//! names the field path and what would be valid.

use super::Scenario;
use super::capacity;
use super::ctx::{Ctx, R, unique};
use super::deployments;
use super::faults;
use super::fit_pool::FitPool;
use super::instances;
use super::spec::*;
use super::taskdefs::build_taskdefs;
use crate::engine::SimTime;
use crate::model::*;
use crate::placement::{self, Constraint, Request, SpreadField, Strategy};
use std::collections::{BTreeMap, HashSet};

use super::MAX_DURATION;

pub(super) fn build(ctx: &Ctx, spec: ScenarioSpec) -> R<Scenario> {
    if let Err(m) = super::check_results_name(&spec.name) {
        return Err(ctx.err("name", m));
    }
    let duration = ctx.duration("duration", &spec.duration)?;
    // The run keeps per-minute and per-hour rows: a cap keeps a typo such
    // as "100000w" from exhausting memory.
    if duration > MAX_DURATION {
        return Err(ctx.err(
            "duration",
            format!(
                "{} is longer than ecsim simulates (at most 400d)",
                spec.duration
            ),
        ));
    }
    if duration == 0 {
        return Err(ctx.err("duration", "must be longer than 0s"));
    }
    let mut cluster = Cluster::default();
    cluster.azs = zones(ctx, &spec.cluster.availability_zones)?;

    let types = super::instance_types::declared(ctx, &spec.instance_types)?;
    // Before the groups: a mixed group's allocation strategies compare prices.
    let mut pricing = capacity::pricing(ctx, spec.pricing.as_ref(), &types)?;
    let sizes = instances::build_instances(ctx, &spec, &mut cluster, &types, &pricing)?;
    let managed_instances = instances::build_providers(
        ctx,
        &spec,
        &mut cluster,
        &sizes,
        spec.region.as_deref().unwrap_or("us-east-1"),
    )?;
    let asg_names: Vec<String> = cluster.providers.iter().map(|p| p.name.clone()).collect();
    // One instance of each type a Managed Instances provider may launch.
    let mi_kinds = super::managed_instances::kinds(&cluster, &managed_instances);
    let fit_pool = FitPool::new(&cluster, &mi_kinds);
    let families = build_taskdefs(ctx, &spec, &mut cluster)?;
    // Said on stderr by `validate` and `run`: input that is allowed but
    // probably not what was meant.
    let mut notes = Vec::new();
    let mut owners = HashSet::new();
    unique(
        ctx,
        "services",
        spec.services.iter().map(|s| s.name.as_str()),
        &mut owners,
    )?;
    unique(
        ctx,
        "jobs",
        spec.jobs.iter().map(|j| j.name.as_str()),
        &mut owners,
    )?;
    super::queues::check(ctx, &spec.queues, &spec.services)?;
    let mut desired_changes = Vec::new();
    let mut env = super::owners::Owners {
        ctx,
        families: &families,
        asg_names: &asg_names,
        fit_pool: &fit_pool,
        group_ids: BTreeMap::new(),
    };
    for service in spec.services.iter().enumerate() {
        super::owners::service(
            &mut env,
            &mut cluster,
            &spec,
            service,
            &mut notes,
            &mut desired_changes,
        )?;
    }
    desired_changes.sort_by_key(|c| c.0);
    for job in spec.jobs.iter().enumerate() {
        super::owners::job(&mut env, &mut cluster, job, &mut notes)?;
    }
    let region = spec.region.clone().unwrap_or_else(|| "us-east-1".into());
    if region.trim().is_empty() {
        return Err(ctx.err("region", "must not be empty, e.g. \"us-east-1\""));
    }
    let warm_up = warm_up(ctx, spec.warm_up.as_deref(), duration)?;
    pricing.network = super::network::build(ctx, &spec, &cluster)?;
    let spec_traces: Vec<(usize, String)> = spec
        .services
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let d = s.demand.as_ref().filter(|d| d.kind == "trace")?;
            Some((i, d.file.clone().unwrap_or_default()))
        })
        .collect();
    let plans = deployments::plans(ctx, &spec.deployments, &cluster)?;
    Ok(Scenario {
        managed_instances,
        region,
        warm_up,
        quotas: super::quotas::build(ctx, spec.quotas.as_ref())?,
        image_pull: super::image_pull::build(ctx, spec.image_pull.as_ref())?,
        pricing,
        ec2_prices: types.prices,
        declared_types: spec.instance_types.iter().map(|t| t.name.clone()).collect(),
        fargate_provisioning: capacity::fargate_provisioning(ctx, spec.fargate.as_ref())?,
        faults: faults::faults(ctx, &spec.faults, &cluster)?,
        initial_tasks: super::initial::initial_tasks(ctx, &spec.initial_tasks, &cluster, &plans)?,
        deployments: plans,
        name: spec.name,
        file: ctx.file.to_path_buf(),
        duration,
        seed: spec.seed,
        most_instances: sizes
            .iter()
            .zip(&spec.instance_groups)
            .map(|(&(_, max), g)| u64::from(max).max(g.count.max(0) as u64))
            .sum(),
        notes: {
            notes.extend(super::workload::trace_notes(
                &spec_traces,
                &cluster,
                duration,
            ));
            notes
        },
        cluster,
        desired_changes,
    })
}

/// The cluster's zones: at least one, none empty or listed twice.
fn zones(ctx: &Ctx, azs: &[String]) -> R<Vec<String>> {
    if azs.is_empty() {
        return Err(ctx.err(
            "cluster.availability_zones",
            "list at least one zone, e.g. [\"us-east-1a\"]",
        ));
    }
    let mut seen = HashSet::new();
    for (i, z) in azs.iter().enumerate() {
        if z.trim().is_empty() || !seen.insert(z.clone()) {
            return Err(ctx.err(
                format!("cluster.availability_zones[{i}]"),
                format!("\"{z}\" is empty or listed twice"),
            ));
        }
    }
    Ok(azs.to_vec())
}

/// `warm_up`: "auto" (the default) or a duration shorter than the run.
fn warm_up(ctx: &Ctx, warm_up: Option<&str>, duration: SimTime) -> R<super::WarmUp> {
    Ok(match warm_up {
        None | Some("auto") => super::WarmUp::Auto,
        Some(t) => {
            let d = ctx.duration("warm_up", t).map_err(|_| {
                ctx.err(
                    "warm_up",
                    format!("\"{t}\" is not \"auto\" or a duration such as \"0s\" or \"15m\""),
                )
            })?;
            if d >= duration && d > 0 {
                return Err(ctx.err(
                    "warm_up",
                    format!(
                        "\"{t}\" is not shorter than the run's duration: nothing would be measured"
                    ),
                ));
            }
            super::WarmUp::For(d)
        }
    })
}

/// Refuses a task that no instance in the scenario could ever hold; notes
/// (for stderr) the entries of its capacity provider strategy that could
/// never hold it while another could.
#[allow(clippy::too_many_arguments)]
pub(super) fn check_fits(
    ctx: &Ctx,
    cluster: &Cluster,
    path: &str,
    taskdef: u32,
    constraints: &[Constraint],
    daemon: bool,
    capacity: &CapacityChoice,
    fits: &FitPool,
) -> R<Vec<String>> {
    let td = &cluster.taskdefs[taskdef as usize];
    super::managed_instances::check_network(ctx, cluster, path, td, capacity)?;
    // An Auto Scaling group provider's tasks only use its group.
    let groups: Vec<u32> = (0..capacity.len())
        .filter_map(|i| capacity.share(i).asg)
        .map(|a| cluster.providers[a as usize].group)
        .collect();
    let req = Request {
        cpu: td.cpu,
        memory: td.memory,
        ports: &td.host_ports,
        enis: u32::from(td.awsvpc),
        gpus: td.gpus,
        arch: td.arch,
        group: 0,
        constraints: [&td.constraints, constraints],
        strategies: &[],
        only_instance: None,
        instance_group: None,
    };
    // One instance of each class `could_ever_fit` tells apart (`FitPool`):
    // the same answer, and the same instances named below, as asking all.
    let pool = fits.pool(cluster, &req, &groups);
    let ok = pool
        .iter()
        .any(|i| placement::could_ever_fit(cluster, i, &req));
    // A DAEMON service in a cluster without instances simply has nothing to run on.
    if ok || (daemon && cluster.instances.is_empty()) {
        return Ok(never_hosting(
            cluster, path, capacity, &req, fits, &td.family,
        ));
    }
    // No instance of the task's architecture at all: that is the cause, not
    // the CPU and memory the instances of the other one have.
    if let Some(a) = td.arch
        && !pool.iter().any(|i| i.arch == a)
    {
        return Err(ctx.err(
            format!("{path}.task_definition"),
            wrong_arch(cluster, &td.family, a, &groups),
        ));
    }
    let biggest = instance_names(&pool);
    Err(ctx.err(
        format!("{path}.task_definition"),
        format!(
            "task definition \"{}\" needs {} CPU units and {} MiB{}{}, which no instance can ever provide; instances: {}",
            td.family,
            td.cpu,
            td.memory,
            match (td.gpus, td.awsvpc) {
                (0, false) => String::new(),
                (g, false) => format!(", {g} GPUs"),
                (0, true) => ", an ENI (awsvpc; types with unknown ENI limits hold none: declare max_enis in [[instance_types]])".into(),
                (g, true) => format!(", {g} GPUs, an ENI (awsvpc)"),
            },
            if td.arch.is_some() || td.constraints.iter().chain(constraints).any(|c| matches!(c, Constraint::MemberOf(_))) { " (with its architecture and memberOf constraints)" } else { "" },
            if biggest.is_empty() { "none".to_string() } else { biggest.into_iter().collect::<Vec<_>>().join(", ") }
        ),
    ))
}

/// Notes for the entries of a capacity provider strategy whose instances
/// could never hold the task (their types, zones or attributes fail its
/// size, architecture or `memberOf`) when the strategy has others: the
/// tasks ECS gives that entry wait in PROVISIONING for good, and managed
/// scaling grows its group for them up to its maximum size.
fn never_hosting(
    cluster: &Cluster,
    path: &str,
    capacity: &CapacityChoice,
    req: &Request,
    fits: &FitPool,
    family: &str,
) -> Vec<String> {
    if capacity.len() < 2 {
        return Vec::new();
    }
    (0..capacity.len())
        .filter_map(|i| {
            let provider = &cluster.providers[capacity.share(i).asg? as usize];
            let pool = fits.pool(cluster, req, &[provider.group]);
            (!pool
                .iter()
                .any(|x| placement::could_ever_fit(cluster, x, req)))
            .then(|| {
                format!(
                    "{path}.capacity_provider_strategy[{i}]: capacity provider \"{}\" can never run task definition \"{family}\" (no type, zone or attributes its instances have pass the task's size, architecture and memberOf constraints): the tasks it is given will wait in PROVISIONING for good while its group grows to its maximum size",
                    provider.name
                )
            })
        })
        .collect()
}

/// The instances of `pool` as a refusal names them: each type and size once.
pub(super) fn instance_names(pool: &[&Instance]) -> std::collections::BTreeSet<String> {
    pool.iter()
        .map(|i| {
            format!(
                "{} ({}, {} cpu, {} MiB, {} GPUs, {} awsvpc tasks)",
                i.instance_type,
                i.arch.as_str(),
                i.cpu,
                i.memory,
                i.gpus,
                i.eni_slots
            )
        })
        .collect()
}

/// A task definition asks for a CPU architecture no group it may use
/// launches (`ecs.cpu-architecture` is set from the instance type, "Amazon
/// ECS task definitions for 64-bit ARM workloads"): name the groups and a
/// way out.
fn wrong_arch(cluster: &Cluster, family: &str, need: Arch, groups: &[u32]) -> String {
    let (label, other, fix) = match need {
        Arch::Arm64 => (
            "ARM64",
            "ARM64",
            "use a Graviton (arm64) type such as m7g.large, c7g.large or t4g.medium",
        ),
        Arch::X86_64 => (
            "X86_64",
            "x86_64",
            "use an x86_64 type such as m6i.large, c6i.large or t3.medium",
        ),
    };
    let list: Vec<String> = cluster
        .templates
        .iter()
        .filter(|t| groups.is_empty() || groups.contains(&t.group))
        .map(|t| {
            let kinds: Vec<String> = t
                .kinds
                .iter()
                .map(|k| format!("{}, {}", k.instance_type, k.arch.as_str()))
                .collect();
            format!(
                "{} ({})",
                cluster.instance_groups[t.group as usize],
                kinds.join("; ")
            )
        })
        .collect();
    let list = if list.is_empty() {
        "none".to_string()
    } else {
        list.join(", ")
    };
    format!(
        "task definition \"{family}\" needs {label} (runtime_platform, or runtimePlatform.cpuArchitecture in AWS JSON) but no instance group it may use launches an {other} type: groups {list}; {fix} (`ecsim catalog` shows each type's arch), or drop runtime_platform if the image is multi-architecture"
    )
}

/// Whether service `i`'s placement spreads it over zones first (or leaves
/// the default, which does) with no binpack: ECS turns Availability Zone
/// rebalancing on by default only for such services ("Balancing an Amazon
/// ECS service across Availability Zones"; binpack services default off).
pub(super) fn zone_spread(strategies: &[Strategy]) -> bool {
    let first_is_zone = match strategies.first() {
        None => true,
        Some(Strategy::Spread(SpreadField::Attribute(a))) => a == "ecs.availability-zone",
        Some(_) => false,
    };
    first_is_zone && !strategies.iter().any(|s| matches!(s, Strategy::Binpack(_)))
}
