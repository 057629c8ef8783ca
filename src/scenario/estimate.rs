//! A rough size of a run before it starts, so that a typo such as
//! `every = "1ms"` or `rate_per_hour = 1e9` is refused instead of running
//! for hours (`--force` runs it anyway).

use super::Scenario;
use crate::engine::time::MINUTE;
use crate::model::{Arrivals, SchedulingStrategy};

/// Events above which a run needs `--force`: minutes of work at ~1 M events/s.
pub const EVENT_LIMIT: f64 = 1e8;
/// The same for a whole sweep or plan: about an hour on two cores at a few
/// million events per second.
pub const SWEEP_EVENT_LIMIT: f64 = 2e10;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Size {
    pub tasks: f64,
    pub events: f64,
}

pub fn estimate(sc: &Scenario) -> Size {
    let d = sc.duration as f64;
    let mut tasks = 0.0;
    let mut arrivals = 0.0;
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
    Size { tasks, events }
}

/// Refuses a run that looks far too large unless `force`.
pub fn check(sc: &Scenario, force: bool) -> Result<(), crate::error::InputError> {
    let size = estimate(sc);
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
