//! `[services.deployment_alarms]`: the CloudWatch alarms of a service's
//! `deploymentConfiguration.alarms`, on metrics ecsim simulates, that fail
//! (and, with `rollback`, roll back) a deployment when one goes into ALARM
//! ("How CloudWatch alarms detect Amazon ECS deployment failures").

use super::ctx::{Ctx, R};
use super::target_tracking::metric;
use super::workload::{alarm_window, comparison};
use crate::model::deployment::DeploymentAlarms;
use crate::scaling::alarm::AlarmRule;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DeploymentAlarmsSpec {
    /// Roll back to the last completed deployment (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback: Option<bool>,
    pub alarms: Vec<AlarmSpec>,
}

/// One alarm, as a step policy's: its metric, comparison, threshold,
/// period and evaluation periods.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AlarmSpec {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
    pub comparison: String,
    pub threshold: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation_periods: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datapoints_to_alarm: Option<i64>,
}

pub(super) fn build(
    ctx: &Ctx,
    p: &str,
    spec: Option<&DeploymentAlarmsSpec>,
    has_workload: bool,
) -> R<Option<DeploymentAlarms>> {
    let Some(spec) = spec else { return Ok(None) };
    let p = format!("{p}.deployment_alarms");
    if !has_workload {
        return Err(ctx.err(
            &p,
            "alarms read the service's metrics: it needs a demand and capacity_per_task (or a queue)",
        ));
    }
    if spec.alarms.is_empty() {
        return Err(ctx.err(format!("{p}.alarms"), "list at least one alarm"));
    }
    let mut alarms = Vec::new();
    for (i, a) in spec.alarms.iter().enumerate() {
        let q = format!("{p}.alarms[{i}]");
        if !a.threshold.is_finite() {
            return Err(ctx.err(format!("{q}.threshold"), "must be a finite number"));
        }
        let m = metric(ctx, &format!("{q}.metric"), a.metric.as_deref())?;
        if m.high_resolution() {
            return Err(ctx.err(
                format!("{q}.metric"),
                format!("{}: an alarm here reads 1-minute datapoints", m.name()),
            ));
        }
        let (period, n, needed) = alarm_window(
            ctx,
            &q,
            a.period.as_deref(),
            a.evaluation_periods,
            a.datapoints_to_alarm,
        )?;
        alarms.push(AlarmRule {
            name: a.name.clone(),
            metric: m,
            comparison: comparison(ctx, &q, &a.comparison)?,
            threshold: a.threshold,
            period,
            evaluation_periods: n,
            datapoints_to_alarm: needed,
        });
    }
    Ok(Some(DeploymentAlarms {
        rollback: spec.rollback.unwrap_or(false),
        alarms,
    }))
}
