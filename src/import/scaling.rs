//! Application Auto Scaling of a service: its scalable target, target
//! tracking and step policies (a step policy's alarm from describe-alarms)
//! and scheduled actions.

use super::read::Export;
use super::shapes::*;
use super::toml_out::{num, q};

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
                    alarm.alarm_name, q(pn), q(metric), q(&alarm.comparison_operator), num(alarm.threshold)
                );
                steps += &super::alarms::period_line(name, pn, alarm, notes);
                if let Some(v) = alarm.evaluation_periods {
                    steps += &format!("evaluation_periods = {v}\n");
                }
                if let Some(v) = alarm.datapoints_to_alarm {
                    steps += &format!("datapoints_to_alarm = {v}\n");
                }
                if let Some(a) = &c.adjustment_type {
                    steps += &format!("adjustment_type = {}\n", q(a));
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
        let an = &a.scheduled_action_name;
        let Some((at, every, how)) = schedule(&a.schedule) else {
            notes.push(format!("service {name}: scheduled action {an} ({}): only cron(M H * * ? *)-like daily schedules and rate(...) are modelled; left out", a.schedule));
            continue;
        };
        if let Some(how) = how {
            notes.push(format!("service {name}: scheduled action {an}: {how}"));
        }
        if a.timezone
            .as_deref()
            .is_some_and(|z| z != "UTC" && z != "Etc/UTC")
        {
            notes.push(format!("service {name}: scheduled action {an} runs in {}; its times are kept as written, on the simulation's clock", a.timezone.as_deref().unwrap_or("")));
        }
        steps += &format!(
            "\n[[services.autoscaling.scheduled]]\n# scheduled action {an}: {}\nat = {}\n",
            a.schedule,
            q(&at)
        );
        if let Some(e) = every {
            steps += &format!("every = {}\n", q(&e));
        }
        if let Some(ta) = &a.scalable_target_action {
            if let Some(v) = ta.min_capacity {
                steps += &format!("min_capacity = {v}\n");
            }
            if let Some(v) = ta.max_capacity {
                steps += &format!("max_capacity = {v}\n");
            }
        }
        out.policies += 1;
    }
    out.toml = t + &steps;
    Some(out)
}

/// (at, every, a note) for a schedule ecsim can repeat.
fn schedule(s: &str) -> Option<(String, Option<String>, Option<String>)> {
    if let Some(body) = s.strip_prefix("rate(").and_then(|x| x.strip_suffix(')')) {
        let (n, unit) = body.trim().split_once(' ')?;
        let n: u64 = n.parse().ok().filter(|&n| n > 0)?;
        let u = match unit.trim_end_matches('s') {
            "minute" => "m",
            "hour" => "h",
            "day" => "d",
            _ => return None,
        };
        return Some((format!("{n}{u}"), Some(format!("{n}{u}")), None));
    }
    let body = s.strip_prefix("cron(")?.strip_suffix(')')?;
    let f: Vec<&str> = body.split_whitespace().collect();
    if f.len() != 6 {
        return None;
    }
    let (m, h): (u32, u32) = (f[0].parse().ok()?, f[1].parse().ok()?);
    if m > 59 || h > 23 || !matches!(f[2], "*" | "?") || f[3] != "*" {
        return None;
    }
    let note = (!matches!(f[4], "*" | "?"))
        .then(|| format!("day-of-week {} is not modelled: it runs every day", f[4]));
    Some((format!("{h:02}:{m:02}"), None, note))
}

#[cfg(test)]
mod tests {
    use super::schedule;

    #[test]
    fn schedules() {
        assert_eq!(schedule("cron(30 8 * * ? *)").unwrap().0, "08:30");
        let (at, _, note) = schedule("cron(0 20 ? * MON-FRI *)").unwrap();
        assert_eq!(at, "20:00");
        assert!(note.unwrap().contains("MON-FRI"));
        assert_eq!(
            schedule("rate(15 minutes)"),
            Some(("15m".into(), Some("15m".into()), None))
        );
        assert_eq!(schedule("rate(1 day)").unwrap().1.as_deref(), Some("1d"));
        assert!(schedule("at(2024-11-29T06:00:00)").is_none());
        assert!(schedule("cron(0 8 1 * ? *)").is_none());
        assert!(schedule("cron(0/5 * * * ? *)").is_none());
    }
}
