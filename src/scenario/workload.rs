//! Demand, per-task capacity and auto scaling settings of a service.

use super::ctx::{Ctx, R};
use super::spec::*;
use super::target_tracking::{cooldown, metric};
use crate::engine::time::{DAY, MINUTE, SimTime, parse_duration, parse_time_of_day};
use crate::model::Cluster;
use crate::scaling::demand::{MAX_RPS, Shape, Spike};
use crate::scaling::policy::{Adjustment, Comparison, Step};
use crate::scaling::{AutoScaling, Demand, ScheduledAction, StepPolicy, Workload};

/// A number as an error message shows it: 1e308 in 4 characters, not 309.
fn show_number(x: f64) -> String {
    if x.is_finite() && x.abs() < 1e15 {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

fn num(ctx: &Ctx, p: &str, v: Option<f64>, kind: &str) -> R<f64> {
    match v {
        Some(x) if (0.0..=MAX_RPS).contains(&x) => Ok(x),
        Some(x) => Err(ctx.err(
            p,
            format!(
                "must be a number from 0 to {MAX_RPS:e} (requests per second), got {}",
                show_number(x)
            ),
        )),
        None => Err(ctx.err(p, format!("is required for demand kind \"{kind}\""))),
    }
}

pub(super) fn demand(ctx: &Ctx, p: &str, d: &DemandSpec) -> R<Demand> {
    let f = |name: &str| format!("{p}.{name}");
    let shape = match d.kind.as_str() {
        "constant" => Shape::Constant(num(ctx, &f("value"), d.value, "constant")?),
        "diurnal" => {
            let mean = num(ctx, &f("mean"), d.mean, "diurnal")?;
            let amplitude = num(ctx, &f("amplitude"), d.amplitude, "diurnal")?;
            if amplitude > mean {
                return Err(ctx.err(
                    f("amplitude"),
                    format!("{amplitude} is above the mean {mean}; demand would go negative"),
                ));
            }
            let peak = match &d.peak {
                Some(t) => parse_time_of_day(t).map_err(|e| ctx.err(f("peak"), e))?,
                None => 14 * 3_600_000,
            };
            let period = match &d.period {
                Some(t) => ctx.duration(&f("period"), t)?.max(1),
                None => DAY,
            };
            Shape::Diurnal {
                mean,
                amplitude,
                peak,
                period,
            }
        }
        "steps" | "ramps" => {
            let Some(points) = &d.points else {
                return Err(ctx.err(
                    f("points"),
                    format!(
                        "demand kind \"{}\" needs points = [{{ at = \"0s\", value = 100 }}, ...]",
                        d.kind
                    ),
                ));
            };
            let mut out: Vec<(SimTime, f64)> = Vec::new();
            for (i, pt) in points.iter().enumerate() {
                let at = ctx.duration(&format!("{p}.points[{i}].at"), &pt.at)?;
                let v = num(
                    ctx,
                    &format!("{p}.points[{i}].value"),
                    Some(pt.value),
                    &d.kind,
                )?;
                if out.last().is_some_and(|l| l.0 >= at) {
                    return Err(ctx.err(format!("{p}.points[{i}].at"), "times must increase"));
                }
                out.push((at, v));
            }
            if out.is_empty() {
                return Err(ctx.err(f("points"), "list at least one point"));
            }
            Shape::Points {
                points: out,
                linear: d.kind == "ramps",
            }
        }
        "trace" => {
            let Some(file) = &d.file else {
                return Err(ctx.err(
                    f("file"),
                    "demand kind \"trace\" needs file = \"...csv\" or a get-metric-data .json",
                ));
            };
            let scale = d.scale.unwrap_or(1.0);
            if !(scale.is_finite() && scale > 0.0) {
                return Err(ctx.err(f("scale"), format!("must be above 0, got {scale}")));
            }
            Shape::Points {
                points: {
                    let (full, text) = ctx.read(&f("file"), file)?;
                    super::trace::parse(&full, &text, scale)?
                },
                linear: false,
            }
        }
        other => return Err(ctx.err(
            f("kind"),
            format!(
                "unknown demand kind \"{other}\"; expected constant, diurnal, steps, ramps or trace"
            ),
        )),
    };
    let poisson_noise = match d.noise.as_deref() {
        None | Some("none") => false,
        Some("poisson") => true,
        Some(o) => return Err(ctx.err(f("noise"), format!("\"{o}\" is not poisson or none"))),
    };
    let mut spikes = Vec::new();
    for (i, s) in d.spikes.iter().enumerate() {
        let sp = format!("{p}.spikes[{i}]");
        let start = ctx.duration(&format!("{sp}.at"), &s.at)?;
        let len = ctx.duration(&format!("{sp}.duration"), &s.duration)?;
        if !(s.factor.is_finite() && s.factor >= 0.0) {
            return Err(ctx.err(
                format!("{sp}.factor"),
                format!("must be a number 0 or more, got {}", s.factor),
            ));
        }
        let every = s
            .every
            .as_ref()
            .map(|e| ctx.duration(&format!("{sp}.every"), e))
            .transpose()?;
        if every == Some(0) {
            return Err(ctx.err(format!("{sp}.every"), "must be longer than 0s"));
        }
        spikes.push(Spike {
            start,
            len,
            factor: s.factor,
            every,
        });
    }
    Ok(Demand {
        shape,
        spikes,
        poisson_noise,
    })
}

pub(super) fn workload(ctx: &Ctx, p: &str, s: &ServiceSpec) -> R<Option<Workload>> {
    let Some(d) = &s.demand else {
        if s.capacity_per_task.is_some() || s.memory_utilization.is_some() {
            return Err(ctx.err(
                format!("{p}.demand"),
                "capacity_per_task and memory_utilization need a demand",
            ));
        }
        return Ok(None);
    };
    let demand = demand(ctx, &format!("{p}.demand"), d)?;
    let cap = match s.capacity_per_task {
        Some(c) if c.is_finite() && c > 0.0 => c,
        Some(c) => return Err(ctx.err(format!("{p}.capacity_per_task"), format!("must be above 0, got {c}"))),
        None => return Err(ctx.err(format!("{p}.capacity_per_task"), "a service with demand needs capacity_per_task (requests/s one task serves at 100% CPU)")),
    };
    let (idle, full) = match &s.memory_utilization {
        Some(m) => (m.idle, m.full),
        None => (30.0, 60.0),
    };
    for (name, v) in [("idle", idle), ("full", full)] {
        if !(0.0..=100.0).contains(&v) {
            return Err(ctx.err(
                format!("{p}.memory_utilization.{name}"),
                format!("must be a percentage 0-100, got {v}"),
            ));
        }
    }
    Ok(Some(Workload {
        demand,
        capacity_per_task: cap,
        memory_idle_pct: idle,
        memory_full_pct: full,
        queue: None,
    }))
}

/// An alarm's ComparisonOperator, as a symbol or as CloudWatch names it.
pub(super) fn comparison(ctx: &Ctx, q: &str, c: &str) -> R<Comparison> {
    Ok(match c {
        ">=" | "GreaterThanOrEqualToThreshold" => Comparison::Ge,
        ">" | "GreaterThanThreshold" => Comparison::Gt,
        "<=" | "LessThanOrEqualToThreshold" => Comparison::Le,
        "<" | "LessThanThreshold" => Comparison::Lt,
        o => {
            return Err(ctx.err(
                format!("{q}.comparison"),
                format!("\"{o}\" is not >=, >, <= or <"),
            ));
        }
    })
}

/// A step policy's alarm Period: CloudWatch takes 10, 20, 30 or a multiple
/// of 60 seconds ("PutMetricAlarm", Period); ecsim's datapoints are
/// 1-minute, so a whole number of minutes, up to a day.
pub(super) fn alarm_period(ctx: &Ctx, q: &str, v: Option<&str>) -> R<SimTime> {
    let Some(v) = v else { return Ok(MINUTE) };
    let p = ctx.duration(&format!("{q}.period"), v)?;
    if p == 0 || p % MINUTE != 0 || p > DAY {
        return Err(ctx.err(
            format!("{q}.period"),
            format!(
                "{v} is not a whole number of minutes from 60s to 1d: a step alarm reads ecsim's 1-minute datapoints (CloudWatch's 10, 20 and 30 s periods need high-resolution custom metrics)"
            ),
        ));
    }
    Ok(p)
}

/// An alarm's period, evaluation periods (default 1) and datapoints to
/// alarm (default all of them), as a step policy's and a deployment's
/// alarms both take them: ecsim's 60 evaluation periods, and a day at most
/// in all, evaluation periods × period ("PutMetricAlarm", EvaluationPeriods).
pub(super) fn alarm_window(
    ctx: &Ctx,
    q: &str,
    period: Option<&str>,
    evaluation_periods: Option<i64>,
    datapoints_to_alarm: Option<i64>,
) -> R<(SimTime, u32, u32)> {
    let period = alarm_period(ctx, q, period)?;
    let most = (crate::scaling::policy::MAX_ALARM_SPAN / period)
        .min(u64::from(crate::scaling::policy::MAX_EVALUATION_PERIODS));
    let periods = ctx
        .count(
            &format!("{q}.evaluation_periods"),
            evaluation_periods.unwrap_or(1),
            most as i64,
        )?
        .max(1);
    let needed = ctx
        .count(
            &format!("{q}.datapoints_to_alarm"),
            datapoints_to_alarm.unwrap_or(i64::from(periods)),
            i64::from(periods),
        )?
        .max(1);
    Ok((period, periods, needed))
}

pub(super) fn autoscaling(
    ctx: &Ctx,
    p: &str,
    a: &AutoScalingSpec,
    has_workload: bool,
    notes: &mut Vec<String>,
) -> R<AutoScaling> {
    let f = |name: &str| format!("{p}.{name}");
    let min = ctx.count(&f("min_capacity"), a.min_capacity, 100_000)?;
    let max = ctx.count(&f("max_capacity"), a.max_capacity, 100_000)?;
    if min > max {
        return Err(ctx.err(
            f("min_capacity"),
            format!("min_capacity {min} is above max_capacity {max}"),
        ));
    }
    let target_tracking = super::target_tracking::policies(ctx, p, a, notes)?;
    let mut steps = Vec::new();
    for (i, sp) in a.step_scaling.iter().enumerate() {
        steps.push(step_policy(ctx, &format!("{p}.step_scaling[{i}]"), i, sp)?);
    }
    let mut scheduled = Vec::new();
    for (i, sc) in a.scheduled.iter().enumerate() {
        scheduled.push(scheduled_action(ctx, &format!("{p}.scheduled[{i}]"), sc)?);
    }
    if (!target_tracking.is_empty() || !steps.is_empty()) && !has_workload {
        return Err(ctx.err(
            p,
            "metric-driven scaling needs the service's demand and capacity_per_task",
        ));
    }
    let high_resolution = target_tracking.iter().any(|t| t.metric.high_resolution());
    if a.high_resolution_publication_delay.is_some() && !high_resolution {
        notes.push(format!(
            "{}: no effect: target tracking follows no HighResolution metric",
            f("high_resolution_publication_delay")
        ));
    }
    Ok(AutoScaling {
        min,
        max,
        target_tracking,
        steps,
        scheduled,
        publication_delay: match &a.publication_delay {
            Some(d) => ctx.duration(&f("publication_delay"), d)?,
            None => 60_000,
        },
        // AWS gives no delay for the 20-second datapoints; one period makes
        // a load step trigger a scale-out 80 s after it (three datapoints
        // plus one), near the ~86 s AWS measured (tests/AUTOSCALING_SOURCES.md).
        high_resolution_publication_delay: match &a.high_resolution_publication_delay {
            Some(d) => ctx.duration(&f("high_resolution_publication_delay"), d)?,
            None => crate::scaling::HIGH_RESOLUTION_PERIOD,
        },
    })
}

/// Step scaling policy `i` (path `q`): its alarm and step adjustments.
fn step_policy(ctx: &Ctx, q: &str, i: usize, sp: &StepPolicySpec) -> R<StepPolicy> {
    let comparison = comparison(ctx, q, &sp.comparison)?;
    let adjustment_type = match sp.adjustment_type.as_deref().unwrap_or("ChangeInCapacity") {
        "ChangeInCapacity" => Adjustment::ChangeInCapacity,
        "ExactCapacity" => Adjustment::ExactCapacity,
        "PercentChangeInCapacity" => Adjustment::PercentChangeInCapacity,
        o => {
            return Err(ctx.err(
                format!("{q}.adjustment_type"),
                format!(
                    "\"{o}\" is not ChangeInCapacity, ExactCapacity or PercentChangeInCapacity"
                ),
            ));
        }
    };
    if !sp.threshold.is_finite() {
        return Err(ctx.err(format!("{q}.threshold"), "must be a finite number"));
    }
    let (period, periods, needed) = alarm_window(
        ctx,
        q,
        sp.period.as_deref(),
        sp.evaluation_periods,
        sp.datapoints_to_alarm,
    )?;
    if sp.steps.is_empty() {
        return Err(ctx.err(format!("{q}.steps"), "list at least one step adjustment"));
    }
    let mut list = Vec::new();
    for (k, st) in sp.steps.iter().enumerate() {
        if let (Some(l), Some(u)) = (st.lower, st.upper)
            && l >= u
        {
            return Err(ctx.err(
                format!("{q}.steps[{k}]"),
                format!("lower {l} must be below upper {u}"),
            ));
        }
        if st.adjustment.abs() > 100_000
            || (adjustment_type == Adjustment::ExactCapacity && st.adjustment < 0)
        {
            return Err(ctx.err(
                format!("{q}.steps[{k}].adjustment"),
                format!(
                    "{} is out of range (-100000..=100000; 0 or more for ExactCapacity)",
                    st.adjustment
                ),
            ));
        }
        if st.lower.is_some_and(|v| !v.is_finite()) || st.upper.is_some_and(|v| !v.is_finite()) {
            return Err(ctx.err(format!("{q}.steps[{k}]"), "bounds must be finite numbers"));
        }
        list.push(Step {
            lower: st.lower,
            upper: st.upper,
            adjustment: st.adjustment,
        });
    }
    let m = metric(ctx, &format!("{q}.metric"), sp.metric.as_deref())?;
    if m.high_resolution() {
        // AWS lists the 20-second metrics as predefined metric types of
        // target tracking ("Faster auto scaling with high-resolution
        // metrics"); a step policy's alarm here reads 1-minute datapoints.
        return Err(ctx.err(
            format!("{q}.metric"),
            format!(
                "{} is a target tracking metric; a step_scaling alarm reads 1-minute datapoints: use {}",
                m.name(),
                m.name().trim_end_matches("HighResolution")
            ),
        ));
    }
    Ok(StepPolicy {
        name: sp.name.clone().unwrap_or_else(|| format!("step-{i}")),
        metric: m,
        comparison,
        threshold: sp.threshold,
        period,
        evaluation_periods: periods,
        datapoints_to_alarm: needed,
        adjustment_type,
        steps: list,
        cooldown: cooldown(ctx, &format!("{q}.cooldown"), sp.cooldown.as_ref())?,
        min_adjustment_magnitude: ctx.count(
            &format!("{q}.min_adjustment_magnitude"),
            sp.min_adjustment_magnitude.unwrap_or(0),
            100_000,
        )?,
    })
}

/// A scheduled action (path `q`): when, how often, and the bounds it sets.
fn scheduled_action(ctx: &Ctx, q: &str, sc: &ScheduledSpec) -> R<ScheduledAction> {
    let (first, default_every) = if sc.at.contains(':') {
        (
            parse_time_of_day(&sc.at).map_err(|e| ctx.err(format!("{q}.at"), e))?,
            Some(DAY),
        )
    } else {
        (
            parse_duration(&sc.at).map_err(|e| {
                ctx.err(
                    format!("{q}.at"),
                    format!("{e}; or a time of day \"HH:MM\""),
                )
            })?,
            None,
        )
    };
    let every = match &sc.every {
        Some(e) => Some(ctx.duration(&format!("{q}.every"), e)?).filter(|&e| e > 0),
        None => default_every,
    };
    let mn = sc
        .min_capacity
        .map(|v| ctx.count(&format!("{q}.min_capacity"), v, 100_000))
        .transpose()?;
    let mx = sc
        .max_capacity
        .map(|v| ctx.count(&format!("{q}.max_capacity"), v, 100_000))
        .transpose()?;
    if let (Some(a), Some(b)) = (mn, mx)
        && a > b
    {
        return Err(ctx.err(
            format!("{q}.min_capacity"),
            format!("min_capacity {a} is above max_capacity {b}"),
        ));
    }
    Ok(ScheduledAction {
        first,
        every,
        min: mn,
        max: mx,
    })
}

/// A demand trace that ends before the run holds its last value from then
/// on (as `steps` do); said once, since a planner may not expect it.
pub(super) fn trace_notes(
    traces: &[(usize, String)],
    cluster: &Cluster,
    end: SimTime,
) -> Vec<String> {
    let mut notes = Vec::new();
    for (i, file) in traces {
        let Some(w) = &cluster.services[*i].workload else {
            continue;
        };
        let crate::scaling::demand::Shape::Points { points, .. } = &w.demand.shape else {
            continue;
        };
        if let Some(&(last, value)) = points.last()
            && last < end
        {
            notes.push(format!(
                "services[{i}].demand: the trace {file} ends at {} of the run's {}; its last value, {value} requests/s, is held from then on",
                crate::engine::time::format_duration(last),
                crate::engine::time::format_duration(end),
            ));
        }
    }
    notes
}
