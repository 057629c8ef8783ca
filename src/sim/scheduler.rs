//! The ECS service scheduler: keeps REPLICA services at their desired count
//! and DAEMON services at one task per eligible instance.

use super::Sim;
use crate::model::{InstanceStatus, Owner, SchedulingStrategy, StopReason, TaskState};
use crate::placement::{self, Request};
use rand::RngExt;

impl Sim<'_> {
    /// Reconciles service `s`. A task that stops at once (no shutdown or
    /// deregistration time, or still PROVISIONING) is finalized inside the
    /// `stop` call, and finalizing asks for its service to be reconciled:
    /// asked inside a reconcile, that waits until the one under way is
    /// done. Run there and then, it would stop tasks the outer step still
    /// holds in its lists (a freed slab key, or a second stop that takes the
    /// service below minimumHealthyPercent).
    pub(super) fn reconcile(&mut self, s: u32) {
        if self.reconciling.busy {
            if !self.reconciling.again.contains(&s) {
                self.reconciling.again.push_back(s);
            }
            return;
        }
        self.reconciling.busy = true;
        self.reconcile_now(s);
        while let Some(next) = self.reconciling.again.pop_front() {
            self.reconcile_now(next);
        }
        self.reconciling.busy = false;
    }

    fn reconcile_now(&mut self, s: u32) {
        match self.cluster.services[s as usize].scheduling {
            SchedulingStrategy::Replica => self.reconcile_replica(s),
            SchedulingStrategy::Daemon => self.reconcile_daemon(s),
        }
    }

    pub(super) fn reconcile_all(&mut self) {
        for s in 0..self.cluster.services.len() as u32 {
            self.reconcile(s);
        }
    }

    fn reconcile_replica(&mut self, s: u32) {
        // Tasks on draining instances are moved first, deployment or not.
        let drained = self.replace_draining(s);
        if self.reconcile_deployment(s) || drained {
            return;
        }
        let svc = &self.cluster.services[s as usize];
        let (active, desired) = (svc.active.len() as u32, svc.desired);
        let (taskdef, group) = (svc.taskdef, svc.group);
        // A zone rebalancing's extra task is kept until it runs.
        let keep = desired + u32::from(svc.rebalance.is_some());
        if active < desired && self.throttled(s) {
            return;
        }
        if active < desired {
            self.launch_service_tasks(s, taskdef, group, desired - active);
        }
        for _ in keep..active {
            let Some(key) = self.pick_to_stop(s) else {
                break;
            };
            self.stop(key, StopReason::ScaleIn);
        }
    }

    /// Tasks on DRAINING instances are moved the way a deployment moves them
    /// (UpdateContainerInstancesState): replacements start first, within
    /// maximumPercent, and a draining task stops once minimumHealthyPercent
    /// allows. Returns false when the service has no task on a draining instance.
    fn replace_draining(&mut self, s: u32) -> bool {
        let c = &self.cluster;
        if c.draining == 0 {
            return false;
        }
        let svc = &c.services[s as usize];
        let on_draining = |k: u32| {
            c.tasks[k]
                .instance
                .is_some_and(|i| c.instances[i as usize].status == InstanceStatus::Draining)
        };
        let mut draining: Vec<u32> = svc
            .active
            .iter()
            .copied()
            .filter(|&k| on_draining(k))
            .collect();
        if draining.is_empty() {
            return false;
        }
        // Not yet serving first: they can go at once.
        draining.sort_by_key(|&k| (c.tasks[k].state == TaskState::Running, c.tasks[k].serial));
        let (desired, active) = (svc.desired, svc.active.len() as u32);
        let (max_total, min_healthy) = (
            svc.deploy_config.max_total(desired),
            svc.deploy_config.min_healthy(desired),
        );
        let (taskdef, group) = (svc.taskdef, svc.group);
        let active_now = svc.active.clone();
        // Only healthy tasks count towards minimumHealthyPercent.
        let mut running = active_now.iter().filter(|&&k| self.healthy(s, k)).count() as u32;
        let keep = active - draining.len() as u32;
        let launch = desired
            .saturating_sub(keep)
            .min(max_total.saturating_sub(active));
        if launch > 0 && !self.throttled(s) {
            self.launch_service_tasks(s, taskdef, group, launch);
        }
        for k in draining {
            let serving = self.healthy(s, k);
            if serving && running <= min_healthy {
                break;
            }
            if serving {
                running -= 1;
            }
            // ECS stops it as for any drained instance (ServiceSchedulerInitiated);
            // ecsim remembers the Spot notice behind it for its own count.
            let spot = self.cluster.tasks[k]
                .instance
                .is_some_and(|i| self.cluster.instances[i as usize].spot_reclaim);
            self.stop(
                k,
                if spot {
                    StopReason::SpotDrained
                } else {
                    StopReason::Draining
                },
            );
        }
        true
    }

    /// Scale-in choice. Tasks still waiting for capacity go first (they hold
    /// nothing), newest first; then the service's placement strategies pick,
    /// run in reverse ("Amazon ECS task placement strategies": spread keeps
    /// the zones balanced, binpack frees the emptiest instance).
    fn pick_to_stop(&mut self, s: u32) -> Option<u32> {
        let c = &self.cluster;
        let svc = &c.services[s as usize];
        if let Some(&k) = svc
            .active
            .iter()
            .rev()
            .find(|&&k| c.tasks[k].state == TaskState::Provisioning)
        {
            return Some(k);
        }
        // `active` is in launch (serial) order, which `Cluster::check` keeps.
        if svc.capacity.is_fargate() {
            return self.pick_fargate_to_stop(s, svc.active.clone());
        }
        placement::choose_to_stop(
            c,
            svc.group,
            &svc.active,
            &svc.strategies,
            &mut self.rng.scheduler,
        )
    }

    /// Fargate scale-in: from the provider furthest above its share of the
    /// smaller count (so base and weights still hold), then from the zone
    /// with the most tasks; ties at random.
    fn pick_fargate_to_stop(&mut self, s: u32, mut cands: Vec<u32>) -> Option<u32> {
        let c = &self.cluster;
        let svc = &c.services[s as usize];
        let n = svc.capacity.len();
        let mut target = vec![0u32; n];
        for _ in 0..cands.len().saturating_sub(1) {
            let i = svc.capacity.next(&target);
            target[i] += 1;
        }
        let count = |i: usize| {
            cands
                .iter()
                .filter(|&&k| c.tasks[k].share as usize == i)
                .count() as u32
        };
        if let Some(i) = (0..n).find(|&i| count(i) > target[i]) {
            cands.retain(|&k| c.tasks[k].share as usize == i);
        }
        let group = &c.groups[svc.group as usize];
        let per_zone = |k: u32| {
            c.tasks[k]
                .az
                .and_then(|z| group.fargate_per_az.get(&z).copied())
                .unwrap_or(0)
        };
        let most = cands.iter().map(|&k| per_zone(k)).max()?;
        cands.retain(|&k| per_zone(k) == most);
        Some(cands[self.rng.scheduler.random_range(0..cands.len())])
    }

    /// One task on every ACTIVE instance that meets the constraints; a task
    /// on an instance that no longer qualifies is stopped.
    fn reconcile_daemon(&mut self, s: u32) {
        let c = &self.cluster;
        let svc = &c.services[s as usize];
        let td = &c.taskdefs[svc.taskdef as usize];
        let req = Request {
            cpu: td.cpu,
            memory: td.memory,
            ports: &td.host_ports,
            enis: u32::from(td.awsvpc),
            gpus: td.gpus,
            arch: td.arch,
            group: svc.group,
            constraints: [&td.constraints, &svc.constraints],
            strategies: &[],
            only_instance: None,
            instance_group: None,
        };
        let eligible: Vec<bool> = c
            .instances
            .iter()
            .map(|i| i.takes_tasks() && placement::could_ever_fit(c, i, &req))
            .collect();
        let mut covered = vec![false; c.instances.len()];
        let mut to_stop = Vec::new();
        for &k in &svc.active {
            if let Some(i) = c.tasks[k].target_instance {
                // On a draining instance the daemon task stays until the
                // others are gone (`terminate_if_empty` stops it last).
                let inst = &c.instances[i as usize];
                let draining = inst.status == InstanceStatus::Draining && inst.terminate_when_empty;
                // An agent that is not connected takes no new task, and the
                // one it runs keeps running.
                let cut_off = inst.status == InstanceStatus::Active && !inst.agent_connected;
                if draining || cut_off || (eligible[i as usize] && !covered[i as usize]) {
                    covered[i as usize] = true;
                } else {
                    to_stop.push(k);
                }
            }
        }
        let (taskdef, group) = (svc.taskdef, svc.group);
        let desired = eligible.iter().filter(|&&e| e).count() as u32;
        self.cluster.services[s as usize].desired = desired;
        for k in to_stop {
            self.stop(k, StopReason::ScaleIn);
        }
        for (i, _) in eligible
            .iter()
            .zip(&covered)
            .enumerate()
            .filter(|(_, (e, c))| **e && !**c)
        {
            // A DAEMON task is never held back (one per instance).
            let _ = self.launch(Owner::Service(s), taskdef, group, Some(i as u32), None);
        }
    }
}
