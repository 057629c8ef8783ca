//! Delay distributions, drawn in milliseconds. One definition serves start-up
//! and shutdown times, task durations and inter-arrival gaps.

use super::rng::SimRng;
use super::time::SimTime;
use rand::RngExt;
use rand_distr::{Distribution, Exp, Exp1, LogNormal, StandardNormal, Weibull};
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq)]
pub enum Dist {
    Constant(SimTime),
    Exponential {
        mean: f64,
        /// What a unit exponential draw is multiplied by: `1 / (1 / mean)`
        /// as `Exp::new(1 / mean)` keeps it (not always `mean` itself),
        /// so draws are those of `Exp`, without its division and checks
        /// on every draw; NaN when `Exp` would refuse the rate.
        scale: f64,
    },
    LogNormal {
        median: f64,
        sigma: f64,
        /// ln(median), the underlying normal's mean: kept, not recomputed
        /// per draw (a logarithm per task start-up was 1% of a large run).
        mu: f64,
    },
    Uniform {
        min: SimTime,
        max: SimTime,
    },
    /// Draws one of the observed values with equal probability.
    Empirical(Arc<[SimTime]>),
    /// Weibull with a shape and a scale (ms): failure rates that rise
    /// (shape > 1) or fall (shape < 1) with age.
    Weibull {
        shape: f64,
        scale: f64,
    },
}

impl Dist {
    /// Builds an exponential distribution; `mean` in ms must be > 0.
    pub fn exponential(mean: SimTime) -> Result<Dist, String> {
        if mean == 0 {
            return Err("mean must be greater than 0".into());
        }
        Ok(Dist::exponential_mean(mean as f64))
    }

    /// An exponential distribution of this mean (ms).
    pub fn exponential_mean(mean: f64) -> Dist {
        let scale = Exp::new(1.0 / mean).map_or(f64::NAN, |_| 1.0 / (1.0 / mean));
        Dist::Exponential { mean, scale }
    }

    pub fn lognormal(median: SimTime, sigma: f64) -> Result<Dist, String> {
        if median == 0 {
            return Err("median must be greater than 0".into());
        }
        if !(sigma.is_finite() && sigma >= 0.0) {
            return Err(format!("sigma must be a finite number >= 0, got {sigma}"));
        }
        Ok(Dist::lognormal_valid(median as f64, sigma))
    }

    /// A lognormal of this median (ms) and sigma, for arguments known to be
    /// valid (a default, or what `lognormal` checked).
    pub fn lognormal_valid(median: f64, sigma: f64) -> Dist {
        Dist::LogNormal {
            median,
            sigma,
            mu: median.ln(),
        }
    }

    pub fn uniform(min: SimTime, max: SimTime) -> Result<Dist, String> {
        if min > max {
            return Err(format!("min ({min} ms) is greater than max ({max} ms)"));
        }
        Ok(Dist::Uniform { min, max })
    }

    pub fn weibull(shape: f64, scale: SimTime) -> Result<Dist, String> {
        if !(shape.is_finite() && shape > 0.0) {
            return Err(format!(
                "shape must be a finite number above 0, got {shape}"
            ));
        }
        if scale == 0 {
            return Err("scale must be greater than 0".into());
        }
        Ok(Dist::Weibull {
            shape,
            scale: scale as f64,
        })
    }

    pub fn empirical(values: Vec<SimTime>) -> Result<Dist, String> {
        if values.is_empty() {
            return Err("no values to draw from".into());
        }
        Ok(Dist::Empirical(values.into()))
    }

    /// One draw, rounded to the millisecond.
    #[inline]
    pub fn sample(&self, rng: &mut SimRng) -> SimTime {
        // Most lifecycle steps of most scenarios are constant (often 0):
        // answered inline, without the call the random kinds need.
        // Exponential gaps and durations (Poisson arrivals, M/M/c
        // services) are drawn once or twice per task: inline too.
        match self {
            Dist::Constant(v) => *v,
            Dist::Exponential { scale, .. } => exponential(*scale, rng),
            _ => self.draw(rng),
        }
    }

    #[inline(never)]
    fn draw(&self, rng: &mut SimRng) -> SimTime {
        match self {
            Dist::Constant(v) => *v,
            Dist::Exponential { scale, .. } => exponential(*scale, rng),
            Dist::LogNormal { median, sigma, mu } => {
                if *sigma == 0.0 {
                    return to_ms(*median);
                }
                match LogNormal::new(*mu, *sigma) {
                    Ok(d) => to_ms(d.sample(rng)),
                    Err(_) => {
                        let z: f64 = StandardNormal.sample(rng);
                        to_ms(median * (sigma * z).exp())
                    }
                }
            }
            Dist::Uniform { min, max } => rng.random_range(*min..=*max),
            Dist::Empirical(values) => values[rng.random_range(0..values.len())],
            Dist::Weibull { shape, scale } => Weibull::new(*scale, *shape)
                .map(|d| to_ms(d.sample(rng)))
                .unwrap_or(*scale as SimTime),
        }
    }

    /// Expected value in ms, for up-front size estimates.
    pub fn mean(&self) -> f64 {
        match self {
            Dist::Constant(v) => *v as f64,
            Dist::Exponential { mean, .. } => *mean,
            Dist::LogNormal { median, sigma, .. } => median * (sigma * sigma / 2.0).exp(),
            Dist::Uniform { min, max } => (*min as f64 + *max as f64) / 2.0,
            Dist::Empirical(v) => v.iter().map(|&x| x as f64).sum::<f64>() / v.len() as f64,
            // scale × Γ(1 + 1/shape), by Stirling–series ln Γ.
            Dist::Weibull { shape, scale } => scale * ln_gamma(1.0 + 1.0 / shape).exp(),
        }
    }
}

/// ln Γ(x) for x > 0 (Lanczos approximation, ~15 digits).
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = G[0];
    let t = x + 7.5;
    for (i, g) in G.iter().enumerate().skip(1) {
        a += g / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// A draw of `Exp` whose `1 / lambda` is `scale` (NaN: a rate `Exp`
/// refuses, drawn as 0 without touching the stream, as before).
#[inline(always)]
fn exponential(scale: f64, rng: &mut SimRng) -> SimTime {
    if scale.is_nan() {
        return 0;
    }
    let e: f64 = Exp1.sample(rng);
    to_ms(e * scale)
}

fn to_ms(x: f64) -> SimTime {
    if x > 0.0 {
        // Saturates far beyond any simulated horizon rather than wrapping:
        // an infinite delay (the mean gap of a rate of 1e-303 per hour) is
        // "never", not 0 ms, which would fire every millisecond.
        if x < TWO_52 {
            // `x.round()` without its call (no SSE4.1 rounding in the
            // baseline x86-64 target): the fraction `x - trunc(x)` is exact
            // below 2^52, and ties go up, away from zero, as `round` does.
            // Through i64 (exact below 2^52): x86-64 converts signed
            // integers in one instruction, unsigned ones in a dozen.
            let t = x as i64;
            (t + i64::from(x - t as f64 >= 0.5)) as SimTime
        } else {
            // Already an integer.
            x.min(NEVER as f64) as SimTime
        }
    } else {
        0
    }
}

/// 2^52: from here on every f64 is an integer.
const TWO_52: f64 = 4_503_599_627_370_496.0;

/// A delay past any run (runs end within `MAX_DURATION`): what a draw from a
/// distribution with an infinite mean becomes.
pub const NEVER: SimTime = u64::MAX / 4;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::RngStreams;

    fn mean_of(d: &Dist, n: usize) -> f64 {
        let mut rng = RngStreams::new(7).stream("t");
        (0..n).map(|_| d.sample(&mut rng) as f64).sum::<f64>() / n as f64
    }

    #[test]
    fn sample_means_match() {
        let n = 200_000;
        let exp = Dist::exponential(20 * 60_000).unwrap();
        assert!((mean_of(&exp, n) / exp.mean() - 1.0).abs() < 0.01);
        let ln = Dist::lognormal(20_000, 0.4).unwrap();
        assert!((mean_of(&ln, n) / ln.mean() - 1.0).abs() < 0.01);
        let w = Dist::weibull(1.5, 3_600_000).unwrap();
        assert!(
            (mean_of(&w, n) / w.mean() - 1.0).abs() < 0.01,
            "{} vs {}",
            mean_of(&w, n),
            w.mean()
        );
        // Shape 1 is the exponential.
        assert!((Dist::weibull(1.0, 1000).unwrap().mean() - 1000.0).abs() < 1e-6);
        let u = Dist::uniform(60_000, 180_000).unwrap();
        assert!((mean_of(&u, n) / 120_000.0 - 1.0).abs() < 0.01);
    }

    #[test]
    fn lognormal_median_is_median() {
        let d = Dist::lognormal(20_000, 0.4).unwrap();
        let mut rng = RngStreams::new(1).stream("m");
        let mut v: Vec<u64> = (0..100_001).map(|_| d.sample(&mut rng)).collect();
        v.sort_unstable();
        let med = v[50_000] as f64;
        assert!((med / 20_000.0 - 1.0).abs() < 0.02, "median {med}");
    }

    /// The exponential keeps `Exp`'s scale instead of building an `Exp`
    /// per draw: the same draws from the same stream, for ordinary means,
    /// for those where the scale is not the mean itself (`1 / (1 / m)`
    /// differs by an ulp, which draws near 2^52 ms show), and for those
    /// whose rate is tiny, huge or under/overflows.
    #[test]
    fn exponential_draws_are_exps() {
        let reference = |mean: f64, rng: &mut SimRng| {
            to_ms(Exp::new(1.0 / mean).map(|d| d.sample(rng)).unwrap_or(0.0))
        };
        let mut means = vec![
            1e-3,
            0.5,
            1.0,
            7.0,
            100_000.0,
            1.2e6,
            3.6e6 / 1e-300,
            f64::MAX,
            f64::INFINITY,
            5e-324,
        ];
        // Means near 2^50 ms whose scale is not the mean.
        let mut m = 1.1e15;
        while means.len() < 14 {
            if 1.0 / (1.0 / m) != m {
                means.push(m);
            }
            m += 1.0;
        }
        for (n, mean) in means.into_iter().enumerate() {
            let d = Dist::exponential_mean(mean);
            let s = RngStreams::new(n as u64);
            let (mut a, mut b) = (s.stream("e"), s.stream("e"));
            for _ in 0..20_000 {
                assert_eq!(d.sample(&mut a), reference(mean, &mut b), "mean {mean:e}");
            }
            // Both streams moved alike.
            assert_eq!(a.random::<u64>(), b.random::<u64>(), "mean {mean:e}");
        }
    }

    #[test]
    fn to_ms_rounds_as_round_does() {
        let reference = |x: f64| {
            if x > 0.0 {
                x.round().min(NEVER as f64) as SimTime
            } else {
                0
            }
        };
        let below = |x: f64| f64::from_bits(x.to_bits() - 1);
        let mut xs = vec![
            0.0,
            -0.0,
            -3.5,
            f64::MIN_POSITIVE,
            0.49999999999999994,
            0.5,
            1.5,
            2.5,
            below(2.5),
            1e15 + 0.5,
            TWO_52 - 0.5,
            below(TWO_52),
            TWO_52,
            TWO_52 + 1.0,
            1e300,
            f64::INFINITY,
            f64::NAN,
        ];
        let mut rng = RngStreams::new(3).stream("r");
        for _ in 0..100_000 {
            let u: f64 = rng.random();
            xs.push(u * 1e7);
            xs.push((u * 2e6).floor() + 0.5);
        }
        for x in xs {
            assert_eq!(to_ms(x), reference(x), "{x:e}");
        }
    }

    #[test]
    fn constant_and_empirical() {
        let mut rng = RngStreams::new(1).stream("c");
        assert_eq!(Dist::Constant(0).sample(&mut rng), 0);
        let e = Dist::empirical(vec![5, 7]).unwrap();
        for _ in 0..100 {
            assert!(matches!(e.sample(&mut rng), 5 | 7));
        }
        assert!(Dist::empirical(vec![]).is_err());
        assert!(Dist::uniform(5, 4).is_err());
        assert!(Dist::exponential(0).is_err());
        assert!(Dist::lognormal(10, -1.0).is_err());
    }
}
