//! Placement end to end: services placed by a whole simulation (spread over
//! zones through a scale-in, DAEMON services, distinctInstance on a large
//! cluster), checked against documented Amazon ECS behaviour. Every test
//! cites the AWS page it follows. The placement rules one by one are in
//! tests/placement.rs.

use ecsim::model::{Cluster, Owner, Task, TaskState};
use ecsim::sim::{Recorder, Sample, Sim};
use std::collections::BTreeMap;
use std::path::Path;

struct Quiet;

impl Recorder for Quiet {
    fn task_done(&mut self, _: &Cluster, _: &Task) {}
    fn sample(&mut self, _: &Sample) {}
}

fn run(text: &str) -> Cluster {
    let sc = ecsim::scenario::parse(Path::new("e2e.toml"), text).unwrap_or_else(|e| panic!("{e}"));
    let mut rec = Quiet;
    let sim = Sim::new(&sc, 7, &mut rec).with_invariant_checks(true);
    sim.run().unwrap().1
}

/// Running tasks of a service per instance.
fn running(c: &Cluster, service: &str) -> BTreeMap<u32, u32> {
    let s = c.services.iter().position(|s| s.name == service).unwrap() as u32;
    let mut m = BTreeMap::new();
    for (_, t) in c.tasks.iter() {
        if t.owner == Owner::Service(s) && t.desired_running && t.state == TaskState::Running {
            *m.entry(t.instance.unwrap()).or_insert(0) += 1;
        }
    }
    m
}

const E2E_HEAD: &str = r#"
name = "e2e"
duration = "1h"
cluster = { availability_zones = ["us-east-1a", "us-east-1b", "us-east-1c"] }
instance_groups = [
  { name = "a", instance_type = "m5.xlarge", count = 2, availability_zones = ["us-east-1a"] },
  { name = "b", instance_type = "m5.xlarge", count = 1, availability_zones = ["us-east-1b"], attributes = { stack = "prod" } },
  { name = "c", instance_type = "m5.xlarge", count = 3, availability_zones = ["us-east-1c"], attributes = { stack = "prod" } },
]
[[task_definitions]]
family = "app"
cpu = 256
memory = 512
startup = { kind = "constant", value = "0s" }
shutdown = { kind = "constant", value = "1s" }
"#;

/// "Use strategies to define Amazon ECS task placement" (spread across
/// availability zones) and "Amazon ECS services" (scale-in keeps the zones
/// balanced): https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-placement-strategies.html
/// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_services.html
#[test]
fn replica_service_spread_over_three_zones_stays_balanced_end_to_end() {
    let scale_in = "desired_count_changes = [{ at = \"20m\", desired_count = 7 }]";
    for (desired, changes, total) in [(10, "", 10), (16, scale_in, 7)] {
        let text = format!(
            "{E2E_HEAD}[[services]]\nname = \"web\"\ntask_definition = \"app\"\ndesired_count = {desired}\n\
             placement_strategy = [{{ type = \"spread\", field = \"attribute:ecs.availability-zone\" }}]\n{changes}\n"
        );
        let c = run(&text);
        let mut zones = [0u32; 3];
        for (i, n) in running(&c, "web") {
            zones[c.instances[i as usize].az as usize] += n;
        }
        assert_eq!(zones.iter().sum::<u32>(), total, "{zones:?}");
        let (lo, hi) = (zones.iter().min().unwrap(), zones.iter().max().unwrap());
        assert!(hi - lo <= 1, "zones unbalanced: {zones:?}");
    }
}

/// "Amazon ECS services" (DAEMON: exactly one task on each active container
/// instance that meets the placement constraints):
/// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_services.html
#[test]
fn daemon_service_runs_exactly_one_task_per_instance() {
    let text = format!(
        "{E2E_HEAD}[[services]]\nname = \"agent\"\ntask_definition = \"app\"\nscheduling_strategy = \"DAEMON\"\n\
         [[services]]\nname = \"prodmon\"\ntask_definition = \"app\"\nscheduling_strategy = \"DAEMON\"\n\
         placement_constraints = [{{ type = \"memberOf\", expression = \"attribute:stack == prod\" }}]\n\
         [[services]]\nname = \"web\"\ntask_definition = \"app\"\ndesired_count = 20\n\
         placement_strategy = [{{ type = \"binpack\", field = \"memory\" }}]\n"
    );
    let c = run(&text);
    let all: BTreeMap<u32, u32> = (0..6).map(|i| (i, 1)).collect();
    assert_eq!(running(&c, "agent"), all);
    let prod: BTreeMap<u32, u32> = (2..6).map(|i| (i, 1)).collect();
    assert_eq!(running(&c, "prodmon"), prod, "0 and 1 lack stack=prod");
    assert_eq!(running(&c, "web").values().sum::<u32>(), 20);
}

/// distinctInstance ("Amazon ECS task placement constraints": each task of
/// the group on a different container instance) under random placement on
/// a cluster large enough that the index counts the draws
/// (`placement/draw.rs`), from the start or from when replacements of
/// failed instances take it past the threshold: tasks never share an
/// instance, however the count moves, and the run's invariant checks (the
/// counts among them) hold at every event.
/// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-placement-constraints.html
#[test]
fn distinct_instance_at_random_on_a_large_cluster_never_shares_an_instance() {
    let words = ecsim::placement::draw::COUNT_FROM_WORDS;
    let failures = "[[faults]]\nkind = \"instance_failure\"\ntime_to_failure = { kind = \"exponential\", mean = \"8h\" }\n";
    for (n, faults) in [(64 * (words + 1), ""), (64 * words - 4, failures)] {
        let text = format!(
            "name = \"big\"\nduration = \"16m\"\ncluster = {{ availability_zones = [\"us-east-1a\", \"us-east-1b\"] }}\n\
             instance_groups = [{{ name = \"g\", instance_type = \"m5.large\", count = {n} }}]\n\
             [[task_definitions]]\nfamily = \"app\"\ncpu = 1024\nmemory = 512\n\
             [[services]]\nname = \"web\"\ntask_definition = \"app\"\ndesired_count = {}\n\
             placement_strategy = [{{ type = \"random\" }}]\n\
             placement_constraints = [{{ type = \"distinctInstance\" }}]\n\
             desired_count_changes = [{{ at = \"4m\", desired_count = {} }}, {{ at = \"10m\", desired_count = 300 }}]\n\
             [[jobs]]\nname = \"batch\"\ntask_definition = \"app\"\n\
             arrivals = {{ kind = \"poisson\", rate_per_hour = 1500 }}\n\
             duration = {{ kind = \"exponential\", mean = \"2m\" }}\n{faults}",
            n - 100,
            n + 50
        );
        let c = run(&text);
        assert!(
            c.instances.len() > 64 * words,
            "{} instances",
            c.instances.len()
        );
        let s = c.services.iter().position(|s| s.name == "web").unwrap();
        let group = c.services[s].group;
        let counted = c.index.draw(1024, 512, Some(group)).and_then(|d| d.1);
        assert!(
            counted.is_some(),
            "{n} instances: the draws are not counted"
        );
        let web = running(&c, "web");
        assert_eq!(web.values().sum::<u32>(), 300);
        assert!(
            web.values().all(|&k| k == 1),
            "two tasks of the group on one instance"
        );
        // At the peak the group asked for more tasks than there are instances.
        let placed = c.services[s].stats.placed;
        assert!(placed >= n as u64 - 50, "placed {placed}");
    }
}
