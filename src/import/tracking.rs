//! Target tracking policies of a service: the first as the flat keys of
//! `[services.autoscaling]`, more as `[[services.autoscaling.
//! target_tracking]]`; a customized metric as the ecsim metric that reads
//! the same figure, when ecsim simulates it.

use super::scaling::{METRICS, ScalingOut};
use super::shapes::TargetTracking;
use super::toml_out::{num, toml_str};

/// Writes policy `pn` of service `name`: the first into `flat`, others into
/// `tables`. False (and a note) when it is left out.
pub fn policy(
    name: &str,
    pn: &str,
    c: &TargetTracking,
    flat: &mut String,
    tables: &mut String,
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
    let mut body = format!(
        "metric = {}\ntarget = {}\n",
        toml_str(metric),
        num(c.target_value)
    );
    if let Some(v) = c.scale_out_cooldown {
        body += &format!("scale_out_cooldown = \"{v}s\"\n");
    }
    if let Some(v) = c.scale_in_cooldown {
        body += &format!("scale_in_cooldown = \"{v}s\"\n");
    }
    if c.disable_scale_in == Some(true) {
        body += "disable_scale_in = true\n";
    }
    if out.target_tracking.is_none() {
        *flat += &format!("# target tracking policy {pn}\n{body}");
        out.target_tracking = Some((metric.to_string(), c.target_value));
    } else {
        // Application Auto Scaling: out when any asks, in when all agree.
        *tables += &format!(
            "\n[[services.autoscaling.target_tracking]]\n# target tracking policy {pn}\nname = {}\n{body}",
            toml_str(pn)
        );
    }
    true
}
