//! Scaling policies and the alarm logic behind them.

use super::series::Series;
use super::{HIGH_RESOLUTION_PERIOD, Metric, Reading, Workload};
use crate::engine::SimTime;
use crate::engine::time::MINUTE;

/// Target tracking: AAS keeps two alarms — scale out when the metric is
/// above the target for `HIGH_DATAPOINTS` consecutive datapoints, scale in
/// when it is below `LOW_FRACTION` × target for `LOW_DATAPOINTS`. A
/// datapoint is a minute, or 20 s for a high-resolution metric: AWS says
/// the 20-second metrics drive target tracking but gives no alarm counts
/// for them, so the same counts apply to the shorter period (scale-out
/// after 60 s above target, scale-in after 5 minutes below; see
/// tests/AUTOSCALING_SOURCES.md).
pub const HIGH_DATAPOINTS: u32 = 3;
pub const LOW_DATAPOINTS: u32 = 15;
pub const LOW_FRACTION: f64 = 0.9;
/// The most evaluation periods a step alarm of 1-minute periods may have
/// (scenario validation enforces it), so such an alarm reads no more
/// visible datapoints than this.
pub const MAX_EVALUATION_PERIODS: u32 = 60;
/// The longest an alarm may look back: evaluation periods × period at most
/// a day ("PutMetricAlarm", EvaluationPeriods).
pub const MAX_ALARM_SPAN: SimTime = 86_400_000;
/// Application Auto Scaling's default cooldowns for ECS services.
pub const DEFAULT_COOLDOWN: SimTime = 300_000;

#[derive(Debug, Clone, PartialEq)]
pub struct TargetTracking {
    /// The policy's name, in the reasons of a service with several.
    pub name: Option<String>,
    pub metric: Metric,
    pub target: f64,
    pub scale_out_cooldown: SimTime,
    pub scale_in_cooldown: SimTime,
    pub disable_scale_in: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Ge,
    Gt,
    Le,
    Lt,
}

impl Comparison {
    pub fn holds(self, v: f64, threshold: f64) -> bool {
        match self {
            Comparison::Ge => v >= threshold,
            Comparison::Gt => v > threshold,
            Comparison::Le => v <= threshold,
            Comparison::Lt => v < threshold,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Adjustment {
    ChangeInCapacity,
    ExactCapacity,
    PercentChangeInCapacity,
}

/// One step: applies when lower ≤ (metric − threshold) < upper.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    pub adjustment: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StepPolicy {
    pub name: String,
    pub metric: Metric,
    pub comparison: Comparison,
    pub threshold: f64,
    /// The alarm's Period: a whole number of minutes (CloudWatch's default
    /// for these metrics is 60 s).
    pub period: SimTime,
    pub evaluation_periods: u32,
    pub datapoints_to_alarm: u32,
    pub adjustment_type: Adjustment,
    pub steps: Vec<Step>,
    pub cooldown: SimTime,
    pub min_adjustment_magnitude: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScheduledAction {
    pub first: SimTime,
    /// Repeats every this long; `None` runs once.
    pub every: Option<SimTime>,
    pub min: Option<u32>,
    pub max: Option<u32>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AutoScaling {
    pub min: u32,
    pub max: u32,
    /// Target tracking policies, each on its own metric: scale out when
    /// any asks, scale in only when all that may scale in agree.
    pub target_tracking: Vec<TargetTracking>,
    pub steps: Vec<StepPolicy>,
    pub scheduled: Vec<ScheduledAction>,
    /// Time from the end of a minute to its datapoint being visible to alarms.
    pub publication_delay: SimTime,
    /// The same for a 20-second datapoint of a high-resolution metric.
    pub high_resolution_publication_delay: SimTime,
}

impl AutoScaling {
    /// Whether target tracking follows a 20-second metric, so the service
    /// is read and its target tracking evaluated every 20 s.
    pub fn high_resolution(&self) -> bool {
        self.target_tracking
            .iter()
            .any(|t| t.metric.high_resolution())
    }
}

/// What the scaling machinery remembers between minutes.
#[derive(Debug, Clone, Default)]
pub struct ScalingState {
    pub min: u32,
    pub max: u32,
    /// The 1-minute datapoints.
    pub(super) minutes: Series,
    /// The 20-second datapoints, kept only for a target tracking policy on
    /// a high-resolution metric.
    pub(super) fine: Series,
    /// Per target tracking policy: its last scale-out and scale-in.
    pub(super) tt_last: Vec<(Option<SimTime>, Option<SimTime>)>,
    /// Per step policy: its last scaling activity, whose cooldown may
    /// still be in effect.
    step_last: Vec<Option<StepActivity>>,
}

/// A step policy's scaling activity: when, from which capacity, which way.
#[derive(Debug, Clone, Copy, PartialEq)]
struct StepActivity {
    at: SimTime,
    from: u32,
    out: bool,
}

/// A change a policy asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct Ask {
    pub policy: &'static str,
    pub to: u32,
    pub metric: Metric,
    pub value: f64,
    pub threshold: f64,
    pub reason: String,
}

/// A reason in words, formatted only when someone records it: scaling asks
/// come every few minutes of every service, and most runs keep no words.
pub(super) fn why(explain: bool, words: impl FnOnce() -> String) -> String {
    if explain { words() } else { String::new() }
}

/// `n` datapoints of `m` in words: "3 minutes", or "3 datapoints of 20 s".
/// Written onto `text` (a reason being put together).
pub(super) fn push_span(text: &mut Vec<u8>, n: u32, m: Metric) {
    let mut digits = itoa::Buffer::new();
    text.extend_from_slice(digits.format(n).as_bytes());
    if m.high_resolution() {
        text.extend_from_slice(b" datapoints of ");
        let secs = HIGH_RESOLUTION_PERIOD / 1000;
        text.extend_from_slice(digits.format(secs).as_bytes());
        text.extend_from_slice(b" s");
    } else {
        text.extend_from_slice(b" minutes");
    }
}

/// `n` alarm periods in words: "3 minutes", or "3 periods of 300 s".
fn periods(n: u32, period: SimTime) -> String {
    if period == MINUTE {
        format!("{n} minutes")
    } else {
        format!("{n} periods of {} s", period / 1000)
    }
}

pub(super) fn within(last: Option<SimTime>, cooldown: SimTime, now: SimTime) -> bool {
    last.is_some_and(|t| now < t + cooldown)
}

impl ScalingState {
    pub fn new(a: &AutoScaling) -> Self {
        // An alarm over longer periods reads that many more minutes.
        let span = a
            .steps
            .iter()
            .map(|p| u64::from(p.evaluation_periods) * (p.period / MINUTE).max(1))
            .max()
            .unwrap_or(0);
        ScalingState {
            min: a.min,
            max: a.max,
            minutes: Series::keeping(span as usize),
            fine: Series::keeping(0),
            step_last: vec![None; a.steps.len()],
            tt_last: vec![(None, None); a.target_tracking.len()],
        }
    }

    /// Records the reading of the minute starting at `start`.
    pub fn publish(&mut self, start: SimTime, delay: SimTime, r: Reading) {
        self.minutes.publish(start, MINUTE, delay, r);
    }

    /// Records the reading of the 20-second period starting at `start`.
    pub fn publish_high_resolution(&mut self, start: SimTime, delay: SimTime, r: Reading) {
        self.fine.publish(start, HIGH_RESOLUTION_PERIOD, delay, r);
    }

    pub(super) fn clamp(&self, n: i64) -> u32 {
        n.clamp(i64::from(self.min), i64::from(self.max.max(self.min))) as u32
    }

    /// Evaluates the policies at `now` for a service with `desired` tasks
    /// asked for. Target tracking goes first; a step policy
    /// acts only if target tracking did not. `explain`: whether the ask
    /// carries its reason in words (left empty when nobody records it).
    pub fn evaluate(
        &mut self,
        a: &AutoScaling,
        now: SimTime,
        desired: u32,
        explain: bool,
    ) -> Option<Ask> {
        if let Some(ask) = self.target_tracking(&a.target_tracking, now, desired, explain) {
            return Some(ask);
        }
        for (i, p) in a.steps.iter().enumerate() {
            // StepScalingPolicyConfiguration.Cooldown: while a scale-out's
            // cooldown is in effect, the capacity it added counts toward
            // the next scale-out (a breach asking +3 after +2 adds 1), and
            // scale-in waits; a scale-out is never held back by a
            // scale-in's cooldown, which it ends.
            let cooling = self.step_last[i].filter(|l| now < l.at + p.cooldown);
            let Some(r) = self.minutes.alarm_over(
                now,
                p.period,
                p.metric,
                p.evaluation_periods,
                p.datapoints_to_alarm,
                |x| p.comparison.holds(x, p.threshold),
            ) else {
                continue;
            };
            let v = Workload::value(&r, p.metric);
            let over = v - p.threshold;
            let Some(step) = p
                .steps
                .iter()
                .find(|s| s.lower.is_none_or(|l| over >= l) && s.upper.is_none_or(|u| over < u))
            else {
                continue;
            };
            let base = match cooling {
                Some(l) if l.out => l.from,
                _ => desired,
            };
            let d = i64::from(base);
            let target = match p.adjustment_type {
                Adjustment::ChangeInCapacity => d + step.adjustment,
                Adjustment::ExactCapacity => step.adjustment,
                Adjustment::PercentChangeInCapacity => {
                    let mut change = (d as f64 * step.adjustment as f64 / 100.0).trunc() as i64;
                    if change.unsigned_abs() < u64::from(p.min_adjustment_magnitude)
                        && step.adjustment != 0
                    {
                        change = step.adjustment.signum() * i64::from(p.min_adjustment_magnitude);
                    }
                    d + change
                }
            };
            let to = self.clamp(target);
            if cooling.is_some() && to <= desired {
                continue;
            }
            if to != desired {
                // A scale-out inside a scale-out's cooldown adds to that
                // activity: its start and capacity stay the reference.
                if !cooling.is_some_and(|l| l.out) {
                    self.step_last[i] = Some(StepActivity {
                        at: now,
                        from: desired,
                        out: to > desired,
                    });
                }
                return Some(Ask {
                    policy: "step_scaling",
                    to,
                    metric: p.metric,
                    value: v,
                    threshold: p.threshold,
                    reason: why(explain, || {
                        format!(
                            "{}: {} {:.2} breaches {:.2} for {} of {}; step adjustment {}",
                            p.name,
                            p.metric.name(),
                            v,
                            p.threshold,
                            p.datapoints_to_alarm,
                            periods(p.evaluation_periods, p.period),
                            step.adjustment
                        )
                    }),
                });
            }
        }
        None
    }

    /// Evaluates only target tracking, between minutes: for a policy on a
    /// 20-second metric (step policies read 1-minute datapoints and are
    /// evaluated each minute by `evaluate`).
    pub fn evaluate_high_resolution(
        &mut self,
        a: &AutoScaling,
        now: SimTime,
        desired: u32,
        explain: bool,
    ) -> Option<Ask> {
        self.target_tracking(&a.target_tracking, now, desired, explain)
    }

    /// A scheduled action: new bounds, and the desired count pulled inside them.
    pub fn apply_schedule(&mut self, s: &ScheduledAction, desired: u32) -> u32 {
        if let Some(m) = s.min {
            self.min = m;
        }
        if let Some(m) = s.max {
            self.max = m;
        }
        self.clamp(i64::from(desired))
    }

    /// Clamp into the current bounds (used at start).
    pub fn bound(&self, desired: u32) -> u32 {
        self.clamp(i64::from(desired))
    }
}
