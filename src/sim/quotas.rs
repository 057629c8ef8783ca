//! ECS's launch-rate quotas (`[quotas]`): how fast tasks may start, not
//! only whether they fit. The service scheduler launches at most N tasks
//! per service per minute; Fargate launches are throttled per account and
//! Region by a token bucket (one for On-Demand, one for Spot); RunTask
//! takes 20 calls a second of at most 10 tasks; and at most 500 tasks wait
//! for capacity-provider capacity per cluster. A throttled launch is
//! retried, never lost: a service is reconciled again when the quota
//! allows, a job's task is launched then.

use super::{Ev, Sim};
use crate::engine::SimTime;
use crate::engine::time::MINUTE;
use crate::model::{Capacity, Owner};
use crate::scenario::quotas::Quotas;

/// `Ev::JobLaunch`'s share when no capacity provider entry was chosen yet.
pub(super) const NO_SHARE: u8 = u8::MAX;

/// What held a launch back (summary.json `launches_throttled_by_quota`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quota {
    ServiceRate,
    FargateRate,
    RunTask,
    Provisioning,
}

impl Quota {
    pub const ALL: [Quota; 4] = [
        Quota::ServiceRate,
        Quota::FargateRate,
        Quota::RunTask,
        Quota::Provisioning,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Quota::ServiceRate => "service_launch_rate",
            Quota::FargateRate => "fargate_rate",
            Quota::RunTask => "run_task_rate",
            Quota::Provisioning => "provisioning_per_cluster",
        }
    }
}

/// A token bucket as the generic cell rate algorithm: `tat` is when the
/// bucket would be full again, in microseconds (a rate of 3 a second is
/// 333,333 µs a token: integer time, no float drift). `burst` tokens go at
/// once; then one every `t`.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tat: u64,
    t: u64,
    tau: u64,
}

impl Bucket {
    fn new(per_s: u32, burst: u32) -> Self {
        let t = 1_000_000 / u64::from(per_s.max(1));
        Bucket {
            tat: 0,
            t,
            tau: t * u64::from(burst.max(1) - 1),
        }
    }

    /// The earliest time (ms, not before `now`) a token is there.
    fn ready_at(&self, now: SimTime) -> SimTime {
        let at = self.tat.max(now * 1000).saturating_sub(self.tau);
        at.div_ceil(1000).max(now)
    }

    /// Takes the next token, at `ready_at(now)`: later takers queue behind.
    fn take(&mut self, now: SimTime) -> SimTime {
        let at = self.ready_at(now);
        self.tat = self.tat.max(at * 1000) + self.t;
        at
    }
}

/// The quotas' state over a run.
#[derive(Debug)]
pub(super) struct Limits {
    cfg: Quotas,
    /// Fargate launches: On-Demand, Spot.
    fargate: [Bucket; 2],
    run_task: Bucket,
    /// Per service: the minute its launches are counted in (from its first
    /// launch after the last one ended) and how many it launched.
    window: Vec<(SimTime, u32)>,
    /// Per service: a reconcile armed for when a quota allows.
    armed: Vec<Option<SimTime>>,
    /// Per service: tasks it still wanted when a quota held it back, and
    /// which quota; launched later, they count as throttled.
    owed: Vec<(u32, Quota)>,
    /// Services held back by the PROVISIONING quota, reconciled once
    /// tasks waiting for capacity got some.
    held: Vec<u32>,
}

impl Limits {
    pub(super) fn new(cfg: Quotas, services: usize) -> Self {
        let fargate = Bucket::new(cfg.fargate_rate_per_s, cfg.fargate_burst);
        Limits {
            cfg,
            fargate: [fargate; 2],
            run_task: Bucket::new(cfg.run_task_calls_per_s, cfg.run_task_calls_per_s),
            window: vec![(0, 0); services],
            armed: vec![None; services],
            owed: vec![(0, Quota::ServiceRate); services],
            held: Vec::new(),
        }
    }

    pub(super) fn provisioning_per_cluster(&self) -> u32 {
        self.cfg.provisioning_per_cluster
    }
}

fn spot(capacity: Capacity) -> usize {
    usize::from(capacity == Capacity::FargateSpot)
}

impl Sim<'_> {
    /// Whether service `s` may launch a task on `capacity` now (taking the
    /// quotas' tokens when it may). When it may not, a reconcile is armed
    /// for when it can, and the quota is returned.
    pub(super) fn service_gate(&mut self, s: u32, capacity: Capacity, asg: bool) -> Option<Quota> {
        let now = self.now();
        let l = &mut self.limits;
        let si = s as usize;
        if asg && self.waiting.on_providers() >= l.cfg.provisioning_per_cluster {
            if !l.held.contains(&s) {
                l.held.push(s);
            }
            return Some(Quota::Provisioning);
        }
        let rate = if capacity.is_fargate() {
            l.cfg.service_launch_rate_fargate
        } else {
            l.cfg.service_launch_rate_ec2
        };
        let (start, n) = &mut l.window[si];
        if now >= *start + MINUTE {
            (*start, *n) = (now, 0);
        }
        let mut wait = (*n >= rate).then_some((*start + MINUTE, Quota::ServiceRate));
        if wait.is_none() && capacity.is_fargate() {
            let at = l.fargate[spot(capacity)].ready_at(now);
            if at > now {
                wait = Some((at, Quota::FargateRate));
            }
        }
        if let Some((at, quota)) = wait {
            if l.armed[si].is_none_or(|t| t > at) {
                l.armed[si] = Some(at);
                self.queue.schedule_at(at, Ev::QuotaReconcile(s));
            }
            return Some(quota);
        }
        l.window[si].1 += 1;
        if capacity.is_fargate() {
            l.fargate[spot(capacity)].take(now);
        }
        None
    }

    /// Launches up to `n` tasks of service `s`; stops at the first a quota
    /// holds back and remembers the rest as owed. Returns those launched.
    pub(super) fn launch_service_tasks(&mut self, s: u32, taskdef: u32, group: u32, n: u32) -> u32 {
        for i in 0..n {
            if let Err(quota) = self.launch(Owner::Service(s), taskdef, group, None, None) {
                let owed = &mut self.limits.owed[s as usize];
                *owed = (owed.0.max(n - i), quota);
                return i;
            }
        }
        n
    }

    /// A service task was launched: one owed to a quota counts as throttled.
    pub(super) fn paid_owed(&mut self, s: u32) {
        let owed = &mut self.limits.owed[s as usize];
        if owed.0 > 0 {
            owed.0 -= 1;
            let q = owed.1;
            self.cluster.services[s as usize].stats.throttled[q as usize] += 1;
        }
    }

    pub(super) fn on_quota_reconcile(&mut self, s: u32) {
        let armed = &mut self.limits.armed[s as usize];
        if armed.is_some_and(|t| t <= self.queue.now()) {
            *armed = None;
        }
        self.reconcile(s);
    }

    /// After tasks waiting for capacity got some: services the
    /// PROVISIONING quota held back try again.
    pub(super) fn release_held(&mut self) {
        if self.limits.held.is_empty()
            || self.waiting.on_providers() >= self.limits.cfg.provisioning_per_cluster
        {
            return;
        }
        for s in std::mem::take(&mut self.limits.held) {
            self.queue.schedule_in(0, Ev::QuotaReconcile(s));
        }
    }

    /// When the next RunTask call may be made (its token taken): 20 calls
    /// a second by default, each of up to `run_task_tasks_per_call` tasks.
    pub(super) fn run_task_call(&mut self) -> SimTime {
        let now = self.now();
        self.limits.run_task.take(now)
    }

    pub(super) fn tasks_per_call(&self) -> u32 {
        self.limits.cfg.run_task_tasks_per_call
    }

    /// Launches a task of job `j` now: through the Fargate bucket when it
    /// goes to Fargate, unless its token was taken already (`share` given).
    pub(super) fn launch_job(&mut self, j: u32, share: u8, run_for: SimTime) {
        let job = &self.cluster.jobs[j as usize];
        let (taskdef, group) = (job.taskdef, job.group);
        let owner = Owner::Job(j);
        if share != NO_SHARE {
            let ps = job.capacity.share(share as usize);
            self.launch_as(
                owner,
                taskdef,
                group,
                None,
                Some(run_for),
                share as usize,
                ps,
            );
            return;
        }
        let (i, ps) = self.next_share(owner);
        if ps.capacity.is_fargate() {
            let now = self.now();
            let at = self.limits.fargate[spot(ps.capacity)].take(now);
            if at > now {
                self.cluster.jobs[j as usize].stats.throttled[Quota::FargateRate as usize] += 1;
                self.queue
                    .schedule_at(at, Ev::JobLaunch(j, i as u8, run_for));
                return;
            }
        }
        self.launch_as(owner, taskdef, group, None, Some(run_for), i, ps);
    }
}
