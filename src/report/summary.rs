//! `summary.json`: the figures of one run.

use super::RunResult;
use crate::billing::CostSummary;
use crate::engine::SimTime;
use crate::engine::time::secs_f64;
use crate::model::{Owner, OwnerStats, SchedulingStrategy, TaskState};
use crate::scenario::Scenario;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Serialize)]
pub struct Summary {
    pub scenario: String,
    pub scenario_file: String,
    pub ecsim_version: &'static str,
    pub seed: u64,
    /// Simulated time the figures cover: the scenario's duration, or the
    /// time reached when the run was cut short.
    pub sim_duration_s: f64,
    /// True when the run stopped early (a wall-clock limit): every figure
    /// covers only `sim_duration_s`, and tasks alive then are written as such.
    pub partial: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partial_reason: Option<String>,
    /// The scenario's duration, when a partial run fell short of it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requested_duration_s: Option<f64>,
    /// The run's start left out of availability, unserved demand, minutes
    /// below the floor and waits (`warm_up`: "auto" or a duration), and
    /// when it ended; null when it never did (nothing was measured).
    pub warm_up: String,
    pub warm_up_end_s: Option<f64>,
    pub events_processed: u64,
    /// Wall-clock figures: the only fields that differ between identical runs.
    pub wall_time_s: f64,
    pub events_per_s: f64,
    pub tasks_launched: u64,
    pub tasks_started: u64,
    pub tasks_stopped: u64,
    pub tasks_failed: u64,
    /// Tasks stopped because AWS took back their Spot capacity (FARGATE_SPOT
    /// or an EC2 Spot instance): replaced, not failures; absent when none.
    #[serde(skip_serializing_if = "is_zero")]
    pub tasks_stopped_by_spot_interruption: u64,
    pub tasks_provisioning_at_end: u64,
    /// Of those, tasks taking an ENI (`awsvpc`) or GPUs, by why they wait:
    /// the placement step no instance passed (`RESOURCE:ENI`, `RESOURCE:GPU`, …).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub tasks_provisioning_eni_gpu_by_reason: BTreeMap<&'static str, u64>,
    /// Job launches refused for want of capacity (RunTask `failures`), by
    /// reason; absent when none was (every one is listed in refused.csv).
    #[serde(skip_serializing_if = "is_zero")]
    pub tasks_refused: u64,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub tasks_refused_by_reason: BTreeMap<&'static str, u64>,
    pub instances: usize,
    /// Present when the scenario lists `[[initial_tasks]]` (an imported
    /// cluster): tasks asked to run at time 0, and those placed where asked.
    #[serde(skip_serializing_if = "is_zero")]
    pub initial_tasks_requested: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_tasks_placed: Option<u64>,
    /// Present when the scenario injects faults: how many incidents, and
    /// the longest time to recover from one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incidents: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_time_to_recover_s: Option<f64>,
    /// Present when the scenario deploys: deployment id → final status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployments: Option<BTreeMap<u32, &'static str>>,
    pub cpu_reserved_mean_pct: f64,
    pub memory_reserved_mean_pct: f64,
    pub services: BTreeMap<String, ServiceSummary>,
    pub jobs: BTreeMap<String, JobSummary>,
    #[serde(flatten)]
    pub cost: CostSummary,
}

#[derive(Debug, Serialize)]
pub struct ServiceSummary {
    pub scheduling_strategy: &'static str,
    /// Desired count at the end of the run.
    pub desired_count: u32,
    /// Time-weighted mean of RUNNING tasks over the whole run.
    pub mean_running: f64,
    /// Fewest RUNNING tasks after the start-up ramp (from the first moment
    /// every launched task was RUNNING or waiting for capacity); 0 if the
    /// ramp never ended.
    pub min_running: u64,
    /// When that ramp ended.
    pub ramp_done_s: Option<f64>,
    pub reached_desired_s: Option<f64>,
    pub tasks_launched: u64,
    pub tasks_started: u64,
    pub tasks_stopped: u64,
    pub tasks_failed: u64,
    pub provisioning_wait_mean_s: f64,
    /// Median, from the same histogram and population as the p95.
    pub provisioning_wait_p50_s: f64,
    /// Launches a launch-rate quota held back, by quota (`[quotas]`);
    /// absent when none was.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub launches_throttled_by_quota: BTreeMap<&'static str, u64>,
    /// Scale-outs (a raised desired count) and the time from each decision
    /// to all of its tasks RUNNING; absent when the service never scaled out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scale_out_time_s: Option<ScaleOutTimes>,
    /// 95th percentile (nearest rank; exact below 0.256 s, within 0.8 %
    /// above). Mean, p50, p95 and max all count tasks still waiting at the
    /// end with their wait so far.
    pub provisioning_wait_p95_s: f64,
    pub provisioning_wait_max_s: f64,
    /// Present for services with a demand model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load: Option<LoadSummary>,
    /// After the start-up ramp: time below the healthy floor (what
    /// availability_pct counts), below the desired count, and requests served.
    pub availability: Availability,
}

#[derive(Debug, Serialize)]
pub struct Availability {
    /// Minutes (of per-minute samples after the start-up ramp) below the
    /// desired count, whatever the cause (a scale-out on its way counts).
    pub minutes_below_desired: u64,
    /// Minutes below the healthy floor: minimumHealthyPercent (rounded up)
    /// of the desired count, where a raised desired count applies only once
    /// RUNNING reached it.
    pub minutes_below_healthy_floor: u64,
    /// Share of the minutes after the ramp at or above the healthy floor,
    /// percent: what more headroom can only raise.
    pub availability_pct: f64,
    /// Share of those minutes at or above the desired count, percent (the
    /// earlier meaning of availability_pct).
    pub desired_availability_pct: f64,
    /// Services with demand: served / demand requests, percent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_availability_pct: Option<f64>,
    /// Lowest RUNNING / desired after the start-up ramp.
    pub min_healthy_fraction: f64,
}

#[derive(Debug, Serialize)]
pub struct LoadSummary {
    pub demand_requests: f64,
    pub served_requests: f64,
    pub unserved_requests: f64,
    pub unserved_pct: f64,
    pub minutes_overloaded: u64,
    pub mean_cpu_pct: f64,
    pub scaling_actions: u64,
    pub min_capacity: Option<u32>,
    pub max_capacity: Option<u32>,
}

#[derive(Debug, Serialize)]
pub struct JobSummary {
    pub tasks_launched: u64,
    pub tasks_started: u64,
    pub tasks_stopped: u64,
    pub tasks_failed: u64,
    /// Launches refused, by reason; absent when none was.
    #[serde(skip_serializing_if = "is_zero")]
    pub tasks_refused: u64,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub refused_by_reason: BTreeMap<&'static str, u64>,
    pub mean_running: f64,
    pub provisioning_wait_mean_s: f64,
    /// Median, from the same histogram and population as the p95.
    pub provisioning_wait_p50_s: f64,
    /// Launches a launch-rate quota held back, by quota (`[quotas]`);
    /// absent when none was.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub launches_throttled_by_quota: BTreeMap<&'static str, u64>,
    /// 95th percentile (nearest rank; exact below 0.256 s, within 0.8 %
    /// above). Mean, p50, p95 and max all count tasks still waiting at the
    /// end with their wait so far.
    pub provisioning_wait_p95_s: f64,
    pub provisioning_wait_max_s: f64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// How long scale-outs took, in seconds.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ScaleOutTimes {
    pub count: usize,
    pub p50: f64,
    pub max: f64,
}

fn scale_out_times(times: &[SimTime]) -> Option<ScaleOutTimes> {
    if times.is_empty() {
        return None;
    }
    let mut v = times.to_vec();
    v.sort_unstable();
    Some(ScaleOutTimes {
        count: v.len(),
        p50: secs_f64(v[(v.len() - 1) / 2]),
        max: secs_f64(v[v.len() - 1]),
    })
}

/// Launches each quota held back, the quotas that held none left out.
fn throttled(s: &OwnerStats) -> BTreeMap<&'static str, u64> {
    crate::sim::Quota::ALL
        .iter()
        .map(|&q| (q.name(), s.throttled[q as usize]))
        .filter(|e| e.1 > 0)
        .collect()
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// Wait for capacity over one population: every task placed, and every
/// task still waiting at `end` with its wait so far (a task that never got
/// capacity must not make any figure look better, and a percentile can then
/// never exceed the max), in seconds.
struct Waits {
    mean: f64,
    p50: f64,
    p95: f64,
    max: f64,
}

fn waits(s: &OwnerStats, still: &[u64]) -> Waits {
    let mut all = s.provisioning_waits.clone();
    let (mut total, mut max) = (
        u128::from(s.provisioning_wait_total),
        s.provisioning_wait_max,
    );
    for &w in still {
        all.record(w);
        total += u128::from(w);
        max = max.max(w);
    }
    let n = (s.waits_counted + still.len() as u64).max(1);
    // The percentile's buckets are within 0.8 %: never above the max.
    let q = |q: f64| secs_f64(all.quantile(q).unwrap_or(0).min(max));
    Waits {
        mean: round6(total as f64 / n as f64 / 1000.0),
        p50: q(0.50),
        p95: q(0.95),
        max: secs_f64(max),
    }
}

pub fn build(sc: &Scenario, seed: u64, r: &RunResult) -> Summary {
    let (end, o, c, wall_s) = (r.outcome.end, &r.outcome, &r.cluster, r.wall_s);
    // Waits so far of tasks still in PROVISIONING, per service and job (one
    // pass over the tasks, not one per owner).
    let mut still_svc = vec![Vec::new(); c.services.len()];
    let mut still_job = vec![Vec::new(); c.jobs.len()];
    if let Some(e) = o.warm_up_end {
        for &(j, created) in &o.queued_at_end {
            still_job[j as usize].push(end.saturating_sub(created.max(e)));
        }
    }
    for (_, t) in c.tasks.iter() {
        // Waits are measured from the end of the warm-up (see
        // `Sim::leave_provisioning`).
        if let (TaskState::Provisioning, Some(e)) = (t.state, o.warm_up_end) {
            let w = end.saturating_sub(t.created.max(e));
            match t.owner {
                Owner::Service(i) => still_svc[i as usize].push(w),
                Owner::Job(i) => still_job[i as usize].push(w),
            }
        }
    }
    let mean = |area: u128| mean_over(area, end);
    let services = c
        .services
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.clone(), service_summary(s, &still_svc[i], end)))
        .collect();
    let jobs = c
        .jobs
        .iter()
        .enumerate()
        .map(|(i, j)| {
            let w = waits(&j.stats, &still_job[i]);
            let summary = JobSummary {
                tasks_launched: j.stats.launched,
                tasks_started: j.stats.started,
                tasks_stopped: j.stats.stopped,
                tasks_failed: j.stats.failed,
                tasks_refused: j.refused.values().sum(),
                refused_by_reason: j.refused.iter().map(|(r, n)| (r.as_str(), *n)).collect(),
                mean_running: mean(j.stats.running.area(end)),
                provisioning_wait_mean_s: w.mean,
                provisioning_wait_p50_s: w.p50,
                launches_throttled_by_quota: throttled(&j.stats),
                provisioning_wait_p95_s: w.p95,
                provisioning_wait_max_s: w.max,
            };
            (j.name.clone(), summary)
        })
        .collect();
    // Reserved over registered capacity, both integrated over time: an
    // instance counts from when it registered to when it left, so a cluster
    // that changes size is weighed by the capacity it had at each moment
    // (the capacity-weighted mean of instances.csv's per-instance means).
    let ratio = |area: u128, whole: u128| {
        if whole == 0 {
            0.0
        } else {
            round6(area as f64 * 100.0 / whole as f64)
        }
    };
    let (mut cpu_area, mut mem_area, mut cpu_whole, mut mem_whole) = (0u128, 0u128, 0u128, 0u128);
    for i in &c.instances {
        let life = u128::from(i.registered_for(end));
        cpu_area += i.cpu_level.area(end);
        mem_area += i.memory_level.area(end);
        cpu_whole += life * u128::from(i.cpu);
        mem_whole += life * u128::from(i.memory);
    }
    Summary {
        scenario: sc.name.clone(),
        scenario_file: sc.file.display().to_string(),
        ecsim_version: env!("CARGO_PKG_VERSION"),
        seed,
        sim_duration_s: secs_f64(end),
        partial: o.partial.is_some(),
        partial_reason: o.partial.clone(),
        requested_duration_s: o.partial.is_some().then(|| secs_f64(sc.duration)),
        warm_up: match sc.warm_up {
            crate::scenario::WarmUp::Auto => "auto".into(),
            crate::scenario::WarmUp::For(d) => crate::engine::time::format_duration(d),
        },
        warm_up_end_s: o.warm_up_end.map(secs_f64),
        events_processed: o.events_processed,
        wall_time_s: round6(wall_s),
        events_per_s: if wall_s > 0.0 {
            (o.events_processed as f64 / wall_s).round()
        } else {
            0.0
        },
        tasks_launched: o.tasks_launched,
        tasks_started: o.tasks_started,
        tasks_stopped: o.tasks_stopped,
        tasks_failed: o.tasks_failed,
        tasks_stopped_by_spot_interruption: o.tasks_stopped_by_spot_interruption,
        tasks_provisioning_at_end: o.tasks_provisioning_at_end,
        tasks_provisioning_eni_gpu_by_reason: o.provisioning_eni_gpu_by_reason.clone(),
        tasks_refused: o.tasks_refused,
        tasks_refused_by_reason: c.jobs.iter().flat_map(|j| &j.refused).fold(
            BTreeMap::new(),
            |mut m, (r, n)| {
                *m.entry(r.as_str()).or_insert(0) += n;
                m
            },
        ),
        instances: c.instances.len(),
        initial_tasks_requested: o.initial_tasks_requested,
        initial_tasks_placed: (o.initial_tasks_requested > 0).then_some(o.initial_tasks_placed),
        incidents: (!sc.faults.is_empty()).then_some(o.incidents.len()),
        deployments: (!sc.deployments.is_empty())
            .then(|| o.deployments.iter().map(|d| (d.id, d.status)).collect()),
        max_time_to_recover_s: (!sc.faults.is_empty()).then(|| {
            o.incidents
                .iter()
                .filter_map(|i| i.recovered.map(|r| secs_f64(r - i.start)))
                .fold(0.0, f64::max)
        }),
        cpu_reserved_mean_pct: ratio(cpu_area, cpu_whole),
        memory_reserved_mean_pct: ratio(mem_area, mem_whole),
        services,
        jobs,
        cost: r.cost.clone(),
    }
}

/// A level's mean over the run from its area (level × ms).
fn mean_over(area: u128, end: SimTime) -> f64 {
    if end == 0 {
        0.0
    } else {
        round6(area as f64 / end as f64)
    }
}

/// One service's figures: counts, waits, availability and load.
fn service_summary(s: &crate::model::Service, still: &[SimTime], end: SimTime) -> ServiceSummary {
    let w = waits(&s.stats, still);
    ServiceSummary {
        scheduling_strategy: match s.scheduling {
            SchedulingStrategy::Replica => "REPLICA",
            SchedulingStrategy::Daemon => "DAEMON",
        },
        desired_count: s.desired,
        mean_running: mean_over(s.stats.running.area(end), end),
        min_running: s.stats.running.min_seen().unwrap_or(0),
        ramp_done_s: s.ramp_done.map(secs_f64),
        reached_desired_s: s.reached_desired.map(secs_f64),
        tasks_launched: s.stats.launched,
        tasks_started: s.stats.started,
        tasks_stopped: s.stats.stopped,
        tasks_failed: s.stats.failed,
        provisioning_wait_mean_s: w.mean,
        provisioning_wait_p50_s: w.p50,
        launches_throttled_by_quota: throttled(&s.stats),
        scale_out_time_s: scale_out_times(&s.load.scale_out_times),
        provisioning_wait_p95_s: w.p95,
        provisioning_wait_max_s: w.max,
        availability: {
            let minutes = s.health.minutes_after_ramp.max(1) as f64;
            let pct = |below: u64| round6(100.0 * (1.0 - below as f64 / minutes).max(0.0));
            let l = &s.load;
            Availability {
                minutes_below_desired: s.health.minutes_below_desired,
                minutes_below_healthy_floor: s.health.minutes_below_floor,
                availability_pct: pct(s.health.minutes_below_floor),
                desired_availability_pct: pct(s.health.minutes_below_desired),
                request_availability_pct: s.workload.as_ref().map(|_| {
                    if l.demand_requests > 0.0 {
                        round6(100.0 * (l.served_requests / l.demand_requests).min(1.0))
                    } else {
                        100.0
                    }
                }),
                min_healthy_fraction: round6(s.health.min_healthy_fraction.unwrap_or(0.0)),
            }
        },
        load: s.workload.as_ref().map(|_| {
            let l = &s.load;
            let unserved = (l.demand_requests - l.served_requests).max(0.0);
            LoadSummary {
                demand_requests: l.demand_requests.round(),
                served_requests: l.served_requests.round(),
                unserved_requests: unserved.round(),
                unserved_pct: if l.demand_requests > 0.0 {
                    round6(unserved * 100.0 / l.demand_requests)
                } else {
                    0.0
                },
                minutes_overloaded: l.minutes_overloaded,
                mean_cpu_pct: if l.minutes > 0 {
                    round6(l.cpu_pct_sum / l.minutes as f64)
                } else {
                    0.0
                },
                scaling_actions: l.scaling_actions,
                min_capacity: s.autoscaling.as_ref().map(|_| s.scaling.min),
                max_capacity: s.autoscaling.as_ref().map(|_| s.scaling.max),
            }
        }),
    }
}
