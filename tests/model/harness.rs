//! A Fargate service with instant start-up and a given demand and
//! `[services.autoscaling]`, run with a recorder of its scaling decisions
//! and per-minute desired counts (the tests of issue 31's model items).
#![allow(dead_code)]

use ecsim::engine::time::MINUTE;
use ecsim::model::{Cluster, Task};
use ecsim::scaling::Decision;
use ecsim::sim::{Recorder, Sample, Sim};

#[derive(Default)]
pub struct Scaling {
    pub decisions: Vec<Decision>,
    /// (minute, desired count of the first service)
    pub desired: Vec<(u64, u32)>,
}

impl Recorder for Scaling {
    fn task_done(&mut self, _: &Cluster, _: &Task) {}
    fn sample(&mut self, s: &Sample) {
        self.desired.push((s.time / MINUTE, s.services[0].desired));
    }
    fn scaling(&mut self, _: &Cluster, d: &Decision) {
        self.decisions.push(d.clone());
    }
}

impl Scaling {
    /// (minute, from, to) of each decision.
    pub fn moves(&self) -> Vec<(u64, u32, u32)> {
        self.decisions
            .iter()
            .map(|d| (d.time / MINUTE, d.from, d.to))
            .collect()
    }
}

/// 100 rps per task, `desired` tasks to start with; `extra` is appended
/// after the service's `[services.autoscaling]` table.
pub fn scenario(desired: u32, demand: &str, autoscaling: &str) -> String {
    format!(
        r#"
name = "m"
duration = "6h"
seed = 2
[cluster]
availability_zones = ["a", "b"]
[fargate]
provisioning = {{ kind = "constant", value = "0s" }}
[[task_definitions]]
family = "web"
cpu = 256
memory = 512
startup = {{ kind = "constant", value = "0s" }}
shutdown = {{ kind = "constant", value = "0s" }}
[[services]]
name = "web"
task_definition = "web"
desired_count = {desired}
launch_type = "FARGATE"
capacity_per_task = 100
demand = {demand}
[services.autoscaling]
{autoscaling}
"#
    )
}

pub fn run(text: &str) -> Scaling {
    let sc = super::common::scenario(text);
    let mut rec = Scaling::default();
    Sim::new(&sc, sc.seed, &mut rec)
        .with_invariant_checks(true)
        .run()
        .unwrap_or_else(|e| panic!("{e}"));
    rec
}

/// 100 rps until 1h, `high` rps from then on.
pub fn step_up(high: u32) -> String {
    format!(
        r#"{{ kind = "steps", points = [{{ at = "0s", value = 100 }}, {{ at = "1h", value = {high} }}] }}"#
    )
}
