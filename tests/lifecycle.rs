//! Task lifecycle, provisioning queue and service scheduler behaviour.

mod common;
use common::*;
use ecsim::model::TaskState::{self, *};
use proptest::prelude::*;
use std::collections::{BTreeMap, HashMap};

const BASE: &str = r#"
name = "t"
duration = "2h"
seed = 3
[cluster]
availability_zones = ["us-east-1a", "us-east-1b", "us-east-1c"]
"#;

/// "Amazon ECS task lifecycle": every task walks PROVISIONING → PENDING →
/// ACTIVATING → RUNNING → DEACTIVATING → STOPPING → DEPROVISIONING → STOPPED
/// in that order, never backwards and never skipping a step once RUNNING.
#[test]
fn lifecycle_follows_ecs_order() {
    let (_, _, log) = run(&format!(
        r#"{BASE}
[[instance_groups]]
name = "g"
instance_type = "m5.large"
count = 2
[[task_definitions]]
family = "j"
cpu = 256
memory = 512
startup = {{ kind = "constant", value = "20s" }}
activation = {{ kind = "constant", value = "5s" }}
deactivation = {{ kind = "constant", value = "3s" }}
shutdown = {{ kind = "constant", value = "10s" }}
[[jobs]]
name = "j"
task_definition = "j"
arrivals = {{ kind = "schedule", every = "10m", count = 3 }}
duration = {{ kind = "constant", value = "2m" }}
"#
    ));
    let mut by_task: BTreeMap<u64, Vec<(TaskState, TaskState, u64)>> = BTreeMap::new();
    for &(serial, from, to, t) in &log.transitions {
        by_task.entry(serial).or_default().push((from, to, t));
    }
    assert!(by_task.len() >= 30);
    let full = [
        Provisioning,
        Pending,
        Activating,
        Running,
        Deactivating,
        Stopping,
        Deprovisioning,
        Stopped,
    ];
    let mut complete = 0;
    for steps in by_task.values() {
        for (from, to, _) in steps {
            assert!(from.can_move_to(*to), "illegal {from:?} -> {to:?}");
        }
        for w in steps.windows(2) {
            assert_eq!(w[0].1, w[1].0, "transitions chain");
            assert!(w[0].2 <= w[1].2, "time never goes backwards");
        }
        if steps.last().unwrap().1 == Stopped {
            complete += 1;
            let states: Vec<TaskState> = std::iter::once(steps[0].0)
                .chain(steps.iter().map(|s| s.1))
                .collect();
            assert_eq!(states, full);
            // Each step lasts exactly its configured constant.
            let t: Vec<u64> = steps.iter().map(|s| s.2).collect();
            assert_eq!(t[1] - t[0], 20_000, "PENDING lasts the start-up time");
            assert_eq!(t[2] - t[1], 5_000, "ACTIVATING lasts the activation time");
            assert_eq!(t[3] - t[2], 120_000, "RUNNING lasts the job duration");
            assert_eq!(t[4] - t[3], 3_000);
            assert_eq!(t[5] - t[4], 10_000);
            assert_eq!(t[6], t[5], "DEPROVISIONING takes no time");
        }
    }
    assert!(complete >= 30);
}

/// `{ kind = "constant", value = "0s" }` makes a transition instant, and the
/// shutdown is cut at the stop timeout (SIGKILL after 30 s by default).
#[test]
fn zero_delays_are_instant_and_stop_timeout_caps_shutdown() {
    let (_, _, log) = run(&format!(
        r#"{BASE}
[[instance_groups]]
name = "g"
instance_type = "m5.large"
count = 1
[[task_definitions]]
family = "j"
cpu = 256
memory = 512
startup = {{ kind = "constant", value = "0s" }}
shutdown = {{ kind = "constant", value = "5m" }}
[[jobs]]
name = "j"
task_definition = "j"
arrivals = {{ kind = "schedule", every = "1h", count = 1 }}
duration = {{ kind = "constant", value = "1m" }}
"#
    ));
    let t = log
        .done
        .iter()
        .find(|t| t.state == Stopped)
        .expect("a stopped task");
    assert_eq!(t.started, Some(t.created), "start-up of 0s is instant");
    assert_eq!(
        t.stopped.unwrap() - t.started.unwrap(),
        60_000 + 30_000,
        "1m run + 30s stop timeout"
    );
}

/// A task that cannot be placed waits in PROVISIONING, first in first out,
/// and is placed as soon as capacity frees; resources are held until STOPPED.
#[test]
fn provisioning_is_fifo_and_waits_for_stopped() {
    // One m5.large (2 vCPU = 2048 units): two 1024-unit tasks fit at a time.
    let (o, _, log) = run(&format!(
        r#"{BASE}
[[instance_groups]]
name = "g"
instance_type = "m5.large"
count = 1
[[task_definitions]]
family = "j"
cpu = 1024
memory = 512
startup = {{ kind = "constant", value = "10s" }}
shutdown = {{ kind = "constant", value = "20s" }}
[[jobs]]
name = "j"
task_definition = "j"
arrivals = {{ kind = "schedule", every = "1d", count = 6 }}
duration = {{ kind = "constant", value = "10m" }}
# Queued by the client: ECS's RunTask would refuse what does not fit.
no_capacity = "queue"
"#
    ));
    assert_eq!(o.tasks_launched, 6);
    let mut done = log.done.clone();
    done.sort_by_key(|t| t.serial);
    let placed: Vec<u64> = done.iter().map(|t| t.placed.unwrap()).collect();
    // Pairs go in arrival order, each pair when the previous one is STOPPED
    // (10 s start-up + 10 m run + 20 s shutdown = 630 s).
    assert_eq!(placed, vec![0, 0, 630_000, 630_000, 1_260_000, 1_260_000]);
    for t in &done {
        assert_eq!(
            t.placed.unwrap() - t.created,
            t.placed.unwrap(),
            "wait = time in PROVISIONING"
        );
    }
    // The queue never let a later task overtake an earlier one.
    for w in done.windows(2) {
        assert!(w[0].placed <= w[1].placed);
    }
}

fn az_counts(c: &ecsim::model::Cluster, service: &str) -> HashMap<String, usize> {
    let s = c.services.iter().position(|s| s.name == service).unwrap();
    let mut m = HashMap::new();
    for &k in &c.services[s].active {
        let inst = c.tasks[k].instance.unwrap();
        *m.entry(c.azs[c.instances[inst as usize].az as usize].clone())
            .or_insert(0) += 1;
    }
    m
}

/// Service scheduler concepts ("Amazon ECS services", REPLICA): with no
/// placement strategy the scheduler balances tasks across zones, and on
/// scale-in it stops tasks in the zone with the most tasks first, so the
/// zones stay balanced.
#[test]
fn replica_default_spreads_and_scale_in_keeps_zones_balanced() {
    let text = format!(
        r#"{BASE}
[[instance_groups]]
name = "g"
instance_type = "m5.xlarge"
count = 9
[[task_definitions]]
family = "web"
cpu = 256
memory = 512
[[services]]
name = "web"
task_definition = "web"
desired_count = 12
desired_count_changes = [{{ at = "30m", desired_count = 9 }}, {{ at = "1h", desired_count = 4 }}]
"#
    );
    let (_, c, log) = run(&text);
    let counts = az_counts(&c, "web");
    let mut v: Vec<usize> = counts.values().copied().collect();
    v.sort();
    assert_eq!(v.iter().sum::<usize>(), 4);
    assert_eq!(
        v,
        vec![1, 1, 2],
        "4 tasks over 3 zones differ by at most one"
    );
    // At 45 minutes, after scaling in to 9, every zone held exactly 3.
    let s = log.samples.iter().find(|s| s.time == 45 * 60_000).unwrap();
    assert_eq!(s.services[0].running, 9);
    let stopped: Vec<_> = log
        .done
        .iter()
        .filter(|t| t.stop_reason.is_some())
        .collect();
    assert_eq!(stopped.len(), 8, "12 → 9 → 4 stops 8 tasks");
    assert!(
        stopped
            .iter()
            .all(|t| t.stop_reason.unwrap().code() == "ServiceSchedulerInitiated")
    );
}

/// DAEMON: one task per active instance that meets the constraints.
#[test]
fn daemon_runs_one_task_per_instance() {
    let (_, c, _) = run(&format!(
        r#"{BASE}
[[instance_groups]]
name = "a"
instance_type = "m5.large"
count = 4
[[instance_groups]]
name = "b"
instance_type = "c5.large"
count = 3
[[task_definitions]]
family = "agent"
cpu = 128
memory = 128
[[services]]
name = "agent"
task_definition = "agent"
scheduling_strategy = "DAEMON"
placement_constraints = [{{ type = "memberOf", expression = "attribute:ecs.instance-type == m5.large" }}]
"#
    ));
    let svc = &c.services[0];
    assert_eq!(svc.desired, 4);
    assert_eq!(svc.stats.running.get(), 4);
    let mut insts: Vec<u32> = svc
        .active
        .iter()
        .map(|&k| c.tasks[k].instance.unwrap())
        .collect();
    insts.sort();
    insts.dedup();
    assert_eq!(insts.len(), 4);
    assert!(
        insts
            .iter()
            .all(|&i| c.instances[i as usize].instance_type == "m5.large")
    );
}

/// Task counts are conserved: launched = stopped + alive at the end.
#[test]
fn task_counts_are_conserved() {
    let (o, c, log) = run(
        &std::fs::read_to_string(repo().join("scenarios/quickstart.toml"))
            .unwrap()
            .replace("7d", "12h"),
    );
    assert_eq!(o.tasks_launched, o.tasks_stopped + c.tasks.len() as u64);
    assert_eq!(log.done.len() as u64, o.tasks_launched);
    assert!(
        log.checks > 1000,
        "invariants were checked after every event"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    /// No instance is ever over-committed, whatever the mix of sizes,
    /// strategies and load (checked after every event by the model's
    /// invariant check and the recorder).
    #[test]
    fn never_over_committed(
        count in 1u32..6,
        itype in prop::sample::select(vec!["t3.medium", "m5.large", "c5.xlarge", "r5.large"]),
        cpu in prop::sample::select(vec![128u32, 256, 512, 1024, 2048]),
        mem in 64u32..3000,
        desired in 0u32..20,
        rate in 1u32..200,
        strategy in prop::sample::select(vec![
            r#"[{ type = "binpack", field = "cpu" }]"#,
            r#"[{ type = "binpack", field = "memory" }]"#,
            r#"[{ type = "spread", field = "attribute:ecs.availability-zone" }, { type = "binpack", field = "memory" }]"#,
            r#"[{ type = "random" }]"#,
        ]),
        distinct in any::<bool>(),
        seed in 0u64..1000,
    ) {
        let text = format!(r#"
name = "p"
duration = "3h"
seed = {seed}
[cluster]
availability_zones = ["a", "b"]
[[instance_groups]]
name = "g"
instance_type = "{itype}"
count = {count}
[[task_definitions]]
family = "t"
cpu = {cpu}
memory = {mem}
[[services]]
name = "s"
task_definition = "t"
desired_count = {desired}
placement_strategy = {strategy}
placement_constraints = [{}]
desired_count_changes = [{{ at = "1h", desired_count = {half} }}]
[[jobs]]
name = "j"
task_definition = "t"
arrivals = {{ kind = "poisson", rate_per_hour = {rate} }}
duration = {{ kind = "exponential", mean = "15m" }}
"#, if distinct { r#"{ type = "distinctInstance" }"# } else { "" }, half = desired / 2);
        let Ok(sc) = ecsim::scenario::parse(std::path::Path::new("p.toml"), &text) else {
            // A task bigger than the instance type is refused up front; that is tested elsewhere.
            return Ok(());
        };
        let mut log = Log::default();
        let (o, c) = ecsim::sim::Sim::new(&sc, seed, &mut log).with_invariant_checks(true).run().unwrap();
        prop_assert_eq!(o.tasks_launched, o.tasks_stopped + c.tasks.len() as u64);
        if distinct {
            for (_, t) in c.tasks.iter().filter(|(_, t)| t.desired_running && t.instance.is_some()) {
                let same = c.tasks.iter().filter(|(_, u)| u.group == t.group && u.desired_running && u.instance == t.instance).count();
                prop_assert!(same == 1 || t.group != c.services[0].group);
            }
        }
    }
}

/// Fargate tasks need no instance: each gets a zone, spread evenly across
/// the cluster's zones ("Amazon ECS task placement": Fargate spreads tasks
/// across Availability Zones), spends the Fargate provisioning time in
/// PROVISIONING, then pulls its image (PENDING) like any task.
#[test]
fn fargate_tasks_spread_over_zones_without_instances() {
    let (o, c, log) = run(&format!(
        r#"{BASE}
[fargate]
provisioning = {{ kind = "constant", value = "12s" }}
[[task_definitions]]
family = "web"
cpu = 512
memory = 1024
startup = {{ kind = "constant", value = "20s" }}
[[services]]
name = "web"
task_definition = "web"
desired_count = 9
launch_type = "FARGATE"
desired_count_changes = [{{ at = "1h", desired_count = 6 }}]
"#
    ));
    assert!(c.instances.is_empty());
    assert_eq!(o.tasks_started, 9);
    let svc = &c.services[0];
    let mut per_zone = [0; 3];
    for &k in &svc.active {
        let t = &c.tasks[k];
        assert!(t.instance.is_none());
        assert_eq!(
            t.placed,
            Some(t.created + 12_000),
            "PROVISIONING lasts the Fargate provisioning time"
        );
        assert_eq!(t.started, Some(t.created + 32_000));
        per_zone[t.az.unwrap() as usize] += 1;
    }
    assert_eq!(
        per_zone,
        [2, 2, 2],
        "scale-in from 9 to 6 keeps the zones even"
    );
    assert!(
        log.transitions
            .iter()
            .all(|(_, from, to, _)| from.can_move_to(*to))
    );
}

/// A recorder that does not watch state changes: the simulation then skips
/// the zero-length steps (a job's task from PROVISIONING straight to
/// RUNNING, a task stopping at once straight to STOPPED); what it records
/// must not change.
#[derive(Default)]
struct Quiet(Log);

impl ecsim::sim::Recorder for Quiet {
    fn task_done(&mut self, c: &ecsim::model::Cluster, task: &ecsim::model::Task) {
        self.0.task_done(c, task);
    }
    fn sample(&mut self, s: &ecsim::sim::Sample) {
        self.0.sample(s);
    }
    fn wants_transitions(&self) -> bool {
        false
    }
}

#[test]
fn unwatched_states_are_skipped_without_a_trace() {
    // Zero-length steps (jobs, a service with crashes and scale-in) and a
    // service behind a load balancer's deregistration delay and a random
    // shutdown, which are not skipped. The job's queue is long: tasks that
    // fit nowhere are queued without being made tasks.
    let sc = scenario(&format!(
        r#"{BASE}
[[instance_groups]]
name = "g"
instance_type = "m5.large"
count = 3
[[task_definitions]]
family = "z"
cpu = 512
memory = 512
startup = {{ kind = "constant", value = "0s" }}
activation = {{ kind = "constant", value = "0s" }}
deactivation = {{ kind = "constant", value = "0s" }}
shutdown = {{ kind = "constant", value = "0s" }}
[[task_definitions]]
family = "slow"
cpu = 256
memory = 256
shutdown = {{ kind = "exponential", mean = "10s" }}
[[jobs]]
name = "z"
task_definition = "z"
arrivals = {{ kind = "poisson", rate_per_hour = 200 }}
duration = {{ kind = "exponential", mean = "2m" }}
no_capacity = "queue"
[[services]]
name = "s"
task_definition = "z"
desired_count = 3
desired_count_changes = [{{ at = "1h", desired_count = 1 }}]
[[services]]
name = "lb"
task_definition = "slow"
desired_count = 2
load_balancer = {{ deregistration_delay = "20s" }}
desired_count_changes = [{{ at = "90m", desired_count = 1 }}]
[[faults]]
kind = "task_crash"
rate_per_task_hour = 0.5
"#
    ));
    let watched = {
        let mut log = Log::default();
        let out = ecsim::sim::Sim::new(&sc, sc.seed, &mut log).run().unwrap();
        (format!("{:?}", out.0), log)
    };
    let quiet = {
        let mut q = Quiet::default();
        let out = ecsim::sim::Sim::new(&sc, sc.seed, &mut q).run().unwrap();
        (format!("{:?}", out.0), q.0)
    };
    assert!(watched.1.transitions.iter().any(|t| t.2 == Stopping));
    assert!(watched.1.done.len() > 50, "{} tasks", watched.1.done.len());
    // The load does queue: job tasks placed well after their launch.
    let queued = watched.1.done.iter().filter(|t| {
        matches!(t.owner, ecsim::model::Owner::Job(_))
            && t.placed.is_some_and(|p| p > t.created + 60_000)
    });
    assert!(queued.count() > 100);
    assert_eq!(watched.0, quiet.0);
    let text = |l: &Log| format!("{:?}{:?}", l.done, l.samples);
    assert_eq!(text(&watched.1), text(&quiet.1));
}
