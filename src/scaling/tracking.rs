//! Target tracking, one policy or several on one service. "Target tracking
//! scaling policies for Application Auto Scaling": with several policies,
//! each on its own metric, Application Auto Scaling scales out when any of
//! them is ready to, and scales in only when all of them (those whose
//! scale-in is enabled) are; when they disagree, the largest capacity wins.

use super::policy::{
    Ask, HIGH_DATAPOINTS, LOW_DATAPOINTS, LOW_FRACTION, ScalingState, TargetTracking, push_span,
    why, within,
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
                        reason: why(explain, || Reason::above(tt, policies.len(), v)),
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
                reason: why(explain, || Reason::below(tt, policies.len(), v, low)),
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

/// A decision's reason, "[name: ]<metric> <value> <relation> <threshold>
/// … for <span>" (values with two decimals), put together by hand: with
/// `format!` (three calls a reason) the reasons were 3% of region-scale's
/// simulation thread (500 services, half a million decisions a month).
/// The text is `format!`'s exactly.
struct Reason {
    text: Vec<u8>,
    metric: crate::scaling::Metric,
}

impl Reason {
    /// "… <value> above target <target> for 3 minutes".
    fn above(tt: &TargetTracking, policies: usize, value: f64) -> String {
        let above = Reason::new(tt, policies, value, "above target", tt.target);
        above.finish(HIGH_DATAPOINTS)
    }

    /// "… <value> below <low> (75% of target) for 15 minutes".
    fn below(tt: &TargetTracking, policies: usize, value: f64, low: f64) -> String {
        let mut below = Reason::new(tt, policies, value, "below", low);
        below.words(" (");
        below.words(itoa::Buffer::new().format((LOW_FRACTION * 100.0) as u32));
        below.words("% of target)");
        below.finish(LOW_DATAPOINTS)
    }

    fn new(
        tt: &TargetTracking,
        policies: usize,
        value: f64,
        relation: &str,
        threshold: f64,
    ) -> Self {
        let mut text = Vec::with_capacity(96);
        // "name: " first when the service has several policies.
        if let (Some(name), true) = (&tt.name, policies > 1) {
            text.extend_from_slice(name.as_bytes());
            text.extend_from_slice(b": ");
        }
        text.extend_from_slice(tt.metric.name().as_bytes());
        text.push(b' ');
        crate::table::push_fixed(&mut text, value, 2);
        text.push(b' ');
        text.extend_from_slice(relation.as_bytes());
        text.push(b' ');
        crate::table::push_fixed(&mut text, threshold, 2);
        Reason {
            text,
            metric: tt.metric,
        }
    }

    fn words(&mut self, words: &str) {
        self.text.extend_from_slice(words.as_bytes());
    }

    /// " for " the span of `points` datapoints, and the reason is done.
    fn finish(mut self, points: u32) -> String {
        self.words(" for ");
        push_span(&mut self.text, points, self.metric);
        String::from_utf8(self.text).expect("names and numbers are UTF-8")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scaling::Metric;

    /// The reasons as `format!` wrote them before `Reason` did.
    fn formatted(tt: &TargetTracking, n: usize, v: f64, low: f64) -> (String, String) {
        let span = |points: u32| match tt.metric.high_resolution() {
            true => format!("{points} datapoints of 20 s"),
            false => format!("{points} minutes"),
        };
        let label = match &tt.name {
            Some(name) if n > 1 => format!("{name}: "),
            _ => String::new(),
        };
        let m = tt.metric.name();
        let above = format!(
            "{label}{m} {v:.2} above target {:.2} for {}",
            tt.target,
            span(3)
        );
        let pct = (LOW_FRACTION * 100.0) as u32;
        let below = format!(
            "{label}{m} {v:.2} below {low:.2} ({pct}% of target) for {}",
            span(15)
        );
        (above, below)
    }

    #[test]
    fn reasons_read_as_format_wrote_them() {
        assert_eq!(crate::scaling::HIGH_RESOLUTION_PERIOD, 20_000);
        let values = [
            0.0,
            -0.0,
            0.005,
            0.015,
            1.0 / 3.0,
            2.675,
            49.995,
            75.0,
            99.999,
            1e9,
            1e300,
            -3.25,
            f64::NAN,
            f64::INFINITY,
            123_456.785,
        ];
        for metric in [
            Metric::Cpu,
            Metric::CpuHighResolution,
            Metric::QueueBacklogPerTask,
        ] {
            for name in [None, Some("cpu-policy".to_string())] {
                for (k, &v) in values.iter().enumerate() {
                    let target = values[(k + 3) % values.len()];
                    let tt = TargetTracking {
                        name: name.clone(),
                        metric,
                        target,
                        scale_out_cooldown: 0,
                        scale_in_cooldown: 0,
                        disable_scale_in: false,
                    };
                    let low = target * LOW_FRACTION;
                    for n in [1, 2] {
                        let (above, below) = formatted(&tt, n, v, low);
                        assert_eq!(Reason::above(&tt, n, v), above);
                        assert_eq!(Reason::below(&tt, n, v, low), below);
                    }
                }
            }
        }
    }
}
