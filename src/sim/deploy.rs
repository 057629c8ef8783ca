//! Deployments of a new task definition revision: rolling updates bounded
//! by minimum healthy / maximum percent, the deployment circuit breaker with
//! rollback, and blue/green with all-at-once, canary or linear traffic.

use super::{Ev, Sim};
use crate::model::deployment::{
    BlueGreenPhase, Deployment, DeploymentRecord, Strategy, Traffic, failure_threshold,
};
use crate::model::{StopReason, TaskState};

impl Sim<'_> {
    pub(super) fn on_deploy(&mut self, i: u32) {
        let plan = self.deploys.plans[i as usize].clone();
        self.start_deployment(plan.service, plan.taskdef, plan.strategy, None);
    }

    pub(super) fn start_deployment(
        &mut self,
        s: u32,
        target: u32,
        strategy: Strategy,
        rollback_of: Option<u32>,
    ) {
        let now = self.now();
        let svc = &self.cluster.services[s as usize];
        let previous = svc.taskdef;
        if target == previous && svc.deployment.is_none() {
            return;
        }
        // A new deployment replaces one in progress (ECS supersedes it).
        if let Some(old) = svc.deployment.as_ref().map(|d| d.id) {
            self.close_record(old, "STOPPED");
        }
        let svc = &self.cluster.services[s as usize];
        let id = self.deploys.records.len() as u32 + 1;
        let strategy_name = match strategy {
            Strategy::Rolling => "rolling",
            Strategy::BlueGreen { .. } => "blue_green",
        };
        let c = &self.cluster;
        self.deploys.records.push(DeploymentRecord {
            id,
            service: svc.name.clone(),
            from: c.taskdefs[previous as usize].family.clone(),
            to: c.taskdefs[target as usize].family.clone(),
            strategy: strategy_name,
            started: now,
            ended: None,
            status: "IN_PROGRESS",
            failed_tasks: 0,
            rollback_of,
        });
        let svc = &mut self.cluster.services[s as usize];
        svc.deployment = Some(Deployment {
            id,
            target,
            previous,
            strategy,
            failed_tasks: 0,
            threshold: failure_threshold(svc.desired),
            is_rollback: rollback_of.is_some(),
            phase: BlueGreenPhase::Provisioning,
            traffic_pct: 0.0,
        });
        svc.taskdef = target;
        // A new revision starts with a clean throttle; a rollback keeps
        // backing off, so repeated failures slow down.
        if rollback_of.is_none() {
            svc.health.failed_in_row = 0;
            svc.health.launch_after = now;
        }
        self.reconcile(s);
    }

    fn close_record(&mut self, id: u32, status: &'static str) {
        let now = self.now();
        if let Some(r) = self.deploys.records.iter_mut().find(|r| r.id == id) {
            r.status = status;
            r.ended = Some(now);
        }
    }

    /// A task of the service failed to start: the circuit breaker counts
    /// tasks of the revision being deployed.
    pub(super) fn deployment_task_failed(&mut self, s: u32, taskdef: u32) {
        let svc = &mut self.cluster.services[s as usize];
        let Some(d) = &mut svc.deployment else { return };
        if d.target != taskdef {
            return;
        }
        d.failed_tasks += 1;
        let (id, failed, threshold) = (d.id, d.failed_tasks, d.threshold);
        if let Some(r) = self.deploys.records.iter_mut().find(|r| r.id == id) {
            r.failed_tasks = failed;
        }
        let Some(rollback) = svc.deploy_config.circuit_breaker else {
            return;
        };
        if failed < threshold {
            return;
        }
        self.fail_deployment(s, rollback);
    }

    /// The deployment in progress failed (circuit breaker, deployment
    /// alarm): with `rollback`, back to the revision it replaced, else
    /// FAILED, the scheduler keeping the revision and trying on, throttled.
    pub(super) fn fail_deployment(&mut self, s: u32, rollback: bool) {
        let Some(d) = self.cluster.services[s as usize].deployment.clone() else {
            return;
        };
        // A rollback that fails too ends FAILED: no rollback of a rollback.
        if rollback && !d.is_rollback {
            self.close_record(d.id, "ROLLED_BACK");
            self.cluster.services[s as usize].deployment = None;
            self.start_deployment(s, d.previous, d.strategy, Some(d.id));
        } else {
            self.close_record(d.id, "FAILED");
            self.cluster.services[s as usize].deployment = None;
        }
    }

    /// The service scheduler's step while a deployment runs. Returns false
    /// when there is none.
    pub(super) fn reconcile_deployment(&mut self, s: u32) -> bool {
        let Some(d) = self.cluster.services[s as usize].deployment.clone() else {
            return false;
        };
        match d.strategy {
            Strategy::Rolling => self.rolling_step(s, &d),
            Strategy::BlueGreen { .. } => self.blue_green_step(s, &d),
        }
        true
    }

    /// Whether a task counts towards minimumHealthyPercent: RUNNING for
    /// as long as its health checks take to pass (`healthy_after`), and
    /// not failing them. The grace period only delays acting on failures.
    pub(super) fn healthy(&self, s: u32, k: u32) -> bool {
        let t = &self.cluster.tasks[k];
        t.state == TaskState::Running
            && !t.failing_health
            && t.started
                .is_some_and(|st| st + self.healthy_after(s, t.taskdef) <= self.now())
    }

    pub(super) fn healthy_after(&self, s: u32, taskdef: u32) -> crate::engine::SimTime {
        crate::model::service::healthy_after(
            self.cluster.services[s as usize].load_balancer,
            &self.cluster.taskdefs[taskdef as usize],
        )
    }

    /// (new, old) active tasks and how many of all are healthy.
    fn split(&self, s: u32, target: u32) -> (Vec<u32>, Vec<u32>, u32) {
        let c = &self.cluster;
        let svc = &c.services[s as usize];
        let (mut new, mut old) = (Vec::new(), Vec::new());
        let mut running = 0;
        for &k in &svc.active {
            let t = &c.tasks[k];
            if self.healthy(s, k) {
                running += 1;
            }
            if t.taskdef == target {
                new.push(k)
            } else {
                old.push(k)
            }
        }
        // Old tasks that are not serving go first, then the oldest.
        old.sort_by_key(|&k| (c.tasks[k].state == TaskState::Running, c.tasks[k].serial));
        (new, old, running)
    }

    fn rolling_step(&mut self, s: u32, d: &Deployment) {
        let svc = &self.cluster.services[s as usize];
        let (desired, cfg) = (svc.desired, svc.deploy_config.clone());
        let (max_total, min_healthy) = (cfg.max_total(desired), cfg.min_healthy(desired));
        let (taskdef, group) = (svc.taskdef, svc.group);
        // Scaled in during the deployment: new tasks beyond the desired
        // count go, or the deployment could never complete; and while more
        // tasks are active than maximumPercent of the new desired count
        // allows, any task goes. Those not serving yet first (old before
        // new, then the newest); a serving one only above the healthy floor.
        // One at a time: a stop can reconcile the service again.
        let active = self.cluster.services[s as usize].active.len();
        for _ in 0..active {
            let (new, old, running) = self.split(s, d.target);
            let over_desired = new.len() > desired as usize;
            if !over_desired && new.len() + old.len() <= max_total as usize {
                break;
            }
            let pool = if over_desired {
                new
            } else {
                [old, new].concat()
            };
            let Some(&k) = pool.iter().min_by_key(|&&k| {
                let t = &self.cluster.tasks[k];
                (
                    self.healthy(s, k),
                    t.taskdef == d.target,
                    std::cmp::Reverse(t.serial),
                )
            }) else {
                break;
            };
            if self.healthy(s, k) && running <= min_healthy {
                break;
            }
            self.stop(k, StopReason::ScaleIn);
        }
        // Stop old tasks as far as min healthy allows, launch new ones as far
        // as max percent allows, and again once the stops made room.
        for _ in 0..2 {
            let (_, old, mut running) = self.split(s, d.target);
            let before = running;
            for k in old {
                let serving = self.healthy(s, k);
                if serving && running <= min_healthy {
                    break;
                }
                if serving {
                    running -= 1;
                }
                self.stop(k, StopReason::ScaleIn);
            }
            if self.checks.on {
                self.check_healthy_floor(s, before.min(min_healthy));
            }
            let (new, old, _) = self.split(s, d.target);
            let active = (new.len() + old.len()) as u32;
            let wanted = desired
                .saturating_sub(new.len() as u32)
                .min(max_total.saturating_sub(active));
            if wanted > 0 && !self.throttled(s) {
                self.launch_service_tasks(s, taskdef, group, wanted);
            }
        }
        let (new, old, _) = self.split(s, d.target);
        // Done once the old tasks are gone, not only asked to stop: behind a
        // load balancer they drain for the deregistration delay first.
        let stats = &self.cluster.services[s as usize].stats;
        let stopping = (stats.launched.saturating_sub(stats.stopped))
            .saturating_sub((new.len() + old.len()) as u64);
        if old.is_empty()
            && stopping == 0
            && new.len() as u32 == desired
            && new.iter().all(|&k| self.healthy(s, k))
        {
            self.finish_deployment(s, d.id);
        }
    }

    /// minimumHealthyPercent as an invariant (API_DeploymentConfiguration):
    /// the scheduler's own stops never take the healthy tasks below the
    /// floor, nor below what there was when it was already under it.
    fn check_healthy_floor(&mut self, s: u32, floor: u32) {
        let svc = &self.cluster.services[s as usize];
        let healthy = svc.active.iter().filter(|&&k| self.healthy(s, k)).count() as u32;
        if healthy < floor && self.checks.broken.is_none() {
            self.checks.broken = Some(format!(
                "service {}: a rolling step left {healthy} healthy tasks, below {floor} \
                 (minimumHealthyPercent {} of desired {})",
                svc.name, svc.deploy_config.minimum_healthy_percent, svc.desired
            ));
        }
    }

    fn finish_deployment(&mut self, s: u32, id: u32) {
        self.cluster.services[s as usize].deployment = None;
        self.close_record(id, "COMPLETED");
    }

    fn blue_green_step(&mut self, s: u32, d: &Deployment) {
        let (new, _, _) = self.split(s, d.target);
        let svc = &self.cluster.services[s as usize];
        let (desired, taskdef, group) = (svc.desired, svc.taskdef, svc.group);
        // Green: a full replacement set beside blue, kept whole in every phase.
        let missing = desired.saturating_sub(new.len() as u32);
        if missing > 0 && !self.throttled(s) {
            self.launch_service_tasks(s, taskdef, group, missing);
        }
        let (new, _, _) = self.split(s, d.target);
        if d.phase == BlueGreenPhase::Provisioning
            && new.len() as u32 == desired
            && new.iter().all(|&k| self.healthy(s, k))
        {
            self.shift(s, d.id);
        }
    }

    /// Moves the next share of traffic to green; after the last, bakes.
    fn shift(&mut self, s: u32, id: u32) {
        let svc = &mut self.cluster.services[s as usize];
        let Some(d) = &mut svc.deployment else { return };
        let Strategy::BlueGreen { traffic, bake_time } = d.strategy else {
            return;
        };
        let (step, interval) = match traffic {
            Traffic::AllAtOnce => (100.0, 0),
            Traffic::Canary { percent, interval } => {
                (if d.traffic_pct == 0.0 { percent } else { 100.0 }, interval)
            }
            Traffic::Linear { percent, interval } => (percent, interval),
        };
        d.phase = BlueGreenPhase::Shifting;
        d.traffic_pct = (d.traffic_pct + step).min(100.0);
        if d.traffic_pct >= 100.0 {
            d.phase = BlueGreenPhase::Baking;
            self.queue.schedule_in(bake_time, Ev::DeployStep(s, id));
        } else {
            self.queue.schedule_in(interval, Ev::DeployStep(s, id));
        }
    }

    pub(super) fn on_deploy_step(&mut self, s: u32, id: u32) {
        let Some(d) = self.cluster.services[s as usize].deployment.clone() else {
            return;
        };
        if d.id != id {
            return;
        }
        match d.phase {
            BlueGreenPhase::Shifting => self.shift(s, id),
            BlueGreenPhase::Baking => {
                // Bake time over: blue goes.
                let (_, old, _) = self.split(s, d.target);
                for k in old {
                    self.stop(k, StopReason::ScaleIn);
                }
                self.finish_deployment(s, id);
                self.reconcile(s);
            }
            BlueGreenPhase::Provisioning => {}
        }
    }
}
