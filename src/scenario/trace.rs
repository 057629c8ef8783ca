//! Demand traces: a CSV `timestamp,value` or the JSON printed by
//! `aws cloudwatch get-metric-data`. Times become offsets from the first
//! point; values are requests per second after `scale`.

use crate::engine::SimTime;
use crate::error::InputError;
use crate::scaling::demand::MAX_RPS;
use serde::Deserialize;
use std::path::Path;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct MetricData {
    metric_data_results: Vec<MetricResult>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct MetricResult {
    #[serde(default)]
    id: Option<String>,
    timestamps: Vec<String>,
    values: Vec<f64>,
}

/// Reads a trace; `scale` turns a value into requests per second (e.g.
/// 1/60 for a per-minute Sum). Gaps longer than twice the usual step and
/// timestamps that do not increase are errors.
pub fn load(file: &Path, scale: f64) -> Result<Vec<(SimTime, f64)>, InputError> {
    let text = crate::input::read_text(file)
        .map_err(|e| InputError::new(file, "", format!("cannot read the trace: {e}")))?;
    parse(file, &text, scale)
}

/// Parses trace text; `file` only names the source in errors.
pub fn parse(file: &Path, text: &str, scale: f64) -> Result<Vec<(SimTime, f64)>, InputError> {
    let err = |at: String, m: String| InputError::new(file, at, m);
    let mut raw: Vec<(i64, f64, String)> = Vec::new();
    if text.trim_start().starts_with('{') {
        let de = &mut serde_json::Deserializer::from_str(text);
        let data: MetricData = serde_path_to_error::deserialize(de).map_err(|e| {
            err(
                e.path().to_string(),
                format!(
                    "{} (expected the JSON of aws cloudwatch get-metric-data)",
                    super::ctx::json_message(e.inner())
                ),
            )
        })?;
        let Some(r) = data.metric_data_results.first() else {
            return Err(err("MetricDataResults".into(), "no results".into()));
        };
        if r.timestamps.len() != r.values.len() {
            return Err(err(
                "MetricDataResults[0]".into(),
                format!(
                    "{} timestamps but {} values",
                    r.timestamps.len(),
                    r.values.len()
                ),
            ));
        }
        let _ = &r.id;
        for (i, (t, v)) in r.timestamps.iter().zip(&r.values).enumerate() {
            let ms = parse_timestamp(t)
                .map_err(|m| err(format!("MetricDataResults[0].Timestamps[{i}]"), m))?;
            raw.push((ms, *v, format!("MetricDataResults[0].Values[{i}]")));
        }
        // get-metric-data lists newest first by default; accept either order, not a mix.
        if raw.len() > 1 && raw[0].0 > raw[1].0 {
            raw.reverse();
        }
    } else {
        for (k, (n, cells)) in crate::input::csv_rows(file, text)?.into_iter().enumerate() {
            if k == 0
                && cells
                    .first()
                    .is_some_and(|c| c.eq_ignore_ascii_case("timestamp"))
            {
                continue;
            }
            let at = format!("line {n}");
            if cells.len() != 2 {
                return Err(err(at, "expected two columns: timestamp,value".into()));
            }
            // Cells are not repeated in errors: a mistyped path may name
            // a file whose content should not reach a terminal or a log.
            let ms = parse_timestamp(&cells[0]).map_err(|m| err(format!("{at}, column 1"), m))?;
            let v: f64 = cells[1].parse().map_err(|_| {
                err(
                    format!("{at}, column 2"),
                    "expected a number (the value)".into(),
                )
            })?;
            raw.push((ms, v, at));
        }
    }
    if raw.is_empty() {
        return Err(err(String::new(), "the trace has no points".into()));
    }
    for w in raw.windows(2) {
        if w[1].0 <= w[0].0 {
            return Err(err(
                w[1].2.clone(),
                "timestamps must increase (this one is not after the one before)".into(),
            ));
        }
    }
    let mut steps: Vec<i64> = raw.windows(2).map(|w| w[1].0 - w[0].0).collect();
    steps.sort_unstable();
    if let Some(&usual) = steps.get(steps.len().saturating_sub(1) / 2) {
        for w in raw.windows(2) {
            if w[1].0 - w[0].0 > 2 * usual {
                return Err(err(
                    w[1].2.clone(),
                    format!(
                        "gap of {} s before this point (the trace's usual step is {} s); fill it or split the trace",
                        (w[1].0 - w[0].0) / 1000,
                        usual / 1000
                    ),
                ));
            }
        }
    }
    let t0 = raw[0].0;
    raw.into_iter()
        .map(|(t, v, at)| {
            if !(v.is_finite() && (0.0..=1e12).contains(&v)) {
                return Err(err(
                    at,
                    format!("value {v} must be a number from 0 to 1e12"),
                ));
            }
            if v * scale > MAX_RPS {
                return Err(err(
                    at,
                    format!("value {v} × scale {scale} is above {MAX_RPS:e} requests per second"),
                ));
            }
            Ok(((t - t0) as SimTime, v * scale))
        })
        .collect()
}

/// `2026-11-01T09:30:00Z`, with optional fraction and `+hh:mm` offset, or
/// plain epoch seconds. Returns epoch milliseconds.
pub fn parse_timestamp(s: &str) -> Result<i64, String> {
    let bad =
        || "expected a timestamp: ISO 8601 like 2026-11-01T09:30:00Z, or epoch seconds".to_string();
    // Years 0000-9999, as ISO 8601 writes them; this also keeps every
    // difference between two timestamps far from i64 overflow.
    const MAX_EPOCH_S: f64 = 253_402_300_800.0;
    if let Ok(secs) = s.parse::<f64>() {
        return if secs.is_finite() && secs.abs() <= MAX_EPOCH_S {
            Ok((secs * 1000.0).round() as i64)
        } else {
            Err(bad())
        };
    }
    let (date, time) = s.split_once(['T', ' ']).ok_or_else(bad)?;
    let d: Vec<i64> = date
        .split('-')
        .map(|x| x.parse().map_err(|_| bad()))
        .collect::<Result<_, _>>()?;
    if d.len() != 3
        || !(0..=9999).contains(&d[0])
        || !(1..=12).contains(&d[1])
        || !(1..=31).contains(&d[2])
    {
        return Err(bad());
    }
    let (clock, offset_ms) = if let Some(c) = time.strip_suffix('Z') {
        (c, 0)
    } else if let Some(i) = time.rfind(['+', '-']).filter(|&i| i >= 8) {
        let (c, off) = time.split_at(i);
        let sign = if off.starts_with('-') { -1 } else { 1 };
        let hm: Vec<i64> = off[1..]
            .split(':')
            .map(|x| x.parse().map_err(|_| bad()))
            .collect::<Result<_, _>>()?;
        if hm.len() > 2 || !(0..=23).contains(&hm[0]) || !(0..=59).contains(hm.last().unwrap_or(&0))
        {
            return Err(bad());
        }
        (
            c,
            sign * (hm[0] * 3600 + hm.get(1).copied().unwrap_or(0) * 60) * 1000,
        )
    } else {
        (time, 0)
    };
    let hms: Vec<&str> = clock.split(':').collect();
    if hms.len() < 2 || hms.len() > 3 {
        return Err(bad());
    }
    let h: i64 = hms[0].parse().map_err(|_| bad())?;
    let m: i64 = hms[1].parse().map_err(|_| bad())?;
    let sec: f64 = hms
        .get(2)
        .map_or(Ok(0.0), |x| x.parse().map_err(|_| bad()))?;
    if !(0..=23).contains(&h) || !(0..=59).contains(&m) || !(0.0..61.0).contains(&sec) {
        return Err(bad());
    }
    let days = days_from_civil(d[0], d[1], d[2]);
    Ok(((days * 86_400 + h * 3600 + m * 60) * 1000) + (sec * 1000.0).round() as i64 - offset_ms)
}

/// Epoch milliseconds as ISO 8601 UTC (whole seconds), the inverse of
/// `parse_timestamp` for `ecsim import`'s scenario comments.
pub fn iso(ms: i64) -> String {
    const DAY_MS: i64 = 86_400_000;
    let (days, rem) = (ms.div_euclid(DAY_MS), ms.rem_euclid(DAY_MS) / 1000);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// The proleptic Gregorian date of a day count since 1970-01-01, after
/// H. Hinnant (the inverse of `days_from_civil`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(parse_timestamp("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(
            parse_timestamp("2026-11-01T09:30:00Z"),
            Ok(1_793_525_400_000)
        );
        assert_eq!(
            parse_timestamp("2026-11-01T10:30:00+01:00"),
            Ok(1_793_525_400_000)
        );
        assert_eq!(parse_timestamp("1793525400"), Ok(1_793_525_400_000));
        assert!(parse_timestamp("yesterday").is_err());
        assert!(parse_timestamp("2026-13-01T00:00:00Z").is_err());
    }

    /// The two directions are one calendar: every day of four centuries
    /// (leap years, 1900-style and 2000-style century years) round-trips.
    #[test]
    fn iso_inverts_parse_timestamp() {
        for days in -146_097..146_097 {
            let ms = days * 86_400_000 + 45_296_000;
            assert_eq!(parse_timestamp(&iso(ms)), Ok(ms), "{}", iso(ms));
        }
        assert_eq!(iso(1_793_525_400_000), "2026-11-01T09:30:00Z");
    }
}
