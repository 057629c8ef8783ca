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
