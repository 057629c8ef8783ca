//! ECS managed scaling of Auto Scaling group capacity providers
//! ("Amazon ECS cluster auto scaling"): the CapacityProviderReservation
//! metric M / N × 100 is kept at `target_capacity`; instances launch, register
//! after a delay, and only idle instances are terminated when managed
//! termination protection is on.

use super::{Ev, Sim};
use crate::engine::SimTime;
use crate::model::mixed::pool_cell;
use crate::model::provider::Datapoint;
use crate::model::{InstanceStatus, StopReason};
use crate::scaling::Decision;

/// What a group has up (`Sim::group_census`).
struct Census {
    units: u32,
    on_demand: u32,
    in_zone: Vec<u32>,
    pools: Vec<u32>,
}

/// The scale-in alarm's datapoints to alarm.
const SCALE_IN_MINUTES: u32 = 15;

/// A managed scale-in step takes less than half of the group, and at least
/// one instance.
fn less_than_half(n: u32) -> u32 {
    (n.saturating_sub(1) / 2).max(1)
}

impl Sim<'_> {
    /// Instances the provider's tasks need (M) and the group has (N).
    fn reservation_inputs(&self, p: usize) -> (u32, u32) {
        let c = &self.cluster;
        let prov = &c.providers[p];
        // Over several types ECS sizes the need by the largest of each
        // parameter ("Amazon ECS managed scaling behavior": "The values for
        // the largest instance types are treated as the maximum calculated
        // instance count"); tasks the smallest cannot hold are left out of
        // the demand (`WaitQueue::demand`).
        let tpl = c.templates[prov.group as usize].extent(true);
        // Kept as tasks join and leave the queue: walking it every minute
        // was O(n) per provider when a cluster cannot keep up.
        let (cpu, mem, waiting) = self.waiting.provider_demand(p);
        let mut n = 0;
        let mut busy = 0;
        let mut free = Vec::new();
        for (i, inst) in c.instances.iter().enumerate() {
            if inst.group != prov.group {
                continue;
            }
            match inst.status {
                InstanceStatus::Active | InstanceStatus::Launching => n += 1,
                _ => continue,
            }
            // Instances that run only DAEMON tasks count as free.
            if inst
                .tasks
                .iter()
                .any(|&t| c.tasks[t].target_instance.is_none())
            {
                busy += 1;
            } else if waiting > 0 {
                free.push(i);
            }
        }
        busy += self.no_room_for_waiting(p, &free);
        // ECS bin-packs ENIs and GPUs too ("Managed scaling behavior").
        let (enis, gpus) = self.waiting.provider_slots(p);
        let per = |need: u64, each: u32| need.div_ceil(u64::from(each.max(1)));
        let fresh = if waiting == 0 {
            0
        } else {
            per(cpu, tpl.cpu)
                .max(per(mem, tpl.memory))
                .max(per(enis, tpl.eni_slots))
                .max(per(gpus, tpl.gpus))
                .max(1) as u32
        };
        (busy + fresh, n)
    }

    /// Of the free instances `free` of provider `p`'s group, those no task
    /// waiting for it could ever use (its `memberOf` holds it to another
    /// zone or attribute): no room for the demand, so counted as taken.
    /// Counted free, a group of two instances with one in the wrong zone
    /// and three tasks waiting read 100% (M = N) and never grew.
    fn no_room_for_waiting(&self, p: usize, free: &[usize]) -> u32 {
        if free.is_empty() {
            return 0;
        }
        let c = &self.cluster;
        let g = c.providers[p].group;
        let requests: Vec<_> = self
            .waiting
            .provider_shapes(p as u32)
            .into_iter()
            .map(|(owner, td, group, _)| super::launch::request_of(c, owner, td, group, Some(g)))
            .collect();
        free.iter()
            .filter(|&&i| {
                let inst = &c.instances[i];
                !requests
                    .iter()
                    .any(|r| crate::placement::could_ever_fit(c, inst, r))
            })
            .count() as u32
    }

    /// At each minute boundary ECS publishes the minute's
    /// CapacityProviderReservation, and the two alarms of its target
    /// tracking policy evaluate the datapoint published a minute earlier
    /// (a 1-minute CloudWatch metric is seen once its minute is over), so
    /// no scale-out starts the moment tasks begin to wait.
    pub(super) fn managed_scaling_tick(&mut self, now: SimTime) {
        for p in 0..self.cluster.providers.len() {
            // ECS sizes a Managed Instances provider itself (no metric).
            if self.cluster.providers[p].managed_instances {
                continue;
            }
            let (m, n) = self.reservation_inputs(p);
            let value = match (m, n) {
                (0, 0) => 100.0,
                (_, 0) => 200.0,
                _ => f64::from(m) * 100.0 / f64::from(n),
            };
            let prov = &mut self.cluster.providers[p];
            prov.reservation = value;
            let seen = prov.published.replace(Datapoint { m, n, value });
            if let Some(d) = seen {
                self.managed_scaling_act(p, d, now);
            }
        }
    }

    /// What the alarms do on datapoint `d` ("Managed scaling behavior"):
    /// the scale-out alarm fires on one datapoint above target, unless an
    /// instance of the group is within `instanceWarmupPeriod`; the scale-in
    /// alarm needs `SCALE_IN_MINUTES` datapoints below target and, while it
    /// holds, lowers the group every minute by less than half of it.
    fn managed_scaling_act(&mut self, p: usize, d: Datapoint, now: SimTime) {
        let prov = &self.cluster.providers[p];
        let group = prov.group;
        let n = self.group_size(group);
        let target = prov.target_capacity;
        // A walk over the instances: asked only when an alarm would act.
        let warmup = prov.warmup;
        let warming = |s: &Self| {
            s.cluster.instances.iter().any(|i| {
                i.group == group
                    && i.status != InstanceStatus::Inactive
                    && now < i.launched + warmup
            })
        };
        // From no instance ECS always asks for two (200%), then waits for
        // them to warm up before it sizes the group from M.
        let wanted = if d.n == 0 && d.m > 0 {
            2
        } else {
            (u64::from(d.m) * 100).div_ceil(u64::from(target)) as u32
        };
        let why = |dir: &str| {
            format!(
                "CapacityProviderReservation {:.1}% {dir} target {target}% (M={}, N={})",
                d.value, d.m, d.n
            )
        };
        if d.value > f64::from(target) {
            self.cluster.providers[p].low_minutes = 0;
            let prov = &self.cluster.providers[p];
            if wanted <= n || warming(self) {
                return;
            }
            let add = (wanted - n)
                .clamp(prov.min_step, prov.max_step)
                .min(prov.max_size.saturating_sub(n));
            if add > 0 {
                self.provider_decision(p, n, n + add, d.value, why("above"));
                self.groups.desired[group as usize] += add;
                self.asg_reconcile(group);
            }
        } else if d.value < f64::from(target) {
            let prov = &mut self.cluster.providers[p];
            prov.low_minutes = prov.low_minutes.saturating_add(1);
            if prov.low_minutes < SCALE_IN_MINUTES || warming(self) {
                return;
            }
            let prov = &self.cluster.providers[p];
            // `maximumScalingStepSize` bounds scale-out only ("The scale in
            // process is not affected by this parameter").
            let keep = wanted.max(prov.min_size);
            let remove = n.saturating_sub(keep).min(less_than_half(n));
            if remove > 0 {
                let removed = self.scale_in(p, remove);
                let g = group as usize;
                self.groups.desired[g] = self.groups.desired[g].saturating_sub(removed);
                if removed > 0 {
                    let reason = format!("{} for {SCALE_IN_MINUTES}+ minutes", why("below"));
                    self.provider_decision(p, n, n - removed, d.value, reason);
                }
            }
        } else {
            self.cluster.providers[p].low_minutes = 0;
        }
    }

    /// Instances of the group that count towards its size: running or launching.
    fn group_size(&self, group: u32) -> u32 {
        self.cluster.status_counts.up_in_group(group)
    }

    fn provider_decision(&mut self, p: usize, from: u32, to: u32, value: f64, reason: String) {
        let now = self.now();
        let prov = &self.cluster.providers[p];
        let d = Decision {
            time: now,
            target_kind: "capacity_provider",
            target: prov.name.clone(),
            policy: "managed_scaling",
            from,
            to,
            metric: None,
            value,
            threshold: f64::from(prov.target_capacity),
            reason,
        };
        self.rec.scaling(&self.cluster, &d);
    }

    /// Launches what the group lacks of its desired size (failed, reclaimed
    /// or newly wanted instances), each in the up zone with the fewest, of
    /// the market and type the group's mixed-instances policy gives.
    pub(super) fn asg_reconcile(&mut self, group: u32) {
        let now = self.now();
        let want = self.groups.desired[group as usize];
        let tpl = &self.cluster.templates[group as usize];
        // Single-type groups count instances (kept up to date); a mixed
        // one walks its instances for units, markets and pools.
        if !tpl.is_mixed() && self.group_size(group) >= want {
            return;
        }
        let census = self.group_census(group);
        if census.units >= want {
            return;
        }
        let Census {
            mut units,
            mut on_demand,
            mut in_zone,
            mut pools,
        } = census;
        let zones = self.cluster.azs.len();
        while units < want {
            let tpl = &self.cluster.templates[group as usize];
            let Some(&az) = tpl
                .zones
                .iter()
                .filter(|&&z| !self.fault.az_down[z as usize])
                .min_by_key(|&&z| in_zone[z as usize])
            else {
                return;
            };
            let cell = |k: u32, spot: bool| pool_cell(k, spot, az, zones);
            let (kind, spot) = tpl.choose(az, now, want, on_demand, &|k, s| {
                pools.get(cell(k, s)).copied().unwrap_or(0)
            });
            let w = tpl.kinds[kind as usize].weight;
            if let Some(p) = pools.get_mut(cell(kind, spot)) {
                *p += 1;
            }
            units += w;
            if !spot {
                on_demand += w;
            }
            in_zone[az as usize] += 1;
            self.launch_instance(group, az, now, kind, spot);
        }
    }

    /// The group's instances not INACTIVE: capacity units, On-Demand units,
    /// instances per zone and per (type, market, zone) (`pools`, only for
    /// a group of several types).
    fn group_census(&self, group: u32) -> Census {
        let tpl = &self.cluster.templates[group as usize];
        let zones = self.cluster.azs.len();
        let mut c = Census {
            units: 0,
            on_demand: 0,
            in_zone: vec![0; zones],
            pools: vec![
                0;
                if tpl.kinds.len() > 1 {
                    tpl.kinds.len() * 2 * zones
                } else {
                    0
                }
            ],
        };
        for i in &self.cluster.instances {
            if i.group != group || i.status == InstanceStatus::Inactive {
                continue;
            }
            c.in_zone[i.az as usize] += 1;
            // A draining one (scale-in, or Spot reclaiming it) is already
            // out of the group's capacity and is replaced now.
            if i.status == InstanceStatus::Draining {
                continue;
            }
            let w = tpl.kinds[i.kind as usize].weight;
            c.units += w;
            if !i.spot {
                c.on_demand += w;
            }
            if let Some(p) = c
                .pools
                .get_mut(pool_cell(u32::from(i.kind), i.spot, i.az, zones))
            {
                *p += 1;
            }
        }
        c
    }

    /// One more instance of `group` in zone `az`, of the market and type
    /// the group's policy gives for its desired size.
    pub(super) fn launch_one(&mut self, group: u32, az: u32) {
        let now = self.now();
        let want = self.groups.desired[group as usize];
        let c = self.group_census(group);
        let zones = self.cluster.azs.len();
        let cell = |k: u32, spot: bool| pool_cell(k, spot, az, zones);
        let (kind, spot) =
            self.cluster.templates[group as usize].choose(az, now, want, c.on_demand, &|k, s| {
                c.pools.get(cell(k, s)).copied().unwrap_or(0)
            });
        self.launch_instance(group, az, now, kind, spot);
    }

    /// One instance of `group`, override `kind`, launching in zone `az`.
    pub(super) fn launch_instance(
        &mut self,
        group: u32,
        az: u32,
        now: SimTime,
        kind: u32,
        spot: bool,
    ) {
        self.launch_instance_as(group, az, now, kind, spot, |_| {});
    }

    /// As `launch_instance`, the instance changed by `shape` first (a
    /// Managed Instances provider picks each instance's type).
    pub(super) fn launch_instance_as(
        &mut self,
        group: u32,
        az: u32,
        now: SimTime,
        kind: u32,
        spot: bool,
        shape: impl FnOnce(&mut crate::model::Instance),
    ) {
        let tpl = &self.cluster.templates[group as usize];
        let idx = self.cluster.instances.len();
        let mut inst = tpl.instance(idx, az, now, InstanceStatus::Launching, kind, spot);
        shape(&mut inst);
        let delay = tpl.launch_delay.clone().sample(&mut self.rng.scheduler);
        // A constant (the default) draws nothing, so runs keep their streams.
        let pending = tpl.pending.sample(&mut self.rng.scheduler).min(delay);
        inst.running = now + pending;
        self.cluster.add_instance(inst);
        self.queue.schedule_in(delay, Ev::InstanceReady(idx as u32));
    }

    /// The instance registered with the cluster: it takes tasks from now on.
    pub(super) fn on_instance_ready(&mut self, idx: u32) {
        if self.cluster.instances[idx as usize].status != InstanceStatus::Launching {
            return;
        }
        self.cluster.activate(idx);
        let inst = &mut self.cluster.instances[idx as usize];
        inst.registered = Some(self.queue.now());
        self.cluster.registered_cpu += u64::from(inst.cpu);
        self.cluster.registered_memory += u64::from(inst.memory);
        self.cluster.registered_gpus += u64::from(inst.gpus);
        self.cluster.refile(idx);
        self.arm_instance_faults(idx);
        for s in 0..self.cluster.services.len() as u32 {
            if self.cluster.services[s as usize].scheduling
                == crate::model::SchedulingStrategy::Daemon
            {
                self.reconcile(s);
            }
        }
        self.retry_waiting();
    }

    /// Picks instances to remove, keeping zones balanced: with termination
    /// protection only instances running no task (DAEMON tasks aside), else
    /// the emptiest, which are drained first. Returns how many were taken.
    fn scale_in(&mut self, p: usize, count: u32) -> u32 {
        let c = &self.cluster;
        let prov = &c.providers[p];
        let busy = |i: usize| {
            c.instances[i]
                .tasks
                .iter()
                .filter(|&&t| c.tasks[t].target_instance.is_none())
                .count()
        };
        let mut cands: Vec<usize> = (0..c.instances.len())
            .filter(|&i| {
                c.instances[i].group == prov.group
                    && c.instances[i].status == InstanceStatus::Active
            })
            .filter(|&i| !prov.termination_protection || busy(i) == 0)
            .collect();
        let mut chosen = Vec::new();
        for _ in 0..count {
            let per_zone = |z: u32, chosen: &Vec<usize>| {
                c.instances
                    .iter()
                    .enumerate()
                    .filter(|(i, x)| {
                        x.group == prov.group
                            && x.az == z
                            && x.status == InstanceStatus::Active
                            && !chosen.contains(i)
                    })
                    .count()
            };
            // Emptiest first, then from the fullest zone, then the newest.
            let Some(&best) = cands.iter().min_by_key(|&&i| {
                (
                    busy(i),
                    std::cmp::Reverse(per_zone(c.instances[i].az, &chosen)),
                    std::cmp::Reverse(i),
                )
            }) else {
                break;
            };
            cands.retain(|&i| i != best);
            chosen.push(best);
        }
        let chosen: Vec<u32> = chosen.into_iter().map(|i| i as u32).collect();
        self.drain(&chosen);
        chosen.len() as u32
    }

    /// DRAINING: no new tasks; its tasks are stopped (services replace them
    /// elsewhere) and the instance terminates once empty.
    pub(super) fn drain(&mut self, instances: &[u32]) {
        // All of them stop taking tasks before anything is moved, so a task
        // leaving one never lands on another.
        for &idx in instances {
            self.cluster.instances[idx as usize].terminate_when_empty = true;
            self.cluster.start_draining(idx);
        }
        // Service tasks are moved by the scheduler; standalone tasks run to
        // completion; DAEMON tasks stop last (`terminate_if_empty`).
        self.reconcile_all();
        for &idx in instances {
            self.terminate_if_empty(idx);
        }
    }

    /// Retires a draining instance once it holds no task. Asked after
    /// every task stop on an instance: the common answer, "not draining
    /// to be terminated", without a call.
    #[inline]
    pub(super) fn terminate_if_empty(&mut self, idx: u32) {
        let inst = &self.cluster.instances[idx as usize];
        if inst.status == InstanceStatus::Draining && inst.terminate_when_empty {
            self.terminate_draining_if_empty(idx);
        }
    }

    /// DAEMON tasks stop last, once they are all that is left ("Daemon
    /// scheduling strategy": on a draining instance the daemon task is
    /// stopped after the others), so a log router or agent outlives what
    /// it serves.
    #[inline(never)]
    fn terminate_draining_if_empty(&mut self, idx: u32) {
        let inst = &self.cluster.instances[idx as usize];
        let c = &self.cluster;
        if !inst.tasks.is_empty()
            && inst
                .tasks
                .iter()
                .all(|&k| c.tasks[k].target_instance.is_some())
        {
            let daemon: Vec<u32> = inst
                .tasks
                .iter()
                .copied()
                .filter(|&k| c.tasks[k].desired_running)
                .collect();
            // A stop may finish at once and come back here.
            for k in daemon {
                self.stop(k, StopReason::Draining);
            }
        }
        let now = self.now();
        let inst = &mut self.cluster.instances[idx as usize];
        if inst.status != InstanceStatus::Draining
            || !inst.terminate_when_empty
            || !inst.tasks.is_empty()
        {
            return;
        }
        self.cluster.registered_cpu -= u64::from(inst.cpu);
        self.cluster.registered_memory -= u64::from(inst.memory);
        self.cluster.registered_gpus -= u64::from(inst.gpus);
        self.cluster.retire(idx, now);
        self.cluster.refile(idx);
    }
}
