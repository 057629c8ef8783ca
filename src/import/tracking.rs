//! Target tracking policies of a service: the first as the flat keys of
//! `[services.autoscaling]`, more as `[[services.autoscaling.
//! target_tracking]]`; a customized metric as the ecsim metric that reads
//! the same figure, when ecsim simulates it.

use super::doc::round6;
use super::scaling::{METRICS, ScalingOut};
use super::shapes::TargetTracking;
use crate::scenario::target_tracking::TargetTrackingSpec;

/// Puts policy `pn` of service `name` into `out.spec`: the first as its flat
/// keys, others as `target_tracking` entries. False (and a note) when it is
/// left out.
pub fn policy(
    name: &str,
    pn: &str,
    c: &TargetTracking,
    out: &mut ScalingOut,
    notes: &mut Vec<String>,
) -> bool {
    let mut said = None;
    let metric: &str = match (
        &c.predefined_metric_specification,
        &c.customized_metric_specification,
    ) {
        (Some(p), _) => match METRICS.iter().find(|m| **m == p.predefined_metric_type) {
            Some(m) => m,
            None => {
                notes.push(format!("service {name}: target tracking policy {pn} tracks {}; ecsim tracks {} only: left out", p.predefined_metric_type, METRICS.join(", ")));
                return false;
            }
        },
        (None, Some(v)) => match super::custom_metric::map(v, name) {
            Ok((m, note)) => {
                said = note;
                if let Some(queue) = super::custom_metric::queue_name(v) {
                    out.queue = Some(queue);
                }
                m
            }
            Err(why) => {
                notes.push(format!("service {name}: target tracking policy {pn} tracks a customized metric, {why}: left out"));
                return false;
            }
        },
        (None, None) => {
            notes.push(format!(
                "service {name}: target tracking policy {pn} names no metric: left out"
            ));
            return false;
        }
    };
    if out.tracked.iter().any(|m| m == metric) {
        notes.push(format!("service {name}: target tracking policy {pn} tracks {metric}, as another of its policies does (ecsim reads both the same way): left out"));
        return false;
    }
    if let Some(n) = said {
        notes.push(format!("service {name}: target tracking policy {pn}: {n}"));
    }
    out.tracked.push(metric.to_string());
    let t = TargetTrackingSpec {
        name: Some(pn.into()),
        metric: Some(metric.into()),
        target: round6(c.target_value),
        scale_out_cooldown: c.scale_out_cooldown.map(|v| format!("{v}s")),
        scale_in_cooldown: c.scale_in_cooldown.map(|v| format!("{v}s")),
        disable_scale_in: (c.disable_scale_in == Some(true)).then_some(true),
    };
    let how = format!("target tracking policy {pn}");
    let a = &mut out.spec;
    if out.target_tracking.is_none() {
        a.metric = t.metric;
        a.target = Some(t.target);
        a.scale_out_cooldown = t.scale_out_cooldown;
        a.scale_in_cooldown = t.scale_in_cooldown;
        a.disable_scale_in = t.disable_scale_in;
        out.remarks.before("", "metric", &how);
        out.target_tracking = Some((metric.to_string(), c.target_value));
    } else {
        // Application Auto Scaling: out when any asks, in when all agree.
        let at = format!("target_tracking.{}", a.target_tracking.len());
        out.remarks.before(&at, "name", &how);
        a.target_tracking.push(t);
    }
    true
}
