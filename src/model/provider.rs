//! EC2 Auto Scaling groups behind capacity providers, and the template new
//! instances of a group are made from.

use super::instance::{Instance, InstanceStatus};
use super::mixed::{self, Purchase};
use super::taskdef::Arch;
use crate::engine::{Dist, Level, SimTime};
use std::collections::BTreeMap;
use std::sync::Arc;

/// What every instance of an instance group looks like: the shared
/// settings and, per launch template override in priority order, what an
/// instance of that type is.
#[derive(Debug, Clone)]
pub struct InstanceTemplate {
    pub group: u32,
    pub zones: Vec<u32>,
    /// The types the group may launch, highest priority first (one for a
    /// single-type group).
    pub kinds: Vec<InstanceKind>,
    /// On-Demand/Spot split and allocation strategies.
    pub purchase: Purchase,
    /// From launch to registration with the cluster.
    pub launch_delay: Dist,
    /// The part of `launch_delay` the instance is `pending`, which EC2 does
    /// not bill; it runs (and is billed) from then on.
    pub pending: Dist,
    /// The Auto Scaling group's AZRebalance process: instances are launched
    /// in the zone with fewest and then taken from the one with most.
    pub az_rebalance: bool,
}

/// One launch template override: an instance type as the group launches it.
#[derive(Debug, Clone)]
pub struct InstanceKind {
    pub instance_type: String,
    pub arch: Arch,
    /// Per cluster zone, the attributes its instances carry (the group's
    /// custom ones and ECS's own): shared by all of them, as a large group
    /// has thousands of instances and a map each was a third of its memory.
    pub attributes: Vec<Arc<BTreeMap<String, String>>>,
    pub cpu: u32,
    pub memory: u32,
    /// `awsvpc` tasks an instance holds (one ENI each, or branch ENIs).
    pub eni_slots: u32,
    pub gpus: u32,
    /// Capacity units an instance counts for (`WeightedCapacity`).
    pub weight: u32,
    /// Pico-dollars per hour On-Demand, and the Spot price series (from,
    /// price): what the allocation strategies compare.
    pub on_demand_price: i128,
    pub spot_prices: Vec<(SimTime, i128)>,
    /// Per cluster zone, Spot interruptions per instance-hour the
    /// scenario's faults give this pool.
    pub interruption_rate: Vec<f64>,
}

/// Per parameter (CPU, memory, ENIs, GPUs): the least or the most any of
/// the group's types has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extent {
    pub cpu: u32,
    pub memory: u32,
    pub eni_slots: u32,
    pub gpus: u32,
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
    /// A new instance of override `kind` and market numbered `idx` in zone
    /// `az`, launched at `now`.
    pub fn instance(
        &self,
        idx: usize,
        az: u32,
        now: SimTime,
        status: InstanceStatus,
        kind: u32,
        spot: bool,
    ) -> Instance {
        let id = format!("i-{:017x}", idx + 1);
        self.instance_named(id, az, now, status, kind, spot)
    }

    /// One like every ACTIVE instance of override `kind` in zone `az`, but
    /// with no id: for questions its id does not answer (whether a task
    /// could ever fit there), which zone rebalancing asks of every service
    /// every few minutes. Formatting ids was most of that.
    pub fn stand_in(&self, az: u32, kind: u32) -> Instance {
        self.instance_named(String::new(), az, 0, InstanceStatus::Active, kind, false)
    }

    fn instance_named(
        &self,
        id: String,
        az: u32,
        now: SimTime,
        status: InstanceStatus,
        kind: u32,
        spot: bool,
    ) -> Instance {
        let k = &self.kinds[kind as usize];
        Instance {
            id,
            group: self.group,
            kind: kind as u16,
            instance_type: k.instance_type.clone(),
            arch: k.arch,
            az,
            attributes: Arc::clone(&k.attributes[az as usize]),
            cpu: k.cpu,
            memory: k.memory,
            used_cpu: 0,
            used_memory: 0,
            used_ports: Vec::new(),
            eni_slots: k.eni_slots,
            used_enis: 0,
            gpus: k.gpus,
            used_gpus: 0,
            tasks: Vec::new(),
            status,
            launched: now,
            running: now,
            registered: (status == InstanceStatus::Active).then_some(now),
            terminated: None,
            tasks_placed: 0,
            spot,
            terminate_when_empty: false,
            spot_reclaim: false,
            reclaimed: false,
            agent_connected: true,
            cpu_level: Level::default(),
            memory_level: Level::default(),
            gpu_level: Level::default(),
        }
    }

    /// Whether the group has more than one type or a Spot/On-Demand mix.
    pub fn is_mixed(&self) -> bool {
        self.kinds.len() > 1
            || !matches!(self.purchase.on_demand_percent, 0 | 100)
            || self.purchase.on_demand_base > 0
    }

    /// Whether any type counts for more than one unit.
    pub fn weighted(&self) -> bool {
        self.kinds.iter().any(|k| k.weight != 1)
    }

    /// The least (`max = false`) or most of each parameter over the types:
    /// ECS managed scaling sizes a multi-type group from these ("Amazon ECS
    /// managed scaling behavior").
    pub fn extent(&self, max: bool) -> Extent {
        let f = |v: &mut dyn Iterator<Item = u32>| if max { v.max() } else { v.min() }.unwrap_or(0);
        Extent {
            cpu: f(&mut self.kinds.iter().map(|k| k.cpu)),
            memory: f(&mut self.kinds.iter().map(|k| k.memory)),
            eni_slots: f(&mut self.kinds.iter().map(|k| k.eni_slots)),
            gpus: f(&mut self.kinds.iter().map(|k| k.gpus)),
        }
    }

    /// The market (Spot or not) and override of the next instance in zone
    /// `az`, for a group that wants `want` units and has `on_demand` units
    /// On-Demand up now; `in_zone(kind, spot)` counts the group's instances
    /// of that type and market in the zone.
    pub fn choose(
        &self,
        az: u32,
        now: SimTime,
        want: u32,
        on_demand: u32,
        in_zone: &dyn Fn(u32, bool) -> u32,
    ) -> (u32, bool) {
        let spot = on_demand >= self.purchase.on_demand_part(want);
        if self.kinds.len() == 1 {
            return (0, spot);
        }
        let pools: Vec<mixed::Pool> = self
            .kinds
            .iter()
            .enumerate()
            .map(|(i, k)| mixed::Pool {
                weight: k.weight,
                price: if spot {
                    mixed::price_at(&k.spot_prices, now)
                } else {
                    k.on_demand_price
                },
                interruption_rate: k.interruption_rate.get(az as usize).copied().unwrap_or(0.0),
                in_zone: in_zone(i as u32, spot),
            })
            .collect();
        (mixed::pick(&self.purchase, spot, &pools) as u32, spot)
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
