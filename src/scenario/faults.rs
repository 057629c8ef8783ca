//! `[[faults]]`: what goes wrong and when.

use super::ctx::{Ctx, R};
use super::spec::DistSpec;
use crate::engine::time::SimTime;
use crate::faults::Fault;
use crate::model::{Cluster, Owner};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// instance_failure | az_outage | spot_interruption | task_crash | start_failure | image_pull_failure
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_group: Option<String>,
    /// instance_failure: e.g. { kind = "exponential", mean = "30d" } (an MTBF) or a weibull.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_to_failure: Option<DistSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_zone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    /// spot_interruption: per Spot instance-hour / FARGATE_SPOT task-hour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_per_hour: Option<f64>,
    /// spot_interruption: a CSV of times (one per line, "36h" or seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<String>,
    /// spot_interruption: "ec2", "fargate" or "both" (default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<String>,
    /// spot_interruption: only EC2 Spot instances of this type (with
    /// `availability_zone`, one Spot pool).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_type: Option<String>,
    /// task_crash / start_failure / image_pull_failure: only this service or job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_per_task_hour: Option<f64>,
    /// task_crash / start_failure / image_pull_failure: only tasks of this task definition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_definition: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fraction: Option<f64>,
}

fn need<'a, T>(ctx: &Ctx, p: &str, v: &'a Option<T>, field: &str, kind: &str) -> R<&'a T> {
    v.as_ref().ok_or_else(|| {
        ctx.err(
            format!("{p}.{field}"),
            format!("is required for a {kind} fault"),
        )
    })
}

fn owner(ctx: &Ctx, p: &str, c: &Cluster, name: &Option<String>) -> R<Option<Owner>> {
    let Some(n) = name else { return Ok(None) };
    if let Some(i) = c.services.iter().position(|s| &s.name == n) {
        return Ok(Some(Owner::Service(i as u32)));
    }
    if let Some(i) = c.jobs.iter().position(|j| &j.name == n) {
        return Ok(Some(Owner::Job(i as u32)));
    }
    Err(ctx.err(
        format!("{p}.owner"),
        format!("no service or job is named \"{n}\""),
    ))
}

fn taskdef(ctx: &Ctx, p: &str, c: &Cluster, name: &Option<String>) -> R<Option<u32>> {
    let Some(n) = name else { return Ok(None) };
    c.taskdefs
        .iter()
        .position(|t| &t.family == n)
        .map(|i| Some(i as u32))
        .ok_or_else(|| {
            ctx.err(
                format!("{p}.task_definition"),
                format!("unknown task definition \"{n}\""),
            )
        })
}

fn rate(ctx: &Ctx, p: &str, v: f64) -> R<f64> {
    if v.is_finite() && (0.0..=3600.0).contains(&v) {
        Ok(v)
    } else {
        Err(ctx.err(
            p,
            format!("must be a rate from 0 to 3600 per hour, got {v}"),
        ))
    }
}

/// Times from a file: one per line, a duration ("36h") or seconds.
fn times(ctx: &Ctx, p: &str, file: &str) -> R<Vec<SimTime>> {
    let (_, mut out) = ctx.durations_file(p, file)?;
    out.sort_unstable();
    Ok(out)
}

pub(super) fn faults(ctx: &Ctx, specs: &[FaultSpec], c: &Cluster) -> R<Vec<Fault>> {
    let mut out = Vec::new();
    for (i, f) in specs.iter().enumerate() {
        let p = format!("faults[{i}]");
        let k = f.kind.as_str();
        let fault = match k {
            "instance_failure" => {
                let group = match &f.instance_group {
                    Some(g) => Some(c.instance_groups.iter().position(|x| x == g).ok_or_else(
                        || {
                            ctx.err(
                                format!("{p}.instance_group"),
                                format!(
                                    "unknown instance group \"{g}\"; defined: {}",
                                    c.instance_groups.join(", ")
                                ),
                            )
                        },
                    )? as u32),
                    None => None,
                };
                let ttf = ctx.dist(
                    &format!("{p}.time_to_failure"),
                    need(ctx, &p, &f.time_to_failure, "time_to_failure", k)?,
                )?;
                if ttf.mean() <= 0.0 {
                    return Err(ctx.err(
                        format!("{p}.time_to_failure"),
                        "the mean time to failure must be above 0",
                    ));
                }
                Fault::InstanceFailure {
                    group,
                    time_to_failure: ttf,
                }
            }
            "az_outage" => {
                let z = need(ctx, &p, &f.availability_zone, "availability_zone", k)?;
                let az = c.azs.iter().position(|a| a == z).ok_or_else(|| {
                    ctx.err(
                        format!("{p}.availability_zone"),
                        format!("\"{z}\" is not a cluster zone ({})", c.azs.join(", ")),
                    )
                })? as u32;
                let at = ctx.duration(&format!("{p}.at"), need(ctx, &p, &f.at, "at", k)?)?;
                let duration = ctx.duration(
                    &format!("{p}.duration"),
                    need(ctx, &p, &f.duration, "duration", k)?,
                )?;
                Fault::AzOutage { az, at, duration }
            }
            "spot_interruption" => {
                let (ec2, fargate) = match f.capacity.as_deref().unwrap_or("both") {
                    "ec2" => (true, false),
                    "fargate" => (false, true),
                    "both" => (true, true),
                    o => {
                        return Err(ctx.err(
                            format!("{p}.capacity"),
                            format!("\"{o}\" is not ec2, fargate or both"),
                        ));
                    }
                };
                if f.rate_per_hour.is_none() && f.times.is_none() {
                    return Err(ctx.err(&p, "a spot_interruption needs rate_per_hour or times"));
                }
                let pool = spot_pool(ctx, &p, f, c)?;
                if pool.narrows() && fargate {
                    return Err(ctx.err(
                        format!("{p}.capacity"),
                        "instance_type and availability_zone narrow a spot_interruption to EC2 Spot pools; give capacity = \"ec2\"",
                    ));
                }
                Fault::SpotInterruption {
                    rate_per_hour: f
                        .rate_per_hour
                        .map(|r| rate(ctx, &format!("{p}.rate_per_hour"), r))
                        .transpose()?,
                    times: f
                        .times
                        .as_ref()
                        .map(|t| times(ctx, &format!("{p}.times"), t))
                        .transpose()?
                        .unwrap_or_default(),
                    ec2,
                    fargate,
                    pool,
                }
            }
            "task_crash" => Fault::TaskCrash {
                owner: owner(ctx, &p, c, &f.owner)?,
                taskdef: taskdef(ctx, &p, c, &f.task_definition)?,
                rate_per_task_hour: rate(
                    ctx,
                    &format!("{p}.rate_per_task_hour"),
                    *need(ctx, &p, &f.rate_per_task_hour, "rate_per_task_hour", k)?,
                )?,
            },
            "start_failure" | "image_pull_failure" => {
                let fraction = *need(ctx, &p, &f.fraction, "fraction", k)?;
                if !(fraction.is_finite() && (0.0..=1.0).contains(&fraction)) {
                    return Err(ctx.err(
                        format!("{p}.fraction"),
                        format!("must be from 0 to 1, got {fraction}"),
                    ));
                }
                Fault::StartFailure {
                    owner: owner(ctx, &p, c, &f.owner)?,
                    taskdef: taskdef(ctx, &p, c, &f.task_definition)?,
                    fraction,
                    image_pull: k == "image_pull_failure",
                }
            }
            other => {
                return Err(ctx.err(format!("{p}.kind"), format!("unknown fault kind \"{other}\"; expected instance_failure, az_outage, spot_interruption, task_crash, start_failure or image_pull_failure")));
            }
        };
        out.push(fault);
    }
    Ok(out)
}

/// A spot_interruption's pool: its `instance_type` (one the groups launch)
/// and `availability_zone`.
fn spot_pool(ctx: &Ctx, p: &str, f: &FaultSpec, c: &Cluster) -> R<crate::faults::SpotPool> {
    let instance_type = match &f.instance_type {
        Some(t)
            if !c
                .templates
                .iter()
                .flat_map(|g| &g.kinds)
                .any(|k| k.instance_type == *t) =>
        {
            return Err(ctx.err(
                format!("{p}.instance_type"),
                format!("no instance group launches {t}"),
            ));
        }
        t => t.clone(),
    };
    let az = match &f.availability_zone {
        Some(z) => Some(c.azs.iter().position(|a| a == z).ok_or_else(|| {
            ctx.err(
                format!("{p}.availability_zone"),
                format!("\"{z}\" is not a cluster zone ({})", c.azs.join(", ")),
            )
        })? as u32),
        None => None,
    };
    Ok(crate::faults::SpotPool { instance_type, az })
}
