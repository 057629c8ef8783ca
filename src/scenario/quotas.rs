//! `[quotas]` and `[image_pull]`: how fast tasks may start. ECS's and Fargate's launch-rate quotas, with ECS's defaults
//! ("Amazon ECS service quotas", "AWS Fargate throttling quotas"), for
//! accounts whose limits were raised.

use super::ctx::{Ctx, R};
use crate::engine::SimTime;
use crate::engine::time::SECOND;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuotasSpec {
    #[serde(default)]
    pub service_launch_rate_fargate: Option<i64>,
    #[serde(default)]
    pub service_launch_rate_ec2: Option<i64>,
    #[serde(default)]
    pub fargate_burst: Option<i64>,
    #[serde(default)]
    pub fargate_rate_per_s: Option<i64>,
    #[serde(default)]
    pub run_task_calls_per_s: Option<i64>,
    #[serde(default)]
    pub run_task_tasks_per_call: Option<i64>,
    #[serde(default)]
    pub provisioning_per_cluster: Option<i64>,
}

/// The launch-rate quotas a run obeys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quotas {
    /// Tasks the service scheduler launches per service per minute, on
    /// Fargate and on EC2 ("Amazon ECS service quotas": 500 each; the
    /// 2022-23 guide gave 250 for EC2).
    pub service_launch_rate_fargate: u32,
    pub service_launch_rate_ec2: u32,
    /// Fargate task launches per account and Region, a token bucket each
    /// for On-Demand and for Spot: burst 100, refilled at 20 a second
    /// ("AWS Fargate throttling quotas").
    pub fargate_burst: u32,
    pub fargate_rate_per_s: u32,
    /// RunTask: 20 calls a second (burst 20), at most 10 tasks a call.
    pub run_task_calls_per_s: u32,
    pub run_task_tasks_per_call: u32,
    /// Tasks waiting in PROVISIONING for capacity-provider capacity per
    /// cluster (500, raised from 300 in 2023).
    pub provisioning_per_cluster: u32,
}

impl Default for Quotas {
    fn default() -> Self {
        Quotas {
            service_launch_rate_fargate: 500,
            service_launch_rate_ec2: 500,
            fargate_burst: 100,
            fargate_rate_per_s: 20,
            run_task_calls_per_s: 20,
            run_task_tasks_per_call: 10,
            provisioning_per_cluster: 500,
        }
    }
}

pub(super) fn build(ctx: &Ctx, spec: Option<&QuotasSpec>) -> R<Quotas> {
    let d = Quotas::default();
    let Some(s) = spec else { return Ok(d) };
    // A raised quota, not an unlimited one: 1 to a million.
    let get = |name: &str, v: Option<i64>, default: u32| -> R<u32> {
        match v {
            None => Ok(default),
            Some(n) if (1..=1_000_000).contains(&n) => Ok(n as u32),
            Some(n) => Err(ctx.err(
                format!("quotas.{name}"),
                format!("must be 1 to 1,000,000 (ECS's default is {default}), got {n}"),
            )),
        }
    };
    Ok(Quotas {
        service_launch_rate_fargate: get(
            "service_launch_rate_fargate",
            s.service_launch_rate_fargate,
            d.service_launch_rate_fargate,
        )?,
        service_launch_rate_ec2: get(
            "service_launch_rate_ec2",
            s.service_launch_rate_ec2,
            d.service_launch_rate_ec2,
        )?,
        fargate_burst: get("fargate_burst", s.fargate_burst, d.fargate_burst)?,
        fargate_rate_per_s: get(
            "fargate_rate_per_s",
            s.fargate_rate_per_s,
            d.fargate_rate_per_s,
        )?,
        run_task_calls_per_s: get(
            "run_task_calls_per_s",
            s.run_task_calls_per_s,
            d.run_task_calls_per_s,
        )?,
        run_task_tasks_per_call: get(
            "run_task_tasks_per_call",
            s.run_task_tasks_per_call,
            d.run_task_tasks_per_call,
        )?,
        provisioning_per_cluster: get(
            "provisioning_per_cluster",
            s.provisioning_per_cluster,
            d.provisioning_per_cluster,
        )?,
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImagePullSpec {
    #[serde(default)]
    pub ec2_mib_per_s: Option<f64>,
    #[serde(default)]
    pub fargate_mib_per_s: Option<f64>,
    #[serde(default)]
    pub cached: Option<String>,
    #[serde(default)]
    pub container_start: Option<String>,
}

/// How long a task definition's `image_size_mib` takes to pull and start.
/// AWS publishes no throughput: these are ecsim's choices, from public
/// measurements (a 2.7 GB image starting in ~55 s on Fargate, ENI
/// attachment included), and parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImagePull {
    /// MiB a second from ECR in the same Region, ×1000 (integer time).
    pub ec2_mib_per_ks: u64,
    pub fargate_mib_per_ks: u64,
    /// An EC2 instance that pulled the image already: the agent checks the
    /// manifest and starts from its cache ("Optimize Amazon ECS task
    /// launch time"); Fargate caches nothing ("Linux containers on Fargate
    /// container image pull behavior").
    pub cached: SimTime,
    pub container_start: SimTime,
}

impl Default for ImagePull {
    fn default() -> Self {
        ImagePull {
            ec2_mib_per_ks: 100_000,
            fargate_mib_per_ks: 50_000,
            cached: SECOND,
            container_start: 2 * SECOND,
        }
    }
}

impl ImagePull {
    /// Milliseconds to pull `mib` at `per_ks` MiB per 1000 s.
    pub fn pull(mib: u32, per_ks: u64) -> SimTime {
        (u64::from(mib) * 1_000_000).div_ceil(per_ks.max(1))
    }
}

pub(super) fn image_pull(ctx: &Ctx, spec: Option<&ImagePullSpec>) -> R<ImagePull> {
    let d = ImagePull::default();
    let Some(s) = spec else { return Ok(d) };
    let rate = |name: &str, v: Option<f64>, default: u64| -> R<u64> {
        match v {
            None => Ok(default),
            Some(x) if x.is_finite() && (0.1..=100_000.0).contains(&x) => {
                Ok((x * 1000.0).round() as u64)
            }
            Some(x) => Err(ctx.err(
                format!("image_pull.{name}"),
                format!("must be 0.1 to 100,000 MiB a second, got {x}"),
            )),
        }
    };
    let time = |name: &str, v: &Option<String>, default: SimTime| -> R<SimTime> {
        match v {
            None => Ok(default),
            Some(t) => ctx.duration(&format!("image_pull.{name}"), t),
        }
    };
    Ok(ImagePull {
        ec2_mib_per_ks: rate("ec2_mib_per_s", s.ec2_mib_per_s, d.ec2_mib_per_ks)?,
        fargate_mib_per_ks: rate(
            "fargate_mib_per_s",
            s.fargate_mib_per_s,
            d.fargate_mib_per_ks,
        )?,
        cached: time("cached", &s.cached, d.cached)?,
        container_start: time("container_start", &s.container_start, d.container_start)?,
    })
}
