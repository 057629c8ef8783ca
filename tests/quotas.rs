//! ECS's launch-rate quotas (issue 35, items 1-4): the service scheduler's
//! tasks per service per minute and tasks in PROVISIONING per cluster
//! ("Amazon ECS service quotas"), Fargate's token bucket per account and
//! Region, 100 at once then 20 a second, and its RunTask call rate, 20
//! calls a second of up to 10 tasks ("AWS Fargate throttling quotas").
//! Sources: tests/ECS_SOURCES.md section 14.

mod common;
use ecsim::engine::time::{MINUTE, SECOND};
use ecsim::model::{Cluster, Owner, Task, TaskState};
use ecsim::sim::{Recorder, Sample, Sim};

#[derive(Default)]
struct Log {
    done: Vec<Task>,
    /// Per minute: tasks waiting for capacity-provider capacity, and the
    /// group's instances.
    provisioning: Vec<(u64, u32)>,
    most_waiting: usize,
}

impl Recorder for Log {
    fn task_done(&mut self, _: &Cluster, t: &Task) {
        self.done.push(t.clone());
    }
    fn sample(&mut self, s: &Sample) {
        if let Some(n) = s.providers.first().map(|p| p.instances) {
            self.provisioning.push((s.time / MINUTE, n));
        }
    }
    fn after_event(&mut self, c: &Cluster, _: u64) {
        let waiting = c
            .tasks
            .iter()
            .filter(|(_, t)| t.state == TaskState::Provisioning && t.asg.is_some())
            .count();
        self.most_waiting = self.most_waiting.max(waiting);
    }
}

fn run(text: &str) -> (ecsim::sim::Outcome, Log) {
    let sc = common::scenario(text);
    let mut log = Log::default();
    let (o, _) = Sim::new(&sc, sc.seed, &mut log)
        .with_invariant_checks(true)
        .run()
        .unwrap_or_else(|e| panic!("{e}"));
    (o, log)
}

/// `n` Fargate services of `desired` tasks each, all asked for at time 0.
fn fargate_services(n: u32, desired: u32, quotas: &str) -> String {
    let mut s = format!(
        r#"
name = "q"
duration = "10m"
[cluster]
availability_zones = ["us-east-1a", "us-east-1b"]
[[task_definitions]]
family = "t"
cpu = 256
memory = 512
{quotas}
"#
    );
    for i in 0..n {
        s += &format!(
            "[[services]]\nname = \"s{i}\"\ntask_definition = \"t\"\ndesired_count = {desired}\nlaunch_type = \"FARGATE\"\n"
        );
    }
    s
}

/// Launch times (created) of every task, in ms, sorted.
fn launches(log: &Log) -> Vec<u64> {
    let mut v: Vec<u64> = log.done.iter().map(|t| t.created).collect();
    v.sort_unstable();
    v
}

/// One Fargate service 0 → 1,000: Fargate lets 100 go at once and 20 a
/// second after, and the service scheduler 500 in a minute, so the first
/// 500 launch by 20 s, the next wait for the next minute: 100 at 60 s
/// (the bucket full again) and 20 a second to 80 s.
#[test]
fn one_fargate_service_of_1000_is_bound_by_500_a_minute() {
    let (o, log) = run(&fargate_services(1, 1000, ""));
    let t = launches(&log);
    assert_eq!(t.len(), 1000);
    assert_eq!(t.iter().filter(|&&x| x == 0).count(), 100, "the burst");
    assert_eq!(t.iter().filter(|&&x| x < MINUTE).count(), 500);
    assert!(t[499] <= 20 * SECOND, "{}", t[499]);
    assert_eq!(t[500], MINUTE, "the next minute");
    assert!((79 * SECOND..=81 * SECOND).contains(&t[999]), "{}", t[999]);
    let s = &o;
    assert_eq!(s.tasks_launched, 1000);
}

/// Ten Fargate services of 100: each is far below 500 a minute, so only
/// Fargate's bucket binds: 100 at once, then 20 a second, the last about
/// 45 s in — sooner than one service of 1,000 ("deploy 10 services of 100
/// rather than 1 of 1,000", ECS best practices).
#[test]
fn ten_fargate_services_of_100_share_the_account_bucket() {
    let (_, log) = run(&fargate_services(10, 100, ""));
    let t = launches(&log);
    assert_eq!(t.len(), 1000);
    assert_eq!(t.iter().filter(|&&x| x == 0).count(), 100);
    assert!((44 * SECOND..=46 * SECOND).contains(&t[999]), "{}", t[999]);
    // 20 a second after the burst: 100 + 20 × 10 by 10 s.
    let by_10s = t.iter().filter(|&&x| x <= 10 * SECOND).count();
    assert!((295..=305).contains(&by_10s), "{by_10s}");
    let (_, one) = run(&fargate_services(1, 1000, ""));
    assert!(t[999] < launches(&one)[999]);
    // A raised quota lifts the bucket.
    let (_, raised) = run(&fargate_services(10, 100, "[quotas]\nfargate_burst = 1000"));
    assert!(launches(&raised).iter().all(|&x| x == 0));
}

/// An EC2 service of 1,500 tasks behind a capacity provider that starts
/// from one instance: at most 500 tasks wait in PROVISIONING at once (the
/// rest are not created yet), so managed scaling sees at most 500 and
/// capacity arrives in rounds.
#[test]
fn provisioning_quota_holds_a_service_back_and_capacity_comes_in_rounds() {
    let text = r#"
name = "p"
duration = "3h"
[cluster]
availability_zones = ["us-east-1a", "us-east-1b"]
[[instance_groups]]
name = "asg"
instance_type = "c5.4xlarge"
count = 1
min_size = 1
max_size = 200
launch_delay = { kind = "constant", value = "90s" }
[[capacity_providers]]
name = "cp"
instance_group = "asg"
target_capacity = 100
maximum_scaling_step_size = 60
instance_warmup_period = "120s"
[[task_definitions]]
family = "t"
cpu = 1024
memory = 2048
[[services]]
name = "web"
task_definition = "t"
desired_count = 1500
capacity_provider_strategy = [{ capacity_provider = "cp", weight = 1 }]
"#;
    let (o, log) = run(text);
    assert_eq!(log.most_waiting, 500, "never more than the quota waiting");
    let svc = log
        .done
        .iter()
        .filter(|t| t.owner == Owner::Service(0))
        .count();
    assert_eq!(svc, 1500, "all launched in the end");
    assert_eq!(o.tasks_provisioning_at_end, 0);
    // Several rounds of scale-out: the group grows in more than 2 steps.
    let sizes: Vec<u32> = log.provisioning.iter().map(|p| p.1).collect();
    let steps = sizes.windows(2).filter(|w| w[1] > w[0]).count();
    assert!(steps >= 3, "{sizes:?}");
}

/// A batch of 250 Fargate RunTask tasks at once: 25 calls of 10, 20 calls
/// a second, so the last 50 tasks go a second later; and Fargate's bucket
/// lets 100 of them launch at once, then 20 a second.
#[test]
fn run_task_calls_and_the_fargate_bucket_pace_a_batch() {
    let text = r#"
name = "r"
duration = "10m"
[cluster]
availability_zones = ["us-east-1a"]
[[task_definitions]]
family = "t"
cpu = 256
memory = 512
[[jobs]]
name = "j"
task_definition = "t"
arrivals = { kind = "schedule", every = "1d", count = 250 }
duration = { kind = "constant", value = "1h" }
launch_type = "FARGATE"
"#;
    let (o, log) = run(text);
    let t = launches(&log);
    assert_eq!(t.len(), 250);
    assert_eq!(t.iter().filter(|&&x| x == 0).count(), 100);
    // 150 more at 20 a second: the last at 7.5 s.
    assert_eq!(t[249], 7_500, "{:?}", &t[240..]);
    assert_eq!(o.tasks_launched, 250);
}

/// `[quotas]` values are checked: a quota is 1 to 1,000,000.
#[test]
fn quota_values_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let text = fargate_services(1, 1, "[quotas]\nfargate_rate_per_s = 0");
    std::fs::write(dir.path().join("s.toml"), text).unwrap();
    let out = common::ecsim_in(dir.path(), &["validate", "s.toml"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("quotas.fargate_rate_per_s: must be 1 to 1,000,000"),
        "{err}"
    );
}

/// summary.json `scale_out_time_s`: from the decision (here a desired count
/// change at 10 minutes) to all its tasks RUNNING. With instant start-up
/// the quotas alone set it: one service 1 → 1,000 takes ~80 s (the minute
/// per service binds), ten services 1 → 100 each ~45 s (the bucket).
#[test]
fn scale_out_time_shows_what_the_quotas_cost() {
    let instant = "startup = { kind = \"constant\", value = \"0s\" }\n[fargate]\nprovisioning = { kind = \"constant\", value = \"0s\" }\n";
    let build = |n: u32, to: u32| {
        fargate_services(n, 1, "")
            .replace("memory = 512\n", &format!("memory = 512\n{instant}"))
            .replace(
                "desired_count = 1\n",
                &format!("desired_count = 1\ndesired_count_changes = [{{ at = \"10m\", desired_count = {to} }}]\n"),
            )
            .replace("duration = \"10m\"", "duration = \"20m\"")
    };
    let time = |text: &str| -> Vec<f64> {
        let (s, _dir) = common::run_in_tmp(text);
        s.services
            .values()
            .map(|v| {
                let t = v.scale_out_time_s.as_ref().expect("a scale-out");
                assert_eq!(t.count, 1);
                t.max
            })
            .collect()
    };
    let one = time(&build(1, 1000));
    assert!((79.0..=81.0).contains(&one[0]), "{one:?}");
    let ten = time(&build(10, 100));
    let slowest = ten.iter().cloned().fold(0.0, f64::max);
    assert!((44.0..=46.0).contains(&slowest), "{ten:?}");
}
