//! Application Auto Scaling of a service: its scalable target, target
//! tracking and step policies (a step policy's alarm from describe-alarms)
//! and scheduled actions.

use super::doc::Remarks;
use super::read::Export;
use super::schedule::{Placed, Window};
use super::shapes::*;
use crate::scenario::spec::{AutoScalingSpec, ScheduledSpec, StepPolicySpec, StepSpec};

use super::doc::round6;

#[derive(Debug)]
pub struct ScalingOut {
    /// The service's `autoscaling`.
    pub spec: AutoScalingSpec,
    /// Where its policies came from, at paths from the `autoscaling` table.
    pub remarks: Remarks,
    pub policies: usize,
    /// Whether a policy reads a metric (target tracking or step).
    pub metric_driven: bool,
    /// (metric, target) of the first target tracking policy.
    pub target_tracking: Option<(String, f64)>,
    /// The metrics target tracking policies written so far track.
    pub tracked: Vec<String>,
    /// The SQS queue a policy reads: the service is a queue's worker.
    pub queue: Option<String>,
}

pub(super) const METRICS: [&str; 5] = [
    "ECSServiceAverageCPUUtilization",
    "ECSServiceAverageMemoryUtilization",
    "ECSServiceAverageCPUUtilizationHighResolution",
    "ECSServiceAverageMemoryUtilizationHighResolution",
    "ALBRequestCountPerTarget",
];

/// The service a `service/CLUSTER/SERVICE` resource id names, if it is `name`.
fn is_service(resource: &str, cluster: Option<&EcsCluster>, name: &str) -> bool {
    let mut p = resource.split('/');
    match (p.next(), p.next(), p.next()) {
        (Some("service"), Some(c), Some(s)) => {
            s == name && cluster.is_none_or(|x| x.cluster_name == c)
        }
        _ => false,
    }
}

pub fn for_service(
    ex: &Export,
    cluster: Option<&EcsCluster>,
    name: &str,
    desired: i64,
    window: Option<Window>,
    notes: &mut Vec<String>,
) -> Option<ScalingOut> {
    let target = ex
        .targets
        .iter()
        .find(|t| t.service_namespace == "ecs" && is_service(&t.resource_id, cluster, name))?;
    let (min, max) = (target.min_capacity, target.max_capacity);
    if !(min..=max).contains(&desired) {
        notes.push(format!("service {name}: desired count {desired} lies outside its scalable target's {min}-{max}; scaling brings it back"));
    }
    if let Some(s) = &target.suspended_state
        && (s.dynamic_scaling_in_suspended
            || s.dynamic_scaling_out_suspended
            || s.scheduled_scaling_suspended)
    {
        notes.push(format!("service {name}: its scalable target has suspended scaling; ecsim models every policy as active"));
    }
    let mut out = ScalingOut {
        spec: AutoScalingSpec {
            min_capacity: min,
            max_capacity: max,
            ..Default::default()
        },
        remarks: Remarks::default(),
        policies: 0,
        metric_driven: false,
        target_tracking: None,
        tracked: Vec::new(),
        queue: None,
    };
    let policies = ex
        .policies
        .iter()
        .filter(|p| p.service_namespace == "ecs" && is_service(&p.resource_id, cluster, name));
    for p in policies {
        let pn = &p.policy_name;
        match (p.policy_type.as_str(), &p.target_tracking_scaling_policy_configuration, &p.step_scaling_policy_configuration) {
            ("TargetTrackingScaling", Some(c), _) => {
                if super::tracking::policy(name, pn, c, &mut out, notes) {
                    out.metric_driven = true;
                    out.policies += 1;
                }
            }
            ("StepScaling", _, Some(c)) => {
                let alarm = p.alarms.iter().find_map(|a| ex.alarms.iter().find(|x| x.alarm_name == a.alarm_name));
                let Some(alarm) = alarm else {
                    notes.push(format!("service {name}: step scaling policy {pn}: its alarm (threshold, comparison) is in no describe-alarms output of the folder; left out"));
                    continue;
                };
                let metric = match alarm.metric_name.as_deref() {
                    Some("CPUUtilization") => "ECSServiceAverageCPUUtilization",
                    Some("MemoryUtilization") => "ECSServiceAverageMemoryUtilization",
                    Some("RequestCountPerTarget") => "ALBRequestCountPerTarget",
                    Some("RequestCount") => "RequestCount",
                    Some("ApproximateNumberOfMessagesVisible")
                        if alarm.namespace.as_deref() == Some("AWS/SQS") =>
                    {
                        out.queue = super::custom_metric::queue_name(&alarm.dimensions);
                        "ApproximateNumberOfMessagesVisible"
                    }
                    other => {
                        notes.push(format!("service {name}: step scaling policy {pn}: alarm {} watches {}; ecsim's step policies read CPUUtilization, MemoryUtilization or RequestCountPerTarget: left out", alarm.alarm_name, other.unwrap_or("a metric math expression")));
                        continue;
                    }
                };
                if c.step_adjustments.is_empty() {
                    notes.push(format!("service {name}: step scaling policy {pn} has no step adjustments; left out"));
                    continue;
                }
                let at = format!("step_scaling.{}", out.spec.step_scaling.len());
                let how = format!("step scaling policy {pn}, alarm {}", alarm.alarm_name);
                out.remarks.before(&at, "name", &how);
                let steps = c.step_adjustments.iter().map(|s| StepSpec {
                    lower: s.metric_interval_lower_bound.map(round6),
                    upper: s.metric_interval_upper_bound.map(round6),
                    adjustment: s.scaling_adjustment,
                });
                out.spec.step_scaling.push(StepPolicySpec {
                    name: Some(pn.clone()),
                    metric: Some(metric.into()),
                    comparison: alarm.comparison_operator.clone(),
                    threshold: round6(alarm.threshold),
                    period: super::alarms::period(name, pn, alarm, notes),
                    evaluation_periods: alarm.evaluation_periods,
                    datapoints_to_alarm: alarm.datapoints_to_alarm,
                    adjustment_type: c.adjustment_type.clone(),
                    steps: steps.collect(),
                    cooldown: c.cooldown.map(|v| format!("{v}s")),
                    min_adjustment_magnitude: c.min_adjustment_magnitude,
                });
                out.metric_driven = true;
                out.policies += 1;
            }
            (kind, _, _) => notes.push(format!("service {name}: scaling policy {pn} of type {kind} is not modelled (target tracking and step scaling are)")),
        }
    }
    let actions = ex
        .scheduled
        .iter()
        .filter(|a| a.service_namespace == "ecs" && is_service(&a.resource_id, cluster, name));
    for a in actions {
        scheduled(a, name, window, &mut out, notes);
        out.policies += 1;
    }
    Some(out)
}

/// A scheduled action's entries: a daily time or a rate as they are, other
/// schedules (a time zone, days of the week, `at(…)`) once per firing in
/// the run (see schedule.rs).
fn scheduled(
    a: &ScheduledAction,
    name: &str,
    window: Option<Window>,
    out: &mut ScalingOut,
    notes: &mut Vec<String>,
) {
    let an = &a.scheduled_action_name;
    let zone = a
        .timezone
        .as_deref()
        .filter(|z| !matches!(*z, "" | "UTC" | "Etc/UTC"))
        .map_or(String::new(), |z| format!(" in {z}"));
    let when = |v: &Option<serde_json::Value>| match v {
        Some(serde_json::Value::Number(n)) => n.as_f64().map(|s| (s * 1000.0).round() as i64),
        Some(serde_json::Value::String(t)) => crate::scenario::trace::parse_timestamp(t).ok(),
        _ => None,
    };
    let bounds = (when(&a.start_time), when(&a.end_time));
    let entries: Vec<(String, Option<String>, String)> =
        match super::schedule::place(&a.schedule, a.timezone.as_deref(), window, bounds) {
            Err(why) => {
                notes.push(format!(
                    "service {name}: scheduled action {an} ({}{zone}) {why}; left out",
                    a.schedule
                ));
                return;
            }
            Ok(Placed::Daily(at)) => vec![(at, None, String::new())],
            Ok(Placed::Every(e)) => vec![(e.clone(), Some(e), String::new())],
            Ok(Placed::At(list)) => list
                .into_iter()
                .map(|(ms, local)| (offset(ms), None, format!(", {local}")))
                .collect(),
        };
    let n = entries.len();
    for (k, (at, every, local)) in entries.into_iter().enumerate() {
        let mut how = format!("scheduled action {an}: {}{zone}{local}", a.schedule);
        if n > 1 && k == 0 {
            how += &format!(" (1 of {n}: each time it fires in the run; a longer run needs more)");
        }
        let path = format!("scheduled.{}", out.spec.scheduled.len());
        out.remarks.before(&path, "at", &how);
        let ta = a.scalable_target_action.as_ref();
        out.spec.scheduled.push(ScheduledSpec {
            at,
            every,
            min_capacity: ta.and_then(|t| t.min_capacity),
            max_capacity: ta.and_then(|t| t.max_capacity),
        });
    }
}

/// Milliseconds from time 0 as a scenario duration: "4d13h30m".
fn offset(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    let (d, h, m, sec) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    let mut out = String::new();
    for (v, u) in [(d, "d"), (h, "h"), (m, "m"), (sec, "s")] {
        if v > 0 {
            out += &format!("{v}{u}");
        }
    }
    if out.is_empty() { "0s".into() } else { out }
}
