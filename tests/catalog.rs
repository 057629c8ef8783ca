//! The shipped instance-type catalog (issue 19): types from EC2's
//! DescribeInstanceTypes (via Karpenter and the VPC CNI, see README) run and
//! are billed at the us-east-1 on-demand price (Karpenter's Price List
//! extract, 2026-07-20); unknown types are refused with a way out.

mod common;

use ecsim::billing::PriceBook;
use ecsim::model::TaskState;
use std::path::Path;

fn scenario(body: &str) -> String {
    format!(
        r#"
name = "c"
seed = 3
duration = "2h"
[cluster]
availability_zones = ["us-east-1a"]
[[task_definitions]]
family = "t"
cpu = 256
memory = 256
startup = {{ kind = "constant", value = "0s" }}
shutdown = {{ kind = "constant", value = "0s" }}
{body}
"#
    )
}

fn parse(text: &str) -> Result<ecsim::scenario::Scenario, ecsim::error::InputError> {
    ecsim::scenario::parse(Path::new("c.toml"), text)
}

fn cost(text: &str) -> f64 {
    let sc = parse(text).unwrap_or_else(|e| panic!("{e}"));
    let r = ecsim::run::simulate(&sc, sc.seed, &PriceBook::shipped(), None)
        .unwrap_or_else(|e| panic!("{e}"));
    r.cost.total_cost_usd
}

fn one_of(t: &str, runtime: &str) -> String {
    scenario(&format!(
        r#"[[instance_groups]]
name = "g"
instance_type = "{t}"
count = 1
[[jobs]]
name = "j"
task_definition = "t"
arrivals = {{ kind = "schedule", every = "3h", count = 1 }}
duration = {{ kind = "constant", value = "30m" }}
{runtime}
"#
    ))
}

/// us-east-1 Linux on-demand, from src/catalog/ec2_us_east_1.csv (2026-07-20).
#[test]
fn new_types_run_and_are_billed_at_the_us_east_1_price() {
    for (t, usd, arch) in [
        ("m6a.large", 0.0864, "x86_64"),
        ("c7i.xlarge", 0.1785, "x86_64"),
        ("t4g.medium", 0.0336, "arm64"),
        ("g5.xlarge", 1.006, "x86_64"),
    ] {
        let it = ecsim::catalog::instance_type(t).unwrap();
        assert_eq!(it.arch.as_str(), arch, "{t}");
        let got = cost(&one_of(t, ""));
        assert!((got - 2.0 * usd).abs() < 1e-9, "{t}: {got}");
    }
}

/// A task that needs ARM64 runs on the Graviton t4g, and only there: the
/// instance bills whether or not a task runs, so the test looks at the task.
/// "Amazon ECS task definitions for 64-bit ARM workloads": a task with
/// `runtimePlatform.cpuArchitecture = ARM64` is placed on ARM instances.
#[test]
fn arm64_task_runs_on_the_graviton_t4g_and_not_on_x86() {
    let arm = |t: &str| {
        one_of(t, "").replace(
            "memory = 256\n",
            "memory = 256\nruntime_platform = \"ARM64\"\n",
        )
    };
    let (o, c, log) = common::run(&arm("t4g.medium"));
    assert_eq!((o.tasks_launched, o.tasks_started), (1, 1));
    let task = &log.done[..];
    assert_eq!(task.len(), 1, "the job's one task finished");
    let t = &task[0];
    let i = &c.instances[t.instance.expect("placed on an instance") as usize];
    assert_eq!(i.instance_type, "t4g.medium");
    assert_eq!(i.arch.as_str(), "arm64");
    // RUNNING at once (no startup time), then ran its 30 minutes.
    assert_eq!(t.started, Some(0));
    assert_eq!(t.stopped.map(|s| s >= 30 * 60_000), Some(true), "{t:?}");
    assert!(
        log.transitions
            .iter()
            .any(|&(s, _, to, _)| s == t.serial && to == TaskState::Running)
    );
    // On x86_64 only, the scenario is refused: no instance could ever run it.
    let e = parse(&arm("m6a.large")).unwrap_err().to_string();
    assert!(
        e.contains("jobs[0].task_definition") && e.contains("architecture"),
        "{e}"
    );
}

#[test]
fn catalog_holds_the_shared_data() {
    let types = ecsim::catalog::instance_types();
    assert!(types.len() > 1300, "{}", types.len());
    let g5 = ecsim::catalog::instance_type("g5.xlarge").unwrap();
    assert_eq!((g5.vcpu, g5.memory_mib, g5.gpus), (4, 16384, 1));
    // Trunking: ECS's own table ("Supported instances for increased Amazon
    // ECS container network interfaces"), not the VPC CNI's branch ENIs (9).
    let m5 = ecsim::catalog::instance_type("m5.large").unwrap();
    assert_eq!(
        (m5.awsvpc_tasks(false), m5.awsvpc_tasks(true)),
        (Some(2), Some(10))
    );
}

#[test]
fn types_without_specs_are_refused_with_how_to_define_them() {
    let e = parse(&one_of("c7i.32xlarge", "")).unwrap_err().to_string();
    assert!(e.contains("instance_groups[0].instance_type"), "{e}");
    assert!(
        e.contains("no vCPU") && e.contains("[[instance_types]]"),
        "{e}"
    );
    let e = parse(&one_of("m6a.huge", "")).unwrap_err().to_string();
    assert!(
        e.contains("m6a.large") && e.contains("[[instance_types]]"),
        "{e}"
    );
    let e = parse(&one_of("zz9.large", "")).unwrap_err().to_string();
    assert!(e.contains("ecsim catalog"), "{e}");
}

/// `ecsim catalog PATTERN`: the candidates a planner compares.
#[test]
fn catalog_command_lists_matching_types() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ecsim"))
        .args(["catalog", "g5.*", "--csv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with(
            "instance_type,vcpu,memory_mib,arch,gpus,awsvpc_tasks,awsvpc_tasks_trunking,usd_per_hour\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("\ng5.xlarge,4,16384,x86_64,1,3,6,1.006\n"),
        "{text}"
    );
    assert!(text.lines().skip(1).all(|l| l.starts_with("g5.")), "{text}");
    // A type ECS's trunking table does not list shows "-", and the legend says why.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ecsim"))
        .args(["catalog", "m7i.large"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let row = text.lines().find(|l| l.starts_with("m7i.large ")).unwrap();
    assert_eq!(row.split_whitespace().nth(6), Some("-"), "{text}");
    assert!(text.contains("eni_trunking.csv"), "{text}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ecsim"))
        .args(["catalog", "m5", "--region", "mars-1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("us-east-1"));
}

/// A task that asks for ARM64 ("Amazon ECS task definitions for 64-bit ARM
/// workloads": `runtimePlatform.cpuArchitecture`, matched against the
/// instance's `ecs.cpu-architecture`) on x86_64 types only: the error names
/// the architecture and the groups' types, not CPU and memory.
#[test]
fn arm64_task_on_x86_types_names_the_architecture() {
    let text = one_of("m5.large", "").replace(
        "memory = 256\n",
        "memory = 256\nruntime_platform = \"ARM64\"\n",
    );
    let e = parse(&text).unwrap_err().to_string();
    assert!(
        e.contains("jobs[0].task_definition")
            && e.contains("needs ARM64 (runtime_platform")
            && e.contains(
                "no instance group it may use launches an ARM64 type: groups g (m5.large, x86_64)"
            )
            && e.contains("m7g.large")
            && !e.contains("CPU units"),
        "{e}"
    );
    // And the other way round.
    let text = one_of("t4g.medium", "").replace(
        "memory = 256\n",
        "memory = 256\nruntime_platform = \"X86_64\"\n",
    );
    let e = parse(&text).unwrap_err().to_string();
    assert!(
        e.contains("needs X86_64") && e.contains("groups g (t4g.medium, arm64)"),
        "{e}"
    );
    // An input error: exit 2 from `ecsim validate`, the message on stderr.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.toml");
    std::fs::write(
        &path,
        one_of("m5.large", "").replace(
            "memory = 256\n",
            "memory = 256\nruntime_platform = \"ARM64\"\n",
        ),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ecsim"))
        .arg("validate")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs ARM64"));
}

/// At run time: the Graviton instance is full and the x86_64 one has room,
/// so RunTask refuses the second ARM64 task for the architecture, and the
/// reason says so ("Amazon ECS API failure reasons": ATTRIBUTE, here with
/// the attribute named).
#[test]
fn runtime_refusal_for_architecture_names_it() {
    let text = scenario(
        r#"[[instance_groups]]
name = "x86"
instance_type = "m5.large"
count = 1
[[instance_groups]]
name = "arm"
instance_type = "t4g.medium"
count = 1
[[jobs]]
name = "j"
task_definition = "t"
arrivals = { kind = "schedule", every = "3h", count = 2 }
duration = { kind = "constant", value = "30m" }
"#,
    )
    .replace(
        "cpu = 256\nmemory = 256\n",
        "cpu = 2048\nmemory = 256\nruntime_platform = \"ARM64\"\n",
    );
    let sc = parse(&text).unwrap_or_else(|e| panic!("{e}"));
    let r = ecsim::run::simulate(&sc, sc.seed, &PriceBook::shipped(), None).unwrap();
    let refused = &r.cluster.jobs[0].refused;
    assert_eq!(
        refused.get(&ecsim::model::Refusal::Architecture),
        Some(&1),
        "{refused:?}"
    );
    assert_eq!(
        ecsim::model::Refusal::Architecture.as_str(),
        "ATTRIBUTE:ecs.cpu-architecture"
    );
}
