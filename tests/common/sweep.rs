//! Helpers of the sweep tests (tests/sweep*.rs): the ecsim binary without
//! the shard and thread variables of the environment, a small base scenario
//! and sweep over it, and a results folder's files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs the ecsim binary with `envs`, and none of the shard or thread
/// variables the test itself may run under.
pub fn ecsim(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ecsim"));
    c.args(args).env_remove("RAYON_NUM_THREADS");
    for v in ecsim::sweep::INDEX_VARS
        .iter()
        .chain(ecsim::sweep::COUNT_VARS)
    {
        c.env_remove(v);
    }
    for (k, v) in envs {
        c.env(k, v);
    }
    c.output().unwrap()
}

/// Asserts success and returns stdout.
pub fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Asserts exit `code` without a panic and returns stderr.
pub fn failed(o: &Output, code: i32) -> String {
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(code), "stderr: {err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

/// A day of Poisson jobs beside a service: every seed gives different numbers.
pub const BASE: &str = r#"
name = "base"
duration = "1d"
seed = 5
[cluster]
availability_zones = ["us-east-1a", "us-east-1b"]
[[instance_groups]]
name = "general"
instance_type = "m5.large"
count = 2
[[task_definitions]]
family = "app"
cpu = 512
memory = 1024
[[services]]
name = "web"
task_definition = "app"
desired_count = 2
[[jobs]]
name = "etl"
task_definition = "app"
arrivals = { kind = "poisson", rate_per_hour = 20 }
duration = { kind = "exponential", mean = "15m" }
"#;

/// Two parameters of two values over BASE, three replications each.
pub const SWEEP: &str = r#"
name = "small"
scenario = "base.toml"
replications = 3
seed = 100
[grid]
services.web.desired_count = [1, 3]
instance_groups.general.instance_type = ["m5.large", "c5.large"]
"#;

/// A folder with BASE as base.toml and `sweep` as s.toml.
pub fn setup(sweep: &str) -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("base.toml"), BASE).unwrap();
    let f = d.path().join("s.toml");
    std::fs::write(&f, sweep).unwrap();
    (d, f)
}

/// Every file of a results folder (runs/ included), by relative path.
pub fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}
