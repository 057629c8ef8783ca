//! When a task counts as healthy (issue 18, item 9) and what
//! RegisterTaskDefinition refuses (item 15). Sources: tests/ECS_SOURCES.md
//! sections 8 and 12.

mod common;
use common::{Log, run};
use ecsim::engine::SimTime;
use ecsim::model::TaskState;
use std::path::Path;

/// desired 1, minimum healthy 100 %, maximum 200 %: a rolling deployment
/// starts the new task, and the old one may stop only once the new one
/// counts as healthy. v2 starts in exactly 10 s.
fn rolling(v2_extra: &str, service_extra: &str) -> String {
    format!(
        r#"
name = "h"
duration = "2h"
[cluster]
availability_zones = ["a"]
[[instance_groups]]
name = "g"
instance_type = "m5.xlarge"
count = 1
[[task_definitions]]
family = "v1"
cpu = 256
memory = 512
startup = {{ kind = "constant", value = "10s" }}
[[task_definitions]]
family = "v2"
memory = 512
startup = {{ kind = "constant", value = "10s" }}
{v2_extra}
[[services]]
name = "web"
task_definition = "v1"
desired_count = 1
deployment_configuration = {{ minimum_healthy_percent = 100, maximum_percent = 200 }}
{service_extra}
[[deployments]]
service = "web"
at = "1h"
task_definition = "v2"
"#
    )
}

/// Time from the new task reaching RUNNING to the old one being told to stop.
fn healthy_after(log: &Log) -> SimTime {
    let serial_of = |from: TaskState, to: TaskState, after: SimTime| {
        log.transitions
            .iter()
            .find(|t| t.1 == from && t.2 == to && t.3 >= after)
            .map(|t| (t.0, t.3))
            .expect("transition")
    };
    let hour = 3_600_000;
    let (new, running_at) = serial_of(TaskState::Activating, TaskState::Running, hour);
    let (old, stop_at) = serial_of(TaskState::Running, TaskState::Deactivating, hour);
    assert_ne!(new, old);
    stop_at - running_at
}

fn container(health: &str) -> String {
    format!("containers = [{{ name = \"app\", cpu = 256, memory = 512 {health} }}]")
}

/// DeploymentConfiguration `minimumHealthyPercent` (API reference): "If a
/// task has no essential containers with a health check defined, the service
/// scheduler will wait for 40 seconds after a task reaches a RUNNING state
/// before the task is counted towards the minimum healthy percent total."
#[test]
fn no_health_check_and_no_load_balancer_waits_40_s() {
    let (_, _, log) = run(&rolling(&container(""), ""));
    assert_eq!(healthy_after(&log), 40_000);
}

/// Same page: with a container health check the scheduler waits for the
/// task to be healthy; Docker runs the first check one `interval` after the
/// container starts (HealthCheck, API reference), so a passing check makes
/// it healthy 10 s after RUNNING, not 40 s.
#[test]
fn a_container_health_check_counts_at_its_first_pass() {
    let hc = ", health_check = { command = [\"CMD-SHELL\", \"curl -f http://localhost/\"], interval = \"10s\", retries = 2 }";
    let (_, _, log) = run(&rolling(&container(hc), ""));
    assert_eq!(healthy_after(&log), 10_000);
    // A non-essential container's check does not hold the task back.
    let two = "containers = [{ name = \"app\", cpu = 256, memory = 256, health_check = { command = [\"CMD\", \"true\"], interval = \"20s\" } }, { name = \"side\", memory = 256, essential = false, health_check = { command = [\"CMD\", \"true\"], interval = \"90s\" } }]";
    let (_, _, log) = run(&rolling(two, ""));
    assert_eq!(healthy_after(&log), 20_000);
}

/// Behind a load balancer a target is healthy after HealthyThresholdCount
/// consecutive passing checks, HealthCheckIntervalSeconds apart (ELB
/// "Health checks for your target groups"; defaults 5 and 30 s).
#[test]
fn behind_a_load_balancer_threshold_times_interval() {
    let lb = "load_balancer = { healthy_threshold = 3, health_check_interval = \"10s\" }";
    let (_, _, log) = run(&rolling(&container(""), lb));
    assert_eq!(healthy_after(&log), 30_000);
    let (_, _, log) = run(&rolling(&container(""), "load_balancer = {}"));
    assert_eq!(healthy_after(&log), 150_000, "defaults: 5 x 30 s");
    // Both: the later of the two.
    let hc = ", health_check = { command = [\"CMD\", \"true\"], interval = \"45s\" }";
    let (_, _, log) = run(&rolling(&container(hc), lb));
    assert_eq!(healthy_after(&log), 45_000);
}

/// The JSON task definition's `healthCheck` (seconds) is read as well.
#[test]
fn json_task_definitions_carry_the_health_check() {
    let dir = tempfile::tempdir().unwrap();
    let json = r#"{"family": "v2", "containerDefinitions": [{"name": "app", "memory": 512,
        "healthCheck": {"command": ["CMD-SHELL", "exit 0"], "interval": 15, "timeout": 3, "retries": 2, "startPeriod": 30}}]}"#;
    std::fs::write(dir.path().join("v2.json"), json).unwrap();
    let text = rolling("", "").replace("family = \"v2\"\nmemory = 512\n", "file = \"v2.json\"\n");
    let path = dir.path().join("s.toml");
    std::fs::write(&path, &text).unwrap();
    let sc = ecsim::scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let hc = sc.cluster.taskdefs[1].containers[0].health_check.unwrap();
    assert_eq!(
        (hc.interval, hc.timeout, hc.retries, hc.start_period),
        (15_000, 3_000, 2, 30_000)
    );
    let mut log = Log::default();
    ecsim::sim::Sim::new(&sc, 0, &mut log).run().unwrap();
    assert_eq!(healthy_after(&log), 15_000);
}

/// The same rule when tasks leave a draining instance: RUNNING service
/// tasks there are replaced within minimumHealthyPercent and maximumPercent
/// (API UpdateContainerInstancesState), so with 100 % a Spot notice's
/// drained task stops only once its replacement counts as healthy, 40 s
/// after that replacement reaches RUNNING (DeploymentConfiguration).
#[test]
fn draining_tasks_wait_for_a_healthy_replacement() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.txt"), "1h\n").unwrap();
    let text = r#"
name = "d"
duration = "2h"
[cluster]
availability_zones = ["a"]
[[instance_groups]]
name = "od"
instance_type = "m5.xlarge"
count = 1
[[instance_groups]]
name = "sp"
instance_type = "m5.xlarge"
count = 1
market = "spot"
[[task_definitions]]
family = "t"
cpu = 256
memory = 512
startup = { kind = "constant", value = "10s" }
[[services]]
name = "web"
task_definition = "t"
desired_count = 2
placement_strategy = [{ type = "spread", field = "instanceId" }]
[[faults]]
kind = "spot_interruption"
times = "t.txt"
capacity = "ec2"
"#;
    let path = dir.path().join("s.toml");
    std::fs::write(&path, text).unwrap();
    let sc = ecsim::scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let mut log = Log::default();
    ecsim::sim::Sim::new(&sc, 0, &mut log).run().unwrap();
    assert_eq!(healthy_after(&log), 40_000);
}

fn err(text: &str) -> String {
    match ecsim::scenario::parse(Path::new("s.toml"), text) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.to_string(),
    }
}

fn taskdef(body: &str) -> String {
    format!(
        "name = \"t\"\n[cluster]\navailability_zones = [\"a\"]\n[[instance_groups]]\nname = \"g\"\ninstance_type = \"m5.xlarge\"\ncount = 1\n[[task_definitions]]\nfamily = \"t\"\n{body}\n"
    )
}

/// HealthCheck (ECS API reference): interval 5-300 s, timeout 2-120 s,
/// retries 1-10, startPeriod 0-300 s; the command starts with CMD or
/// CMD-SHELL. Each is a one-line error naming the field.
#[test]
fn health_check_ranges() {
    let hc = |f: &str| {
        taskdef(&format!(
            "containers = [{{ name = \"a\", memory = 512, health_check = {{ command = [\"CMD\", \"x\"], {f} }} }}]"
        ))
    };
    for (field, want) in [
        (
            "interval = \"4s\"",
            "task_definitions[0].containers[0].health_check.interval: must be whole seconds from 5 to 300, got 4",
        ),
        (
            "interval = \"301s\"",
            "health_check.interval: must be whole seconds from 5 to 300, got 301",
        ),
        (
            "timeout = \"1s\"",
            "health_check.timeout: must be whole seconds from 2 to 120, got 1",
        ),
        (
            "retries = 11",
            "health_check.retries: must be 1 to 10, got 11",
        ),
        (
            "start_period = \"5m1s\"",
            "health_check.start_period: must be whole seconds from 0 to 300, got 301",
        ),
    ] {
        let e = err(&hc(field));
        assert!(e.contains(want), "{field}: {e}");
        assert!(!e.contains('\n'));
    }
    let e = err(&taskdef(
        "containers = [{ name = \"a\", memory = 512, health_check = { command = [\"curl\"] } }]",
    ));
    assert!(
        e.contains("health_check.command: must start with \"CMD\" or \"CMD-SHELL\""),
        "{e}"
    );
    let e = err(&taskdef(
        "memory = 512\n[[services]]\nname = \"s\"\ntask_definition = \"t\"\ndesired_count = 1\nload_balancer = { healthy_threshold = 1 }",
    ));
    assert!(
        e.contains("services[0].load_balancer.healthy_threshold: must be 2 to 10"),
        "{e}"
    );
    let e = err(&taskdef(
        "memory = 512\n[[services]]\nname = \"s\"\ntask_definition = \"t\"\ndesired_count = 1\nload_balancer = { health_check_interval = \"1s\" }",
    ));
    assert!(
        e.contains(
            "services[0].load_balancer.health_check_interval: must be whole seconds from 5s to 300s"
        ),
        "{e}"
    );
}

/// RegisterTaskDefinition (API reference): task-level cpu 128 to 196,608
/// units on EC2; container memory at least 6 MiB (Docker 20.10+);
/// memoryReservation not above memory; no container above the task's
/// memory; at most 10 containers ("Amazon ECS service quotas"); unique
/// container names (ContainerDefinition `name`).
#[test]
fn register_task_definition_limits() {
    for (body, want) in [
        (
            "cpu = 0\nmemory = 512",
            "task_definitions[0].cpu: task-level cpu must be 128 to 196608 CPU units (0.125 to 192 vCPU), got 0",
        ),
        ("cpu = 127\nmemory = 512", "got 127"),
        (
            "containers = [{ name = \"a\", memory = 5 }]",
            "task_definitions[0].containers[0].memory: a container needs at least 6 MiB, got 5",
        ),
        (
            "containers = [{ name = \"a\", memory = 256, memory_reservation = 512 }]",
            "containers[0].memory_reservation: 512 MiB is above the container's memory (hard limit) of 256 MiB",
        ),
        (
            "memory = 512\ncontainers = [{ name = \"a\", memory = 1024 }]",
            "containers[0].memory: 1024 MiB is above the task-level memory of 512 MiB",
        ),
        (
            "memory = 512\ncontainers = [{ name = \"a\", memory_reservation = 300 }, { name = \"b\", memory_reservation = 300 }]",
            "task_definitions[0].containers: the containers reserve 600 MiB, above the task-level memory of 512 MiB",
        ),
        (
            "containers = [{ name = \"a\", memory = 64 }, { name = \"a\", memory = 64 }]",
            "containers[1].name: container name \"a\" is used twice",
        ),
    ] {
        let e = err(&taskdef(body));
        assert!(e.contains(want), "{body}: {e}");
    }
    let eleven: Vec<String> = (0..11)
        .map(|k| format!("{{ name = \"c{k}\", memory = 16 }}"))
        .collect();
    let e = err(&taskdef(&format!("containers = [{}]", eleven.join(", "))));
    assert!(
        e.contains(
            "task_definitions[0].containers: a task definition holds at most 10 containers, got 11"
        ),
        "{e}"
    );
    // 128 units and 10 containers are fine.
    let ten = eleven[..10].join(", ");
    ecsim::scenario::parse(
        Path::new("s.toml"),
        &taskdef(&format!("cpu = 128\ncontainers = [{ten}]")),
    )
    .unwrap_or_else(|e| panic!("{e}"));
}

/// The same rules in a JSON task definition, with its field names; the
/// command line exits 2 with the one-line error.
#[test]
fn register_task_definition_limits_in_json() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            r#"{"family": "t", "cpu": "64", "containerDefinitions": [{"name": "a", "memory": 64}]}"#,
            "t.json: cpu: task-level cpu must be 128 to 196608",
        ),
        (
            r#"{"family": "t", "containerDefinitions": [{"name": "a", "memory": 64}, {"name": "a", "memory": 64}]}"#,
            "t.json: containerDefinitions[1].name: container name \"a\" is used twice",
        ),
        (
            r#"{"family": "t", "containerDefinitions": [{"name": "a", "memory": 64, "memoryReservation": 128}]}"#,
            "t.json: containerDefinitions[0].memoryReservation: 128 MiB is above",
        ),
        (
            r#"{"family": "t", "containerDefinitions": [{"name": "a", "memory": 64, "healthCheck": {"command": ["CMD", "x"], "startPeriod": 400}}]}"#,
            "t.json: containerDefinitions[0].healthCheck.startPeriod: must be whole seconds from 0 to 300, got 400",
        ),
        (
            r#"{"family": "t", "containerDefinitions": [{"name": "a", "memory": 64, "healthCheck": {"command": ["CMD", "x"], "interval": -5}}]}"#,
            "t.json: containerDefinitions[0].healthCheck.interval: must be 0 or more seconds, got -5",
        ),
    ];
    for (json, want) in cases {
        std::fs::write(dir.path().join("t.json"), json).unwrap();
        let text = taskdef("").replace("family = \"t\"\n", "file = \"t.json\"\n");
        std::fs::write(dir.path().join("s.toml"), text).unwrap();
        let out = common::ecsim_in(dir.path(), &["validate", "s.toml"]);
        let e = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{e}");
        assert!(e.contains(want), "{json}: {e}");
        assert_eq!(e.trim_end().lines().count(), 1, "{e}");
    }
}

/// When the old task was asked to stop and when it reached STOPPED.
fn old_task_stop(log: &Log) -> (SimTime, SimTime) {
    let hour = 3_600_000;
    let (serial, asked) = log
        .transitions
        .iter()
        .find(|t| t.1 == TaskState::Running && t.2 == TaskState::Deactivating && t.3 >= hour)
        .map(|t| (t.0, t.3))
        .expect("the old task is stopped");
    let stopped = log
        .transitions
        .iter()
        .find(|t| t.0 == serial && t.2 == TaskState::Stopped)
        .expect("and reaches STOPPED")
        .3;
    (asked, stopped)
}

/// ELB "Target groups for your Application Load Balancers", Deregistration
/// delay: a deregistering target keeps its connections for
/// deregistration_delay.timeout_seconds, 300 s by default, 0-3600 s; ECS
/// keeps the task DEACTIVATING meanwhile ("Amazon ECS task lifecycle"), so
/// it holds its resources and is billed, and the deployment completes only
/// once it has stopped.
#[test]
fn behind_a_load_balancer_a_stopping_task_drains_for_the_deregistration_delay() {
    let v1_instant = |t: String| {
        t.replace(
            "startup = { kind = \"constant\", value = \"10s\" }\n[[task_definitions]]\nfamily = \"v2\"",
            "startup = { kind = \"constant\", value = \"10s\" }\nshutdown = { kind = \"constant\", value = \"0s\" }\n[[task_definitions]]\nfamily = \"v2\"",
        )
    };
    let fast = "healthy_threshold = 2, health_check_interval = \"5s\"";
    for (lb, delay) in [
        (format!("load_balancer = {{ {fast} }}"), 300_000),
        (
            format!("load_balancer = {{ {fast}, deregistration_delay = \"45s\" }}"),
            45_000,
        ),
        (
            format!("load_balancer = {{ {fast}, deregistration_delay = \"0s\" }}"),
            0,
        ),
        (String::new(), 0),
    ] {
        let text = v1_instant(rolling(&container(""), &lb));
        assert!(text.contains("value = \"0s\""));
        let (o, _, log) = run(&text);
        let (asked, stopped) = old_task_stop(&log);
        assert_eq!(stopped - asked, delay, "{lb}");
        let d = &o.deployments[0];
        assert_eq!(d.status, "COMPLETED");
        assert_eq!(
            d.ended,
            Some(stopped),
            "{lb}: the deployment ends when the old task has stopped"
        );
    }
    // Out of ELB's range: an input error naming the field.
    let dir = tempfile::tempdir().unwrap();
    let text = rolling("", "load_balancer = { deregistration_delay = \"2h\" }");
    std::fs::write(dir.path().join("s.toml"), text).unwrap();
    let out = common::ecsim_in(dir.path(), &["validate", "s.toml"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(
            "services[0].load_balancer.deregistration_delay: must be whole seconds from 0s to 3600s"
        ),
        "{err}"
    );
}

/// Issue 35 item 7: behind a load balancer a task takes traffic only once
/// its target passed `healthy_threshold` checks `health_check_interval`
/// apart ("Health checks for Application Load Balancer target groups"),
/// for new tasks of a scale-out as for a deployment. Four tasks started
/// from nothing for a demand only four can serve: with checks of 2 × 60 s
/// they serve two minutes later than without a load balancer.
#[test]
fn behind_a_load_balancer_a_scale_out_serves_once_healthy() {
    let text = |lb: &str| {
        format!(
            r#"
name = "s"
duration = "1h"
warm_up = "0s"
[cluster]
availability_zones = ["a"]
[[instance_groups]]
name = "g"
instance_type = "m5.xlarge"
count = 1
[[task_definitions]]
family = "t"
cpu = 256
memory = 512
startup = {{ kind = "constant", value = "10s" }}
[[services]]
name = "web"
task_definition = "t"
desired_count = 4
capacity_per_task = 100
demand = {{ kind = "constant", value = 400 }}
{lb}
"#
        )
    };
    let unserved = |t: &str| {
        let (s, _d) = common::run_in_tmp(t);
        s.services["web"].load.as_ref().unwrap().unserved_requests
    };
    let plain = unserved(&text(""));
    let lb = unserved(&text(
        "load_balancer = { healthy_threshold = 2, health_check_interval = \"60s\" }",
    ));
    // Without: only the first minute (tasks start at 10 s) is short. With:
    // the tasks serve from 130 s, so the first three minutes are.
    assert_eq!(plain, 400.0 * 60.0, "{plain}");
    assert_eq!(lb, 3.0 * 400.0 * 60.0, "{lb}");
}
