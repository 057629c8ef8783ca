//! `[[initial_tasks]]`: service tasks already running on given instances at
//! time 0, so an imported cluster starts as the real one is now.

use super::ctx::{Ctx, R};
use crate::model::deployment::DeploymentPlan;
use crate::model::{CapacityChoice, Cluster, SchedulingStrategy};
use serde::{Deserialize, Serialize};

/// One `[[initial_tasks]]` entry.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InitialTaskSpec {
    pub service: String,
    pub instance_group: String,
    /// The group's instance, from 0 (instances are spread over the group's
    /// zones in order: instance n is in zone n modulo the zone count).
    pub instance: i64,
    /// Tasks of the service on it (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
    /// The revision they run: the service's (default), or the new one of
    /// its deployment in flight.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_definition: Option<String>,
    /// PENDING at time 0: placed, still starting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<bool>,
}

/// A service's tasks RUNNING on one instance at time 0.
#[derive(Debug, Clone, PartialEq)]
pub struct InitialTasks {
    pub service: u32,
    /// Index into `Cluster::instances`.
    pub instance: u32,
    pub count: u32,
    /// The revision they run: the service's, or the new one of its
    /// deployment in flight.
    pub taskdef: u32,
    /// PENDING at time 0: placed, going through start-up.
    pub pending: bool,
}

pub(super) fn initial_tasks(
    ctx: &Ctx,
    specs: &[InitialTaskSpec],
    cluster: &Cluster,
    plans: &[DeploymentPlan],
) -> R<Vec<InitialTasks>> {
    let mut out = Vec::new();
    let mut per_service = vec![0u64; cluster.services.len()];
    for (i, s) in specs.iter().enumerate() {
        let p = format!("initial_tasks[{i}]");
        let svc = cluster
            .services
            .iter()
            .position(|x| x.name == s.service)
            .ok_or_else(|| {
                ctx.err(
                    format!("{p}.service"),
                    format!("unknown service \"{}\"", s.service),
                )
            })?;
        let service = &cluster.services[svc];
        if service.scheduling == SchedulingStrategy::Daemon {
            return Err(ctx.err(
                format!("{p}.service"),
                "a DAEMON service starts one task per instance by itself; list REPLICA services only",
            ));
        }
        if let CapacityChoice::Providers(shares) = &service.capacity
            && shares.iter().all(|s| s.capacity.is_fargate())
        {
            return Err(ctx.err(
                format!("{p}.service"),
                "runs on Fargate only; initial tasks name EC2 instances",
            ));
        }
        let group = cluster
            .instance_groups
            .iter()
            .position(|g| *g == s.instance_group)
            .ok_or_else(|| {
                ctx.err(
                    format!("{p}.instance_group"),
                    format!(
                        "unknown instance group \"{}\"; defined: {}",
                        s.instance_group,
                        cluster.instance_groups.join(", ")
                    ),
                )
            })?;
        let members: Vec<u32> = cluster
            .instances
            .iter()
            .enumerate()
            .filter(|(_, x)| x.group == group as u32)
            .map(|(k, _)| k as u32)
            .collect();
        let n = ctx.count(&format!("{p}.instance"), s.instance, 100_000)?;
        let Some(&instance) = members.get(n as usize) else {
            return Err(ctx.err(
                format!("{p}.instance"),
                format!(
                    "group \"{}\" starts with {} instances (0 to {})",
                    s.instance_group,
                    members.len(),
                    members.len().saturating_sub(1)
                ),
            ));
        };
        let count = ctx.count(&format!("{p}.count"), s.count.unwrap_or(1), 100_000)?;
        let in_flight = plans
            .iter()
            .find(|d| d.in_flight && d.service == svc as u32);
        let taskdef = revision(ctx, &p, s, cluster, svc, in_flight)?;
        per_service[svc] += u64::from(count);
        // During a deployment both revisions run, up to maximumPercent of
        // the desired count ("Deploy Amazon ECS services by replacing
        // tasks"); otherwise at most the desired count.
        let (most, what) = match in_flight {
            Some(_) => {
                let m = service.deploy_config.max_total(service.desired);
                (
                    m,
                    format!(
                        "{m}, maximum_percent of its desired_count while its deployment is in flight"
                    ),
                )
            }
            None => (
                service.desired,
                format!("its desired_count {}", service.desired),
            ),
        };
        if per_service[svc] > u64::from(most) {
            return Err(ctx.err(
                format!("{p}.count"),
                format!(
                    "service \"{}\" would start with {} tasks, above {what}",
                    s.service, per_service[svc]
                ),
            ));
        }
        out.push(InitialTasks {
            service: svc as u32,
            instance,
            count,
            taskdef,
            pending: s.pending.unwrap_or(false),
        });
    }
    Ok(out)
}

/// The revision `s` names: the service's own, or the target of its
/// deployment in flight (both run while it goes on).
fn revision(
    ctx: &Ctx,
    p: &str,
    s: &InitialTaskSpec,
    cluster: &Cluster,
    svc: usize,
    in_flight: Option<&DeploymentPlan>,
) -> R<u32> {
    let own = cluster.services[svc].taskdef;
    let Some(name) = &s.task_definition else {
        return Ok(own);
    };
    let found = cluster.taskdefs.iter().position(|t| t.family == *name);
    match found.map(|k| k as u32) {
        Some(k) if k == own || in_flight.is_some_and(|d| d.taskdef == k) => Ok(k),
        _ => Err(ctx.err(
            format!("{p}.task_definition"),
            format!(
                "\"{name}\" is neither the service's task definition ({}) nor the one of its deployment with in_flight = true",
                cluster.taskdefs[own as usize].family
            ),
        )),
    }
}
