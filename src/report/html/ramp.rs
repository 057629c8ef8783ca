//! The ramp of each service that scaled out: its RUNNING tasks in the
//! seconds after each decision that raised its desired count, against the
//! target that decision set, with the launch-rate quotas that held its
//! launches back named. A minute's sample cannot show a Fargate burst of
//! 100 followed by 20 a second, so the lines come from tasks.csv's own
//! start and stop times.

use super::chart::{Chart, Series, Style};
use super::run::{open_count, slug};
use super::scaling::MAX_SERVICES;
use super::table::Table;
use super::tasks::Run;
use crate::error::Result;
use crate::report::headline::duration;
use serde_json::Value;
use std::collections::HashMap;

/// Scale-outs drawn per chart at most (the largest): more lines than the
/// palette has colours could not be told apart.
pub const MAX_RAMPS: usize = 8;

/// A decision that raised a service's desired count.
pub struct ScaleOut {
    /// When it was made (seconds since the start).
    pub t: f64,
    pub from: f64,
    pub to: f64,
    /// Seen only in timeseries.csv (a scheduled desired-count change is no
    /// scaling.csv action): it was made after this sample and by `t`.
    pub after: Option<f64>,
}

pub struct Ramps {
    /// Services by name, each with its scale-outs in time order.
    pub services: Vec<(String, Vec<ScaleOut>)>,
    pub note: Option<String>,
}

/// Every scale-out of `services`: scaling.csv's actions, and rises of
/// `<service>_desired` in timeseries.csv no action explains.
pub fn scale_outs(scaling: &Table, series: &Table, services: &[String]) -> Result<Ramps> {
    let c = |n: &str| scaling.need(n);
    let (t, kind, target, from, to) = (
        c("time_s")?,
        c("target_kind")?,
        c("target")?,
        c("from")?,
        c("to")?,
    );
    let mut by: HashMap<&str, Vec<ScaleOut>> = HashMap::new();
    for r in 0..scaling.rows.len() {
        let row = &scaling.rows[r];
        let (Some(at), Some(a), Some(b)) = (
            scaling.num(r, t)?,
            scaling.num(r, from)?,
            scaling.num(r, to)?,
        ) else {
            continue;
        };
        if row[kind] == "service" && b > a {
            by.entry(row[target].as_str()).or_default().push(ScaleOut {
                t: at,
                from: a,
                to: b,
                after: None,
            });
        }
    }
    let time = series.need("time_s")?;
    for name in services {
        let Some(d) = series.col(&format!("{name}_desired")) else {
            continue;
        };
        let mut prev: Option<(f64, f64)> = None;
        for r in 0..series.rows.len() {
            let (Some(x), Some(y)) = (series.num(r, time)?, series.num(r, d)?) else {
                continue;
            };
            if let Some((x0, y0)) = prev
                && y > y0
            {
                let list = by.entry(name.as_str()).or_default();
                if !list.iter().any(|s| s.t > x0 && s.t <= x) {
                    list.push(ScaleOut {
                        t: x,
                        from: y0,
                        to: y,
                        after: Some(x0),
                    });
                }
            }
            prev = Some((x, y));
        }
    }
    let mut out: Vec<(String, Vec<ScaleOut>)> = by
        .into_iter()
        .filter(|s| !s.1.is_empty())
        .map(|(n, mut v)| {
            v.sort_by(|a, b| a.t.total_cmp(&b.t));
            (n.to_string(), v)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    let mut note = None;
    if out.len() > MAX_SERVICES {
        let total = out.len();
        // The ones that scaled out most often; the stable sort keeps names
        // in order in ties.
        out.sort_by_key(|s| std::cmp::Reverse(s.1.len()));
        let left: Vec<String> = out[MAX_SERVICES..]
            .iter()
            .map(|s| format!("{} ({} scale-outs)", s.0, s.1.len()))
            .collect();
        note = Some(format!(
            "Ramp charts for the {MAX_SERVICES} of {total} services that scaled out most often; left out: {}.",
            left.join(", ")
        ));
        out.truncate(MAX_SERVICES);
        out.sort_by(|a, b| a.0.cmp(&b.0));
    }
    Ok(Ramps {
        services: out,
        note,
    })
}

/// RUNNING tasks from `t` to `until` as (seconds since `t`, tasks), from
/// the step function `steps` (x ordered). It starts from the count just
/// before `t`, so tasks started at the decision itself (a burst with no
/// provisioning time) show as a step at 0.
fn slice(steps: &[(f64, f64)], t: f64, until: f64) -> Vec<(f64, f64)> {
    let i = steps.partition_point(|p| p.0 < t);
    let v0 = if i > 0 { steps[i - 1].1 } else { 0.0 };
    let mut pts = vec![(0.0, v0)];
    for &(x, y) in steps[i..].iter().take_while(|p| p.0 <= until) {
        pts.push((x - t, y));
    }
    let last = pts.last().map_or(v0, |p| p.1);
    pts.push((until - t, last));
    pts
}

/// The quotas summary.json says held this service's launches back.
fn quotas(summary: &Value, name: &str) -> String {
    let held = summary
        .get("services")
        .and_then(|s| s.get(name))
        .and_then(|s| s.get("launches_throttled_by_quota"))
        .and_then(Value::as_object);
    match held {
        Some(m) if !m.is_empty() => {
            let each: Vec<String> = m
                .iter()
                .map(|(q, n)| format!("{q} ({} launches)", n.as_u64().unwrap_or(0)))
                .collect();
            format!(
                "Quota that held {name}'s launches back in this run (summary.json launches_throttled_by_quota): {}.",
                each.join(", ")
            )
        }
        _ => format!(
            "No quota bound: no launch of {name} was held back by a launch-rate quota (summary.json launches_throttled_by_quota)."
        ),
    }
}

/// One ramp chart per service of `ramps`, from the tasks tasks.csv has of it.
pub fn charts(
    ramps: &Ramps,
    runs: &HashMap<String, Vec<Run>>,
    summary: &Value,
    end: f64,
) -> Vec<Chart> {
    let mut out = Vec::new();
    for (name, outs) in &ramps.services {
        let tasks = runs.get(name).map_or(&[][..], Vec::as_slice);
        // A change seen only at a minute's sample: timed at the first task
        // created after the sample before it (the launch it caused).
        let times: Vec<f64> = outs
            .iter()
            .map(|s| match s.after {
                Some(a) => tasks
                    .iter()
                    .map(|r| r.created)
                    .filter(|&c| c > a && c <= s.t)
                    .fold(s.t, f64::min),
                None => s.t,
            })
            .collect();
        let iv: Vec<(f64, f64)> = tasks
            .iter()
            .filter_map(|r| Some((r.started?, r.stopped.unwrap_or(end))))
            .collect();
        let steps = open_count(iv, end, 1.0);
        // The largest, drawn in time order.
        let mut pick: Vec<usize> = (0..outs.len()).collect();
        pick.sort_by(|&a, &b| {
            let grow = |i: usize| outs[i].to - outs[i].from;
            grow(b).total_cmp(&grow(a))
        });
        pick.truncate(MAX_RAMPS);
        pick.sort_unstable();
        let mut lines = Vec::new();
        let mut width: f64 = 0.0;
        for &i in &pick {
            let t = times[i];
            let until = times.get(i + 1).copied().unwrap_or(end).max(t);
            let pts = slice(&steps, t, until);
            // Until the target is first reached, or the whole span if never.
            let reach = pts
                .iter()
                .find(|p| p.1 >= outs[i].to)
                .map_or(until - t, |p| p.0);
            width = width.max(reach);
            lines.push((i, pts, until - t));
        }
        // Room after the slowest ramp, so its arrival is not at the edge.
        let width = (width * 1.25).max(10.0);
        let (unit, x_label) = if width > 1800.0 {
            (60.0, "minutes since the decision")
        } else {
            (1.0, "seconds since the decision")
        };
        let mut c = Chart::new(
            &format!("ramp-{}", slug(name)),
            &format!("Scale-out ramps of {name}"),
            x_label,
            "tasks RUNNING",
        );
        c.x_range = Some((0.0, width / unit));
        // One dashed line per distinct target (in the colour of its first
        // ramp): lines at the same level would only hide each other, and
        // each is ~100 SVG dashes.
        let mut targets: Vec<(f64, usize, f64)> = Vec::new();
        for (k, (i, pts, span)) in lines.into_iter().enumerate() {
            let s = &outs[i];
            let stop = span.min(width);
            let pts: Vec<(f64, f64)> = pts
                .into_iter()
                .filter(|p| p.0 <= stop)
                .map(|p| (p.0 / unit, p.1))
                .collect();
            c.series.push(Series {
                name: format!("at {}: {} → {}", duration(times[i]), s.from, s.to),
                color: k,
                style: Style::Line,
                points: pts,
            });
            match targets.iter_mut().find(|t| t.0 == s.to) {
                Some(t) => t.2 = t.2.max(stop),
                None => targets.push((s.to, k, stop)),
            }
        }
        for (to, k, stop) in targets {
            c.series.push(Series {
                name: String::new(),
                color: k,
                style: Style::Dashed,
                points: vec![(0.0, to), (stop / unit, to)],
            });
        }
        let shown = if outs.len() > MAX_RAMPS {
            format!(
                "the {MAX_RAMPS} largest of its {} scale-outs (by tasks added; the rest are left out so the lines stay legible)",
                outs.len()
            )
        } else {
            match outs.len() {
                1 => "its scale-out".to_string(),
                n => format!("each of its {n} scale-outs"),
            }
        };
        let took = summary
            .get("services")
            .and_then(|s| s.get(name))
            .and_then(|s| s.get("scale_out_time_s"));
        let took = match (
            took.and_then(|t| t.get("p50")).and_then(Value::as_f64),
            took.and_then(|t| t.get("max")).and_then(Value::as_f64),
        ) {
            (Some(p), Some(m)) => format!(
                " From decision to all its tasks RUNNING (summary.json scale_out_time_s): p50 {}, max {}.",
                duration(p),
                duration(m)
            ),
            _ => String::new(),
        };
        c.caption = format!(
            "Tasks of {name} RUNNING (tasks.csv started_s to stopped_s, a step at each start and stop) after {shown}, from the decision (scaling.csv; a desired-count change only timeseries.csv shows is timed at the first task created after the minute's sample before it) until its next scale-out. Dashed: the targets, the desired counts they set (in the colour of the first scale-out to each).{took} {}",
            quotas(summary, name)
        );
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slice_starts_at_the_count_then_and_steps_after() {
        let steps = open_count(vec![(0.0, 50.0), (5.0, 50.0), (12.0, 50.0)], 50.0, 1.0);
        let s = slice(&steps, 5.0, 20.0);
        // One was RUNNING before the decision, one started at it, one more
        // 7 s later; the line ends at the span's end.
        assert_eq!(
            s,
            vec![
                (0.0, 1.0),
                (0.0, 1.0),
                (0.0, 2.0),
                (7.0, 2.0),
                (7.0, 3.0),
                (15.0, 3.0)
            ]
        );
    }
}
