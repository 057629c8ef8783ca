//! The memory an export's container instances registered
//! (describe-container-instances `registeredResources`), per group or, for
//! a group of several types, per type.

use super::fleet::most_common;
use super::shapes::ContainerInstance;
use std::collections::BTreeSet;

/// The memory the group's instances registered (the most common value of
/// registeredResources MEMORY), with ecsim's model of the type: the agent
/// registers what the kernel leaves, less ECS_RESERVED_MEMORY, so the
/// export's figure is the one tasks are placed against. Registered CPU is
/// 1024 units per vCPU on every type: one that differs is said.
pub(super) fn registered(
    members: &[&ContainerInstance],
    itype: &str,
    group: &str,
    notes: &mut Vec<String>,
) -> Option<(u32, u32)> {
    let it = crate::catalog::instance_type(itype)?;
    let of = |name: &str| -> Vec<i64> {
        members
            .iter()
            .filter_map(|c| {
                c.registered_resources
                    .iter()
                    .find(|r| r.name == name)
                    .and_then(|r| r.integer_value)
            })
            .collect()
    };
    let cpu = of("CPU");
    if let Some(c) = cpu.iter().find(|&&c| c != i64::from(it.registered_cpu())) {
        notes.push(format!("group {group}: an instance registered {c} CPU units; ecsim registers {} for {itype} (1024 per vCPU), as ECS does", it.registered_cpu()));
    }
    let mem: Vec<String> = of("MEMORY")
        .into_iter()
        .filter(|&m| m > 0 && m <= i64::from(it.memory_mib))
        .map(|m| m.to_string())
        .collect();
    let (m, others) = most_common(&mem)?;
    if others > 0 {
        notes.push(format!("group {group}: {others} of {} instances registered other MEMORY than {m} MiB; the group registers {m} MiB each", mem.len()));
    }
    Some((m.parse().ok()?, it.registered_memory()))
}

/// A group of several types registers each type's memory as exported:
/// the figure goes to `[[instance_types]]` (a group's own
/// `registered_memory_mib` is one type's), the first group's when two
/// groups' instances of a type differ.
pub(super) fn per_type_memory(
    members: &[&ContainerInstance],
    group: &str,
    out: &mut Vec<(String, u32, u32, String)>,
    notes: &mut Vec<String>,
) {
    let types: BTreeSet<&str> = members
        .iter()
        .filter_map(|c| c.attribute("ecs.instance-type"))
        .collect();
    for t in types {
        let of_type: Vec<&ContainerInstance> = members
            .iter()
            .copied()
            .filter(|c| c.attribute("ecs.instance-type") == Some(t))
            .collect();
        let Some((m, modelled)) = registered(&of_type, t, group, notes) else {
            continue;
        };
        match out.iter().find(|x| x.0 == t) {
            Some(x) if x.1 != m => notes.push(format!("group {group}: its {t} instances registered {m} MiB, group {}'s {}; [[instance_types]] takes the first", x.3, x.1)),
            Some(_) => {}
            None => out.push((t.to_string(), m, modelled, group.to_string())),
        }
    }
}
