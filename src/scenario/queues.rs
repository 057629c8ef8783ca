//! `[[queues]]`: a queue (an SQS queue) whose messages a service's tasks
//! process. Messages arrive as a demand does (constant, diurnal, steps,
//! ramps or a trace, in messages a second), each task processes
//! `messages_per_task` a second, and what waits is the backlog the
//! service's policies may read: `ApproximateNumberOfMessagesVisible`, or
//! `BacklogPerTask` (visible messages ÷ RUNNING tasks, the metric math AWS
//! gives for scaling on a queue: "Scaling policy based on Amazon SQS",
//! Amazon EC2 Auto Scaling User Guide).

use super::ctx::{Ctx, R};
use super::spec::{DemandSpec, ServiceSpec};
use crate::scaling::Workload;
use crate::scaling::queue::Queue;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct QueueSpec {
    pub name: String,
    /// The service whose tasks process its messages.
    pub service: String,
    /// Messages arriving a second.
    pub arrivals: DemandSpec,
    /// Messages one task processes a second (at 100% CPU).
    pub messages_per_task: f64,
    /// Messages visible at time 0 (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backlog: Option<f64>,
}

/// The workload of service `s` when a queue feeds it: its arrivals are the
/// service's demand. A service with a queue sets no demand of its own.
pub(super) fn workload(ctx: &Ctx, queues: &[QueueSpec], s: &ServiceSpec) -> R<Option<Workload>> {
    let mine: Vec<usize> = (0..queues.len())
        .filter(|&i| queues[i].service == s.name)
        .collect();
    let Some(&i) = mine.first() else {
        return Ok(None);
    };
    let p = format!("queues[{i}]");
    if let Some(&j) = mine.get(1) {
        return Err(ctx.err(
            format!("queues[{j}].service"),
            format!(
                "service \"{}\" is fed by queues[{i}] already; ecsim models one queue per service",
                s.name
            ),
        ));
    }
    if s.demand.is_some() || s.capacity_per_task.is_some() {
        return Err(ctx.err(
            format!("{p}.service"),
            format!(
                "service \"{}\" sets demand or capacity_per_task; a queue's arrivals and messages_per_task take their place",
                s.name
            ),
        ));
    }
    let q = &queues[i];
    let rate = q.messages_per_task;
    if !(rate.is_finite() && rate > 0.0) {
        return Err(ctx.err(
            format!("{p}.messages_per_task"),
            format!("must be above 0 (messages a second one task processes), got {rate}"),
        ));
    }
    let backlog = q.backlog.unwrap_or(0.0);
    if !(backlog.is_finite() && backlog >= 0.0) {
        return Err(ctx.err(
            format!("{p}.backlog"),
            format!("must be 0 or more messages, got {backlog}"),
        ));
    }
    let (idle, full) = s
        .memory_utilization
        .as_ref()
        .map_or((30.0, 60.0), |m| (m.idle, m.full));
    Ok(Some(Workload {
        demand: super::workload::demand(ctx, &format!("{p}.arrivals"), &q.arrivals)?,
        capacity_per_task: rate,
        memory_idle_pct: idle,
        memory_full_pct: full,
        queue: Some(Queue {
            name: q.name.clone(),
            initial_backlog: backlog,
        }),
    }))
}

/// Every queue names a service of the scenario.
pub(super) fn check(ctx: &Ctx, queues: &[QueueSpec], services: &[ServiceSpec]) -> R<()> {
    for (i, q) in queues.iter().enumerate() {
        if queues[..i].iter().any(|o| o.name == q.name) {
            return Err(ctx.err(
                format!("queues[{i}].name"),
                format!("\"{}\" names another queue already", q.name),
            ));
        }
        if !services.iter().any(|s| s.name == q.service) {
            return Err(ctx.err(
                format!("queues[{i}].service"),
                format!("no service is named \"{}\"", q.service),
            ));
        }
    }
    Ok(())
}
