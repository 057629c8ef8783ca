//! Start-up timing (issue 35, item 5): with `image_size_mib` and no
//! `startup`, PENDING is the image pull at `[image_pull]`'s throughput plus
//! the container start. Fargate pulls the whole image for every task
//! ("Linux containers on Fargate container image pull behavior"); an EC2
//! instance pulls it once and starts later tasks from its cache ("Optimize
//! Amazon ECS task launch time"). The throughputs are ecsim's choices
//! (AWS publishes none; docs/ecs-behaviour.md), so the tests set their own.

mod common;
use ecsim::model::{Cluster, Task};
use ecsim::sim::{Recorder, Sample, Sim};

#[derive(Default)]
struct Done(Vec<Task>);

impl Recorder for Done {
    fn task_done(&mut self, _: &Cluster, t: &Task) {
        self.0.push(t.clone());
    }
    fn sample(&mut self, _: &Sample) {}
}

/// (placed, started) in ms of every task, by serial.
fn starts(text: &str) -> Vec<(u64, u64)> {
    let sc = common::scenario(text);
    let mut d = Done::default();
    Sim::new(&sc, sc.seed, &mut d)
        .with_invariant_checks(true)
        .run()
        .unwrap_or_else(|e| panic!("{e}"));
    d.0.sort_by_key(|t| t.serial);
    d.0.iter()
        .map(|t| (t.placed.unwrap(), t.started.unwrap()))
        .collect()
}

const PULL: &str = "[image_pull]\nec2_mib_per_s = 100\nfargate_mib_per_s = 50\ncached = \"1s\"\ncontainer_start = \"2s\"\n[fargate]\nprovisioning = { kind = \"constant\", value = \"0s\" }\n";

fn scenario(extra_td: &str, service: &str) -> String {
    format!(
        r#"
name = "s"
duration = "1h"
{PULL}
[cluster]
availability_zones = ["us-east-1a"]
[[instance_groups]]
name = "g"
instance_type = "m5.xlarge"
count = 1
[[task_definitions]]
family = "t"
cpu = 256
memory = 512
image_size_mib = 1000
{extra_td}
[[services]]
name = "web"
task_definition = "t"
desired_count = 3
{service}
"#
    )
}

/// On EC2 the first task pulls 1,000 MiB at 100 MiB/s (10 s) and starts
/// 2 s later; the two placed with it wait for that pull, then start from
/// the cache: 10 + 1 + 2 = 13 s. On Fargate each of the three pulls the
/// whole image at 50 MiB/s: 20 + 2 = 22 s.
#[test]
fn ec2_pulls_once_and_fargate_every_time() {
    assert_eq!(
        starts(&scenario("", "")),
        [(0, 12_000), (0, 13_000), (0, 13_000)]
    );
    let fargate = starts(&scenario("", "launch_type = \"FARGATE\""));
    assert_eq!(fargate, [(0, 22_000); 3]);
}

/// `startup` overrides the image pull; a size out of range is refused.
#[test]
fn startup_overrides_and_sizes_are_checked() {
    let explicit = scenario("startup = { kind = \"constant\", value = \"5s\" }", "");
    assert_eq!(starts(&explicit), [(0, 5_000); 3]);
    let dir = tempfile::tempdir().unwrap();
    let bad = scenario("", "").replace("image_size_mib = 1000", "image_size_mib = 0");
    std::fs::write(dir.path().join("s.toml"), bad).unwrap();
    let out = common::ecsim_in(dir.path(), &["validate", "s.toml"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("task_definitions[0].image_size_mib: must be 1 to 100,000 MiB"),
        "{err}"
    );
}
