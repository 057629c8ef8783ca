//! EC2 container instances registered to the cluster.

use super::taskdef::Arch;
use crate::engine::{Level, SimTime};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstanceStatus {
    /// Launched, not yet registered with the cluster (billed already).
    Launching,
    Active,
    /// Takes no new tasks.
    Draining,
    /// Deregistered or terminated.
    Inactive,
}

#[derive(Debug, Clone)]
pub struct Instance {
    pub id: String,
    pub group: u32,
    /// Which of the group's launch template overrides it was launched as.
    pub kind: u16,
    pub instance_type: String,
    pub arch: Arch,
    pub az: u32,
    /// Built-in `ecs.*` attributes plus custom ones, as the query language sees them.
    pub attributes: std::sync::Arc<BTreeMap<String, String>>,
    /// Registered CPU units and MiB available to tasks.
    pub cpu: u32,
    pub memory: u32,
    pub used_cpu: u32,
    pub used_memory: u32,
    pub used_ports: Vec<u16>,
    /// `awsvpc` tasks it can hold, and holds.
    pub eni_slots: u32,
    pub used_enis: u32,
    /// GPUs registered, and reserved by tasks.
    pub gpus: u32,
    pub used_gpus: u32,
    /// Tasks holding resources here (placed and not yet STOPPED).
    pub tasks: Vec<u32>,
    pub status: InstanceStatus,
    pub launched: SimTime,
    /// Left `pending` for `running`: EC2 bills from here ("Instance state
    /// changes": pending is not billed).
    pub running: SimTime,
    /// When it registered with the cluster (ACTIVE); `None` while launching.
    pub registered: Option<SimTime>,
    pub terminated: Option<SimTime>,
    pub tasks_placed: u64,
    /// Bought on the Spot market.
    pub spot: bool,
    /// Scale-in drain: terminate as soon as the last task is gone.
    pub terminate_when_empty: bool,
    /// Draining because Spot reclaims it.
    pub spot_reclaim: bool,
    /// Ended by an EC2 Spot interruption (not by the user's scale-in).
    pub reclaimed: bool,
    /// Its container agent is connected: ECS places no task on an ACTIVE
    /// instance whose agent is not (describe-container-instances
    /// `agentConnected: false`); the tasks on it keep running.
    pub agent_connected: bool,
    pub cpu_level: Level,
    pub memory_level: Level,
    pub gpu_level: Level,
}

impl Instance {
    /// How long it was registered before `end` (ms): the time its CPU and
    /// memory counted as cluster capacity.
    pub fn registered_for(&self, end: SimTime) -> u64 {
        self.registered.map_or(0, |r| {
            self.terminated.unwrap_or(end).min(end).saturating_sub(r)
        })
    }

    pub fn free_cpu(&self) -> u32 {
        self.cpu - self.used_cpu
    }

    pub fn free_memory(&self) -> u32 {
        self.memory - self.used_memory
    }

    /// Whether ECS may place a task here: ACTIVE, with its agent connected.
    pub fn takes_tasks(&self) -> bool {
        self.status == InstanceStatus::Active && self.agent_connected
    }

    /// Whether a task needing these resources fits now.
    pub fn fits(&self, cpu: u32, memory: u32, ports: &[u16]) -> bool {
        self.takes_tasks()
            && self.free_cpu() >= cpu
            && self.free_memory() >= memory
            && ports.iter().all(|p| !self.used_ports.contains(p))
    }

    /// Whether an ENI and GPUs are free for a task needing them; kept apart
    /// from `fits` as the placement index files instances by CPU and memory only.
    pub fn has_slots(&self, enis: u32, gpus: u32) -> bool {
        self.eni_slots - self.used_enis >= enis && self.gpus - self.used_gpus >= gpus
    }

    pub fn take_slots(&mut self, now: SimTime, enis: u32, gpus: u32) {
        self.used_enis += enis;
        if gpus > 0 {
            self.used_gpus += gpus;
            self.gpu_level.set(now, u64::from(self.used_gpus));
        }
    }

    pub fn give_slots(&mut self, now: SimTime, enis: u32, gpus: u32) {
        self.used_enis -= enis;
        if gpus > 0 {
            self.used_gpus -= gpus;
            self.gpu_level.set(now, u64::from(self.used_gpus));
        }
    }

    pub fn reserve(&mut self, now: SimTime, task: u32, cpu: u32, memory: u32, ports: &[u16]) {
        self.used_cpu += cpu;
        self.used_memory += memory;
        self.used_ports.extend_from_slice(ports);
        self.tasks.push(task);
        self.tasks_placed += 1;
        self.cpu_level.set(now, u64::from(self.used_cpu));
        self.memory_level.set(now, u64::from(self.used_memory));
    }

    pub fn release(&mut self, now: SimTime, task: u32, cpu: u32, memory: u32, ports: &[u16]) {
        self.used_cpu -= cpu;
        self.used_memory -= memory;
        for p in ports {
            if let Some(i) = self.used_ports.iter().position(|q| q == p) {
                self.used_ports.swap_remove(i);
            }
        }
        if let Some(i) = self.tasks.iter().position(|&t| t == task) {
            self.tasks.swap_remove(i);
        }
        self.cpu_level.set(now, u64::from(self.used_cpu));
        self.memory_level.set(now, u64::from(self.used_memory));
    }
}
