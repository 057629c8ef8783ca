//! A CloudWatch alarm on a metric ecsim simulates, read from a service's
//! published datapoints: N periods, M breaching.

use super::policy::{Comparison, ScalingState};
use super::{Metric, Workload};
use crate::engine::SimTime;

#[derive(Debug, Clone, PartialEq)]
pub struct AlarmRule {
    pub name: String,
    pub metric: Metric,
    pub comparison: Comparison,
    pub threshold: f64,
    /// A whole number of minutes.
    pub period: SimTime,
    pub evaluation_periods: u32,
    pub datapoints_to_alarm: u32,
}

impl ScalingState {
    /// The newest datapoint's value when `rule` is in ALARM at `now`.
    pub fn in_alarm(&self, rule: &AlarmRule, now: SimTime) -> Option<f64> {
        let r = self.minutes.alarm_over(
            now,
            rule.period,
            rule.metric,
            rule.evaluation_periods,
            rule.datapoints_to_alarm,
            |x| rule.comparison.holds(x, rule.threshold),
        )?;
        Some(Workload::value(&r, rule.metric))
    }

    /// Keeps enough 1-minute datapoints for an alarm over `minutes`.
    pub fn keep_minutes(&mut self, minutes: usize) {
        self.minutes.keep_at_least(minutes);
    }
}
