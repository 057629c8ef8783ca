//! Issue 31 item 2: container instances whose agent is not connected. API
//! reference "ContainerInstance", agentConnected: an instance whose agent
//! is unhealthy or stopped reports false, and only instances connected to
//! an agent accept task placement requests. The tasks it already runs keep
//! running.

mod common;

/// Two m5.large instances in one zone, instance 0's agent disconnected,
/// `extra` appended.
fn scenario(extra: &str) -> String {
    format!(
        r#"
name = "agent"
duration = "1h"
[cluster]
availability_zones = ["us-east-1a"]
[[instance_groups]]
name = "g"
instance_type = "m5.large"
count = 2
agent_disconnected = [0]
[[task_definitions]]
family = "web"
cpu = 256
memory = 512
[[services]]
name = "web"
task_definition = "web"
desired_count = 4
{extra}"#
    )
}

/// Every task of a REPLICA service goes to the connected instance; the
/// other, with the same room, takes none.
#[test]
fn nothing_is_placed_where_the_agent_is_disconnected() {
    let (o, c, _) = common::run(&scenario(""));
    assert_eq!(c.instances[0].tasks_placed, 0);
    assert_eq!(c.instances[1].tasks_placed, 4);
    assert_eq!(c.instances[1].tasks.len(), 4);
    assert_eq!(o.initial_tasks_placed, 0);
    // Without the key both instances take tasks (binpack is not set: spread).
    let (_, c, _) = common::run(&scenario("").replace("agent_disconnected = [0]\n", ""));
    assert!(c.instances[0].tasks_placed > 0);
}

/// Tasks running on it now (`[[initial_tasks]]`, as import writes them)
/// stay there; the service's other tasks go to the connected instance.
#[test]
fn the_tasks_it_runs_keep_running() {
    let initial =
        "[[initial_tasks]]\nservice = \"web\"\ninstance_group = \"g\"\ninstance = 0\ncount = 2\n";
    let (o, c, _) = common::run(&scenario(initial));
    assert_eq!(o.initial_tasks_placed, 2);
    assert_eq!(c.instances[0].tasks.len(), 2, "still running at the end");
    assert_eq!(c.instances[1].tasks.len(), 2);
    assert!(!c.instances[0].agent_connected);
}

/// A DAEMON service runs on every instance that takes tasks: not on one
/// whose agent is disconnected.
#[test]
fn a_daemon_skips_it() {
    let daemon = "[[services]]\nname = \"logs\"\ntask_definition = \"web\"\nscheduling_strategy = \"DAEMON\"\n";
    let (_, c, _) = common::run(&scenario(daemon));
    let on = |i: usize| {
        c.instances[i]
            .tasks
            .iter()
            .filter(|&&k| c.owner_name(c.tasks[k].owner) == "logs")
            .count()
    };
    assert_eq!((on(0), on(1)), (0, 1));
}

/// An instance the group does not start with, or listed twice, is refused.
#[test]
fn instances_listed_must_exist_once() {
    let tmp = tempfile::tempdir().unwrap();
    for (list, words) in [("[2]", "0 to 1"), ("[1, 1]", "listed twice")] {
        let text = scenario("").replace("[0]", list);
        std::fs::write(tmp.path().join("s.toml"), text).unwrap();
        let o = common::ecsim_in(tmp.path(), &["validate", "s.toml"]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(
            err.contains("instance_groups[0].agent_disconnected[") && err.contains(words),
            "{err}"
        );
    }
}
