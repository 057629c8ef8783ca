//! The command line: bad input gets one clear message naming the file and
//! field, exit code 2, no panic and no results folder. Good input's results
//! folder, progress and outputs: tests/cli_results.rs.

mod common;
use common::{GOOD, ecsim_in as ecsim};

/// Writes `text` as s.toml in a fresh folder, runs it, and checks the failure.
fn rejects(text: &str, field: &str, words: &str) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), text).unwrap();
    let out = ecsim(dir.path(), &["run", "s.toml", "--out", "res/x"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "exit code for {field}: {err}");
    assert!(err.starts_with("error: s.toml: "), "names the file: {err}");
    assert!(err.contains(field), "names the field `{field}`: {err}");
    assert!(err.contains(words), "says `{words}`: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err.lines().count(), 1, "one message: {err}");
    assert!(
        !dir.path().join("res").exists(),
        "no result folder for bad input"
    );
    let v = ecsim(dir.path(), &["validate", "s.toml"]);
    assert_eq!(v.status.code(), Some(2));
}

#[test]
fn good_scenario_runs_and_validates() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), GOOD).unwrap();
    let v = ecsim(dir.path(), &["validate", "s.toml"]);
    assert_eq!(
        v.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&v.stderr)
    );
    let out = ecsim(dir.path(), &["run", "s.toml"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let res = dir.path().join("results/ok");
    for f in [
        "summary.json",
        "tasks.csv",
        "instances.csv",
        "timeseries.csv",
    ] {
        assert!(res.join(f).is_file(), "{f}");
    }
    // Nothing staged is left beside the result.
    let names: Vec<String> = std::fs::read_dir(dir.path().join("results"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["ok".to_string()]);
    // A second run replaces the first in place.
    let again = ecsim(dir.path(), &["run", "s.toml", "-q"]);
    assert_eq!(again.status.code(), Some(0));
    assert!(again.stdout.is_empty());
    let summary = std::fs::read_to_string(res.join("summary.json")).unwrap();
    assert!(!summary.contains("\"seed\": 9"), "{summary}");
}

#[test]
fn missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = ecsim(dir.path(), &["run", "nope.toml"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        err.contains("nope.toml") && err.contains("cannot read"),
        "{err}"
    );
    assert!(!dir.path().join("results").exists());
}

#[test]
fn toml_syntax_error() {
    // Both `count = 2` lines become `count = = 2`; the first is line 9.
    rejects(
        &GOOD.replace("count = 2", "count = = 2"),
        "(line 9, column 9)",
        "extra `=`",
    );
}

#[test]
fn unknown_field() {
    rejects(
        &GOOD.replace("count = 2", "count = 2\ninstanse_type = \"x\""),
        "instance_groups[0]",
        "unknown field `instanse_type`",
    );
}

#[test]
fn wrong_type() {
    rejects(
        &GOOD.replace("desired_count = 2", "desired_count = \"two\""),
        "services[0].desired_count",
        "expected a whole number",
    );
}

#[test]
fn negative_count() {
    rejects(
        &GOOD.replace("count = 2\n[[task", "count = -3\n[[task"),
        "instance_groups[0].count",
        "must be 0 or more, got -3",
    );
}

#[test]
fn unknown_task_definition() {
    rejects(
        &GOOD.replace("task_definition = \"web\"", "task_definition = \"wbe\""),
        "services[0].task_definition",
        "unknown task definition \"wbe\"; defined: web",
    );
}

#[test]
fn unknown_instance_type() {
    rejects(
        &GOOD.replace("m5.large", "m5.huge"),
        "instance_groups[0].instance_type",
        "known m5 sizes: m5.large",
    );
}

#[test]
fn task_that_never_fits() {
    rejects(
        &GOOD.replace("memory = 512", "memory = 9000"),
        "services[0].task_definition",
        "no instance can ever provide",
    );
}

#[test]
fn bad_duration_and_distribution() {
    rejects(
        &GOOD.replace("duration = \"1h\"", "duration = \"1 hour\""),
        "duration",
        "invalid duration",
    );
    rejects(
        &format!(
            "{GOOD}[[jobs]]\nname = \"j\"\ntask_definition = \"web\"\narrivals = {{ kind = \"poisson\", rate_per_hour = 1 }}\nduration = {{ kind = \"gamma\", mean = \"1m\" }}\n"
        ),
        "jobs[0].duration",
        "unknown distribution kind \"gamma\"",
    );
    rejects(
        &format!(
            "{GOOD}[[jobs]]\nname = \"j\"\ntask_definition = \"web\"\narrivals = {{ kind = \"poisson\", rate_per_hour = -1 }}\nduration = {{ kind = \"constant\", value = \"1m\" }}\n"
        ),
        "jobs[0].arrivals.rate_per_hour",
        "above 0",
    );
}

#[test]
fn bad_placement() {
    rejects(
        &GOOD.replace("desired_count = 2", "desired_count = 2\nplacement_constraints = [{ type = \"memberOf\", expression = \"attribute:ecs.instance-type ~= m5.*\" }]"),
        "services[0].placement_constraints[0].expression",
        "expected an operator",
    );
    rejects(
        &GOOD.replace(
            "desired_count = 2",
            "desired_count = 2\nplacement_strategy = [{ type = \"binpack\", field = \"disk\" }]",
        ),
        "services[0].placement_strategy[0].field",
        "\"cpu\" or \"memory\"",
    );
    rejects(
        &GOOD.replace(
            "desired_count = 2",
            "scheduling_strategy = \"DAEMON\"\nplacement_strategy = [{ type = \"random\" }]",
        ),
        "services[0].placement_strategy",
        "DAEMON services do not support placement strategies",
    );
}

#[test]
fn bad_task_definition_json() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("td.json"), r#"{"family": "web", "cpu": "lots", "containerDefinitions": [{"name": "a", "memory": 256}]}"#).unwrap();
    std::fs::write(
        dir.path().join("s.toml"),
        GOOD.replace(
            "family = \"web\"\ncpu = 256\nmemory = 512",
            "file = \"td.json\"",
        ),
    )
    .unwrap();
    let out = ecsim(dir.path(), &["run", "s.toml", "--out", "r"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("td.json: cpu: cannot read \"lots\""), "{err}");
    assert!(!dir.path().join("r").exists());
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(ecsim(dir.path(), &["fly"]).status.code(), Some(2));
    let help = ecsim(dir.path(), &["--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains("Examples:"));
    let bad = ecsim(dir.path(), &["run", "x.toml", "--format", "xlsx"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr)
            .contains("\"xlsx\" is not a format; choose csv or parquet"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}

const FARGATE: &str = r#"
name = "f"
duration = "1h"
[cluster]
availability_zones = ["us-east-1a", "us-east-1b"]
[[task_definitions]]
family = "web"
cpu = 1024
memory = 2048
[[services]]
name = "web"
task_definition = "web"
desired_count = 2
launch_type = "FARGATE"
"#;

#[test]
fn invalid_fargate_size_names_nearest() {
    rejects(
        &FARGATE.replace("memory = 2048", "memory = 1024"),
        "services[0].task_definition",
        "with 1 vCPU Fargate offers 2–8 GB in 1 GB steps; nearest valid: 1 vCPU / 2 GB",
    );
    rejects(
        &FARGATE.replace("cpu = 1024", "cpu = 1000"),
        "services[0].task_definition",
        "CPU must be 256, 512",
    );
    rejects(
        &FARGATE.replace(
            "desired_count = 2",
            "desired_count = 2\nplacement_strategy = [{ type = \"random\" }]",
        ),
        "services[0].placement_strategy",
        "Fargate does not support placement strategies",
    );
    rejects(
        &FARGATE.replace("launch_type = \"FARGATE\"", "capacity_provider_strategy = [{ capacity_provider = \"FARGATE\", base = 1 }, { capacity_provider = \"FARGATE_SPOT\", base = 1, weight = 1 }]"),
        "services[0].capacity_provider_strategy",
        "only one capacity provider may have a base",
    );
}

#[test]
fn unknown_region() {
    rejects(
        &FARGATE.replace("name = \"f\"", "name = \"f\"\nregion = \"mars-north-1\""),
        "region",
        "no prices for region \"mars-north-1\"",
    );
}

/// A price file that overrides the catalog: a missing instance type or a
/// negative price is an input error naming the price file.
#[test]
fn price_file_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("s.toml"),
        GOOD.replace("name = \"ok\"", "name = \"ok\"\nregion = \"eu-south-9\""),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("p.csv"),
        "region,product,key,unit,usd\neu-south-9,ec2,m5.xlarge,hour,0.2\n",
    )
    .unwrap();
    let out = ecsim(
        dir.path(),
        &["run", "s.toml", "--prices", "p.csv", "--out", "r"],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("p.csv") && err.contains("instance type m5.large"),
        "{err}"
    );
    assert!(!dir.path().join("r").exists());
    std::fs::write(
        dir.path().join("p.csv"),
        "region,product,key,unit,usd\neu-south-9,ec2,m5.large,hour,-0.2\n",
    )
    .unwrap();
    let out = ecsim(dir.path(), &["price", "s.toml", "--prices", "p.csv"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("p.csv: line 2: usd: a price is negative"),
        "{err}"
    );
    // With a valid row the same scenario runs in the new region.
    std::fs::write(
        dir.path().join("p.csv"),
        "region,product,key,unit,usd\neu-south-9,ec2,m5.large,hour,0.1\n",
    )
    .unwrap();
    let out = ecsim(
        dir.path(),
        &["price", "s.toml", "--prices", "p.csv", "--format", "csv"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = String::from_utf8_lossy(&out.stdout);
    // Two m5.large for one hour at $0.10: the rows add up to it, and no
    // total row is among them to be counted twice.
    let sum: f64 = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(3).unwrap().parse::<f64>().unwrap())
        .sum();
    assert!((sum - 0.2).abs() < 1e-4, "{csv}");
    assert!(!csv.lines().any(|l| l.starts_with("total,")), "{csv}");
}

#[test]
fn price_formats() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), FARGATE).unwrap();
    let table = ecsim(dir.path(), &["price", "s.toml"]);
    assert_eq!(table.status.code(), Some(0));
    let t = String::from_utf8_lossy(&table.stdout);
    assert!(
        t.contains("per month USD") && t.contains("web") && t.contains("FARGATE"),
        "{t}"
    );
    let json = ecsim(dir.path(), &["price", "s.toml", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let total = v["total_simulated_usd"].as_f64().unwrap();
    // Two tasks of 1 vCPU / 2 GB for just under an hour (start-up time is not billed).
    assert!(
        total < 2.0 * 0.04937 && total > 2.0 * 0.04937 * 0.97,
        "{total}"
    );
    assert!((v["total_monthly_usd"].as_f64().unwrap() - total * 730.0).abs() < 1e-6);
    assert!(!dir.path().join("results").exists(), "price writes nothing");
    assert_eq!(
        ecsim(dir.path(), &["price", "s.toml", "--format", "xml"])
            .status
            .code(),
        Some(2)
    );
}
#[test]
fn absurd_duration_is_refused() {
    rejects(
        &GOOD.replace("duration = \"1h\"", "duration = \"106751991d\""),
        "duration",
        "at most 400d",
    );
}

/// A scenario whose size means hours of work is refused up front with the
/// estimate; `--force` runs it anyway.
#[test]
fn oversized_runs_need_force() {
    let text = GOOD.replace("duration = \"1h\"", "duration = \"300d\"")
        + "[[jobs]]\nname = \"j\"\ntask_definition = \"web\"\narrivals = { kind = \"poisson\", rate_per_hour = 1e9 }\nduration = { kind = \"constant\", value = \"1m\" }\n";
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), &text).unwrap();
    let out = ecsim(dir.path(), &["run", "s.toml", "--out", "r"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("would process about") && err.contains("--force"),
        "{err}"
    );
    assert!(!dir.path().join("r").exists());
    let out = ecsim(dir.path(), &["price", "s.toml"]);
    assert_eq!(out.status.code(), Some(2));
}
/// ContainerDefinition stopTimeout: Fargate allows at most 120 s (API
/// reference, ContainerDefinition); ecsim refuses more rather than cap it.
/// On EC2 a longer one stands (the agent's ECS_CONTAINER_STOP_TIMEOUT rules).
#[test]
fn fargate_stop_timeout_is_at_most_120_s() {
    let fargate = GOOD.replace(
        "desired_count = 2",
        "desired_count = 2\nlaunch_type = \"FARGATE\"",
    );
    let with = |text: &str, t: &str| {
        text.replace(
            "memory = 512",
            &format!("memory = 512\nstop_timeout = \"{t}\""),
        )
    };
    rejects(
        &with(&fargate, "121s"),
        "services[0].task_definition",
        "stop timeout of 121 s; Fargate allows at most 120 s",
    );
    let dir = tempfile::tempdir().unwrap();
    for text in [with(&fargate, "120s"), with(GOOD, "300s")] {
        std::fs::write(dir.path().join("s.toml"), text).unwrap();
        let out = ecsim(dir.path(), &["validate", "s.toml"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
