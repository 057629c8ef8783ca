//! The report of one `ecsim run` results folder.

use super::chart::Chart;
use super::page::{Page, Section};
use super::run_sections::{
    cluster_section, cost_section, events_section, placement_section, scaling_section,
    task_sections,
};
use super::table::{Table, read_json, require, table_file, text};
use super::{costview, placement, ramp, scaling};
use crate::error::Result;
use crate::report::headline::{Headline, duration};
use serde_json::Value;
use std::path::Path;

/// Files a run report reads; a folder without one of them is refused.
pub const FILES: &[&str] = &[
    "summary.json",
    "timeseries.csv",
    "cost_timeseries.csv",
    "cost.csv",
    "incidents.csv",
    "deployments.csv",
    "tasks.csv",
    "instances.csv",
    "scaling.csv",
];

/// The time axis: hours for runs up to three days, days beyond.
pub(super) struct TimeAxis {
    pub(super) scale: f64,
    pub(super) label: &'static str,
}

impl TimeAxis {
    fn for_duration(secs: f64) -> Self {
        if secs <= 3.0 * 86_400.0 {
            TimeAxis {
                scale: 3600.0,
                label: "time (hours)",
            }
        } else {
            TimeAxis {
                scale: 86_400.0,
                label: "time (days)",
            }
        }
    }
}

/// The longest slug: a chart id such as `tasks-<slug>` names a PNG file,
/// and a file name has at most 255 bytes (with `.NAME.tmp-PID` while it
/// is written).
pub const MAX_SLUG: usize = 80;

/// Characters allowed in a chart id / PNG file name. A longer name (a
/// service may have 255 characters) is cut, and a digest of the whole name
/// appended so that two names alike in their first characters still name
/// two files.
pub fn slug(s: &str) -> String {
    let all: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if all.len() <= MAX_SLUG {
        return all;
    }
    let digest = crate::engine::digest::fnv(&[s.as_bytes()]);
    // ASCII only, so any byte index is a character boundary.
    format!("{}-{}", &all[..MAX_SLUG - 17], digest)
}

pub fn money(v: f64) -> String {
    format!("{v:.2} USD")
}

pub(super) fn num(v: &Value, path: &[&str]) -> Option<f64> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p)?;
    }
    cur.as_f64()
}

pub(super) fn fmt_opt(v: Option<f64>, f: impl Fn(f64) -> String) -> String {
    v.map(f).unwrap_or_else(|| "–".into())
}

/// Intervals (start, end) as a step function: how many are open over time.
pub(super) fn open_count(mut iv: Vec<(f64, f64)>, end: f64, scale: f64) -> Vec<(f64, f64)> {
    let mut edges: Vec<(f64, i64)> = Vec::with_capacity(iv.len() * 2);
    for (a, b) in iv.drain(..) {
        edges.push((a, 1));
        edges.push((b, -1));
    }
    // Half-open intervals: at equal times, ends come before starts.
    edges.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut pts = vec![(0.0, 0.0)];
    let mut n: i64 = 0;
    let mut i = 0;
    while i < edges.len() {
        let t = edges[i].0;
        while i < edges.len() && edges[i].0 == t {
            n += edges[i].1;
            i += 1;
        }
        let prev = pts.last().map(|p| p.1).unwrap_or(0.0);
        if n as f64 != prev {
            pts.push((t / scale, prev));
            pts.push((t / scale, n as f64));
        }
    }
    pts.push((end / scale, n as f64));
    pts
}

pub fn build(dir: &Path) -> Result<Page> {
    require(dir, "run", FILES)?;
    let summary = read_json(&dir.join("summary.json"))?;
    let series = Table::read(&table_file(dir, "timeseries.csv"))?;
    let cost_ts = Table::read(&table_file(dir, "cost_timeseries.csv"))?;
    let cost = Table::read(&table_file(dir, "cost.csv"))?;
    let incidents = Table::read(&table_file(dir, "incidents.csv"))?;
    let deployments = Table::read(&table_file(dir, "deployments.csv"))?;
    let instances = Table::read(&table_file(dir, "instances.csv"))?;
    let scaling_rows = Table::read(&table_file(dir, "scaling.csv"))?;
    let services: Vec<String> = summary
        .get("services")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    // Which services' tasks the ramp charts need, before the one pass over
    // tasks.csv (which can be gigabytes).
    let ramps = ramp::scale_outs(&scaling_rows, &series, &services)?;
    let follow = ramps.services.iter().map(|s| s.0.clone()).collect();
    let task_rows = super::tasks::read(&table_file(dir, "tasks.csv"), &follow)?;
    let mut notes = Vec::new();

    let dur = num(&summary, &["sim_duration_s"]).unwrap_or(0.0);
    let ax = TimeAxis::for_duration(dur);
    let headline = Headline::from_summary(&summary);
    // A warm-up that never ended covers the whole run: nothing was measured.
    let warm_up =
        Some(headline.warm_up_end_s.unwrap_or(dur).min(dur) / ax.scale).filter(|&w| w > 0.0);
    let tl = Timeline {
        ax: &ax,
        warm_up,
        spans: incident_spans(&incidents, dur, &ax)?,
    };
    let (tasks, load) = task_sections(&summary, &series, &services, &tl)?;
    let cluster = cluster_section(&series, &scaling_rows, &cost, dur, &tl)?;
    let view = costview::build(
        &summary, &cost, &cost_ts, &task_rows, &instances, dur, ax.scale, ax.label,
    )?;
    let costs = cost_section(&summary, &cost_ts, dur, &tl, view, &mut notes)?;
    let overview = super::overview::section(&headline);
    let events = events_section(&incidents, &deployments);
    let scaled = scaling::build(&scaling_rows, &series, ax.scale, ax.label)?;
    let scaling_sec = scaling_section(scaled, &ramps, &task_rows, &summary, dur, warm_up);
    let placed = placement::build(&task_rows, &instances, dur, ax.scale, ax.label)?;
    let placement_sec = placement_section(placed);
    let mut sections = vec![
        overview,
        tasks,
        load,
        scaling_sec,
        placement_sec,
        cluster,
        costs,
        events,
    ];
    drop_empty(&mut sections);
    let seed = text(&summary, "seed");
    Ok(Page {
        title: format!("ecsim report: {}", text(&summary, "scenario")),
        facts: vec![
            (
                "Scenario".into(),
                format!(
                    "{} ({})",
                    text(&summary, "scenario"),
                    text(&summary, "scenario_file")
                ),
            ),
            ("Seed".into(), seed),
            ("ecsim version".into(), text(&summary, "ecsim_version")),
            ("Region".into(), text(&summary, "region")),
            ("Price source".into(), text(&summary, "price_source")),
            ("Simulated time".into(), duration(dur)),
        ],
        notes,
        sections,
    })
}

/// The incidents as shaded spans, on the chart's time scale (close ones merged).
fn incident_spans(incidents: &Table, dur: f64, ax: &TimeAxis) -> Result<Vec<(f64, f64)>> {
    let (is, ie) = (incidents.need("start_s")?, incidents.need("end_s")?);
    let mut spans = Vec::new();
    for r in 0..incidents.rows.len() {
        if let (Some(a), Some(b)) = (incidents.num(r, is)?, incidents.num(r, ie)?) {
            spans.push((a / ax.scale, b / ax.scale));
        }
    }
    Ok(merge_spans(spans, dur / ax.scale * 0.003))
}

/// What every chart over the run's time shares: the axis, the warm-up and
/// the incidents, each said in the caption.
pub(super) struct Timeline<'a> {
    pub(super) ax: &'a TimeAxis,
    warm_up: Option<f64>,
    spans: Vec<(f64, f64)>,
}

impl Timeline<'_> {
    pub(super) fn chart(&self, id: &str, title: &str, y: &str, caption: String) -> Chart {
        let mut c = Chart::new(id, title, self.ax.label, y);
        c.caption = caption;
        c.warm_up = self.warm_up;
        if self.warm_up.is_some() {
            c.caption.push_str(
                " Grey: the warm-up, left out of availability, unserved demand and waits.",
            );
        }
        if !self.spans.is_empty() {
            c.spans = self.spans.clone();
            c.span_label = "incident".into();
            c.caption
                .push_str(" Shaded: incidents (incidents.csv, start to end).");
        }
        c
    }
}

/// Charts with nothing to draw are left out, and so are sections left with
/// neither charts nor tables (e.g. Placement in a Fargate-only run).
fn drop_empty(sections: &mut Vec<Section>) {
    for s in sections.iter_mut() {
        let before: Vec<String> = s.charts.iter().map(|c| c.id.clone()).collect();
        s.charts.retain(super::chart::Chart::has_data);
        let left: Vec<String> = before
            .into_iter()
            .filter(|id| !s.charts.iter().any(|c| c.id == *id))
            .collect();
        if !left.is_empty() && (!s.charts.is_empty() || !s.grids.is_empty()) {
            s.intro.push_str(&format!(
                " Left out, with nothing to draw in this run: {}.",
                left.join(", ")
            ));
        }
    }
    sections.retain(|s| {
        !s.charts.is_empty() || !s.grids.is_empty() || s.heading == "Incidents and deployments"
    });
}

/// Overlapping incidents, and those closer than `gap` (about two pixels),
/// as one shaded span each: hundreds of small faults made the large report's
/// time charts mostly rectangles nobody could tell apart.
fn merge_spans(mut spans: Vec<(f64, f64)>, gap: f64) -> Vec<(f64, f64)> {
    spans.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(spans.len());
    for (a, b) in spans {
        // The drawn width: a short incident still shows as a sliver.
        let b = b.max(a + gap / 2.0);
        match out.last_mut() {
            Some(last) if a <= last.1 + gap => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn close_incidents_share_one_span() {
        let m = super::merge_spans(vec![(5.0, 6.0), (0.0, 1.0), (1.05, 2.0), (9.0, 9.0)], 0.1);
        assert_eq!(m, vec![(0.0, 2.0), (5.0, 6.0), (9.0, 9.05)]);
    }

    #[test]
    fn open_intervals_step_up_and_down() {
        let pts = super::open_count(vec![(0.0, 10.0), (5.0, 20.0), (10.0, 30.0)], 40.0, 1.0);
        // At t = 10 one interval ends as another starts: the count stays 2.
        assert_eq!(
            pts,
            vec![
                (0.0, 0.0),
                (0.0, 0.0),
                (0.0, 1.0),
                (5.0, 1.0),
                (5.0, 2.0),
                (20.0, 2.0),
                (20.0, 1.0),
                (30.0, 1.0),
                (30.0, 0.0),
                (40.0, 0.0)
            ]
        );
    }
}
