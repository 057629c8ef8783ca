//! `[[initial_tasks]]`: service tasks already running on given instances at
//! time 0, so an imported cluster starts as the real one is now.

use super::ctx::{Ctx, R};
use super::spec::InitialTaskSpec;
use crate::model::{CapacityChoice, Cluster, SchedulingStrategy};

/// A service's tasks RUNNING on one instance at time 0.
#[derive(Debug, Clone, PartialEq)]
pub struct InitialTasks {
    pub service: u32,
    /// Index into `Cluster::instances`.
    pub instance: u32,
    pub count: u32,
}

pub(super) fn initial_tasks(
    ctx: &Ctx,
    specs: &[InitialTaskSpec],
    cluster: &Cluster,
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
        per_service[svc] += u64::from(count);
        if per_service[svc] > u64::from(service.desired) {
            return Err(ctx.err(
                format!("{p}.count"),
                format!(
                    "service \"{}\" would start with {} tasks, above its desired_count {}",
                    s.service, per_service[svc], service.desired
                ),
            ));
        }
        out.push(InitialTasks {
            service: svc as u32,
            instance,
            count,
        });
    }
    Ok(out)
}
