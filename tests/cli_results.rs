//! The command line when the input is good: the results folder (never
//! clobbered, left as it was by an interrupt), progress only on a terminal,
//! `--outputs`, traces as Excel saves them, and `--help`'s examples.

use std::process::Command;

mod common;
use common::{GOOD, ecsim_in as ecsim};

/// `--out` replaces an earlier result but never a folder holding anything
/// else, nor a file.
#[test]
fn out_never_clobbers_other_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), GOOD).unwrap();
    std::fs::create_dir(dir.path().join("mine")).unwrap();
    std::fs::write(dir.path().join("mine/precious.txt"), "keep").unwrap();
    let out = ecsim(dir.path(), &["run", "s.toml", "--out", "mine"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("mine: --out: holds \"precious.txt\""), "{err}");
    assert!(dir.path().join("mine/precious.txt").exists());
    std::fs::write(dir.path().join("afile"), "x").unwrap();
    let out = ecsim(dir.path(), &["run", "s.toml", "--out", "afile"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("afile")).unwrap(),
        "x"
    );
    // An earlier result is replaced.
    assert_eq!(
        ecsim(dir.path(), &["run", "s.toml", "--out", "r", "-q"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        ecsim(dir.path(), &["run", "s.toml", "--out", "r", "-q"])
            .status
            .code(),
        Some(0)
    );
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}
/// Ctrl-C stops a run: exit 130, no results folder and no staging folder,
/// and an earlier result stays as it was.
#[test]
fn interrupt_leaves_previous_results() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), GOOD).unwrap();
    assert_eq!(
        ecsim(dir.path(), &["run", "s.toml", "--out", "r", "-q"])
            .status
            .code(),
        Some(0)
    );
    let before = std::fs::read(dir.path().join("r/tasks.csv")).unwrap();
    let long = GOOD.replace("duration = \"1h\"", "duration = \"300d\"")
        + "[[jobs]]\nname = \"j\"\ntask_definition = \"web\"\narrivals = { kind = \"poisson\", rate_per_hour = 20000 }\nduration = { kind = \"constant\", value = \"1s\" }\n";
    std::fs::write(dir.path().join("s.toml"), long).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_ecsim"))
        .current_dir(dir.path())
        .args(["run", "s.toml", "--out", "r", "--force"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("interrupted"));
    assert_eq!(
        std::fs::read(dir.path().join("r/tasks.csv")).unwrap(),
        before
    );
    let hidden: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(hidden.is_empty(), "{hidden:?}");
}
/// Every file an example in `--help` names is shipped, so a newcomer can
/// paste any of them into a shell at the repository's root.
#[test]
fn help_examples_name_files_that_exist() {
    for args in [&["--help"][..], &["run", "--help"], &["sweep", "--help"]] {
        let out = common::ecsim_in(&common::repo(), args);
        let text = String::from_utf8_lossy(&out.stdout);
        let examples = text.split("Examples:").nth(1).expect("has examples");
        let mut seen = 0;
        for word in examples.split_whitespace() {
            let w = word.trim_matches(|c| c == '`' || c == ',');
            if [".toml", ".csv", ".json"].iter().any(|e| w.ends_with(e)) {
                assert!(
                    common::repo().join(w).is_file(),
                    "{args:?} names {w}, which is not shipped"
                );
                seen += 1;
            }
        }
        assert!(seen > 0, "{args:?}: no example names a file");
    }
}

/// Progress goes to a terminal only: through a pipe (CI, scripts) stdout
/// holds the plain summary and stderr only the partial-results warning, with
/// no carriage return or terminal escape anywhere; on a pseudo-terminal
/// (`script`, when installed) a run that takes over half a second draws the
/// bar (escape codes, the simulated time reached and an ETA).
#[test]
fn progress_only_on_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    // Long enough that the 2 s wall-clock limit, not the end, stops it.
    let long = GOOD.replace("duration = \"1h\"", "duration = \"300d\"")
        + "[[jobs]]\nname = \"j\"\ntask_definition = \"web\"\narrivals = { kind = \"poisson\", rate_per_hour = 20000 }\nduration = { kind = \"constant\", value = \"1s\" }\n";
    std::fs::write(dir.path().join("long.toml"), long).unwrap();
    let args = ["run", "long.toml", "--max-wall", "2s", "--force", "--out"];
    let out = ecsim(dir.path(), &[&args[..], &["piped"]].concat());
    assert_eq!(out.status.code(), Some(3));
    let (stdout, stderr) = (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    );
    for text in [&stdout, &stderr] {
        assert!(
            !text.contains(['\r', '\x1b']),
            "control characters through a pipe: {text:?}"
        );
    }
    assert!(stdout.starts_with("ok: simulated "), "{stdout}");
    assert!(
        stdout.contains("\n  service web: desired 2, mean running 2.00, min running 2; "),
        "{stdout}"
    );
    assert!(stdout.ends_with("\nresults in piped/\n"), "{stdout}");
    assert!(
        stderr.starts_with("warning: results are partial: wall-clock limit of ")
            && stderr.lines().count() == 1,
        "only the warning on stderr: {stderr:?}"
    );
    let Ok(script) = which("script") else {
        eprintln!("terminal progress check skipped: no `script` command");
        return;
    };
    let cmd = format!("{} {} tty", env!("CARGO_BIN_EXE_ecsim"), args.join(" "));
    let out = Command::new(script)
        .current_dir(dir.path())
        .args(["-qec", &cmd, "/dev/null"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    // indicatif redraws a line by clearing it (ESC [2K) after a return.
    assert!(
        text.contains("\r\x1b[2K") && text.contains("simulated") && text.contains("ETA"),
        "{text}"
    );
    assert!(text.contains("results in tty/"), "{text}");
}

fn which(name: &str) -> Result<std::path::PathBuf, ()> {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .ok_or(())
}

/// A trace as Excel saves it (BOM, CRLF, quoted cells) is read like any
/// other, and one that ends before the run says once what is held.
#[test]
fn excel_trace_and_a_note_when_it_ends_early() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("\u{feff}\"timestamp\",\"value\"\r\n");
    for m in 0..10 {
        csv += &format!("\"2026-01-01T00:{m:02}:00Z\",\"{}\"\r\n", 100 + m);
    }
    std::fs::write(dir.path().join("req.csv"), csv).unwrap();
    std::fs::write(
        dir.path().join("s.toml"),
        GOOD.replace(
            "desired_count = 2",
            "desired_count = 2\ndemand = { kind = \"trace\", file = \"req.csv\" }\ncapacity_per_task = 100",
        )
        // Every minute counted: no warm-up left out.
        .replace("name = \"ok\"", "name = \"ok\"\nwarm_up = \"0s\""),
    )
    .unwrap();
    let out = ecsim(dir.path(), &["run", "s.toml", "--out", "r"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches("note:").count(), 1, "{err}");
    assert!(
        err.contains(
            "the trace req.csv ends at 9m of the run's 1h; its last value, 109 requests/s, is held"
        ),
        "{err}"
    );
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("r/summary.json")).unwrap()).unwrap();
    let demand = s["services"]["web"]["load"]["demand_requests"]
        .as_f64()
        .unwrap();
    // Minutes 0-8 from the trace, then 109 held for the other 51; demand
    // is counted from the end of the warm-up (none here: warm_up = "0s").
    let from = s["warm_up_end_s"].as_f64().unwrap() / 60.0;
    assert_eq!(from, 0.0);
    let want: f64 = (0..60)
        .filter(|&m| f64::from(m) >= from)
        .map(|m| f64::from(100 + m.min(9)) * 60.0)
        .sum();
    assert!((demand - want).abs() < 1e-6, "{demand} vs {want}");
}

/// `--outputs` writes only the files named (summary.json always), and the
/// same bytes for them as a run writing everything.
#[test]
fn outputs_chooses_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let sc = common::repo().join("scenarios/autoscale-70.toml");
    let sc = sc.to_str().unwrap();
    assert!(
        ecsim(dir.path(), &["run", sc, "--out", "all", "-q"])
            .status
            .success()
    );
    let out = ecsim(
        dir.path(),
        &[
            "run",
            sc,
            "--out",
            "some",
            "-q",
            "--outputs",
            "timeseries,cost.csv",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut names: Vec<String> = std::fs::read_dir(dir.path().join("some"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["cost.csv", "summary.json", "timeseries.csv"]);
    for f in ["cost.csv", "timeseries.csv"] {
        assert_eq!(
            std::fs::read(dir.path().join("all").join(f)).unwrap(),
            std::fs::read(dir.path().join("some").join(f)).unwrap(),
            "{f}"
        );
    }
    let summary = |d: &str| -> serde_json::Value {
        let mut v: serde_json::Value = serde_json::from_slice(
            &std::fs::read(dir.path().join(d).join("summary.json")).unwrap(),
        )
        .unwrap();
        for k in ["wall_time_s", "events_per_s"] {
            v.as_object_mut().unwrap().remove(k);
        }
        v
    };
    assert_eq!(summary("all"), summary("some"));
    let bad = ecsim(dir.path(), &["run", sc, "--out", "x", "--outputs", "task"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("choose from tasks, timeseries"));
    assert!(!dir.path().join("x").exists());
}
