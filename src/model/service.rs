//! Services, jobs and task groups: who asks for tasks and how many.

use crate::engine::{Dist, Level, SimTime};
use crate::placement::{Constraint, Strategy};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchedulingStrategy {
    Replica,
    Daemon,
}

/// A set of tasks that spread and distinctInstance count together
/// ("service:NAME" for services, "family:NAME" by default for RunTask).
#[derive(Debug, Clone, Default)]
pub struct Group {
    pub name: String,
    /// Tasks of the group that are placed and meant to keep running, per instance.
    pub per_instance: BTreeMap<u32, u32>,
}

impl Group {
    pub fn on_instance(&self, instance: u32) -> u32 {
        self.per_instance.get(&instance).copied().unwrap_or(0)
    }

    pub fn add(&mut self, instance: u32) {
        *self.per_instance.entry(instance).or_insert(0) += 1;
    }

    pub fn remove(&mut self, instance: u32) {
        if let Some(n) = self.per_instance.get_mut(&instance) {
            *n -= 1;
            if *n == 0 {
                self.per_instance.remove(&instance);
            }
        }
    }
}

/// Counters every task owner keeps for the summary and time series.
#[derive(Debug, Clone, Default)]
pub struct OwnerStats {
    pub running: Level,
    /// Launched, not yet RUNNING (PROVISIONING, PENDING, ACTIVATING).
    pub starting: u32,
    /// Of those, still waiting for capacity (PROVISIONING).
    pub provisioning: u32,
    pub launched: u64,
    pub placed: u64,
    pub started: u64,
    pub stopped: u64,
    pub failed: u64,
    pub provisioning_wait_total: u64,
    pub provisioning_wait_max: u64,
}

#[derive(Debug, Clone)]
pub struct Service {
    pub name: String,
    pub scheduling: SchedulingStrategy,
    pub taskdef: u32,
    pub desired: u32,
    pub strategies: Vec<Strategy>,
    pub constraints: Vec<Constraint>,
    pub group: u32,
    /// Tasks launched and meant to keep running (any state before STOPPED).
    pub active: Vec<u32>,
    pub stats: OwnerStats,
    /// Time the service first had `desired` tasks RUNNING.
    pub reached_desired: Option<SimTime>,
    /// End of the start-up ramp: the first time every launched task was
    /// either RUNNING or waiting for capacity. `min_running` counts from here.
    pub ramp_done: Option<SimTime>,
}

/// When standalone tasks are launched.
#[derive(Debug, Clone)]
pub enum Arrivals {
    /// Gaps drawn from `gap` (exponential for a Poisson process).
    Random { gap: Dist, batch: u32 },
    /// `count` tasks at `first`, then every `every`.
    Schedule {
        first: SimTime,
        every: SimTime,
        count: u32,
    },
}

#[derive(Debug, Clone)]
pub struct Job {
    pub name: String,
    pub taskdef: u32,
    pub group: u32,
    pub arrivals: Arrivals,
    pub duration: Dist,
    pub strategies: Vec<Strategy>,
    pub constraints: Vec<Constraint>,
    pub stats: OwnerStats,
}
