//! After a zone outage ends: ECS's Availability Zone rebalancing of a
//! service and the Auto Scaling group's AZRebalance spread tasks and
//! instances evenly again ("Balancing an Amazon ECS service across
//! Availability Zones"; API `availabilityZoneRebalancing`, on by default
//! for new services that spread over zones; EC2 Auto Scaling "Rebalancing
//! activities", the AZRebalance process). DAEMON tasks on an instance being
//! drained stop last ("Daemon scheduling strategy").

mod common;
use ecsim::model::{Cluster, InstanceStatus, Owner, StopReason};

/// Six m5.large over three zones, a web service of 6 spread over zones and
/// a DAEMON agent; zone b is lost from 1h to 2h.
fn scenario(extra_service: &str, extra_group: &str) -> String {
    format!(
        r#"
name = "rb"
duration = "8h"
seed = 3
[cluster]
availability_zones = ["a", "b", "c"]
[[instance_groups]]
name = "g"
instance_type = "m5.large"
count = 6
{extra_group}
[[task_definitions]]
family = "web"
cpu = 512
memory = 1024
[[task_definitions]]
family = "agent"
cpu = 128
memory = 128
[[services]]
name = "web"
task_definition = "web"
desired_count = 6
{extra_service}
[[services]]
name = "agent"
task_definition = "agent"
scheduling_strategy = "DAEMON"
[[faults]]
kind = "az_outage"
availability_zone = "b"
at = "1h"
duration = "1h"
"#
    )
}

/// Web tasks and active instances per zone at the end.
fn per_zone(c: &Cluster) -> (Vec<u32>, Vec<u32>) {
    let mut tasks = vec![0; c.azs.len()];
    for &k in &c.services[0].active {
        let i = c.tasks[k].instance.expect("placed");
        tasks[c.instances[i as usize].az as usize] += 1;
    }
    let mut instances = vec![0; c.azs.len()];
    for i in c
        .instances
        .iter()
        .filter(|i| i.status == InstanceStatus::Active)
    {
        instances[i.az as usize] += 1;
    }
    (tasks, instances)
}

#[test]
fn zones_are_even_again_after_an_outage() {
    let (o, c, log) = common::run(&scenario("", ""));
    let (tasks, instances) = per_zone(&c);
    assert_eq!(tasks, vec![2, 2, 2], "web tasks per zone");
    assert_eq!(instances, vec![2, 2, 2], "instances per zone");
    let inc = &o.incidents[0];
    assert_eq!(inc.kind, "az_outage");
    let balanced = inc.balanced.expect("balanced again");
    assert!(balanced >= inc.end, "{inc:?}");
    // A launch (~90 s) and a drain per instance moved: within the hour.
    assert!(balanced - inc.end <= 3_600_000, "{inc:?}");
    // Rebalancing starts a task before it stops one: it adds no minute
    // below the desired count to those the outage itself caused.
    let (_, off, _) = common::run(&scenario(
        "availability_zone_rebalancing = false",
        "az_rebalance = false",
    ));
    assert_eq!(
        c.services[0].health.minutes_below_desired,
        off.services[0].health.minutes_below_desired
    );
    // DAEMON tasks on the instances AZRebalance drained stopped last.
    let drained: Vec<u32> = log
        .done
        .iter()
        .filter(|t| {
            matches!(t.owner, Owner::Service(1)) && t.stop_reason == Some(StopReason::Draining)
        })
        .filter_map(|t| t.instance)
        .collect();
    assert!(!drained.is_empty(), "AZRebalance drained an instance");
    for i in drained {
        let on = |daemon: bool| {
            log.done
                .iter()
                .filter(|t| t.instance == Some(i) && matches!(t.owner, Owner::Service(1)) == daemon)
                .filter_map(|t| t.stopped)
                .collect::<Vec<_>>()
        };
        let agent = on(true).into_iter().min().unwrap();
        for other in on(false) {
            assert!(
                agent >= other,
                "instance {i}: agent stopped at {agent}, a task at {other}"
            );
        }
    }
}

/// Both switches off: the outage leaves the zones uneven, as ecsim did
/// before, and no balanced time is written.
#[test]
fn rebalancing_can_be_turned_off() {
    let (o, c, _) = common::run(&scenario(
        "availability_zone_rebalancing = false",
        "az_rebalance = false",
    ));
    let (tasks, instances) = per_zone(&c);
    assert_eq!(tasks[1], 0, "{tasks:?}");
    assert_eq!(instances[1], 0, "{instances:?}");
    assert_eq!(o.incidents[0].balanced, None);
    // Only the service's switch off: instances come back, tasks do not move.
    let (_, c, _) = common::run(&scenario("availability_zone_rebalancing = false", ""));
    let (tasks, instances) = per_zone(&c);
    assert_eq!(instances, vec![2, 2, 2]);
    assert_eq!(tasks[1], 0, "{tasks:?}");
}

/// binpack services default to no rebalancing (ECS's default for them).
#[test]
fn binpack_services_default_off() {
    let text = scenario(
        "placement_strategy = [{ type = \"binpack\", field = \"memory\" }]",
        "",
    );
    let sc = common::scenario(&text);
    assert!(!sc.cluster.services[0].az_rebalancing);
    let sc = common::scenario(&scenario("", ""));
    assert!(sc.cluster.services[0].az_rebalancing);
}

/// With distinctInstance every instance holds a web task after the outage,
/// so AZRebalance drains a busy one: its web task is replaced elsewhere and
/// stops first; the DAEMON agent on it stops after it, never before.
#[test]
fn daemon_tasks_stop_last_on_a_drained_instance() {
    let text = scenario(
        "placement_constraints = [{ type = \"distinctInstance\" }]",
        "",
    );
    let (_, _, log) = common::run(&text);
    let drained: Vec<u32> = log
        .done
        .iter()
        .filter(|t| {
            matches!(t.owner, Owner::Service(1)) && t.stop_reason == Some(StopReason::Draining)
        })
        .filter_map(|t| t.instance)
        .collect();
    let mut busy = 0;
    for i in drained {
        let agent = log
            .done
            .iter()
            .filter(|t| t.instance == Some(i) && matches!(t.owner, Owner::Service(1)))
            .filter_map(|t| t.stopped)
            .min()
            .unwrap();
        let web: Vec<u64> = log
            .done
            .iter()
            .filter(|t| t.instance == Some(i) && matches!(t.owner, Owner::Service(0)))
            .filter_map(|t| t.stopped)
            .collect();
        busy += usize::from(!web.is_empty());
        for w in web {
            assert!(
                agent >= w,
                "instance {i}: agent stopped at {agent}, web at {w}"
            );
        }
    }
    assert!(busy > 0, "a drained instance held a web task");
}

/// Three zones with two m5.large each; `web` (desired 4) may use only the
/// zones its `memberOf` constraint lets it, written on the task definition
/// (`td`) or the service (`svc`); `extra` adds to the scenario.
fn two_zone_scenario(td: &str, svc: &str, extra: &str) -> String {
    sized_scenario(6, 256, td, svc, extra)
}

/// The same with `count` instances and tasks of `cpu` units.
fn sized_scenario(count: u32, cpu: u32, td: &str, svc: &str, extra: &str) -> String {
    format!(
        r#"
name = "rb2"
duration = "1d"
seed = 5
[cluster]
availability_zones = ["us-east-1a", "us-east-1b", "us-east-1c"]
[[instance_groups]]
name = "g"
instance_type = "m5.large"
count = {count}
[[task_definitions]]
family = "web"
cpu = {cpu}
memory = 512
{td}
[[services]]
name = "web"
task_definition = "web"
desired_count = 4
{svc}
{extra}
"#
    )
}

const IN_AB: &str = r#"placement_constraints = [{ type = "memberOf", expression = "attribute:ecs.availability-zone in [us-east-1a, us-east-1b]" }]"#;
const NOT_C: &str = r#"placement_constraints = [{ type = "memberOf", expression = "attribute:ecs.availability-zone not_in [us-east-1c]" }]"#;

/// Web tasks running at the end, per zone.
fn web_per_zone(c: &Cluster) -> Vec<u32> {
    let mut tasks = vec![0; c.azs.len()];
    for &k in &c.services[0].active {
        let t = &c.tasks[k];
        tasks[c.task_az(t).expect("placed") as usize] += 1;
    }
    tasks
}

/// Tasks rebalancing (or scale-in) stopped before they were ever placed.
fn stopped_unplaced(log: &common::Log) -> usize {
    log.done
        .iter()
        .filter(|t| t.stop_reason == Some(StopReason::ScaleIn) && t.placed.is_none())
        .count()
}

/// "Balancing an Amazon ECS service across Availability Zones": a service
/// is balanced over the zones it may use. One whose constraint excludes a
/// zone is even at 2/2 over the other two; before, ecsim saw 2/2/0 as
/// uneven and started and stopped a task every 5 minutes (291 launched in
/// a day for 4). The rule holds however the constraint is written: on the
/// task definition or the service, with `in` or `not_in`.
#[test]
fn rebalancing_uses_only_the_zones_a_constraint_allows() {
    for (td, svc) in [("", IN_AB), (IN_AB, ""), ("", NOT_C), (NOT_C, "")] {
        let (o, c, log) = common::run(&two_zone_scenario(td, svc, ""));
        assert_eq!(o.tasks_launched, 4, "no churn (td {td:?}, service {svc:?})");
        assert_eq!(
            web_per_zone(&c),
            vec![2, 2, 0],
            "td {td:?}, service {svc:?}"
        );
        assert_eq!(stopped_unplaced(&log), 0);
    }
}

/// After zone b's outage the service runs 4/0/0; rebalancing brings it back
/// to 2/2/0 (not 2/1/1: zone c is not its to use), and every task it
/// launched was placed, in zone b, before the excess stopped.
#[test]
fn rebalancing_after_an_outage_stays_in_the_allowed_zones() {
    let outage = r#"
[[faults]]
kind = "az_outage"
availability_zone = "us-east-1b"
at = "1h"
duration = "1h"
"#;
    let (o, c, log) = common::run(&two_zone_scenario("", IN_AB, outage));
    assert_eq!(web_per_zone(&c), vec![2, 2, 0]);
    assert!(o.incidents[0].balanced.is_some(), "{:?}", o.incidents[0]);
    assert_eq!(stopped_unplaced(&log), 0);
    // 4 at the start, 2 replacing those lost with zone b, 2 moved back:
    // nothing more once even.
    assert_eq!(o.tasks_launched, 8);
    // No task of the service ever ran in zone c.
    assert!(log.done.iter().all(|t| c.task_az(t) != Some(2)));
}

/// One m5.large per zone, two tasks fill one: zones a and b are full and
/// only zone c, which the constraint excludes, has room. Before, the extra
/// task was started anyway, waited for capacity it could never get, and
/// was stopped unplaced every 5 minutes; it must not be started at all.
#[test]
fn no_rebalancing_task_when_the_allowed_zones_are_full() {
    let (o, c, log) = common::run(&sized_scenario(3, 1024, "", IN_AB, ""));
    assert_eq!(stopped_unplaced(&log), 0);
    assert_eq!(o.tasks_launched, 4);
    assert_eq!(web_per_zone(&c), vec![2, 2, 0]);
}
