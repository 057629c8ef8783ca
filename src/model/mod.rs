//! Cluster state as plain data. Policies (placement, scheduling) read and
//! change it through the simulation; `check_invariants` is the one place that
//! says what must always hold.

pub mod deployment;
pub mod instance;
mod invariants;
pub mod managed_instances;
pub mod mixed;
pub mod placement_draw;
pub mod placement_index;
pub mod placement_maps;
pub mod placement_rules;
pub mod provider;
pub mod query;
pub mod service;
pub mod slab;
pub mod task;
pub mod taskdef;

pub use instance::{Instance, InstanceStatus};
pub use provider::{AsgProvider, InstanceKind, InstanceTemplate};
pub use service::{
    Arrivals, CapacityChoice, Group, Job, NoCapacity, OwnerStats, ProviderShare,
    SchedulingStrategy, Service,
};
pub use slab::Slab;
pub use task::{Capacity, Owner, Refusal, StopReason, Task, TaskState};
pub use taskdef::{Arch, Container, HealthCheck, TaskDef};

use placement_rules::{Constraint, Strategy};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default)]
pub struct Cluster {
    pub azs: Vec<String>,
    /// Names of the instance groups, indexed by `Instance::group`.
    pub instance_groups: Vec<String>,
    pub instances: Vec<Instance>,
    /// Per instance group, what its instances look like.
    pub templates: Vec<InstanceTemplate>,
    /// Auto Scaling group capacity providers.
    pub providers: Vec<AsgProvider>,
    pub tasks: Slab<Task>,
    pub taskdefs: Vec<TaskDef>,
    pub groups: Vec<Group>,
    pub services: Vec<Service>,
    pub jobs: Vec<Job>,
    pub registered_cpu: u64,
    pub registered_memory: u64,
    pub used_cpu: u64,
    pub used_memory: u64,
    /// GPUs on registered instances, and reserved by tasks.
    pub registered_gpus: u64,
    pub used_gpus: u64,
    /// Per instance group, its instances not INACTIVE: read every simulated
    /// minute, while the instance list keeps every instance ever launched.
    pub live_instances: Vec<u32>,
    /// Instances DRAINING now: the scheduler looks for tasks to move off
    /// them after every change of a service, which needs no look while none is.
    pub draining: u32,
    /// ACTIVE instances by zone and free resources, for placement; live
    /// once `index_instances` was called.
    pub index: placement_index::PlacementIndex,
    /// Instances counted by group, zone and status, kept as their status
    /// changes (through `add_instance`, `activate`, `start_draining` and
    /// `retire`).
    pub status_counts: StatusCounts,
}

/// What rebalancing and the Auto Scaling groups count every few minutes,
/// kept up to date instead of found by a walk over every instance ever
/// launched (a month of replacements doubles them): per instance group
/// and zone the instances ACTIVE or LAUNCHING and those ACTIVE, per group
/// those LAUNCHING, per zone those ACTIVE.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatusCounts {
    pub up: Vec<Vec<u32>>,
    pub active_by_group: Vec<Vec<u32>>,
    pub launching: Vec<u32>,
    pub active: Vec<u32>,
}

impl StatusCounts {
    /// One instance of group `g` in zone `z` with `status` more (`add`) or fewer.
    fn count(&mut self, g: u32, z: u32, status: InstanceStatus, add: bool) {
        let (g, z) = (g as usize, z as usize);
        let bump = |v: &mut Vec<u32>, i: usize| {
            if v.len() <= i {
                v.resize(i + 1, 0);
            }
            if add {
                v[i] += 1;
            } else {
                v[i] -= 1;
            }
        };
        match status {
            InstanceStatus::Active => {
                bump(&mut self.active, z);
                if self.active_by_group.len() <= g {
                    self.active_by_group.resize(g + 1, Vec::new());
                }
                bump(&mut self.active_by_group[g], z);
            }
            InstanceStatus::Launching => bump(&mut self.launching, g),
            _ => return,
        }
        if self.up.len() <= g {
            self.up.resize(g + 1, Vec::new());
        }
        bump(&mut self.up[g], z);
    }

    /// The group's instances ACTIVE or LAUNCHING in zone `z`.
    pub fn up_in(&self, g: u32, z: u32) -> u32 {
        self.up
            .get(g as usize)
            .and_then(|v| v.get(z as usize))
            .copied()
            .unwrap_or(0)
    }

    /// The group's instances ACTIVE or LAUNCHING.
    pub fn up_in_group(&self, g: u32) -> u32 {
        self.up.get(g as usize).map_or(0, |v| v.iter().sum())
    }

    /// The group's instances ACTIVE in zone `z`.
    pub fn active_in_group(&self, g: u32, z: u32) -> u32 {
        self.active_by_group
            .get(g as usize)
            .and_then(|v| v.get(z as usize))
            .copied()
            .unwrap_or(0)
    }

    pub fn launching_in(&self, g: u32) -> u32 {
        self.launching.get(g as usize).copied().unwrap_or(0)
    }

    pub fn active_in(&self, z: u32) -> u32 {
        self.active.get(z as usize).copied().unwrap_or(0)
    }

    /// Whether these are the counts of `instances`.
    fn agrees_with(&self, instances: &[Instance]) -> bool {
        let mut want = StatusCounts::default();
        for i in instances {
            want.count(i.group, i.az, i.status, true);
        }
        let trimmed = |c: &StatusCounts| {
            let cut = |v: &[u32]| {
                let n = v.iter().rposition(|&x| x > 0).map_or(0, |p| p + 1);
                v[..n].to_vec()
            };
            let by_group = |v: &[Vec<u32>]| {
                let mut g: Vec<Vec<u32>> = v.iter().map(|v| cut(v)).collect();
                while g.last().is_some_and(Vec::is_empty) {
                    g.pop();
                }
                g
            };
            (
                by_group(&c.up),
                by_group(&c.active_by_group),
                cut(&c.launching),
                cut(&c.active),
            )
        };
        trimmed(self) == trimmed(&want)
    }
}

impl Cluster {
    /// Starts keeping the placement index; from now on every change of an
    /// instance's reservations or status must be followed by `refile`.
    pub fn index_instances(&mut self) {
        self.index_instances_keeping(placement_index::Keep::ALL);
    }

    /// Indexes the instances with only what the services' and jobs'
    /// placement strategies read (what a run does): the orderings by free
    /// amount they walk, and counts for random draws if one places at
    /// random, for each group drawn under distinctInstance.
    pub fn index_instances_for_strategies(&mut self) {
        // (strategies, constraints, group, task definition) of every owner.
        let owners = self
            .services
            .iter()
            .map(|s| (&s.strategies, &s.constraints, s.group, s.taskdef));
        let owners = owners.chain(
            self.jobs
                .iter()
                .map(|j| (&j.strategies, &j.constraints, j.group, j.taskdef)),
        );
        let owners: Vec<_> = owners.collect();
        let keep = placement_index::Keep::for_strategies(owners.iter().map(|o| o.0.as_slice()));
        let distinct =
            |cs: &[Constraint]| cs.iter().any(|c| matches!(c, Constraint::DistinctInstance));
        let drawn: Vec<_> = owners
            .iter()
            .filter(|o| matches!(o.0.first(), None | Some(Strategy::Random)))
            .map(|o| (o.1, o.2, &self.taskdefs[o.3 as usize]))
            .collect();
        let draws = (!drawn.is_empty()).then(|| {
            let mut shapes: Vec<(u32, u32)> = drawn.iter().map(|o| (o.2.cpu, o.2.memory)).collect();
            let mut groups: Vec<u32> = drawn
                .iter()
                .filter(|o| distinct(o.0) || distinct(&o.2.constraints))
                .map(|o| o.1)
                .collect();
            shapes.sort_unstable();
            shapes.dedup();
            groups.sort_unstable();
            groups.dedup();
            placement_draw::DrawPlan {
                shapes,
                groups,
                count_from_words: placement_draw::COUNT_FROM_WORDS,
            }
        });
        self.index_instances_with(keep, draws);
    }

    /// Indexes the instances keeping the orderings `keep` names, and
    /// counting random draws for every group.
    pub fn index_instances_keeping(&mut self, keep: placement_index::Keep) {
        let draws = placement_draw::DrawPlan {
            shapes: self.taskdefs.iter().map(|t| (t.cpu, t.memory)).collect(),
            groups: (0..self.groups.len() as u32).collect(),
            count_from_words: placement_draw::COUNT_FROM_WORDS,
        };
        self.index_instances_with(keep, Some(draws));
    }

    /// Indexes the instances keeping the orderings `keep` names and, with
    /// a plan, counting random draws of its shapes, under distinctInstance
    /// for its groups (other draws take a pass over the index's bits).
    pub fn index_instances_with(
        &mut self,
        keep: placement_index::Keep,
        draws: Option<placement_draw::DrawPlan>,
    ) {
        let mut shapes: Vec<(u32, u32)> = self.taskdefs.iter().map(|t| (t.cpu, t.memory)).collect();
        shapes.sort_unstable();
        shapes.dedup();
        self.index = placement_index::PlacementIndex::build(
            &self.instances,
            shapes,
            keep,
            draws,
            &self.groups,
        );
    }

    /// A task of group `group` placed on instance `inst` now counts in it
    /// (for spread and distinctInstance).
    pub fn join_group(&mut self, group: u32, inst: u32) {
        let zone = self.instances[inst as usize].az;
        if self.groups[group as usize].add(inst, zone) {
            self.index.host_changed(group, inst, true);
        }
    }

    /// A task of group `group` on instance `inst` no longer counts in it.
    pub fn leave_group(&mut self, group: u32, inst: u32) {
        let zone = self.instances[inst as usize].az;
        if self.groups[group as usize].remove(inst, zone) {
            self.index.host_changed(group, inst, false);
        }
    }

    /// Adds a launched instance; instances are only ever added here.
    pub fn add_instance(&mut self, inst: Instance) {
        let g = inst.group as usize;
        if self.live_instances.len() <= g {
            self.live_instances.resize(g + 1, 0);
        }
        if inst.status != InstanceStatus::Inactive {
            self.live_instances[g] += 1;
        }
        self.status_counts
            .count(inst.group, inst.az, inst.status, true);
        self.instances.push(inst);
    }

    /// Moves instance `idx` to `status` in `status_counts` (its status is
    /// set by the caller).
    fn recount(&mut self, idx: u32, from: InstanceStatus, to: InstanceStatus) {
        let inst = &self.instances[idx as usize];
        let (g, z) = (inst.group, inst.az);
        self.status_counts.count(g, z, from, false);
        self.status_counts.count(g, z, to, true);
    }

    /// Marks LAUNCHING instance `idx` ACTIVE (registered with the cluster).
    pub fn activate(&mut self, idx: u32) {
        let from = self.instances[idx as usize].status;
        self.instances[idx as usize].status = InstanceStatus::Active;
        self.recount(idx, from, InstanceStatus::Active);
    }

    /// Marks instance `idx` DRAINING (it takes no new task) and re-files it.
    pub fn start_draining(&mut self, idx: u32) {
        let inst = &mut self.instances[idx as usize];
        let from = inst.status;
        if from != InstanceStatus::Draining {
            inst.status = InstanceStatus::Draining;
            self.draining += 1;
            self.recount(idx, from, InstanceStatus::Draining);
        }
        self.refile(idx);
    }

    /// Marks instance `idx` INACTIVE (terminated or lost), for good.
    pub fn retire(&mut self, idx: u32, now: crate::engine::SimTime) {
        let inst = &mut self.instances[idx as usize];
        if inst.status == InstanceStatus::Draining {
            self.draining -= 1;
        }
        let from = inst.status;
        if from != InstanceStatus::Inactive {
            inst.status = InstanceStatus::Inactive;
            inst.terminated = Some(now);
            self.live_instances[inst.group as usize] -= 1;
            self.recount(idx, from, InstanceStatus::Inactive);
        }
    }

    /// Brings instance `idx` up to date in the placement index.
    pub fn refile(&mut self, idx: u32) {
        self.index.update(idx, &self.instances[idx as usize]);
    }

    pub fn stats_mut(&mut self, owner: Owner) -> &mut OwnerStats {
        match owner {
            Owner::Service(i) => &mut self.services[i as usize].stats,
            Owner::Job(i) => &mut self.jobs[i as usize].stats,
        }
    }

    pub fn owner_name(&self, owner: Owner) -> &str {
        match owner {
            Owner::Service(i) => &self.services[i as usize].name,
            Owner::Job(i) => &self.jobs[i as usize].name,
        }
    }

    /// Whether a task counts in its group for spread and distinctInstance.
    pub fn counts_in_group(task: &Task) -> bool {
        task.instance.is_some() && task.desired_running && task.state != TaskState::Stopped
    }

    /// Whether a Fargate task counts in its group's per-zone spread.
    pub fn counts_in_zone(task: &Task) -> bool {
        task.capacity.is_fargate()
            && task.az.is_some()
            && task.desired_running
            && task.state != TaskState::Stopped
    }

    /// Whether any instance group has GPUs: only then do the outputs show them.
    pub fn has_gpus(&self) -> bool {
        self.templates
            .iter()
            .any(|t| t.kinds.iter().any(|k| k.gpus > 0))
    }

    /// The zone a task runs in, if it has one yet.
    pub fn task_az(&self, task: &Task) -> Option<u32> {
        task.az
            .or_else(|| task.instance.map(|i| self.instances[i as usize].az))
    }
}
