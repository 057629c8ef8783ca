//! Issue 31 item 10: queue-driven workers. "Scaling policy based on Amazon
//! SQS" (Amazon EC2 Auto Scaling User Guide): scale on the queue's
//! ApproximateNumberOfMessagesVisible, or on the backlog per task (visible
//! messages ÷ running tasks) against the acceptable backlog per task.
//! Amazon SQS pushes a queue's metrics to CloudWatch at one-minute
//! intervals ("Monitoring Amazon SQS queues using CloudWatch", Amazon SQS
//! Developer Guide), with or without tasks to read it.

mod common;
#[path = "model/harness.rs"]
mod harness;

use harness::run;

/// A Fargate worker fed by queue `jobs`: 5 messages a second per task;
/// `arrivals` messages a second; `autoscaling` its policies.
fn scenario(desired: u32, arrivals: &str, autoscaling: &str) -> String {
    format!(
        r#"
name = "q"
duration = "4h"
seed = 2
[cluster]
availability_zones = ["a", "b"]
[fargate]
provisioning = {{ kind = "constant", value = "0s" }}
[[task_definitions]]
family = "worker"
cpu = 256
memory = 512
startup = {{ kind = "constant", value = "0s" }}
shutdown = {{ kind = "constant", value = "0s" }}
[[services]]
name = "worker"
task_definition = "worker"
desired_count = {desired}
launch_type = "FARGATE"
[services.autoscaling]
{autoscaling}
[[queues]]
name = "jobs"
service = "worker"
arrivals = {arrivals}
messages_per_task = 5
"#
    )
}

const SURGE: &str = r#"{ kind = "steps", points = [{ at = "0s", value = 10 }, { at = "1h", value = 40 }, { at = "2h", value = 10 }] }"#;

/// 2 tasks (the minimum: with no backlog the policy would scale in to it)
/// take the 10 messages a second until 1h; then 40 arrive and
/// 1,800 a minute pile up. Backlog per task at minute 62 (three breaching
/// datapoints, visible at 64): 5,400 ÷ 2 = 2,700 against a target of 100,
/// so ceil(2 × 2,700 / 100) = 54, held to the maximum of 20. At 20 tasks
/// (100 a second) the backlog drains, and scale-in follows once it stays
/// under 90 per task for 15 minutes.
#[test]
fn backlog_per_task_scales_out_and_drains() {
    let tt = "min_capacity = 2\nmax_capacity = 20\nmetric = \"BacklogPerTask\"\ntarget = 100\n";
    let r = run(&scenario(2, SURGE, tt));
    let moves = r.moves();
    assert_eq!(moves[0], (64, 2, 20), "{moves:?}");
    assert_eq!(r.decisions[0].value, 2_700.0);
    let scale_in = moves
        .iter()
        .find(|m| m.2 < m.1)
        .expect("the backlog drains");
    assert!(scale_in.0 > 64 && scale_in.0 < 120, "{moves:?}");
}

/// Scaling from zero on the queue's visible messages: no task runs, SQS
/// still publishes, and a step policy on ApproximateNumberOfMessagesVisible
/// of 100 or more adds a task. 1 message a second: 60 visible after minute
/// 0, 120 after minute 1, whose datapoint is visible at minute 3.
#[test]
fn visible_messages_scale_a_service_from_zero() {
    let step = "min_capacity = 0\nmax_capacity = 5\nstep_scaling = [{ name = \"backlog\", metric = \"ApproximateNumberOfMessagesVisible\", comparison = \">=\", threshold = 100, evaluation_periods = 1, steps = [{ lower = 0, adjustment = 1 }] }]";
    let one = r#"{ kind = "constant", value = 1 }"#;
    let r = run(&scenario(0, one, step));
    assert_eq!(r.moves()[0], (3, 0, 1), "{:?}", r.moves());
    assert_eq!(r.decisions[0].value, 120.0);
    // One task takes 5 a second: the 120 clear within a minute, and no
    // more tasks are asked for.
    assert_eq!(r.decisions.len(), 1, "{:?}", r.moves());
}

/// A service fed by a queue sets no demand of its own, and a queue names a
/// service of the scenario.
#[test]
fn a_queue_replaces_the_service_demand() {
    let tmp = tempfile::tempdir().unwrap();
    let base = scenario(2, SURGE, "min_capacity = 1\nmax_capacity = 3");
    for (text, field, words) in [
        (
            base.replace(
                "launch_type = \"FARGATE\"\n",
                "launch_type = \"FARGATE\"\ncapacity_per_task = 5\n",
            ),
            "queues[0].service",
            "take their place",
        ),
        (
            base.replace(
                "service = \"worker\"\narrivals",
                "service = \"nope\"\narrivals",
            ),
            "queues[0].service",
            "no service is named",
        ),
        (
            base.replace("messages_per_task = 5", "messages_per_task = 0"),
            "queues[0].messages_per_task",
            "must be above 0",
        ),
    ] {
        std::fs::write(tmp.path().join("s.toml"), text).unwrap();
        let o = common::ecsim_in(tmp.path(), &["validate", "s.toml"]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(field) && err.contains(words), "{err}");
    }
}
