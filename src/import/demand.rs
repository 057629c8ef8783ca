//! A service's demand from its CloudWatch metrics: ALB RequestCount when
//! there is one, else CPUUtilization × running tasks. `get-metric-data`
//! results name their service by Label: "<service> <metric>", as
//! scripts/export-cluster.sh asks for them.

use super::doc::round6;
use super::names::file_name;
use super::read::Export;
use super::scaling::ScalingOut;
use super::shapes::EcsService;
use crate::error::InputError;
use crate::scenario::spec::DemandSpec;
use crate::scenario::trace::iso;
use crate::scenario::trace::parse_timestamp;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// A metric on a regular grid.
#[derive(Debug, Clone)]
pub struct Series {
    pub t0_ms: i64,
    pub step_ms: i64,
    pub values: Vec<f64>,
    /// Grid points no datapoint fell on, filled in.
    pub filled: usize,
    /// The file and result its first point came from, for errors.
    pub origin: (PathBuf, String),
}

impl Series {
    /// The value at time `t` (the nearest grid point), if the series covers it.
    pub(super) fn at(&self, t: i64) -> Option<f64> {
        let i = (t - self.t0_ms + self.step_ms / 2).div_euclid(self.step_ms);
        usize::try_from(i)
            .ok()
            .and_then(|i| self.values.get(i).copied())
    }
}

// The SQS ones, of the queue a service's policies read (issue 31 item 10).
const METRICS: [&str; 5] = [
    "RequestCount",
    "CPUUtilization",
    "RunningTaskCount",
    "NumberOfMessagesSent",
    "ApproximateNumberOfMessagesVisible",
];

/// How far a datapoint may lie from the median of all the export's
/// points: the longest a scenario runs. One point dated year 1 or 1970
/// beside minute points would otherwise make a trace of a billion steps.
const WINDOW_MS: i64 = crate::scenario::MAX_DURATION as i64;
/// The most points a written trace holds: 400 days of 1-minute points.
pub const MAX_POINTS: usize = 600_000;

/// Per service, per metric, the series of every `get-metric-data` result.
/// A point far outside the export's window is refused, naming its file,
/// result and index: it is a stray (a bad clock, a hand edit), and where
/// the real window lies cannot be guessed from it.
pub fn series(
    ex: &Export,
    notes: &mut Vec<String>,
) -> Result<BTreeMap<String, BTreeMap<&'static str, Series>>, InputError> {
    type Key = (String, &'static str);
    // Points with where they came from: (result, index in its Timestamps).
    let mut raw: BTreeMap<Key, Vec<(i64, f64, usize, usize)>> = BTreeMap::new();
    for (k, (file, r)) in ex.metrics.iter().enumerate() {
        let label = r.label.as_deref().unwrap_or("");
        let found = label.rsplit_once(' ').and_then(|(svc, m)| {
            METRICS
                .iter()
                .find(|&&x| x == m)
                .map(|&m| (svc.trim().to_string(), m))
        });
        let Some((svc, metric)) = found else {
            notes.push(format!("{}: get-metric-data result {} (Label \"{label}\") does not read \"<service> RequestCount|CPUUtilization|RunningTaskCount|NumberOfMessagesSent|ApproximateNumberOfMessagesVisible\"; ignored", file.display(), r.id));
            continue;
        };
        let points = raw.entry((svc, metric)).or_default();
        for (i, (t, v)) in r.timestamps.iter().zip(&r.values).enumerate() {
            match parse_timestamp(t) {
                Ok(ms) if v.is_finite() && *v >= 0.0 => points.push((ms, *v, k, i)),
                _ => notes.push(format!(
                    "{}: {}.Timestamps[{i}]: point ignored (bad timestamp or value)",
                    file.display(),
                    r.origin
                )),
            }
        }
    }
    let mut times: Vec<i64> = raw.values().flatten().map(|p| p.0).collect();
    if !times.is_empty() {
        let mid = times.len() / 2;
        let median = *times.select_nth_unstable(mid).1;
        if let Some(&(t, _, k, i)) = raw
            .values()
            .flatten()
            .find(|p| (p.0 - median).abs() > WINDOW_MS)
        {
            let (file, r) = &ex.metrics[k];
            return Err(InputError::new(
                file,
                format!("{}.Timestamps[{i}]", r.origin),
                format!(
                    "a point of {} dated {}, {} days from the middle of the export's metrics ({}); an export spans at most {} days — remove the stray point or export again",
                    r.label.as_deref().unwrap_or(&r.id),
                    iso(t),
                    (t - median).abs() / DAY_MS,
                    iso(median),
                    WINDOW_MS / DAY_MS
                ),
            ));
        }
    }
    drop(times);
    let mut out: BTreeMap<String, BTreeMap<&'static str, Series>> = BTreeMap::new();
    for ((svc, metric), mut pts) in raw {
        // Newest first is get-metric-data's default order; pages may repeat a point.
        pts.sort_by_key(|p| p.0);
        pts.dedup_by_key(|p| p.0);
        let (Some(first), Some(last)) = (pts.first(), pts.last()) else {
            continue;
        };
        let origin = {
            let (file, r) = &ex.metrics[first.2];
            (file.clone(), r.origin.clone())
        };
        let mut steps: Vec<i64> = pts.windows(2).map(|w| w[1].0 - w[0].0).collect();
        steps.sort_unstable();
        let step = steps
            .get(steps.len() / 2)
            .copied()
            .unwrap_or(60_000)
            .max(1000);
        let t0 = first.0;
        // Counted before the grid is allocated.
        let n = usize::try_from((last.0 - t0) / step + 1).unwrap_or(usize::MAX);
        if n > MAX_POINTS {
            return Err(too_long(&origin, &svc, metric, n, step));
        }
        let mut values: Vec<Option<f64>> = vec![None; n];
        for (t, v, _, _) in pts {
            let i = usize::try_from((t - t0 + step / 2) / step).unwrap_or(usize::MAX);
            if let Some(slot) = values.get_mut(i) {
                *slot = Some(v);
            }
        }
        let filled = values.iter().filter(|v| v.is_none()).count();
        // A minute without requests has no RequestCount datapoint: it was 0.
        let mut last = 0.0;
        let values = values
            .into_iter()
            .map(|v| match v {
                Some(v) => {
                    last = v;
                    v
                }
                None if metric == "RequestCount" => 0.0,
                None => last,
            })
            .collect();
        out.entry(svc).or_default().insert(
            metric,
            Series {
                t0_ms: t0,
                step_ms: step,
                values,
                filled,
                origin,
            },
        );
    }
    align(&mut out)?;
    Ok(out)
}

fn too_long(
    origin: &(PathBuf, String),
    svc: &str,
    metric: &str,
    n: usize,
    step: i64,
) -> InputError {
    InputError::new(
        &origin.0,
        origin.1.clone(),
        format!(
            "{svc} {metric} every {} s over the span of the export's metrics makes a trace of {n} points; ecsim writes at most {MAX_POINTS} (400 days of 1-minute points) — export a coarser period or fewer days",
            step / 1000
        ),
    )
}

const DAY_MS: i64 = 86_400_000;

/// Every trace starts at one instant, time 0 of the simulation: the first
/// UTC midnight of the data when a day of it follows (ecsim reads "08:00"
/// in a schedule as 8 hours after time 0), else the first datapoint. A
/// series that starts later repeats its first value back to it.
fn align(all: &mut BTreeMap<String, BTreeMap<&'static str, Series>>) -> Result<(), InputError> {
    let series = || all.values().flat_map(|m| m.values());
    let Some(first) = series().map(|s| s.t0_ms).min() else {
        return Ok(());
    };
    let last = series()
        .map(|s| s.t0_ms + s.values.len() as i64 * s.step_ms)
        .max()
        .unwrap_or(first);
    let midnight = (first + DAY_MS - 1).div_euclid(DAY_MS) * DAY_MS;
    let start = if last - midnight >= DAY_MS {
        midnight
    } else {
        first
    };
    for (svc, m) in all.iter_mut() {
        for (metric, s) in m.iter_mut() {
            let pad = usize::try_from((s.t0_ms - start).max(0) / s.step_ms).unwrap_or(usize::MAX);
            if pad.saturating_add(s.values.len()) > MAX_POINTS {
                return Err(too_long(
                    &s.origin,
                    svc,
                    metric,
                    pad.saturating_add(s.values.len()),
                    s.step_ms,
                ));
            }
        }
    }
    for s in all.values_mut().flat_map(|m| m.values_mut()) {
        if s.t0_ms < start {
            let drop = ((start - s.t0_ms + s.step_ms - 1) / s.step_ms) as usize;
            s.values.drain(..drop.min(s.values.len()));
            s.t0_ms += drop as i64 * s.step_ms;
        }
        if s.t0_ms > start {
            let pad = ((s.t0_ms - start) / s.step_ms) as usize;
            let v = s.values.first().copied().unwrap_or(0.0);
            s.values.splice(0..0, std::iter::repeat_n(v, pad));
            s.t0_ms -= pad as i64 * s.step_ms;
            s.filled += pad;
        }
    }
    all.retain(|_, m| {
        m.retain(|_, s| !s.values.is_empty());
        !m.is_empty()
    });
    Ok(())
}

// One calendar for both directions: the trace reader's. Kept under this
// path for import/mod.rs.

#[derive(Debug)]
pub struct Demand {
    /// How it was inferred, for the scenario's comments.
    pub how: String,
    pub capacity_per_task: f64,
    /// The service's `demand`.
    pub spec: DemandSpec,
    pub trace: Option<(String, String)>,
    pub span_ms: i64,
    /// The trace's time 0, epoch ms.
    pub start_ms: Option<i64>,
    /// Whether demand is in requests per second (else tasks' worth of load).
    pub requests: bool,
}

/// A demand (or a queue's arrivals) read from a trace file.
pub(super) fn trace(file: &str) -> DemandSpec {
    DemandSpec {
        kind: "trace".into(),
        file: Some(file.into()),
        ..Default::default()
    }
}

pub(super) fn csv(s: &Series, f: impl Fn(usize, f64) -> f64) -> String {
    let mut out = String::from("timestamp,value\n");
    for (i, v) in s.values.iter().enumerate() {
        let t = s.t0_ms + i as i64 * s.step_ms;
        out += &format!("{},{}\n", t / 1000, round6(f(i, *v).max(0.0)));
    }
    out
}

pub fn infer(
    name: &str,
    metrics: Option<&BTreeMap<&'static str, Series>>,
    s: &EcsService,
    desired: i64,
    scaling: Option<&ScalingOut>,
    sub: &str,
    notes: &mut Vec<String>,
) -> Option<Demand> {
    let running_now = s.running_count.unwrap_or(desired).max(1) as f64;
    let get = |m: &str| metrics.and_then(|x| x.get(m));
    let file = format!("{sub}/traces/{}.csv", file_name(name));
    let tt = scaling.and_then(|x| x.target_tracking.clone());
    let running_at = |t: i64| {
        get("RunningTaskCount")
            .and_then(|r| r.at(t))
            .unwrap_or(running_now)
    };
    let running_how = if get("RunningTaskCount").is_some() {
        "RunningTaskCount (Container Insights)"
    } else {
        "the service's runningCount now (no RunningTaskCount in the export)"
    };
    // Without Container Insights the count at each minute is unknown: the
    // inference takes today's all week, which is wrong wherever it scaled.
    let assumed_count = |notes: &mut Vec<String>, what: &str| {
        if get("RunningTaskCount").is_none() {
            notes.push(format!("service {name}: no RunningTaskCount (Container Insights) in the export: {what} CPUUtilization × today's runningCount ({}) over the whole trace, untrue wherever the service ran another count (turn Container Insights on and export again for a measured count)", round6(running_now)));
        }
    };
    if let Some(rc) = get("RequestCount") {
        let step_s = rc.step_ms as f64 / 1000.0;
        let rps: Vec<f64> = rc.values.iter().map(|v| v / step_s).collect();
        let mean_rps = rps.iter().sum::<f64>() / rps.len().max(1) as f64;
        let peak = rps.iter().cloned().fold(0.0, f64::max);
        let (cap, cap_how) = match get("CPUUtilization") {
            Some(cpu) => {
                let (mut num_, mut den) = (0.0, 0.0);
                for (i, r) in rps.iter().enumerate() {
                    let t = rc.t0_ms + i as i64 * rc.step_ms;
                    if let Some(c) = cpu.at(t) {
                        num_ += r;
                        den += c / 100.0 * running_at(t);
                    }
                }
                assumed_count(notes, "capacity_per_task is requests per second over");
                if den > 0.0 && num_ > 0.0 {
                    (num_ / den, format!("requests per second over CPUUtilization/100 × {running_how}, summed over the trace"))
                } else {
                    (peak.max(1.0) / running_now, "no overlap of RequestCount and CPUUtilization: the peak of the trace taken as 100% CPU of the running tasks".into())
                }
            }
            None => match &tt {
                Some((m, t)) if m.starts_with("ECSServiceAverageCPUUtilization") => (
                    (mean_rps / (running_now * t / 100.0)).max(1e-6),
                    format!("no CPUUtilization in the export: the mean rate taken to hold the running tasks at the {} % CPU target", round6(*t)),
                ),
                _ => (
                    (peak / running_now).max(1e-6),
                    "no CPUUtilization in the export: the peak of the trace taken as 100% CPU of the running tasks (a guess; export CPUUtilization for a measured figure)".into(),
                ),
            },
        };
        let text = csv(rc, |i, _| rps[i]);
        return Some(Demand {
            how: format!(
                "demand of {name}: the ALB RequestCount of its target group (Sum per {} s ÷ {} s = requests per second), {file}.{}\ncapacity_per_task: {cap_how}.",
                round6(step_s),
                round6(step_s),
                gaps(rc)
            ),
            capacity_per_task: cap,
            spec: trace(&file),
            trace: Some((file, text)),
            span_ms: rc.values.len() as i64 * rc.step_ms,
            start_ms: Some(rc.t0_ms),
            requests: true,
        });
    }
    if let Some(cpu) = get("CPUUtilization") {
        if let Some((m, t)) = tt.as_ref().filter(|(m, _)| m == "ALBRequestCountPerTarget") {
            assumed_count(notes, "the requests are derived from");
            return Some(requests_from_cpu(
                name,
                cpu,
                running_at,
                *t,
                m,
                &file,
                running_how,
                notes,
            ));
        }
        assumed_count(notes, "demand is");
        let text = csv(cpu, |i, v| {
            v / 100.0 * running_at(cpu.t0_ms + i as i64 * cpu.step_ms)
        });
        return Some(Demand {
            how: format!(
                "demand of {name}: no ALB RequestCount in the export, so CPUUtilization (Average per {} s) / 100 × {running_how}:\nthe load in tasks' worth at 100% CPU, with capacity_per_task = 1, {file}.{}",
                round6(cpu.step_ms as f64 / 1000.0),
                gaps(cpu)
            ),
            capacity_per_task: 1.0,
            spec: trace(&file),
            trace: Some((file, text)),
            span_ms: cpu.values.len() as i64 * cpu.step_ms,
            start_ms: Some(cpu.t0_ms),
            requests: false,
        });
    }
    // Metric-driven scaling without metrics: a steady load that holds the
    // service where it is now.
    let sc = scaling?;
    if !sc.metric_driven {
        return None;
    }
    Some(steady(name, running_now, tt.as_ref()))
}

/// What a trace's caption says of points filled in.
fn gaps(s: &Series) -> String {
    if s.filled > 0 {
        format!(
            " {} missing points were filled (RequestCount 0, others the previous value).",
            s.filled
        )
    } else {
        String::new()
    }
}

/// Metric-driven scaling without metrics: a steady load that holds the
/// service where it is now (at its target, or 50% CPU).
fn steady(name: &str, running_now: f64, tt: Option<&(String, f64)>) -> Demand {
    let (value, cap, how) = match tt {
        Some((m, t)) if m == "ALBRequestCountPerTarget" => (
            running_now * t / 60.0,
            t / 60.0 / 0.5,
            format!(
                "the running tasks each serving the {} requests per minute target, at 50% CPU",
                round6(*t)
            ),
        ),
        Some((_, t)) => (
            running_now * t / 100.0,
            1.0,
            format!("the running tasks at the {} % target", round6(*t)),
        ),
        None => (
            running_now * 0.5,
            1.0,
            "the running tasks at 50% CPU".to_string(),
        ),
    };
    Demand {
        how: format!(
            "demand of {name}: no CloudWatch metrics in the export; a constant load that holds {how} (export its metrics for a real trace)."
        ),
        capacity_per_task: cap,
        spec: DemandSpec {
            kind: "constant".into(),
            value: Some(round6(value)),
            ..Default::default()
        },
        trace: None,
        span_ms: 0,
        start_ms: None,
        requests: matches!(tt, Some((m, _)) if m == "ALBRequestCountPerTarget"),
    }
}

/// Requests per second from CPU for a service scaled on
/// ALBRequestCountPerTarget without RequestCount data: its policy read
/// requests, so demand in tasks' worth would meet its target in the wrong
/// unit. Taken: the policy held its target on average over the trace, so
/// the mean CPU of a task is `target` requests per minute, and requests
/// follow CPU × running tasks.
#[allow(clippy::too_many_arguments)]
fn requests_from_cpu(
    name: &str,
    cpu: &Series,
    running_at: impl Fn(i64) -> f64,
    target: f64,
    metric: &str,
    file: &str,
    running_how: &str,
    notes: &mut Vec<String>,
) -> Demand {
    let mean_cpu = cpu.values.iter().sum::<f64>() / cpu.values.len().max(1) as f64;
    // A task at 100% CPU serves this many requests per second.
    let cap = (target / 60.0 / (mean_cpu / 100.0).max(0.01)).max(1e-6);
    let text = csv(cpu, |i, v| {
        v / 100.0 * running_at(cpu.t0_ms + i as i64 * cpu.step_ms) * cap
    });
    let why = format!(
        "requests derived from CPUUtilization, taking its {metric} policy to have held its target of {} requests per target per minute at the trace's mean CPU ({} %): {} requests/s per task at 100% CPU",
        round6(target),
        round6((mean_cpu * 10.0).round() / 10.0),
        round6((cap * 1000.0).round() / 1000.0)
    );
    notes.push(format!("service {name}: no RequestCount in the export for its {metric} policy: {why} (export the target group's RequestCount for a measured trace)"));
    Demand {
        how: format!(
            "demand of {name}: no ALB RequestCount in the export; {why}.\nrequests per second = CPUUtilization (Average per {} s) / 100 × {running_how} × capacity_per_task, {file}.",
            round6(cpu.step_ms as f64 / 1000.0)
        ),
        capacity_per_task: cap,
        spec: trace(file),
        trace: Some((file.to_string(), text)),
        span_ms: cpu.values.len() as i64 * cpu.step_ms,
        start_ms: Some(cpu.t0_ms),
        requests: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_and_alignment() {
        assert_eq!(iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso(1_793_525_400_000), "2026-11-01T09:30:00Z");
        let day = 1_793_491_200_000; // 2026-11-01T00:00:00Z
        let mut all: BTreeMap<String, BTreeMap<&'static str, Series>> = BTreeMap::new();
        let s = |t0, n| Series {
            t0_ms: t0,
            step_ms: 60_000,
            values: vec![1.0; n],
            filled: 0,
            origin: Default::default(),
        };
        all.entry("a".into())
            .or_default()
            .insert("CPUUtilization", s(day - 3_600_000, 60 * 30));
        all.entry("b".into())
            .or_default()
            .insert("CPUUtilization", s(day + 120_000, 60 * 25));
        align(&mut all).unwrap();
        let a = &all["a"]["CPUUtilization"];
        let b = &all["b"]["CPUUtilization"];
        assert_eq!((a.t0_ms, b.t0_ms), (day, day));
        assert_eq!(a.values.len(), 60 * 29);
        assert_eq!((b.values.len(), b.filled), (60 * 25 + 2, 2));
    }
}
