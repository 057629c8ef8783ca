//! Deployment settings of services and the deployments a scenario schedules.

use super::ctx::{Ctx, R};
use super::spec::ServiceSpec;
use crate::model::deployment::{DeploymentConfig, DeploymentPlan, Strategy, Traffic};
use crate::model::{Cluster, SchedulingStrategy};
use serde::{Deserialize, Serialize};

/// One `[[deployments]]` entry.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DeploymentSpec {
    pub service: String,
    pub at: String,
    /// The new revision: a task definition of the scenario.
    pub task_definition: String,
    /// "rolling" (default) or "blue_green".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<String>,
    /// blue_green: "all_at_once" (default), "canary" or "linear".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bake_time: Option<String>,
    /// Under way at time 0 (`at = "0s"`): its tasks are `[[initial_tasks]]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_flight: Option<bool>,
}

pub(super) fn config(
    ctx: &Ctx,
    p: &str,
    s: &ServiceSpec,
    scheduling: SchedulingStrategy,
) -> R<DeploymentConfig> {
    // ECS defaults: REPLICA 100 / 200, DAEMON 0 / 100.
    let (dmin, dmax) = match scheduling {
        SchedulingStrategy::Replica => (100, 200),
        SchedulingStrategy::Daemon => (0, 100),
    };
    let c = s.deployment_configuration.as_ref();
    let q = format!("{p}.deployment_configuration");
    let min = ctx.count(
        &format!("{q}.minimum_healthy_percent"),
        c.and_then(|c| c.minimum_healthy_percent).unwrap_or(dmin),
        100,
    )?;
    let max = ctx.count(
        &format!("{q}.maximum_percent"),
        c.and_then(|c| c.maximum_percent).unwrap_or(dmax),
        1000,
    )?;
    if min > max {
        return Err(ctx.err(
            format!("{q}.minimum_healthy_percent"),
            format!("{min} is above maximum_percent {max}"),
        ));
    }
    if max < 100 && scheduling == SchedulingStrategy::Replica {
        return Err(ctx.err(
            format!("{q}.maximum_percent"),
            format!("must be at least 100 for a REPLICA service, got {max}"),
        ));
    }
    if min == 100 && max == 100 {
        return Err(ctx.err(format!("{q}.maximum_percent"), "with minimum_healthy_percent 100 and maximum_percent 100 no deployment can ever replace a task"));
    }
    Ok(DeploymentConfig {
        minimum_healthy_percent: min,
        maximum_percent: max,
        circuit_breaker: c
            .and_then(|c| c.circuit_breaker.as_ref())
            .filter(|cb| cb.enable)
            .map(|cb| cb.rollback),
        health_check_grace: match &s.health_check_grace_period {
            Some(g) => ctx.duration(&format!("{p}.health_check_grace_period"), g)?,
            None => 0,
        },
        alarms: None,
    })
}

pub(super) fn plans(ctx: &Ctx, specs: &[DeploymentSpec], c: &Cluster) -> R<Vec<DeploymentPlan>> {
    let mut out = Vec::new();
    for (i, d) in specs.iter().enumerate() {
        let p = format!("deployments[{i}]");
        let service = c
            .services
            .iter()
            .position(|s| s.name == d.service)
            .ok_or_else(|| {
                ctx.err(
                    format!("{p}.service"),
                    format!("no service is named \"{}\"", d.service),
                )
            })? as u32;
        let svc = &c.services[service as usize];
        if svc.scheduling == SchedulingStrategy::Daemon {
            return Err(ctx.err(
                format!("{p}.service"),
                "DAEMON services are not deployed this way in ecsim yet",
            ));
        }
        let taskdef = c
            .taskdefs
            .iter()
            .position(|t| t.family == d.task_definition)
            .ok_or_else(|| {
                ctx.err(
                    format!("{p}.task_definition"),
                    format!("unknown task definition \"{}\"", d.task_definition),
                )
            })? as u32;
        let at = ctx.duration(&format!("{p}.at"), &d.at)?;
        let strategy = match d.strategy.as_deref().unwrap_or("rolling") {
            "rolling" => Strategy::Rolling,
            "blue_green" => {
                let percent = d.percent.unwrap_or(10.0);
                if !(percent.is_finite() && percent > 0.0 && percent <= 100.0) {
                    return Err(ctx.err(
                        format!("{p}.percent"),
                        format!("must be in (0, 100], got {percent}"),
                    ));
                }
                let interval = match &d.interval {
                    Some(s) => ctx.duration(&format!("{p}.interval"), s)?,
                    None => 5 * 60_000,
                };
                let traffic = match d.traffic.as_deref().unwrap_or("all_at_once") {
                    "all_at_once" => Traffic::AllAtOnce,
                    "canary" => Traffic::Canary { percent, interval },
                    "linear" => Traffic::Linear { percent, interval },
                    o => {
                        return Err(ctx.err(
                            format!("{p}.traffic"),
                            format!("\"{o}\" is not all_at_once, canary or linear"),
                        ));
                    }
                };
                let bake_time = match &d.bake_time {
                    Some(s) => ctx.duration(&format!("{p}.bake_time"), s)?,
                    None => 0,
                };
                Strategy::BlueGreen { traffic, bake_time }
            }
            o => {
                return Err(ctx.err(
                    format!("{p}.strategy"),
                    format!("\"{o}\" is not rolling or blue_green"),
                ));
            }
        };
        let in_flight = d.in_flight.unwrap_or(false);
        if in_flight {
            check_in_flight(ctx, &p, at, &strategy, service, &out)?;
        }
        out.push(DeploymentPlan {
            service,
            at,
            taskdef,
            strategy,
            in_flight,
        });
    }
    out.sort_by_key(|d| d.at);
    Ok(out)
}

/// A deployment in flight resumes a rolling update at time 0, one per
/// service: a blue/green one's phase and traffic split are not known.
fn check_in_flight(
    ctx: &Ctx,
    p: &str,
    at: crate::engine::SimTime,
    strategy: &Strategy,
    service: u32,
    earlier: &[DeploymentPlan],
) -> R<()> {
    if at != 0 {
        return Err(ctx.err(
            format!("{p}.at"),
            "an in_flight deployment is under way when the run starts: at = \"0s\"",
        ));
    }
    if *strategy != Strategy::Rolling {
        return Err(ctx.err(
            format!("{p}.strategy"),
            "an in_flight deployment goes on as a rolling update",
        ));
    }
    if earlier.iter().any(|d| d.in_flight && d.service == service) {
        return Err(ctx.err(
            format!("{p}.in_flight"),
            "the service has another in_flight deployment; ECS goes on with one",
        ));
    }
    Ok(())
}
