//! Spot interruptions are not failures ("Amazon ECS stopped task error
//! codes"; the API's `TaskStopCode`): AWS took the capacity back and the
//! scheduler replaces the tasks first. On an EC2 Spot instance with Spot
//! instance draining ("Configuring Amazon ECS Linux container instances to
//! receive Spot Instance notices") the service scheduler stops the tasks as
//! for any drained instance ("Draining Amazon ECS container instances"):
//! stop code `ServiceSchedulerInitiated`. A task still on the instance when
//! EC2 takes it goes with its host: `TerminationNotice`, "Host EC2 (instance
//! i-…) terminated.". Only FARGATE_SPOT tasks get `SpotInterruption`, "Your
//! Spot Task was interrupted.".

use std::path::Path;

/// On-demand and Spot m5.xlarge, two each over two zones; `web` (desired 8)
/// spread over instances; EC2 Spot interrupted at 1h (the oldest Spot
/// instance). `svc` adds to the service, `extra` to the scenario.
fn ec2_spot(svc: &str, extra: &str) -> String {
    format!(
        r#"
name = "s"
duration = "4h"
seed = 8
[cluster]
availability_zones = ["a", "b"]
[[instance_groups]]
name = "od"
instance_type = "m5.xlarge"
count = 2
[[instance_groups]]
name = "spot"
instance_type = "m5.xlarge"
count = 2
market = "spot"
launch_delay = {{ kind = "constant", value = "90s" }}
[[task_definitions]]
family = "web"
cpu = 1024
memory = 2048
startup = {{ kind = "constant", value = "20s" }}
shutdown = {{ kind = "constant", value = "5s" }}
[[services]]
name = "web"
task_definition = "web"
desired_count = 8
placement_strategy = [{{ type = "spread", field = "instanceId" }}]
{svc}
{extra}
[[faults]]
kind = "spot_interruption"
times = "spot-times.csv"
capacity = "ec2"
"#
    )
}

/// Runs `text` with an interruption at 1h; the summary and tasks.csv rows
/// (header first).
fn run(text: &str) -> (ecsim::report::Summary, Vec<csv::StringRecord>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("spot-times.csv"), "time\n1h\n").unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(&path, text).unwrap();
    let sc = ecsim::scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let book = ecsim::billing::PriceBook::shipped();
    let out = dir.path().join("out");
    let s = ecsim::run::run_to_dir(&sc, sc.seed, &book, &out).unwrap_or_else(|e| panic!("{e}"));
    (s, rows(&out))
}

fn rows(out: &Path) -> Vec<csv::StringRecord> {
    let mut r = csv::Reader::from_path(out.join("tasks.csv")).unwrap();
    let header = r.headers().unwrap().clone();
    std::iter::once(header)
        .chain(r.records().map(Result::unwrap))
        .collect()
}

/// (stop_code, stop_reason, instance_id) of the stopped tasks of `owner`.
fn stops(rows: &[csv::StringRecord], owner: &str) -> Vec<(String, String, String)> {
    let col = |name: &str| rows[0].iter().position(|h| h == name).unwrap();
    let (o, code, reason, inst) = (
        col("owner"),
        col("stop_code"),
        col("stop_reason"),
        col("instance_id"),
    );
    rows[1..]
        .iter()
        .filter(|r| &r[o] == owner && !r[code].is_empty())
        .map(|r| {
            (
                r[code].to_string(),
                r[reason].to_string(),
                r[inst].to_string(),
            )
        })
        .collect()
}

/// With Spot instance draining the scheduler moves the two web tasks off
/// the Spot instance within the 2-minute warning: ServiceSchedulerInitiated,
/// the draining reason, not failures; the service is back at 8.
#[test]
fn ec2_spot_drained_tasks_are_scheduler_stops_not_failures() {
    let (s, rows) = run(&ec2_spot("", ""));
    let web = stops(&rows, "web");
    assert_eq!(web.len(), 2, "{web:?}");
    for (code, reason, _) in &web {
        assert_eq!(code, "ServiceSchedulerInitiated");
        assert_eq!(reason, "Container instance is draining");
    }
    assert_eq!(s.tasks_failed, 0);
    assert_eq!(s.services["web"].tasks_failed, 0);
    assert_eq!(s.tasks_stopped_by_spot_interruption, 2);
    assert_eq!(s.services["web"].min_running, 8, "replaced before stopped");
    let w = &s.services["web"];
    assert_eq!((w.tasks_launched, w.tasks_stopped), (10, 2), "replaced");
}

/// Desired 16 fills every instance: the replacements wait for the Spot
/// instance the group launches at the notice (90 s) and are not healthy
/// before the reclaim, so minimumHealthyPercent 100 keeps the four web
/// tasks on the Spot instance until EC2 takes it. They stop with it:
/// TerminationNotice, the host named; still not failures, and replaced.
#[test]
fn ec2_spot_reclaimed_tasks_go_with_the_host_not_failures() {
    let text = ec2_spot("", "").replace("desired_count = 8", "desired_count = 16");
    let (s, rows) = run(&text);
    // The first Spot instance (after the two on-demand ones).
    let spot = "i-00000000000000003";
    let web: Vec<_> = stops(&rows, "web")
        .into_iter()
        .filter(|t| t.2 == spot)
        .collect();
    assert_eq!(web.len(), 4, "{web:?}");
    for (code, reason, instance) in &web {
        assert_eq!(code, "TerminationNotice");
        assert_eq!(
            reason,
            &format!("Host EC2 (instance {instance}) terminated.")
        );
        assert!(instance.starts_with("i-"), "{instance}");
    }
    assert_eq!(s.tasks_failed, 0);
    assert_eq!(s.services["web"].tasks_failed, 0);
    assert_eq!(s.tasks_stopped_by_spot_interruption, 4);
    // Replaced: 16 running again at the end (zone rebalancing may start
    // and stop some more later on).
    let w = &s.services["web"];
    assert_eq!(w.tasks_launched - w.tasks_stopped, 16);
    assert!(w.tasks_launched >= 20, "16 + 4 replacements");
    assert_eq!(s.tasks_provisioning_at_end, 0);
}

/// FARGATE_SPOT keeps Fargate's own code and reason, and is not a failure.
#[test]
fn fargate_spot_interruption_keeps_its_code_and_is_not_a_failure() {
    let text = r#"
name = "f"
duration = "4h"
seed = 8
[cluster]
availability_zones = ["a", "b"]
[[task_definitions]]
family = "web"
cpu = 256
memory = 512
[[services]]
name = "web"
task_definition = "web"
desired_count = 4
capacity_provider_strategy = [{ capacity_provider = "FARGATE_SPOT", weight = 1 }]
[[faults]]
kind = "spot_interruption"
times = "spot-times.csv"
capacity = "fargate"
"#;
    let (s, rows) = run(text);
    let web = stops(&rows, "web");
    assert_eq!(web.len(), 1, "{web:?}");
    assert_eq!(web[0].0, "SpotInterruption");
    assert_eq!(web[0].1, "Your Spot Task was interrupted.");
    assert_eq!(s.tasks_failed, 0);
    assert_eq!(s.tasks_stopped_by_spot_interruption, 1);
    let w = &s.services["web"];
    assert_eq!((w.tasks_launched, w.tasks_stopped), (5, 1), "replaced");
}
