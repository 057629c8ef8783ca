//! ECS Managed Instances: ECS, not an Auto Scaling group, decides which
//! instances a provider runs. Every minute, per provider:
//!
//! - scale-out ("Amazon ECS Managed Instances auto scaling and task
//!   placement"): the tasks waiting for it, less what its launching
//!   instances will hold, are spread over its zones first (Availability
//!   Zone spread takes precedence over bin packing), then each zone's share
//!   is packed onto the most cost-effective types: the type whose hourly
//!   price (EC2 plus the management fee) per task it holds is lowest,
//!   several tasks per instance;
//! - lifecycle ("Patching in Amazon ECS Managed Instances"): an instance
//!   is drained once 14 days old and stopped, whatever still runs, at 21;
//! - infrastructure optimization ("Amazon ECS Managed Instances
//!   infrastructure optimization"): an instance idle for `scale_in_after`
//!   is retired; one whose tasks (service tasks only) would fit on the
//!   provider's other instances for `scale_in_after` is drained so they
//!   move there (consolidation).

use super::Sim;
use crate::billing::prices::Rates;
use crate::engine::SimTime;
use crate::model::managed_instances::{DRAIN_AFTER, FORCE_AFTER, MiFleet, MiType};
use crate::model::{InstanceStatus, Owner, StopReason};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Launches one provider may start in one minute: a bound on a run gone
/// wrong, far above what a cluster's queue asks for.
const MAX_LAUNCHES_PER_MINUTE: usize = 1_000;

/// Instances a minute's consolidation looks at, emptiest first.
const CONSOLIDATION_CANDIDATES: usize = 4;

type Attributes = Arc<BTreeMap<String, String>>;

/// The state of every Managed Instances provider of a run.
#[derive(Debug, Default)]
pub(super) struct Fleets {
    fleets: Vec<Fleet>,
}

#[derive(Debug)]
struct Fleet {
    cfg: MiFleet,
    /// Per type of `cfg.types`: pico-dollars an hour, EC2 (Spot discount
    /// applied for Spot capacity) plus the management fee.
    price: Vec<i128>,
    /// Per (type, zone): the attributes its instances carry.
    attributes: BTreeMap<(usize, u32), Attributes>,
    /// Instances with no task (DAEMON tasks aside), since when.
    idle_since: BTreeMap<u32, SimTime>,
    /// Instances whose tasks would fit on the others, since when.
    under_since: BTreeMap<u32, SimTime>,
}

/// What one waiting task needs of an instance.
#[derive(Debug, Clone)]
struct Need {
    cpu: u32,
    memory: u32,
    eni: u32,
    gpus: u32,
    ports: Vec<u16>,
    /// Its request shape (index into the minute's shapes).
    shape: usize,
    /// distinctInstance: one task of its shape per instance.
    distinct: bool,
}

/// An instance's room, as packing fills it.
#[derive(Debug, Clone)]
struct Room {
    cpu: u32,
    memory: u32,
    eni: u32,
    gpus: u32,
    ports: Vec<u16>,
    /// Per shape: whether the instance could ever host it (architecture,
    /// memberOf constraints on its attributes).
    ok: Vec<bool>,
    /// Shapes it took a task of.
    took: Vec<usize>,
}

impl Room {
    /// Takes `n` if it fits.
    fn take(&mut self, n: &Need) -> bool {
        let fits = self.ok[n.shape]
            && n.cpu <= self.cpu
            && n.memory <= self.memory
            && n.eni <= self.eni
            && n.gpus <= self.gpus
            && !(n.distinct && self.took.contains(&n.shape))
            && !n.ports.iter().any(|p| self.ports.contains(p));
        if fits {
            self.cpu -= n.cpu;
            self.memory -= n.memory;
            self.eni -= n.eni;
            self.gpus -= n.gpus;
            self.ports.extend(&n.ports);
            self.took.push(n.shape);
        }
        fits
    }
}

/// Fills `room` from `needs` in order (first fit); returns the indices taken.
fn pack(room: &mut Room, needs: &[Need]) -> Vec<usize> {
    (0..needs.len()).filter(|&i| room.take(&needs[i])).collect()
}

/// The most cost-effective type for `needs`, given an empty instance of
/// each type (`rooms`): the lowest price per task one instance of it holds,
/// then the one holding more, then the first listed (the cheaper). `None`
/// when no type holds any of them.
fn best_type(rooms: &[Room], price: &[i128], needs: &[Need]) -> Option<(usize, Vec<usize>)> {
    let mut best: Option<(usize, Vec<usize>)> = None;
    for (k, room) in rooms.iter().enumerate() {
        let taken = pack(&mut room.clone(), needs);
        if taken.is_empty() {
            continue;
        }
        let better = match &best {
            None => true,
            Some((b, bt)) => {
                // price[k] / n_k < price[b] / n_b, without division.
                let lhs = price[k] * bt.len() as i128;
                let rhs = price[*b] * taken.len() as i128;
                // At the same price per task (EC2 prices sizes of a family
                // in proportion), the instance that holds more: several
                // tasks per instance, as Managed Instances place them.
                lhs < rhs || (lhs == rhs && taken.len() > bt.len())
            }
        };
        if better {
            best = Some((k, taken));
        }
    }
    best
}

impl Fleets {
    pub(super) fn new(list: &[MiFleet]) -> Fleets {
        let fleets = list
            .iter()
            .map(|cfg| Fleet {
                // Until a run gives its prices (`Sim::with_prices`): the
                // shipped EC2 ones of the region, which build ranked by.
                price: cfg.shipped_price.clone(),
                cfg: cfg.clone(),
                attributes: BTreeMap::new(),
                idle_since: BTreeMap::new(),
                under_since: BTreeMap::new(),
            })
            .collect();
        Fleets { fleets }
    }

    /// Ranks each provider's types by the run's prices: EC2 (less the Spot
    /// discount for Spot capacity) plus the management fee. Types the run
    /// has no price for are dropped (`run::rates_for` said so).
    pub(super) fn price_with(&mut self, rates: &Rates, spot_discount: f64) {
        for f in &mut self.fleets {
            let mut ranked: Vec<(MiType, i128)> = f
                .cfg
                .types
                .iter()
                .filter_map(|t| {
                    let ec2 = rates.ec2.get(&t.name)?;
                    let ec2 = if f.cfg.spot {
                        ec2.discounted(spot_discount)
                    } else {
                        *ec2
                    };
                    let fee = rates.mi_fee.get(&t.name).map_or(0, |r| r.0);
                    Some((t.clone(), ec2.0 + fee))
                })
                .collect();
            if ranked.is_empty() {
                continue;
            }
            ranked.sort_by(|a, b| {
                (a.1, a.0.vcpu, a.0.memory, &a.0.name).cmp(&(b.1, b.0.vcpu, b.0.memory, &b.0.name))
            });
            f.price = ranked.iter().map(|r| r.1).collect();
            // Read only until now (by `new`); not kept out of step.
            f.cfg.shipped_price.clear();

            f.cfg.types = ranked.into_iter().map(|r| r.0).collect();
        }
    }
}

impl Sim<'_> {
    /// The minute's work for every Managed Instances provider.
    pub(super) fn managed_instances_tick(&mut self, now: SimTime) {
        for f in 0..self.mi.fleets.len() {
            self.mi_replace_old(f, now);
            self.mi_scale_out(f, now);
            self.mi_optimize(f, now);
        }
    }

    /// The provider's instances not yet INACTIVE.
    fn mi_live(&self, f: usize) -> Vec<u32> {
        let g = self.mi.fleets[f].cfg.group;
        (0..self.cluster.instances.len() as u32)
            .filter(|&i| {
                let x = &self.cluster.instances[i as usize];
                x.group == g && x.status != InstanceStatus::Inactive
            })
            .collect()
    }

    /// Drains instances 14 days old; stops what still runs at 21 days.
    fn mi_replace_old(&mut self, f: usize, now: SimTime) {
        for idx in self.mi_live(f) {
            let inst = &self.cluster.instances[idx as usize];
            let age = now.saturating_sub(inst.launched);
            let status = inst.status;
            if age >= FORCE_AFTER && status != InstanceStatus::Launching {
                if status == InstanceStatus::Active {
                    self.drain(&[idx]);
                }
                let left: Vec<u32> = self.cluster.instances[idx as usize].tasks.clone();
                for k in left {
                    if self.cluster.tasks.get(k).is_some() {
                        self.stop(k, StopReason::Draining);
                    }
                }
                self.terminate_if_empty(idx);
            } else if age >= DRAIN_AFTER && status == InstanceStatus::Active {
                self.drain(&[idx]);
            }
        }
    }

    /// Launches instances for the tasks waiting for the provider.
    fn mi_scale_out(&mut self, f: usize, now: SimTime) {
        let (p, g) = (self.mi.fleets[f].cfg.provider, self.mi.fleets[f].cfg.group);
        let shapes = self.waiting.provider_shapes(p);
        if shapes.is_empty() {
            return;
        }
        let c = &self.cluster;
        let requests: Vec<_> = shapes
            .iter()
            .map(|&(owner, td, group, _)| super::launch::request_of(c, owner, td, group, Some(g)))
            .collect();
        let mut needs: Vec<Need> = Vec::new();
        for (shape, (req, &(_, _, _, n))) in requests.iter().zip(&shapes).enumerate() {
            let need = Need {
                cpu: req.cpu,
                memory: req.memory,
                eni: req.enis,
                gpus: req.gpus,
                ports: req.ports.to_vec(),
                shape,
                distinct: req
                    .constraints
                    .iter()
                    .flat_map(|cs| cs.iter())
                    .any(|x| matches!(x, crate::placement::Constraint::DistinctInstance)),
            };
            needs.extend(std::iter::repeat_n(need, n as usize));
        }
        // Largest first: first-fit decreasing packs well.
        needs.sort_by_key(|n| std::cmp::Reverse((n.gpus, n.cpu, n.memory)));
        let room_of = |inst: &crate::model::Instance| Room {
            cpu: inst.cpu,
            memory: inst.memory,
            eni: inst.eni_slots,
            gpus: inst.gpus,
            ports: Vec::new(),
            ok: requests
                .iter()
                .map(|r| crate::placement::could_ever_fit(c, inst, r))
                .collect(),
            took: Vec::new(),
        };
        // What launching instances will hold is not launched again.
        for idx in self.mi_live(f) {
            let inst = &c.instances[idx as usize];
            if inst.status != InstanceStatus::Launching {
                continue;
            }
            let taken = pack(&mut room_of(inst), &needs);
            for i in taken.into_iter().rev() {
                needs.remove(i);
            }
        }
        // Zones first: the zones up, fewest of the provider's instances
        // first, each taking the next task in turn.
        let mut zones: Vec<u32> = self.mi.fleets[f]
            .cfg
            .zones
            .iter()
            .copied()
            .filter(|&z| !self.fault.az_down[z as usize])
            .collect();
        if zones.is_empty() || needs.is_empty() {
            return;
        }
        zones.sort_by_key(|&z| (c.status_counts.up_in(g, z), z));
        // An empty instance of each type in each zone, as packing sees it.
        let ntypes = self.mi.fleets[f].cfg.types.len();
        let rooms: Vec<Vec<Room>> = zones
            .iter()
            .map(|&z| {
                (0..ntypes)
                    .map(|k| room_of(&self.mi_prototype(f, k, z, now)))
                    .collect()
            })
            .collect();
        // Each task to the next zone in turn that could host it: a task
        // held to some zones (a memberOf on ecs.availability-zone) skips
        // the others, where no type would ever take it and it would wait
        // for good. One no zone could host waits in the next zone's turn.
        let mut buckets: Vec<Vec<Need>> = vec![Vec::new(); zones.len()];
        let mut turn = 0;
        for n in needs {
            let zi = (0..zones.len())
                .map(|d| (turn + d) % zones.len())
                .find(|&zi| rooms[zi].iter().any(|r| r.ok[n.shape]))
                .unwrap_or(turn);
            buckets[zi].push(n);
            turn = (zi + 1) % zones.len();
        }
        let mut plan: Vec<(usize, u32)> = Vec::new();
        for (zi, mut bucket) in buckets.into_iter().enumerate() {
            let rooms = &rooms[zi];
            while !bucket.is_empty() && plan.len() < MAX_LAUNCHES_PER_MINUTE {
                let fleet = &self.mi.fleets[f];
                let Some((k, taken)) = best_type(rooms, &fleet.price, &bucket) else {
                    // Fits no type (build checks the largest): left waiting.
                    break;
                };
                for i in taken.into_iter().rev() {
                    bucket.remove(i);
                }
                plan.push((k, zones[zi]));
            }
        }
        for (k, az) in plan {
            self.mi_launch(f, k, az, now);
        }
    }

    /// An instance of the provider's type `k` in zone `az` as it would
    /// launch (not added to the cluster).
    fn mi_prototype(&self, f: usize, k: usize, az: u32, now: SimTime) -> crate::model::Instance {
        let fleet = &self.mi.fleets[f];
        let tpl = &self.cluster.templates[fleet.cfg.group as usize];
        let mut inst = tpl.instance(0, az, now, InstanceStatus::Active, 0, fleet.cfg.spot);
        let t = &fleet.cfg.types[k];
        t.apply(&mut inst, t.attributes(&self.cluster.azs, az));
        inst
    }

    /// One instance of the provider's type `k` launching in zone `az`.
    fn mi_launch(&mut self, f: usize, k: usize, az: u32, now: SimTime) {
        let fleet = &mut self.mi.fleets[f];
        let t = fleet.cfg.types[k].clone();
        let azs = &self.cluster.azs;
        let attrs = Arc::clone(
            fleet
                .attributes
                .entry((k, az))
                .or_insert_with(|| t.attributes(azs, az)),
        );
        let g = fleet.cfg.group;
        let spot = fleet.cfg.spot;
        self.launch_instance_as(g, az, now, 0, spot, |inst| t.apply(inst, attrs));
    }

    /// Retires idle instances and consolidates underused ones, each after
    /// `scale_in_after`.
    fn mi_optimize(&mut self, f: usize, now: SimTime) {
        let Some(after) = self.mi.fleets[f].cfg.scale_in_after else {
            return;
        };
        let p = self.mi.fleets[f].cfg.provider;
        let c = &self.cluster;
        let active: Vec<u32> = self
            .mi_live(f)
            .into_iter()
            .filter(|&i| c.instances[i as usize].status == InstanceStatus::Active)
            .collect();
        // Tasks of an instance that count: all but DAEMON tasks.
        let busy = |i: u32| -> Vec<u32> {
            c.instances[i as usize]
                .tasks
                .iter()
                .copied()
                .filter(|&k| c.tasks[k].target_instance.is_none())
                .collect()
        };
        let mut retire = Vec::new();
        let mut idle = std::mem::take(&mut self.mi.fleets[f].idle_since);
        idle.retain(|i, _| active.contains(i));
        for &i in &active {
            if busy(i).is_empty() {
                let since = *idle.entry(i).or_insert(now);
                if now - since >= after {
                    retire.push(i);
                }
            } else {
                idle.remove(&i);
            }
        }
        // Consolidation, one instance a minute, only while nothing waits
        // for the provider (the room would be wanted) and only of
        // instances running service tasks alone (standalone tasks are
        // not moved).
        let waiting = self.waiting.provider_demand(p as usize).2 > 0;
        let mut under = std::mem::take(&mut self.mi.fleets[f].under_since);
        let mut movable: Vec<(u32, u32)> = active
            .iter()
            .filter(|i| !retire.contains(i))
            .filter_map(|&i| {
                let tasks = busy(i);
                let only_services = !tasks.is_empty()
                    && tasks
                        .iter()
                        .all(|&k| matches!(c.tasks[k].owner, Owner::Service(_)));
                only_services.then_some((c.instances[i as usize].used_cpu, i))
            })
            .collect();
        movable.sort_unstable();
        // The emptiest few: one is drained a minute at most, and checking
        // every instance against all the others each minute would grow
        // with the square of a large fleet.
        movable.truncate(CONSOLIDATION_CANDIDATES);
        let mut consolidate = None;
        let mut seen = Vec::new();
        for &(_, i) in &movable {
            let fits = !waiting && self.mi_fits_elsewhere(i, &busy(i), &active, &retire);
            seen.push(i);
            if !fits {
                under.remove(&i);
                continue;
            }
            let since = *under.entry(i).or_insert(now);
            if consolidate.is_none() && now - since >= after {
                consolidate = Some(i);
            }
        }
        under.retain(|i, _| seen.contains(i));
        if let Some(i) = consolidate {
            under.remove(&i);
            retire.push(i);
        }
        for i in &retire {
            idle.remove(i);
        }
        self.mi.fleets[f].idle_since = idle;
        self.mi.fleets[f].under_since = under;
        if !retire.is_empty() {
            self.drain(&retire);
        }
    }

    /// Whether `tasks` of instance `i` fit in the free room of the other
    /// active instances (less those retiring), first fit: resources, ports,
    /// architecture and placement constraints (a `memberOf` the other
    /// instance fails, or a `distinctInstance` whose group it already
    /// hosts). Checked on resources alone, a task held to its zone or kept
    /// apart from its group's other tasks was moved where it could not be
    /// placed, a new instance launched for it, and that one consolidated in
    /// turn, for good ("How Amazon ECS places tasks on container
    /// instances": Managed Instances place by the task's constraints).
    fn mi_fits_elsewhere(&self, i: u32, tasks: &[u32], active: &[u32], retire: &[u32]) -> bool {
        let c = &self.cluster;
        let g = c.instances[i as usize].group;
        let requests: Vec<_> = tasks
            .iter()
            .map(|&k| {
                let t = &c.tasks[k];
                super::launch::request_of(c, t.owner, t.taskdef, t.group, Some(g))
            })
            .collect();
        let distinct = |r: &crate::placement::Request| {
            r.constraints
                .iter()
                .flat_map(|cs| cs.iter())
                .any(|x| matches!(x, crate::placement::Constraint::DistinctInstance))
        };
        let mut rooms: Vec<Room> = active
            .iter()
            .filter(|&&j| j != i && !retire.contains(&j))
            .map(|&j| {
                let x = &c.instances[j as usize];
                Room {
                    cpu: x.cpu - x.used_cpu,
                    memory: x.memory - x.used_memory,
                    eni: x.eni_slots - x.used_enis,
                    gpus: x.gpus - x.used_gpus,
                    ports: x.used_ports.clone(),
                    ok: requests
                        .iter()
                        .map(|r| {
                            crate::placement::could_ever_fit(c, x, r)
                                && !(distinct(r)
                                    && crate::model::placement_draw::bit(
                                        &c.groups[r.group as usize].hosts,
                                        j,
                                    ))
                        })
                        .collect(),
                    took: Vec::new(),
                }
            })
            .collect();
        requests.iter().enumerate().all(|(shape, r)| {
            let need = Need {
                cpu: r.cpu,
                memory: r.memory,
                eni: r.enis,
                gpus: r.gpus,
                ports: r.ports.to_vec(),
                shape,
                distinct: false,
            };
            rooms.iter_mut().any(|room| room.take(&need))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room(vcpu: u32, memory: u32) -> Room {
        Room {
            cpu: vcpu * 1024,
            memory,
            eni: 10,
            gpus: 0,
            ports: Vec::new(),
            ok: vec![true],
            took: Vec::new(),
        }
    }

    fn need(cpu: u32, memory: u32) -> Need {
        Need {
            cpu,
            memory,
            eni: 1,
            gpus: 0,
            ports: Vec::new(),
            shape: 0,
            distinct: false,
        }
    }

    /// Ten tasks of 1 vCPU and 2 GiB: a 2-vCPU type holds 1 (its registered
    /// memory is below 4 GiB), a 4-vCPU one 3, an 8-vCPU one 7, a 16-vCPU
    /// one all 10. Per task: 0.0765, 0.051, 0.0437, 0.0612 $/h: the 8-vCPU
    /// type wins; for the 3 left, 4 vCPUs (0.051 a task) beat 8 (0.102).
    #[test]
    fn most_cost_effective_type_per_task() {
        let types = [
            room(2, 3951),
            room(4, 7983),
            room(8, 16046),
            room(16, 32173),
        ];
        let price = [
            76_500_000_000,
            153_000_000_000,
            306_000_000_000,
            612_000_000_000,
        ];
        let ten = vec![need(1024, 2048); 10];
        let (k, taken) = best_type(&types, &price, &ten).unwrap();
        assert_eq!((k, taken.len()), (2, 7));
        let three = vec![need(1024, 2048); 3];
        let (k, taken) = best_type(&types, &price, &three).unwrap();
        assert_eq!((k, taken.len()), (1, 3));
        assert!(best_type(&types, &price, &[need(64 * 1024, 1024)]).is_none());
        // distinctInstance: one task of the shape per instance.
        let distinct = vec![
            Need {
                distinct: true,
                ..need(1024, 2048)
            };
            3
        ];
        let (_, taken) = best_type(&types, &price, &distinct).unwrap();
        assert_eq!(taken.len(), 1);
    }
}
