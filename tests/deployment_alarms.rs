//! Issue 31 item 7: deployment alarms. "How CloudWatch alarms detect Amazon
//! ECS deployment failures": ECS sets a deployment to failed when one of
//! the CloudWatch alarms of `deploymentConfiguration.alarms` goes into
//! ALARM, and with `rollback` rolls back to the last completed deployment.

mod common;

/// Six Fargate tasks at 50% CPU (300 rps, 100 each); at 1h a deployment to
/// web-v2 (5-minute start-up) with minimumHealthyPercent 50 and
/// maximumPercent 100: three old tasks stop first, and the other three run
/// at 100% CPU until the new ones start. `alarms` is the service's
/// `[services.deployment_alarms]` body.
fn scenario(alarms: &str) -> String {
    format!(
        r#"
name = "alarms"
duration = "3h"
[cluster]
availability_zones = ["a", "b"]
[fargate]
provisioning = {{ kind = "constant", value = "0s" }}
[[task_definitions]]
family = "web"
cpu = 256
memory = 512
startup = {{ kind = "constant", value = "0s" }}
[[task_definitions]]
family = "web-v2"
cpu = 256
memory = 512
startup = {{ kind = "constant", value = "5m" }}
[[services]]
name = "web"
task_definition = "web"
desired_count = 6
launch_type = "FARGATE"
capacity_per_task = 100
demand = {{ kind = "constant", value = 300 }}
deployment_configuration = {{ minimum_healthy_percent = 50, maximum_percent = 100 }}
{alarms}
[[deployments]]
service = "web"
at = "1h"
task_definition = "web-v2"
"#
    )
}

const CPU_HIGH: &str = "[services.deployment_alarms]\nrollback = true\nalarms = [{ name = \"web-cpu-high\", metric = \"ECSServiceAverageCPUUtilization\", comparison = \">\", threshold = 90, evaluation_periods = 2 }]\n";

fn statuses(o: &ecsim::sim::Outcome) -> Vec<(&str, &str, Option<u32>)> {
    o.deployments
        .iter()
        .map(|d| (d.to.as_str(), d.status, d.rollback_of))
        .collect()
}

/// Without alarms the rollout completes through its minutes at 100% CPU;
/// with a CPU alarm (above 90% for 2 minutes) the deployment fails, and
/// ECS rolls back to web, which completes.
#[test]
fn an_alarm_in_alarm_rolls_the_deployment_back() {
    let (o, c, _) = common::run(&scenario(""));
    assert_eq!(statuses(&o), [("web-v2", "COMPLETED", None)]);
    assert_eq!(c.taskdefs[c.services[0].taskdef as usize].family, "web-v2");
    let (o, c, _) = common::run(&scenario(CPU_HIGH));
    assert_eq!(
        statuses(&o),
        [
            ("web-v2", "ROLLED_BACK", None),
            ("web", "COMPLETED", Some(1))
        ]
    );
    // Failed within the 5-minute start-up: the two breaching minutes
    // are visible a minute after each ends.
    let failed = o.deployments[0].ended.unwrap();
    assert!(
        (3_600_000..3_600_000 + 300_000).contains(&failed),
        "{failed}"
    );
    assert_eq!(c.taskdefs[c.services[0].taskdef as usize].family, "web");
}

/// Without rollback the deployment is FAILED and the service keeps the new
/// revision; an alarm that never breaches (CPU above 100) changes nothing.
#[test]
fn without_rollback_it_fails_and_a_quiet_alarm_does_nothing() {
    let (o, _, _) = common::run(&scenario(
        &CPU_HIGH.replace("rollback = true", "rollback = false"),
    ));
    assert_eq!(statuses(&o), [("web-v2", "FAILED", None)]);
    let (o, _, _) = common::run(&scenario(
        &CPU_HIGH.replace("threshold = 90", "threshold = 100"),
    ));
    assert_eq!(statuses(&o), [("web-v2", "COMPLETED", None)]);
}

/// Alarms read the service's metrics: a service without a demand is refused.
#[test]
fn alarms_need_the_service_metrics() {
    let tmp = tempfile::tempdir().unwrap();
    let text = scenario(CPU_HIGH)
        .replace("capacity_per_task = 100\n", "")
        .replace("demand = { kind = \"constant\", value = 300 }\n", "");
    std::fs::write(tmp.path().join("s.toml"), text).unwrap();
    let o = common::ecsim_in(tmp.path(), &["validate", "s.toml"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("services[0].deployment_alarms") && err.contains("demand"),
        "{err}"
    );
}
