//! The tasks an imported cluster runs now, RUNNING on their instances at
//! time 0 before the service scheduler first looks; with them, each DAEMON
//! service's task on every instance.

use super::Sim;
use crate::engine::Dist;
use crate::model::{Owner, SchedulingStrategy, TaskState};
use crate::scenario::InitialTasks;

impl Sim<'_> {
    /// Places each listed task on its instance with no start-up delay; one
    /// that no longer fits there (the scenario changed the task or the
    /// instance) waits for capacity as any new task does, and is counted.
    pub(super) fn place_initial(&mut self, list: &[InitialTasks]) {
        if list.is_empty() {
            return;
        }
        // Already running: no image pull, no activation.
        let saved: Vec<(Dist, Dist)> = self
            .cluster
            .taskdefs
            .iter_mut()
            .map(|t| {
                (
                    std::mem::replace(&mut t.startup, Dist::Constant(0)),
                    std::mem::replace(&mut t.activation, Dist::Constant(0)),
                )
            })
            .collect();
        // The start-up ramp (from which min_running counts) must not end
        // after the first of a service's tasks: it ends once all are placed.
        let daemons: Vec<u32> = (0..self.cluster.services.len() as u32)
            .filter(|&s| self.cluster.services[s as usize].scheduling == SchedulingStrategy::Daemon)
            .collect();
        let mut touched: Vec<u32> = list
            .iter()
            .map(|i| i.service)
            .chain(daemons.iter().copied())
            .collect();
        touched.sort_unstable();
        touched.dedup();
        for &s in &touched {
            self.cluster.services[s as usize].ramp_done = Some(0);
        }
        // RUNNING ones first, with no start-up; PENDING ones go through it.
        for it in list.iter().filter(|it| !it.pending) {
            self.launch_initial(it);
        }
        // A DAEMON task runs on every instance of a running cluster.
        for &s in &daemons {
            self.reconcile(s);
        }
        for (t, (s, a)) in self.cluster.taskdefs.iter_mut().zip(saved) {
            t.startup = s;
            t.activation = a;
        }
        for it in list.iter().filter(|it| it.pending) {
            self.launch_initial(it);
        }
        for &s in &touched {
            let svc = &mut self.cluster.services[s as usize];
            if svc.stats.starting == svc.stats.provisioning {
                svc.stats.running.start_min_tracking();
            } else {
                svc.ramp_done = None;
            }
        }
    }
}

impl Sim<'_> {
    /// Places one `[[initial_tasks]]` entry's tasks on their instance, of
    /// the revision it names; one that does not fit waits, and is counted.
    fn launch_initial(&mut self, it: &InitialTasks) {
        let group = self.cluster.services[it.service as usize].group;
        for _ in 0..it.count {
            self.outcome.initial_tasks_requested += 1;
            let serial = self.next_serial;
            // Pinned to an instance: never held back by a quota.
            let _ = self.launch(
                Owner::Service(it.service),
                it.taskdef,
                group,
                Some(it.instance),
                None,
            );
            let Some((key, task)) = self.cluster.tasks.iter().find(|(_, t)| t.serial == serial)
            else {
                continue;
            };
            let placed = task.state != TaskState::Provisioning;
            // Pinned only for this first placement: a pinned task is
            // a DAEMON task to the scheduler and managed scaling.
            self.cluster.tasks[key].target_instance = None;
            if placed {
                self.outcome.initial_tasks_placed += 1;
            } else if task_is_fargate(self, key) {
                // The strategy sent it to Fargate: it provisions there.
            } else {
                if let Some(at) = self.waiting_daemon.iter().rposition(|&k| k == key) {
                    self.waiting_daemon.remove(at);
                }
                self.waiting.push(&self.cluster, key);
            }
        }
    }

    /// Deployments under way at time 0 go on from the tasks both revisions
    /// run, before the scheduler first looks (it would otherwise stop the
    /// tasks above the desired count).
    pub(super) fn resume_in_flight(&mut self) {
        let plans: Vec<_> = self
            .deploys
            .plans
            .iter()
            .filter(|p| p.in_flight)
            .cloned()
            .collect();
        for p in plans {
            self.start_deployment(p.service, p.taskdef, p.strategy, None);
        }
    }
}

fn task_is_fargate(sim: &Sim<'_>, key: u32) -> bool {
    sim.cluster.tasks[key].capacity.is_fargate()
}
