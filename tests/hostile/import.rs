//! Hostile exports for `ecsim import` (issue 29, items 1-3, 6-10, 14, 17):
//! each is refused in one line naming the file and field, within bounded
//! memory and time, writing nothing and changing nothing ecsim did not write.

use super::{bounded, code, dir_with, stderr};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Output;

/// Half of `bounded`'s limit: ecsim imports the fixture in far less, and
/// parsing any of the generated files below once took more.
const SMALL_KB: u64 = 400_000;

fn small(dir: &Path, args: &[&str]) -> Output {
    super::bounded_kb(dir, SMALL_KB, args)
}

fn fixture() -> PathBuf {
    super::common::repo().join("tests/fixtures/import/cluster")
}

/// A copy of the fixture export in `tmp/export`, with `edit` applied to `file`.
fn export_with(tmp: &Path, file: &str, edit: impl Fn(&mut Value)) -> PathBuf {
    let dir = tmp.join("export");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for e in std::fs::read_dir(fixture()).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.join(e.file_name())).unwrap();
    }
    let path = dir.join(file);
    let mut v: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    edit(&mut v);
    std::fs::write(&path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    dir
}

fn one_line_exit_2(o: &Output, wants: &[&str]) -> String {
    let err = code(o, 2);
    let errors: Vec<&str> = err
        .lines()
        .filter(|l| !l.starts_with("not mapped"))
        .collect();
    assert_eq!(errors.len(), 1, "one line: {err}");
    for w in wants {
        assert!(errors[0].contains(w), "{w} not in: {err}");
    }
    errors[0].to_string()
}

fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            out.extend(files_under(&e.path()));
        } else {
            out.push(e.path().display().to_string());
        }
    }
    out
}

/// Item 1: one CloudWatch point dated year 1 (or 1970) beside 1-minute
/// points once made import pad a billion steps (an 8.5 GB abort): it is
/// refused, naming file, metric and point index.
#[test]
fn stray_metric_timestamps_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    for stray in ["0001-01-01T00:00:00Z", "1970-01-01T00:00:00Z"] {
        let dir = export_with(tmp.path(), "get-metric-data-web.json", |v| {
            let r = &mut v["MetricDataResults"][0];
            r["Timestamps"].as_array_mut().unwrap().push(json!(stray));
            r["Values"].as_array_mut().unwrap().push(json!(1.0));
        });
        let n = {
            let v: Value = serde_json::from_slice(
                &std::fs::read(dir.join("get-metric-data-web.json")).unwrap(),
            )
            .unwrap();
            v["MetricDataResults"][0]["Timestamps"]
                .as_array()
                .unwrap()
                .len()
                - 1
        };
        let o = bounded(tmp.path(), &["import", "export", "--out", "out/x.toml"]);
        one_line_exit_2(
            &o,
            &[
                "get-metric-data-web.json",
                &format!("MetricDataResults[0].Timestamps[{n}]"),
                "web RequestCount",
                "at most 400 days",
            ],
        );
        assert!(!tmp.path().join("out").exists());
    }
}

/// Item 2: a parsed JSON value costs 20-30× its text; lists are counted
/// while the text streams past, so 14 million `{}` services (or `[]`s)
/// are refused at the cost of the text, under a 400 MB limit that parsing
/// them once broke (memory allocation failed, exit 134).
#[test]
fn huge_json_lists_are_refused_before_they_are_built() {
    let tmp = tempfile::tempdir().unwrap();
    let export = tmp.path().join("export");
    std::fs::create_dir_all(&export).unwrap();
    let body = "{},".repeat(14_000_000);
    std::fs::write(
        export.join("describe-services.json"),
        format!("{{\"services\": [{body}{{}}]}}"),
    )
    .unwrap();
    let o = small(tmp.path(), &["import", "export"]);
    one_line_exit_2(
        &o,
        &[
            "describe-services.json: services:",
            "more than 50000 entries",
            "5000 services per cluster",
        ],
    );
    std::fs::write(
        export.join("describe-services.json"),
        format!("[{}[]]", "[],".repeat(14_000_000)),
    )
    .unwrap();
    let o = small(tmp.path(), &["import", "export"]);
    one_line_exit_2(&o, &["describe-services.json", "more than 600000 entries"]);
}

/// Items 3 and 17: counts are checked against the scenario's limits before
/// anything is sized by them (DesiredCapacity 4e9 once allocated 4 GB;
/// 1e18 was truncated), and what AWS never prints (a negative count,
/// MinSize above MaxSize) is refused, not quietly turned into 0 or 3/3.
#[test]
fn counts_are_checked_before_they_allocate() {
    let tmp = tempfile::tempdir().unwrap();
    let asgs = "describe-auto-scaling-groups.json";
    let cases: Vec<(&str, &str, Value, &str)> = vec![
        (
            asgs,
            "/AutoScalingGroups/1/DesiredCapacity",
            json!(4_000_000_000_i64),
            "AutoScalingGroups[1].DesiredCapacity",
        ),
        (
            asgs,
            "/AutoScalingGroups/1/MaxSize",
            json!(1_000_000_000_000_000_000_i64),
            "AutoScalingGroups[1].MaxSize",
        ),
        (
            asgs,
            "/AutoScalingGroups/1/MinSize",
            json!(9),
            "AutoScalingGroups[1].MinSize",
        ),
        (
            "describe-services.json",
            "/services/0/desiredCount",
            json!(-5),
            "services[0].desiredCount",
        ),
        (
            "describe-services.json",
            "/services/0/desiredCount",
            json!(1_000_000_000_000_000_000_i64),
            "services[0].desiredCount",
        ),
    ];
    for (file, pointer, value, field) in cases {
        let dir = export_with(tmp.path(), file, |v| {
            *v.pointer_mut(pointer).unwrap() = value.clone();
        });
        let o = bounded(
            tmp.path(),
            &["import", dir.to_str().unwrap(), "--out", "out/x.toml"],
        );
        one_line_exit_2(&o, &[file, field]);
        assert!(!tmp.path().join("out").exists(), "{field}: nothing written");
    }
}

/// Item 6: YAML nested 200,000 `[` deep (400 KB) once took minutes to
/// parse; nesting is capped before the parser sees it.
#[test]
fn deep_yaml_is_refused_before_parsing() {
    let scenario = super::DAY.replace(
        "family = \"web\"\ncpu = 256\nmemory = 512",
        "family = \"web\"\nfile = \"td.yaml\"",
    );
    for yaml in [
        format!("Resources:\n  T: {}", "[".repeat(200_000)),
        format!("Resources:\n  T:\n{}x\n", "- ".repeat(200_000)),
    ] {
        let d = dir_with(&[("s.toml", &scenario), ("td.yaml", &yaml)]);
        let o = bounded(d.path(), &["validate", "s.toml"]);
        one_line_exit_2(&o, &["td.yaml", "nested more than 128 deep"]);
    }
}

/// Item 7: `import --out` replaces an existing file only with --force, and
/// never an export file or through a symbolic link.
#[test]
fn import_never_overwrites_what_it_did_not_write() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let export = export_with(t, "describe-clusters.json", |_| {});
    let ex = export.to_str().unwrap();
    std::fs::write(t.join("mine.toml"), "user data").unwrap();
    let o = bounded(t, &["import", ex, "--out", "mine.toml"]);
    one_line_exit_2(&o, &["mine.toml", "--force"]);
    assert_eq!(
        std::fs::read_to_string(t.join("mine.toml")).unwrap(),
        "user data"
    );
    assert!(!t.join("mine").exists(), "nothing written beside it");
    // A user file where import would put a task definition.
    std::fs::create_dir_all(t.join("p/taskdefs")).unwrap();
    std::fs::write(t.join("p/taskdefs/web-7.json"), "user data").unwrap();
    let o = bounded(t, &["import", ex, "--out", "p.toml"]);
    one_line_exit_2(&o, &["p/taskdefs/web-7.json", "--force"]);
    assert_eq!(
        std::fs::read_to_string(t.join("p/taskdefs/web-7.json")).unwrap(),
        "user data"
    );
    assert!(!t.join("p.toml").exists());
    // --force replaces them (an earlier import, or files the user gives up).
    code(
        &bounded(t, &["import", ex, "--out", "p.toml", "--force", "-q"]),
        0,
    );
    assert!(
        std::fs::read_to_string(t.join("p/taskdefs/web-7.json"))
            .unwrap()
            .contains("containerDefinitions")
    );
    // Never an export file, never through a symbolic link, even with --force.
    let input = export.join("describe-clusters.json");
    let before = std::fs::read(&input).unwrap();
    let o = bounded(
        t,
        &["import", ex, "--out", input.to_str().unwrap(), "--force"],
    );
    one_line_exit_2(&o, &["describe-clusters.json", "never replaces its input"]);
    std::os::unix::fs::symlink(t.join("mine.toml"), t.join("link.toml")).unwrap();
    let o = bounded(t, &["import", ex, "--out", "link.toml", "--force"]);
    one_line_exit_2(&o, &["link.toml", "symbolic link"]);
    std::os::unix::fs::symlink(t.join("elsewhere"), t.join("q")).unwrap();
    std::fs::create_dir_all(t.join("elsewhere")).unwrap();
    let o = bounded(t, &["import", ex, "--out", "q.toml", "--force"]);
    one_line_exit_2(&o, &["symbolic link"]);
    assert_eq!(std::fs::read(&input).unwrap(), before);
    assert_eq!(
        std::fs::read_to_string(t.join("mine.toml")).unwrap(),
        "user data"
    );
    assert!(files_under(&t.join("elsewhere")).is_empty());
}

/// Item 8: a scenario that would not load is refused before anything is
/// written, naming the export file and field it came from.
#[test]
fn import_that_fails_its_check_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = export_with(tmp.path(), "describe-services.json", |v| {
        v["services"][0]["deploymentConfiguration"]["maximumPercent"] = json!(1_000_000);
    });
    for out in ["x.toml", "out/x.toml"] {
        let o = bounded(tmp.path(), &["import", dir.to_str().unwrap(), "--out", out]);
        let line = one_line_exit_2(
            &o,
            &[
                "describe-services.json: services[0].deploymentConfiguration.maximumPercent",
                "nothing was written",
            ],
        );
        assert!(!line.contains("x.toml:"), "{line}");
        let left: Vec<String> = files_under(tmp.path())
            .into_iter()
            .filter(|f| !f.contains("/export/"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }
}

/// Item 9: two service names that agree in their first 100 characters get
/// a trace file each (one service once replayed the other's demand).
#[test]
fn long_service_names_get_their_own_traces() {
    let tmp = tempfile::tempdir().unwrap();
    let long = |s: &str| format!("{}{s}", "s".repeat(120));
    let rename = |v: &mut Value, key: &str| {
        let text = serde_json::to_string(v).unwrap();
        let text = text
            .replace("\"web\"", &format!("\"{}\"", long("web")))
            .replace("\"worker\"", &format!("\"{}\"", long("worker")))
            .replace("\"web ", &format!("\"{} ", long("web")))
            .replace("\"worker ", &format!("\"{} ", long("worker")));
        *v = serde_json::from_str(&text).unwrap();
        let _ = key;
    };
    let dir = export_with(tmp.path(), "describe-services.json", |v| {
        rename(v, "services")
    });
    for f in ["get-metric-data-web.json", "get-metric-data-worker.json"] {
        let p = dir.join(f);
        let mut v: Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
        rename(&mut v, "MetricDataResults");
        std::fs::write(&p, serde_json::to_string(&v).unwrap()).unwrap();
    }
    let o = bounded(
        tmp.path(),
        &["import", dir.to_str().unwrap(), "--out", "x.toml", "-q"],
    );
    code(&o, 0);
    let toml = std::fs::read_to_string(tmp.path().join("x.toml")).unwrap();
    let traces: std::collections::BTreeSet<&str> = toml
        .lines()
        .filter_map(|l| l.split("file = \"").nth(1))
        .filter(|f| f.contains("/traces/"))
        .collect();
    assert_eq!(traces.len(), 2, "{traces:?}");
    assert_eq!(files_under(&tmp.path().join("x/traces")).len(), 2);
}

/// Item 10: a UTF-8 byte order mark is not content, in an export file,
/// a scenario or a task definition.
#[test]
fn byte_order_marks_are_accepted() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = export_with(tmp.path(), "describe-clusters.json", |_| {});
    for f in [
        "describe-services.json",
        "describe-task-definition-web.json",
    ] {
        let p = dir.join(f);
        let text = std::fs::read_to_string(&p).unwrap();
        std::fs::write(&p, format!("\u{feff}{text}")).unwrap();
    }
    code(
        &bounded(
            tmp.path(),
            &["import", dir.to_str().unwrap(), "--out", "x.toml", "-q"],
        ),
        0,
    );
    let td = r#"{"family": "web", "cpu": "256", "memory": "512", "containerDefinitions": [{"name": "a", "image": "i"}]}"#;
    let scenario = super::DAY.replace(
        "family = \"web\"\ncpu = 256\nmemory = 512",
        "family = \"web\"\nfile = \"td.json\"",
    );
    let d = dir_with(&[
        ("s.toml", &format!("\u{feff}{scenario}")),
        ("td.json", &format!("\u{feff}{td}")),
    ]);
    code(&bounded(d.path(), &["validate", "s.toml"]), 0);
}

/// Item 14: errors say the field, the kind expected and where, never the
/// value found (it may be a secret) nor a Rust type name.
#[test]
fn errors_never_echo_values_or_rust_types() {
    let secret = "AKIAIOSFODNN7EXAMPLE";
    let tmp = tempfile::tempdir().unwrap();
    let dir = export_with(tmp.path(), "describe-services.json", |v| {
        v["services"][0]["desiredCount"] = json!(secret);
    });
    let line = one_line_exit_2(
        &bounded(tmp.path(), &["import", dir.to_str().unwrap()]),
        &[
            "services[0].desiredCount",
            "found a string, expected an integer",
        ],
    );
    assert!(!line.contains("AKIA"), "{line}");
    let scenario = super::DAY.replace(
        "family = \"web\"\ncpu = 256\nmemory = 512",
        "family = \"web\"\nfile = \"td.json\"",
    );
    for (td, field) in [
        (format!(r#"{{"family": "web", "cpu": "256", "memory": "512", "containerDefinitions": [{{"name": "a", "image": "i", "memoryReservation": "{secret}"}}]}}"#), "containerDefinitions[0].memoryReservation"),
        (r#"{"family": "web", "cpu": [1], "memory": "512", "containerDefinitions": [{"name": "a", "image": "i"}]}"#.to_string(), "cpu"),
    ] {
        let d = dir_with(&[("s.toml", &scenario), ("td.json", &td)]);
        let line = one_line_exit_2(&bounded(d.path(), &["validate", "s.toml"]), &["td.json", field, "expected"]);
        for bad in ["AKIA", "StrOrNum", "i64", "u32"] {
            assert!(!line.contains(bad), "{bad}: {line}");
        }
    }
    let d = dir_with(&[(
        "s.toml",
        &super::DAY.replace(
            "desired_count = 2",
            &format!("desired_count = \"{secret}\""),
        ),
    )]);
    let line = one_line_exit_2(
        &bounded(d.path(), &["validate", "s.toml"]),
        &["desired_count", "expected"],
    );
    assert!(!line.contains("AKIA") && !line.contains("i64"), "{line}");
    let _ = stderr;
}
