//! Target tracking policies of a service: the flat `metric`/`target` keys
//! of `[services.autoscaling]` (one policy) and `[[services.autoscaling.
//! target_tracking]]` (more, each on its own metric).

use super::ctx::{Ctx, R};
use super::spec::AutoScalingSpec;
use crate::engine::time::SimTime;
use crate::scaling::Metric;
use crate::scaling::policy::{DEFAULT_COOLDOWN, TargetTracking};
use serde::{Deserialize, Serialize};

/// One `[[services.autoscaling.target_tracking]]` entry.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TargetTrackingSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
    pub target: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_out_cooldown: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_in_cooldown: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_scale_in: Option<bool>,
}

/// Every target tracking policy of `a`: the flat keys first. "Target
/// tracking scaling policies for Application Auto Scaling": several may
/// apply to one scalable target as long as each uses a different metric.
pub(super) fn policies(
    ctx: &Ctx,
    p: &str,
    a: &AutoScalingSpec,
    notes: &mut Vec<String>,
) -> R<Vec<TargetTracking>> {
    let f = |name: &str| format!("{p}.{name}");
    let mut out: Vec<TargetTracking> = Vec::new();
    match a.target {
        None => {
            if a.metric.is_some()
                || a.scale_in_cooldown.is_some()
                || a.scale_out_cooldown.is_some()
                || a.disable_scale_in.is_some()
            {
                return Err(ctx.err(
                    f("target"),
                    "target tracking settings are given but no target",
                ));
            }
        }
        Some(t) => {
            let flat = TargetTrackingSpec {
                name: None,
                metric: a.metric.clone(),
                target: t,
                scale_out_cooldown: a.scale_out_cooldown.clone(),
                scale_in_cooldown: a.scale_in_cooldown.clone(),
                disable_scale_in: a.disable_scale_in,
            };
            out.push(one(ctx, p, &flat, notes)?);
        }
    }
    for (i, s) in a.target_tracking.iter().enumerate() {
        let q = format!("{p}.target_tracking[{i}]");
        let tt = one(ctx, &q, s, notes)?;
        if out.iter().any(|o| o.metric == tt.metric) {
            return Err(ctx.err(
                format!("{q}.metric"),
                format!(
                    "{} is tracked by another policy of this service; Application Auto Scaling needs a different metric for each target tracking policy",
                    tt.metric.name()
                ),
            ));
        }
        out.push(TargetTracking {
            name: Some(
                s.name
                    .clone()
                    .unwrap_or_else(|| format!("target-tracking-{i}")),
            ),
            ..tt
        });
    }
    Ok(out)
}

/// One policy; `p` is the table holding its keys.
fn one(ctx: &Ctx, p: &str, s: &TargetTrackingSpec, notes: &mut Vec<String>) -> R<TargetTracking> {
    let f = |name: &str| format!("{p}.{name}");
    let m = metric(ctx, &f("metric"), s.metric.as_deref())?;
    if let Some(note) = check_target(ctx, &f("target"), m, s.target)? {
        notes.push(note);
    }
    Ok(TargetTracking {
        name: s.name.clone(),
        metric: m,
        target: s.target,
        scale_out_cooldown: cooldown(ctx, &f("scale_out_cooldown"), s.scale_out_cooldown.as_ref())?,
        scale_in_cooldown: cooldown(ctx, &f("scale_in_cooldown"), s.scale_in_cooldown.as_ref())?,
        disable_scale_in: s.disable_scale_in.unwrap_or(false),
    })
}

pub(super) fn metric(ctx: &Ctx, p: &str, m: Option<&str>) -> R<Metric> {
    match m {
        None => Ok(Metric::Cpu),
        Some(s) => Metric::parse(s).ok_or_else(|| ctx.err(p, format!("unknown metric \"{s}\"; expected ECSServiceAverageCPUUtilization, ECSServiceAverageMemoryUtilization, ALBRequestCountPerTarget, ECSServiceAverageCPUUtilizationHighResolution, ECSServiceAverageMemoryUtilizationHighResolution or RequestCount (the load balancer's, Sum per minute)"))),
    }
}

/// A target-tracking target: utilization metrics are percentages, so a
/// target must lie in (0, 100] ("Target tracking scaling policies for Amazon
/// ECS": the CPU and memory metrics are average utilization in percent);
/// a count (requests per target, requests, messages) only has to be above 0. A percentage in (0, 1) is
/// allowed, as AWS allows it, but is most likely a fraction meant as a
/// percentage (0.6 for 60%): that gives a note.
fn check_target(ctx: &Ctx, p: &str, m: Metric, t: f64) -> R<Option<String>> {
    if !m.percent() {
        if !(t.is_finite() && t > 0.0) {
            return Err(ctx.err(
                p,
                format!(
                    "{t} is not a valid target for {}: a count, it must be above 0",
                    m.name()
                ),
            ));
        }
        return Ok(None);
    }
    if !(t.is_finite() && t > 0.0 && t <= 100.0) {
        return Err(ctx.err(
            p,
            format!(
                "{t} is outside (0, 100]: {} is a utilization in percent, so the target is a percentage (e.g. 60 for 60%)",
                m.name()
            ),
        ));
    }
    Ok((t < 1.0).then(|| {
        // Rounded so 0.6 reads 60, not 60.00000000000001.
        let pct = (t * 100.0 * 1e6).round() / 1e6;
        format!(
            "{p}: target {t} is {t}% {}, not {pct}%: did you mean {pct}? (the target is a percentage, 0 < target <= 100)",
            m.name()
        )
    }))
}

pub(super) fn cooldown(ctx: &Ctx, p: &str, v: Option<&String>) -> R<SimTime> {
    v.map_or(Ok(DEFAULT_COOLDOWN), |s| ctx.duration(p, s))
}
