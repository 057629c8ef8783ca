//! Task definitions as the scheduler sees them: what a task reserves on an
//! instance and how long its lifecycle steps take.

use super::placement_rules::Constraint;
use crate::engine::{Dist, SimTime};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arch {
    X86_64,
    Arm64,
}

impl Arch {
    /// The value of the `ecs.cpu-architecture` attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::Arm64 => "arm64",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Container {
    pub name: String,
    pub cpu: u32,
    /// Hard limit (MiB).
    pub memory: Option<u32>,
    /// Soft limit (MiB); reserved for placement when set.
    pub memory_reservation: Option<u32>,
    pub essential: bool,
    pub host_ports: Vec<u16>,
    /// The container's `healthCheck`, when it has one.
    pub health_check: Option<HealthCheck>,
}

/// A container health check (ContainerDefinition `healthCheck`), times in ms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HealthCheck {
    /// Between checks; Docker runs the first one this long after the start.
    pub interval: SimTime,
    pub timeout: SimTime,
    pub retries: u32,
    /// Failures in this window after the start do not count.
    pub start_period: SimTime,
}

#[derive(Debug, Clone)]
pub struct TaskDef {
    pub family: String,
    /// CPU units reserved on the instance.
    pub cpu: u32,
    /// MiB reserved on the instance.
    pub memory: u32,
    /// Task-level size as written (required on Fargate, which bills it).
    pub task_cpu: Option<u32>,
    pub task_memory: Option<u32>,
    /// Fargate ephemeral storage in GiB (20 free, up to 200).
    pub ephemeral_gib: u32,
    /// Static host ports; two tasks needing the same port cannot share an instance.
    pub host_ports: Vec<u16>,
    /// `awsvpc` network mode: the task takes an ENI on EC2.
    pub awsvpc: bool,
    /// `bridge` network mode, given or by default: ECS Managed Instances
    /// refuse it (they take awsvpc, host and none).
    pub bridge: bool,
    /// GPUs reserved (`resourceRequirements` type GPU, over containers).
    pub gpus: u32,
    /// Required `ecs.cpu-architecture`, from `runtimePlatform`.
    pub arch: Option<Arch>,
    /// memberOf constraints declared in the task definition itself.
    pub constraints: Vec<Constraint>,
    pub containers: Vec<Container>,
    /// PENDING duration: image pull and container start.
    pub startup: Dist,
    /// `image_size_mib` without a `startup`: PENDING is the image pull at
    /// `[image_pull]`'s throughput (cached on an EC2 instance after the
    /// first) plus the container start, instead of `startup`.
    pub image_mib: Option<u32>,
    /// ACTIVATING duration: load-balancer registration.
    pub activation: Dist,
    /// DEACTIVATING duration: load-balancer deregistration.
    pub deactivation: Dist,
    /// STOPPING duration: time the app takes to exit after SIGTERM, capped by `stop_timeout`.
    pub shutdown: Dist,
    /// SIGKILL follows SIGTERM after this long (ECS default 30 s).
    pub stop_timeout: SimTime,
}

impl TaskDef {
    /// How long after RUNNING the container health checks first pass: the
    /// latest first check over the essential containers that have one
    /// (Docker runs the first check one interval after the start, and a
    /// task is healthy once every essential container is); `None` when no
    /// essential container has a health check.
    pub fn health_check_delay(&self) -> Option<SimTime> {
        self.containers
            .iter()
            .filter(|c| c.essential)
            .filter_map(|c| c.health_check.map(|h| h.interval))
            .max()
    }
}

/// What ECS reserves for placement: task-level values when given, else the sum
/// over containers of `memoryReservation` (or `memory` when there is none).
pub fn reserved_resources(
    task_cpu: Option<u32>,
    task_memory: Option<u32>,
    containers: &[Container],
) -> (u32, Option<u32>) {
    let cpu = task_cpu.unwrap_or_else(|| containers.iter().map(|c| c.cpu).sum());
    let memory = task_memory.or_else(|| {
        let mut total = 0u32;
        for c in containers {
            total = total.checked_add(c.memory_reservation.or(c.memory)?)?;
        }
        Some(total)
    });
    (cpu, memory)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(cpu: u32, memory: Option<u32>, reservation: Option<u32>) -> Container {
        Container {
            name: "c".into(),
            cpu,
            memory,
            memory_reservation: reservation,
            essential: true,
            host_ports: vec![],
            health_check: None,
        }
    }

    /// ECS API reference, ContainerDefinition.memoryReservation: when set, the
    /// soft limit is what is subtracted from the instance; otherwise `memory`.
    #[test]
    fn reservation_rules() {
        assert_eq!(
            reserved_resources(None, None, &[c(128, Some(300), Some(128))]),
            (128, Some(128))
        );
        assert_eq!(
            reserved_resources(
                None,
                None,
                &[c(256, Some(1024), Some(512)), c(256, Some(512), None)]
            ),
            (512, Some(1024))
        );
        // Task-level values take precedence over containers.
        assert_eq!(
            reserved_resources(Some(1024), Some(2048), &[c(256, Some(1024), Some(512))]),
            (1024, Some(2048))
        );
        // A container with neither limit leaves memory undetermined.
        assert_eq!(
            reserved_resources(None, None, &[c(0, None, None)]),
            (0, None)
        );
    }
}
