//! The simulation: drives the engine's clock over the cluster model, applying
//! the service scheduler, job arrivals and the task lifecycle.

mod agent;
mod autoscale;
mod deploy;
mod deploy_alarms;
mod faults;
mod initial;
mod launch;
mod lifecycle;
mod managed;
mod managed_instances;
mod measure;
mod parts;
mod pull;
mod queues;
mod quotas;
mod rebalance;
mod recorder;
mod refuse;
mod sample;
mod scheduler;
mod waiting;

pub use quotas::Quota;
pub use recorder::Recorder;
pub use refuse::{PROVISIONING_QUOTA, Refused};
pub use sample::{JobSample, LoadSample, ProviderSample, Sample, ServiceSample};

use crate::engine::time::MINUTE;
use crate::engine::{EventQueue, RngStreams, SimTime};
use crate::error::{Error, Result};
use crate::model::{Arrivals, Cluster, Owner, TaskState};
use crate::scenario::Scenario;
use std::collections::VecDeque;

/// Set by a Ctrl-C handler: the run stops at the next check and writes nothing.
pub static INTERRUPT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Events of the ECS world.
#[derive(Debug, Clone, Copy)]
pub enum Ev {
    /// A task's lifecycle timer; `serial` guards against a reused slot.
    Task {
        key: u32,
        serial: u64,
    },
    JobArrival(u32),
    /// A job's task whose launch a quota delayed: (job, its capacity
    /// provider strategy entry when its Fargate token is taken, else
    /// `NO_SHARE`; its duration).
    JobLaunch(u32, u8, SimTime),
    /// Service `s` again, once a launch-rate quota allows.
    QuotaReconcile(u32),
    DesiredChange(u32),
    /// (service, scheduled action index)
    ScheduledScaling(u32, u32),
    /// A launched instance registered with the cluster.
    InstanceReady(u32),
    InstanceFail(u32),
    /// Spot 2-minute warning for an instance, and the reclaim itself.
    SpotNotice(u32),
    SpotReclaim(u32),
    /// A listed Spot interruption time of fault `n`.
    SpotAt(u32),
    /// Fault `n` (an outage) starts; the zone comes back.
    AzDown(u32),
    AzUp(u32),
    /// A crash (or Fargate Spot interruption when `spot`) of a running task.
    TaskFault {
        key: u32,
        serial: u64,
        kind: faults::FaultKind,
    },
    /// Deployment plan `n` starts.
    Deploy(u32),
    /// The next blue/green step of (service, deployment id).
    DeployStep(u32, u32),
    /// The service throttle is over: try launching again.
    Reconcile(u32),
    Sample,
    /// A 20-second reading between minutes, for services whose target
    /// tracking follows a HighResolution metric.
    HighResolution,
}

/// Totals of a finished run.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub events_processed: u64,
    pub tasks_launched: u64,
    pub tasks_started: u64,
    pub tasks_stopped: u64,
    pub tasks_failed: u64,
    /// Tasks AWS taking back Spot capacity stopped (not failures).
    pub tasks_stopped_by_spot_interruption: u64,
    /// Tasks still waiting for capacity when the run ended.
    pub tasks_provisioning_at_end: u64,
    /// Of those, the ones that take an ENI or GPUs, by the placement step
    /// that stops them (`RESOURCE:ENI`, `RESOURCE:GPU`, `RESOURCE:CPU`, …).
    pub provisioning_eni_gpu_by_reason: std::collections::BTreeMap<&'static str, u64>,
    /// Waiting tasks a retry looked at (tried to place), over the run: a
    /// measure of the retry work, which must grow with the work done, not
    /// with the square of the queue.
    pub retry_visits: u64,
    /// Job launches refused for want of capacity (RunTask `failures`), and
    /// each of them in order.
    pub tasks_refused: u64,
    pub refused: Vec<Refused>,
    pub incidents: Vec<crate::faults::Incident>,
    pub deployments: Vec<crate::model::deployment::DeploymentRecord>,
    /// The simulated time the results cover: the scenario's duration, or
    /// less when the run was cut short.
    pub end: SimTime,
    /// Why the run stopped before its duration; `None` for a complete run.
    pub partial: Option<String>,
    /// `[[initial_tasks]]`: tasks asked to run at time 0, and those placed
    /// on their instance.
    pub initial_tasks_requested: u64,
    pub initial_tasks_placed: u64,
    /// When the warm-up that quality figures leave out ended (`None`: it
    /// never did).
    pub warm_up_end: Option<SimTime>,
    /// Job tasks still in a client-side queue at the end (job, launched at):
    /// written to tasks.csv as PROVISIONING, but not in the returned
    /// cluster's tasks (see `waiting::Dormant`).
    pub queued_at_end: Vec<(u32, SimTime)>,
}

/// A reconcile is under way, and the services asked for while it ran (each
/// once, in the order asked).
#[derive(Default)]
struct Reconciling {
    busy: bool,
    again: VecDeque<u32>,
}

pub struct Sim<'r> {
    pub cluster: Cluster,
    queue: EventQueue<Ev>,
    /// What the scenario sets once: the run's length and start.
    cfg: parts::Config,
    rng: parts::Rngs,
    /// PROVISIONING tasks in arrival order; DAEMON tasks are tried first, as
    /// ECS reserves capacity for them ahead of replica tasks.
    waiting_daemon: VecDeque<u32>,
    waiting: waiting::WaitQueue,
    retry: parts::Retry,
    reconciling: Reconciling,
    measure: measure::Measure,
    limits: quotas::Limits,
    pulls: pull::Pulls,
    fault: parts::FaultState,
    deploys: parts::Deploys,
    groups: parts::GroupState,
    next_serial: u64,
    rec: &'r mut dyn Recorder,
    checks: parts::Checks,
    watch: parts::Watch,
    outcome: Outcome,
    sample: Sample,
    /// ECS Managed Instances providers.
    mi: managed_instances::Fleets,
}

/// Clusters of up to this many instances are checked after every event
/// (in a debug build, or `with_invariant_checks`); larger ones after every
/// (instances / `CHECK_STRIDE_PER`)-th.
const CHECK_EVERY_EVENT_UP_TO: usize = 2_500;
const CHECK_STRIDE_PER: usize = 500;

impl<'r> Sim<'r> {
    pub fn new(scenario: &Scenario, seed: u64, rec: &'r mut dyn Recorder) -> Self {
        let streams = RngStreams::new(seed);
        let mut cluster = scenario.cluster.clone();
        cluster.index_instances_for_strategies();
        let service_rngs = cluster
            .services
            .iter()
            .map(|s| streams.stream(&format!("lifecycle/service:{}", s.name)))
            .collect();
        let job_rngs = cluster
            .jobs
            .iter()
            .map(|j| {
                (
                    streams.stream(&format!("lifecycle/job:{}", j.name)),
                    streams.stream(&format!("durations/job:{}", j.name)),
                    streams.stream(&format!("arrivals/job:{}", j.name)),
                )
            })
            .collect();
        Sim {
            queue: EventQueue::new(),
            cfg: parts::Config {
                duration: scenario.duration,
                desired_changes: scenario.desired_changes.clone(),
                fargate_provisioning: scenario.fargate_provisioning.clone(),
                initial_tasks: scenario.initial_tasks.clone(),
                transitions: rec.wants_transitions(),
                starts_at_once: lifecycle::starts_at_once(scenario, rec.wants_transitions()),
                stops_at_once: lifecycle::stops_at_once(scenario, rec.wants_transitions()),
            },
            rng: parts::Rngs {
                placement: streams.stream("placement"),
                scheduler: streams.stream("scheduler"),
                service: service_rngs,
                job: job_rngs,
                demand: cluster
                    .services
                    .iter()
                    .map(|s| streams.stream(&format!("demand/service:{}", s.name)))
                    .collect(),
                fault: streams.stream("faults"),
            },
            waiting_daemon: VecDeque::new(),
            waiting: Default::default(),
            retry: parts::Retry::default(),
            reconciling: Reconciling::default(),
            measure: measure::Measure::new(scenario.warm_up),
            limits: quotas::Limits::new(scenario.quotas, cluster.services.len()),
            pulls: pull::Pulls::new(scenario.image_pull),
            fault: parts::FaultState {
                list: scenario.faults.clone(),
                incidents: Vec::new(),
                first_open: 0,
                unbalanced: Vec::new(),
                az_down: vec![false; cluster.azs.len()],
            },
            deploys: parts::Deploys {
                records: Vec::new(),
                plans: scenario.deployments.clone(),
            },
            groups: parts::GroupState {
                rebalance_seen: Default::default(),
                rebalancing: vec![false; cluster.templates.len()],
                // In capacity units: instances, or their weights summed.
                desired: (0..cluster.templates.len() as u32)
                    .map(|g| {
                        let kinds = &cluster.templates[g as usize].kinds;
                        cluster
                            .instances
                            .iter()
                            .filter(|i| i.group == g)
                            .map(|i| kinds[i.kind as usize].weight)
                            .sum()
                    })
                    .collect(),
            },
            next_serial: 1,
            rec,
            checks: parts::Checks {
                on: cfg!(debug_assertions),
                broken: None,
            },
            watch: parts::Watch::default(),
            outcome: Outcome::default(),
            sample: Sample::default(),
            mi: managed_instances::Fleets::new(&scenario.managed_instances),
            cluster,
        }
    }

    /// Ranks Managed Instances types by the run's prices (EC2 plus the
    /// management fee) instead of the shipped ones.
    pub fn with_prices(
        mut self,
        rates: &crate::billing::prices::Rates,
        spot_discount: f64,
    ) -> Self {
        self.mi.price_with(rates, spot_discount);
        self
    }

    /// Checks every invariant after every event (on by default in debug builds).
    pub fn with_invariant_checks(mut self, on: bool) -> Self {
        self.checks.on = on;
        self
    }

    /// Stops the run after `limit` of wall-clock time (counted from this
    /// call), keeping what was simulated so far; `None` runs to the end.
    pub fn with_wall_limit(mut self, limit: Option<std::time::Duration>) -> Self {
        self.watch.deadline = limit.map(|l| (std::time::Instant::now() + l, l));
        self
    }

    /// Reports the simulated time reached and the events so far to `p`.
    pub fn with_progress(mut self, p: Option<std::sync::Arc<crate::engine::Progress>>) -> Self {
        if let Some(p) = &p {
            p.start(self.cfg.duration);
        }
        self.watch.progress = p;
        self
    }

    pub fn now(&self) -> SimTime {
        self.queue.now()
    }

    pub fn run(mut self) -> Result<(Outcome, Cluster)> {
        for j in 0..self.cluster.jobs.len() as u32 {
            let first = match &self.cluster.jobs[j as usize].arrivals {
                Arrivals::Random { gap, .. } => gap.sample(&mut self.rng.job[j as usize].2),
                Arrivals::Schedule { first, .. } => *first,
            };
            if first < self.cfg.duration {
                self.queue.schedule_at(first, Ev::JobArrival(j));
            }
        }
        for (i, c) in self.cfg.desired_changes.iter().enumerate() {
            if c.0 < self.cfg.duration {
                self.queue.schedule_at(c.0, Ev::DesiredChange(i as u32));
            }
        }
        self.queue.schedule_at(0, Ev::Sample);
        self.schedule_scaling();
        self.setup_faults();
        for (i, p) in self.deploys.plans.iter().enumerate() {
            if p.at < self.cfg.duration && !p.in_flight {
                self.queue.schedule_at(p.at, Ev::Deploy(i as u32));
            }
        }
        let initial = std::mem::take(&mut self.cfg.initial_tasks);
        self.with_every_agent_connected(|sim| sim.place_initial(&initial));
        self.resume_in_flight();
        self.reconcile_all();
        self.check(0)?;
        // The run covers [0, end): nothing happens at `end` itself (no
        // launch, stop, decision or sample), so nothing can start there
        // only to be billed a minimum charge for time the run never had.
        loop {
            // Ctrl-C and the wall-clock limit are polled every 4096 events,
            // starting before the first, so a zero limit always stops at 0.
            if self.queue.delivered().is_multiple_of(4096) {
                let Some(t) = self.queue.peek_time().filter(|&t| t < self.cfg.duration) else {
                    break;
                };
                if let Some(p) = &self.watch.progress {
                    p.set(t, self.queue.delivered());
                }
                if INTERRUPT.load(std::sync::atomic::Ordering::Relaxed) {
                    return Err(Error::Interrupted);
                }
                if let Some((at, limit)) = self.watch.deadline
                    && std::time::Instant::now() >= at
                {
                    // Cut at the next event's time: everything before it
                    // happened, nothing at it, as at a complete run's end.
                    let now = t;
                    self.outcome.partial = Some(format!(
                        "wall-clock limit of {} s reached at simulated time {} s of {} s",
                        limit.as_secs_f64(),
                        crate::engine::time::secs_f64(now),
                        crate::engine::time::secs_f64(self.cfg.duration)
                    ));
                    self.cfg.duration = now;
                    self.rec.cut(now);
                    break;
                }
            }
            // One look at the queue per event: the next one, if before the end.
            let Some((now, ev)) = self.queue.pop_before(self.cfg.duration) else {
                break;
            };
            match ev {
                Ev::Task { key, serial } => {
                    if self
                        .cluster
                        .tasks
                        .get(key)
                        .is_some_and(|t| t.serial == serial)
                    {
                        self.cluster.tasks[key].timer = None;
                        self.on_timer(key);
                    }
                }
                Ev::JobArrival(j) => self.on_job_arrival(j),
                Ev::JobLaunch(j, share, run_for) => self.launch_job(j, share, run_for),
                Ev::QuotaReconcile(s) => self.on_quota_reconcile(s),
                Ev::DesiredChange(i) => {
                    let (_, svc, n) = self.cfg.desired_changes[i as usize];
                    let s = &mut self.cluster.services[svc as usize];
                    s.load.desired_changed(now, s.desired, n);
                    s.desired = n;
                    self.reconcile(svc);
                }
                Ev::ScheduledScaling(svc, i) => self.on_scheduled_scaling(svc, i),
                Ev::InstanceReady(i) => self.on_instance_ready(i),
                Ev::InstanceFail(i) => self.on_instance_fail(i),
                Ev::SpotNotice(i) => self.on_spot_notice(i),
                Ev::SpotReclaim(i) => self.on_spot_reclaim(i),
                Ev::SpotAt(f) => self.on_spot_at(f),
                Ev::AzDown(f) => self.on_az_down(f),
                Ev::AzUp(z) => self.on_az_up(z),
                Ev::TaskFault { key, serial, kind } => self.on_task_fault(key, serial, kind),
                Ev::Deploy(i) => self.on_deploy(i),
                Ev::DeployStep(s, id) => self.on_deploy_step(s, id),
                Ev::Reconcile(s) => self.on_reconcile(s),
                Ev::HighResolution => self.high_resolution_tick(now),
                Ev::Sample => {
                    self.warm_up_tick(now);
                    self.scaling_tick(now);
                    self.managed_scaling_tick(now);
                    self.managed_instances_tick(now);
                    self.availability_tick(now);
                    if now.is_multiple_of(rebalance::EVERY) {
                        self.rebalance_tick(now);
                    }
                    self.take_sample();
                    if now + MINUTE < self.cfg.duration {
                        self.queue.schedule_at(now + MINUTE, Ev::Sample);
                    }
                }
            }
            self.check(now)?;
        }
        self.finish()
    }

    fn check_stride(&self) -> u64 {
        let n = self.cluster.instances.len();
        if n > CHECK_EVERY_EVENT_UP_TO {
            (n / CHECK_STRIDE_PER) as u64
        } else {
            1
        }
    }

    /// After every event: nothing to do unless checks are on or a step
    /// broke a rule, so that much is answered inline.
    #[inline]
    fn check(&mut self, now: SimTime) -> Result<()> {
        if self.checks.on || self.checks.broken.is_some() {
            return self.check_now(now);
        }
        Ok(())
    }

    #[inline(never)]
    fn check_now(&mut self, now: SimTime) -> Result<()> {
        // A full check walks every instance and task: about 10 ms in a
        // debug build at the 5,000-instance quota, after each of the tens
        // of thousands of events placing region-scale's first tasks. Above
        // `CHECK_EVERY_EVENT_UP_TO` instances it runs after every
        // (instances / `CHECK_STRIDE_PER`)-th event, so that checking costs
        // per event about what it costs on a cluster of that size.
        // Off (the release default), nothing is computed but the flag.
        if self.checks.on && self.queue.delivered().is_multiple_of(self.check_stride()) {
            self.cluster
                .check_invariants()
                .map_err(|e| Error::Internal(format!("invariant broken at t={now} ms: {e}")))?;
            self.rec.after_event(&self.cluster, now);
        }
        if let Some(e) = self.checks.broken.take() {
            return Err(Error::Internal(format!(
                "invariant broken at t={now} ms: {e}"
            )));
        }
        Ok(())
    }

    fn on_job_arrival(&mut self, j: u32) {
        let now = self.now();
        let job = &self.cluster.jobs[j as usize];
        let (count, next) = match &job.arrivals {
            Arrivals::Random { gap, batch } => {
                let g = gap.sample(&mut self.rng.job[j as usize].2);
                (*batch, now.saturating_add(g.max(1)))
            }
            Arrivals::Schedule { every, count, .. } => (*count, now.saturating_add(*every)),
        };
        if next < self.cfg.duration {
            self.queue.schedule_at(next, Ev::JobArrival(j));
        }
        // On Fargate, RunTask calls of up to `tasks_per_call` tasks each, at
        // the rate Fargate's RunTask quota allows ("Throttling the RunTask
        // API in Fargate"): a call it holds back launches its tasks later.
        let per_call = self.tasks_per_call();
        let fargate = self.cluster.jobs[j as usize].capacity.is_fargate();
        let mut at = now;
        for i in 0..count {
            let run_for = self.cluster.jobs[j as usize]
                .duration
                .sample(&mut self.rng.job[j as usize].1);
            if fargate && i % per_call == 0 {
                at = self.run_task_call();
            }
            if at > now {
                self.cluster.jobs[j as usize].stats.throttled[Quota::RunTask as usize] += 1;
                self.queue
                    .schedule_at(at, Ev::JobLaunch(j, quotas::NO_SHARE, run_for));
            } else {
                self.launch_job(j, quotas::NO_SHARE, run_for);
            }
        }
    }

    fn finish(mut self) -> Result<(Outcome, Cluster)> {
        let end = self.cfg.duration;
        if let Some(p) = &self.watch.progress {
            p.set(end, self.queue.delivered());
        }
        // Close the time integrals at the end of the run.
        for s in &mut self.cluster.services {
            let v = s.stats.running.get();
            s.stats.running.set(end, v);
        }
        for j in &mut self.cluster.jobs {
            let v = j.stats.running.get();
            j.stats.running.set(end, v);
        }
        for i in &mut self.cluster.instances {
            let (c, m) = (i.cpu_level.get(), i.memory_level.get());
            i.cpu_level.set(end, c);
            i.memory_level.set(end, m);
        }
        let mut alive: Vec<(u64, u32)> = self
            .cluster
            .tasks
            .iter()
            .map(|(k, t)| (t.serial, k))
            .collect();
        alive.sort_unstable();
        // Dormant tasks of client-side queues are written in serial order
        // among the others, each woken for its row and let go again.
        let dormant = std::mem::take(&mut self.waiting).into_dormant();
        let mut next_dormant = dormant.into_iter().peekable();
        let mut alive = alive.into_iter().peekable();
        loop {
            let take_dormant = match (next_dormant.peek(), alive.peek()) {
                (Some(d), Some(a)) => d.0 < a.0,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            let (k, woken) = if take_dormant {
                let (serial, shape, d) = next_dormant.next().expect("peeked");
                (self.wake_record(shape, serial, d), true)
            } else {
                (alive.next().expect("peeked").1, false)
            };
            let task = &self.cluster.tasks[k];
            if task.state == TaskState::Provisioning {
                self.outcome.tasks_provisioning_at_end += 1;
                let td = &self.cluster.taskdefs[task.taskdef as usize];
                // Says whether an ENI or a GPU is what such a task waits for.
                if (td.awsvpc || td.gpus > 0) && !task.capacity.is_fargate() {
                    let why = crate::placement::refusal_reason(
                        &self.cluster,
                        &launch::request(&self.cluster, k),
                    );
                    *self
                        .outcome
                        .provisioning_eni_gpu_by_reason
                        .entry(why.as_str())
                        .or_default() += 1;
                }
            }
            self.rec.task_done(&self.cluster, task);
            if woken {
                let t = self.cluster.tasks.remove(k).expect("woken");
                if let Owner::Job(j) = t.owner {
                    self.outcome.queued_at_end.push((j, t.created));
                }
            }
        }
        self.outcome.events_processed = self.queue.delivered();
        self.outcome.end = end;
        self.outcome.warm_up_end = self.measure.end().filter(|&e| e < end);
        self.outcome.incidents = std::mem::take(&mut self.fault.incidents);
        self.outcome.deployments = std::mem::take(&mut self.deploys.records);
        Ok((self.outcome, self.cluster))
    }
}
