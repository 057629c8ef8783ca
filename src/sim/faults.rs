//! Faults and what they do: instances lost, zones down, Spot capacity
//! reclaimed, tasks crashing or failing to start; availability bookkeeping
//! and the incident log.

use super::{Ev, Sim};
use crate::engine::time::{HOUR, MINUTE};
use crate::engine::{Dist, SimTime};
use crate::faults::{Fault, Incident, SPOT_WARNING, throttle_delay};
use crate::model::{Capacity, InstanceStatus, Owner, StopReason, TaskState};
use rand::RngExt;

/// What happens to a task when its fault timer fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    Crash,
    Spot,
    /// Failing health checks, acted on when the grace period ends.
    HealthCheck,
}

impl Sim<'_> {
    /// Arms the faults known at the start.
    pub(super) fn setup_faults(&mut self) {
        for (i, f) in self.fault.list.clone().iter().enumerate() {
            match f {
                Fault::AzOutage { at, .. } if *at < self.cfg.duration => {
                    self.queue.schedule_at(*at, Ev::AzDown(i as u32));
                }
                Fault::SpotInterruption { times, .. } => {
                    for &t in times.iter().filter(|&&t| t < self.cfg.duration) {
                        self.queue.schedule_at(t, Ev::SpotAt(i as u32));
                    }
                }
                _ => {}
            }
        }
        for i in 0..self.cluster.instances.len() as u32 {
            self.arm_instance_faults(i);
        }
    }

    fn exp_after(&mut self, rate_per_hour: f64) -> Option<SimTime> {
        if rate_per_hour <= 0.0 {
            return None;
        }
        Some(
            Dist::exponential_mean(HOUR as f64 / rate_per_hour)
                .sample(&mut self.rng.fault)
                .max(1),
        )
    }

    /// When an instance registers: its failure time and Spot interruption.
    pub(super) fn arm_instance_faults(&mut self, idx: u32) {
        let inst = &self.cluster.instances[idx as usize];
        let (group, spot, az) = (inst.group, inst.spot, inst.az);
        // Taken out for the loop (the draws need `self`), not cloned: this
        // runs for every instance and every task.
        let faults = std::mem::take(&mut self.fault.list);
        for f in &faults {
            let at = match f {
                Fault::InstanceFailure {
                    group: g,
                    time_to_failure,
                } if g.is_none_or(|g| g == group) => Some((
                    time_to_failure.sample(&mut self.rng.fault),
                    Ev::InstanceFail(idx),
                )),
                Fault::SpotInterruption {
                    rate_per_hour: Some(r),
                    ec2: true,
                    pool,
                    ..
                } if spot
                    && pool.holds(&self.cluster.instances[idx as usize].instance_type, az) =>
                {
                    self.exp_after(*r).map(|d| (d, Ev::SpotNotice(idx)))
                }
                _ => None,
            };
            // As for tasks: a failure drawn past the end is not queued.
            if let Some((delay, ev)) = at
                && self.now().saturating_add(delay) < self.cfg.duration
            {
                self.queue.schedule_in(delay, ev);
            }
        }
        self.fault.list = faults;
    }

    /// When a task reaches RUNNING: crashes and Fargate Spot interruptions.
    pub(super) fn arm_task_faults(&mut self, key: u32) {
        // Every task that starts comes here: most runs have no faults.
        if self.fault.list.is_empty() {
            return;
        }
        let t = &self.cluster.tasks[key];
        let (owner, serial, fargate_spot, taskdef) = (
            t.owner,
            t.serial,
            t.capacity == Capacity::FargateSpot,
            t.taskdef,
        );
        let faults = std::mem::take(&mut self.fault.list);
        // The first fault stops the task, so only the earliest is queued;
        // every draw is still made, in order, so no stream shifts.
        let mut first: Option<(SimTime, FaultKind)> = None;
        for f in &faults {
            let delay = match f {
                Fault::TaskCrash {
                    owner: o,
                    taskdef: td,
                    rate_per_task_hour,
                } if o.is_none_or(|o| o == owner) && td.is_none_or(|td| td == taskdef) => self
                    .exp_after(*rate_per_task_hour)
                    .map(|d| (d, FaultKind::Crash)),
                Fault::SpotInterruption {
                    rate_per_hour: Some(r),
                    fargate: true,
                    ..
                } if fargate_spot => self.exp_after(*r).map(|d| (d, FaultKind::Spot)),
                _ => None,
            };
            if let Some((d, kind)) = delay
                && first.is_none_or(|(f, _)| d < f)
            {
                first = Some((d, kind));
            }
        }
        self.fault.list = faults;
        // A fault drawn past the end never fires: not queuing it keeps
        // memory with the live tasks (most draws of a low crash rate land
        // there). One that would fire after the task has stopped is
        // cancelled then (`fault_timer`), for the same reason.
        if let Some((d, kind)) = first
            && self.now().saturating_add(d) < self.cfg.duration
        {
            let timer = self
                .queue
                .schedule_in(d, Ev::TaskFault { key, serial, kind });
            self.cluster.tasks[key].fault_timer = Some(timer);
        }
    }

    /// At the end of PENDING: does this start-up fail? Then the task stops
    /// and the service throttles its next launches.
    pub(super) fn start_fails(&mut self, key: u32) -> bool {
        let (owner, taskdef) = (
            self.cluster.tasks[key].owner,
            self.cluster.tasks[key].taskdef,
        );
        let mut reason = None;
        for f in &self.fault.list {
            if let Fault::StartFailure {
                owner: o,
                taskdef: td,
                fraction,
                image_pull,
            } = f
                && o.is_none_or(|o| o == owner)
                && td.is_none_or(|td| td == taskdef)
                && reason.is_none()
                && self.rng.fault.random::<f64>() < *fraction
            {
                reason = Some(if *image_pull {
                    StopReason::ImagePullFailed
                } else {
                    StopReason::FailedToStart
                });
            }
        }
        let Some(r) = reason else { return false };
        // Failing health checks are only acted on after the grace period:
        // such a task reaches RUNNING and is stopped when the grace ends.
        let grace = match owner {
            Owner::Service(s) => {
                self.cluster.services[s as usize]
                    .deploy_config
                    .health_check_grace
            }
            Owner::Job(_) => 0,
        };
        if r == StopReason::FailedToStart && grace > 0 {
            self.cluster.tasks[key].failing_health = true;
            let serial = self.cluster.tasks[key].serial;
            self.queue.schedule_in(
                grace,
                Ev::TaskFault {
                    key,
                    serial,
                    kind: FaultKind::HealthCheck,
                },
            );
            return false;
        }
        self.failed_start(key, r);
        true
    }

    /// A start-up failed: throttle the service, tell the deployment, stop.
    fn failed_start(&mut self, key: u32, r: StopReason) {
        if let Owner::Service(s) = self.cluster.tasks[key].owner {
            let h = &mut self.cluster.services[s as usize].health;
            h.failed_in_row += 1;
            h.launch_after = self.queue.now() + throttle_delay(h.failed_in_row);
            let td = self.cluster.tasks[key].taskdef;
            self.stop(key, r);
            self.deployment_task_failed(s, td);
        } else {
            self.stop(key, r);
        }
    }

    /// Whether the service may not launch now; arms a retry for when it may.
    pub(super) fn throttled(&mut self, s: u32) -> bool {
        let now = self.now();
        let h = &mut self.cluster.services[s as usize].health;
        if now >= h.launch_after {
            return false;
        }
        if !h.retry_armed {
            h.retry_armed = true;
            self.queue.schedule_at(h.launch_after, Ev::Reconcile(s));
        }
        true
    }

    pub(super) fn on_reconcile(&mut self, s: u32) {
        self.cluster.services[s as usize].health.retry_armed = false;
        self.reconcile(s);
    }

    pub(super) fn on_task_fault(&mut self, key: u32, serial: u64, kind: FaultKind) {
        let Some(t) = self.cluster.tasks.get_mut(key) else {
            return;
        };
        if t.serial == serial && kind != FaultKind::HealthCheck {
            // It fired: nothing left to cancel.
            t.fault_timer = None;
        }
        let alive = t.serial == serial && t.desired_running;
        // Health checks can fail a task that is still ACTIVATING.
        if !alive
            || (t.state != TaskState::Running && kind != FaultKind::HealthCheck)
            || t.state > TaskState::Running
        {
            return;
        }
        let target = format!("task {serial}");
        let (name, reason) = match kind {
            FaultKind::Spot => ("fargate_spot_interruption", StopReason::SpotInterruption),
            FaultKind::Crash => ("task_crash", StopReason::Crashed),
            FaultKind::HealthCheck => {
                self.failed_start(key, StopReason::FailedToStart);
                self.reconcile_all();
                return;
            }
        };
        self.open_incident(name, target, self.now(), 1);
        // A crash exits at once; a Spot task gets SIGTERM and up to 2 minutes.
        self.stop(key, reason);
        self.reconcile_all();
    }

    /// The instance and every task on it are gone; its group relaunches.
    fn lose_instance(&mut self, idx: u32, reason: StopReason) -> u32 {
        let tasks = self.retire_instance(idx);
        self.kill(&tasks, reason);
        let group = self.cluster.instances[idx as usize].group;
        self.asg_reconcile(group);
        // DAEMON tasks still waiting for this instance are given up.
        self.reconcile_all();
        tasks.len() as u32
    }

    /// Takes tasks down at once, those already stopping included.
    fn kill(&mut self, tasks: &[u32], reason: StopReason) {
        for &k in tasks {
            let Some(t) = self.cluster.tasks.get_mut(k) else {
                continue;
            };
            t.killed = true;
            if t.desired_running {
                self.stop(k, reason);
            } else if let Some(timer) = t.timer.take() {
                self.queue.cancel(timer);
                self.on_timer(k);
            }
        }
    }

    /// The instance is gone (no new tasks, no longer registered); returns
    /// the tasks it held.
    fn retire_instance(&mut self, idx: u32) -> Vec<u32> {
        let now = self.now();
        let inst = &mut self.cluster.instances[idx as usize];
        if inst.status == InstanceStatus::Inactive {
            return Vec::new();
        }
        let was_registered = matches!(
            inst.status,
            InstanceStatus::Active | InstanceStatus::Draining
        );
        let (cpu, memory, gpus, tasks) = (inst.cpu, inst.memory, inst.gpus, inst.tasks.clone());
        // Gone at once: its tasks are released from an instance that no
        // longer takes anything.
        self.cluster.retire(idx, now);
        if was_registered {
            self.cluster.registered_cpu -= u64::from(cpu);
            self.cluster.registered_memory -= u64::from(memory);
            self.cluster.registered_gpus -= u64::from(gpus);
        }
        self.cluster.refile(idx);
        tasks
    }

    pub(super) fn on_instance_fail(&mut self, idx: u32) {
        if self.cluster.instances[idx as usize].status == InstanceStatus::Inactive {
            return;
        }
        let id = self.cluster.instances[idx as usize].id.clone();
        let lost = self.lose_instance(idx, StopReason::HostLost);
        self.open_incident("instance_failure", id, self.now(), lost);
    }

    /// The 2-minute warning: DRAINING (ECS_ENABLE_SPOT_INSTANCE_DRAINING);
    /// service tasks stop and are replaced elsewhere; the rest go with the instance.
    pub(super) fn on_spot_notice(&mut self, idx: u32) {
        let inst = &mut self.cluster.instances[idx as usize];
        if inst.status != InstanceStatus::Active {
            return;
        }
        let id = inst.id.clone();
        let service_tasks: Vec<u32> = inst
            .tasks
            .iter()
            .copied()
            .filter(|&k| matches!(self.cluster.tasks[k].owner, Owner::Service(_)))
            .collect();
        self.cluster.start_draining(idx);
        self.open_incident(
            "spot_interruption",
            id,
            self.now(),
            service_tasks.len() as u32,
        );
        self.cluster.instances[idx as usize].spot_reclaim = true;
        // The scheduler starts replacements and stops the draining tasks as
        // the deployment configuration allows.
        self.reconcile_all();
        self.queue.schedule_in(SPOT_WARNING, Ev::SpotReclaim(idx));
        // The group replaces the instance as soon as it is marked for reclaim.
        let group = self.cluster.instances[idx as usize].group;
        self.asg_reconcile(group);
    }

    pub(super) fn on_spot_reclaim(&mut self, idx: u32) {
        let inst = &mut self.cluster.instances[idx as usize];
        if inst.status == InstanceStatus::Inactive {
            return;
        }
        inst.reclaimed = true;
        // What was not moved in the 2 minutes goes with the host.
        self.lose_instance(idx, StopReason::SpotReclaimed);
    }

    /// A listed interruption time: the oldest Spot instance, else the oldest FARGATE_SPOT task.
    pub(super) fn on_spot_at(&mut self, f: u32) {
        let Fault::SpotInterruption {
            ec2, fargate, pool, ..
        } = &self.fault.list[f as usize]
        else {
            return;
        };
        let (ec2, fargate) = (*ec2, *fargate);
        let inst = self.cluster.instances.iter().position(|i| {
            i.spot && i.status == InstanceStatus::Active && pool.holds(&i.instance_type, i.az)
        });
        if let (true, Some(i)) = (ec2, inst) {
            return self.on_spot_notice(i as u32);
        }
        if fargate {
            let mut tasks: Vec<(u64, u32)> = self
                .cluster
                .tasks
                .iter()
                .filter(|(_, t)| {
                    t.capacity == Capacity::FargateSpot
                        && t.state == TaskState::Running
                        && t.desired_running
                })
                .map(|(k, t)| (t.serial, k))
                .collect();
            tasks.sort_unstable();
            if let Some(&(serial, key)) = tasks.first() {
                self.on_task_fault(key, serial, FaultKind::Spot);
            }
        }
    }

    pub(super) fn on_az_down(&mut self, f: u32) {
        let Fault::AzOutage { az, duration, .. } = self.fault.list[f as usize] else {
            return;
        };
        let now = self.now();
        self.fault.az_down[az as usize] = true;
        self.queue.schedule_in(duration, Ev::AzUp(az));
        let in_zone: Vec<u32> = (0..self.cluster.instances.len() as u32)
            .filter(|&i| self.cluster.instances[i as usize].az == az)
            .collect();
        // Every instance in the zone is gone before any task is replaced,
        // so no replacement lands there.
        let mut tasks = Vec::new();
        for &i in &in_zone {
            tasks.extend(self.retire_instance(i));
        }
        tasks.extend(
            self.cluster
                .tasks
                .iter()
                .filter(|(_, t)| t.capacity.is_fargate() && t.az == Some(az))
                .map(|(k, _)| k),
        );
        let lost = tasks
            .iter()
            .filter(|&&k| self.cluster.tasks[k].desired_running)
            .count() as u32;
        self.kill(&tasks, StopReason::ZoneLost);
        for g in 0..self.cluster.templates.len() as u32 {
            self.asg_reconcile(g);
        }
        self.reconcile_all();
        let name = self.cluster.azs[az as usize].clone();
        self.open_incident("az_outage", name, now, lost);
        if let Some(inc) = self.fault.incidents.last_mut() {
            inc.end = now + duration;
        }
        self.fault.unbalanced.push(self.fault.incidents.len() - 1);
    }

    pub(super) fn on_az_up(&mut self, az: u32) {
        self.fault.az_down[az as usize] = false;
        for g in 0..self.cluster.templates.len() as u32 {
            self.asg_reconcile(g);
        }
        self.reconcile_all();
    }

    fn open_incident(&mut self, kind: &'static str, target: String, at: SimTime, tasks_lost: u32) {
        let id = self.fault.incidents.len() as u32 + 1;
        self.fault.incidents.push(Incident {
            id,
            kind,
            target,
            start: at,
            end: at,
            tasks_lost,
            recovered: None,
            unserved_requests: 0.0,
            balanced: None,
        });
    }

    /// Each minute: is every service whole? Open incidents close when it is
    /// (service recovery, even while an outage lasts); until then they
    /// collect the minute's unserved demand.
    pub(super) fn availability_tick(&mut self, now: SimTime) {
        let mut whole = true;
        let mut unserved = 0.0;
        let measured = self.measure.counts(now);
        for svc in &mut self.cluster.services {
            let running = svc.stats.running.get();
            let desired = u64::from(svc.desired);
            // The healthy floor follows the desired count down at once but
            // up only once RUNNING got there: a scale-out on its way is
            // headroom being added, not an outage.
            let floor_desired = match svc.health.floor_desired {
                Some(f) if running < desired => f.min(svc.desired),
                _ => svc.desired,
            };
            svc.health.floor_desired = Some(floor_desired);
            if measured {
                svc.health.minutes_after_ramp += 1;
                if running < u64::from(svc.deploy_config.min_healthy(floor_desired)) {
                    svc.health.minutes_below_floor += 1;
                }
            }
            if running < desired {
                whole = false;
                if measured {
                    svc.health.minutes_below_desired += 1;
                }
            }
            if measured && desired > 0 {
                let f = running.min(desired) as f64 / desired as f64;
                svc.health.min_healthy_fraction =
                    Some(svc.health.min_healthy_fraction.map_or(f, |m| m.min(f)));
            }
            if svc.workload.is_some() {
                unserved += (svc.load.last.demand_rps - svc.load.last.served_rps).max(0.0)
                    * (MINUTE / 1000) as f64;
            }
        }
        for inc in self.fault.incidents[self.fault.first_open..]
            .iter_mut()
            .filter(|i| i.recovered.is_none())
        {
            inc.unserved_requests += unserved;
            if whole && now > inc.start {
                inc.recovered = Some(now);
            }
        }
        while self
            .fault
            .incidents
            .get(self.fault.first_open)
            .is_some_and(|i| i.recovered.is_some())
        {
            self.fault.first_open += 1;
        }
    }
}
