//! Exact money. Prices are kept as integer pico-dollars per hour scaled by
//! 1024 (so a quarter vCPU or half a GB stays exact), durations as integer
//! milliseconds; an amount is their product, summed without rounding.

use std::fmt;

/// Pico-dollars per hour, ×1024.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rate(pub i128);

/// Dollars × `DENOM`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Money(pub i128);

// Pico-dollars and their parser are the price list's, below billing.
use crate::pricelist::pico::PICO;
const MS_PER_HOUR: i128 = 3_600_000;
/// One dollar.
pub const DENOM: i128 = 1024 * MS_PER_HOUR * PICO;

impl Rate {
    /// `pico` pico-dollars per hour for each of `units`/1024 (e.g. per vCPU
    /// with `units` CPU units, per GB with `units` MiB).
    pub fn per_1024(pico: i128, units: u64) -> Rate {
        Rate(pico * i128::from(units))
    }

    /// A whole item at `pico` pico-dollars per hour.
    pub fn whole(pico: i128) -> Rate {
        Rate(pico * 1024)
    }

    pub fn plus(self, other: Rate) -> Rate {
        Rate(self.0 + other.0)
    }

    /// This rate with a fraction taken off (Spot discounts), rounded to the
    /// nearest unit once.
    pub fn discounted(self, fraction: f64) -> Rate {
        Rate((self.0 as f64 * (1.0 - fraction)).round() as i128)
    }

    pub fn for_ms(self, ms: u64) -> Money {
        Money(self.0 * i128::from(ms))
    }

    pub fn usd_per_hour(self) -> f64 {
        self.0 as f64 / (1024.0 * PICO as f64)
    }
}

impl Money {
    pub fn usd(self) -> f64 {
        self.0 as f64 / DENOM as f64
    }

    pub fn from_usd(usd: f64) -> Money {
        Money((usd * DENOM as f64).round() as i128)
    }

    pub fn scaled(self, f: f64) -> Money {
        Money((self.0 as f64 * f).round() as i128)
    }
}

impl std::ops::Add for Money {
    type Output = Money;
    fn add(self, o: Money) -> Money {
        Money(self.0 + o.0)
    }
}

impl std::ops::AddAssign for Money {
    fn add_assign(&mut self, o: Money) {
        self.0 += o.0;
    }
}

impl std::ops::Sub for Money {
    type Output = Money;
    fn sub(self, o: Money) -> Money {
        Money(self.0 - o.0)
    }
}

impl std::iter::Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        Money(iter.map(|m| m.0).sum())
    }
}

/// Ten decimal places, rounded half away from zero, from the exact value.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SCALE: i128 = 10_000_000_000;
        let neg = self.0 < 0;
        let a = self.0.unsigned_abs();
        let d = DENOM as u128;
        let scaled = (a * SCALE as u128 + d / 2) / d;
        let sign = if neg && scaled != 0 { "-" } else { "" };
        if let Ok(s) = u64::try_from(scaled) {
            // The same text without `fmt`'s u128 machinery: cost_timeseries
            // writes eleven amounts an hour (72 k for the M/M/c model's
            // 272 days, on the simulation's thread after it has run).
            let (int, frac) = (s / SCALE as u64, s % SCALE as u64);
            let mut i = itoa::Buffer::new();
            let mut j = itoa::Buffer::new();
            f.write_str(sign)?;
            f.write_str(i.format(int))?;
            f.write_str(".")?;
            // Ten digits, leading zeros kept: those of 10^10 + frac.
            return f.write_str(&j.format(SCALE as u64 + frac)[1..]);
        }
        let (int, frac) = (scaled / SCALE as u128, scaled % SCALE as u128);
        write!(
            f,
            "{}{int}.{frac:010}",
            if neg && scaled != 0 { "-" } else { "" }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pricelist::parse_pico;

    #[test]
    fn exact_fargate_example() {
        // 1 vCPU / 2 GB for 10 minutes: (1×0.04048 + 2×0.004445) × 10/60.
        let rate = Rate::per_1024(parse_pico("0.04048").unwrap(), 1024)
            .plus(Rate::per_1024(parse_pico("0.004445").unwrap(), 2048));
        let m = rate.for_ms(600_000);
        assert_eq!(
            m.0 * 6,
            Rate::whole(parse_pico("0.04937").unwrap())
                .for_ms(3_600_000)
                .0
        );
        assert_eq!(m.to_string(), "0.0082283333");
        assert!((m.usd() - (1.0 * 0.04048 + 2.0 * 0.004445) * 10.0 / 60.0).abs() < 1e-15);
    }

    #[test]
    fn parses_prices() {
        assert_eq!(parse_pico("0.192"), Ok(192_000_000_000));
        assert_eq!(parse_pico("1"), Ok(PICO));
        assert_eq!(parse_pico(".5"), Ok(PICO / 2));
        assert!(parse_pico("-0.1").unwrap_err().contains("negative"));
        for bad in ["", "abc", "1e3", "0.1234567890123", "NaN"] {
            assert!(parse_pico(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn display_rounds_and_signs() {
        assert_eq!(Money(DENOM).to_string(), "1.0000000000");
        assert_eq!(Money(-DENOM / 4).to_string(), "-0.2500000000");
        assert_eq!(Money(0).to_string(), "0.0000000000");
    }

    /// The text the u128 formula gives, for amounts of every size and sign
    /// up to 2^94 (beyond, `a × 10^10` overflows before the text would
    /// leave a u64).
    #[test]
    fn display_is_the_exact_formula_s() {
        let exact = |m: i128| {
            const SCALE: u128 = 10_000_000_000;
            let a = m.unsigned_abs();
            let d = DENOM as u128;
            let scaled = (a * SCALE + d / 2) / d;
            let sign = if m < 0 && scaled != 0 { "-" } else { "" };
            format!("{sign}{}.{:010}", scaled / SCALE, scaled % SCALE)
        };
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for k in 0..100_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let m = (i128::from(x) << (k % 64)) >> 33;
            let m = if k % 2 == 0 { m } else { -m };
            assert_eq!(Money(m).to_string(), exact(m), "{m}");
        }
        for m in [
            DENOM / 2,
            DENOM / 20_000_000_000,
            DENOM * 1_844_674_407 / 1_000_000,
            1 << 94,
            -(1 << 94),
        ] {
            assert_eq!(Money(m).to_string(), exact(m), "{m}");
        }
    }
}
