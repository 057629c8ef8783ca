//! The sections of a run's report, each from the run's files: tasks and
//! demand, cluster, cost, scaling, placement, incidents and deployments.

use super::chart::{Chart, Style};
use super::page::{Grid, Section};
use super::run::{TimeAxis, Timeline, fmt_opt, money, num, open_count, slug};
use super::table::Table;
use super::{costview, placement, ramp, scaling};
use crate::error::Result;
use serde_json::Value;

/// "Desired vs running tasks" (services, then all jobs) and "Demand vs served".
pub(super) fn task_sections(
    summary: &Value,
    series: &Table,
    services: &[String],
    tl: &Timeline,
) -> Result<(Section, Section)> {
    let ax = tl.ax;
    let t = series.need("time_s")?;
    let mut tasks = Section::new(
        "Desired vs running tasks",
        "Per service (and all jobs together), one sample a minute from timeseries.csv. Pending = launched but not yet RUNNING (PROVISIONING, PENDING, ACTIVATING).",
    );
    let mut load = Section::new(
        "Demand vs served",
        "Requests per second offered to each service with a demand model, and how many its RUNNING tasks served; the gap is unserved demand.",
    );
    for s in services {
        let mut c = tl.chart(
            &format!("tasks-{}", slug(s)),
            &format!("Tasks of service {s}"),
            "tasks",
            format!("Desired, running and pending tasks of {s}."),
        );
        for (col, name, style) in [
            ("desired", "desired", Style::Bold),
            ("running", "running", Style::Line),
            ("pending", "pending", Style::Line),
        ] {
            if let Some(y) = series.col(&format!("{s}_{col}")) {
                c.line(name, style, series.points(t, y, ax.scale)?);
            }
        }
        tasks.charts.push(c);
        if let (Some(d), Some(v)) = (
            series.col(&format!("{s}_demand_rps")),
            series.col(&format!("{s}_served_rps")),
        ) {
            let mut c = tl.chart(
                &format!("load-{}", slug(s)),
                &format!("Demand vs served: {s}"),
                "requests / s",
                format!(
                    "Demand and served requests per second of {s} (unserved: {}).",
                    fmt_opt(
                        num(summary, &["services", s, "load", "unserved_pct"]),
                        |v| format!("{v:.3} %")
                    )
                ),
            );
            c.line("demand", Style::Line, series.points(t, d, ax.scale)?);
            c.line("served", Style::Line, series.points(t, v, ax.scale)?);
            load.charts.push(c);
        }
    }

    let jobs: Vec<String> = summary
        .get("jobs")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    if !jobs.is_empty() {
        let mut c = tl.chart(
            "jobs",
            "Tasks of jobs",
            "tasks",
            "Running and pending tasks of each job (standalone tasks have no desired count)."
                .into(),
        );
        for j in &jobs {
            for col in ["running", "pending"] {
                if let Some(y) = series.col(&format!("{j}_{col}")) {
                    c.line(
                        &format!("{j} {col}"),
                        Style::Line,
                        series.points(t, y, ax.scale)?,
                    );
                }
            }
        }
        tasks.charts.push(c);
    }
    Ok((tasks, load))
}

/// "Cluster": utilization, capacity provider reservation, markets.
pub(super) fn cluster_section(
    series: &Table,
    scaling_rows: &Table,
    cost: &Table,
    dur: f64,
    tl: &Timeline,
) -> Result<Section> {
    let ax = tl.ax;
    let t = series.need("time_s")?;
    let mut cluster = Section::new(
        "Cluster",
        "How much of the registered EC2 capacity tasks reserved, and what was being billed, by market.",
    );
    let mut u = tl.chart(
        "utilization",
        "Cluster utilization (reserved share of registered capacity)",
        "percent",
        "CPU and memory reserved by tasks as a share of what the container instances registered."
            .into(),
    );
    for (col, name) in [
        ("cpu_reserved_pct", "CPU reserved"),
        ("memory_reserved_pct", "memory reserved"),
    ] {
        let y = series.need(col)?;
        u.line(name, Style::Line, series.points(t, y, ax.scale)?);
    }
    cluster.charts.push(u);
    // Its own chart: the reservation reaches hundreds of percent while a
    // provider scales out, which would flatten the lines above.
    let mut prov = tl.chart(
        "providers",
        "Capacity provider reservation",
        "percent",
        "CapacityProviderReservation of each Auto Scaling group capacity provider (M / N × 100; managed scaling aims at its target capacity).".into(),
    );
    for (i, h) in series.header.iter().enumerate() {
        if let Some(p) = h.strip_suffix("_reservation_pct") {
            prov.line(p, Style::Line, series.points(t, i, ax.scale)?);
        }
    }
    if !prov.series.is_empty() {
        scaling::mark_providers(&mut prov, scaling_rows, ax.scale)?;
        cluster.charts.push(prov);
    }
    cluster.charts.push(markets(cost, dur, ax, tl.chart(
        "markets",
        "Instances and Fargate tasks by market",
        "count",
        "EC2 instances (on-demand, Spot) and Fargate tasks (Fargate, Fargate Spot) being billed over time, from cost.csv.".into(),
    ))?);
    Ok(cluster)
}

/// "Cost": the cumulative cost, the cost views and the cost table.
pub(super) fn cost_section(
    summary: &Value,
    cost_ts: &Table,
    dur: f64,
    tl: &Timeline,
    view: costview::CostView,
    notes: &mut Vec<String>,
) -> Result<Section> {
    let ax = tl.ax;
    let mut costs = Section::new(
        "Cost",
        &format!(
            "Total {}; {} of it idle EC2 capacity. From cost_timeseries.csv (one row an hour).",
            fmt_opt(num(summary, &["total_cost_usd"]), money),
            fmt_opt(num(summary, &["idle_capacity_cost_usd"]), money)
        ),
    );
    let mut cum = tl.chart(
        "cost-cumulative",
        "Cumulative cost",
        "USD",
        "Cost accrued since the start, at the end of each hour.".into(),
    );
    let (cs, cc) = (cost_ts.need("start_s")?, cost_ts.need("cumulative_usd")?);
    let mut pts = vec![(0.0, 0.0)];
    for r in 0..cost_ts.rows.len() {
        if let (Some(s), Some(v)) = (cost_ts.num(r, cs)?, cost_ts.num(r, cc)?) {
            pts.push(((s + 3600.0).min(dur) / ax.scale, v));
        }
    }
    cum.line("cumulative cost", Style::Bold, pts);
    costs.charts.push(cum);
    // No incident shading here: over filled areas it hides the bands.
    costs.charts.extend([view.by_owner, view.by_kind]);
    notes.extend(view.mismatch);
    costs.grids.push(cost_grid(summary));
    Ok(costs)
}

/// "Incidents and deployments": their tables, as written.
pub(super) fn events_section(incidents: &Table, deployments: &Table) -> Section {
    let mut events = Section::new("Incidents and deployments", "");
    if !incidents.rows.is_empty() {
        events.grids.push(copy_grid(incidents));
    }
    if !deployments.rows.is_empty() {
        events.grids.push(copy_grid(deployments));
    }
    if events.grids.is_empty() {
        events.intro = "No faults were injected and no deployments ran.".into();
    }
    events
}

/// "Scaling": each scaled service's view, its ramp right after.
pub(super) fn scaling_section(
    scaled: scaling::Scaling,
    ramps: &ramp::Ramps,
    task_rows: &super::tasks::Tasks,
    summary: &Value,
    dur: f64,
    warm_up: Option<f64>,
) -> Section {
    let mut scaling_sec = Section::new(
        "Scaling",
        "Each scaled service: the metric its policy watched against the thresholds its alarms fired at, its desired and running tasks, and the demand left unserved, with every scaling action marked. Each service that scaled out: its tasks RUNNING in the seconds after each scale-out (its ramp), and the quota that held launches back.",
    );
    let mut ramps_left = ramp::charts(ramps, &task_rows.runs, summary, dur);
    for mut c in scaled.charts {
        for p in &mut c.panels {
            p.warm_up = warm_up;
        }
        // Each service's ramp right after its scaling view.
        let ramp_id = c.id.replacen("scaling-", "ramp-", 1);
        scaling_sec.charts.push(c);
        if let Some(k) = ramps_left.iter().position(|r| r.id == ramp_id) {
            scaling_sec.charts.push(ramps_left.remove(k));
        }
    }
    scaling_sec.charts.extend(ramps_left);
    for n in [scaled.note, ramps.note.clone()].into_iter().flatten() {
        scaling_sec.intro.push(' ');
        scaling_sec.intro.push_str(&n);
    }
    scaling_sec
}

/// "Placement": each container instance over time.
pub(super) fn placement_section(placed: placement::Placement) -> Section {
    let mut placement_sec = Section::new(
        "Placement",
        "Where tasks were placed: each container instance over time, coloured by the share of its CPU and memory (and GPUs) that tasks reserved.",
    );
    placement_sec.charts = placed.charts;
    if let Some(n) = placed.note {
        placement_sec.intro.push(' ');
        placement_sec.intro.push_str(&n);
    }
    placement_sec
}
fn markets(cost: &Table, dur: f64, ax: &TimeAxis, mut c: Chart) -> Result<Chart> {
    let (k, m, s, e) = (
        cost.need("kind")?,
        cost.need("market")?,
        cost.need("start")?,
        cost.need("end")?,
    );
    for (name, kind, market) in [
        ("EC2 on-demand instances", "ec2_instance", "on_demand"),
        ("EC2 Spot instances", "ec2_instance", "spot"),
        ("Fargate tasks", "FARGATE", ""),
        ("Fargate Spot tasks", "FARGATE_SPOT", ""),
    ] {
        let mut iv = Vec::new();
        for r in 0..cost.rows.len() {
            let row = &cost.rows[r];
            if row[k] == kind && (market.is_empty() || row[m] == market) {
                let a = cost.num(r, s)?.unwrap_or(0.0);
                iv.push((a, cost.num(r, e)?.unwrap_or(dur)));
            }
        }
        if !iv.is_empty() {
            c.line(name, Style::Line, open_count(iv, dur, ax.scale));
        }
    }
    Ok(c)
}

fn cost_grid(summary: &Value) -> Grid {
    let mut rows = Vec::new();
    for (key, name) in [
        ("total_cost_usd", "total"),
        ("idle_capacity_cost_usd", "idle EC2 capacity"),
        ("ebs_cost_usd", "EBS"),
        ("savings_plan_fee_usd", "Savings Plan fee"),
        ("savings_plan_covered_usd", "Savings Plan covered"),
    ] {
        rows.push(vec![name.to_string(), fmt_opt(num(summary, &[key]), money)]);
    }
    for group in ["cost_by_service", "cost_by_job", "cost_by_market"] {
        if let Some(m) = summary.get(group).and_then(Value::as_object) {
            for (k, v) in m {
                rows.push(vec![
                    format!("{} {k}", &group[8..]),
                    fmt_opt(v.as_f64(), money),
                ]);
            }
        }
    }
    rows.push(vec![
        "per 1,000 task-hours".into(),
        fmt_opt(num(summary, &["cost_per_1000_task_hours"]), money),
    ]);
    Grid {
        header: vec!["cost".into(), "USD".into()],
        rows,
    }
}

fn copy_grid(t: &Table) -> Grid {
    Grid {
        header: t.header.clone(),
        rows: t.rows.clone(),
    }
}
