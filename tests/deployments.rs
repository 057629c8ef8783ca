//! Deployments ("Deploy Amazon ECS services by replacing tasks", "deployment
//! circuit breaker", "blue/green deployment with CodeDeploy").

mod common;
use ecsim::engine::time::MINUTE;
use ecsim::model::deployment::DeploymentRecord;
use ecsim::model::{Cluster, Task, TaskState};
use ecsim::sim::{Recorder, Sample, Sim};

/// Checks the rolling-update bounds after every event.
#[derive(Default)]
struct Bounds {
    min_healthy: u32,
    max_total: u32,
    max_seen: u32,
    min_seen_during: Option<u32>,
    violations: Vec<String>,
    done: Vec<Task>,
}

impl Recorder for Bounds {
    fn task_done(&mut self, _: &Cluster, t: &Task) {
        self.done.push(t.clone());
    }
    fn sample(&mut self, _: &Sample) {}
    fn after_event(&mut self, c: &Cluster, at: u64) {
        let svc = &c.services[0];
        if svc.deployment.is_none() {
            return;
        }
        let active = svc.active.len() as u32;
        let running = svc
            .active
            .iter()
            .filter(|&&k| c.tasks[k].state == TaskState::Running)
            .count() as u32;
        self.max_seen = self.max_seen.max(active);
        self.min_seen_during = Some(self.min_seen_during.map_or(running, |m| m.min(running)));
        if active > self.max_total {
            self.violations.push(format!(
                "t={at}: {active} tasks above max {}",
                self.max_total
            ));
        }
        if running < self.min_healthy {
            self.violations.push(format!(
                "t={at}: {running} running below min healthy {}",
                self.min_healthy
            ));
        }
    }
}

fn scenario(min: u32, max: u32, extra: &str) -> String {
    format!(
        r#"
name = "d"
duration = "3h"
seed = 6
[cluster]
availability_zones = ["a", "b"]
[[instance_groups]]
name = "g"
instance_type = "m5.4xlarge"
count = 4
[[task_definitions]]
family = "web-v1"
cpu = 512
memory = 1024
startup = {{ kind = "lognormal", median = "20s", sigma = 0.5 }}
shutdown = {{ kind = "constant", value = "10s" }}
[[task_definitions]]
family = "web-v2"
cpu = 512
memory = 1024
startup = {{ kind = "lognormal", median = "30s", sigma = 0.5 }}
shutdown = {{ kind = "constant", value = "10s" }}
[[services]]
name = "web"
task_definition = "web-v1"
desired_count = 10
deployment_configuration = {{ minimum_healthy_percent = {min}, maximum_percent = {max}, circuit_breaker = {{ enable = true, rollback = true }} }}
{extra}
[[deployments]]
service = "web"
at = "1h"
task_definition = "web-v2"
"#
    )
}

fn deploy(
    text: &str,
    min_healthy: u32,
    max_total: u32,
) -> (Bounds, Cluster, Vec<DeploymentRecord>) {
    let sc = common::scenario(text);
    let mut b = Bounds {
        min_healthy,
        max_total,
        ..Default::default()
    };
    let (o, c) = Sim::new(&sc, sc.seed, &mut b)
        .with_invariant_checks(true)
        .run()
        .unwrap_or_else(|e| panic!("{e}"));
    (b, c, o.deployments)
}

/// A rolling update never has more than maximumPercent of desired tasks
/// RUNNING or PENDING, nor fewer than minimumHealthyPercent RUNNING — checked
/// after every event — and ends with every task on the new revision.
#[test]
fn rolling_update_stays_within_bounds() {
    for (min, max, lo, hi) in [
        (100, 200, 10, 20),
        (50, 100, 5, 10),
        (50, 150, 5, 15),
        (0, 100, 0, 10),
    ] {
        let (b, c, deps) = deploy(&scenario(min, max, ""), lo, hi);
        assert!(
            b.violations.is_empty(),
            "{min}/{max}: {:?}",
            &b.violations[..b.violations.len().min(3)]
        );
        assert_eq!(deps.len(), 1);
        assert_eq!(deps[0].status, "COMPLETED", "{min}/{max}");
        let v2 = c
            .taskdefs
            .iter()
            .position(|t| t.family == "web-v2")
            .unwrap() as u32;
        assert!(
            c.services[0]
                .active
                .iter()
                .all(|&k| c.tasks[k].taskdef == v2)
        );
        assert_eq!(c.services[0].active.len(), 10);
        // The bounds were used, not just respected.
        assert_eq!(b.max_seen, hi, "{min}/{max} peak");
        assert_eq!(b.min_seen_during, Some(lo), "{min}/{max} trough");
    }
}

/// Tasks that stop at once (no shutdown time) and start at once: the rolling
/// update neither panics (a stop finalized inside the step used to free a
/// task the step still held) nor stops more old tasks than
/// minimumHealthyPercent allows ("API_DeploymentConfiguration": RUNNING
/// healthy tasks stay at or above ceil(desired × minimumHealthyPercent)).
#[test]
fn instant_stops_keep_the_healthy_floor() {
    for (min, max, lo, hi) in [
        (100, 200, 4, 8),
        (50, 200, 2, 8),
        (50, 100, 2, 4),
        (0, 100, 0, 4),
    ] {
        for startup in ["0s", "5s"] {
            let text = scenario(min, max, "")
                .replace("desired_count = 10", "desired_count = 4")
                .replace(
                    "shutdown = { kind = \"constant\", value = \"10s\" }",
                    "shutdown = { kind = \"constant\", value = \"0s\" }",
                )
                .replace(
                    "startup = { kind = \"lognormal\", median = \"30s\", sigma = 0.5 }",
                    &format!("startup = {{ kind = \"constant\", value = \"{startup}\" }}"),
                );
            assert!(text.contains("value = \"0s\""));
            let (b, c, deps) = deploy(&text, lo, hi);
            let case = format!("{min}/{max}, startup {startup}");
            assert!(b.violations.is_empty(), "{case}: {:?}", b.violations);
            assert_eq!(deps.len(), 1);
            assert_eq!(deps[0].status, "COMPLETED", "{case}");
            assert_eq!(c.services[0].active.len(), 4, "{case}");
            assert!(b.min_seen_during.is_some_and(|m| m >= lo), "{case} trough");
            // The old tasks went, not just stopped being counted.
            let v1 = c
                .taskdefs
                .iter()
                .position(|t| t.family == "web-v1")
                .unwrap() as u32;
            assert!(c.tasks.iter().all(|(_, t)| t.taskdef != v1), "{case}");
        }
    }
}

/// The circuit breaker fails the deployment after the documented number of
/// failed tasks — half the desired count, at least 3 — and rolls back to the
/// last completed revision.
#[test]
fn circuit_breaker_rolls_back_after_threshold() {
    let text = scenario(
        100,
        200,
        "[[faults]]\nkind = \"start_failure\"\ntask_definition = \"web-v2\"\nfraction = 1.0\n",
    );
    let (b, c, deps) = deploy(&text, 10, 20);
    assert!(b.violations.is_empty(), "{:?}", b.violations);
    // desired 10 → threshold max(ceil(10 / 2), 3) = 5.
    assert_eq!(deps[0].status, "ROLLED_BACK");
    assert_eq!(deps[0].failed_tasks, 5);
    assert_eq!(
        (deps[1].status, deps[1].rollback_of, deps[1].to.as_str()),
        ("COMPLETED", Some(1), "web-v1")
    );
    let v1 = c
        .taskdefs
        .iter()
        .position(|t| t.family == "web-v1")
        .unwrap() as u32;
    assert!(
        c.services[0]
            .active
            .iter()
            .all(|&k| c.tasks[k].taskdef == v1)
    );
    assert_eq!(c.services[0].stats.running.get(), 10);
    // It happened within minutes: failures are throttled 15 s, 30 s, ...
    assert!(
        deps[0].ended.unwrap() < 60 * MINUTE + 15 * MINUTE,
        "{:?}",
        deps[0].ended
    );
    // A small service needs at least 3 failures.
    let text = text.replace("desired_count = 10", "desired_count = 2");
    let (_, _, deps) = deploy(&text, 2, 4);
    assert_eq!(deps[0].failed_tasks, 3);
}

/// Health checks are ignored during the grace period: a task that fails them
/// reaches RUNNING and is stopped when the grace period ends.
#[test]
fn health_check_grace_period_delays_failure() {
    let text = scenario(
        100,
        200,
        "health_check_grace_period = \"90s\"\n[[faults]]\nkind = \"start_failure\"\ntask_definition = \"web-v2\"\nfraction = 1.0\n",
    );
    let (b, _, deps) = deploy(&text, 0, 20);
    assert_eq!(deps[0].status, "ROLLED_BACK");
    let failed: Vec<&Task> = b
        .done
        .iter()
        .filter(|t| {
            t.stop_reason
                .is_some_and(|r| r.code() == "TaskFailedToStart")
        })
        .collect();
    assert!(!failed.is_empty());
    for t in failed {
        let started = t.started.expect("reached RUNNING first");
        let pending_end = t.placed.unwrap() + (started - t.placed.unwrap());
        assert!(
            t.stopped.unwrap() >= pending_end + 90_000 - 1,
            "stopped after the grace period"
        );
    }
}

/// Blue/green: a full green set beside blue, canary traffic (10%, then the
/// rest after the interval), bake time, then blue is stopped.
#[test]
fn blue_green_canary_with_bake_time() {
    let text = scenario(100, 200, "").replace(
        "task_definition = \"web-v2\"\n",
        "task_definition = \"web-v2\"\nstrategy = \"blue_green\"\ntraffic = \"canary\"\npercent = 10\ninterval = \"5m\"\nbake_time = \"15m\"\n",
    );
    let sc = common::scenario(&text);
    let mut b = Bounds {
        min_healthy: 10,
        max_total: 20,
        ..Default::default()
    };
    let (o, c) = Sim::new(&sc, 6, &mut b)
        .with_invariant_checks(true)
        .run()
        .unwrap();
    let d = &o.deployments[0];
    assert_eq!((d.status, d.strategy), ("COMPLETED", "blue_green"));
    assert_eq!(b.max_seen, 20, "blue and green side by side");
    assert!(b.violations.is_empty(), "{:?}", b.violations);
    // Green up in about a minute, 5 minutes at 10%, 15 minutes baking.
    let took = d.ended.unwrap() - d.started;
    assert!(
        (20 * MINUTE..23 * MINUTE).contains(&took),
        "{} s",
        took / 1000
    );
    assert_eq!(c.services[0].active.len(), 10);
}

#[test]
fn bad_deployment_input() {
    let check = |text: &str, words: &str| {
        let e = match ecsim::scenario::parse(std::path::Path::new("s.toml"), text) {
            Ok(_) => panic!("accepted; expected an error with {words}"),
            Err(e) => e.to_string(),
        };
        assert!(e.contains(words), "{e}");
    };
    check(
        &scenario(150, 120, ""),
        "services[0].deployment_configuration.minimum_healthy_percent: must be at most 100",
    );
    check(
        &scenario(90, 80, ""),
        "services[0].deployment_configuration.minimum_healthy_percent: 90 is above maximum_percent 80",
    );
    check(
        &scenario(100, 100, ""),
        "no deployment can ever replace a task",
    );
    check(
        &scenario(100, 200, "").replace("service = \"web\"\nat", "service = \"api\"\nat"),
        "deployments[0].service: no service is named \"api\"",
    );
    check(
        &scenario(100, 200, "").replace(
            "at = \"1h\"\ntask_definition = \"web-v2\"",
            "at = \"1h\"\ntask_definition = \"web-v3\"",
        ),
        "deployments[0].task_definition: unknown task definition \"web-v3\"",
    );
}

/// A rollback that fails as well ends FAILED; it is not rolled back again.
#[test]
fn failed_rollback_does_not_loop() {
    let text = scenario(
        100,
        200,
        "[[faults]]\nkind = \"start_failure\"\nowner = \"web\"\nfraction = 0.97\n",
    )
    .replace("at = \"1h\"", "at = \"20m\"");
    let (_, _, deps) = deploy(&text, 0, 20);
    assert_eq!(deps.len(), 2, "{deps:?}");
    assert_eq!(
        (deps[0].status, deps[1].status, deps[1].rollback_of),
        ("ROLLED_BACK", "FAILED", Some(1))
    );
}

/// Tasks that fail health checks after the grace period still make the
/// service throttle back off (a RUNNING that is about to fail is no success).
#[test]
fn health_check_failures_back_off() {
    let text = scenario(100, 200, "health_check_grace_period = \"60s\"\n[[faults]]\nkind = \"start_failure\"\ntask_definition = \"web-v2\"\nfraction = 1.0\n")
        .replace("circuit_breaker = { enable = true, rollback = true }", "circuit_breaker = { enable = false, rollback = false }")
        .replace("desired_count = 10", "desired_count = 1");
    let (b, _, _) = deploy(&text, 0, 2);
    let mut created: Vec<u64> = b
        .done
        .iter()
        .filter(|t| t.taskdef == 1)
        .map(|t| t.created)
        .collect();
    created.sort_unstable();
    let gaps: Vec<u64> = created.windows(2).map(|w| (w[1] - w[0]) / 1000).collect();
    assert!(gaps.len() >= 5, "{gaps:?}");
    assert!(gaps[4] > 2 * gaps[0], "the wait grows: {gaps:?}");
}

/// Scaled in while a rolling deployment runs (desired 10 → 2 a minute in):
/// the surplus new tasks are stopped, so the deployment completes with the
/// new desired count instead of waiting forever for 10 = 2.
#[test]
fn scale_in_during_a_rolling_deployment_completes_it() {
    let text = scenario(
        100,
        200,
        "desired_count_changes = [{ at = \"61m\", desired_count = 2 }]",
    );
    let (b, c, deps) = deploy(&text, 0, 20);
    assert!(b.violations.is_empty(), "{:?}", b.violations);
    assert_eq!(deps[0].status, "COMPLETED");
    let v2 = c
        .taskdefs
        .iter()
        .position(|t| t.family == "web-v2")
        .unwrap() as u32;
    let active = &c.services[0].active;
    assert_eq!(active.len(), 2);
    assert!(active.iter().all(|&k| c.tasks[k].taskdef == v2));
}
