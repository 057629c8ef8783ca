//! ECS Managed Instances scenarios shared by tests/managed_instances.rs
//! and tests/managed_instances_consolidation.rs.

use ecsim::model::Cluster;

/// One zone, a provider limited to c6a types of 2 to 16 vCPUs, and a
/// service `web` of `tasks` awsvpc tasks of `cpu` units and `memory` MiB.
pub fn one_zone(duration: &str, tasks: u32, extra: &str, (cpu, memory): (u32, u32)) -> String {
    format!(
        r#"
name = "mi"
duration = "{duration}"
[cluster]
availability_zones = ["us-east-1a"]
[[capacity_providers]]
name = "mi"
kind = "managed_instances"
instance_requirements = {{ vcpu_count = {{ min = 2, max = 16 }}, memory_mib = {{ min = 4096 }}, allowed_instance_types = ["c6a.*"] }}
{extra}
[[task_definitions]]
family = "web"
cpu = {cpu}
memory = {memory}
network_mode = "awsvpc"
[[services]]
name = "web"
task_definition = "web"
desired_count = {tasks}
capacity_provider_strategy = [{{ capacity_provider = "mi", weight = 1 }}]
"#
    )
}

/// The cluster at the end of a run of `text` with the shipped prices.
pub fn simulate(text: &str) -> Cluster {
    let sc = super::scenario(text);
    ecsim::run::simulate(&sc, sc.seed, &ecsim::billing::PriceBook::shipped(), None)
        .unwrap_or_else(|e| panic!("{e}"))
        .cluster
}
