//! The scaling view of each scaled service: the metric its policy watched
//! against the alarm thresholds, the desired and running counts, and the
//! demand left unserved, with every scaling action marked on each.

use super::chart::{Chart, HEIGHT, Series, Style};
use super::run::slug;
use super::table::Table;
use crate::error::Result;

/// Scaled services drawn at most; a large run keeps the busiest.
pub const MAX_SERVICES: usize = 12;
/// Action markers per panel at most (each is an SVG element).
const MAX_MARKS: usize = 240;

pub struct Scaling {
    pub charts: Vec<Chart>,
    pub note: Option<String>,
}

struct Action {
    t: f64,
    from: f64,
    to: f64,
    metric: String,
    value: Option<f64>,
    threshold: Option<f64>,
}

/// The timeseries.csv column holding the metric a policy names, and how
/// the chart names it.
fn metric_column(service: &str, metric: &str) -> Option<(String, &'static str)> {
    match metric {
        "ECSServiceAverageCPUUtilization" => Some((format!("{service}_cpu_pct"), "percent")),
        "ECSServiceAverageMemoryUtilization" => Some((format!("{service}_memory_pct"), "percent")),
        _ => None,
    }
}

pub fn build(scaling: &Table, series: &Table, scale: f64, x_label: &str) -> Result<Scaling> {
    let mut services = actions_by_service(scaling)?;
    let total = services.len();
    let mut note = None;
    if total > MAX_SERVICES {
        // The busiest first; the stable sort keeps first-action order in ties.
        services.sort_by_key(|s| std::cmp::Reverse(s.1.len()));
        let left: Vec<String> = services[MAX_SERVICES..]
            .iter()
            .map(|s| format!("{} ({} actions)", s.0, s.1.len()))
            .collect();
        note = Some(format!(
            "Scaling views for the {MAX_SERVICES} of {total} scaled services with the most scaling actions; left out: {}.",
            left.join(", ")
        ));
        services.truncate(MAX_SERVICES);
        services.sort_by(|a, b| a.0.cmp(&b.0));
    }
    let time = series.need("time_s")?;
    let mut charts = Vec::new();
    for (name, actions) in &services {
        charts.push(service_chart(name, actions, series, time, scale, x_label)?);
    }
    Ok(Scaling { charts, note })
}

/// Each scaled service's actions, services in order of first action
/// (scaling.csv is in time order).
fn actions_by_service(scaling: &Table) -> Result<Vec<(String, Vec<Action>)>> {
    let c = |n: &str| scaling.need(n);
    let (t, kind, target) = (c("time_s")?, c("target_kind")?, c("target")?);
    let (from, to, metric) = (c("from")?, c("to")?, c("metric")?);
    let (value, threshold) = (c("value")?, c("threshold")?);
    let mut services: Vec<(String, Vec<Action>)> = Vec::new();
    for r in 0..scaling.rows.len() {
        let row = &scaling.rows[r];
        if row[kind] != "service" {
            continue;
        }
        let a = Action {
            t: scaling.num(r, t)?.unwrap_or(0.0),
            from: scaling.num(r, from)?.unwrap_or(0.0),
            to: scaling.num(r, to)?.unwrap_or(0.0),
            metric: row[metric].clone(),
            value: scaling.num(r, value)?,
            threshold: scaling.num(r, threshold)?,
        };
        match services.iter_mut().find(|s| s.0 == row[target]) {
            Some(s) => s.1.push(a),
            None => services.push((row[target].clone(), vec![a])),
        }
    }
    Ok(services)
}

/// One service's scaling view: its metric against the alarms' thresholds,
/// its tasks, its unserved demand, each with the actions marked.
fn service_chart(
    name: &str,
    actions: &[Action],
    series: &Table,
    time: usize,
    scale: f64,
    x_label: &str,
) -> Result<Chart> {
    let mut panels = Vec::new();
    let id = format!("scaling-{}", slug(name));
    let outs = |f: &dyn Fn(&Action) -> Option<f64>, up: bool| -> Vec<(f64, f64)> {
        let pts: Vec<(f64, f64)> = actions
            .iter()
            .filter(|a| (a.to > a.from) == up)
            .filter_map(|a| Some((a.t / scale, f(a)?)))
            .collect();
        thin_marks(pts)
    };
    let mark = |c: &mut Chart, f: &dyn Fn(&Action) -> Option<f64>| {
        for (up, label, color) in [(true, "scale-out", 2), (false, "scale-in", 3)] {
            let pts = outs(f, up);
            if !pts.is_empty() {
                c.series.push(Series {
                    name: label.into(),
                    color,
                    style: Style::Dots,
                    points: pts,
                });
            }
        }
    };
    // The metric, when the policy names one timeseries.csv has.
    let metric_name = actions
        .iter()
        .find(|a| !a.metric.is_empty())
        .map(|a| a.metric.clone());
    if let Some(m) = &metric_name
        && let Some((col, unit)) = metric_column(name, m)
        && let Some(y) = series.col(&col)
    {
        let mut p = Chart::new(&format!("{id}-metric"), m, x_label, unit);
        p.line(m, Style::Line, series.points(time, y, scale)?);
        let end = series
            .rows
            .len()
            .checked_sub(1)
            .map_or(Ok(None), |r| series.num(r, time))?;
        let end = end.unwrap_or(0.0) / scale;
        // Each distinct threshold an alarm fired at, scale-out ones first.
        let mut lines: Vec<(bool, f64)> = Vec::new();
        for a in actions.iter().filter(|a| a.metric == *m) {
            if let Some(th) = a.threshold {
                let up = a.to > a.from;
                if !lines.iter().any(|l| l.0 == up && l.1 == th) {
                    lines.push((up, th));
                }
            }
        }
        lines.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.total_cmp(&a.1)));
        for (up, th) in lines.into_iter().take(4) {
            let label = if up {
                format!("scale-out alarm {th}")
            } else {
                format!("scale-in alarm {th}")
            };
            p.series.push(Series {
                name: label,
                color: if up { 2 } else { 3 },
                style: Style::Line,
                points: vec![(0.0, th), (end, th)],
            });
        }
        mark(&mut p, &|a: &Action| a.value);
        panels.push(p);
    }
    let mut p = Chart::new(
        &format!("{id}-tasks"),
        &format!("Tasks of {name}"),
        x_label,
        "tasks",
    );
    for (col, label, style) in [
        ("desired", "desired", Style::Bold),
        ("running", "running", Style::Line),
    ] {
        if let Some(y) = series.col(&format!("{name}_{col}")) {
            p.line(label, style, series.points(time, y, scale)?);
        }
    }
    mark(&mut p, &|a: &Action| Some(a.to));
    panels.push(p);
    if let (Some(d), Some(s)) = (
        series.col(&format!("{name}_demand_rps")),
        series.col(&format!("{name}_served_rps")),
    ) {
        let mut pts = Vec::with_capacity(series.rows.len());
        for r in 0..series.rows.len() {
            if let (Some(x), Some(dv), Some(sv)) =
                (series.num(r, time)?, series.num(r, d)?, series.num(r, s)?)
            {
                pts.push((x / scale, (dv - sv).max(0.0)));
            }
        }
        let mut p = Chart::new(
            &format!("{id}-unserved"),
            &format!("Unserved demand of {name}"),
            x_label,
            "requests / s",
        );
        p.line("demand − served", Style::Line, pts);
        panels.push(p);
    }
    let end = series
        .rows
        .len()
        .checked_sub(1)
        .map_or(Ok(None), |r| series.num(r, time))?;
    for p in &mut panels {
        p.height = HEIGHT * 3 / 4;
        p.x_range = Some((0.0, end.unwrap_or(0.0) / scale));
    }
    let mut c = Chart::new(&id, &format!("Scaling of {name}"), x_label, "");
    c.caption = format!(
        "{name}: {} scaling actions (scaling.csv), marked as dots — green scale-out, red scale-in — at the metric value the alarm saw and at the new desired count; {}desired and running tasks; and the demand its running tasks could not serve (timeseries.csv).",
        actions.len(),
        match &metric_name {
            Some(m) if metric_column(name, m).is_some() => format!(
                "{m} against the thresholds its alarms fired at (the scale-out one is the target for target tracking); "
            ),
            Some(m) => format!("(the metric {m} is not in timeseries.csv, so it is not drawn); "),
            None => String::new(),
        }
    );
    c.panels = panels;
    Ok(c)
}

/// Managed scaling's actions on the capacity provider reservation chart:
/// a dot at the reservation each decision acted on.
pub fn mark_providers(c: &mut Chart, scaling: &Table, scale: f64) -> Result<()> {
    let col = |n: &str| scaling.need(n);
    let (t, kind, from, to, value) = (
        col("time_s")?,
        col("target_kind")?,
        col("from")?,
        col("to")?,
        col("value")?,
    );
    let (mut up, mut down) = (Vec::new(), Vec::new());
    for r in 0..scaling.rows.len() {
        if scaling.rows[r][kind] != "capacity_provider" {
            continue;
        }
        let (Some(x), Some(v)) = (scaling.num(r, t)?, scaling.num(r, value)?) else {
            continue;
        };
        let grows = scaling.num(r, to)? > scaling.num(r, from)?;
        if grows { &mut up } else { &mut down }.push((x / scale, v));
    }
    // Green out, red in, as in the services' scaling views.
    for (pts, name, color) in [(up, "managed scale-out", 2), (down, "managed scale-in", 3)] {
        if !pts.is_empty() {
            c.series.push(Series {
                name: name.into(),
                color,
                style: Style::Dots,
                points: thin_marks(pts),
            });
        }
    }
    if c.series.iter().any(|s| s.style == Style::Dots) {
        c.caption.push_str(
            " Dots: managed scaling's actions (scaling.csv), at the reservation they acted on.",
        );
    }
    Ok(())
}

/// At most MAX_MARKS markers: over that, one per equal slice of the time
/// range (the first of each), so a service with a thousand actions still
/// shows where they cluster.
fn thin_marks(pts: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    if pts.len() <= MAX_MARKS {
        return pts;
    }
    let (lo, hi) = (pts[0].0, pts[pts.len() - 1].0);
    let w = ((hi - lo) / MAX_MARKS as f64).max(f64::MIN_POSITIVE);
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(MAX_MARKS + 1);
    let mut last = usize::MAX;
    for p in pts {
        let slot = ((p.0 - lo) / w) as usize;
        if slot != last {
            out.push(p);
            last = slot;
        }
    }
    out
}
