//! What RegisterTaskDefinition checks that ecsim checks too: container
//! health checks, task-level CPU, memory limits, the container count and
//! names. Shared by inline and JSON task definitions, which differ only in
//! how their fields are spelled (`names`).

use super::ctx::{Ctx, R};
use crate::engine::SimTime;
use crate::engine::time::SECOND;
use crate::model::{Container, HealthCheck};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Inline `health_check = { command = [...], interval = "30s", ... }`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HealthCheckSpec {
    pub command: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_period: Option<String>,
}

/// Field names of one spelling: inline (snake_case) or AWS JSON (camelCase).
pub(super) struct Names {
    pub containers: &'static str,
    pub memory_reservation: &'static str,
    pub start_period: &'static str,
}

pub(super) const INLINE: Names = Names {
    containers: "containers",
    memory_reservation: "memory_reservation",
    start_period: "start_period",
};
pub(super) const JSON: Names = Names {
    containers: "containerDefinitions",
    memory_reservation: "memoryReservation",
    start_period: "startPeriod",
};

/// A health check's fields as read, times in ms.
pub(super) struct RawHealthCheck<'a> {
    pub command: &'a [String],
    pub interval: Option<SimTime>,
    pub timeout: Option<SimTime>,
    pub retries: Option<i64>,
    pub start_period: Option<SimTime>,
}

fn secs(ms: SimTime) -> String {
    crate::engine::time::secs_f64(ms).to_string()
}

/// ContainerDefinition `healthCheck` (HealthCheck in the ECS API reference):
/// interval 5-300 s (default 30), timeout 2-120 s (default 5), retries 1-10
/// (default 3), startPeriod 0-300 s (default none); the command starts with
/// CMD or CMD-SHELL.
pub(super) fn health_check(
    ctx: &Ctx,
    path: &str,
    names: &Names,
    h: RawHealthCheck,
) -> R<HealthCheck> {
    if !matches!(
        h.command.first().map(String::as_str),
        Some("CMD" | "CMD-SHELL")
    ) {
        return Err(ctx.err(
            format!("{path}.command"),
            "must start with \"CMD\" or \"CMD-SHELL\", e.g. [\"CMD-SHELL\", \"curl -f http://localhost/ || exit 1\"]",
        ));
    }
    let range = |field: &str, v: Option<SimTime>, lo: u64, hi: u64, default: u64| {
        let v = v.unwrap_or(default * SECOND);
        if v < lo * SECOND || v > hi * SECOND || !v.is_multiple_of(SECOND) {
            return Err(ctx.err(
                format!("{path}.{field}"),
                format!("must be whole seconds from {lo} to {hi}, got {}", secs(v)),
            ));
        }
        Ok(v)
    };
    let interval = range("interval", h.interval, 5, 300, 30)?;
    let timeout = range("timeout", h.timeout, 2, 120, 5)?;
    let start_period = range(names.start_period, h.start_period, 0, 300, 0)?;
    let retries = h.retries.unwrap_or(3);
    if !(1..=10).contains(&retries) {
        return Err(ctx.err(
            format!("{path}.retries"),
            format!("must be 1 to 10, got {retries}"),
        ));
    }
    Ok(HealthCheck {
        interval,
        timeout,
        retries: retries as u32,
        start_period,
    })
}

/// RegisterTaskDefinition's limits on a task definition: `prefix` is the
/// path of the task definition's fields ("" in a JSON file).
pub(super) fn check_limits(
    ctx: &Ctx,
    prefix: &str,
    names: &Names,
    task_cpu: Option<u32>,
    task_memory: Option<u32>,
    containers: &[Container],
) -> R<()> {
    let at = |f: &str| {
        if prefix.is_empty() {
            f.to_string()
        } else {
            format!("{prefix}.{f}")
        }
    };
    // Task-level CPU on EC2: 128 to 196,608 units (0.125 to 192 vCPU).
    if let Some(c) = task_cpu
        && !(128..=196_608).contains(&c)
    {
        return Err(ctx.err(
            at("cpu"),
            format!("task-level cpu must be 128 to 196608 CPU units (0.125 to 192 vCPU), got {c}"),
        ));
    }
    // Quota "Containers per task definition": 10.
    if containers.len() > 10 {
        return Err(ctx.err(
            at(names.containers),
            format!(
                "a task definition holds at most 10 containers, got {}",
                containers.len()
            ),
        ));
    }
    let mut seen = HashSet::new();
    let mut reserved: u64 = 0;
    for (k, c) in containers.iter().enumerate() {
        let cp = at(&format!("{}[{k}]", names.containers));
        if !seen.insert(c.name.as_str()) {
            return Err(ctx.err(
                format!("{cp}.name"),
                format!(
                    "container name \"{}\" is used twice in the task definition",
                    c.name
                ),
            ));
        }
        // Docker 20.10+ keeps at least 6 MiB for a container.
        for (f, v) in [
            ("memory", c.memory),
            (names.memory_reservation, c.memory_reservation),
        ] {
            if let Some(m) = v
                && m < 6
            {
                return Err(ctx.err(
                    format!("{cp}.{f}"),
                    format!("a container needs at least 6 MiB, got {m}"),
                ));
            }
        }
        if let (Some(m), Some(r)) = (c.memory, c.memory_reservation)
            && r > m
        {
            return Err(ctx.err(
                format!("{cp}.{}", names.memory_reservation),
                format!("{r} MiB is above the container's memory (hard limit) of {m} MiB"),
            ));
        }
        if let (Some(t), Some(m)) = (task_memory, c.memory)
            && m > t
        {
            return Err(ctx.err(
                format!("{cp}.memory"),
                format!("{m} MiB is above the task-level memory of {t} MiB"),
            ));
        }
        reserved += u64::from(c.memory_reservation.or(c.memory).unwrap_or(0));
    }
    if let Some(t) = task_memory
        && reserved > u64::from(t)
    {
        return Err(ctx.err(
            at(names.containers),
            format!(
                "the containers reserve {reserved} MiB, above the task-level memory of {t} MiB"
            ),
        ));
    }
    Ok(())
}
