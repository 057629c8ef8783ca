//! ECS Managed Instances consolidation ("Amazon ECS Managed Instances
//! infrastructure optimization") against placement constraints.

mod common;
use common::managed::simulate;

/// `common::managed::one_zone` (zones replaced in) with tasks of half a
/// c6a.large (512 CPU, 1 GiB).
fn one_zone(duration: &str, tasks: u32, extra: &str) -> String {
    common::managed::one_zone(duration, tasks, extra, (512, 1024))
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
