//! Task lifecycle: the state steps of a placed task with their timers,
//! and its stop. Launch and placement are in `launch.rs`.

use super::{Ev, Sim};
use crate::engine::{Dist, SimTime};
use crate::model::{Owner, StopReason, TaskState};

impl Sim<'_> {
    /// Moves the task one state forward, keeping the owner's counters.
    pub(super) fn set_state(&mut self, key: u32, next: TaskState) {
        let task = &mut self.cluster.tasks[key];
        let prev = task.state;
        debug_assert!(
            prev.can_move_to(next) || !self.cfg.transitions && prev.can_jump_to(next),
            "illegal {prev:?} -> {next:?}"
        );
        task.state = next;
        let owner = task.owner;
        let now = self.queue.now();
        if next == TaskState::Running {
            task.started = Some(now);
        }
        let stats = self.cluster.stats_mut(owner);
        if prev.is_starting() && !next.is_starting() {
            stats.starting -= 1;
        }
        if prev == TaskState::Provisioning {
            stats.provisioning -= 1;
        }
        if next == TaskState::Running {
            stats.running.add(now, 1);
            stats.started += 1;
            self.outcome.tasks_started += 1;
        }
        if prev == TaskState::Running {
            stats.running.add(now, -1);
        }
        if self.cfg.transitions {
            self.rec
                .task_transition(&self.cluster.tasks[key], prev, now);
        }
    }

    /// A move that changes no counter (PENDING → ACTIVATING, DEACTIVATING
    /// → STOPPING → DEPROVISIONING): only the state, unless the recorder
    /// watches every state.
    fn move_quietly(&mut self, key: u32, next: TaskState) {
        if self.cfg.transitions {
            self.set_state(key, next);
        } else {
            let task = &mut self.cluster.tasks[key];
            debug_assert!(task.state.can_move_to(next));
            debug_assert_eq!(task.state.is_starting(), next.is_starting());
            task.state = next;
        }
    }

    pub(super) fn draw(&mut self, key: u32, pick: fn(&crate::model::TaskDef) -> &Dist) -> SimTime {
        let task = &self.cluster.tasks[key];
        // Borrowed field by field (the distribution from the cluster, the
        // stream from the owner's): a clone of the distribution was a copy
        // of an empirical one's list for every lifecycle step.
        let dist = pick(&self.cluster.taskdefs[task.taskdef as usize]);
        let rng = match task.owner {
            Owner::Service(i) => &mut self.rng.service[i as usize],
            Owner::Job(i) => &mut self.rng.job[i as usize].0,
        };
        dist.sample(rng)
    }

    /// Runs through the states whose delay is zero and arms a timer for the
    /// first one that takes time.
    pub(super) fn advance(&mut self, key: u32) {
        loop {
            let task = &self.cluster.tasks[key];
            let delay = match task.state {
                TaskState::Pending => self.startup_delay(key),
                TaskState::Activating => self.draw(key, |t| &t.activation),
                TaskState::Running => match task.run_for {
                    Some(d) => d,
                    None => return,
                },
                TaskState::Deactivating | TaskState::Stopping if task.killed => 0,
                TaskState::Deactivating => {
                    self.draw(key, |t| &t.deactivation) + self.deregistration_delay(key)
                }
                TaskState::Stopping => {
                    let cap = self.cluster.taskdefs[task.taskdef as usize].stop_timeout;
                    self.draw(key, |t| &t.shutdown).min(cap)
                }
                TaskState::Deprovisioning => 0,
                TaskState::Provisioning | TaskState::Stopped => return,
            };
            if delay > 0 {
                let serial = self.cluster.tasks[key].serial;
                let id = self.queue.schedule_in(delay, Ev::Task { key, serial });
                self.cluster.tasks[key].timer = Some(id);
                return;
            }
            if !self.step(key) {
                return;
            }
        }
    }

    /// Whether a job's task leaving PROVISIONING would pass PENDING and
    /// ACTIVATING without waiting or drawing while nothing watches its
    /// states (see the free `starts_at_once`): then it moves to RUNNING at
    /// once. A service's task takes the steps (its scheduler reacts to each).
    #[inline]
    pub(super) fn starts_at_once(&self, key: u32) -> bool {
        let task = &self.cluster.tasks[key];
        matches!(task.owner, Owner::Job(_)) && self.cfg.starts_at_once[task.taskdef as usize]
    }

    /// Whether a task asked to stop would pass DEACTIVATING, STOPPING and
    /// DEPROVISIONING without waiting (killed, or constant zero steps with
    /// no target to deregister) while nothing watches its states: then
    /// `stop` moves it to STOPPED at once. A constant draws nothing, so no
    /// random stream moves.
    fn stops_at_once(&self, key: u32) -> bool {
        if self.cfg.transitions {
            return false;
        }
        let task = &self.cluster.tasks[key];
        task.killed
            || self.cfg.stops_at_once[task.taskdef as usize] && self.deregistration_delay(key) == 0
    }

    /// Behind a load balancer a DEACTIVATING task waits for its target to
    /// deregister: the target group's deregistration delay.
    fn deregistration_delay(&self, key: u32) -> SimTime {
        match self.cluster.tasks[key].owner {
            Owner::Service(s) => self.cluster.services[s as usize]
                .load_balancer
                .map_or(0, |lb| lb.deregistration_delay),
            _ => 0,
        }
    }

    /// The state a timer moves to. Returns false when the task left the world.
    fn step(&mut self, key: u32) -> bool {
        match self.cluster.tasks[key].state {
            TaskState::Pending => {
                if self.start_fails(key) {
                    return false;
                }
                self.move_quietly(key, TaskState::Activating)
            }
            TaskState::Activating => {
                self.set_state(key, TaskState::Running);
                let serial = self.cluster.tasks[key].serial;
                self.on_running(key);
                // The scheduler may have stopped this very task (and reused its slot).
                if self
                    .cluster
                    .tasks
                    .get(key)
                    .is_none_or(|t| t.serial != serial || t.state != TaskState::Running)
                {
                    return false;
                }
            }
            TaskState::Running => {
                // A job's essential container finished.
                self.stop(key, StopReason::EssentialContainerExited);
                return false;
            }
            TaskState::Deactivating => self.move_quietly(key, TaskState::Stopping),
            TaskState::Stopping => self.move_quietly(key, TaskState::Deprovisioning),
            TaskState::Deprovisioning => {
                self.set_state(key, TaskState::Stopped);
                self.finalize(key);
                return false;
            }
            // Only Fargate tasks have a timer while PROVISIONING: the end of
            // provisioning, or a new try for a zone when all were down.
            TaskState::Provisioning if self.cluster.tasks[key].az.is_none() => {
                self.start_fargate(key);
                return false;
            }
            TaskState::Provisioning => self.leave_provisioning(key),
            TaskState::Stopped => return false,
        }
        true
    }

    pub(super) fn on_timer(&mut self, key: u32) {
        if self.step(key) {
            self.advance(key);
        }
    }

    pub(super) fn on_running(&mut self, key: u32) {
        self.arm_task_faults(key);
        let failing = self.cluster.tasks[key].failing_health;
        if let Owner::Service(s) = self.cluster.tasks[key].owner {
            let now = self.queue.now();
            let svc = &mut self.cluster.services[s as usize];
            // Only a start that will stay healthy ends the throttle.
            if !failing {
                svc.health.failed_in_row = 0;
            }
            if !svc.load.pending_scale_outs.is_empty() {
                let running = svc.stats.running.get();
                svc.load.running_now(now, running);
            }
            if svc.reached_desired.is_none() && svc.stats.running.get() >= u64::from(svc.desired) {
                svc.reached_desired = Some(now);
            }
            // All of the desired tasks launched, and none on its way but
            // those waiting for capacity (with no start-up time, the first
            // task runs before the next is launched).
            if svc.ramp_done.is_none()
                && svc.active.len() >= svc.desired as usize
                && svc.stats.starting == svc.stats.provisioning
            {
                svc.ramp_done = Some(now);
                svc.stats.running.start_min_tracking();
            }
            // A deployment, or tasks leaving a draining instance, move on as
            // new tasks come up and again once they count as healthy.
            let deploying = svc.deployment.is_some();
            let c = &self.cluster;
            let draining = c.draining > 0
                && c.services[s as usize].active.iter().any(|&k| {
                    c.tasks[k].instance.is_some_and(|i| {
                        c.instances[i as usize].status == crate::model::InstanceStatus::Draining
                    })
                });
            let after = self.healthy_after(s, self.cluster.tasks[key].taskdef);
            if (deploying || draining) && after > 0 && !failing {
                self.queue.schedule_in(after, Ev::Reconcile(s));
            }
            if deploying || draining {
                self.reconcile(s);
            }
        }
    }

    /// Asks a task to stop: it walks DEACTIVATING → STOPPING → DEPROVISIONING
    /// → STOPPED, holding its resources until the end.
    pub(super) fn stop(&mut self, key: u32, reason: StopReason) {
        let task = &mut self.cluster.tasks[key];
        if !task.desired_running {
            return;
        }
        task.desired_running = false;
        task.stop_reason = Some(reason);
        if let Some(t) = task.timer.take() {
            self.queue.cancel(t);
        }
        let (owner, group, instance, state) = (task.owner, task.group, task.instance, task.state);
        let fargate_az = task.az.filter(|_| task.capacity.is_fargate());
        if let Some(i) = instance {
            self.cluster.leave_group(group, i);
        }
        if let Some(az) = fargate_az {
            self.cluster.groups[group as usize].remove_zone(az);
        }
        if let Owner::Service(s) = owner {
            let active = &mut self.cluster.services[s as usize].active;
            if let Some(p) = active.iter().position(|&k| k == key) {
                active.remove(p);
            }
        }
        match state {
            TaskState::Provisioning => {
                if self.cluster.tasks[key].target_instance.is_some() {
                    self.waiting_daemon.retain(|&k| k != key);
                } else {
                    self.waiting.remove(&self.cluster, key);
                }
                self.set_state(key, TaskState::Stopped);
                self.finalize(key);
            }
            // Never registered with a load balancer: straight to STOPPING.
            TaskState::Pending => {
                self.set_state(key, TaskState::Stopping);
                self.advance(key);
            }
            // Every stopping step would take no time: STOPPED in one move.
            TaskState::Activating | TaskState::Running if self.stops_at_once(key) => {
                self.set_state(key, TaskState::Stopped);
                self.finalize(key);
            }
            TaskState::Activating | TaskState::Running => {
                self.set_state(key, TaskState::Deactivating);
                self.advance(key);
            }
            _ => {}
        }
    }

    /// A task reached STOPPED: free its resources, report it, and let the
    /// scheduler react.
    fn finalize(&mut self, key: u32) {
        let now = self.now();
        let task = &mut self.cluster.tasks[key];
        task.stopped = Some(now);
        let (owner, instance, taskdef) = (task.owner, task.instance, task.taskdef);
        let failed = task.stop_reason.is_some_and(|r| r.is_failure());
        let spot = task.stop_reason.is_some_and(|r| r.is_spot());
        if let Some(i) = instance {
            let c = &mut self.cluster;
            let td = &c.taskdefs[taskdef as usize];
            let (cpu, mem) = (td.cpu, td.memory);
            let (enis, gpus) = (u32::from(td.awsvpc), td.gpus);
            c.instances[i as usize].release(now, key, cpu, mem, &td.host_ports);
            c.instances[i as usize].give_slots(now, enis, gpus);
            c.used_gpus -= u64::from(gpus);
            c.refile(i);
            c.used_cpu -= u64::from(cpu);
            c.used_memory -= u64::from(mem);
        }
        let stats = self.cluster.stats_mut(owner);
        stats.stopped += 1;
        self.outcome.tasks_stopped += 1;
        if failed {
            stats.failed += 1;
            self.outcome.tasks_failed += 1;
        }
        self.outcome.tasks_stopped_by_spot_interruption += u64::from(spot);
        // Reported where it lies, then freed: moved out of the slab first,
        // the record was copied whole for every task.
        let task = &self.cluster.tasks[key];
        if let Some(t) = task.fault_timer {
            self.queue.cancel(t);
        }
        self.rec.task_done(&self.cluster, task);
        self.cluster.tasks.free(key);
        if let Owner::Service(s) = owner {
            self.reconcile(s);
        }
        if let Some(i) = instance {
            self.terminate_if_empty(i);
            self.retry_waiting();
        }
    }
}

/// Per task definition: whether a job's task of it passes PENDING and
/// ACTIVATING without waiting or drawing (no image to pull, constant zero
/// start-up and activation, no start failure to draw) while nothing
/// watches its states. Fixed for a run: task definitions and the fault
/// list are the scenario's.
pub(super) fn starts_at_once(scenario: &crate::scenario::Scenario, transitions: bool) -> Vec<bool> {
    let start_failures = scenario
        .faults
        .iter()
        .any(|f| matches!(f, crate::faults::Fault::StartFailure { .. }));
    let at_once = !transitions && !start_failures;
    scenario
        .cluster
        .taskdefs
        .iter()
        .map(|td| at_once && td.image_mib.is_none() && zero(&td.startup) && zero(&td.activation))
        .collect()
}

/// Per task definition: whether its stopping steps all take no time
/// (constant zero deactivation and shutdown; not `stop_timeout == 0` for a
/// random shutdown: its draw is made) while nothing watches the states.
pub(super) fn stops_at_once(scenario: &crate::scenario::Scenario, transitions: bool) -> Vec<bool> {
    scenario
        .cluster
        .taskdefs
        .iter()
        .map(|td| !transitions && zero(&td.deactivation) && zero(&td.shutdown))
        .collect()
}

fn zero(d: &Dist) -> bool {
    matches!(d, Dist::Constant(0))
}
