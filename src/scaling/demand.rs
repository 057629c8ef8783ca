//! Demand on a service, in requests per second, as a function of time:
//! constant, diurnal, piecewise steps or ramps, or a replayed series; with
//! scheduled spikes and Poisson noise on top.

use crate::engine::time::{DAY, MINUTE};
use crate::engine::{SimRng, SimTime};
use rand_distr::{Distribution, Poisson};

/// The most requests per second a demand may ask (input values above it are
/// refused): sums over a year stay finite, so summary.json never holds a
/// `null` nor timeseries.csv an `inf`.
pub const MAX_RPS: f64 = 1e12;

#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    Constant(f64),
    /// mean + amplitude × cos(2π (t − peak) / period).
    Diurnal {
        mean: f64,
        amplitude: f64,
        peak: SimTime,
        period: SimTime,
    },
    /// Points (time, value); `linear` ramps between them, otherwise each
    /// value holds until the next point. Before the first point: its value.
    Points {
        points: Vec<(SimTime, f64)>,
        linear: bool,
    },
}

/// A demand multiplier from `start` for `len`, repeated `every` so long
/// after each start when set. Repeats are counted when read, never listed:
/// `every = "1ms"` over a year would be 3e10 entries.
#[derive(Debug, Clone, PartialEq)]
pub struct Spike {
    pub start: SimTime,
    pub len: SimTime,
    pub factor: f64,
    pub every: Option<SimTime>,
}

impl Spike {
    /// How many of this spike's occurrences cover `t` (more than one when
    /// a repeat starts before the previous one ends: their factors multiply).
    pub fn active_at(&self, t: SimTime) -> u64 {
        if t < self.start {
            return 0;
        }
        let since = t - self.start;
        match self.every {
            None => u64::from(since < self.len),
            Some(every) => {
                let every = every.max(1);
                // Occurrences j start at start + j × every; those started by
                // `t` and not yet over are j_min..=last.
                let last = since / every;
                let first = if since < self.len {
                    0
                } else {
                    (since - self.len) / every + 1
                };
                (last + 1).saturating_sub(first)
            }
        }
    }
}

/// `acc` times `factor` `n` times. Few overlaps are multiplied one by one,
/// as a list of occurrences would be; many at once take a power.
fn times(acc: f64, factor: f64, n: u64) -> f64 {
    if n <= 64 {
        (0..n).fold(acc, |a, _| a * factor)
    } else {
        acc * factor.powf(n as f64)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Demand {
    pub shape: Shape,
    pub spikes: Vec<Spike>,
    /// Draw each minute's request count from a Poisson distribution.
    pub poisson_noise: bool,
}

impl Demand {
    /// The expected rate at `t` (requests/s), spikes included, no noise.
    pub fn rate_at(&self, t: SimTime) -> f64 {
        let base = match &self.shape {
            Shape::Constant(v) => *v,
            Shape::Diurnal {
                mean,
                amplitude,
                peak,
                period,
            } => {
                let period = (*period).max(1);
                mean + amplitude * wave((t + period - peak % period) % period, period)
            }
            Shape::Points { points, linear } => at_points(points, *linear, t),
        };
        let factor = self
            .spikes
            .iter()
            .fold(1.0, |acc, s| times(acc, s.factor, s.active_at(t)));
        // Spikes may multiply past any bound, or give NaN (0 × inf): the
        // rate stays within what an input may ask.
        let rate = base * factor;
        if rate.is_nan() {
            0.0
        } else {
            rate.clamp(0.0, MAX_RPS)
        }
    }

    /// The rate seen during the minute starting at `t`.
    pub fn minute(&self, t: SimTime, rng: &mut SimRng) -> f64 {
        let r = self.rate_at(t);
        if !self.poisson_noise || r <= 0.0 {
            return r;
        }
        let per_minute = r * (MINUTE / 1000) as f64;
        match Poisson::new(per_minute) {
            Ok(p) => p.sample(rng) / (MINUTE / 1000) as f64,
            Err(_) => r,
        }
    }
}

/// cos(2π x / period), the diurnal wave `x` ms past its peak.
fn wave(x: SimTime, period: SimTime) -> f64 {
    let exact = |x: SimTime| (2.0 * std::f64::consts::PI * (x as f64 / period as f64)).cos();
    // Demand is read on whole minutes, and most waves are daily: their
    // 1,440 values, computed once by the same expression, are the same
    // numbers (a cosine per service per minute was 2% of a large run).
    static DAILY: std::sync::OnceLock<Box<[f64]>> = std::sync::OnceLock::new();
    if period == DAY && x.is_multiple_of(MINUTE) {
        let table = DAILY.get_or_init(|| (0..DAY / MINUTE).map(|k| exact(k * MINUTE)).collect());
        return table[(x / MINUTE) as usize];
    }
    exact(x)
}

fn at_points(points: &[(SimTime, f64)], linear: bool, t: SimTime) -> f64 {
    let i = points.partition_point(|p| p.0 <= t);
    if i == 0 {
        return points.first().map_or(0.0, |p| p.1);
    }
    let (t0, v0) = points[i - 1];
    match points.get(i) {
        Some(&(t1, v1)) if linear => v0 + (v1 - v0) * (t - t0) as f64 / (t1 - t0) as f64,
        _ => v0,
    }
}

/// A diurnal default period.
pub const DEFAULT_PERIOD: SimTime = DAY;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::HOUR;

    #[test]
    fn shapes() {
        let d = Demand {
            shape: Shape::Diurnal {
                mean: 100.0,
                amplitude: 50.0,
                peak: 14 * HOUR,
                period: DAY,
            },
            spikes: vec![],
            poisson_noise: false,
        };
        assert!((d.rate_at(14 * HOUR) - 150.0).abs() < 1e-9);
        assert!((d.rate_at(2 * HOUR) - 50.0).abs() < 1e-9);
        assert!((d.rate_at(DAY + 14 * HOUR) - 150.0).abs() < 1e-9);
        let ramp = Demand {
            shape: Shape::Points {
                points: vec![(HOUR, 10.0), (2 * HOUR, 30.0)],
                linear: true,
            },
            spikes: vec![Spike {
                start: 3 * HOUR,
                len: HOUR,
                factor: 2.0,
                every: None,
            }],
            poisson_noise: false,
        };
        assert_eq!(ramp.rate_at(0), 10.0);
        assert_eq!(ramp.rate_at(HOUR + HOUR / 2), 20.0);
        assert_eq!(ramp.rate_at(5 * HOUR), 30.0);
        assert_eq!(ramp.rate_at(3 * HOUR), 60.0);
        let steps = Demand {
            shape: Shape::Points {
                points: vec![(0, 5.0), (HOUR, 9.0)],
                linear: false,
            },
            spikes: vec![],
            poisson_noise: false,
        };
        assert_eq!(steps.rate_at(HOUR - 1), 5.0);
        assert_eq!(steps.rate_at(HOUR), 9.0);
    }

    /// A repeating spike read lazily covers what a list of its occurrences
    /// did: each window, overlaps multiplied, nothing before the first.
    #[test]
    fn repeating_spikes_are_counted_not_listed() {
        let s = Spike {
            start: 10,
            len: 25,
            factor: 2.0,
            every: Some(10),
        };
        let listed = |t: SimTime| {
            (0..100)
                .filter(|j| 10 + j * 10 <= t && t < 10 + j * 10 + 25)
                .count() as u64
        };
        for t in 0..200 {
            assert_eq!(s.active_at(t), listed(t), "{t}");
        }
        // Every millisecond for a year: one read, no list.
        let dense = Spike {
            start: 0,
            len: MINUTE,
            factor: 1.0,
            every: Some(1),
        };
        assert_eq!(dense.active_at(300 * DAY), MINUTE);
        let d = Demand {
            shape: Shape::Constant(3.0),
            spikes: vec![s, dense],
            poisson_noise: false,
        };
        assert_eq!(d.rate_at(40), 3.0 * 8.0);
        assert_eq!(d.rate_at(5), 3.0);
    }

    /// The daily table gives exactly what the cosine gives.
    #[test]
    fn daily_wave_table_is_the_cosine() {
        for x in (0..DAY)
            .step_by(MINUTE as usize)
            .chain([1, 59_999, DAY - 1])
        {
            let want = (2.0 * std::f64::consts::PI * (x as f64 / DAY as f64)).cos();
            assert_eq!(wave(x, DAY).to_bits(), want.to_bits(), "{x}");
        }
    }

    #[test]
    fn poisson_noise_keeps_the_mean() {
        let d = Demand {
            shape: Shape::Constant(20.0),
            spikes: vec![],
            poisson_noise: true,
        };
        let mut rng = crate::engine::RngStreams::new(3).stream("d");
        let n = 20_000;
        let mean: f64 = (0..n).map(|_| d.minute(0, &mut rng)).sum::<f64>() / n as f64;
        assert!((mean - 20.0).abs() < 0.05, "{mean}");
    }
}
