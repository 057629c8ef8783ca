//! A task that no instance could ever hold is refused at load, and one that
//! a few instances could is not (`check_fits`, which asks one instance of
//! each class `could_ever_fit` cannot tell apart): groups whose instances
//! differ only in their zone or type, `memberOf` on those and on custom
//! attributes, a group that starts empty, and a constraint on the instance
//! id (every instance asked). The messages are the ones the full scan gave.

use std::path::Path;

const HEAD: &str = r#"
name = "fits"
duration = "1h"

[cluster]
availability_zones = ["us-east-1a", "us-east-1b", "us-east-1c"]

[[instance_groups]]
name = "gen"
instance_type = "m5.large"
count = 40
availability_zones = ["us-east-1a", "us-east-1b"]
attributes = { pool = "general" }

[[instance_groups]]
name = "cmp"
instance_type = "c5.xlarge"
count = 3
availability_zones = ["us-east-1c"]
attributes = { pool = "compute" }

[[instance_groups]]
name = "mem"
instance_types = ["r5.large", "r5.2xlarge"]
count = 0
max_size = 4
attributes = { pool = "memory" }

[[task_definitions]]
family = "app"
cpu = 256
"#;

const INSTANCES: &str = "instances: c5.xlarge (x86_64, 4096 cpu, 7983 MiB, 0 GPUs, 3 awsvpc tasks), \
     m5.large (x86_64, 2048 cpu, 7983 MiB, 0 GPUs, 2 awsvpc tasks), \
     r5.2xlarge (x86_64, 8192 cpu, 64427 MiB, 0 GPUs, 3 awsvpc tasks), \
     r5.large (x86_64, 2048 cpu, 16046 MiB, 0 GPUs, 2 awsvpc tasks)";

/// The error loading the scenario gives (`None`: it loads) for a task of
/// `memory` MiB (and `extra` task definition lines) under `memberOf(expr)`.
fn load(memory: u32, extra: &str, expr: &str) -> Option<String> {
    let text = format!(
        "{HEAD}memory = {memory}\n{extra}\n[[services]]\nname = \"web\"\ntask_definition = \"app\"\n\
         desired_count = 2\nplacement_constraints = [{{ type = \"memberOf\", expression = \"{expr}\" }}]\n"
    );
    ecsim::scenario::parse(Path::new("fits.toml"), &text)
        .err()
        .map(|e| e.to_string())
}

fn never(memory: u32) -> String {
    format!(
        "services[0].task_definition: task definition \"app\" needs 256 CPU units and {memory} MiB \
         (with its architecture and memberOf constraints), which no instance can ever provide; {INSTANCES}"
    )
}

#[test]
fn a_few_instances_that_fit_are_enough() {
    for (memory, expr) in [
        // 3 of 43 instances.
        (
            512,
            "attribute:pool == compute and attribute:ecs.availability-zone == us-east-1c",
        ),
        // None yet: the empty group's types.
        (512, "attribute:pool == memory"),
        (60000, "attribute:pool == memory"),
        (
            512,
            "attribute:ecs.instance-type == r5.2xlarge and attribute:ecs.availability-zone == us-east-1a",
        ),
        // ... in any of the zones it launches in, not only the first.
        (
            512,
            "attribute:ecs.instance-type == r5.2xlarge and attribute:ecs.availability-zone == us-east-1c",
        ),
        (7000, "attribute:ecs.instance-type == c5.xlarge"),
        (7983, "attribute:pool == general"),
        // Not the first of its group and zone: asked itself.
        (512, "ec2InstanceId == i-00000000000000025"),
    ] {
        assert_eq!(load(memory, "", expr), None, "{memory} MiB, {expr}");
    }
}

#[test]
fn none_that_fit_is_refused_with_every_type_named() {
    for (memory, expr) in [
        (
            512,
            "attribute:pool == compute and attribute:ecs.availability-zone == us-east-1a",
        ),
        (70000, "attribute:pool == memory"),
        // The compute group launches in us-east-1c only.
        (
            512,
            "attribute:pool == compute and attribute:ecs.availability-zone == us-east-1b",
        ),
        (7984, "attribute:pool == general"),
        (512, "ec2InstanceId == i-nope"),
        // One past the 43 instances.
        (512, "ec2InstanceId == i-0000000000000002c"),
    ] {
        let err = load(memory, "", expr).unwrap_or_else(|| panic!("{memory} MiB, {expr}: loads"));
        assert!(err.ends_with(&never(memory)), "{memory} MiB, {expr}: {err}");
    }
}

#[test]
fn no_instance_of_the_architecture_is_named_as_such() {
    let err = load(
        512,
        "runtime_platform = \"ARM64\"",
        "attribute:pool == general",
    )
    .unwrap();
    assert!(
        err.ends_with(
            "services[0].task_definition: task definition \"app\" needs ARM64 (runtime_platform, or \
             runtimePlatform.cpuArchitecture in AWS JSON) but no instance group it may use launches an \
             ARM64 type: groups gen (m5.large, x86_64), cmp (c5.xlarge, x86_64), mem (r5.large, x86_64; \
             r5.2xlarge, x86_64); use a Graviton (arm64) type such as m7g.large, c7g.large or t4g.medium \
             (`ecsim catalog` shows each type's arch), or drop runtime_platform if the image is \
             multi-architecture"
        ),
        "{err}"
    );
}

/// A capacity provider strategy with an entry whose instances could never
/// run the task (its group launches only in a zone the task's `memberOf`
/// rules out) loads, as CreateService and RunTask accept it, but is noted
/// on stderr: ECS gives that entry its share of the tasks, which wait in
/// PROVISIONING for good. Entries that could run the task are not noted.
#[test]
fn a_strategy_entry_that_can_never_run_the_task_is_noted() {
    let text = |owner: &str| {
        format!(
            r#"
name = "cps"
duration = "1h"
[cluster]
availability_zones = ["us-east-1a", "us-east-1b"]
[[instance_groups]]
name = "g1"
instance_type = "c5.xlarge"
count = 0
max_size = 4
availability_zones = ["us-east-1a"]
[[instance_groups]]
name = "g2"
instance_type = "c5.xlarge"
count = 0
max_size = 4
availability_zones = ["us-east-1b"]
[[capacity_providers]]
name = "cp1"
instance_group = "g1"
[[capacity_providers]]
name = "cp2"
instance_group = "g2"
[[task_definitions]]
family = "web"
cpu = 1024
memory = 2048
{owner}
capacity_provider_strategy = [{{ capacity_provider = "cp1", weight = 1 }}, {{ capacity_provider = "cp2", weight = 1 }}]
placement_constraints = [{{ type = "memberOf", expression = "attribute:ecs.availability-zone == {{ZONE}}" }}]
"#
        )
    };
    let service = "[[services]]\nname = \"web\"\ntask_definition = \"web\"\ndesired_count = 4";
    let job = "[[jobs]]\nname = \"etl\"\ntask_definition = \"web\"\n\
               arrivals = { kind = \"poisson\", rate_per_hour = 10 }\n\
               duration = { kind = \"constant\", value = \"10m\" }";
    for (owner, path) in [(service, "services[0]"), (job, "jobs[0]")] {
        let notes = |zone: &str| {
            let sc =
                ecsim::scenario::parse(Path::new("cps.toml"), &text(owner).replace("{ZONE}", zone))
                    .unwrap_or_else(|e| panic!("{e}"));
            ecsim::scenario::notes(&sc)
                .into_iter()
                .filter(|n| n.contains("capacity_provider_strategy"))
                .collect::<Vec<_>>()
        };
        let held_to_b = notes("us-east-1b");
        assert_eq!(held_to_b.len(), 1, "{held_to_b:?}");
        assert!(
            held_to_b[0].starts_with(&format!(
                "{path}.capacity_provider_strategy[0]: capacity provider \"cp1\" can never run task definition \"web\""
            )),
            "{held_to_b:?}"
        );
        let held_to_a = notes("us-east-1a");
        assert!(
            held_to_a[0].contains("[1]: capacity provider \"cp2\""),
            "{held_to_a:?}"
        );
        // Free to go anywhere: nothing to note.
        assert!(notes("us-east-1a or attribute:ecs.availability-zone == us-east-1b").is_empty());
    }
}
