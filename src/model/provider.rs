//! EC2 Auto Scaling groups behind capacity providers, and the template new
//! instances of a group are made from.

use super::instance::{Instance, InstanceStatus};
use super::taskdef::Arch;
use crate::engine::{Dist, Level, SimTime};
use std::collections::BTreeMap;
use std::sync::Arc;

/// What every instance of an instance group looks like.
#[derive(Debug, Clone)]
pub struct InstanceTemplate {
    pub group: u32,
    pub instance_type: String,
    pub arch: Arch,
    pub zones: Vec<u32>,
    /// Per cluster zone, the attributes its instances carry (the group's
    /// custom ones and ECS's own): shared by all of them, as a large group
    /// has thousands of instances and a map each was a third of its memory.
    pub attributes: Vec<Arc<BTreeMap<String, String>>>,
    pub cpu: u32,
    pub memory: u32,
    /// `awsvpc` tasks an instance holds (one ENI each, or branch ENIs).
    pub eni_slots: u32,
    pub gpus: u32,
    pub spot: bool,
    /// From launch to registration with the cluster.
    pub launch_delay: Dist,
    /// The part of `launch_delay` the instance is `pending`, which EC2 does
    /// not bill; it runs (and is billed) from then on.
    pub pending: Dist,
    /// The Auto Scaling group's AZRebalance process: instances are launched
    /// in the zone with fewest and then taken from the one with most.
    pub az_rebalance: bool,
}

/// The attributes of an instance of this type and architecture in each of
/// `zones`: the custom ones plus the `ecs.*` ones ECS sets.
pub fn zone_attributes(
    custom: &BTreeMap<String, String>,
    instance_type: &str,
    arch: Arch,
    zones: &[String],
) -> Vec<Arc<BTreeMap<String, String>>> {
    zones
        .iter()
        .map(|az| {
            let mut a = custom.clone();
            a.insert("ecs.availability-zone".into(), az.clone());
            a.insert("ecs.instance-type".into(), instance_type.into());
            a.insert("ecs.os-type".into(), "linux".into());
            a.insert("ecs.cpu-architecture".into(), arch.as_str().into());
            Arc::new(a)
        })
        .collect()
}

impl InstanceTemplate {
    /// A new instance numbered `idx` in zone `az`, launched at `now`.
    pub fn instance(&self, idx: usize, az: u32, now: SimTime, status: InstanceStatus) -> Instance {
        let attributes = Arc::clone(&self.attributes[az as usize]);
        Instance {
            id: format!("i-{:017x}", idx + 1),
            group: self.group,
            instance_type: self.instance_type.clone(),
            arch: self.arch,
            az,
            attributes,
            cpu: self.cpu,
            memory: self.memory,
            used_cpu: 0,
            used_memory: 0,
            used_ports: Vec::new(),
            eni_slots: self.eni_slots,
            used_enis: 0,
            gpus: self.gpus,
            used_gpus: 0,
            tasks: Vec::new(),
            status,
            launched: now,
            running: now,
            registered: (status == InstanceStatus::Active).then_some(now),
            terminated: None,
            tasks_placed: 0,
            spot: self.spot,
            terminate_when_empty: false,
            spot_reclaim: false,
            reclaimed: false,
            agent_connected: true,
            cpu_level: Level::default(),
            memory_level: Level::default(),
            gpu_level: Level::default(),
        }
    }
}

/// An Auto Scaling group capacity provider with ECS managed scaling.
#[derive(Debug, Clone)]
pub struct AsgProvider {
    pub name: String,
    /// The instance group that is the Auto Scaling group.
    pub group: u32,
    pub min_size: u32,
    pub max_size: u32,
    /// `targetCapacity`, percent (1-100).
    pub target_capacity: u32,
    pub min_step: u32,
    pub max_step: u32,
    pub warmup: SimTime,
    pub termination_protection: bool,
    /// An ECS Managed Instances provider (`kind = "managed_instances"`):
    /// ECS, not managed scaling, sizes its group (`sim::managed_instances`).
    pub managed_instances: bool,
    /// Consecutive datapoints the scale-in alarm saw below target.
    pub low_minutes: u32,
    /// The last CapacityProviderReservation value, percent.
    pub reservation: f64,
    /// The datapoint published at the last minute boundary, which the
    /// alarms evaluate at the next one.
    pub published: Option<Datapoint>,
}

/// One minute's CapacityProviderReservation: M, N and M / N × 100.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Datapoint {
    pub m: u32,
    pub n: u32,
    pub value: f64,
}
