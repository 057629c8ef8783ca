//! A rough size of a run before it starts, so that a typo such as
//! `every = "1ms"` or `rate_per_hour = 1e9` is refused instead of running
//! for hours (`--force` runs it anyway).

use super::Scenario;
use crate::engine::time::MINUTE;
use crate::model::{Arrivals, NoCapacity, SchedulingStrategy};

/// Events above which a run needs `--force`: minutes of work at ~1 M events/s.
pub const EVENT_LIMIT: f64 = 1e8;
/// The same for a whole sweep or plan: about an hour on two cores at a few
/// million events per second.
pub const SWEEP_EVENT_LIMIT: f64 = 2e10;

/// Memory a task waiting in a client-side queue holds (`waiting::Dormant`,
/// its place in the queue, and the queue's growth by doubling).
pub const QUEUED_TASK_BYTES: f64 = 80.0;
/// Memory for queued tasks above which a run needs `--force`.
pub const QUEUE_MEMORY_LIMIT: f64 = 4e9;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Size {
    pub tasks: f64,
    pub events: f64,
    /// Job tasks a client-side queue (`no_capacity = "queue"`) would hold
    /// at the end: what arrives beyond what the cluster at its largest can
    /// serve. The queue grows for the whole run when demand exceeds it.
    pub queued: f64,
    /// The first such job, for the message.
    pub queueing_job: Option<usize>,
}

pub fn estimate(sc: &Scenario) -> Size {
    let d = sc.duration as f64;
    let mut tasks = 0.0;
    let mut arrivals = 0.0;
    let mut job_tasks = Vec::with_capacity(sc.cluster.jobs.len());
    for j in &sc.cluster.jobs {
        let (n, per) = match &j.arrivals {
            Arrivals::Random { gap, batch } => (d / gap.mean().max(1.0), f64::from(*batch)),
            Arrivals::Schedule {
                first,
                every,
                count,
            } => {
                let n = if *first > sc.duration {
                    0.0
                } else {
                    ((sc.duration - first) / (*every).max(1)) as f64 + 1.0
                };
                (n, f64::from(*count))
            }
        };
        arrivals += n;
        tasks += n * per;
        job_tasks.push(n * per);
    }
    for (i, s) in sc.cluster.services.iter().enumerate() {
        let most = s
            .autoscaling
            .as_ref()
            .map_or(s.desired, |a| a.max.max(s.desired));
        let most = sc
            .desired_changes
            .iter()
            .filter(|c| c.1 as usize == i)
            .map(|c| c.2)
            .fold(most, u32::max);
        tasks += f64::from(most) * 2.0;
    }
    // Instances are set up before the first event (and DAEMON tasks placed
    // on each): 40 groups of 100,000 passed a guard that counted only tasks.
    let instances = sc.cluster.instances.len() as f64;
    let daemons = sc
        .cluster
        .services
        .iter()
        .filter(|s| s.scheduling == SchedulingStrategy::Daemon)
        .count() as f64;
    tasks += instances * daemons;
    arrivals += instances * 2.0;
    let minutes = d / MINUTE as f64;
    // A task's lifecycle is about six events; each minute samples once and
    // ticks every service with demand.
    let events = tasks * 6.0 + arrivals + minutes * (1.0 + sc.cluster.services.len() as f64);
    let (queued, queueing_job) = queued(sc, &job_tasks);
    Size {
        tasks,
        events,
        queued,
        queueing_job,
    }
}

/// Tasks left in client-side queues at the end: queueing jobs' CPU and
/// memory time beyond what the groups at their largest offer over the run
/// (an upper bound on supply, so rather too few than too many).
fn queued(sc: &Scenario, job_tasks: &[f64]) -> (f64, Option<usize>) {
    let c = &sc.cluster;
    let (mut want_cpu, mut want_mem, mut n, mut first) = (0.0, 0.0, 0.0, None);
    for (i, j) in c.jobs.iter().enumerate() {
        if j.no_capacity != NoCapacity::Queue || j.capacity.is_fargate() {
            continue;
        }
        let td = &c.taskdefs[j.taskdef as usize];
        let busy = job_tasks[i] * j.duration.mean().max(1.0);
        want_cpu += busy * f64::from(td.cpu);
        want_mem += busy * f64::from(td.memory);
        n += job_tasks[i];
        first = first.or(Some(i));
    }
    let most = sc.most_instances.max(c.instances.len() as u64) as f64;
    let (cpu, mem) = c
        .templates
        .iter()
        .flat_map(|t| &t.kinds)
        .fold((0.0f64, 0.0f64), |(a, b), k| {
            (a.max(f64::from(k.cpu)), b.max(f64::from(k.memory)))
        });
    let span = sc.duration as f64;
    let excess = |want: f64, have: f64| {
        if want > 0.0 {
            (1.0 - have * span / want).max(0.0)
        } else {
            0.0
        }
    };
    let share = excess(want_cpu, most * cpu).max(excess(want_mem, most * mem));
    (share * n, first)
}

/// Refuses a run that looks far too large unless `force`.
pub fn check(sc: &Scenario, force: bool) -> Result<(), crate::error::InputError> {
    let size = estimate(sc);
    let queue_bytes = size.queued * QUEUED_TASK_BYTES;
    if !force
        && queue_bytes > QUEUE_MEMORY_LIMIT
        && let Some(j) = size.queueing_job
    {
        return Err(crate::error::InputError::new(
            &sc.file,
            format!("jobs[{j}].no_capacity"),
            format!(
                "the client-side queue would hold about {:.1e} waiting tasks by the end ({:.1} GB): the jobs ask for more than the instance groups at their largest can serve; lower the arrival rate or duration, add capacity, use no_capacity = \"fail\", or pass --force to run it anyway",
                size.queued,
                queue_bytes / 1e9
            ),
        ));
    }
    if force || size.events <= EVENT_LIMIT {
        return Ok(());
    }
    Err(crate::error::InputError::new(
        &sc.file,
        "",
        format!(
            "this run would process about {:.1e} events ({:.1e} tasks, {} instances), far more than a scenario usually needs (limit {:.0e}); check arrival rates, schedules, instance counts and duration, or pass --force to run it anyway",
            size.events,
            size.tasks,
            sc.cluster.instances.len(),
            EVENT_LIMIT
        ),
    ))
}
