//! The simulation's smaller parts of state, each owned by `Sim` as one
//! field: what a feature keeps lives together, and `Sim` stays a list of
//! parts rather than of every counter.

use crate::engine::{Dist, SimRng, SimTime};
use crate::faults::{Fault, Incident};
use crate::model::deployment::{DeploymentPlan, DeploymentRecord};
use crate::scenario::InitialTasks;

/// What the scenario sets once.
pub(super) struct Config {
    pub duration: SimTime,
    /// Scheduled desired-count changes: (at, service, count).
    pub desired_changes: Vec<(SimTime, u32, u32)>,
    pub fargate_provisioning: Dist,
    pub initial_tasks: Vec<InitialTasks>,
    /// Whether the recorder reads every state change (`Recorder::
    /// wants_transitions`): six calls per task otherwise made for nothing.
    pub transitions: bool,
    /// Per task definition, whether a job's task of it passes PENDING and
    /// ACTIVATING at once, and whether any task of it passes the stopping
    /// steps at once (see `Sim::starts_at_once`, `stops_at_once`): read
    /// at every placement and stop, and fixed for the run.
    pub starts_at_once: Vec<bool>,
    pub stops_at_once: Vec<bool>,
}

/// The run's random streams, one per purpose, so a change in one part of
/// the model leaves the others' draws alone.
pub(super) struct Rngs {
    pub placement: SimRng,
    pub scheduler: SimRng,
    /// Per service: lifecycle draws.
    pub service: Vec<SimRng>,
    /// Per job: (lifecycle, durations, arrivals).
    pub job: Vec<(SimRng, SimRng, SimRng)>,
    /// Per service: its demand.
    pub demand: Vec<SimRng>,
    pub fault: SimRng,
}

/// `retry_waiting`'s state: it runs after every task that frees capacity,
/// and allocating lists each time was a tenth of a small cluster's run, so
/// its buffers are kept.
#[derive(Default)]
pub(super) struct Retry {
    pub daemon_buffer: std::collections::VecDeque<u32>,
    pub failed: Vec<u32>,
    /// A retry is under way; another was asked for while it ran.
    pub running: bool,
    pub again: bool,
}

/// Faults and what they did.
pub(super) struct FaultState {
    pub list: Vec<Fault>,
    pub incidents: Vec<Incident>,
    /// Incidents before it have recovered. Every open incident recovers in
    /// the same minute, and new ones are pushed last, so the open ones are
    /// a suffix: per-minute work over them does not grow with a month of
    /// crashes (hundreds of thousands of incidents).
    pub first_open: usize,
    /// Zone outages whose zones are not yet even again.
    pub unbalanced: Vec<usize>,
    pub az_down: Vec<bool>,
}

/// Deployments planned and those under way or done.
pub(super) struct Deploys {
    pub records: Vec<DeploymentRecord>,
    pub plans: Vec<DeploymentPlan>,
}

/// The instance groups as their Auto Scaling groups keep them.
pub(super) struct GroupState {
    /// Per group: the size its Auto Scaling group keeps.
    pub desired: Vec<u32>,
    /// Per group: an AZRebalance launch is under way (a drain follows).
    pub rebalancing: Vec<bool>,
    /// What zone rebalancing last found settled.
    pub rebalance_seen: RebalanceSeen,
}

/// What the zones' instances depend on: their number, the capacity
/// registered (an instance up or gone), draining ones, zones down.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct FleetPrint {
    pub instances: u64,
    pub registered_cpu: u64,
    pub draining: u32,
    /// A bit per zone that is down.
    pub zones_down: u64,
}

/// A service's tasks as zone rebalancing last found them settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ServicePrint {
    pub launched: u64,
    pub stopped: u64,
    pub fleet: FleetPrint,
}

/// What zone rebalancing last found settled: the fleet, and per service.
#[derive(Debug, Default)]
pub(super) struct RebalanceSeen {
    pub fleet: FleetPrint,
    pub services: Vec<Option<ServicePrint>>,
}

/// Invariant checks (debug builds and `with_invariant_checks`).
pub(super) struct Checks {
    pub on: bool,
    /// A rule a step of the scheduler broke, reported by the next `check`.
    pub broken: Option<String>,
}

/// The wall clock and the progress bar watching a run.
#[derive(Default)]
pub(super) struct Watch {
    /// Wall-clock limit: the run stops cleanly (partial results) once past it.
    pub deadline: Option<(std::time::Instant, std::time::Duration)>,
    pub progress: Option<std::sync::Arc<crate::engine::Progress>>,
}
