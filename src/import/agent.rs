//! Container instances whose agent is not connected (`agentConnected:
//! false`): the group's `agent_disconnected`, so ECS places nothing on
//! them while the tasks they run stay.

use super::fleet::Fleet;
use super::read::Export;

/// The disconnected instances of `group`, by their number in it (the
/// group's `agent_disconnected`).
pub fn of(ex: &Export, fleet: &Fleet, group: &str) -> Vec<u32> {
    let mut n: Vec<u32> = ex
        .instances
        .iter()
        .filter(|c| c.agent_connected == Some(false))
        .filter_map(|c| fleet.slots.get(&c.container_instance_arn))
        .filter(|(g, _)| g == group)
        .map(|(_, i)| *i)
        .collect();
    n.sort_unstable();
    n.dedup();
    n
}

/// Says which disconnected instances are left out (the written ones carry
/// a comment in their group).
pub fn notes(ex: &Export, fleet: &Fleet, notes: &mut Vec<String>) {
    for c in ex.instances.iter().filter(|c| {
        c.agent_connected == Some(false) && !fleet.slots.contains_key(&c.container_instance_arn)
    }) {
        let id = c
            .ec2_instance_id
            .as_deref()
            .unwrap_or(&c.container_instance_arn);
        notes.push(format!("container instance {id}: its agent is not connected (agentConnected: false), and the instance is not in the scenario"));
    }
}
