//! ECS Managed Instances consolidation ("Amazon ECS Managed Instances
//! infrastructure optimization") against placement constraints.

mod common;
use ecsim::model::Cluster;

/// One zone (or more, replaced in), a Managed Instances provider of c6a
/// types, and a service of `tasks` half-c6a.large tasks (512 CPU, 1 GiB).
fn one_zone(duration: &str, tasks: u32, extra: &str) -> String {
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
cpu = 512
memory = 1024
network_mode = "awsvpc"
[[services]]
name = "web"
task_definition = "web"
desired_count = {tasks}
capacity_provider_strategy = [{{ capacity_provider = "mi", weight = 1 }}]
"#
    )
}

fn simulate(text: &str) -> Cluster {
    let sc = common::scenario(text);
    ecsim::run::simulate(&sc, sc.seed, &ecsim::billing::PriceBook::shipped(), None)
        .unwrap_or_else(|e| panic!("{e}"))
        .cluster
}

/// Consolidation moves tasks only where they could be placed ("How Amazon
/// ECS places tasks on container instances": on Managed Instances, by the
/// task's placement constraints too). Three small distinctInstance tasks
/// (half a c6a.large) take an instance each; two services held to a zone
/// each take one instance in it. Each instance's tasks fit in the others' free room by
/// CPU and memory alone: drained on that count, they could not be placed,
/// a new instance was launched for them and consolidated in turn (47
/// instances in 6 hours for the three tasks).
#[test]
fn consolidation_keeps_tasks_their_constraints_allow() {
    let distinct = one_zone("6h", 3, "scale_in_after = \"5m\"").replace(
        "weight = 1 }]\n",
        "weight = 1 }]\nplacement_constraints = [{ type = \"distinctInstance\" }]\n",
    );
    let c = simulate(&distinct);
    assert_eq!(c.instances.len(), 3, "{} instances", c.instances.len());
    assert_eq!(c.services[0].stats.placed, 3);
    let held = |zone: &str| {
        format!(
            "placement_constraints = [{{ type = \"memberOf\", expression = \"attribute:ecs.availability-zone == us-east-1{zone}\" }}]\n"
        )
    };
    let zones = one_zone("6h", 1, "scale_in_after = \"5m\"")
        .replace(
            "availability_zones = [\"us-east-1a\"]",
            "availability_zones = [\"us-east-1a\", \"us-east-1b\"]",
        )
        .replace("weight = 1 }]\n", &format!("weight = 1 }}]\n{}", held("a")))
        + &format!(
            "[[services]]\nname = \"b\"\ntask_definition = \"web\"\ndesired_count = 1\n\
             capacity_provider_strategy = [{{ capacity_provider = \"mi\", weight = 1 }}]\n{}",
            held("b")
        );
    let c = simulate(&zones);
    assert_eq!(c.instances.len(), 2, "{} instances", c.instances.len());
    assert!(c.services.iter().all(|s| s.stats.placed == 1));
}
