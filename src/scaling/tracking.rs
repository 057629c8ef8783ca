//! Target tracking, one policy or several on one service. "Target tracking
//! scaling policies for Application Auto Scaling": with several policies,
//! each on its own metric, Application Auto Scaling scales out when any of
//! them is ready to, and scales in only when all of them (those whose
//! scale-in is enabled) are; when they disagree, the largest capacity wins.

use super::policy::{
    Ask, HIGH_DATAPOINTS, LOW_DATAPOINTS, LOW_FRACTION, ScalingState, TargetTracking, span, why,
    within,
};
use super::{Reading, Workload};
use crate::engine::SimTime;

impl ScalingState {
    /// What the target tracking policies ask at `now`, if anything.
    pub(super) fn target_tracking(
        &mut self,
        policies: &[TargetTracking],
        now: SimTime,
        desired: u32,
        explain: bool,
    ) -> Option<Ask> {
        if policies.is_empty() {
            return None;
        }
        // Scale-out: any policy whose high alarm is in ALARM; the largest
        // capacity asked wins. One in ALARM that asks no more than the
        // capacity now is still above its target: not ready to scale in.
        let mut out: Option<(usize, Ask)> = None;
        let mut above = false;
        for (i, tt) in policies.iter().enumerate() {
            let Some(r) =
                self.series(tt)
                    .alarm(now, tt.metric, HIGH_DATAPOINTS, HIGH_DATAPOINTS, |x| {
                        x > tt.target
                    })
            else {
                continue;
            };
            above = true;
            let to = self.clamp(proportional(&r, tt));
            if to > desired && out.as_ref().is_none_or(|(_, a)| to > a.to) {
                let v = Workload::value(&r, tt.metric);
                out = Some((
                    i,
                    Ask {
                        policy: "target_tracking",
                        to,
                        metric: tt.metric,
                        value: v,
                        threshold: tt.target,
                        reason: why(explain, || {
                            format!(
                                "{}{} {:.2} above target {:.2} for {}",
                                label(tt, policies.len()),
                                tt.metric.name(),
                                v,
                                tt.target,
                                span(HIGH_DATAPOINTS, tt.metric)
                            )
                        }),
                    },
                ));
            }
        }
        if let Some((i, ask)) = out {
            self.tt_last[i].0 = Some(now);
            return Some(ask);
        }
        if above {
            return None;
        }
        // Scale-in: every policy that may scale in must be ready (its low
        // alarm in ALARM, its cooldowns over, asking for less); the
        // largest of their asks wins, so none removes too much.
        let mut agreed: Option<Ask> = None;
        for (i, tt) in policies.iter().enumerate() {
            if tt.disable_scale_in {
                continue;
            }
            let (last_out, last_in) = self.tt_last[i];
            if within(last_in, tt.scale_in_cooldown, now)
                || within(last_out, tt.scale_out_cooldown, now)
            {
                return None;
            }
            let low = tt.target * LOW_FRACTION;
            let r = self
                .series(tt)
                .alarm(now, tt.metric, LOW_DATAPOINTS, LOW_DATAPOINTS, |x| x < low)?;
            let to = self.clamp(proportional(&r, tt));
            if to >= desired {
                return None;
            }
            if agreed.as_ref().is_some_and(|a| a.to >= to) {
                continue;
            }
            let v = Workload::value(&r, tt.metric);
            agreed = Some(Ask {
                policy: "target_tracking",
                to,
                metric: tt.metric,
                value: v,
                threshold: low,
                reason: why(explain, || {
                    format!(
                        "{}{} {:.2} below {:.2} ({}% of target) for {}",
                        label(tt, policies.len()),
                        tt.metric.name(),
                        v,
                        low,
                        (LOW_FRACTION * 100.0) as u32,
                        span(LOW_DATAPOINTS, tt.metric)
                    )
                }),
            });
        }
        let ask = agreed?;
        for (i, tt) in policies.iter().enumerate() {
            if !tt.disable_scale_in {
                self.tt_last[i].1 = Some(now);
            }
        }
        Some(ask)
    }

    fn series(&self, tt: &TargetTracking) -> &super::series::Series {
        if tt.metric.high_resolution() {
            &self.fine
        } else {
            &self.minutes
        }
    }
}

/// Proportional to the capacity the datapoint was measured with: a metric
/// that still reflects the capacity before a scale-out asks for what was
/// already asked, not more (AAS counts the capacity a scale-out added
/// toward the next one).
fn proportional(r: &Reading, tt: &TargetTracking) -> i64 {
    (r.tasks.max(1) as f64 * Workload::value(r, tt.metric) / tt.target).ceil() as i64
}

/// "name: " before the reason when the service has several policies.
fn label(tt: &TargetTracking, n: usize) -> String {
    match &tt.name {
        Some(name) if n > 1 => format!("{name}: "),
        _ => String::new(),
    }
}
