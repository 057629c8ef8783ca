//! A deployment under way at export time (describe-services `deployments`:
//! the PRIMARY one IN_PROGRESS beside the ACTIVE one it replaces): the
//! service at the ACTIVE revision, a `[[deployments]]` entry with
//! `in_flight = true` to the PRIMARY one, and the running tasks of each
//! revision on their instances.

use super::shapes::{EcsService, ServiceDeployment};
use crate::scenario::deployments::DeploymentSpec;

/// The two revisions of a rolling update in flight: task definition ARNs.
#[derive(Debug, Clone)]
pub struct InFlight {
    pub old: String,
    pub new: String,
    /// How it was, for the scenario's comment.
    pub how: String,
}

/// The deployment in flight, when there is exactly one old revision
/// running beside the PRIMARY one; otherwise `None` (and, for a shape ecsim
/// does not resume, a note: the service is modelled at its PRIMARY).
pub fn of(s: &EcsService, notes: &mut Vec<String>) -> Option<InFlight> {
    let name = &s.service_name;
    let status = |d: &&ServiceDeployment, st: &str| d.status.as_deref() == Some(st);
    let primary = s.deployments.iter().find(|d| status(d, "PRIMARY"))?;
    let active: Vec<&ServiceDeployment> = s
        .deployments
        .iter()
        .filter(|d| status(d, "ACTIVE"))
        .collect();
    if active.is_empty() {
        return None;
    }
    if active.len() > 1 {
        notes.push(format!("service {name}: {} older deployments still run beside the PRIMARY one; ecsim resumes a deployment from one: modelled at the primary revision", active.len()));
        return None;
    }
    let (Some(new), Some(old)) = (&primary.task_definition, &active[0].task_definition) else {
        notes.push(format!("service {name}: a deployment is under way and its revisions are not named; modelled at the primary revision"));
        return None;
    };
    if s.deployment_controller
        .as_ref()
        .is_some_and(|c| c.kind != "ECS")
    {
        return None;
    }
    let count = |d: &ServiceDeployment| {
        format!(
            "{} running, {} pending",
            d.running_count.unwrap_or(0),
            d.pending_count.unwrap_or(0)
        )
    };
    Some(InFlight {
        old: old.clone(),
        new: new.clone(),
        how: format!(
            "deployment in flight at export time: PRIMARY {new} ({}, rollout {}) replacing ACTIVE {old} ({})",
            count(primary),
            primary.rollout_state.as_deref().unwrap_or("IN_PROGRESS"),
            count(active[0])
        ),
    })
}

/// The `[[deployments]]` entry that resumes it, to revision `new_name`.
pub fn spec(service: &str, new_name: &str) -> DeploymentSpec {
    DeploymentSpec {
        service: service.into(),
        at: "0s".into(),
        task_definition: new_name.into(),
        in_flight: Some(true),
        ..Default::default()
    }
}
