//! Issue 31 item 12: a deployment under way when the cluster was exported.
//! "Deploy Amazon ECS services by replacing tasks" (rolling update): while
//! a deployment runs, tasks of the old and the new revision run side by
//! side, within minimumHealthyPercent and maximumPercent of the desired
//! count, until the new revision's tasks replace the old. The simulation
//! starts from both revisions' running counts and goes on from there.

mod common;
use ecsim::model::TaskState;

/// Four m5.large; `web` at web-1, desired 6, with 4 web-1 and 3 web-2
/// tasks running at time 0 (7, above the desired count, within 150%) and
/// the deployment to web-2 in flight.
fn scenario(deployment: &str, initial_new: &str) -> String {
    format!(
        r#"
name = "inflight"
duration = "1h"
[cluster]
availability_zones = ["us-east-1a"]
[[instance_groups]]
name = "g"
instance_type = "m5.large"
count = 4
[[task_definitions]]
family = "web-1"
cpu = 256
memory = 512
startup = {{ kind = "constant", value = "30s" }}
[[task_definitions]]
family = "web-2"
cpu = 256
memory = 512
startup = {{ kind = "constant", value = "30s" }}
[[services]]
name = "web"
task_definition = "web-1"
desired_count = 6
deployment_configuration = {{ minimum_healthy_percent = 100, maximum_percent = 150 }}
[[initial_tasks]]
service = "web"
instance_group = "g"
instance = 0
count = 4
{initial_new}
{deployment}"#
    )
}

const NEW: &str = "[[initial_tasks]]\nservice = \"web\"\ninstance_group = \"g\"\ninstance = 1\ncount = 3\ntask_definition = \"web-2\"\n";
const IN_FLIGHT: &str = "[[deployments]]\nservice = \"web\"\nat = \"0s\"\ntask_definition = \"web-2\"\nin_flight = true\n";

fn family(c: &ecsim::model::Cluster, taskdef: u32) -> &str {
    &c.taskdefs[taskdef as usize].family
}

/// The rollout goes on from 3 of 6 new tasks: 3 more web-2 tasks start
/// (never above 150% = 9 at once), the 4 web-1 tasks stop, the 3 web-2
/// tasks running at time 0 are kept, and the deployment, started at 0,
/// completes.
#[test]
fn the_rollout_goes_on_from_both_revisions() {
    let (o, c, log) = common::run(&scenario(IN_FLIGHT, NEW));
    assert_eq!(o.initial_tasks_placed, 7);
    let svc = &c.services[0];
    assert_eq!(svc.active.len(), 6);
    assert!(
        svc.active
            .iter()
            .all(|&k| family(&c, c.tasks[k].taskdef) == "web-2")
    );
    // Stopped during the run: the four old tasks only, none of the new.
    let stopped: Vec<&str> = log
        .transitions
        .iter()
        .filter(|t| t.2 == TaskState::Stopped)
        .map(|t| {
            let task = log.done.iter().find(|d| d.serial == t.0).unwrap();
            family(&c, task.taskdef)
        })
        .collect();
    assert_eq!(stopped, ["web-1"; 4]);
    // Launched over the run: the 7 initial tasks and 3 new ones.
    let launched = log
        .transitions
        .iter()
        .filter(|t| t.1 == TaskState::Provisioning)
        .count();
    assert_eq!(launched, 10);
    let d = &o.deployments[0];
    assert_eq!((d.from.as_str(), d.to.as_str()), ("web-1", "web-2"));
    assert_eq!((d.started, d.status), (0, "COMPLETED"));
    assert!(d.ended.unwrap() > 0);
}

/// Without the deployment in flight the service starts at its desired
/// count: 2 tasks of web-2 are refused (not its revision), and a total
/// above the desired count is refused; in flight, up to maximumPercent.
#[test]
fn both_revisions_need_the_deployment_in_flight() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        (scenario("", NEW), "initial_tasks[1].task_definition"),
        (
            scenario(IN_FLIGHT, &NEW.replace("count = 3", "count = 6")),
            "above 9, maximum_percent of its desired_count",
        ),
        (
            scenario(&IN_FLIGHT.replace("\"0s\"", "\"1m\""), NEW),
            "deployments[0].at",
        ),
    ];
    for (text, words) in cases {
        std::fs::write(tmp.path().join("s.toml"), text).unwrap();
        let o = common::ecsim_in(tmp.path(), &["validate", "s.toml"]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(words), "{err}");
    }
}

/// A PENDING task of the export is placed on its instance at time 0 and
/// goes through its start-up (30 s), not RUNNING at once.
#[test]
fn pending_tasks_are_kept_and_start() {
    let pending = NEW.replace("count = 3\n", "count = 1\npending = true\n");
    let (o, c, log) = common::run(&scenario(IN_FLIGHT, &pending));
    assert_eq!(o.initial_tasks_placed, 5);
    let runs: Vec<u64> = log
        .transitions
        .iter()
        .filter(|t| t.2 == TaskState::Running && t.3 < 60_000)
        .map(|t| t.3)
        .collect();
    // Four RUNNING at 0, the PENDING one at 30 s.
    assert_eq!(runs.iter().filter(|&&t| t == 0).count(), 4, "{runs:?}");
    assert!(runs.contains(&30_000), "{runs:?}");
    assert!(
        c.services[0]
            .active
            .iter()
            .all(|&k| family(&c, c.tasks[k].taskdef) == "web-2")
    );
}
