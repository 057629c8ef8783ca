//! The datapoints a service publishes and the alarms that read them: a
//! CloudWatch alarm over N consecutive periods, M of which must breach.

use super::policy::MAX_EVALUATION_PERIODS;
use super::{Metric, Reading, Workload};
use crate::engine::SimTime;
use crate::engine::time::MINUTE;

/// Datapoints of one period length: (period index, visible at, reading),
/// oldest first: every one not yet visible, and at least the newest `keep`
/// that are.
#[derive(Debug, Clone, Default)]
pub(super) struct Series {
    points: Vec<(u64, SimTime, Reading)>,
    /// Length at which the oldest visible datapoints are dropped.
    trim_at: usize,
    /// How many visible datapoints an alarm may read: at least
    /// `MAX_EVALUATION_PERIODS`, more for an alarm whose period spans
    /// several of them (3 periods of 300 s read 15 minutes).
    keep: usize,
}

impl Series {
    /// A series whose alarms read at most `keep` visible datapoints.
    pub(super) fn keeping(keep: usize) -> Self {
        Series {
            keep: keep.max(MAX_EVALUATION_PERIODS as usize),
            ..Default::default()
        }
    }

    pub(super) fn keep_at_least(&mut self, keep: usize) {
        self.keep = self.keep.max(keep).max(MAX_EVALUATION_PERIODS as usize);
    }

    /// Records the reading of the period starting at `start`.
    pub(super) fn publish(&mut self, start: SimTime, period: SimTime, delay: SimTime, r: Reading) {
        self.points
            .push((start / period, start + period + delay, r));
        // Trimmed in batches (a slice walks faster than a ring buffer, and
        // this runs every minute for every service). The delay is the same
        // for every datapoint, so the visible ones are a prefix; those not
        // yet visible all stay, however long the delay.
        let keep = self.keep.max(MAX_EVALUATION_PERIODS as usize);
        if self.points.len() >= self.trim_at.max(2 * keep) {
            let visible = self.points.partition_point(|d| d.1 <= start);
            self.points.drain(..visible.saturating_sub(keep));
            self.trim_at = self.points.len() + keep;
        }
    }

    /// The newest reading when the alarm is in ALARM at `now`.
    pub(super) fn alarm(
        &self,
        now: SimTime,
        metric: Metric,
        periods: u32,
        needed: u32,
        breach: impl Fn(f64) -> bool,
    ) -> Option<Reading> {
        // The newest `periods` datapoints visible at `now`, which must be
        // that many consecutive periods (missing data never breaches).
        // Walked newest first without collecting: this runs every minute
        // for every alarm.
        let n = periods as usize;
        let mut visible = self.points.iter().rev().skip_while(|d| d.1 > now);
        let (newest_period, _, newest) = visible.next()?;
        let (mut seen, mut oldest_period) = (1usize, *newest_period);
        let mut hits = u32::from(breach(Workload::value(newest, metric)));
        for d in visible.take(n.saturating_sub(1)) {
            // Too few breaches left to reach `needed`: the alarm stays OK
            // (usually decided by the newest datapoint alone).
            if hits as usize + (n - seen) < needed as usize {
                return None;
            }
            seen += 1;
            oldest_period = d.0;
            hits += u32::from(breach(Workload::value(&d.2, metric)));
        }
        if seen < n || newest_period - oldest_period != (n - 1) as u64 {
            return None;
        }
        (hits >= needed).then_some(*newest)
    }

    /// An alarm whose `period` is a whole number of minutes, read from the
    /// 1-minute datapoints: each period's datapoint is the Average of its
    /// minutes, visible once its last minute is (CloudWatch aggregates a
    /// metric over the alarm's Period, "PutMetricAlarm"). A period with no
    /// minute published is missing, and missing data never breaches.
    pub(super) fn alarm_over(
        &self,
        now: SimTime,
        period: SimTime,
        metric: Metric,
        periods: u32,
        needed: u32,
        breach: impl Fn(f64) -> bool,
    ) -> Option<Reading> {
        if period <= MINUTE {
            return self.alarm(now, metric, periods, needed, breach);
        }
        let k = period / MINUTE;
        let &(idx, visible_at, _) = self.points.last()?;
        // Every minute shares one publication delay.
        let delay = visible_at.saturating_sub((idx + 1) * MINUTE);
        let ready = now.checked_sub(delay)? / period;
        let newest = ready.checked_sub(1)?;
        let oldest = newest.checked_sub(u64::from(periods) - 1)?;
        let (mut hits, mut last) = (0u32, None);
        for j in oldest..=newest {
            // The points are in minute order: the period's are one run.
            let from = self.points.partition_point(|d| d.0 < j * k);
            let to = self.points.partition_point(|d| d.0 < (j + 1) * k);
            let r = average(self.points[from..to].iter().map(|d| d.2))?;
            hits += u32::from(breach(Workload::value(&r, metric)));
            last = Some(r);
        }
        (hits >= needed).then_some(last?)
    }
}

/// The Average of a period's 1-minute readings (the task count: the last
/// one's), or `None` when there is none.
fn average(rs: impl Iterator<Item = Reading>) -> Option<Reading> {
    let mut n = 0.0;
    let mut sum = Reading::default();
    for r in rs {
        n += 1.0;
        sum.demand_rps += r.demand_rps;
        sum.served_rps += r.served_rps;
        sum.cpu_pct += r.cpu_pct;
        sum.memory_pct += r.memory_pct;
        sum.requests_per_target += r.requests_per_target;
        sum.latency_factor += r.latency_factor;
        sum.tasks = r.tasks;
        sum.backlog += r.backlog;
    }
    if n == 0.0 {
        return None;
    }
    Some(Reading {
        demand_rps: sum.demand_rps / n,
        served_rps: sum.served_rps / n,
        cpu_pct: sum.cpu_pct / n,
        memory_pct: sum.memory_pct / n,
        requests_per_target: sum.requests_per_target / n,
        latency_factor: sum.latency_factor / n,
        tasks: sum.tasks,
        backlog: sum.backlog / n,
    })
}
