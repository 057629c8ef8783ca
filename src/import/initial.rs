//! The tasks a service runs now (describe-tasks), on the instances they
//! run on: the scenario's `[[initial_tasks]]`, so that it starts as the
//! cluster is.

use super::fleet::Fleet;
use super::inflight;
use super::read::Export;
use super::shapes::EcsService;
use crate::scenario::initial::InitialTaskSpec;
use std::collections::BTreeMap;

/// An `[[initial_tasks]]` entry: tasks of a service on one instance.
#[derive(Debug, Clone, PartialEq)]
pub struct InitialOut {
    pub service: String,
    pub group: String,
    pub instance: u32,
    pub count: u32,
    /// The new revision of a deployment in flight (else the service's).
    pub task_definition: Option<String>,
    /// PENDING at export time.
    pub pending: bool,
}

impl InitialOut {
    /// The entry as the scenario's.
    pub fn spec(&self) -> InitialTaskSpec {
        InitialTaskSpec {
            service: self.service.clone(),
            instance_group: self.group.clone(),
            instance: i64::from(self.instance),
            count: Some(i64::from(self.count)),
            task_definition: self.task_definition.clone(),
            pending: self.pending.then_some(true),
        }
    }
}

/// How many tasks of `s` may start where they run: its desired count, or
/// with a deployment in flight maximumPercent of it (default 200), as both
/// revisions run.
pub(super) fn most_initial(s: &EcsService, desired: i64, in_flight: bool) -> u32 {
    if !in_flight {
        return desired as u32;
    }
    let pct = s
        .deployment_configuration
        .as_ref()
        .and_then(|c| c.maximum_percent)
        .unwrap_or(200);
    (desired * pct.clamp(100, 1000) / 100) as u32
}

/// The service's tasks RUNNING (or PENDING) now on container instances, by
/// instance and revision: at most `most` of them; with a deployment in
/// flight, its new revision's tasks named by `new_name`.
pub(super) fn initial(
    ex: &Export,
    fleet: &Fleet,
    (name, most, flight): (&str, u32, Option<(&inflight::InFlight, &str)>),
    launch_type: &Option<String>,
    out: &mut Vec<InitialOut>,
    notes: &mut Vec<String>,
) {
    let group = format!("service:{name}");
    let mut per: BTreeMap<(String, u32, Option<String>, bool), u32> = BTreeMap::new();
    let (mut fargate, mut lost, mut total) = (0, 0, 0u32);
    for t in ex
        .tasks
        .iter()
        .filter(|t| t.group.as_deref() == Some(&group))
    {
        let pending = t.last_status.as_deref() == Some("PENDING");
        if !(pending || t.last_status.as_deref() == Some("RUNNING"))
            || t.desired_status.as_deref() == Some("STOPPED")
        {
            continue;
        }
        let revision = flight
            .filter(|(f, _)| t.task_definition_arn.as_deref() == Some(f.new.as_str()))
            .map(|(_, n)| n.to_string());
        match &t.container_instance_arn {
            None => fargate += 1,
            Some(arn) => match fleet.slots.get(arn) {
                Some(slot) if launch_type.as_deref() != Some("FARGATE") => {
                    if total < most {
                        *per.entry((slot.0.clone(), slot.1, revision, pending))
                            .or_default() += 1;
                        total += 1;
                    } else {
                        lost += 1;
                    }
                }
                _ => lost += 1,
            },
        }
    }
    if fargate > 0 {
        notes.push(format!("service {name}: {fargate} Fargate tasks running now start at time 0 through Fargate provisioning (no instance to name)"));
    }
    if lost > 0 {
        notes.push(format!("service {name}: {lost} running tasks are on instances left out or exceed the desired count; the scheduler places their replacements"));
    }
    for ((g, n, task_definition, pending), c) in per {
        out.push(InitialOut {
            service: name.to_string(),
            group: g,
            instance: n,
            count: c,
            task_definition,
            pending,
        });
    }
}
