//! Every shipped scenario runs, is deterministic, and matches its golden
//! output. Regenerate goldens after an intended change with
//! `ECSIM_BLESS=1 cargo test --test scenarios`.

mod common;
use common::repo;
use std::path::{Path, PathBuf};

fn shipped() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(repo().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        // Sweep and plan files are exercised by tests/sweep.rs.
        .filter(|p| {
            let n = p.to_string_lossy();
            !n.ends_with(".sweep.toml") && !n.ends_with(".plan.toml")
        })
        .collect();
    v.sort();
    v
}

/// Scenarios too big to run whole in a debug build, where every event is
/// followed by a full invariant check: their golden covers only the first
/// part of the run (the whole of large is timed by `benches/end_to_end.rs`).
const SHORTENED: &[(&str, ecsim::engine::SimTime)] = &[
    ("large", 2 * 60 * 60 * 1000),
    ("region-scale", 2 * 60 * 60 * 1000),
];

fn run(scenario: &Path, out: &Path) -> serde_json::Value {
    let mut sc = ecsim::scenario::load(scenario).unwrap_or_else(|e| panic!("{e}"));
    if let Some(&(_, d)) = SHORTENED.iter().find(|(n, _)| *n == sc.name) {
        sc.duration = d;
    }
    ecsim::run::run_to_dir(&sc, sc.seed, &ecsim::billing::PriceBook::shipped(), out)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    // Wall-clock figures are the only run-to-run differences.
    let obj = summary.as_object_mut().unwrap();
    obj.remove("wall_time_s");
    obj.remove("events_per_s");
    obj.remove("scenario_file");
    obj.remove("ecsim_version");
    summary
}

/// FNV-1a: a stable fingerprint of a whole output file.
fn digest(path: &Path) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in std::fs::read(path).unwrap() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

const FILES: [&str; 7] = [
    "tasks.csv",
    "timeseries.csv",
    "instances.csv",
    "cost.csv",
    "cost_timeseries.csv",
    "scaling.csv",
    "incidents.csv",
];

#[test]
fn shipped_scenarios_match_golden() {
    let bless = std::env::var_os("ECSIM_BLESS").is_some();
    let tmp = tempfile::tempdir().unwrap();
    let names: Vec<String> = shipped()
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    for required in ["quickstart", "binpack", "spread", "daemon"] {
        assert!(
            names.iter().any(|n| n == required),
            "scenarios/{required}.toml is shipped"
        );
    }
    for path in shipped() {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let out = tmp.path().join(&name);
        let mut summary = run(&path, &out);
        let digests: serde_json::Map<String, serde_json::Value> = FILES
            .iter()
            .map(|f| (f.to_string(), digest(&out.join(f)).into()))
            .collect();
        summary
            .as_object_mut()
            .unwrap()
            .insert("file_digests".into(), digests.into());
        let text = serde_json::to_string_pretty(&summary).unwrap() + "\n";
        let golden = repo().join("tests/golden").join(format!("{name}.json"));
        if bless {
            std::fs::write(&golden, &text).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&golden).unwrap_or_else(|_| {
            panic!(
                "missing {}; run with ECSIM_BLESS=1 to create it",
                golden.display()
            )
        });
        assert_eq!(
            text,
            want,
            "{name}: output differs from {}",
            golden.display()
        );
    }
}

/// Same scenario and seed ⇒ byte-identical files; another seed ⇒ different.
#[test]
fn same_seed_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let q = repo().join("scenarios/quickstart.toml");
    let a = run(&q, &tmp.path().join("a"));
    let b = run(&q, &tmp.path().join("b"));
    assert_eq!(a, b);
    for f in FILES {
        assert_eq!(
            std::fs::read(tmp.path().join("a").join(f)).unwrap(),
            std::fs::read(tmp.path().join("b").join(f)).unwrap(),
            "{f}"
        );
    }
    let sc = ecsim::scenario::load(&q).unwrap();
    ecsim::run::run_to_dir(
        &sc,
        43,
        &ecsim::billing::PriceBook::shipped(),
        &tmp.path().join("c"),
    )
    .unwrap();
    assert_ne!(
        digest(&tmp.path().join("a/tasks.csv")),
        digest(&tmp.path().join("c/tasks.csv"))
    );
}

/// The quickstart as the issue wrote it: 8 web tasks with distinctInstance
/// on 6 instances can only ever run 6; the other 2 wait in PROVISIONING.
#[test]
fn quickstart_shows_capacity_shortfall() {
    let tmp = tempfile::tempdir().unwrap();
    let s = run(&repo().join("scenarios/quickstart.toml"), tmp.path());
    assert_eq!(s["services"]["web"]["min_running"], 6);
    assert_eq!(s["tasks_provisioning_at_end"], 2);
    assert_eq!(s["sim_duration_s"], 604800.0);
    // ~30 ETL tasks an hour for a week.
    let launched = s["jobs"]["etl"]["tasks_launched"].as_u64().unwrap();
    assert!((4_700..5_400).contains(&launched), "{launched}");
    let tasks = std::fs::read_to_string(tmp.path().join("tasks.csv")).unwrap();
    assert_eq!(
        tasks
            .lines()
            .next()
            .unwrap()
            .split(',')
            .take(11)
            .collect::<Vec<_>>(),
        [
            "task_id",
            "owner",
            "task_definition",
            "launch_type",
            "instance_id",
            "availability_zone",
            "created_s",
            "started_s",
            "stopped_s",
            "stop_reason",
            "provisioning_wait_s"
        ]
    );
    assert_eq!(tasks.lines().count() as u64, launched + 8 + 1);
    let series = std::fs::read_to_string(tmp.path().join("timeseries.csv")).unwrap();
    assert_eq!(
        series.lines().count(),
        7 * 24 * 60 + 1,
        "one row a minute from 0, none at the end (a run covers [0, end))"
    );
}

/// Binpack packs the api service onto fewer instances than spread does.
#[test]
fn binpack_uses_fewer_instances_than_spread() {
    let tmp = tempfile::tempdir().unwrap();
    let mut used = Vec::new();
    for name in ["binpack", "spread"] {
        let out = tmp.path().join(name);
        run(&repo().join(format!("scenarios/{name}.toml")), &out);
        let tasks = std::fs::read_to_string(out.join("tasks.csv")).unwrap();
        let mut insts: Vec<&str> = tasks
            .lines()
            .skip(1)
            // Column 15 is last_status (columns added later follow it).
            .filter(|l| {
                l.split(',').nth(1) == Some("api") && l.split(',').nth(14) == Some("RUNNING")
            })
            .map(|l| l.split(',').nth(4).unwrap())
            .collect();
        insts.sort();
        insts.dedup();
        used.push(insts.len());
    }
    assert_eq!(used[0], 1, "6 api tasks of 1 vCPU fit one m5.2xlarge");
    assert_eq!(used[1], 6, "spread puts each on its own instance");
}

/// Every shipped scenario is well inside the size a run accepts without
/// --force; region-scale (a month of 500 services at the 5,000-instance
/// quota, ~2.6e7 estimated) within half of it.
#[test]
fn shipped_scenarios_are_not_oversized() {
    for path in shipped() {
        let sc = ecsim::scenario::load(&path).unwrap();
        let size = ecsim::scenario::estimate::estimate(&sc);
        let share = if sc.name == "region-scale" { 2.0 } else { 10.0 };
        assert!(
            size.events < ecsim::scenario::estimate::EVENT_LIMIT / share,
            "{}: {size:?}",
            path.display()
        );
    }
}
