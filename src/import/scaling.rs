//! Application Auto Scaling of a service: its scalable target, target
//! tracking and step policies (a step policy's alarm from describe-alarms)
//! and scheduled actions.

use super::read::Export;
use super::schedule::{Placed, Window};
use super::shapes::*;
use super::toml_out::{num, toml_str};

#[derive(Debug)]
pub struct ScalingOut {
    /// `[services.autoscaling]` and its arrays of tables.
    pub toml: String,
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
    let mut t = format!("\n[services.autoscaling]\nmin_capacity = {min}\nmax_capacity = {max}\n");
    let mut out = ScalingOut {
        toml: String::new(),
        policies: 0,
        metric_driven: false,
        target_tracking: None,
        tracked: Vec::new(),
        queue: None,
    };
    let mut steps = String::new();
    let policies = ex
        .policies
        .iter()
        .filter(|p| p.service_namespace == "ecs" && is_service(&p.resource_id, cluster, name));
    for p in policies {
        let pn = &p.policy_name;
        match (p.policy_type.as_str(), &p.target_tracking_scaling_policy_configuration, &p.step_scaling_policy_configuration) {
            ("TargetTrackingScaling", Some(c), _) => {
                if super::tracking::policy(name, pn, c, &mut t, &mut steps, &mut out, notes) {
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
                steps += &format!(
                    "\n[[services.autoscaling.step_scaling]]\n# step scaling policy {pn}, alarm {}\nname = {}\nmetric = {}\ncomparison = {}\nthreshold = {}\n",
                    alarm.alarm_name, toml_str(pn), toml_str(metric), toml_str(&alarm.comparison_operator), num(alarm.threshold)
                );
                steps += &super::alarms::period_line(name, pn, alarm, notes);
                if let Some(v) = alarm.evaluation_periods {
                    steps += &format!("evaluation_periods = {v}\n");
                }
                if let Some(v) = alarm.datapoints_to_alarm {
                    steps += &format!("datapoints_to_alarm = {v}\n");
                }
                if let Some(a) = &c.adjustment_type {
                    steps += &format!("adjustment_type = {}\n", toml_str(a));
                }
                if let Some(v) = c.cooldown {
                    steps += &format!("cooldown = \"{v}s\"\n");
                }
                if let Some(v) = c.min_adjustment_magnitude {
                    steps += &format!("min_adjustment_magnitude = {v}\n");
                }
                let items: Vec<String> = c
                    .step_adjustments
                    .iter()
                    .map(|s| {
                        let mut parts = Vec::new();
                        if let Some(l) = s.metric_interval_lower_bound {
                            parts.push(format!("lower = {}", num(l)));
                        }
                        if let Some(u) = s.metric_interval_upper_bound {
                            parts.push(format!("upper = {}", num(u)));
                        }
                        parts.push(format!("adjustment = {}", s.scaling_adjustment));
                        format!("{{ {} }}", parts.join(", "))
                    })
                    .collect();
                steps += &format!("steps = [{}]\n", items.join(", "));
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
        scheduled(a, name, window, &mut steps, notes);
        out.policies += 1;
    }
    out.toml = t + &steps;
    Some(out)
}

/// A scheduled action's entries: a daily time or a rate as they are, other
/// schedules (a time zone, days of the week, `at(…)`) once per firing in
/// the run (see schedule.rs).
fn scheduled(
    a: &ScheduledAction,
    name: &str,
    window: Option<Window>,
    steps: &mut String,
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
        *steps += &format!(
            "\n[[services.autoscaling.scheduled]]\n# scheduled action {an}: {}{zone}{local}",
            a.schedule
        );
        if n > 1 && k == 0 {
            *steps +=
                &format!(" (1 of {n}: each time it fires in the run; a longer run needs more)");
        }
        *steps += &format!("\nat = {}\n", toml_str(&at));
        if let Some(e) = every {
            *steps += &format!("every = {}\n", toml_str(&e));
        }
        if let Some(ta) = &a.scalable_target_action {
            if let Some(v) = ta.min_capacity {
                *steps += &format!("min_capacity = {v}\n");
            }
            if let Some(v) = ta.max_capacity {
                *steps += &format!("max_capacity = {v}\n");
            }
        }
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
