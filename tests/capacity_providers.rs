//! Auto Scaling group capacity providers with ECS managed scaling
//! ("Amazon ECS cluster auto scaling", "Managed scaling behavior"):
//! CapacityProviderReservation = M / N × 100 kept at targetCapacity, tasks
//! wait in PROVISIONING while instances launch, step sizes, minimum and
//! maximum size, and managed termination protection.

mod common;
use common::repo;
use ecsim::engine::time::MINUTE;
use ecsim::model::{Cluster, InstanceStatus, Task};
use ecsim::scaling::Decision;
use ecsim::sim::{Recorder, Sample, Sim};

#[derive(Default)]
struct Log {
    decisions: Vec<Decision>,
    instances: Vec<(u64, u32, f64)>,
    done: Vec<Task>,
    protected_ok: bool,
}

impl Recorder for Log {
    fn task_done(&mut self, _: &Cluster, t: &Task) {
        self.done.push(t.clone());
    }
    fn sample(&mut self, s: &Sample) {
        let (n, r) = (s.providers[0].instances, s.providers[0].reservation_pct);
        self.instances.push((s.time / MINUTE, n, r));
    }
    fn scaling(&mut self, _: &Cluster, d: &Decision) {
        self.decisions.push(d.clone());
    }
    fn after_event(&mut self, c: &Cluster, _: u64) {
        // Managed termination protection: nothing terminated while running tasks.
        for i in &c.instances {
            if i.status == InstanceStatus::Inactive {
                self.protected_ok &= i.tasks.is_empty();
            }
        }
    }
}

fn run(text: &str) -> Log {
    let sc = common::scenario(text);
    let mut log = Log {
        protected_ok: true,
        ..Default::default()
    };
    Sim::new(&sc, sc.seed, &mut log)
        .with_invariant_checks(true)
        .run()
        .unwrap_or_else(|e| panic!("{e}"));
    log
}

fn batch_wave() -> String {
    std::fs::read_to_string(repo().join("scenarios/batch-wave.toml"))
        .unwrap()
        .replace("3d", "1d")
}

#[test]
fn batch_wave_scales_from_2_to_40_and_back() {
    let log = run(&batch_wave());
    let out = &log.decisions[0];
    // At 01:00, 160 tasks of 2 vCPU arrive; two c5.2xlarge hold 8 of them,
    // the other 152 need ceil(152 × 2048 / 8192) = 38 more: M = 40, N = 2,
    // reservation 2000%, scale out to 40 in one step (max step 10,000).
    // The datapoint published at 01:00 is seen by the alarm at 01:01.
    assert_eq!(out.time, 61 * MINUTE);
    assert_eq!((out.from, out.to), (2, 40));
    assert!((out.value - 2000.0).abs() < 1e-9, "{}", out.value);
    assert_eq!(log.instances.iter().map(|x| x.1).max(), Some(40));
    // Back to the minimum size by the end of the day.
    assert_eq!(log.instances.last().unwrap().1, 2);
    // Scale-in only after 15 minutes below target.
    let first_in = log.decisions.iter().find(|d| d.to < d.from).unwrap();
    let low_since = log
        .instances
        .iter()
        .filter(|x| x.0 * MINUTE < first_in.time)
        .rev()
        .take_while(|x| x.2 < 100.0)
        .count();
    assert!(
        low_since >= 14,
        "low for {low_since} minutes before scale-in"
    );
    assert!(
        log.protected_ok,
        "no instance terminated while running a task"
    );
}

#[test]
fn tasks_wait_in_provisioning_for_new_instances() {
    let log = run(&batch_wave());
    let waits: Vec<u64> = log
        .done
        .iter()
        .map(|t| t.placed.unwrap() - t.created)
        .collect();
    // 8 fit at once; the rest wait for an instance to launch and register
    // (launch delay ~100 s).
    assert_eq!(waits.iter().filter(|&&w| w == 0).count(), 8);
    assert!(
        waits.iter().filter(|&&w| w > 0).all(|&w| w >= 60_000),
        "{waits:?}"
    );
    assert_eq!(log.done.len(), 160);
}

#[test]
fn max_size_and_step_size_cap_scale_out() {
    let log = run(&batch_wave()
        .replace("max_size = 40", "max_size = 10")
        .replace(
            "maximum_scaling_step_size = 10000",
            "maximum_scaling_step_size = 3",
        ));
    let outs: Vec<&Decision> = log.decisions.iter().filter(|d| d.to > d.from).collect();
    assert_eq!((outs[0].from, outs[0].to), (2, 5), "at most 3 at a time");
    assert!(outs.iter().all(|d| d.to - d.from <= 3));
    assert_eq!(log.instances.iter().map(|x| x.1).max(), Some(10));
    // Everything still runs, more slowly.
    assert_eq!(log.done.iter().filter(|t| t.started.is_some()).count(), 160);
}

#[test]
fn target_capacity_leaves_headroom() {
    // At 80%, M = 40 asks for ceil(40 / 0.8) = 50 instances.
    let log = run(&batch_wave()
        .replace("target_capacity = 100", "target_capacity = 80")
        .replace("max_size = 40", "max_size = 60"));
    assert_eq!(log.decisions[0].to, 50);
}

#[test]
fn bad_capacity_provider_input() {
    let check = |from: &str, to: &str, field: &str, words: &str| {
        let text = batch_wave().replace(from, to);
        let e = ecsim::scenario::parse(std::path::Path::new("s.toml"), &text)
            .unwrap_err()
            .to_string();
        assert!(e.contains(field) && e.contains(words), "{e}");
    };
    check(
        "target_capacity = 100",
        "target_capacity = 0",
        "capacity_providers[0].target_capacity",
        "1 to 100",
    );
    check(
        "target_capacity = 100",
        "target_capacity = 150",
        "capacity_providers[0].target_capacity",
        "at most 100",
    );
    check(
        "capacity_provider = \"batch-cp\"",
        "capacity_provider = \"batch\"",
        "jobs[0].capacity_provider_strategy[0].capacity_provider",
        "known: FARGATE, FARGATE_SPOT, batch-cp",
    );
    check(
        "count = 2\n",
        "count = 50\n",
        "instance_groups[0].count",
        "within min_size 2 and max_size 40",
    );
    check(
        "[{ capacity_provider = \"batch-cp\", weight = 1 }]",
        "[{ capacity_provider = \"batch-cp\", weight = 1 }, { capacity_provider = \"FARGATE\", weight = 1 }]",
        "capacity_provider_strategy[1].capacity_provider",
        "cannot mix Fargate and Auto Scaling group providers",
    );
    check(
        "instance_group = \"batch-asg\"",
        "instance_group = \"nope\"",
        "capacity_providers[0].instance_group",
        "unknown instance group",
    );
}

fn show(log: &Log) -> String {
    log.decisions
        .iter()
        .map(|d| format!("{}s {}->{}", d.time / 1000, d.from, d.to))
        .collect::<Vec<_>>()
        .join(", ")
}

fn scale_outs(log: &Log) -> Vec<(u64, u32, u32)> {
    log.decisions
        .iter()
        .filter(|d| d.to > d.from)
        .map(|d| (d.time / 1000, d.from, d.to))
        .collect()
}

fn scale_ins(log: &Log) -> Vec<(u64, u32, u32)> {
    log.decisions
        .iter()
        .filter(|d| d.to < d.from)
        .map(|d| (d.time / 1000, d.from, d.to))
        .collect()
}

/// "Managed scaling behavior": with no instance in the group ECS scales out
/// to 200%, two instances, and sizes the group from M once they warmed up.
#[test]
fn from_zero_instances_ecs_asks_for_two_first() {
    let log = run(&batch_wave().replace("count = 2\nmin_size = 2", "count = 0\nmin_size = 0"));
    let outs = scale_outs(&log);
    // 01:00 datapoint (M=160 tasks' worth, N=0 → 200%) acted on at 01:01;
    // the next step waits the 300 s warm-up: 01:06, to M = 40.
    assert_eq!(outs[..2], [(3660, 0, 2), (3960, 2, 40)], "{}", show(&log));
    assert_eq!(log.decisions[0].value, 200.0);
}

/// "The scale-out is blocked for instances that are within the
/// instanceWarmupPeriod": steps of at most 3 follow each other 300 s apart,
/// not every minute.
#[test]
fn warm_up_blocks_the_next_scale_out() {
    let log = run(&batch_wave()
        .replace("max_size = 40", "max_size = 10")
        .replace(
            "maximum_scaling_step_size = 10000",
            "maximum_scaling_step_size = 3",
        ));
    assert_eq!(
        scale_outs(&log),
        [(3660, 2, 5), (3960, 5, 8), (4260, 8, 10)],
        "{}",
        show(&log)
    );
    // A shorter warm-up lets the next step come sooner.
    let log = run(&batch_wave()
        .replace("max_size = 40", "max_size = 10")
        .replace(
            "maximum_scaling_step_size = 10000",
            "maximum_scaling_step_size = 3",
        )
        .replace(
            "instance_warmup_period = \"300s\"",
            "instance_warmup_period = \"120s\"",
        ));
    assert_eq!(
        scale_outs(&log),
        [(3660, 2, 5), (3780, 5, 8), (3900, 8, 10)],
        "{}",
        show(&log)
    );
}

/// Scale-in: 15 datapoints below target start it; then, while the alarm
/// holds, the group is lowered every minute by less than half of it, and
/// `maximumScalingStepSize` does not bound it ("The scale in process is not
/// affected by this parameter", ManagedScaling API reference).
#[test]
fn scale_in_steps_every_minute_by_less_than_half() {
    // 40 idle instances from the start; the wave comes at 01:00.
    let text = batch_wave().replace("count = 2\n", "count = 40\n").replace(
        "maximum_scaling_step_size = 10000",
        "maximum_scaling_step_size = 3",
    );
    let log = run(&text);
    // Datapoints at 0 s, 60 s, …, each seen a minute later: the 15th low one
    // at 900 s. Then one step a minute, each less than half (at least one)
    // and larger than the max step of 3, down to min_size 2.
    assert_eq!(
        scale_ins(&log)[..6],
        [
            (900, 40, 21),
            (960, 21, 11),
            (1020, 11, 6),
            (1080, 6, 4),
            (1140, 4, 3),
            (1200, 3, 2)
        ],
        "{}",
        show(&log)
    );
}

/// CapacityProviderReservation is a 1-minute metric: the datapoint of the
/// minute in which tasks began to wait is published at its end and acted on
/// a minute later, never the instant they start waiting.
#[test]
fn scale_out_waits_for_the_published_datapoint() {
    let log = run(&batch_wave().replace("at = \"01:00\"", "at = \"01:00:30\""));
    // Waiting from 01:00:30; published at 01:01; seen at 01:02.
    assert_eq!(scale_outs(&log)[0], (3720, 2, 40), "{}", show(&log));
}

/// A service held by `memberOf` to one zone, on a group that starts empty
/// and launches in two: the empty instance launched in the other zone is
/// no room for the waiting tasks. Counted free, it held the reservation at
/// 100% (M = N = 2, one instance busy, one useless) and three of the six
/// tasks waited for good; counted taken, the group grows until all six run
/// (the useless instances are scaled in once idle).
#[test]
fn an_instance_the_waiting_tasks_cannot_use_is_no_room_for_them() {
    let log = run(r#"
name = "held"
duration = "2h"
seed = 1
[cluster]
availability_zones = ["us-east-1a", "us-east-1b"]
[[instance_groups]]
name = "asg"
instance_type = "c5.xlarge"
count = 0
min_size = 0
max_size = 10
[[capacity_providers]]
name = "cp"
instance_group = "asg"
target_capacity = 100
[[task_definitions]]
family = "web"
cpu = 1024
memory = 2048
[[services]]
name = "web"
task_definition = "web"
desired_count = 6
capacity_provider_strategy = [{ capacity_provider = "cp", weight = 1 }]
placement_constraints = [{ type = "memberOf", expression = "attribute:ecs.availability-zone == us-east-1b" }]
"#);
    let outs = scale_outs(&log);
    assert!(outs.len() >= 2 && outs[1].1 == 2, "{}", show(&log));
    let started = log.done.iter().filter(|t| t.started.is_some()).count();
    assert_eq!(started, 6, "{}", show(&log));
    assert!(!scale_ins(&log).is_empty(), "{}", show(&log));
}
