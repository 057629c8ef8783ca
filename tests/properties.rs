//! Random valid scenarios — sizes, strategies, constraints, Fargate mix,
//! auto scaling, faults and deployments — checked after every event (the
//! model's invariants run in test builds) and at the end: task states only
//! move forward, time never goes back, running never exceeds maximumPercent
//! during a deployment, Fargate billed seconds cover running time, and the
//! cost rows add up to the total.

mod common;
use common::Log;
use ecsim::billing::PriceBook;
use ecsim::model::TaskState;
use ecsim::model::{Cluster, Task};
use ecsim::sim::{Recorder, Sample};
use proptest::prelude::*;

/// The log, plus: while a deployment is in progress, tasks RUNNING or on
/// their way (the service's active tasks) never exceed maximumPercent of the
/// desired count ("Deploy Amazon ECS services by replacing tasks").
struct MaxPercent {
    log: Log,
    max_percent: u64,
    violations: Vec<String>,
    checked: u64,
}

impl Recorder for MaxPercent {
    fn task_transition(&mut self, t: &Task, from: TaskState, at: u64) {
        self.log.task_transition(t, from, at);
    }
    fn task_done(&mut self, c: &Cluster, t: &Task) {
        self.log.task_done(c, t);
    }
    fn sample(&mut self, s: &Sample) {
        self.log.sample(s);
    }
    fn after_event(&mut self, c: &Cluster, at: u64) {
        self.log.after_event(c, at);
        for svc in c.services.iter().filter(|s| s.deployment.is_some()) {
            self.checked += 1;
            let cap = u64::from(svc.desired) * self.max_percent / 100;
            let active = svc.active.len() as u64;
            if active > cap.max(1) {
                self.violations.push(format!(
                    "t={at} ms: {active} tasks above {cap} (desired {})",
                    svc.desired
                ));
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn scenario(
    seed: u64,
    itype: &str,
    count: u32,
    cpu: u32,
    mem: u32,
    desired: u32,
    strategy: &str,
    fargate_share: u32,
    target: u32,
    mtbf_h: u32,
    outage: bool,
    deploy: bool,
    job_rate: u32,
) -> String {
    let fargate = if fargate_share > 0 {
        format!(
            "capacity_provider_strategy = [{{ capacity_provider = \"FARGATE\", base = 1, weight = 1 }}, {{ capacity_provider = \"FARGATE_SPOT\", weight = {fargate_share} }}]\n"
        )
    } else {
        format!("placement_strategy = {strategy}\n")
    };
    // Half the runs queue the jobs' tasks client-side (dormant records).
    let no_capacity = if seed.is_multiple_of(2) {
        "queue"
    } else {
        "fail"
    };
    let mut s = format!(
        r#"
name = "p"
duration = "5h"
seed = {seed}
[cluster]
availability_zones = ["a", "b", "c"]
[[instance_groups]]
name = "g"
instance_type = "{itype}"
count = {count}
[[task_definitions]]
family = "v1"
cpu = {cpu}
memory = {mem}
[[task_definitions]]
family = "v2"
cpu = {cpu}
memory = {mem}
[[services]]
name = "web"
task_definition = "v1"
desired_count = {desired}
{fargate}capacity_per_task = 50
demand = {{ kind = "diurnal", mean = 200, amplitude = 150, peak = "02:00", period = "4h", noise = "poisson" }}
deployment_configuration = {{ minimum_healthy_percent = 50, maximum_percent = 200, circuit_breaker = {{ enable = true, rollback = true }} }}
[services.autoscaling]
min_capacity = 1
max_capacity = 20
target = {target}
[[jobs]]
name = "j"
task_definition = "v1"
arrivals = {{ kind = "poisson", rate_per_hour = {job_rate} }}
duration = {{ kind = "exponential", mean = "10m" }}
no_capacity = "{no_capacity}"
[[faults]]
kind = "instance_failure"
time_to_failure = {{ kind = "exponential", mean = "{mtbf_h}h" }}
[[faults]]
kind = "task_crash"
rate_per_task_hour = 0.2
"#
    );
    if outage {
        s += "[[faults]]\nkind = \"az_outage\"\navailability_zone = \"b\"\nat = \"2h\"\nduration = \"30m\"\n";
    }
    if deploy {
        s += "[[deployments]]\nservice = \"web\"\nat = \"3h\"\ntask_definition = \"v2\"\n";
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    #[test]
    fn random_scenarios_keep_every_invariant(
        seed in 0u64..10_000,
        itype in prop::sample::select(vec!["m5.large", "m5.xlarge", "c5.xlarge", "r5.large"]),
        count in 1u32..6,
        cpu in prop::sample::select(vec![256u32, 512, 1024]),
        mem in prop::sample::select(vec![512u32, 1024, 2048]),
        desired in 1u32..10,
        strategy in prop::sample::select(vec![
            r#"[{ type = "binpack", field = "memory" }]"#,
            r#"[{ type = "spread", field = "attribute:ecs.availability-zone" }, { type = "spread", field = "instanceId" }]"#,
            r#"[{ type = "random" }]"#,
        ]),
        fargate_share in 0u32..3,
        target in 30u32..90,
        mtbf_h in 2u32..40,
        outage in any::<bool>(),
        deploy in any::<bool>(),
        job_rate in 1u32..60,
    ) {
        let text = scenario(seed, itype, count, cpu, mem, desired, strategy, fargate_share, target, mtbf_h, outage, deploy, job_rate);
        let sc = match ecsim::scenario::parse(std::path::Path::new("p.toml"), &text) {
            Ok(sc) => sc,
            // Fargate sizes that Fargate does not offer are refused; fine.
            Err(e) => { prop_assert!(e.to_string().contains("Fargate"), "{e}"); return Ok(()); }
        };
        // Every event: invariants (model), lifecycle order (log) and the
        // deployment's maximumPercent (200 here) of the desired count.
        let mut rec = MaxPercent { log: Log::default(), max_percent: 200, violations: Vec::new(), checked: 0 };
        let (o, c) = ecsim::sim::Sim::new(&sc, seed, &mut rec).with_invariant_checks(true).run().unwrap();
        prop_assert!(rec.violations.is_empty(), "{} violations: {:?} … {:?}", rec.violations.len(), &rec.violations[..rec.violations.len().min(3)], rec.violations.last());
        prop_assert!(!deploy || rec.checked > 0 || o.deployments.is_empty());
        let log = rec.log;
        let mut last = 0;
        for &(_, from, to, t) in &log.transitions {
            prop_assert!(from.can_move_to(to), "{from:?} -> {to:?}");
            prop_assert!(t >= last, "time went back");
            last = t;
        }
        prop_assert_eq!(o.tasks_launched, o.tasks_stopped + c.tasks.len() as u64 + o.queued_at_end.len() as u64);
        for d in &o.deployments {
            prop_assert!(matches!(d.status, "COMPLETED" | "ROLLED_BACK" | "FAILED" | "STOPPED" | "IN_PROGRESS"));
        }
        // Billing: the rows add up; a Fargate task is billed at least its running time.
        let dir = tempfile::tempdir().unwrap();
        ecsim::run::run_to_dir(&sc, seed, &PriceBook::shipped(), &dir.path().join("o")).unwrap();
        let summary: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.path().join("o/summary.json")).unwrap()).unwrap();
        let mut rows = csv::Reader::from_path(dir.path().join("o/cost.csv")).unwrap();
        let mut sum = 0.0;
        let mut n = 0usize;
        for r in rows.records() {
            let r = r.unwrap();
            sum += r[7].parse::<f64>().unwrap();
            n += 1;
            if r[1].starts_with("FARGATE") {
                let billed: f64 = r[5].parse().unwrap();
                let span: f64 = r[4].parse::<f64>().unwrap() - r[3].parse::<f64>().unwrap();
                prop_assert!(billed + 1e-9 >= span, "billed {billed} < {span}");
            }
        }
        let total = summary["total_cost_usd"].as_f64().unwrap();
        prop_assert!((sum - total).abs() <= 1e-9 * (n as f64 + 1.0), "rows {sum} vs total {total}");
        // No task ended in a state other than STOPPED; alive ones are before it.
        prop_assert!(log.done.iter().all(|t| t.state == TaskState::Stopped || t.stopped.is_none()));
    }
}

fn timing(kind: u8, scale_s: u32) -> String {
    match kind {
        0 => r#"{ kind = "constant", value = "0s" }"#.to_string(),
        1 => format!(r#"{{ kind = "constant", value = "{scale_s}s" }}"#),
        _ => format!(
            r#"{{ kind = "lognormal", median = "{}s", sigma = 0.8 }}"#,
            scale_s.max(1)
        ),
    }
}

/// A rolling (or blue/green) deployment, possibly superseded by a second,
/// with tasks that start, stop and deregister instantly, after a constant
/// time or at random. Checked after every event: the model's invariants,
/// minimumHealthyPercent as the scheduler's own invariant (see
/// `Sim::check_healthy_floor`), maximumPercent here; tasks are conserved.
#[allow(clippy::too_many_arguments)]
fn deployment_scenario(
    seed: u64,
    desired: u32,
    min: u32,
    max: u32,
    startup: String,
    shutdown: String,
    lb: bool,
    blue_green: bool,
    second: bool,
    fail: bool,
    scale_in: bool,
) -> String {
    let lb = if lb {
        "load_balancer = { health_check_interval = \"5s\", healthy_threshold = 2, deregistration_delay = \"0s\" }\n"
    } else {
        ""
    };
    let strategy = if blue_green {
        "strategy = \"blue_green\"\n"
    } else {
        ""
    };
    let scale_in = if scale_in {
        format!(
            "desired_count_changes = [{{ at = \"30m30s\", desired_count = {} }}]\n",
            desired / 2
        )
    } else {
        String::new()
    };
    let mut s = format!(
        r#"
name = "dp"
duration = "3h"
seed = {seed}
[cluster]
availability_zones = ["a", "b"]
[[instance_groups]]
name = "g"
instance_type = "m5.4xlarge"
count = 3
[[task_definitions]]
family = "v1"
cpu = 256
memory = 512
startup = {startup}
shutdown = {shutdown}
[[task_definitions]]
family = "v2"
cpu = 256
memory = 512
startup = {startup}
shutdown = {shutdown}
[[task_definitions]]
family = "v3"
cpu = 256
memory = 512
startup = {shutdown}
shutdown = {startup}
[[services]]
name = "web"
task_definition = "v1"
desired_count = {desired}
{scale_in}{lb}deployment_configuration = {{ minimum_healthy_percent = {min}, maximum_percent = {max}, circuit_breaker = {{ enable = true, rollback = true }} }}
[[deployments]]
service = "web"
at = "30m"
task_definition = "v2"
{strategy}"#
    );
    if second {
        s += "[[deployments]]\nservice = \"web\"\nat = \"31m\"\ntask_definition = \"v3\"\n";
    }
    if fail {
        s += "[[faults]]\nkind = \"start_failure\"\ntask_definition = \"v2\"\nfraction = 0.5\n";
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]
    #[test]
    fn random_deployments_never_panic_and_keep_every_invariant(
        seed in 0u64..10_000,
        desired in 1u32..9,
        bounds in prop::sample::select(vec![(100u32, 200u32), (50, 200), (50, 100), (0, 100), (100, 150), (75, 125)]),
        start_kind in 0u8..3,
        stop_kind in 0u8..3,
        scale_s in 1u32..60,
        lb in any::<bool>(),
        blue_green in any::<bool>(),
        second in any::<bool>(),
        fail in any::<bool>(),
        scale_in in any::<bool>(),
    ) {
        let (min, max) = bounds;
        let text = deployment_scenario(seed, desired, min, max, timing(start_kind, scale_s), timing(stop_kind, scale_s), lb, blue_green, second, fail, scale_in);
        let sc = match ecsim::scenario::parse(std::path::Path::new("dp.toml"), &text) {
            Ok(sc) => sc,
            Err(e) => { prop_assert!(false, "{e}\n{text}"); unreachable!() }
        };
        let mut rec = MaxPercent { log: Log::default(), max_percent: max.max(100) as u64, violations: Vec::new(), checked: 0 };
        let run = ecsim::sim::Sim::new(&sc, seed, &mut rec).with_invariant_checks(true).run();
        let (o, c) = match run {
            Ok(r) => r,
            Err(e) => { prop_assert!(false, "{e}\n{text}"); unreachable!() }
        };
        if !blue_green {
            prop_assert!(rec.violations.is_empty(), "{:?}\n{text}", &rec.violations[..rec.violations.len().min(3)]);
        }
        prop_assert!(!o.deployments.is_empty());
        prop_assert_eq!(o.tasks_launched, o.tasks_stopped + c.tasks.len() as u64);
        let mut last = 0;
        for &(_, from, to, t) in &rec.log.transitions {
            prop_assert!(from.can_move_to(to), "{from:?} -> {to:?}");
            prop_assert!(t >= last, "time went back");
            last = t;
        }
    }
}
