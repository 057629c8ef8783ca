//! Exact time-weighted integrals of integer levels (running tasks, reserved
//! CPU, ...). The area is kept in integer level·milliseconds, so a mean over a
//! week is computed once at the end rather than accumulated in floats.

use super::time::SimTime;

#[derive(Debug, Clone, Default)]
pub struct Level {
    value: u64,
    area: u128,
    since: SimTime,
    min: Option<u64>,
    tracking_min: bool,
}

impl Level {
    pub fn get(&self) -> u64 {
        self.value
    }

    pub fn set(&mut self, now: SimTime, value: u64) {
        self.area += u128::from(self.value) * u128::from(now.saturating_sub(self.since));
        self.since = now;
        self.value = value;
        if self.tracking_min {
            self.min = Some(self.min.map_or(value, |m| m.min(value)));
        }
    }

    pub fn add(&mut self, now: SimTime, delta: i64) {
        let v = (self.value as i64 + delta).max(0) as u64;
        self.set(now, v);
    }

    /// From now on, remember the lowest value seen (e.g. once a service has
    /// first reached its desired count, so the start-up ramp is not counted).
    pub fn start_min_tracking(&mut self) {
        if !self.tracking_min {
            self.tracking_min = true;
            self.min = Some(self.value);
        }
    }

    pub fn min_seen(&self) -> Option<u64> {
        self.min
    }

    /// Area under the level from time 0 to `now`, in level·ms.
    pub fn area(&self, now: SimTime) -> u128 {
        self.area + u128::from(self.value) * u128::from(now.saturating_sub(self.since))
    }

    pub fn mean(&self, now: SimTime) -> f64 {
        if now == 0 {
            return self.value as f64;
        }
        self.area(now) as f64 / now as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integrates_exactly() {
        let mut l = Level::default();
        l.set(0, 2);
        l.set(1000, 4);
        l.add(3000, -1);
        assert_eq!(l.area(4000), 2 * 1000 + 4 * 2000 + 3 * 1000);
        assert_eq!(l.mean(4000), 13000.0 / 4000.0);
        assert_eq!(l.min_seen(), None);
        l.start_min_tracking();
        l.set(5000, 1);
        l.set(6000, 5);
        assert_eq!(l.min_seen(), Some(1));
    }
}

/// Sub-buckets per power of two: quantiles are exact below 128 and within
/// 1/128 (0.8 %) above, in constant memory however many values are seen —
/// a run with millions of tasks must not keep one number per task.
const SUB: u64 = 128;

/// A log-linear histogram of non-negative integers (e.g. waits in ms).
#[derive(Debug, Clone, Default)]
pub struct Histogram {
    counts: Vec<u64>,
    n: u64,
    max: u64,
}

impl Histogram {
    fn index(v: u64) -> usize {
        if v < SUB {
            return v as usize;
        }
        let e = 63 - u64::from(v.leading_zeros()); // ≥ 7
        let shift = e - 7;
        (SUB + shift * SUB + ((v >> shift) - SUB)) as usize
    }

    /// The largest value that falls in bucket `i`.
    fn upper(i: usize) -> u64 {
        let i = i as u64;
        if i < SUB {
            return i;
        }
        let shift = (i - SUB) / SUB;
        let sub = (i - SUB) % SUB;
        ((SUB + sub + 1) << shift) - 1
    }

    pub fn record(&mut self, v: u64) {
        let i = Self::index(v);
        if self.counts.len() <= i {
            self.counts.resize(i + 1, 0);
        }
        self.counts[i] += 1;
        self.n += 1;
        self.max = self.max.max(v);
    }

    pub fn count(&self) -> u64 {
        self.n
    }

    /// Nearest-rank quantile (`q` in 0..=1), rounded up to its bucket's top
    /// (never above the largest value seen); `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<u64> {
        if self.n == 0 {
            return None;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.n as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (i, c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return Some(Self::upper(i).min(self.max));
            }
        }
        Some(self.max)
    }
}

#[cfg(test)]
mod histogram_tests {
    use super::Histogram;

    #[test]
    fn exact_below_128_and_within_one_percent_above() {
        let mut h = Histogram::default();
        for v in 1..=100 {
            h.record(v);
        }
        assert_eq!(h.quantile(0.95), Some(95));
        assert_eq!(h.quantile(1.0), Some(100));
        assert_eq!(h.quantile(0.0), Some(1));
        let mut h = Histogram::default();
        for v in 0..100_000u64 {
            h.record(v * 37 % 1_000_003);
        }
        let exact = {
            let mut all: Vec<u64> = (0..100_000u64).map(|v| v * 37 % 1_000_003).collect();
            all.sort_unstable();
            all[94_999]
        };
        let got = h.quantile(0.95).unwrap();
        assert!(
            got >= exact && (got - exact) as f64 <= exact as f64 / 128.0,
            "{got} vs {exact}"
        );
        for v in [128u64, 129, 255, 256, 1 << 40, u64::MAX / 3] {
            let i = Histogram::index(v);
            assert!(Histogram::upper(i) >= v);
            assert!(i == 0 || Histogram::upper(i - 1) < v, "{v}");
        }
        assert_eq!(Histogram::default().quantile(0.5), None);
    }
}
