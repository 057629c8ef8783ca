//! Issue 31, the items that grew the model: what `ecsim import` writes from
//! each export shape under tests/fixtures/import_model/<shape>/ (AWS CLI
//! output, field for field), and that the written scenario loads.

mod common;
use common::{ecsim_in, repo};

/// Imports the shape into a temporary folder: (scenario text, stderr).
fn import(shape: &str) -> (String, String) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = repo().join("tests/fixtures/import_model").join(shape);
    let o = ecsim_in(
        tmp.path(),
        &["import", dir.to_str().unwrap(), "--out", "m.toml"],
    );
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(o.status.success(), "{err}");
    let text = std::fs::read_to_string(tmp.path().join("m.toml")).unwrap();
    // What import writes, ecsim loads.
    let v = ecsim_in(tmp.path(), &["validate", "m.toml"]);
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stderr));
    (text, err)
}

/// Item 5: the step policy's alarm has Period 300 and 3 evaluation
/// periods; the policy carries the period, so it waits 15 minutes.
#[test]
fn a_step_alarm_keeps_its_period() {
    let (toml, err) = import("step_period");
    assert!(
        toml.contains("threshold = 75\nperiod = \"300s\"\nevaluation_periods = 3\n"),
        "{toml}"
    );
    assert!(!err.contains("worker-cpu-out"), "{err}");
}

/// Item 8: several target tracking policies, customized metrics ecsim
/// simulates (memory's Maximum, the load balancer's RequestCount Sum) and,
/// said on stderr, one it does not (TargetResponseTime) and one reading
/// what another policy reads.
#[test]
fn several_target_tracking_policies_and_customized_metrics() {
    let (toml, err) = import("tt_many");
    assert!(
        toml.contains("# target tracking policy api-cpu60\nmetric = \"ECSServiceAverageCPUUtilization\"\ntarget = 60\n"),
        "{toml}"
    );
    assert!(
        toml.contains("[[services.autoscaling.target_tracking]]\n# target tracking policy api-mem-max70\nname = \"api-mem-max70\"\nmetric = \"ECSServiceAverageMemoryUtilization\"\ntarget = 70\n"),
        "{toml}"
    );
    assert!(
        toml.contains("name = \"api-requests\"\nmetric = \"RequestCount\"\ntarget = 12000\nscale_out_cooldown = \"60s\"\nscale_in_cooldown = \"300s\"\ndisable_scale_in = true\n"),
        "{toml}"
    );
    assert!(
        err.contains("api-mem-max70: AWS/ECS MemoryUtilization (Maximum)"),
        "{err}"
    );
    assert!(
        err.contains("api-latency tracks a customized metric, AWS/ApplicationELB TargetResponseTime (Average) is not a metric ecsim simulates: left out"),
        "{err}"
    );
    assert!(
        err.contains(
            "api-cpu-max tracks ECSServiceAverageCPUUtilization, as another of its policies does"
        ),
        "{err}"
    );
    assert!(!toml.contains("api-latency\"") && !toml.contains("name = \"api-cpu-max\""));
}

/// Item 2: a container instance with `agentConnected: false` becomes its
/// group's `agent_disconnected`; the two tasks it runs stay on it.
#[test]
fn a_disconnected_agent_is_kept() {
    let (toml, _) = import("agent");
    assert!(
        toml.contains("count = 2\navailability_zones = [\"us-east-1a\"]\n")
            && toml.contains("\nagent_disconnected = [0]"),
        "{toml}"
    );
    assert!(toml.contains("instance = 0\ncount = 2\n"), "{toml}");
}

/// Item 12: a deployment in flight (PRIMARY web:8 IN_PROGRESS, ACTIVE
/// web:7): the service at web:7, both revisions' running tasks where they
/// run, the PENDING one kept, and the deployment resumed at 0 s.
#[test]
fn a_deployment_in_flight_is_resumed() {
    let (toml, err) = import("inflight");
    assert!(
        toml.contains("name = \"web\"\ntask_definition = \"web-7\"\n"),
        "{toml}"
    );
    assert!(
        toml.contains("instance = 0\ncount = 4\n[[initial_tasks]]"),
        "{toml}"
    );
    assert!(
        toml.contains("instance = 1\ncount = 3\ntask_definition = \"web-8\"\n"),
        "{toml}"
    );
    assert!(
        toml.contains("instance = 1\ncount = 1\ntask_definition = \"web-8\"\npending = true\n"),
        "{toml}"
    );
    assert!(
        toml.contains("[[deployments]]\nservice = \"web\"\nat = \"0s\"\ntask_definition = \"web-8\"\nin_flight = true\n"),
        "{toml}"
    );
    assert!(!err.contains("deployment is under way"), "{err}");
}

/// Item 10: a worker scaled on its SQS queue (target tracking on the
/// backlog per task as metric math, a step alarm on the visible messages)
/// becomes a `[[queues]]` entry fed by the exported NumberOfMessagesSent.
#[test]
fn a_queue_worker_gets_its_queue() {
    let (toml, _) = import("queue");
    assert!(
        toml.contains("# target tracking policy worker-backlog-per-task\nmetric = \"BacklogPerTask\"\ntarget = 100\n"),
        "{toml}"
    );
    assert!(
        toml.contains("metric = \"ApproximateNumberOfMessagesVisible\"\ncomparison = \"GreaterThanOrEqualToThreshold\"\nthreshold = 5000\n"),
        "{toml}"
    );
    assert!(
        toml.contains("[[queues]]\nname = \"ops-jobs\"\nservice = \"worker\"\narrivals = { kind = \"trace\", file = \"m/traces/worker-ops-jobs.csv\" }\nmessages_per_task = 5\nbacklog = 18.8\n"),
        "{toml}"
    );
    // The worker sets no demand of its own.
    let worker = toml.split("[[services]]").nth(1).unwrap();
    assert!(!worker.contains("demand ="), "{worker}");
}

/// Item 7: deployment alarms. The CPU one becomes `[services.
/// deployment_alarms]`; a 5XX-count alarm (not simulated) and one missing
/// from the export are said on stderr.
#[test]
fn deployment_alarms_are_modelled_or_said() {
    let (toml, err) = import("deploy_alarms");
    assert!(
        toml.contains("[services.deployment_alarms]\n# deploymentConfiguration.alarms: a deployment fails when one goes into ALARM\nrollback = true\nalarms = [{ name = \"api-cpu-deploy\", metric = \"ECSServiceAverageCPUUtilization\", comparison = \"GreaterThanOrEqualToThreshold\", threshold = 85, evaluation_periods = 3 }]\n"),
        "{toml}"
    );
    assert!(
        err.contains("deployment alarm api-5xx watches AWS/ApplicationELB HTTPCode_Target_5XX_Count (Sum) is not a metric ecsim simulates"),
        "{err}"
    );
    assert!(
        err.contains("deployment alarm api-latency-p99 is in no describe-alarms output"),
        "{err}"
    );
}
