//! Service auto scaling as Application Auto Scaling does it: CloudWatch-like
//! 1-minute datapoints published after a delay, alarms over consecutive
//! datapoints, target tracking, step scaling and scheduled actions.

pub mod alarm;
pub mod demand;
pub mod policy;
pub mod queue;
mod series;
mod tracking;

pub use demand::Demand;
pub use policy::{AutoScaling, ScalingState, ScheduledAction, StepPolicy, TargetTracking};

use crate::engine::SimTime;
use crate::engine::time::{MINUTE, SECOND};

/// The period of a high-resolution datapoint ("Faster auto scaling with
/// high-resolution metrics", Amazon ECS Developer Guide: 20-second resolution).
pub const HIGH_RESOLUTION_PERIOD: SimTime = 20 * SECOND;

/// The predefined metrics a policy can follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// ECSServiceAverageCPUUtilization, percent.
    Cpu,
    /// ECSServiceAverageMemoryUtilization, percent.
    Memory,
    /// ALBRequestCountPerTarget, requests per target per minute.
    AlbRequestsPerTarget,
    /// ECSServiceAverageCPUUtilizationHighResolution: the CPU metric at
    /// 20-second resolution (target tracking only).
    CpuHighResolution,
    /// ECSServiceAverageMemoryUtilizationHighResolution, likewise for memory.
    MemoryHighResolution,
    /// The load balancer's RequestCount (Sum per minute): every request
    /// that reaches the service, served or not. A customized metric.
    AlbRequestCount,
    /// Its queue's ApproximateNumberOfMessagesVisible (AWS/SQS): the backlog.
    QueueVisible,
    /// The backlog per RUNNING task (the metric math
    /// ApproximateNumberOfMessagesVisible / RunningTaskCount).
    QueueBacklogPerTask,
}

impl Metric {
    pub fn name(self) -> &'static str {
        match self {
            Metric::Cpu => "ECSServiceAverageCPUUtilization",
            Metric::Memory => "ECSServiceAverageMemoryUtilization",
            Metric::AlbRequestsPerTarget => "ALBRequestCountPerTarget",
            Metric::CpuHighResolution => "ECSServiceAverageCPUUtilizationHighResolution",
            Metric::MemoryHighResolution => "ECSServiceAverageMemoryUtilizationHighResolution",
            Metric::AlbRequestCount => "RequestCount",
            Metric::QueueVisible => "ApproximateNumberOfMessagesVisible",
            Metric::QueueBacklogPerTask => "BacklogPerTask",
        }
    }

    /// How long one datapoint of the metric covers.
    pub fn period(self) -> SimTime {
        if self.high_resolution() {
            HIGH_RESOLUTION_PERIOD
        } else {
            MINUTE
        }
    }

    /// Whether the metric is a utilization in percent (a target tracking
    /// target then lies in (0, 100]); the others are counts.
    pub fn percent(self) -> bool {
        !matches!(
            self,
            Metric::AlbRequestsPerTarget
                | Metric::AlbRequestCount
                | Metric::QueueVisible
                | Metric::QueueBacklogPerTask
        )
    }

    pub fn high_resolution(self) -> bool {
        matches!(
            self,
            Metric::CpuHighResolution | Metric::MemoryHighResolution
        )
    }

    pub fn parse(s: &str) -> Option<Metric> {
        match s {
            "ECSServiceAverageCPUUtilization" | "cpu" => Some(Metric::Cpu),
            "ECSServiceAverageMemoryUtilization" | "memory" => Some(Metric::Memory),
            "ALBRequestCountPerTarget" | "alb_requests" => Some(Metric::AlbRequestsPerTarget),
            "ECSServiceAverageCPUUtilizationHighResolution" => Some(Metric::CpuHighResolution),
            "ECSServiceAverageMemoryUtilizationHighResolution" => {
                Some(Metric::MemoryHighResolution)
            }
            "RequestCount" => Some(Metric::AlbRequestCount),
            "ApproximateNumberOfMessagesVisible" => Some(Metric::QueueVisible),
            "BacklogPerTask" => Some(Metric::QueueBacklogPerTask),
            _ => None,
        }
    }
}

/// What load a service gets and what one task can take.
#[derive(Debug, Clone, PartialEq)]
pub struct Workload {
    pub demand: Demand,
    /// Requests per second one task serves at 100% CPU.
    pub capacity_per_task: f64,
    /// Memory utilization of an idle task and of a task at full load, percent.
    pub memory_idle_pct: f64,
    pub memory_full_pct: f64,
    /// Work that waits in a queue instead of being lost: `demand` is the
    /// messages arriving a second, `capacity_per_task` those a task
    /// processes a second.
    pub queue: Option<queue::Queue>,
}

/// One minute of a service's load, as measured.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Reading {
    pub demand_rps: f64,
    pub served_rps: f64,
    pub cpu_pct: f64,
    pub memory_pct: f64,
    pub requests_per_target: f64,
    /// Response time relative to an idle service, 1/(1 − utilization), capped at 100.
    pub latency_factor: f64,
    /// RUNNING tasks the reading was taken with.
    pub tasks: u64,
    /// Messages visible in the service's queue at the minute's end.
    pub backlog: f64,
}

impl Workload {
    /// The minute's figures with `running` tasks serving `demand_rps`.
    pub fn read(&self, demand_rps: f64, running: u64) -> Reading {
        let capacity = running as f64 * self.capacity_per_task;
        let served = demand_rps.min(capacity);
        let load = if capacity > 0.0 {
            demand_rps / capacity
        } else if demand_rps > 0.0 {
            f64::INFINITY
        } else {
            0.0
        };
        let busy = load.min(1.0);
        Reading {
            demand_rps,
            served_rps: served,
            cpu_pct: busy * 100.0,
            memory_pct: self.memory_idle_pct + (self.memory_full_pct - self.memory_idle_pct) * busy,
            requests_per_target: if running > 0 {
                served * 60.0 / running as f64
            } else {
                0.0
            },
            latency_factor: if load >= 0.99 {
                100.0
            } else {
                1.0 / (1.0 - load)
            },
            tasks: running,
            backlog: 0.0,
        }
    }

    pub fn value(r: &Reading, m: Metric) -> f64 {
        match m {
            Metric::Cpu | Metric::CpuHighResolution => r.cpu_pct,
            Metric::Memory | Metric::MemoryHighResolution => r.memory_pct,
            Metric::AlbRequestsPerTarget => r.requests_per_target,
            Metric::AlbRequestCount => r.demand_rps * 60.0,
            Metric::QueueVisible => r.backlog,
            // With no task RUNNING, the whole backlog (as one task's), so a
            // service scaled to zero can scale out again.
            Metric::QueueBacklogPerTask => r.backlog / r.tasks.max(1) as f64,
        }
    }
}

/// A scaling decision, for `scaling.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub time: SimTime,
    /// "service" or "capacity_provider".
    pub target_kind: &'static str,
    /// Its name.
    pub target: String,
    pub policy: &'static str,
    pub from: u32,
    pub to: u32,
    pub metric: Option<Metric>,
    pub value: f64,
    pub threshold: f64,
    pub reason: String,
}
