//! A cluster that cannot keep up (issue 23, items 12 and 13): the waiting
//! queue grows without bound, and retrying it must cost what the work does,
//! not the square of the queue.

mod common;
use ecsim::sim::{Outcome, Sim};

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
[[jobs]]
name = "small"
task_definition = "small"
arrivals = {{ kind = "poisson", rate_per_hour = 12 }}
duration = {{ kind = "exponential", mean = "30m" }}
placement_strategy = [{{ type = "binpack", field = "memory" }}]
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
