//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod html;
pub mod managed;
pub mod mixed;
pub mod sweep;

use ecsim::engine::SimTime;
use ecsim::model::{Cluster, Task, TaskState};
use ecsim::sim::{Outcome, Recorder, Sample, Sim};
use std::path::{Path, PathBuf};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every .rs file under `dir`, recursively, in no particular order (the
/// source checks: tests/fn_length.rs, tests/file_length.rs, tests/layers.rs).
/// A `target` folder (a nested crate's build output) is not source.
pub fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n != "target") {
                rust_files(&p, out);
            }
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

pub fn scenario(text: &str) -> ecsim::scenario::Scenario {
    ecsim::scenario::parse(Path::new("test.toml"), text).unwrap_or_else(|e| panic!("{e}"))
}

/// Keeps everything a test may want to look at.
#[derive(Default)]
pub struct Log {
    /// (serial, from, to, time)
    pub transitions: Vec<(u64, TaskState, TaskState, SimTime)>,
    pub done: Vec<Task>,
    pub samples: Vec<Sample>,
    pub max_used_pct: u64,
    pub checks: u64,
}

impl Recorder for Log {
    fn task_transition(&mut self, task: &Task, from: TaskState, at: SimTime) {
        self.transitions.push((task.serial, from, task.state, at));
    }
    fn task_done(&mut self, _c: &Cluster, task: &Task) {
        self.done.push(task.clone());
    }
    fn sample(&mut self, s: &Sample) {
        self.samples.push(s.clone());
    }
    fn after_event(&mut self, c: &Cluster, _at: SimTime) {
        self.checks += 1;
        for i in &c.instances {
            assert!(
                i.used_cpu <= i.cpu && i.used_memory <= i.memory,
                "{} over-committed",
                i.id
            );
        }
    }
}

pub fn run(text: &str) -> (Outcome, Cluster, Log) {
    let sc = scenario(text);
    let mut log = Log::default();
    let (o, c) = Sim::new(&sc, sc.seed, &mut log)
        .with_invariant_checks(true)
        .run()
        .unwrap_or_else(|e| panic!("{e}"));
    (o, c, log)
}

/// A small valid scenario for command-line tests.
pub const GOOD: &str = r#"
name = "ok"
duration = "1h"
[cluster]
availability_zones = ["us-east-1a", "us-east-1b"]
[[instance_groups]]
name = "g"
instance_type = "m5.large"
count = 2
[[task_definitions]]
family = "web"
cpu = 256
memory = 512
[[services]]
name = "web"
task_definition = "web"
desired_count = 2
"#;

/// Runs the ecsim binary in `dir`.
pub fn ecsim_in(dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_ecsim"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("runs")
}

/// Writes `text` as s.toml in a new folder and runs it into `out/` there.
pub fn run_in_tmp(text: &str) -> (ecsim::report::Summary, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(&path, text).unwrap();
    let sc = ecsim::scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let book = ecsim::billing::PriceBook::shipped();
    let s = ecsim::run::run_to_dir(&sc, sc.seed, &book, &dir.path().join("out"))
        .unwrap_or_else(|e| panic!("{e}"));
    (s, dir)
}

/// The rows of `out/cost.csv` in a folder `run_in_tmp` made.
pub fn cost_rows(dir: &Path) -> Vec<csv::StringRecord> {
    csv::Reader::from_path(dir.join("out/cost.csv"))
        .unwrap()
        .records()
        .map(|r| r.unwrap())
        .collect()
}
