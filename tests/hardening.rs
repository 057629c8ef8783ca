//! Resource safety: `--max-wall` ends a run cleanly with partial results
//! (exit 3), and folders left by killed runs are cleaned up.

use ecsim::billing::PriceBook;
use ecsim::run::{RunOptions, run_to_dir_with};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

mod common;
use common::{GOOD, ecsim_in as ecsim};

fn summary(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("summary.json")).unwrap()).unwrap()
}

/// A limit of 0 stops before the first event, whatever the machine's
/// speed: the results are written, committed and marked partial, and the
/// exit code is 3. A complete run says `"partial": false`.
#[test]
fn max_wall_zero_writes_partial_results() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), GOOD).unwrap();
    let full = ecsim(dir.path(), &["run", "s.toml", "--out", "r", "-q"]);
    assert_eq!(full.status.code(), Some(0));
    assert_eq!(summary(&dir.path().join("r"))["partial"], false);

    let out = ecsim(
        dir.path(),
        &["run", "s.toml", "--out", "r", "--max-wall", "0s"],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("results are partial"), "{err}");
    let r = dir.path().join("r");
    let s = summary(&r);
    assert_eq!(s["partial"], true);
    assert!(
        s["partial_reason"]
            .as_str()
            .unwrap()
            .contains("wall-clock limit"),
        "{s}"
    );
    assert_eq!(s["sim_duration_s"], 0.0);
    assert_eq!(s["requested_duration_s"], 3600.0);
    assert_eq!(s["events_processed"], 0);
    // Both service tasks were launched at time 0 and are written as still
    // alive (no stop time, last status not STOPPED).
    let tasks = std::fs::read_to_string(r.join("tasks.csv")).unwrap();
    let rows: Vec<&str> = tasks.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "{tasks}");
    for row in &rows {
        // Column 15 is last_status (columns added later follow it).
        assert_ne!(row.split(',').nth(14), Some("STOPPED"), "{row}");
    }
    // The instances are billed up to the cut (nothing, at 0: the 60 s
    // minimum applies only once a resource's life is over) and marked as
    // running at the end.
    let cost = std::fs::read_to_string(r.join("cost.csv")).unwrap();
    let ec2: Vec<&str> = cost
        .lines()
        .filter(|l| l.contains(",ec2_instance,"))
        .collect();
    assert_eq!(ec2.len(), 2, "{cost}");
    assert!(ec2.iter().all(|l| l.ends_with(",true")), "{cost}");
    assert!(
        ec2.iter().all(|l| l.contains(",0.000,0.000,0.000,")),
        "{cost}"
    );
    // The hourly series stops at the cut: one row.
    let hourly = std::fs::read_to_string(r.join("cost_timeseries.csv")).unwrap();
    assert_eq!(hourly.lines().count(), 2, "{hourly}");
    let hidden: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(hidden.is_empty(), "{hidden:?}");

    let price = ecsim(
        dir.path(),
        &["price", "s.toml", "--max-wall", "0ms", "--format", "json"],
    );
    assert_eq!(price.status.code(), Some(3));
    let p: serde_json::Value = serde_json::from_slice(&price.stdout).unwrap();
    assert_eq!(p["partial"], true);
    assert!(p["total_monthly_usd"].as_f64().unwrap().is_finite());
}

/// The limit is a library option (what `sweep` passes per run); a run cut
/// at 0 is as deterministic as a complete one.
#[test]
fn wall_limit_is_a_library_option_and_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.toml");
    let sc = ecsim::scenario::parse(&file, GOOD).unwrap();
    let opts = RunOptions {
        max_wall: Some(Duration::ZERO),
        ..Default::default()
    };
    let book = PriceBook::shipped();
    let a = run_to_dir_with(&sc, 1, &book, &dir.path().join("a"), &opts).unwrap();
    let b = run_to_dir_with(&sc, 1, &book, &dir.path().join("b"), &opts).unwrap();
    assert!(a.partial && b.partial);
    for f in ["tasks.csv", "cost.csv", "instances.csv", "timeseries.csv"] {
        assert_eq!(
            std::fs::read(dir.path().join("a").join(f)).unwrap(),
            std::fs::read(dir.path().join("b").join(f)).unwrap(),
            "{f}"
        );
    }
    let none = run_to_dir_with(&sc, 1, &book, &dir.path().join("c"), &RunOptions::default());
    let none = none.unwrap();
    assert!(!none.partial && none.partial_reason.is_none());
    assert_eq!(none.sim_duration_s, 3600.0);
}

/// A SIGKILLed run leaves `.NAME.tmp-PID` beside the results; the next run
/// of that target removes it when PID is dead, and leaves a live
/// process's folder and other targets' folders alone.
#[test]
fn stale_staging_folders_are_removed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), GOOD).unwrap();
    // Above Linux's largest pid_max (2^22), so never a live process.
    let dead = 999_999_999u32;
    let live = std::process::id();
    for name in [
        format!(".r.tmp-{dead}"),
        format!(".r.old-{dead}"),
        format!(".r.tmp-{live}"),
        format!(".other.tmp-{dead}"),
    ] {
        std::fs::create_dir(dir.path().join(&name)).unwrap();
        std::fs::write(dir.path().join(&name).join("tasks.csv"), "x").unwrap();
        // As ecsim leaves them: a staging folder holds its mark, a result
        // moved aside its summary (issue 29 item 12: only these are ecsim's).
        let mark = if name.contains(".tmp-") {
            ".ecsim-staging"
        } else {
            "summary.json"
        };
        std::fs::write(dir.path().join(name).join(mark), "").unwrap();
    }
    // Killed between creating its staging folder and writing the mark:
    // empty, so it goes; an unmarked one holding files is not ecsim's.
    let (empty, unmarked) = (dead - 1, dead - 2);
    std::fs::create_dir(dir.path().join(format!(".r.tmp-{empty}"))).unwrap();
    std::fs::create_dir(dir.path().join(format!(".r.tmp-{unmarked}"))).unwrap();
    std::fs::write(dir.path().join(format!(".r.tmp-{unmarked}/notes.txt")), "x").unwrap();
    let out = ecsim(dir.path(), &["run", "s.toml", "--out", "r", "-q"]);
    assert_eq!(out.status.code(), Some(0));
    let exists = |n: String| dir.path().join(n).exists();
    assert!(!exists(format!(".r.tmp-{empty}")), "an empty one goes");
    assert!(
        exists(format!(".r.tmp-{unmarked}/notes.txt")),
        "files without the mark stay"
    );
    assert!(!exists(format!(".r.tmp-{dead}")));
    assert!(!exists(format!(".r.old-{dead}")));
    assert!(
        exists(format!(".r.tmp-{live}")),
        "a live run's folder stays"
    );
    assert!(
        exists(format!(".other.tmp-{dead}")),
        "another target's stays"
    );
    assert!(exists("r/summary.json".into()));
}

/// A real SIGKILL mid-run, then a rerun: no staging folder is left.
#[test]
fn killed_run_leaves_nothing_after_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let long = GOOD.replace("duration = \"1h\"", "duration = \"300d\"")
        + "[[jobs]]\nname = \"j\"\ntask_definition = \"web\"\narrivals = { kind = \"poisson\", rate_per_hour = 20000 }\nduration = { kind = \"constant\", value = \"1s\" }\n";
    std::fs::write(dir.path().join("long.toml"), long).unwrap();
    std::fs::write(dir.path().join("s.toml"), GOOD).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ecsim"))
        .current_dir(dir.path())
        .args(["run", "long.toml", "--out", "r", "--force", "-q"])
        .spawn()
        .unwrap();
    let tmp = dir.path().join(format!(".r.tmp-{}", child.id()));
    // Wait (bounded) until the staging folder exists, then kill -9.
    for _ in 0..500 {
        if tmp.exists() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(tmp.exists(), "the killed run left its staging folder");
    let out = ecsim(dir.path(), &["run", "s.toml", "--out", "r", "-q"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(!tmp.exists());
    assert!(dir.path().join("r/summary.json").exists());
}
