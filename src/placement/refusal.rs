//! Why a task fits on no instance, named as RunTask's `failures` do.
//!
//! ECS places in steps ("Amazon ECS task placement"): keep the instances
//! with the task's CPU, memory, ports, GPUs and ENIs, then those that
//! satisfy the constraints. A refusal names the first step that left no
//! instance, CPU before memory before ports before GPU before ENI before the
//! task's CPU architecture before the other constraints, so the reason is
//! the same whichever instance is looked at first.

use super::{Request, satisfies};
use crate::model::{Cluster, Refusal};

/// The reason `req` finds no instance. Called only when placement failed,
/// so it may look at every instance.
pub fn refusal_reason(cluster: &Cluster, req: &Request) -> Refusal {
    // How far the instance that got furthest through the steps went.
    let mut furthest: Option<Refusal> = None;
    for (idx, inst) in cluster.instances.iter().enumerate() {
        if !inst.takes_tasks() || req.instance_group.is_some_and(|g| g != inst.group) {
            continue;
        }
        let stopped_at = if inst.free_cpu() < req.cpu {
            Refusal::Cpu
        } else if inst.free_memory() < req.memory {
            Refusal::Memory
        } else if req.ports.iter().any(|p| inst.used_ports.contains(p)) {
            Refusal::Ports
        } else if inst.gpus - inst.used_gpus < req.gpus {
            Refusal::Gpu
        } else if inst.eni_slots - inst.used_enis < req.enis {
            Refusal::Eni
        } else if req.arch.is_some_and(|a| a != inst.arch) {
            Refusal::Architecture
        } else if !req
            .constraints
            .iter()
            .flat_map(|cs| cs.iter())
            .all(|c| satisfies(cluster, idx as u32, c, req.group))
        {
            Refusal::Attribute
        } else {
            // Fits now: placement found no instance for a reason these steps
            // do not see; the constraints are the only other filter.
            Refusal::Attribute
        };
        furthest = furthest.max(Some(stopped_at));
    }
    furthest.unwrap_or(Refusal::NoInstances)
}
