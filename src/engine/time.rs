//! Simulated time is an integer count of milliseconds. Floats never
//! accumulate: every delay is rounded to a whole millisecond once, when drawn.

/// Milliseconds since the start of the simulation.
pub type SimTime = u64;

pub const SECOND: SimTime = 1_000;
pub const MINUTE: SimTime = 60 * SECOND;
pub const HOUR: SimTime = 60 * MINUTE;
pub const DAY: SimTime = 24 * HOUR;

const UNITS: &[(&str, SimTime)] = &[
    ("ms", 1),
    ("s", SECOND),
    ("m", MINUTE),
    ("h", HOUR),
    ("d", DAY),
    ("w", 7 * DAY),
];

/// What a duration may look like, for error messages.
pub const DURATION_FORMS: &str =
    "a number with a unit (ms, s, m, h, d, w), e.g. \"500ms\", \"90s\", \"10m\", \"7d\", \"1h30m\"";

/// Parses `"90s"`, `"10m"`, `"7d"`, `"1.5h"`, `"1h30m"` into milliseconds.
pub fn parse_duration(text: &str) -> Result<SimTime, String> {
    let s = text.trim();
    if s.is_empty() {
        return Err(format!("empty duration; expected {DURATION_FORMS}"));
    }
    let bad = || format!("invalid duration \"{text}\"; expected {DURATION_FORMS}");
    let mut total: SimTime = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(bad)?;
        if num_len == 0 {
            return Err(bad());
        }
        let (num, tail) = rest.split_at(num_len);
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, next) = tail.split_at(unit_len);
        let scale = UNITS
            .iter()
            .find(|(u, _)| *u == unit)
            .map(|(_, v)| *v)
            .ok_or_else(bad)?;
        let part = if let Ok(n) = num.parse::<u64>() {
            n.checked_mul(scale).ok_or_else(bad)?
        } else {
            let f: f64 = num.parse().map_err(|_| bad())?;
            let v = (f * scale as f64).round();
            if !v.is_finite() || v >= u64::MAX as f64 {
                return Err(bad());
            }
            v as u64
        };
        total = total.checked_add(part).ok_or_else(bad)?;
        rest = next;
    }
    Ok(total)
}

/// Parses a time of day `"HH:MM"` or `"HH:MM:SS"` into milliseconds after midnight.
pub fn parse_time_of_day(text: &str) -> Result<SimTime, String> {
    let bad =
        || format!("invalid time of day \"{text}\"; expected \"HH:MM\" or \"HH:MM:SS\" (24-hour)");
    let parts: Vec<&str> = text.trim().split(':').collect();
    if !(2..=3).contains(&parts.len()) {
        return Err(bad());
    }
    let mut vals = [0u64; 3];
    for (i, p) in parts.iter().enumerate() {
        if p.is_empty() || p.len() > 2 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        vals[i] = p.parse().map_err(|_| bad())?;
    }
    if vals[0] > 23 || vals[1] > 59 || vals[2] > 59 {
        return Err(bad());
    }
    Ok(vals[0] * HOUR + vals[1] * MINUTE + vals[2] * SECOND)
}

/// Formats milliseconds as seconds with millisecond precision, e.g. `61.250`.
pub fn format_secs(ms: SimTime) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// A time as a scenario writes it, e.g. `2d3h5m` or `90s` (whole seconds).
pub fn format_duration(ms: SimTime) -> String {
    let s = ms / SECOND;
    let (d, h, m, s) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    let mut out = String::new();
    for (v, unit) in [(d, "d"), (h, "h"), (m, "m"), (s, "s")] {
        if v > 0 {
            out += &format!("{v}{unit}");
        }
    }
    if out.is_empty() { "0s".into() } else { out }
}

/// Seconds as a float, for summaries only (never fed back into time).
pub fn secs_f64(ms: SimTime) -> f64 {
    ms as f64 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_compounds() {
        assert_eq!(parse_duration("90s"), Ok(90_000));
        assert_eq!(parse_duration("10m"), Ok(600_000));
        assert_eq!(parse_duration("7d"), Ok(7 * DAY));
        assert_eq!(parse_duration("1h30m"), Ok(90 * MINUTE));
        assert_eq!(parse_duration("1.5h"), Ok(90 * MINUTE));
        assert_eq!(parse_duration("250ms"), Ok(250));
        assert_eq!(parse_duration("0s"), Ok(0));
        assert_eq!(parse_duration("2w"), Ok(14 * DAY));
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "10",
            "s",
            "10x",
            "-5s",
            "1..2s",
            "10 m",
            "99999999999999999999d",
        ] {
            let e = parse_duration(bad).unwrap_err();
            assert!(e.contains("duration"), "{bad}: {e}");
        }
    }

    #[test]
    fn time_of_day() {
        assert_eq!(parse_time_of_day("09:00"), Ok(9 * HOUR));
        assert_eq!(
            parse_time_of_day("23:59:30"),
            Ok(23 * HOUR + 59 * MINUTE + 30 * SECOND)
        );
        assert!(parse_time_of_day("24:00").is_err());
        assert!(parse_time_of_day("9").is_err());
    }

    #[test]
    fn formats_seconds() {
        assert_eq!(format_secs(61_250), "61.250");
        assert_eq!(format_secs(5), "0.005");
    }
}
