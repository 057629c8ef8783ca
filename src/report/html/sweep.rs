//! The report of an `ecsim sweep` results folder: each key figure across the
//! first parameter with its 95 % confidence band, and the cost-vs-availability
//! frontier.

use super::chart::{Band, Chart, Series, Style, XAxis};
use super::frontier::frontier;
use super::page::{Grid, Page, Section};
use super::plan::plan_section;
use super::run::slug;
use super::table::{Table, read_json, require, text};
use crate::error::{Error, InputError, Result};
use serde_json::Value;
use std::path::Path;

pub const FILES: &[&str] = &["sweep.json", "runs.csv", "aggregate.csv"];

/// A parameter value as the text it is shown and matched by in the CSVs.
fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The last part of a dotted path: `services.web.autoscaling.target` → `target`.
pub(super) fn short(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

pub(super) struct Param {
    pub(super) path: String,
    values: Vec<String>,
    numeric: bool,
}

/// A key figure of a sweep and how it reads.
struct Metric {
    key: String,
    title: String,
    unit: &'static str,
}

/// The figures worth a chart, in report order, as far as aggregate.csv has them.
fn metrics(agg: &Table) -> Vec<Metric> {
    let mut out = Vec::new();
    let has = |k: &str| agg.col(&format!("{k}.mean")).is_some();
    if has("total_cost_usd") {
        out.push(Metric {
            key: "total_cost_usd".into(),
            title: "Total cost".into(),
            unit: "USD",
        });
    }
    // Service names come from the columns, so names with dots still work.
    let mut services: Vec<String> = agg
        .header
        .iter()
        .filter_map(|h| {
            h.strip_prefix("services.")?
                .strip_suffix(".mean_running.mean")
        })
        .map(str::to_string)
        .collect();
    services.dedup();
    for s in &services {
        for (suffix, title, unit) in [
            ("availability.availability_pct", "availability", "percent"),
            ("load.unserved_pct", "unserved demand", "percent"),
            ("mean_running", "mean running tasks", "tasks"),
            (
                "provisioning_wait_mean_s",
                "mean provisioning wait",
                "seconds",
            ),
        ] {
            let key = format!("services.{s}.{suffix}");
            if has(&key) {
                out.push(Metric {
                    key,
                    title: format!("{s}: {title}"),
                    unit,
                });
            }
        }
    }
    out
}

fn bad(file: &Path, msg: String) -> Error {
    Error::Input(InputError::new(file, "", msg))
}

pub fn build(dir: &Path) -> Result<Page> {
    let meta_file = dir.join("sweep.json");
    let meta = read_json(&meta_file)?;
    // An interrupted sweep keeps its runs but has no tables yet.
    if meta.get("complete").and_then(Value::as_bool) == Some(false)
        && !dir.join("aggregate.csv").is_file()
    {
        return Err(bad(
            dir,
            format!(
                "the sweep is not finished ({} of {} runs done); run the same ecsim sweep command again to finish it, then report",
                text(&meta, "runs_done"),
                text(&meta, "runs_total")
            ),
        ));
    }
    require(dir, "sweep", FILES)?;
    let agg = Table::read(&dir.join("aggregate.csv"))?;
    let runs = Table::read(&dir.join("runs.csv"))?;
    let params: Vec<Param> = meta
        .get("parameters")
        .and_then(Value::as_array)
        .ok_or_else(|| bad(&meta_file, "no \"parameters\" list".into()))?
        .iter()
        .map(|p| {
            let values = p.get("values").and_then(Value::as_array);
            Param {
                path: text(p, "path"),
                values: values
                    .map(|v| v.iter().map(value_text).collect())
                    .unwrap_or_default(),
                numeric: values.is_some_and(|v| v.iter().all(Value::is_number)),
            }
        })
        .collect();
    if params.is_empty() {
        return Err(bad(&meta_file, "\"parameters\" is empty".into()));
    }
    let agg_point = agg.need("point")?;
    let agg_params: Vec<usize> = params
        .iter()
        .map(|p| agg.need(&p.path))
        .collect::<Result<_>>()?;
    let run_params: Vec<usize> = params
        .iter()
        .map(|p| runs.need(&p.path))
        .collect::<Result<_>>()?;
    let mut groups: Vec<String> = Vec::new();
    let first = &params[0];
    let x_axis = if first.numeric {
        XAxis::Numeric
    } else {
        XAxis::Categories(first.values.clone())
    };
    let mut ax = Axes {
        params: &params,
        agg_point,
        agg_params,
        run_params,
        groups: Vec::new(),
        x_axis,
    };
    // Series = combinations of the other parameters, in order of appearance.
    for r in 0..agg.rows.len() {
        let g = ax.group_of(&agg, r, &ax.agg_params);
        if !groups.contains(&g) {
            groups.push(g);
        }
    }
    ax.groups = groups;

    let mut figures = Section::new(
        "Figures across the parameter",
        &format!(
            "Each chart: the mean over replications against {} (line), its 95 % confidence interval (band) and every run (dots); one colour per combination of the other parameters.",
            first.path
        ),
    );
    let list = metrics(&agg);
    for m in &list {
        figures.charts.push(metric_chart(&agg, &runs, &ax, m)?);
    }

    let mut frontier_sec = Section::new(
        "Cost vs availability",
        "Each point of the sweep by its mean total cost and its mean quality of service — the served share of demand (100 − unserved %) when the service has a demand model, else availability; the Pareto-optimal points (no other point is both cheaper and better) are joined.",
    );
    let mut notes = Vec::new();
    match frontier(&agg, &params, &ax.agg_params, agg_point)? {
        Some(c) => frontier_sec.charts.push(c),
        None => notes.push(
            "No cost-vs-availability frontier: aggregate.csv has no total_cost_usd.mean, or no service availability_pct / unserved_pct.".to_string(),
        ),
    }
    let table = points_section(&agg, &ax, &list);
    let setup = params_section(&params);
    if meta.get("complete").and_then(Value::as_bool) == Some(false) {
        notes.insert(0, format!(
            "This sweep is incomplete: {} of {} runs done; figures cover the finished runs only.",
            text(&meta, "runs_done"),
            text(&meta, "runs_total")
        ));
    }
    Ok(Page {
        title: format!("ecsim sweep report: {}", text(&meta, "sweep")),
        facts: facts(&meta),
        notes,
        sections: [
            Some(setup),
            plan_section(dir)?,
            Some(figures),
            Some(frontier_sec),
            Some(table),
        ]
        .into_iter()
        .flatten()
        .collect(),
    })
}

/// The sweep's parameters and where they sit in aggregate.csv and runs.csv;
/// the x axis is the first parameter, a series each combination of the others.
struct Axes<'a> {
    params: &'a [Param],
    agg_point: usize,
    agg_params: Vec<usize>,
    run_params: Vec<usize>,
    groups: Vec<String>,
    x_axis: XAxis,
}

impl Axes<'_> {
    fn first(&self) -> &Param {
        &self.params[0]
    }

    /// x of a row: the value itself on a numeric axis, else its category index.
    fn x_of(&self, t: &Table, row: usize, col: usize) -> Result<Option<f64>> {
        let first = self.first();
        if first.numeric {
            return t.num(row, col);
        }
        Ok(first
            .values
            .iter()
            .position(|v| *v == t.rows[row][col])
            .map(|i| i as f64))
    }

    /// The combination of the other parameters a row belongs to.
    fn group_of(&self, t: &Table, row: usize, cols: &[usize]) -> String {
        self.params[1..]
            .iter()
            .zip(&cols[1..])
            .map(|(p, &c)| format!("{}={}", short(&p.path), t.rows[row][c]))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// One figure against the first parameter: per combination of the others,
/// the mean (line), its confidence interval (band) and every run (dots).
fn metric_chart(agg: &Table, runs: &Table, ax: &Axes, m: &Metric) -> Result<Chart> {
    let mut c = Chart::new(
        &format!("sweep-{}", slug(&m.key)),
        &m.title,
        &ax.first().path,
        m.unit,
    );
    c.x_axis = ax.x_axis.clone();
    c.zero_baseline = false;
    c.caption = format!("{} ({}) against {}.", m.title, m.key, ax.first().path);
    let mean = agg.need(&format!("{}.mean", m.key))?;
    let lo = agg.col(&format!("{}.ci95_low", m.key));
    let hi = agg.col(&format!("{}.ci95_high", m.key));
    for (gi, g) in ax.groups.iter().enumerate() {
        let mut line = Vec::new();
        let mut band = Vec::new();
        for r in 0..agg.rows.len() {
            if ax.group_of(agg, r, &ax.agg_params) != *g {
                continue;
            }
            let Some(x) = ax.x_of(agg, r, ax.agg_params[0])? else {
                continue;
            };
            if let Some(y) = agg.num(r, mean)? {
                line.push((x, y));
            }
            if let (Some(l), Some(h)) = (lo, hi)
                && let (Some(l), Some(h)) = (agg.num(r, l)?, agg.num(r, h)?)
            {
                band.push((x, l, h));
            }
        }
        line.sort_by(|a, b| a.0.total_cmp(&b.0));
        band.sort_by(|a, b| a.0.total_cmp(&b.0));
        let name = if g.is_empty() {
            "mean".to_string()
        } else {
            g.clone()
        };
        c.series.push(Series {
            name,
            color: gi,
            style: Style::LineDots,
            points: line,
        });
        if !band.is_empty() {
            c.bands.push(Band {
                color: gi,
                points: band,
            });
        }
        if let Some(col) = runs.col(&m.key) {
            let mut dots = Vec::new();
            for r in 0..runs.rows.len() {
                if ax.group_of(runs, r, &ax.run_params) != *g {
                    continue;
                }
                if let (Some(x), Some(y)) = (ax.x_of(runs, r, ax.run_params[0])?, runs.num(r, col)?)
                {
                    dots.push((x, y));
                }
            }
            c.series.push(Series {
                name: String::new(),
                color: gi,
                style: Style::Dots,
                points: dots,
            });
        }
    }
    Ok(c)
}

/// "Points": mean and confidence interval of each figure per point.
fn points_section(agg: &Table, ax: &Axes, list: &[Metric]) -> Section {
    let mut table = Section::new(
        "Points",
        "Mean and 95 % confidence interval of each key figure per point (aggregate.csv).",
    );
    let mut g = Grid {
        header: ["point".to_string()]
            .into_iter()
            .chain(ax.params.iter().map(|p| short(&p.path).to_string()))
            .chain(agg.col("runs").map(|_| "runs".to_string()))
            .chain(list.iter().map(|m| m.key.clone()))
            .collect(),
        rows: Vec::new(),
    };
    for r in 0..agg.rows.len() {
        let mut row = vec![agg.rows[r][ax.agg_point].clone()];
        row.extend(ax.agg_params.iter().map(|&c| agg.rows[r][c].clone()));
        if let Some(c) = agg.col("runs") {
            row.push(agg.rows[r][c].clone());
        }
        for m in list {
            let f = |s: &str| agg.col(&format!("{}.{s}", m.key)).map(|c| agg.num(r, c));
            // Money to the cent; other figures keep three decimals.
            let d = if m.unit == "USD" { 2 } else { 3 };
            let cell = match (f("mean"), f("ci95_low"), f("ci95_high")) {
                (Some(Ok(Some(v))), Some(Ok(Some(l))), Some(Ok(Some(h)))) => {
                    format!("{v:.d$} [{l:.d$}, {h:.d$}]")
                }
                (Some(Ok(Some(v))), _, _) => format!("{v:.d$}"),
                _ => "–".into(),
            };
            row.push(cell);
        }
        g.rows.push(row);
    }
    table.grids.push(g);
    table
}

/// "Parameters": each parameter and its values.
fn params_section(params: &[Param]) -> Section {
    let mut params_grid = Grid {
        header: vec!["parameter".into(), "values".into()],
        rows: Vec::new(),
    };
    for p in params {
        params_grid
            .rows
            .push(vec![p.path.clone(), p.values.join(", ")]);
    }
    let mut setup = Section::new("Parameters", "");
    setup.grids.push(params_grid);
    setup
}

/// The facts above the sweep report.
fn facts(meta: &Value) -> Vec<(String, String)> {
    vec![
        (
            "Sweep".into(),
            format!("{} ({})", text(meta, "sweep"), text(meta, "sweep_file")),
        ),
        (
            "Scenario".into(),
            format!(
                "{} ({})",
                text(meta, "scenario"),
                text(meta, "base_scenario_file")
            ),
        ),
        ("Master seed".into(), text(meta, "master_seed")),
        ("Replications".into(), text(meta, "replications")),
        (
            "Runs".into(),
            format!(
                "{} of {}",
                text(meta, "runs_done"),
                text(meta, "runs_total")
            ),
        ),
        ("ecsim version".into(), text(meta, "ecsim_version")),
        ("Region".into(), text(meta, "region")),
        ("Price source".into(), text(meta, "price_source")),
    ]
}
