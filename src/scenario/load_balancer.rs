//! A service's `load_balancer` table: the target group health check its
//! tasks must pass before the service scheduler counts them healthy.
//! (ALB pricing may add fields here; this file only reads the health check.)

use super::ctx::{Ctx, R};
use crate::engine::time::SECOND;
use crate::model::service::LoadBalancer;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadBalancerSpec {
    /// HealthyThresholdCount: consecutive passing checks (2-10, default 5).
    #[serde(default)]
    pub healthy_threshold: Option<i64>,
    /// HealthCheckIntervalSeconds as a duration (5-300 s, default "30s").
    #[serde(default)]
    pub health_check_interval: Option<String>,
}

/// Elastic Load Balancing target group defaults (CreateTargetGroup).
const DEFAULT_THRESHOLD: i64 = 5;
const DEFAULT_INTERVAL: u64 = 30 * SECOND;

pub(super) fn build(
    ctx: &Ctx,
    p: &str,
    spec: Option<&LoadBalancerSpec>,
) -> R<Option<LoadBalancer>> {
    let Some(s) = spec else { return Ok(None) };
    let q = format!("{p}.load_balancer");
    let threshold = s.healthy_threshold.unwrap_or(DEFAULT_THRESHOLD);
    if !(2..=10).contains(&threshold) {
        return Err(ctx.err(
            format!("{q}.healthy_threshold"),
            format!("must be 2 to 10 (HealthyThresholdCount), got {threshold}"),
        ));
    }
    let interval = match &s.health_check_interval {
        Some(t) => ctx.duration(&format!("{q}.health_check_interval"), t)?,
        None => DEFAULT_INTERVAL,
    };
    if !(5 * SECOND..=300 * SECOND).contains(&interval) || !interval.is_multiple_of(SECOND) {
        return Err(ctx.err(
            format!("{q}.health_check_interval"),
            format!(
                "must be whole seconds from 5s to 300s (HealthCheckIntervalSeconds), got {}",
                s.health_check_interval.as_deref().unwrap_or("")
            ),
        ));
    }
    Ok(Some(LoadBalancer {
        healthy_threshold: threshold as u32,
        interval,
    }))
}
