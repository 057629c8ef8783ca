//! `ecsim import`: a scenario from AWS CLI outputs, run as it is written;
//! task definitions from describe output, CloudFormation and Terraform;
//! `[[initial_tasks]]`; scripts/export-cluster.sh against a fake `aws`.

mod common;
// Task-definition forms and `[[initial_tasks]]`: a file of their own.
#[path = "import/forms.rs"]
mod forms;

use common::{ecsim_in, repo};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixture() -> PathBuf {
    repo().join("tests/fixtures/import/cluster")
}

fn text(o: &std::process::Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).to_string(),
        String::from_utf8_lossy(&o.stderr).to_string(),
    )
}

/// Imports `dir` into `out/prod.toml`; returns the scenario text and stderr.
fn import(dir: &Path, out: &Path) -> (String, String) {
    let o = ecsim_in(
        out,
        &["import", dir.to_str().unwrap(), "--out", "prod.toml"],
    );
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stdout}{stderr}");
    (
        std::fs::read_to_string(out.join("prod.toml")).unwrap(),
        stderr,
    )
}

fn csv_rows(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let head: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            head.iter()
                .cloned()
                .zip(rec.iter().map(String::from))
                .collect()
        })
        .collect()
}

#[test]
fn round_trip_imports_runs_and_starts_where_the_cluster_is() {
    let tmp = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let (toml, stderr) = import(&fixture(), tmp.path());
    eprintln!("import took {:?}", started.elapsed());
    // Every shape of the export reached the scenario.
    for want in [
        "name = \"prod-ecs-asg\"\ninstance_type = \"m5.large\"\ncount = 3\nmin_size = 2\nmax_size = 6", // ASG
        "instance_types = [\"m5.large\", \"m5a.large\"]", // MixedInstancesPolicy overrides
        "on_demand_base_capacity = 0\non_demand_percentage_above_base_capacity = 0\n", // all Spot
        "az_rebalance = false",                           // SuspendedProcesses
        "attributes = { team = \"platform\" }",           // container instance attributes
        "availability_zones = [\"us-west-2a\", \"us-west-2b\", \"us-west-2c\"]",
        "target_capacity = 90", // capacity provider managed scaling
        "instance_warmup_period = \"180s\"",
        "capacity_provider_strategy = [{ capacity_provider = \"prod-cp\", weight = 1 }]",
        "capacity_provider_strategy = [{ capacity_provider = \"FARGATE\", base = 1, weight = 1 }, { capacity_provider = \"FARGATE_SPOT\", weight = 3 }]",
        "placement_strategy = [{ type = \"spread\", field = \"attribute:ecs.availability-zone\" }, { type = \"binpack\", field = \"memory\" }]",
        "placement_constraints = [{ type = \"distinctInstance\" }, { type = \"memberOf\", expression = \"attribute:team == platform\" }]",
        "circuit_breaker = { enable = true, rollback = true }",
        "health_check_grace_period = \"60s\"",
        "scheduling_strategy = \"DAEMON\"",
        "min_capacity = 2\nmax_capacity = 12", // scalable target
        "metric = \"ECSServiceAverageCPUUtilization\"\ntarget = 60", // target tracking
        "[[services.autoscaling.target_tracking]]\n# target tracking policy web-requests\nname = \"web-requests\"\nmetric = \"ALBRequestCountPerTarget\"", // a second policy (issue 31 item 8)
        "comparison = \"GreaterThanOrEqualToThreshold\"\nthreshold = 70", // step policy + alarm
        "steps = [{ lower = 0, upper = 15, adjustment = 1 }, { lower = 15, adjustment = 2 }]",
        "at = \"08:00\"\nmin_capacity = 6", // scheduled action
        "demand = { kind = \"trace\", file = \"prod/traces/web.csv\" }", // get-metric-data
        "# demand of web: the ALB RequestCount",
        "# demand of worker: no ALB RequestCount in the export, so CPUUtilization",
        "[[initial_tasks]]\nservice = \"web\"\ninstance_group = \"prod-ecs-asg\"\ninstance = 0\ncount = 2",
        "file = \"prod/taskdefs/web-7.json\"",
    ] {
        assert!(toml.contains(want), "scenario lacks {want:?}:\n{toml}");
    }
    // What is not mapped is said, on stderr and in the scenario.
    for unmapped in [
        "service legacy: launch type EXTERNAL",
        "service api: Service Connect is not modelled",
        "task definition api:3: EFS volume shared is not modelled",
        "scheduled action black-friday",
        "1 standalone tasks",
    ] {
        assert!(
            stderr.contains(&format!("not mapped: {unmapped}"))
                || stderr
                    .lines()
                    .any(|l| l.starts_with("not mapped:") && l.contains(unmapped)),
            "stderr lacks {unmapped}:\n{stderr}"
        );
        assert!(toml.contains(unmapped), "scenario comments lack {unmapped}");
    }
    assert!(!toml.contains("name = \"legacy\""));

    // `ecsim run` runs it unchanged.
    let o = ecsim_in(tmp.path(), &["run", "prod.toml", "--out", "res", "-q"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let res = tmp.path().join("res");
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(res.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["initial_tasks_requested"], 6);
    assert_eq!(summary["initial_tasks_placed"], 6);
    for s in ["web", "api", "worker", "log-router"] {
        assert!(summary["services"][s].is_object(), "{s} missing in summary");
    }
    // The first minute looks like the real cluster: 5 instances, desired
    // counts as exported, the web and api tasks RUNNING at time 0.
    let ts = csv_rows(&res.join("timeseries.csv"));
    let t0 = &ts[0];
    assert_eq!(t0["time_s"], "0.000");
    assert_eq!(t0["web_desired"], "4");
    assert_eq!(t0["api_desired"], "2");
    assert_eq!(t0["worker_desired"], "3");
    assert_eq!(t0["web_running"], "4");
    assert_eq!(t0["api_running"], "2");
    assert_eq!(
        t0["log-router_running"], "5",
        "DAEMON tasks run on every instance at 0"
    );
    // The imported instances, by group and zone, as registered now (managed
    // scaling may add one at once: the provider's target is 90%).
    let insts = csv_rows(&res.join("instances.csv"));
    let first: Vec<(String, String)> = insts
        .iter()
        .take(5)
        .map(|r| (r["group"].clone(), r["availability_zone"].clone()))
        .collect();
    let want = [
        ("prod-ecs-asg", "us-west-2a"),
        ("prod-ecs-asg", "us-west-2b"),
        ("prod-ecs-asg", "us-west-2c"),
        ("prod-spot-asg", "us-west-2a"),
        ("prod-spot-asg", "us-west-2b"),
    ];
    assert_eq!(first, want.map(|(g, z)| (g.to_string(), z.to_string())));
    // Placement: web 2 + 1 + 1 on the first group's instances, api one on each Spot instance.
    let tasks = csv_rows(&res.join("tasks.csv"));
    let on = |svc: &str, inst: &str| {
        tasks
            .iter()
            .filter(|t| t["owner"] == svc && t["started_s"] == "0.000" && t["instance_id"] == inst)
            .count()
    };
    assert_eq!(on("web", "i-00000000000000001"), 2);
    assert_eq!(on("web", "i-00000000000000002"), 1);
    assert_eq!(on("web", "i-00000000000000003"), 1);
    assert_eq!(on("api", "i-00000000000000004"), 1);
    assert_eq!(on("api", "i-00000000000000005"), 1);
    // Policies act: target tracking on web, the 08:00 scheduled action, managed scaling.
    let scaling = std::fs::read_to_string(res.join("scaling.csv")).unwrap();
    assert!(
        scaling.contains(",service,web,target_tracking,"),
        "{scaling}"
    );
    // Both target tracking policies read (issue 31 item 8): the requests
    // one acts. At 08:00 the scheduled action raises web's minimum to 6,
    // unless the requests policy already holds it there.
    assert!(
        scaling.contains(",web-requests: ALBRequestCountPerTarget "),
        "{scaling}"
    );
    let web_before_8 = scaling
        .lines()
        .rev()
        .filter(|l| l.contains(",service,web,"))
        .find_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let t: f64 = f[0].parse().ok()?;
            (t < 28_800.0).then(|| f[5].parse::<u32>().unwrap())
        });
    assert!(
        scaling.contains("28800.000,service,web,scheduled,") || web_before_8 >= Some(6),
        "{scaling}"
    );
    assert!(
        scaling.contains(",capacity_provider,prod-cp,managed_scaling,"),
        "{scaling}"
    );
}

/// The file of the fixture holding `key`, its JSON, changed by `edit`.
fn broken(tmp: &Path, file: &str, edit: impl Fn(&mut Value)) -> PathBuf {
    let dir = tmp.join("export");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for e in std::fs::read_dir(fixture()).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
    }
    let path = dir.join(file);
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    edit(&mut v);
    std::fs::write(&path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    dir
}

fn set(v: &mut Value, pointer: &str, to: Value) {
    *v.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("{pointer}")) = to;
}

fn remove(v: &mut Value, pointer: &str) {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    v.pointer_mut(parent)
        .unwrap()
        .as_object_mut()
        .unwrap()
        .remove(key);
}

#[test]
fn bad_shapes_exit_2_naming_file_and_field() {
    let tmp = tempfile::tempdir().unwrap();
    type Edit = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Edit, &str)> = vec![
        (
            "describe-clusters.json",
            Box::new(|v| remove(v, "/clusters/0/clusterName")),
            "clusters[0]",
        ),
        (
            "describe-container-instances.json",
            Box::new(|v| set(v, "/containerInstances/1/attributes", Value::from("x"))),
            "containerInstances[1].attributes",
        ),
        (
            "describe-services.json",
            Box::new(|v| set(v, "/services/2/desiredCount", Value::from("four"))),
            "services[2].desiredCount",
        ),
        (
            "describe-task-definition-web.json",
            Box::new(|v| remove(v, "/taskDefinition/taskDefinitionArn")),
            "taskDefinition.taskDefinitionArn",
        ),
        (
            "describe-capacity-providers.json",
            Box::new(|v| {
                set(
                    v,
                    "/capacityProviders/0/autoScalingGroupProvider/managedScaling/targetCapacity",
                    Value::from("high"),
                )
            }),
            "capacityProviders[0].autoScalingGroupProvider.managedScaling.targetCapacity",
        ),
        (
            "describe-tasks.json",
            Box::new(|v| remove(v, "/tasks/3/taskArn")),
            "tasks[3]",
        ),
        (
            "describe-auto-scaling-groups.json",
            Box::new(|v| set(v, "/AutoScalingGroups/1/MinSize", Value::from("two"))),
            "AutoScalingGroups[1].MinSize",
        ),
        (
            "describe-scalable-targets.json",
            Box::new(|v| remove(v, "/ScalableTargets/0/MaxCapacity")),
            "ScalableTargets[0]",
        ),
        (
            "describe-scaling-policies.json",
            Box::new(|v| {
                set(
                    v,
                    "/ScalingPolicies/0/TargetTrackingScalingPolicyConfiguration/TargetValue",
                    Value::from("sixty"),
                )
            }),
            "ScalingPolicies[0].TargetTrackingScalingPolicyConfiguration.TargetValue",
        ),
        (
            "describe-scheduled-actions.json",
            Box::new(|v| remove(v, "/ScheduledActions/0/Schedule")),
            "ScheduledActions[0]",
        ),
        (
            "describe-alarms.json",
            Box::new(|v| set(v, "/MetricAlarms/0/Threshold", Value::Null)),
            "MetricAlarms[0].Threshold",
        ),
        (
            "get-metric-data-web.json",
            Box::new(|v| {
                v.pointer_mut("/MetricDataResults/0/Values")
                    .unwrap()
                    .as_array_mut()
                    .unwrap()
                    .pop()
                    .map(|_| ())
                    .unwrap()
            }),
            "MetricDataResults[0]",
        ),
        (
            "describe-services.json",
            Box::new(|v| {
                set(
                    v,
                    "/services/0/taskDefinition",
                    Value::from("arn:aws:ecs:us-west-2:123456789012:task-definition/web:99"),
                )
            }),
            "services[0].taskDefinition",
        ),
        (
            "describe-capacity-providers.json",
            Box::new(|v| {
                set(
                    v,
                    "/capacityProviders/0/autoScalingGroupProvider/autoScalingGroupArn",
                    Value::from(
                        "arn:aws:autoscaling:us-west-2:123456789012:autoScalingGroup:x:autoScalingGroupName/gone",
                    ),
                )
            }),
            "capacityProviders[0].autoScalingGroupProvider.autoScalingGroupArn",
        ),
    ];
    for (file, edit, field) in cases {
        let dir = broken(tmp.path(), file, edit);
        let o = ecsim_in(
            tmp.path(),
            &["import", dir.to_str().unwrap(), "--out", "x.toml"],
        );
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{file}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{file}: one line: {err}");
        assert!(
            err.contains(file) && err.contains(field),
            "{file}: {field} not named: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
    // Not JSON at all, an empty folder, a missing folder.
    let dir = broken(tmp.path(), "describe-services.json", |_| {});
    std::fs::write(dir.join("describe-services.json"), "{\"services\": [").unwrap();
    let o = ecsim_in(tmp.path(), &["import", dir.to_str().unwrap()]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("describe-services.json") && err.contains("not valid JSON"),
        "{err}"
    );
    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    for d in [empty, tmp.path().join("nowhere")] {
        let o = ecsim_in(tmp.path(), &["import", d.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    }
}

#[test]
fn export_script_makes_read_only_calls_and_imports_the_same() {
    let tmp = tempfile::tempdir().unwrap();
    let fake = repo().join("tests/fixtures/import/fake-aws/bin");
    let log = tmp.path().join("calls.log");
    let path = format!(
        "{}:{}",
        fake.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = tmp.path().join("export");
    let o = std::process::Command::new("bash")
        .arg(repo().join("scripts/export-cluster.sh"))
        .args(["prod", "--region", "us-west-2", "--days", "1", "--out"])
        .arg(&out)
        .env("PATH", &path)
        .env("FAKE_AWS_LOG", &log)
        .output()
        .unwrap();
    assert!(o.status.success(), "{:?}", text(&o));
    let calls = std::fs::read_to_string(&log).unwrap();
    assert!(calls.lines().count() >= 20, "{calls}");
    for line in calls.lines() {
        assert!(line.starts_with("--region us-west-2 "), "{line}");
        let cmd = line.split_whitespace().nth(5).unwrap();
        assert!(
            cmd.starts_with("describe-") || cmd.starts_with("list-") || cmd == "get-metric-data",
            "not a read-only call: {line}"
        );
    }
    for shape in [
        "describe-clusters --clusters prod --include SETTINGS CONFIGURATIONS",
        "ecs describe-container-instances",
        "ecs describe-services",
        "ecs describe-task-definition",
        "ecs describe-capacity-providers",
        // Every page: ECS returns 10 providers a page (issue 31, item 13).
        "ecs describe-capacity-providers --next-token page-2",
        "elbv2 describe-target-group-attributes --target-group-arn",
        "ecs describe-tasks",
        "autoscaling describe-auto-scaling-groups",
        "application-autoscaling describe-scalable-targets --service-namespace ecs",
        "application-autoscaling describe-scaling-policies --service-namespace ecs",
        "cloudwatch get-metric-data",
    ] {
        assert!(calls.contains(shape), "no {shape} call:\n{calls}");
    }
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    let body = |t: String| {
        t.lines()
            .filter(|l| !l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let (from_script, _) = import(&out, &a);
    let (from_fixture, _) = import(&fixture(), &b);
    assert_eq!(body(from_script), body(from_fixture));
    // A bad argument is refused before any call.
    let o = std::process::Command::new("bash")
        .arg(repo().join("scripts/export-cluster.sh"))
        .args(["prod", "--days", "many"])
        .env("PATH", &path)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn shipped_example_is_what_import_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let ex = repo().join("scenarios/import-example");
    // Run from the repository so the header names the same folder.
    let out = tmp.path().join("shop.toml");
    let o = ecsim_in(
        &repo(),
        &[
            "import",
            "scenarios/import-example/export",
            "--out",
            out.to_str().unwrap(),
            "-q",
        ],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let shipped = std::fs::read_to_string(ex.join("shop.toml")).unwrap();
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        shipped,
        "regenerate: ecsim import scenarios/import-example/export --out scenarios/import-example/shop.toml"
    );
    for sub in ["taskdefs", "traces"] {
        for e in std::fs::read_dir(tmp.path().join("shop").join(sub)).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap();
            assert_eq!(
                std::fs::read_to_string(&p).unwrap(),
                std::fs::read_to_string(ex.join("shop").join(sub).join(name)).unwrap(),
                "{}",
                p.display()
            );
        }
    }
    let o = ecsim_in(&repo(), &["validate", "scenarios/import-example/shop.toml"]);
    assert!(o.status.success(), "{:?}", text(&o));
}

#[test]
fn reference_examples_import_and_say_what_they_lack() {
    // The outputs printed in the AWS CLI's own examples, unchanged (old
    // shapes: no container instance attributes, no capacity providers on
    // the cluster): nothing is runnable on EC2, and each gap is said.
    let tmp = tempfile::tempdir().unwrap();
    let (toml, stderr) = import(&repo().join("tests/fixtures/import/reference"), tmp.path());
    for gap in [
        "container instance i-f3c1de3a: no ecs.instance-type",
        "capacity provider MyCapacityProvider: not attached to the cluster",
        "Auto Scaling group my-auto-scaling-group",
        "service my-http-service: runs on EC2, and no instance group could be imported",
        "1 running tasks of service:fargate-service",
    ] {
        assert!(stderr.contains(gap), "stderr lacks {gap}:\n{stderr}");
        assert!(toml.contains(gap), "scenario lacks {gap}");
    }
    let o = ecsim_in(tmp.path(), &["validate", "prod.toml"]);
    assert!(o.status.success(), "{:?}", text(&o));
}

#[test]
fn name_flag_and_out_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let o = ecsim_in(
        tmp.path(),
        &[
            "import",
            fixture().to_str().unwrap(),
            "--out",
            "what-if/zone.toml",
            "--name",
            "zone failure?",
            "-q",
        ],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let toml = std::fs::read_to_string(tmp.path().join("what-if/zone.toml")).unwrap();
    assert!(toml.contains("\nname = \"zone-failure-\"\n"), "{toml}");
    assert!(
        tmp.path()
            .join("what-if/zone/taskdefs/web-7.json")
            .is_file()
    );
    assert!(tmp.path().join("what-if/zone/traces/web.csv").is_file());
    // Quiet prints nothing on stdout; what is not mapped still goes to stderr.
    let (out, err) = text(&o);
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("not mapped: service legacy"), "{err}");
}

/// A target tracking policy on the 20-second metrics
/// (`ECSServiceAverageCPUUtilizationHighResolution`, "Faster auto scaling
/// with high-resolution metrics") comes across as such, not dropped as a
/// customized metric.
#[test]
fn high_resolution_target_tracking_is_imported() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("export");
    std::fs::create_dir(&dir).unwrap();
    for e in std::fs::read_dir(fixture()).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
        }
    }
    let policies = dir.join("describe-scaling-policies.json");
    let text = std::fs::read_to_string(&policies).unwrap();
    assert!(text.contains("\"ECSServiceAverageCPUUtilization\""));
    std::fs::write(
        &policies,
        text.replacen(
            "\"ECSServiceAverageCPUUtilization\"",
            "\"ECSServiceAverageCPUUtilizationHighResolution\"",
            1,
        ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let (scenario, stderr) = import(&dir, &out);
    assert!(
        scenario.contains("ECSServiceAverageCPUUtilizationHighResolution"),
        "{scenario}"
    );
    assert!(!stderr.contains("customized metric"), "{stderr}");
    let run = ecsim_in(&out, &["validate", "prod.toml"]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}
