//! A cluster that cannot keep up (issue 23, items 12 and 13). With a
//! client-side queue (`no_capacity = "queue"`) the waiting queue grows
//! without bound, and retrying it must cost what the work does, not the
//! square of the queue. Without one, RunTask refuses what fits nowhere.

mod common;
use ecsim::model::Refusal;
use ecsim::sim::{Outcome, PROVISIONING_QUOTA, Sim};

/// Arrivals at three times what two m5.large instances can run (four
/// 1-vCPU tasks of an hour on average, 12 an hour arriving), plus a second
/// shape of half the size packed by memory, so a retry has two shapes to
/// choose between.
fn overload(days: u32) -> String {
    format!(
        r#"
name = "overload"
duration = "{days}d"
seed = 7
[cluster]
availability_zones = ["us-east-1a", "us-east-1b"]
[[instance_groups]]
name = "g"
instance_type = "m5.large"
count = 2
[[task_definitions]]
family = "work"
cpu = 1024
memory = 1024
[[task_definitions]]
family = "small"
cpu = 512
memory = 512
[[jobs]]
name = "work"
task_definition = "work"
arrivals = {{ kind = "poisson", rate_per_hour = 12 }}
duration = {{ kind = "exponential", mean = "1h" }}
no_capacity = "queue"
[[jobs]]
name = "small"
task_definition = "small"
arrivals = {{ kind = "poisson", rate_per_hour = 12 }}
duration = {{ kind = "exponential", mean = "30m" }}
placement_strategy = [{{ type = "binpack", field = "memory" }}]
no_capacity = "queue"
"#
    )
}

fn run_unchecked(text: &str) -> Outcome {
    let sc = common::scenario(text);
    let mut log = common::Log::default();
    // The invariant check walks every task after every event: quadratic by
    // itself with a growing queue, and not what is measured here.
    let (o, _) = Sim::new(&sc, sc.seed, &mut log)
        .with_invariant_checks(false)
        .run()
        .unwrap();
    o
}

/// Item 12: the waiting tasks a retry looks at grow linearly with the
/// simulated days. Walking the whole queue after every completion (before
/// the per-shape index) looked at ~16× as many in 8 days as in 2.
#[test]
fn retry_work_is_linear_in_days_when_overloaded() {
    let o: Vec<Outcome> = [2, 4, 8]
        .iter()
        .map(|&d| run_unchecked(&overload(d)))
        .collect();
    for o in &o {
        // The queue does grow: most tasks are still waiting at the end.
        assert!(
            o.tasks_provisioning_at_end * 2 > o.tasks_launched,
            "{} of {} waiting",
            o.tasks_provisioning_at_end,
            o.tasks_launched
        );
        // At most one failed try per shape (2) between placements.
        assert!(
            o.retry_visits <= 3 * o.tasks_started + 2 * o.tasks_stopped,
            "{} visits for {} started",
            o.retry_visits,
            o.tasks_started
        );
    }
    let per_day: Vec<f64> = o
        .iter()
        .zip([2.0, 4.0, 8.0])
        .map(|(o, d)| o.retry_visits as f64 / d)
        .collect();
    println!("retry visits per day at 2, 4, 8 days: {per_day:?}");
    assert!(
        per_day[2] < 1.5 * per_day[0],
        "retry visits per day grow with the queue: {per_day:?}"
    );
}

/// One m5.large (2 vCPU, 7.5 GiB registered) and `count` tasks of `job`
/// arriving together at 0 and running an hour.
fn burst(count: u32, taskdef: &str, job_extra: &str) -> String {
    format!(
        r#"
name = "burst"
duration = "2h"
[cluster]
availability_zones = ["us-east-1a"]
[[instance_groups]]
name = "g"
instance_type = "m5.large"
count = 1
[[task_definitions]]
family = "t"
{taskdef}
[[jobs]]
name = "j"
task_definition = "t"
arrivals = {{ kind = "schedule", every = "1d", count = {count} }}
duration = {{ kind = "constant", value = "1h" }}
{job_extra}
"#
    )
}

fn reasons(o: &Outcome) -> Vec<&'static str> {
    o.refused.iter().map(|r| r.reason.as_str()).collect()
}

/// Item 13: by default a job behaves as RunTask on the EC2 launch type
/// without a capacity provider: what fits on no instance is refused at once,
/// with the reason of the resource that ran out, and no task exists for it.
#[test]
fn run_task_refuses_what_fits_nowhere() {
    let (o, c, log) = common::run(&burst(3, "cpu = 1024\nmemory = 512", ""));
    assert_eq!((o.tasks_launched, o.tasks_refused), (2, 1));
    assert_eq!(reasons(&o), ["RESOURCE:CPU"]);
    assert_eq!(c.jobs[0].refused[&Refusal::Cpu], 1);
    assert_eq!(o.tasks_provisioning_at_end, 0);
    // The two that ran are tasks 1 and 2: a refusal creates no task.
    let mut serials: Vec<u64> = log.done.iter().map(|t| t.serial).collect();
    serials.sort_unstable();
    assert_eq!(serials, [1, 2]);

    let (o, _, _) = common::run(&burst(3, "cpu = 256\nmemory = 3072", ""));
    assert_eq!(reasons(&o), ["RESOURCE:MEMORY"]);
    // A host port taken on the only instance.
    let ports = "cpu = 256\nmemory = 256\ncontainers = [{ name = \"a\", essential = true, host_ports = [8080] }]";
    let (o, _, _) = common::run(&burst(2, ports, ""));
    assert_eq!(reasons(&o), ["RESOURCE:PORTS_TCP"]);
    // Room, but distinctInstance rules the only instance out.
    let (o, _, _) = common::run(&burst(
        2,
        "cpu = 256\nmemory = 256",
        "placement_constraints = [{ type = \"distinctInstance\" }]",
    ));
    assert_eq!(reasons(&o), ["ATTRIBUTE"]);
}

/// With `no_capacity = "queue"` the same third task waits in PROVISIONING
/// and runs when the first two are done.
#[test]
fn a_queueing_job_waits_and_runs_later() {
    let (o, _, log) = common::run(&burst(
        3,
        "cpu = 1024\nmemory = 512",
        "no_capacity = \"queue\"",
    ));
    assert_eq!((o.tasks_launched, o.tasks_refused), (3, 0));
    let third = log.done.iter().find(|t| t.serial == 3).unwrap();
    let wait = third.placed.unwrap() - third.created;
    assert!(wait >= 3_600_000, "placed after an hour, waited {wait} ms");
    assert!(third.started.is_some());
}

/// Through an Auto Scaling group capacity provider a job's tasks wait in
/// PROVISIONING, up to the cluster's quota; the launches beyond it are
/// refused.
#[test]
fn capacity_provider_tasks_wait_up_to_the_quota() {
    let extra = 50;
    let text = format!(
        r#"
name = "cp"
duration = "30s"
[cluster]
availability_zones = ["us-east-1a"]
[[instance_groups]]
name = "asg"
instance_type = "m5.large"
count = 0
min_size = 0
max_size = 1
[[capacity_providers]]
name = "cp"
instance_group = "asg"
[[task_definitions]]
family = "t"
cpu = 1024
memory = 512
[[jobs]]
name = "j"
task_definition = "t"
arrivals = {{ kind = "schedule", every = "1d", count = {} }}
duration = {{ kind = "constant", value = "1h" }}
capacity_provider_strategy = [{{ capacity_provider = "cp", weight = 1 }}]
"#,
        PROVISIONING_QUOTA + extra
    );
    let o = run_unchecked(&text);
    assert_eq!(o.tasks_provisioning_at_end, u64::from(PROVISIONING_QUOTA));
    assert_eq!(o.tasks_refused, u64::from(extra));
    assert!(reasons(&o).iter().all(|&r| r == "PROVISIONING_QUOTA"));
    assert!(o.refused.iter().all(|r| r.provider == Some(0)));
    // A client-side queue is not bounded by the quota.
    let o = run_unchecked(&text.replace(
        "capacity_provider_strategy",
        "no_capacity = \"queue\"\ncapacity_provider_strategy",
    ));
    assert_eq!(
        o.tasks_provisioning_at_end,
        u64::from(PROVISIONING_QUOTA + extra)
    );
}

/// The outputs: `refused.csv` lists each refusal, the summary counts them
/// by reason overall and per job, and a bad value names the field.
#[test]
fn refusals_are_written_and_bad_values_named() {
    let sc = common::scenario(&burst(4, "cpu = 1024\nmemory = 512", ""));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    ecsim::run::run_to_dir(&sc, 0, &ecsim::billing::PriceBook::shipped(), &out).unwrap();
    let csv = std::fs::read_to_string(out.join("refused.csv")).unwrap();
    assert_eq!(
        csv,
        "time_s,job,task_definition,capacity_provider,reason\n\
         0.000,j,t,,RESOURCE:CPU\n0.000,j,t,,RESOURCE:CPU\n"
    );
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(s["tasks_refused"], 2);
    assert_eq!(s["tasks_refused_by_reason"]["RESOURCE:CPU"], 2);
    assert_eq!(s["jobs"]["j"]["tasks_refused"], 2);
    assert_eq!(s["jobs"]["j"]["refused_by_reason"]["RESOURCE:CPU"], 2);
    assert_eq!(s["jobs"]["j"]["tasks_launched"], 2);

    let bad = burst(1, "cpu = 256\nmemory = 256", "no_capacity = \"maybe\"");
    let Err(err) = ecsim::scenario::parse(std::path::Path::new("s.toml"), &bad) else {
        panic!("no_capacity = \"maybe\" accepted");
    };
    let err = err.to_string();
    assert!(
        err.contains("s.toml")
            && err.contains("jobs[0].no_capacity")
            && err.contains("fail or queue"),
        "{err}"
    );
}

/// Keeps the largest number of tasks the model held at once.
#[derive(Default)]
struct MostTasks {
    log: common::Log,
    most: usize,
}

impl ecsim::sim::Recorder for MostTasks {
    fn task_transition(&mut self, t: &ecsim::model::Task, from: ecsim::model::TaskState, at: u64) {
        self.log.task_transition(t, from, at);
    }
    fn task_done(&mut self, c: &ecsim::model::Cluster, t: &ecsim::model::Task) {
        self.log.task_done(c, t);
    }
    fn sample(&mut self, s: &ecsim::sim::Sample) {
        self.log.sample(s);
    }
    fn after_event(&mut self, c: &ecsim::model::Cluster, _at: u64) {
        self.most = self.most.max(c.tasks.len());
    }
}

/// Issue 29 item 5: a client-side queue three times over capacity keeps
/// its waiting tasks as compact records, not as tasks: the model never
/// holds more tasks than run at once plus a few (a year of such a queue
/// held millions, 1.26 GB). Every task is still accounted for: started,
/// or written as waiting at the end with its wait, placed in arrival order.
#[test]
fn a_client_side_queue_holds_records_not_tasks() {
    let sc = common::scenario(&overload(8));
    let mut rec = MostTasks::default();
    let (o, c) = Sim::new(&sc, sc.seed, &mut rec)
        .with_invariant_checks(true)
        .run()
        .unwrap();
    // Two m5.large hold at most 4 + 8 tasks of the two shapes.
    assert!(rec.most <= 16, "{} tasks held at once", rec.most);
    assert!(o.queued_at_end.len() > 1000, "{}", o.queued_at_end.len());
    assert_eq!(
        o.tasks_launched,
        o.tasks_stopped + c.tasks.len() as u64 + o.queued_at_end.len() as u64
    );
    assert_eq!(o.tasks_provisioning_at_end, o.queued_at_end.len() as u64);
    // Every task reached task_done once: stopped ones, and at the end the
    // running and the queued (woken for their rows) ones, in serial order
    // among those alive at the end.
    let done = &rec.log.done;
    assert_eq!(done.len() as u64, o.tasks_launched);
    let waiting: Vec<_> = done
        .iter()
        .filter(|t| t.state == ecsim::model::TaskState::Provisioning)
        .collect();
    assert_eq!(waiting.len(), o.queued_at_end.len());
    assert!(waiting.windows(2).all(|w| w[0].serial < w[1].serial));
    assert!(
        waiting
            .iter()
            .all(|t| t.placed.is_none() && t.run_for.is_some())
    );
    // FIFO per job: a job's tasks are placed in the order they arrived.
    for j in 0..2u32 {
        let mut placed: Vec<_> = done
            .iter()
            .filter(|t| t.owner == ecsim::model::Owner::Job(j) && t.placed.is_some())
            .map(|t| (t.serial, t.placed.unwrap()))
            .collect();
        placed.sort_unstable();
        assert!(placed.windows(2).all(|w| w[0].1 <= w[1].1), "job {j}");
    }
}

/// Item 5, second half: the size estimate counts what a client-side queue
/// would hold, and a queue that would take gigabytes is refused up front
/// (exit 2, naming the job's `no_capacity`) unless --force.
#[test]
fn a_queue_too_large_is_refused_before_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let text = overload(365).replace("rate_per_hour = 12", "rate_per_hour = 4000");
    std::fs::write(dir.path().join("s.toml"), &text).unwrap();
    let sc = common::scenario(&text);
    let size = ecsim::scenario::estimate::estimate(&sc);
    // 2 × 4000 tasks an hour for a year (7.0e7), of which the cluster
    // serves ~0.15 %.
    assert!(
        size.queued > 6.9e7 && size.queued < 7.01e7,
        "{}",
        size.queued
    );
    for cmd in ["run", "price"] {
        let out = common::ecsim_in(dir.path(), &[cmd, "s.toml"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains("s.toml: jobs[0].no_capacity: the client-side queue would hold about"),
            "{err}"
        );
    }
    assert!(!dir.path().join("results").exists());
    // Within capacity the estimate expects no queue.
    let fits = common::scenario(&overload(2).replace("rate_per_hour = 12", "rate_per_hour = 1"));
    assert_eq!(ecsim::scenario::estimate::estimate(&fits).queued, 0.0);
}
