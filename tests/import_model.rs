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
