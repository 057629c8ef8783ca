//! A service's `load_balancer` table: the target group health check its
//! tasks must pass before the service scheduler counts them healthy, and
//! what its traffic looks like to the Application Load Balancer's bill.

use super::ctx::{Ctx, R};
use crate::engine::time::SECOND;
use crate::model::service::LoadBalancer;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LoadBalancerSpec {
    /// HealthyThresholdCount: consecutive passing checks (2-10, default 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub healthy_threshold: Option<i64>,
    /// HealthCheckIntervalSeconds as a duration (5-300 s, default "30s").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check_interval: Option<String>,
    /// The target group's deregistration_delay.timeout_seconds as a duration
    /// (0-3600 s, default "300s"): a stopping task stays DEACTIVATING, and
    /// billed, while its connections drain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deregistration_delay: Option<String>,
    /// Requests a client connection carries (default 1: each request a new
    /// connection, the costliest case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests_per_connection: Option<f64>,
    /// Bytes the load balancer processes per request, both ways (default 10,000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes_per_request: Option<f64>,
    /// Listener rules a request is evaluated against (default 1; 10 are free).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<i64>,
}

/// ecsim's defaults for a load balancer's traffic, which AWS cannot know:
/// yours are CloudWatch's ProcessedBytes, NewConnectionCount and
/// RequestCount of the ALB.
const REQUESTS_PER_CONNECTION: f64 = 1.0;
const BYTES_PER_REQUEST: f64 = 10_000.0;

/// (requests per connection, bytes per request, rules) of a service's ALB.
pub(super) fn traffic(ctx: &Ctx, p: &str, s: &LoadBalancerSpec) -> R<(f64, f64, u32)> {
    let q = format!("{p}.load_balancer");
    let rpc = s.requests_per_connection.unwrap_or(REQUESTS_PER_CONNECTION);
    if !(rpc.is_finite() && (1.0..=1e6).contains(&rpc)) {
        return Err(ctx.err(
            format!("{q}.requests_per_connection"),
            format!("must be 1 to 1,000,000 requests per connection, got {rpc}"),
        ));
    }
    let bytes = s.bytes_per_request.unwrap_or(BYTES_PER_REQUEST);
    if !(bytes.is_finite() && (0.0..=1e10).contains(&bytes)) {
        return Err(ctx.err(
            format!("{q}.bytes_per_request"),
            format!("must be 0 to 10^10 bytes, got {bytes}"),
        ));
    }
    let rules = s.rules.unwrap_or(1);
    if !(1..=100).contains(&rules) {
        return Err(ctx.err(
            format!("{q}.rules"),
            format!("must be 1 to 100 (an ALB listener holds at most 100 rules), got {rules}"),
        ));
    }
    Ok((rpc, bytes, rules as u32))
}

/// Elastic Load Balancing target group defaults (CreateTargetGroup).
const DEFAULT_THRESHOLD: i64 = 5;
const DEFAULT_INTERVAL: u64 = 30 * SECOND;
/// Target group attribute deregistration_delay.timeout_seconds: 300 s by
/// default, 0-3600 s ("Target groups for your Application Load Balancers",
/// Deregistration delay).
const DEFAULT_DEREGISTRATION: u64 = 300 * SECOND;

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
    let deregistration_delay = match &s.deregistration_delay {
        Some(t) => ctx.duration(&format!("{q}.deregistration_delay"), t)?,
        None => DEFAULT_DEREGISTRATION,
    };
    if deregistration_delay > 3600 * SECOND || !deregistration_delay.is_multiple_of(SECOND) {
        return Err(ctx.err(
            format!("{q}.deregistration_delay"),
            format!(
                "must be whole seconds from 0s to 3600s (deregistration_delay.timeout_seconds), got {}",
                s.deregistration_delay.as_deref().unwrap_or("")
            ),
        ));
    }
    Ok(Some(LoadBalancer {
        healthy_threshold: threshold as u32,
        interval,
        deregistration_delay,
    }))
}
