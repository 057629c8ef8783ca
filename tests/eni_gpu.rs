//! `awsvpc` tasks take an ENI and GPU tasks take GPUs on EC2 (issue 19).
//! Sources: ECS developer guide, "Increasing Amazon ECS Linux container
//! instance network interfaces" (each awsvpc task takes an ENI, the primary
//! one is the instance's: a c5.large/m5.large runs two; awsvpcTrunking raises
//! it to ECS's per-type limit, "Supported instances for increased Amazon ECS
//! container network interfaces") and "Specifying GPUs in an Amazon ECS task definition" (the agent
//! pins the GPUs a task asks for; they cannot exceed what is free).

use ecsim::billing::PriceBook;
use ecsim::model::{Cluster, TaskState};
use ecsim::report::RunResult;
use ecsim::run::simulate;
use std::path::Path;

fn run(text: &str) -> RunResult {
    let sc = ecsim::scenario::parse(Path::new("e.toml"), text).unwrap_or_else(|e| panic!("{e}"));
    let r = simulate(&sc, sc.seed, &PriceBook::shipped(), None).unwrap_or_else(|e| panic!("{e}"));
    r.cluster.check_invariants().unwrap();
    r
}

fn err(text: &str) -> String {
    ecsim::scenario::parse(Path::new("e.toml"), text)
        .unwrap_err()
        .to_string()
}

const HEAD: &str = r#"
name = "e"
seed = 1
duration = "1h"
[cluster]
availability_zones = ["us-east-1a"]
"#;

fn states(c: &Cluster) -> (usize, usize) {
    let n = |s: TaskState| c.tasks.iter().filter(|(_, t)| t.state == s).count();
    (n(TaskState::Running), n(TaskState::Provisioning))
}

fn eight_awsvpc(trunking: &str) -> String {
    format!(
        r#"{HEAD}
[[instance_groups]]
name = "g"
instance_type = "m5.large"
count = 1
{trunking}
[[task_definitions]]
family = "t"
cpu = 128
memory = 256
network_mode = "awsvpc"
[[services]]
name = "s"
task_definition = "t"
desired_count = 8
"#
    )
}

#[test]
fn eight_awsvpc_tasks_on_an_m5_large() {
    let r = run(&eight_awsvpc(""));
    // 3 ENIs, one of them the instance's own.
    assert_eq!(states(&r.cluster), (2, 6));
    assert_eq!(r.outcome.tasks_provisioning_at_end, 6);
    assert_eq!(
        r.outcome.provisioning_eni_gpu_by_reason.get("RESOURCE:ENI"),
        Some(&6)
    );
    // With trunking, ECS's task limit for the type (10) applies.
    let r = run(&eight_awsvpc("awsvpc_trunking = true"));
    assert_eq!(states(&r.cluster), (8, 0));
    // Bridge tasks take no ENI.
    let r = run(&eight_awsvpc("").replace("network_mode = \"awsvpc\"\n", ""));
    assert_eq!(states(&r.cluster), (8, 0));
}

/// ECS's trunking table, "Supported instances for increased Amazon ECS
/// container network interfaces": with awsvpcTrunking a c5.large and an
/// m5.large run 10 awsvpc tasks, an m5.xlarge 20, a c5.4xlarge 60 (not the
/// VPC CNI's branch-ENI counts, 9/9/18/54). Two instances of each, three
/// tasks more than they hold: exactly the limit runs on each, the rest wait
/// for an ENI (128 CPU units and 256 MiB each: CPU and memory never bind).
#[test]
fn trunking_runs_ecs_documented_task_counts() {
    for (ty, limit) in [
        ("c5.large", 10),
        ("m5.large", 10),
        ("m5.xlarge", 20),
        ("c5.4xlarge", 60),
    ] {
        let text = eight_awsvpc("awsvpc_trunking = true")
            .replace("m5.large", ty)
            .replace("count = 1", "count = 2")
            .replace(
                "desired_count = 8",
                &format!("desired_count = {}", 2 * limit + 3),
            );
        let r = run(&text);
        let c = &r.cluster;
        assert_eq!(c.instances.len(), 2, "{ty}");
        for inst in &c.instances {
            let running = inst
                .tasks
                .iter()
                .filter(|&&k| c.tasks[k].state == TaskState::Running)
                .count();
            assert_eq!(running, limit, "{ty}");
        }
        assert_eq!(states(c), (2 * limit, 3), "{ty}");
        assert_eq!(
            r.outcome.provisioning_eni_gpu_by_reason.get("RESOURCE:ENI"),
            Some(&3),
            "{ty}"
        );
    }
}

#[test]
fn trunking_on_a_type_without_it_is_refused() {
    // t3 has no trunking; m7i is a current type ECS's table does not list
    // (the VPC CNI gives it branch ENIs, which ecsim no longer reads).
    for ty in ["t3.medium", "m7i.large"] {
        let text = eight_awsvpc("awsvpc_trunking = true").replace("m5.large", ty);
        let e = err(&text);
        assert!(
            e.contains("instance_groups[0].awsvpc_trunking")
                && e.contains(&format!("{ty} is not in ECS's ENI trunking table"))
                && e.contains(&format!(
                    "[[instance_types]] name = \"{ty}\", trunk_tasks = N"
                )),
            "{e}"
        );
    }
    // The error is an input error: exit 2 from the binary.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.toml");
    std::fs::write(
        &path,
        eight_awsvpc("awsvpc_trunking = true").replace("m5.large", "m7i.large"),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ecsim"))
        .arg("validate")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("awsvpc_trunking"));
}

/// A type ECS's table does not list takes trunking when the scenario gives
/// its task count; a listed type's count can be overridden too.
#[test]
fn trunk_tasks_overrides_ecs_table() {
    let declare = |ty: &str, n: u32| {
        format!("awsvpc_trunking = true\n[[instance_types]]\nname = \"{ty}\"\ntrunk_tasks = {n}\n")
    };
    let r = run(&eight_awsvpc(&declare("m7i.large", 5)).replace("m5.large", "m7i.large"));
    assert_eq!(states(&r.cluster), (5, 3));
    let r = run(&eight_awsvpc(&declare("m5.large", 6)));
    assert_eq!(states(&r.cluster), (6, 2));
    // 0 says the type has no trunking.
    let e = err(&eight_awsvpc(&declare("m5.large", 0)));
    assert!(e.contains("trunk_tasks = 0"), "{e}");
}

/// A job refused for want of an ENI says so, as RunTask's failures do.
#[test]
fn refusal_names_the_eni() {
    let text = format!(
        r#"{HEAD}
[[instance_groups]]
name = "g"
instance_type = "c5.large"
count = 1
[[task_definitions]]
family = "t"
cpu = 128
memory = 128
network_mode = "awsvpc"
[[jobs]]
name = "j"
task_definition = "t"
arrivals = {{ kind = "schedule", every = "2h", count = 3 }}
duration = {{ kind = "constant", value = "30m" }}
"#
    );
    let r = run(&text);
    assert_eq!(r.outcome.tasks_refused, 1);
    assert_eq!(
        r.cluster.jobs[0].refused.get(&ecsim::model::Refusal::Eni),
        Some(&1)
    );
}

fn gpu_cluster(extra: &str) -> String {
    format!(
        r#"{HEAD}
[[instance_groups]]
name = "cpu"
instance_type = "m5.4xlarge"
count = 3
[[instance_groups]]
name = "gpu"
instance_type = "g5.xlarge"
count = 1
[[task_definitions]]
family = "train"
cpu = 1024
memory = 2048
gpu = 1
[[task_definitions]]
family = "web"
cpu = 256
memory = 512
[[services]]
name = "train"
task_definition = "train"
desired_count = 3
[[services]]
name = "web"
task_definition = "web"
desired_count = 6
{extra}
"#
    )
}

#[test]
fn a_gpu_task_never_lands_on_a_non_gpu_instance() {
    for seed in 1..6 {
        let r = run(&gpu_cluster("").replace("seed = 1", &format!("seed = {seed}")));
        let c = &r.cluster;
        for inst in &c.instances {
            for &k in &inst.tasks {
                let td = &c.taskdefs[c.tasks[k].taskdef as usize];
                assert!(
                    td.gpus <= inst.gpus,
                    "{} on {}",
                    td.family,
                    inst.instance_type
                );
            }
            assert!(inst.used_gpus <= inst.gpus);
        }
        let g5 = c.instances.iter().find(|i| i.gpus == 1).unwrap();
        assert_eq!(g5.used_gpus, 1);
        assert_eq!(
            r.outcome.provisioning_eni_gpu_by_reason.get("RESOURCE:GPU"),
            Some(&2)
        );
    }
}

#[test]
fn gpu_reservation_is_in_the_outputs() {
    let sc = ecsim::scenario::parse(Path::new("e.toml"), &gpu_cluster("")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    ecsim::run::run_to_dir(&sc, 1, &PriceBook::shipped(), dir.path()).unwrap();
    let inst = std::fs::read_to_string(dir.path().join("instances.csv")).unwrap();
    assert!(
        inst.lines()
            .next()
            .unwrap()
            .ends_with(",gpus_registered,gpus_reserved_mean_pct")
    );
    assert!(
        inst.lines()
            .any(|l| l.contains("g5.xlarge") && l.contains(",1,"))
    );
    let series = std::fs::read_to_string(dir.path().join("timeseries.csv")).unwrap();
    assert!(
        series
            .lines()
            .next()
            .unwrap()
            .ends_with(",gpus_reserved,gpus_registered")
    );
    assert!(
        series.lines().last().unwrap().ends_with(",1,1"),
        "{}",
        series.lines().last().unwrap()
    );
}

#[test]
fn gpu_tasks_cannot_run_on_fargate_and_need_a_gpu_instance() {
    let e = err(&gpu_cluster("").replace(
        "instance_type = \"g5.xlarge\"",
        "instance_type = \"m5.large\"",
    ));
    assert!(
        e.contains("services[0].task_definition") && e.contains("GPU"),
        "{e}"
    );
    let text = gpu_cluster("").replace(
        "name = \"train\"\ntask_definition = \"train\"\n",
        "name = \"train\"\ntask_definition = \"train\"\nlaunch_type = \"FARGATE\"\n",
    );
    assert!(err(&text).contains("Fargate"), "{}", err(&text));
}

#[test]
fn a_user_defined_type_runs_and_overrides_the_catalog() {
    let text = format!(
        r#"{HEAD}
[[instance_types]]
name = "x9.large"
vcpu = 2
memory_mib = 8192
max_enis = 4
usd_per_hour = 0.05
[[instance_types]]
name = "m5.large"
usd_per_hour = 0.08
registered_memory_mib = 7900
[[instance_groups]]
name = "new"
instance_type = "x9.large"
count = 1
[[instance_groups]]
name = "old"
instance_type = "m5.large"
count = 1
[[task_definitions]]
family = "t"
cpu = 128
memory = 256
network_mode = "awsvpc"
[[services]]
name = "s"
task_definition = "t"
desired_count = 5
"#
    );
    let r = run(&text);
    // 3 awsvpc tasks on x9.large (4 ENIs), 2 on m5.large.
    assert_eq!(states(&r.cluster), (5, 0));
    assert!(
        (r.cost.total_cost_usd - (0.05 + 0.08)).abs() < 1e-9,
        "{}",
        r.cost.total_cost_usd
    );
    let m5 = r
        .cluster
        .instances
        .iter()
        .find(|i| i.instance_type == "m5.large")
        .unwrap();
    assert_eq!(m5.memory, 7900);
    let e = err(&text.replace("vcpu = 2\n", ""));
    assert!(
        e.contains("instance_types[0].vcpu") && e.contains("required"),
        "{e}"
    );
}

#[test]
fn json_gpus_awsvpc_and_unmodelled_fields() {
    let dir = tempfile::tempdir().unwrap();
    let write = |json: &str| {
        std::fs::write(dir.path().join("td.json"), json).unwrap();
        let text = gpu_cluster("").replace(
            "family = \"train\"\ncpu = 1024\nmemory = 2048\ngpu = 1\n",
            "file = \"td.json\"\n",
        );
        std::fs::write(dir.path().join("s.toml"), text).unwrap();
        ecsim::scenario::load(&dir.path().join("s.toml"))
    };
    let ok = r#"{"family": "train", "networkMode": "awsvpc", "cpu": "1024", "memory": "2048",
      "containerDefinitions": [{"name": "c", "image": "x", "environment": [{"name": "A", "value": "1"}],
        "secrets": [], "logConfiguration": {"logDriver": "awslogs"},
        "resourceRequirements": [{"type": "GPU", "value": "1"}]}]}"#;
    let sc = write(ok).unwrap_or_else(|e| panic!("{e}"));
    let td = &sc.cluster.taskdefs[0];
    assert_eq!((td.gpus, td.awsvpc), (1, true));
    let e = write(&ok.replace("\"GPU\"", "\"InferenceAccelerator\""))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("containerDefinitions[0].resourceRequirements[0].type"),
        "{e}"
    );
    let e = write(&ok.replace("\"value\": \"1\"", "\"value\": \"ALL\""))
        .unwrap_err()
        .to_string();
    assert!(e.contains("resourceRequirements[0].value"), "{e}");
    let e = write(&ok.replace(
        "\"networkMode\"",
        "\"inferenceAccelerators\": [{\"deviceName\": \"d\", \"deviceType\": \"eia2.medium\"}], \"networkMode\"",
    ))
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("td.json") && e.contains("inferenceAccelerators"),
        "{e}"
    );
    let e = write(&ok.replace(
        "\"networkMode\"",
        "\"runtimePlatform\": {\"operatingSystemFamily\": \"WINDOWS_SERVER_2022_CORE\"}, \"networkMode\"",
    ))
    .unwrap_err()
    .to_string();
    assert!(e.contains("runtimePlatform.operatingSystemFamily"), "{e}");
    let e = write(&ok.replace("awsvpc", "nat")).unwrap_err().to_string();
    assert!(e.contains("networkMode") && e.contains("awsvpc"), "{e}");
}

/// Managed scaling counts the instances waiting awsvpc tasks need by their
/// ENIs too (ECS bin-packs CPU, memory, ENIs, ports and GPUs to find M), so
/// ENI-bound tasks make the group grow.
#[test]
fn managed_scaling_adds_instances_for_enis() {
    let text = format!(
        r#"{HEAD}
[[instance_groups]]
name = "asg"
instance_type = "m5.large"
count = 1
min_size = 1
max_size = 10
launch_delay = {{ kind = "constant", value = "60s" }}
[[capacity_providers]]
name = "cp"
instance_group = "asg"
[[task_definitions]]
family = "t"
cpu = 128
memory = 256
network_mode = "awsvpc"
[[services]]
name = "s"
task_definition = "t"
desired_count = 8
capacity_provider_strategy = [{{ capacity_provider = "cp", weight = 1 }}]
"#
    );
    let r = run(&text);
    // 8 tasks at 2 per m5.large: 4 instances, every task running.
    assert_eq!(states(&r.cluster), (8, 0));
    let live = r
        .cluster
        .instances
        .iter()
        .filter(|i| i.status == ecsim::model::InstanceStatus::Active)
        .count();
    assert_eq!(live, 4);
}

/// A declared type may appear in a Spot price series.
#[test]
fn a_user_defined_type_may_have_spot_prices() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("spot.csv"),
        "time,instance_type,usd_per_hour\n0,x9.large,0.02\n",
    )
    .unwrap();
    let text = format!(
        r#"{HEAD}
[pricing]
ec2_spot_prices = "spot.csv"
[[instance_types]]
name = "x9.large"
vcpu = 2
memory_mib = 8192
usd_per_hour = 0.05
[[instance_groups]]
name = "g"
instance_type = "x9.large"
count = 1
market = "spot"
"#
    );
    std::fs::write(dir.path().join("s.toml"), &text).unwrap();
    let sc = ecsim::scenario::load(&dir.path().join("s.toml")).unwrap_or_else(|e| panic!("{e}"));
    let r = simulate(&sc, 1, &PriceBook::shipped(), None).unwrap();
    assert!(
        (r.cost.total_cost_usd - 0.02).abs() < 1e-9,
        "{}",
        r.cost.total_cost_usd
    );
    std::fs::write(
        dir.path().join("s.toml"),
        text.replace("name = \"x9.large\"", "name = \"x8.large\"")
            .replace(
                "instance_type = \"x9.large\"",
                "instance_type = \"x8.large\"",
            ),
    )
    .unwrap();
    let e = ecsim::scenario::load(&dir.path().join("s.toml"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("spot.csv") && e.contains("[[instance_types]]"),
        "{e}"
    );
}
