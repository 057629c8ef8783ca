//! Application Auto Scaling schedules as the scenario's `scheduled`
//! entries. A daily UTC `cron(M H * * ? *)` stays a daily "HH:MM" and
//! `rate(…)` an `every`; anything else (a `Timezone`, daylight saving,
//! day-of-week or day-of-month fields, `at(…)`) is placed on the run's
//! own calendar: each time it fires between time 0 and the end of the
//! traces becomes one entry at its offset from time 0.
//!
//! The expression forms are those of "Scheduled scaling for Application
//! Auto Scaling": `at(yyyy-mm-ddThh:mm:ss)`, `rate(value unit)` and
//! `cron(Minutes Hours Day-of-month Month Day-of-week Year)`, read in the
//! action's `Timezone` (an IANA name; UTC when absent).

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeZone, Timelike};
use chrono_tz::{OffsetName, Tz};

/// The most entries one action may become: a cron that fires more often
/// than that over the run is not expanded.
pub const MAX_FIRINGS: usize = 1_000;

/// Where an action goes in the scenario.
#[derive(Debug, PartialEq)]
pub enum Placed {
    /// A daily "HH:MM" (UTC; counted from time 0).
    Daily(String),
    /// `rate(…)`: first at and every, the same duration.
    Every(String),
    /// Offsets from time 0 in ms, each with the local time it is.
    At(Vec<(i64, String)>),
}

/// The run on the calendar: time 0 and the end, epoch ms.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub start_ms: i64,
    pub end_ms: i64,
}

/// StartTime and EndTime of a recurring action, epoch ms.
pub type Bounds = (Option<i64>, Option<i64>);

/// A schedule's place in the run, or why it has none. A recurring action
/// runs at its StartTime, then as its schedule says, until its EndTime
/// ("Schedule recurring scaling actions using Application Auto Scaling").
pub fn place(
    expr: &str,
    timezone: Option<&str>,
    window: Option<Window>,
    bounds: Bounds,
) -> Result<Placed, String> {
    let tz: Tz = match timezone.map(str::trim).filter(|z| !z.is_empty()) {
        None => Tz::UTC,
        Some(z) => z
            .parse()
            .map_err(|_| format!("time zone {z} is not in the IANA database"))?,
    };
    if let Some(body) = expr.strip_prefix("rate(").and_then(|x| x.strip_suffix(')')) {
        if bounds != (None, None) {
            return Err("a rate(…) schedule with a StartTime or EndTime is not modelled".into());
        }
        return rate(body).map(Placed::Every);
    }
    if let Some(body) = expr.strip_prefix("at(").and_then(|x| x.strip_suffix(')')) {
        let local = NaiveDateTime::parse_from_str(body.trim(), "%Y-%m-%dT%H:%M:%S")
            .map_err(|_| "at(…) must read at(yyyy-mm-ddThh:mm:ss)".to_string())?;
        let w = window.ok_or_else(no_calendar)?;
        let t = to_utc(tz, local);
        if t < w.start_ms {
            return Err(format!(
                "ran at {}, before time 0 ({}): what it set is the scalable target's now",
                label(tz, t),
                crate::scenario::trace::iso(w.start_ms)
            ));
        }
        if t >= w.end_ms {
            return Err(format!(
                "is due at {}, after the run's end ({}): lengthen the run and add it by hand",
                label(tz, t),
                crate::scenario::trace::iso(w.end_ms)
            ));
        }
        return Ok(Placed::At(vec![(t - w.start_ms, label(tz, t))]));
    }
    let body = expr
        .strip_prefix("cron(")
        .and_then(|x| x.strip_suffix(')'))
        .ok_or_else(|| "not at(…), rate(…) or cron(…)".to_string())?;
    let c = Cron::parse(body)?;
    // "HH:MM" counts from time 0: a daily time only when that is a UTC
    // midnight, and when no StartTime or EndTime cuts into the run.
    let (from, until) = bounds;
    let unbounded = window.is_none_or(|w| {
        from.is_none_or(|t| t <= w.start_ms) && until.is_none_or(|t| t >= w.end_ms)
    });
    if tz == Tz::UTC
        && unbounded
        && c.daily()
        && window.is_none_or(|w| w.start_ms.rem_euclid(86_400_000) == 0)
        && let ([m], [h]) = (c.minutes.as_slice(), c.hours.as_slice())
    {
        return Ok(Placed::Daily(format!("{h:02}:{m:02}")));
    }
    let w = window.ok_or_else(no_calendar)?;
    let mut firings = c.firings(tz, w)?;
    firings.retain(|f| {
        let t = w.start_ms + f.0;
        from.is_none_or(|s| t >= s) && until.is_none_or(|e| t <= e)
    });
    if let Some(s) = from.filter(|s| (w.start_ms..w.end_ms).contains(s)) {
        firings.push((s - w.start_ms, format!("{} (its StartTime)", label(tz, s))));
        firings.sort();
        firings.dedup_by_key(|x| x.0);
    }
    if firings.is_empty() {
        return Err(format!(
            "does not fire between time 0 ({}) and the run's end ({})",
            crate::scenario::trace::iso(w.start_ms),
            crate::scenario::trace::iso(w.end_ms)
        ));
    }
    Ok(Placed::At(firings))
}

fn no_calendar() -> String {
    "needs the run's calendar, and the export has no CloudWatch metrics to date time 0 by".into()
}

fn rate(body: &str) -> Result<String, String> {
    let bad = || "rate(…) must read rate(N minutes), rate(N hours) or rate(N days)".to_string();
    let (n, unit) = body.trim().split_once(' ').ok_or_else(bad)?;
    let n: u64 = n.parse().ok().filter(|&n| n > 0).ok_or_else(bad)?;
    let u = match unit.trim().trim_end_matches('s') {
        "minute" => "m",
        "hour" => "h",
        "day" => "d",
        _ => return Err(bad()),
    };
    Ok(format!("{n}{u}"))
}

/// Epoch ms of a local time. A time the clocks skip (spring forward) is
/// taken an hour later; one they pass twice (fall back), the first time.
fn to_utc(tz: Tz, local: NaiveDateTime) -> i64 {
    match tz.from_local_datetime(&local).earliest() {
        Some(t) => t.timestamp_millis(),
        None => {
            let later = local + chrono::Duration::hours(1);
            tz.from_local_datetime(&later).earliest().map_or_else(
                || later.and_utc().timestamp_millis(),
                |t| t.timestamp_millis(),
            )
        }
    }
}

/// "Thu 2026-10-29 08:00 EDT": a firing as the action's zone reads it.
fn label(tz: Tz, ms: i64) -> String {
    let t = tz.timestamp_millis_opt(ms).unwrap();
    let zone = t.offset().abbreviation().unwrap_or(tz.name());
    format!(
        "{:?} {:04}-{:02}-{:02} {:02}:{:02} {zone}",
        t.weekday(),
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// A cron expression's fields as the values each allows.
#[derive(Debug)]
struct Cron {
    minutes: Vec<u32>,
    hours: Vec<u32>,
    /// Empty: any (`*` or `?`).
    days: Vec<u32>,
    months: Vec<u32>,
    /// 1 = Sunday … 7 = Saturday, as AWS cron numbers them.
    weekdays: Vec<u32>,
    years: Vec<u32>,
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const WEEKDAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

impl Cron {
    fn parse(body: &str) -> Result<Cron, String> {
        let f: Vec<&str> = body.split_whitespace().collect();
        if f.len() != 6 {
            return Err(format!(
                "cron(…) has {} fields; Application Auto Scaling's have 6 (minutes hours day-of-month month day-of-week year)",
                f.len()
            ));
        }
        Ok(Cron {
            minutes: field(f[0], 0, 59, &[], false)?,
            hours: field(f[1], 0, 23, &[], false)?,
            days: field(f[2], 1, 31, &[], true)?,
            months: field(f[3], 1, 12, &MONTHS, true)?,
            weekdays: field(f[4], 1, 7, &WEEKDAYS, true)?,
            years: field(f[5], 1970, 2199, &[], true)?,
        })
    }

    /// Every day at every hour and minute it names.
    fn daily(&self) -> bool {
        self.days.is_empty()
            && self.months.is_empty()
            && self.weekdays.is_empty()
            && self.years.is_empty()
    }

    fn on(&self, d: NaiveDate) -> bool {
        let any = |set: &[u32], v: u32| set.is_empty() || set.contains(&v);
        any(&self.days, d.day())
            && any(&self.months, d.month())
            && any(&self.weekdays, d.weekday().number_from_sunday())
            && any(&self.years, d.year() as u32)
    }

    /// Each time it fires within the window: (offset from time 0, label).
    fn firings(&self, tz: Tz, w: Window) -> Result<Vec<(i64, String)>, String> {
        let local_date = |ms: i64| tz.timestamp_millis_opt(ms).unwrap().date_naive();
        // A day either side: a zone's local date may differ from UTC's.
        let (first, last) = (
            local_date(w.start_ms).pred_opt(),
            local_date(w.end_ms).succ_opt(),
        );
        let (Some(mut d), Some(last)) = (first, last) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        while d <= last {
            if self.on(d) {
                for &h in &self.hours {
                    for &m in &self.minutes {
                        let t = to_utc(tz, d.and_hms_opt(h, m, 0).unwrap());
                        if (w.start_ms..w.end_ms).contains(&t) {
                            out.push((t - w.start_ms, label(tz, t)));
                        }
                    }
                }
                if out.len() > MAX_FIRINGS {
                    return Err(format!(
                        "fires more than {MAX_FIRINGS} times in the run; not expanded"
                    ));
                }
            }
            match d.succ_opt() {
                Some(next) => d = next,
                None => break,
            }
        }
        out.sort();
        out.dedup_by_key(|x| x.0);
        Ok(out)
    }
}

/// One cron field: `*`, `?` (when `optional`: empty, any day), and comma lists of `a`,
/// `a-b`, `*/n`, `a/n`, `a-b/n`, names where `names` gives them. Empty:
/// any value. `L`, `W` and `#` are refused.
fn field(text: &str, lo: u32, hi: u32, names: &[&str], optional: bool) -> Result<Vec<u32>, String> {
    if optional && (text == "*" || text == "?") {
        return Ok(Vec::new());
    }
    let value = |s: &str| -> Result<u32, String> {
        if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(s)) {
            return Ok(lo + i as u32);
        }
        s.parse::<u32>()
            .ok()
            .filter(|v| (lo..=hi).contains(v))
            .ok_or_else(|| format!("cron field {text}: {s} is not a value from {lo} to {hi}"))
    };
    let mut out = Vec::new();
    for item in text.split(',') {
        if item.contains(['L', 'W', '#']) && !names.iter().any(|n| item.contains(n)) {
            return Err(format!("cron field {text}: L, W and # are not modelled"));
        }
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => (
                r,
                s.parse::<u32>()
                    .ok()
                    .filter(|&s| s > 0)
                    .ok_or_else(|| format!("cron field {text}: step {s} is not a whole number"))?,
            ),
            None => (item, 1),
        };
        let (a, b) = match range {
            "*" => (lo, hi),
            r => match r.split_once('-') {
                Some((a, b)) => (value(a)?, value(b)?),
                None if item.contains('/') => (value(r)?, hi),
                None => (value(r)?, value(r)?),
            },
        };
        if a > b {
            return Err(format!("cron field {text}: range {a}-{b} runs backwards"));
        }
        out.extend((a..=b).step_by(step as usize));
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400_000;
    /// 2026-10-29T00:00:00Z, a Thursday; New York leaves daylight saving
    /// on Sunday 2026-11-01.
    const T0: i64 = 1_793_232_000_000;

    const NO: Bounds = (None, None);

    fn week() -> Option<Window> {
        Some(Window {
            start_ms: T0,
            end_ms: T0 + 7 * DAY,
        })
    }

    #[test]
    fn daily_utc_stays_a_time_of_day_and_rates_repeat() {
        assert_eq!(
            place("cron(30 8 * * ? *)", None, None, NO),
            Ok(Placed::Daily("08:30".into()))
        );
        assert_eq!(
            place("cron(0 20 * * ? *)", Some("UTC"), week(), NO),
            Ok(Placed::Daily("20:00".into()))
        );
        assert_eq!(
            place("rate(15 minutes)", None, None, NO),
            Ok(Placed::Every("15m".into()))
        );
        assert_eq!(
            place("rate(1 day)", None, None, NO),
            Ok(Placed::Every("1d".into()))
        );
    }

    #[test]
    fn weekdays_in_new_york_follow_daylight_saving() {
        let Ok(Placed::At(f)) = place(
            "cron(0 8 ? * MON-FRI *)",
            Some("America/New_York"),
            week(),
            NO,
        ) else {
            panic!()
        };
        let hours: Vec<i64> = f.iter().map(|x| x.0 / 3_600_000).collect();
        // Thu, Fri at 12:00Z (EDT); Mon-Wed at 13:00Z (EST); no weekend.
        assert_eq!(
            hours,
            vec![12, 24 + 12, 4 * 24 + 13, 5 * 24 + 13, 6 * 24 + 13]
        );
        assert_eq!(f[0].1, "Thu 2026-10-29 08:00 EDT");
        assert_eq!(f[2].1, "Mon 2026-11-02 08:00 EST");
        // Numbered days are AWS's: 2-6 is MON-FRI.
        let Ok(Placed::At(g)) = place("cron(0 8 ? * 2-6 *)", Some("America/New_York"), week(), NO)
        else {
            panic!()
        };
        assert_eq!(f, g);
    }

    #[test]
    fn one_time_actions_land_on_the_run_or_say_why_not() {
        let Ok(Placed::At(f)) = place(
            "at(2026-11-03T20:00:00)",
            Some("America/New_York"),
            week(),
            NO,
        ) else {
            panic!()
        };
        // 20:00 EST is 01:00Z the next day.
        assert_eq!(
            f,
            vec![(6 * DAY + 3_600_000, "Tue 2026-11-03 20:00 EST".to_string())]
        );
        assert!(
            place("at(2026-07-01T06:00:00)", None, week(), NO)
                .unwrap_err()
                .contains("before time 0")
        );
        assert!(
            place("at(2027-01-01T00:00:00)", None, week(), NO)
                .unwrap_err()
                .contains("after the run's end")
        );
        assert!(
            place("at(2026-11-01T00:00:00)", None, None, NO)
                .unwrap_err()
                .contains("calendar")
        );
    }

    #[test]
    fn start_and_end_times_bound_a_recurring_action() {
        // From Saturday noon UTC to Tuesday 00:00: the StartTime itself, then Sunday and Monday 08:00 UTC.
        let from = T0 + 2 * DAY + DAY / 2;
        let Ok(Placed::At(f)) = place(
            "cron(0 8 * * ? *)",
            None,
            week(),
            (Some(from), Some(T0 + 5 * DAY)),
        ) else {
            panic!()
        };
        let at: Vec<i64> = f.iter().map(|x| x.0 / 3_600_000).collect();
        assert_eq!(at, vec![60, 3 * 24 + 8, 4 * 24 + 8]);
        assert!(f[0].1.ends_with("(its StartTime)"));
        assert!(place("rate(1 hour)", None, week(), (Some(from), None)).is_err());
    }

    #[test]
    fn refused_forms_say_why() {
        assert!(
            place("cron(0 8 L * ? *)", None, week(), NO)
                .unwrap_err()
                .contains("L, W and #")
        );
        assert!(
            place("cron(0 8 * *)", None, week(), NO)
                .unwrap_err()
                .contains("6")
        );
        assert!(
            place("cron(0 8 ? * MON *)", Some("Mars/Olympus"), week(), NO)
                .unwrap_err()
                .contains("IANA")
        );
        assert!(
            place("cron(0/1 * * * ? *)", None, week(), NO)
                .unwrap_err()
                .contains("more than")
        );
    }

    #[test]
    fn fields() {
        assert_eq!(
            field("0/15", 0, 59, &[], false).unwrap(),
            vec![0, 15, 30, 45]
        );
        assert_eq!(
            field("MON,WED-FRI", 1, 7, &WEEKDAYS, true).unwrap(),
            vec![2, 4, 5, 6]
        );
        assert_eq!(
            field("?", 1, 7, &WEEKDAYS, true).unwrap(),
            Vec::<u32>::new()
        );
        assert!(field("?", 0, 59, &[], false).is_err());
    }
}
