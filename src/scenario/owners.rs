//! The services and jobs of a scenario: each checked in turn and added to
//! the cluster with its task group, in the order the file lists them (so
//! the first error found is the first in the file).

use super::build::{check_fits, zone_spread};
use super::capacity;
use super::ctx::{Ctx, R, pairs};
use super::deployments;
use super::spec::*;
use super::workload;
use crate::engine::time::{HOUR, SimTime, parse_time_of_day};
use crate::engine::{Dist, Level};
use crate::model::*;
use crate::placement::{SpreadField, Strategy};
use crate::scaling::ScalingState;
use std::collections::BTreeMap;

/// What building a service or a job reads besides the cluster, and the
/// task groups made so far.
pub(super) struct Owners<'a> {
    pub ctx: &'a Ctx<'a>,
    pub families: &'a BTreeMap<String, u32>,
    pub asg_names: &'a [String],
    /// The instances a task is asked to fit on.
    pub fit_pool: &'a super::fit_pool::FitPool<'a>,
    pub group_ids: BTreeMap<String, u32>,
}

impl Owners<'_> {
    /// The task group of that name, made on first use.
    fn group_of(&mut self, cluster: &mut Cluster, name: String) -> u32 {
        *self.group_ids.entry(name.clone()).or_insert_with(|| {
            cluster.groups.push(Group::named(name));
            cluster.groups.len() as u32 - 1
        })
    }

    fn find_td(&self, path: String, name: &str) -> R<u32> {
        self.families.get(name).copied().ok_or_else(|| {
            let known: Vec<&str> = self.families.keys().map(String::as_str).collect();
            self.ctx.err(
                path,
                format!(
                    "unknown task definition \"{name}\"; defined: {}",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ),
            )
        })
    }
}

/// Service `i` into the cluster; its desired-count changes are added to
/// `desired_changes`, what looks unintended to `notes`.
pub(super) fn service(
    env: &mut Owners,
    cluster: &mut Cluster,
    spec: &ScenarioSpec,
    (i, s): (usize, &ServiceSpec),
    notes: &mut Vec<String>,
    desired_changes: &mut Vec<(SimTime, u32, u32)>,
) -> R<()> {
    let ctx = env.ctx;
    let p = format!("services[{i}]");
    let taskdef = env.find_td(format!("{p}.task_definition"), &s.task_definition)?;
    let (scheduling, desired) = scheduling(ctx, &p, s)?;
    let strategies = service_strategies(ctx, &p, s, scheduling)?;
    let constraints = ctx.constraints(
        &format!("{p}.placement_constraints"),
        &pairs(&s.placement_constraints),
    )?;
    for (k, c) in s.desired_count_changes.iter().enumerate() {
        let cp = format!("{p}.desired_count_changes[{k}]");
        if scheduling == SchedulingStrategy::Daemon {
            return Err(ctx.err(cp, "DAEMON services have no desired count to change"));
        }
        let at = ctx.duration(&format!("{cp}.at"), &c.at)?;
        let n = ctx.count(&format!("{cp}.desired_count"), c.desired_count, 100_000)?;
        desired_changes.push((at, i as u32, n));
    }
    let capacity = capacity::capacity(
        ctx,
        &p,
        capacity::Placement {
            launch_type: s.launch_type.as_deref(),
            providers: s.capacity_provider_strategy.as_deref(),
            has_strategy: s.placement_strategy.is_some(),
            has_constraints: !s.placement_constraints.is_empty(),
            daemon: scheduling == SchedulingStrategy::Daemon,
            asg_providers: env.asg_names,
        },
        &cluster.taskdefs[taskdef as usize],
    )?;
    let on_ec2 = !capacity.is_fargate();
    let workload = match super::queues::workload(ctx, &spec.queues, s)? {
        Some(w) => Some(w),
        None => workload::workload(ctx, &p, s)?,
    };
    let autoscaling = match &s.autoscaling {
        Some(_) if scheduling == SchedulingStrategy::Daemon => {
            return Err(ctx.err(
                format!("{p}.autoscaling"),
                "DAEMON services do not scale; remove autoscaling",
            ));
        }
        Some(a) => Some(workload::autoscaling(
            ctx,
            &format!("{p}.autoscaling"),
            a,
            workload.is_some(),
            notes,
        )?),
        None => None,
    };
    let mut deploy_config = deployments::config(ctx, &p, s, scheduling)?;
    deploy_config.alarms =
        super::deploy_alarms::build(ctx, &p, s.deployment_alarms.as_ref(), workload.is_some())?;
    let mut scaling = autoscaling
        .as_ref()
        .map(ScalingState::new)
        .unwrap_or_default();
    // A deployment alarm reads as far back as it looks.
    for a in deploy_config.alarms.iter().flat_map(|d| &d.alarms) {
        scaling.keep_minutes((u64::from(a.evaluation_periods) * (a.period / 60_000)) as usize);
    }
    let desired = if autoscaling.is_some() {
        scaling.bound(desired)
    } else {
        desired
    };
    let group = env.group_of(cluster, format!("service:{}", s.name));
    let az_rebalancing = s
        .availability_zone_rebalancing
        .unwrap_or(scheduling == SchedulingStrategy::Replica && zone_spread(&strategies));
    cluster.services.push(Service {
        name: s.name.clone(),
        scheduling,
        taskdef,
        capacity,
        desired,
        strategies,
        constraints,
        group,
        active: Vec::new(),
        stats: OwnerStats {
            running: Level::default(),
            ..Default::default()
        },
        reached_desired: None,
        ramp_done: None,
        workload,
        autoscaling,
        scaling,
        load: Default::default(),
        health: Default::default(),
        deploy_config,
        deployment: None,
        az_rebalancing,
        rebalance: None,
        load_balancer: super::load_balancer::build(ctx, &p, s.load_balancer.as_ref())?,
    });
    if on_ec2 {
        notes.extend(check_fits(
            ctx,
            cluster,
            &p,
            taskdef,
            &cluster.services[i].constraints,
            scheduling == SchedulingStrategy::Daemon,
            &cluster.services[i].capacity,
            env.fit_pool,
        )?);
    }
    Ok(())
}

/// The scheduling strategy and the desired count it allows.
fn scheduling(ctx: &Ctx, p: &str, s: &ServiceSpec) -> R<(SchedulingStrategy, u32)> {
    let scheduling = match s.scheduling_strategy.as_deref().unwrap_or("REPLICA") {
        "REPLICA" => SchedulingStrategy::Replica,
        "DAEMON" => SchedulingStrategy::Daemon,
        o => {
            return Err(ctx.err(
                format!("{p}.scheduling_strategy"),
                format!("\"{o}\" is not REPLICA or DAEMON"),
            ));
        }
    };
    let desired = match (scheduling, s.desired_count) {
        (SchedulingStrategy::Replica, Some(n)) => {
            ctx.count(&format!("{p}.desired_count"), n, 100_000)?
        }
        (SchedulingStrategy::Replica, None) => {
            return Err(ctx.err(
                format!("{p}.desired_count"),
                "REPLICA services need desired_count (0 or more)",
            ));
        }
        (SchedulingStrategy::Daemon, Some(_)) => {
            return Err(ctx.err(
                format!("{p}.desired_count"),
                "DAEMON services run one task per instance; remove desired_count",
            ));
        }
        (SchedulingStrategy::Daemon, None) => 0,
    };
    Ok((scheduling, desired))
}

fn service_strategies(
    ctx: &Ctx,
    p: &str,
    s: &ServiceSpec,
    scheduling: SchedulingStrategy,
) -> R<Vec<Strategy>> {
    // ECS rejects placement strategies on DAEMON services (InvalidParameterException).
    Ok(match (&s.placement_strategy, scheduling) {
        (Some(_), SchedulingStrategy::Daemon) => {
            return Err(ctx.err(
                format!("{p}.placement_strategy"),
                "DAEMON services do not support placement strategies",
            ));
        }
        (Some(list), _) => ctx.strategies(&format!("{p}.placement_strategy"), list)?,
        // The service scheduler's default: balance across zones, then across instances.
        (None, _) => vec![
            Strategy::Spread(SpreadField::Attribute("ecs.availability-zone".into())),
            Strategy::Spread(SpreadField::InstanceId),
        ],
    })
}

/// Job `i` into the cluster; what looks unintended to `notes`.
pub(super) fn job(
    env: &mut Owners,
    cluster: &mut Cluster,
    (i, j): (usize, &JobSpec),
    notes: &mut Vec<String>,
) -> R<()> {
    let ctx = env.ctx;
    let p = format!("jobs[{i}]");
    let taskdef = env.find_td(format!("{p}.task_definition"), &j.task_definition)?;
    let arrivals = arrivals(ctx, &p, &j.arrivals)?;
    let duration = ctx.dist(&format!("{p}.duration"), &j.duration)?;
    // RunTask places at random when no strategy is given.
    let strategies = match &j.placement_strategy {
        Some(list) => ctx.strategies(&format!("{p}.placement_strategy"), list)?,
        None => vec![Strategy::Random],
    };
    let constraints = ctx.constraints(
        &format!("{p}.placement_constraints"),
        &pairs(&j.placement_constraints),
    )?;
    let gname = j
        .group
        .clone()
        .unwrap_or_else(|| format!("family:{}", cluster.taskdefs[taskdef as usize].family));
    let group = env.group_of(cluster, gname);
    let capacity = capacity::capacity(
        ctx,
        &p,
        capacity::Placement {
            launch_type: j.launch_type.as_deref(),
            providers: j.capacity_provider_strategy.as_deref(),
            has_strategy: j.placement_strategy.is_some(),
            has_constraints: !j.placement_constraints.is_empty(),
            daemon: false,
            asg_providers: env.asg_names,
        },
        &cluster.taskdefs[taskdef as usize],
    )?;
    if !capacity.is_fargate() {
        notes.extend(check_fits(
            ctx,
            cluster,
            &p,
            taskdef,
            &constraints,
            false,
            &capacity,
            env.fit_pool,
        )?);
    }
    let no_capacity = match j.no_capacity.as_deref().unwrap_or("fail") {
        "fail" => NoCapacity::Fail,
        "queue" => NoCapacity::Queue,
        o => {
            return Err(ctx.err(
                format!("{p}.no_capacity"),
                format!("\"{o}\" is not fail or queue"),
            ));
        }
    };
    cluster.jobs.push(Job {
        name: j.name.clone(),
        taskdef,
        capacity,
        group,
        arrivals,
        duration,
        strategies,
        constraints,
        stats: OwnerStats::default(),
        no_capacity,
        refused: Default::default(),
    });
    Ok(())
}

/// When a job's tasks arrive: at random (Poisson) or on a schedule.
fn arrivals(ctx: &Ctx, p: &str, a: &ArrivalSpec) -> R<Arrivals> {
    Ok(match a {
        ArrivalSpec::Poisson {
            rate_per_hour,
            batch,
        } => {
            if !(rate_per_hour.is_finite() && *rate_per_hour > 0.0 && *rate_per_hour <= 3.6e9) {
                return Err(ctx.err(
                    format!("{p}.arrivals.rate_per_hour"),
                    format!("must be a number above 0 (and at most 3.6e9), got {rate_per_hour}"),
                ));
            }
            let batch = ctx
                .count(
                    &format!("{p}.arrivals.batch"),
                    batch.unwrap_or(1),
                    1_000_000,
                )?
                .max(1);
            Arrivals::Random {
                gap: Dist::exponential_mean(HOUR as f64 / rate_per_hour),
                batch,
            }
        }
        ArrivalSpec::Schedule { every, count, at } => {
            let every = ctx.duration(&format!("{p}.arrivals.every"), every)?;
            if every == 0 {
                return Err(ctx.err(format!("{p}.arrivals.every"), "must be longer than 0s"));
            }
            let count = ctx.count(&format!("{p}.arrivals.count"), *count, 1_000_000)?;
            let first = match at {
                Some(t) => {
                    parse_time_of_day(t).map_err(|e| ctx.err(format!("{p}.arrivals.at"), e))?
                }
                None => 0,
            };
            Arrivals::Schedule {
                first,
                every,
                count,
            }
        }
    })
}
