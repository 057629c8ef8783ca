//! ECS Managed Instances capacity providers as the simulation runs them:
//! the instance types a provider may launch (resolved from its
//! InstanceRequirements) and its lifecycle settings. The provider is also
//! an `AsgProvider` entry over an instance group of its own, so strategies,
//! placement and the wait queue treat it like any capacity provider; what
//! differs (which type to launch, retiring idle and old instances) is in
//! `sim::managed_instances`.

use super::instance::Instance;
use super::taskdef::Arch;
use crate::engine::SimTime;
use crate::engine::time::HOUR;
use std::collections::BTreeMap;
use std::sync::Arc;

/// "Patching in Amazon ECS Managed Instances" (developer guide): ECS
/// starts draining an instance at day 14 from its launch ...
pub const DRAIN_AFTER: SimTime = 14 * 24 * HOUR;
/// ... and terminates it no later than day 21 ("Shared responsibility model
/// for Amazon ECS Managed Instances": at most a 21-day instance lifetime).
pub const FORCE_AFTER: SimTime = 21 * 24 * HOUR;

/// One instance type a provider may launch, as the agent registers it.
#[derive(Debug, Clone, PartialEq)]
pub struct MiType {
    pub name: String,
    pub arch: Arch,
    pub vcpu: u32,
    /// CPU units and MiB registered.
    pub cpu: u32,
    pub memory: u32,
    /// awsvpc tasks (ENI trunking, as Managed Instances use it when the
    /// type supports it).
    pub eni_slots: u32,
    pub gpus: u32,
}

impl MiType {
    /// The attributes an instance of this type carries in zone `az`.
    pub fn attributes(&self, azs: &[String], az: u32) -> Arc<BTreeMap<String, String>> {
        let all = super::provider::zone_attributes(&BTreeMap::new(), &self.name, self.arch, azs);
        Arc::clone(&all[az as usize])
    }

    /// Makes `inst`, made from the provider group's template, one of this
    /// type.
    pub fn apply(&self, inst: &mut Instance, attributes: Arc<BTreeMap<String, String>>) {
        inst.instance_type = self.name.clone();
        inst.arch = self.arch;
        inst.cpu = self.cpu;
        inst.memory = self.memory;
        inst.eni_slots = self.eni_slots;
        inst.gpus = self.gpus;
        inst.attributes = attributes;
    }
}

/// A price no type reaches ($1M an hour): an unpriced type ranks last,
/// and a price times a task count stays far inside i128.
pub const UNPRICED: i128 = 1_000_000 * 1_000_000_000_000;

#[derive(Debug, Clone, PartialEq)]
pub struct MiFleet {
    /// Index into `Cluster::providers`, and the instance group it owns.
    pub provider: u32,
    pub group: u32,
    /// The types the requirements admit, cheapest first by the shipped
    /// prices; a run re-ranks them by its own (`Sim::with_prices`).
    pub types: Vec<MiType>,
    /// Per type: its shipped On-Demand price in the scenario's region,
    /// pico-dollars an hour (`UNPRICED` when none), until a run prices it.
    pub shipped_price: Vec<i128>,
    /// `capacity_option = "spot"`.
    pub spot: bool,
    /// infrastructureOptimization.scaleInAfter; `None` when turned off (-1).
    pub scale_in_after: Option<SimTime>,
    /// Zones (subnets) it launches into.
    pub zones: Vec<u32>,
}
