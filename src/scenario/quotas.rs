//! `[quotas]`: ECS's and Fargate's launch-rate quotas, with ECS's defaults
//! ("Amazon ECS service quotas", "AWS Fargate throttling quotas"), for
//! accounts whose limits were raised.

use super::ctx::{Ctx, R};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct QuotasSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_launch_rate_fargate: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_launch_rate_ec2: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fargate_burst: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fargate_rate_per_s: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_task_calls_per_s: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_task_tasks_per_call: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
