//! Launches ECS refuses. RunTask on the EC2 launch type without a capacity
//! provider does not queue: a task that fits on no instance comes back in
//! `failures` with a reason (`RESOURCE:CPU`, `RESOURCE:MEMORY`, …) and no
//! task exists. Only tasks launched through an Auto Scaling group capacity
//! provider wait in PROVISIONING, and only up to a per-cluster quota.
//! Services keep retrying (their scheduler does), and a job may opt into a
//! client-side queue (`no_capacity = "queue"`): neither is refused.

use super::Sim;
use super::launch::request;
use crate::engine::SimTime;
use crate::model::{NoCapacity, Owner, Refusal};

/// ECS's "Tasks in the PROVISIONING state per cluster" quota: how many
/// capacity-provider tasks may wait for capacity in one cluster (the
/// default of `[quotas] provisioning_per_cluster`).
pub const PROVISIONING_QUOTA: u32 = 500;

/// One refused launch, for `refused.csv`.
#[derive(Debug, Clone)]
pub struct Refused {
    pub time: SimTime,
    pub job: u32,
    pub taskdef: u32,
    /// The Auto Scaling group capacity provider it was launched through.
    pub provider: Option<u32>,
    pub reason: Refusal,
}

impl Sim<'_> {
    /// Why task `key`, which found no instance at launch, is refused, or
    /// `None` when it waits for capacity.
    pub(super) fn refusal(&self, key: u32) -> Option<Refusal> {
        let c = &self.cluster;
        let task = &c.tasks[key];
        let Owner::Job(j) = task.owner else {
            return None;
        };
        if c.jobs[j as usize].no_capacity == NoCapacity::Queue {
            return None;
        }
        match task.asg {
            None => Some(crate::placement::refusal_reason(c, &request(c, key))),
            // The quota counts every waiting capacity-provider task, a
            // service's or a queueing job's included: they are all
            // PROVISIONING in ECS's eyes.
            Some(_) => (self.waiting.on_providers() >= self.limits.provisioning_per_cluster())
                .then_some(Refusal::ProvisioningQuota),
        }
    }

    /// Takes back a launch RunTask refuses: no task was created, so it
    /// leaves no row in tasks.csv and no trace in the launch counters
    /// (a capacity provider strategy counts only tasks that exist).
    pub(super) fn refuse(&mut self, key: u32, share: usize, reason: Refusal) {
        let task = self
            .cluster
            .tasks
            .remove(key)
            .expect("refused task is live");
        let Owner::Job(j) = task.owner else {
            unreachable!("only jobs are refused")
        };
        let job = &mut self.cluster.jobs[j as usize];
        let stats = &mut job.stats;
        stats.launched -= 1;
        stats.launched_on[share] -= 1;
        stats.starting -= 1;
        stats.provisioning -= 1;
        *job.refused.entry(reason).or_insert(0) += 1;
        self.outcome.tasks_launched -= 1;
        // Task ids stay consecutive: nothing launched since this one.
        if self.next_serial == task.serial + 1 {
            self.next_serial = task.serial;
        }
        self.outcome.tasks_refused += 1;
        self.outcome.refused.push(Refused {
            time: self.queue.now(),
            job: j,
            taskdef: task.taskdef,
            provider: task.asg,
            reason,
        });
    }
}
