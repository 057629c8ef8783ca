//! Launching tasks: what a task asks of placement, capacity provider
//! shares, Fargate starts, placement on instances and the queues of tasks
//! waiting for room. The states a placed task then steps through are in
//! `lifecycle.rs`.

use super::{Ev, Sim, waiting};
use crate::engine::{SimRng, SimTime};
use crate::model::{CapacityChoice, Cluster, Owner, ProviderShare, Task, TaskState};
use crate::placement::{self, Request};
use rand::RngExt;

/// What makes two waiting tasks ask for the same placement.
pub(super) type RequestShape = (Owner, u32, u32, Option<u32>);

/// What task `key` asks of placement.
#[inline(always)]
pub(super) fn request(c: &Cluster, key: u32) -> Request<'_> {
    let task = &c.tasks[key];
    let asg_group = task.asg.map(|a| c.providers[a as usize].group);
    let mut req = request_of(c, task.owner, task.taskdef, task.group, asg_group);
    req.only_instance = task.target_instance;
    req
}

/// What a task of `owner` running `taskdef` would ask of placement, on the
/// instances of group `asg_group` when a capacity provider's.
#[inline(always)]
pub(super) fn request_of(
    c: &Cluster,
    owner: Owner,
    taskdef: u32,
    group: u32,
    asg_group: Option<u32>,
) -> Request<'_> {
    let td = &c.taskdefs[taskdef as usize];
    let (strategies, constraints) = match owner {
        Owner::Service(s) => (
            &c.services[s as usize].strategies,
            &c.services[s as usize].constraints,
        ),
        Owner::Job(j) => (
            &c.jobs[j as usize].strategies,
            &c.jobs[j as usize].constraints,
        ),
    };
    Request {
        cpu: td.cpu,
        memory: td.memory,
        ports: &td.host_ports,
        enis: u32::from(td.awsvpc),
        gpus: td.gpus,
        arch: td.arch,
        group,
        constraints: [&td.constraints, constraints],
        strategies,
        only_instance: None,
        instance_group: asg_group,
    }
}

impl Sim<'_> {
    fn owner_rng(&mut self, owner: Owner) -> &mut SimRng {
        match owner {
            Owner::Service(i) => &mut self.rng.service[i as usize],
            Owner::Job(i) => &mut self.rng.job[i as usize].0,
        }
    }

    /// Creates a task in PROVISIONING and places it if capacity allows; a
    /// job's task that fits nowhere may be refused instead (see `refuse`).
    /// A service's replica task may be held back by a launch-rate quota
    /// (`quotas.rs`): then nothing is created and the quota is returned.
    pub(super) fn launch(
        &mut self,
        owner: Owner,
        taskdef: u32,
        group: u32,
        target: Option<u32>,
        run_for: Option<SimTime>,
    ) -> Result<(), super::Quota> {
        let (share, ps) = self.next_share(owner);
        if let (Owner::Service(s), None) = (owner, target) {
            if let Some(q) = self.service_gate(s, ps.capacity, ps.asg.is_some()) {
                return Err(q);
            }
            self.paid_owed(s);
        }
        self.launch_as(owner, taskdef, group, target, run_for, share, ps);
        Ok(())
    }

    /// `launch` on entry `share` of the owner's capacity provider strategy,
    /// past the quotas.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn launch_as(
        &mut self,
        owner: Owner,
        taskdef: u32,
        group: u32,
        target: Option<u32>,
        run_for: Option<SimTime>,
        share: usize,
        ProviderShare { capacity, asg, .. }: ProviderShare,
    ) {
        let now = self.now();
        let serial = self.next_serial;
        self.next_serial += 1;
        self.count_launch(owner, share);
        // A queueing job's task that fits nowhere now goes straight to its
        // record: made a task only to fail placement and be put to sleep,
        // it cost a slab entry and its undoing (half the M/M/c's arrivals).
        if target.is_none()
            && !capacity.is_fargate()
            && self.queues_client_side(owner)
            && self.nowhere_with_room(taskdef)
        {
            let d = waiting::Dormant::new(now, run_for, share as u8);
            let shape = (owner, taskdef, group, asg);
            self.waiting.push_dormant(&self.cluster, shape, serial, d);
            return;
        }
        let key = self.cluster.tasks.insert(Task {
            target_instance: target,
            ..Task::launched(
                serial,
                owner,
                (group, taskdef),
                (share as u8, capacity, asg),
                now,
                run_for,
            )
        });
        if let Owner::Service(s) = owner {
            self.cluster.services[s as usize].active.push(key);
        }
        if capacity.is_fargate() {
            self.start_fargate(key);
        } else if !self.try_place(key) {
            if target.is_some() {
                self.waiting_daemon.push_back(key);
            } else if let Some(reason) = self.refusal(key) {
                self.refuse(key, share, reason);
            } else if self.queues_client_side(owner) {
                self.sleep(key);
            } else {
                self.waiting.push(&self.cluster, key);
            }
        }
    }

    /// A task launched on entry `share` of its owner's strategy: counted
    /// as launched and as starting in PROVISIONING.
    fn count_launch(&mut self, owner: Owner, share: usize) {
        let stats = self.cluster.stats_mut(owner);
        stats.launched += 1;
        if stats.launched_on.len() <= share {
            stats.launched_on.resize(share + 1, 0);
        }
        stats.launched_on[share] += 1;
        stats.starting += 1;
        stats.provisioning += 1;
        self.outcome.tasks_launched += 1;
    }

    /// Whether a job's task that found no room waits in a client-side queue
    /// (`no_capacity = "queue"`) rather than in ECS's PROVISIONING.
    fn queues_client_side(&self, owner: Owner) -> bool {
        matches!(owner, Owner::Job(j)
            if self.cluster.jobs[j as usize].no_capacity == crate::model::NoCapacity::Queue)
    }

    /// A task of a client-side queue that found no room: kept as a compact
    /// record until a retry places it (see `waiting::Dormant`).
    fn sleep(&mut self, key: u32) {
        let task = self
            .cluster
            .tasks
            .remove(key)
            .expect("a task just launched");
        let shape = (task.owner, task.taskdef, task.group, task.asg);
        let d = waiting::Dormant::new(task.created, task.run_for, task.share);
        self.waiting
            .push_dormant(&self.cluster, shape, task.serial, d);
    }

    /// The task a dormant record stands for, back in the slab (to be
    /// placed, or written at the end of the run); its key.
    pub(super) fn wake(&mut self, s: u32, serial: u64) -> u32 {
        let (shape, d) = self.waiting.dormant(s, serial);
        self.wake_record(shape, serial, d)
    }

    pub(super) fn wake_record(
        &mut self,
        (owner, taskdef, group, asg): RequestShape,
        serial: u64,
        d: waiting::Dormant,
    ) -> u32 {
        let capacity = match owner {
            Owner::Job(j) => {
                self.cluster.jobs[j as usize]
                    .capacity
                    .share(d.share as usize)
                    .capacity
            }
            Owner::Service(s) => {
                self.cluster.services[s as usize]
                    .capacity
                    .share(d.share as usize)
                    .capacity
            }
        };
        let run_for = (d.run_for != waiting::NO_RUN_FOR).then_some(d.run_for);
        let task = Task::launched(
            serial,
            owner,
            (group, taskdef),
            (d.share, capacity, asg),
            d.created,
            run_for,
        );
        self.cluster.tasks.insert(task)
    }

    /// The entry of the owner's capacity provider strategy its next task
    /// uses, from what it runs (services) or has launched (jobs).
    pub(super) fn next_share(&self, owner: Owner) -> (usize, ProviderShare) {
        let c = &self.cluster;
        let choice = match owner {
            Owner::Service(s) => &c.services[s as usize].capacity,
            Owner::Job(j) => &c.jobs[j as usize].capacity,
        };
        // Without capacity providers there is nothing to count: this runs
        // for every task launched.
        if matches!(choice, CapacityChoice::Ec2) {
            return (0, choice.share(0));
        }
        let (choice, counts): (&CapacityChoice, Vec<u32>) = match owner {
            Owner::Service(s) => {
                let svc = &c.services[s as usize];
                let mut counts = vec![0u32; svc.capacity.len()];
                for &k in &svc.active {
                    counts[c.tasks[k].share as usize] += 1;
                }
                (&svc.capacity, counts)
            }
            Owner::Job(j) => {
                let job = &c.jobs[j as usize];
                let mut counts = vec![0u32; job.capacity.len()];
                for (n, &l) in counts.iter_mut().zip(&job.stats.launched_on) {
                    *n = l as u32;
                }
                (&job.capacity, counts)
            }
        };
        let i = choice.next(&counts);
        (i, choice.share(i))
    }

    /// Fargate needs no instance: the task gets a zone (spread over the
    /// zones, fewest tasks of its group first) and leaves PROVISIONING after
    /// the Fargate provisioning delay.
    pub(super) fn start_fargate(&mut self, key: u32) {
        let c = &self.cluster;
        let group = &c.groups[c.tasks[key].group as usize];
        let zones: Vec<u32> = (0..c.azs.len() as u32)
            .filter(|&z| !self.fault.az_down[z as usize])
            .collect();
        if zones.is_empty() {
            // Every zone is down: ask again in a minute.
            let serial = c.tasks[key].serial;
            let id = self.queue.schedule_in(60_000, Ev::Task { key, serial });
            self.cluster.tasks[key].timer = Some(id);
            return;
        }
        let least = zones
            .iter()
            .map(|z| group.fargate_per_az.get(z).copied().unwrap_or(0))
            .min()
            .unwrap_or(0);
        let best: Vec<u32> = zones
            .into_iter()
            .filter(|z| group.fargate_per_az.get(z).copied().unwrap_or(0) == least)
            .collect();
        let az = best[self.rng.placement.random_range(0..best.len())];
        let task = &mut self.cluster.tasks[key];
        task.az = Some(az);
        let (g, owner, serial) = (task.group, task.owner, task.serial);
        self.cluster.groups[g as usize].add_zone(az);
        let delay = self
            .cfg
            .fargate_provisioning
            .clone()
            .sample(self.owner_rng(owner));
        if delay == 0 {
            self.on_timer(key);
        } else {
            let id = self.queue.schedule_in(delay, Ev::Task { key, serial });
            self.cluster.tasks[key].timer = Some(id);
        }
    }

    fn try_place(&mut self, key: u32) -> bool {
        let c = &self.cluster;
        let req = request(c, key);
        let Some(inst) = placement::choose(c, &req, &mut self.rng.placement) else {
            return false;
        };
        let now = self.now();
        let taskdef = c.tasks[key].taskdef as usize;
        // Field by field, so the task definition's ports are lent to the
        // instance rather than copied for every task.
        let c = &mut self.cluster;
        let td = &c.taskdefs[taskdef];
        let (cpu, mem) = (td.cpu, td.memory);
        let (enis, gpus) = (u32::from(td.awsvpc), td.gpus);
        c.instances[inst as usize].reserve(now, key, cpu, mem, &td.host_ports);
        c.instances[inst as usize].take_slots(now, enis, gpus);
        c.used_gpus += u64::from(gpus);
        c.refile(inst);
        c.used_cpu += u64::from(cpu);
        c.used_memory += u64::from(mem);
        let task = &mut self.cluster.tasks[key];
        task.instance = Some(inst);
        let group = task.group;
        self.cluster.join_group(group, inst);
        self.leave_provisioning(key);
        self.advance(key);
        true
    }

    /// PROVISIONING → PENDING: the task has capacity and its image pull starts.
    pub(super) fn leave_provisioning(&mut self, key: u32) {
        let now = self.now();
        let task = &mut self.cluster.tasks[key];
        task.placed = Some(now);
        // Waits are measured after the warm-up: a task placed during it is
        // left out, one that waited past it counts from its end.
        let measured = self.measure.counts(now);
        let from = self
            .measure
            .end()
            .map_or(task.created, |e| e.max(task.created));
        // A task placed during a fixed warm-up has `from` still ahead (and
        // is not measured): no wait, rather than an overflow.
        let (owner, wait) = (task.owner, now.saturating_sub(from));
        let stats = self.cluster.stats_mut(owner);
        stats.placed += 1;
        if measured {
            stats.waits_counted += 1;
            stats.provisioning_wait_total += wait;
            stats.provisioning_wait_max = stats.provisioning_wait_max.max(wait);
            stats.provisioning_waits.record(wait);
        }
        if self.starts_at_once(key) {
            // PROVISIONING → RUNNING, counted as the steps between would be.
            self.set_state(key, TaskState::Running);
            self.on_running(key);
        } else {
            self.set_state(key, TaskState::Pending);
        }
    }

    /// Retries waiting tasks in arrival order after capacity was freed:
    /// DAEMON tasks first (ECS reserves room for them), then the others.
    pub(super) fn retry_waiting(&mut self) {
        self.retry_daemon();
        if self.waiting.is_empty() {
            return;
        }
        // Placing a task can stop one at once (zero-length lifecycle steps)
        // and free capacity again: the retry under way then asks once more
        // when it is done, rather than walking the queue inside itself.
        if self.retry.running {
            self.retry.again = true;
            return;
        }
        self.retry.running = true;
        // Taken, not borrowed: a buffer reused across retries, which run
        // after every task that frees capacity.
        let mut failed = std::mem::take(&mut self.retry.failed);
        // Tasks queued while this retry runs were just tried at launch.
        let (mut from, mut end) = (0, self.next_serial);
        loop {
            // A request that found no instance finds none again until a
            // placement changes the cluster (placements only take room, but
            // may satisfy an affinity), so the waiting tasks of a shape that
            // failed are skipped until the next placement: `next` jumps
            // straight to the earliest task of a shape still worth asking.
            while let Some((serial, key, shape)) = self.waiting.next(from, end, &failed) {
                self.outcome.retry_visits += 1;
                from = serial + 1;
                if self.nowhere_with_room(self.waiting.shape(shape).1) {
                    failed.push(shape);
                    continue;
                }
                let dormant = key == waiting::DORMANT;
                let key = if dormant {
                    self.wake(shape, serial)
                } else {
                    key
                };
                if self.try_place(key) {
                    self.waiting.placed(&self.cluster, serial, shape);
                    failed.clear();
                } else {
                    if dormant {
                        // Back to its record: it stays queued as it was.
                        self.cluster.tasks.remove(key);
                    }
                    failed.push(shape);
                }
            }
            failed.clear();
            if !std::mem::take(&mut self.retry.again) {
                break;
            }
            // Capacity freed during the retry: the tasks queued meanwhile
            // get their try, as they would have from a retry of their own.
            (from, end) = (end, self.next_serial);
        }
        self.retry.running = false;
        self.release_held();
        self.retry.failed = failed;
    }

    /// Whether no instance has the CPU and memory a task of `taskdef` asks:
    /// then its placement would surely fail, with no side effect (the index
    /// says so only when it files that shape).
    #[inline]
    fn nowhere_with_room(&self, taskdef: u32) -> bool {
        let td = &self.cluster.taskdefs[taskdef as usize];
        self.cluster.index.none_with_room(td.cpu, td.memory) == Some(true)
    }

    /// DAEMON tasks each wait for one instance: every one is tried. There
    /// are at most one per instance and DAEMON service.
    fn retry_daemon(&mut self) {
        if self.waiting_daemon.is_empty() {
            return;
        }
        // Swapped out, not copied: most go straight back. Placing may stop a
        // task and come back here, which then finds an empty queue.
        let mut pending = std::mem::take(&mut self.retry.daemon_buffer);
        std::mem::swap(&mut self.waiting_daemon, &mut pending);
        pending.retain(|&key| {
            self.outcome.retry_visits += 1;
            !self.try_place(key)
        });
        // Tasks queued while these were tried stay ahead of them, as before.
        if self.waiting_daemon.is_empty() {
            std::mem::swap(&mut self.waiting_daemon, &mut pending);
        } else {
            self.waiting_daemon.extend(pending.drain(..));
        }
        self.retry.daemon_buffer = pending;
    }
}
