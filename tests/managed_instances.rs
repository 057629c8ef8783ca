//! ECS Managed Instances capacity providers (issue 30, items 5-7): which
//! types ECS launches for waiting tasks, what it never launches, the
//! management fee, and how instances retire. Rules cite the ECS developer
//! guide pages "Amazon ECS Managed Instances", "Amazon ECS Managed
//! Instances auto scaling and task placement", "Amazon ECS Managed
//! Instances infrastructure optimization", "Amazon ECS task networking for
//! Amazon ECS Managed Instances", the API reference "InstanceRequirementsRequest"
//! and "InfrastructureOptimization", and the Amazon ECS pricing page.

mod common;
use common::managed::simulate;
use common::{cost_rows, ecsim_in, run_in_tmp};
use ecsim::engine::time::{DAY, MINUTE};
use ecsim::model::Cluster;

/// `common::managed::one_zone` with 1 vCPU / 2 GiB tasks.
fn one_zone(duration: &str, tasks: u32, extra: &str) -> String {
    common::managed::one_zone(duration, tasks, extra, (1024, 2048))
}

fn types_launched_at(c: &Cluster, t: u64) -> Vec<&str> {
    c.instances
        .iter()
        .filter(|i| i.launched == t)
        .map(|i| i.instance_type.as_str())
        .collect()
}

/// "Amazon ECS Managed Instances auto scaling and task placement": ECS
/// launches the most cost-effective types for the waiting tasks, several
/// per instance. Ten 1 vCPU / 2 GiB tasks; registered memory is nominal
/// less 80 MiB + 1.57 %, so per instance c6a.large holds 1 task (3951
/// MiB), c6a.xlarge 3 (7983), c6a.2xlarge 7 (16046), c6a.4xlarge 10.
/// With the fee (12.09 % on top) per task that is $0.0858, $0.0572,
/// $0.0490 and $0.0686 an hour: a c6a.2xlarge for 7, then for the 3 left a
/// c6a.xlarge ($0.0572 a task) rather than another 2xlarge ($0.1144).
#[test]
fn types_chosen_for_a_task_shape() {
    let c = simulate(&one_zone("10m", 10, ""));
    assert_eq!(types_launched_at(&c, 0), ["c6a.2xlarge", "c6a.xlarge"]);
    assert_eq!(c.instances.len(), 2, "nothing launched twice");
    let placed: u64 = c.instances.iter().map(|i| i.tasks_placed).sum();
    assert_eq!(placed, 10);
}

/// "...auto scaling and task placement": Availability Zone spread takes
/// precedence over bin packing: six tasks over three zones go to three
/// instances, one per zone, though one c6a.2xlarge would hold all six.
#[test]
fn zones_first_then_packing() {
    let text = one_zone("10m", 6, "").replace(
        r#"["us-east-1a"]"#,
        r#"["us-east-1a", "us-east-1b", "us-east-1c"]"#,
    );
    let c = simulate(&text);
    let mut zones: Vec<u32> = c.instances.iter().map(|i| i.az).collect();
    zones.sort_unstable();
    assert_eq!(zones, [0, 1, 2]);
    // Two tasks a zone: 2 on a c6a.xlarge ($0.1715) beats 1 on a c6a.large
    // at the same price per task only by holding more.
    assert!(c.instances.iter().all(|i| i.instance_type == "c6a.xlarge"));
}

/// "Amazon ECS Managed Instances" instance types: never nano, micro or a
/// single vCPU, whatever the requirements admit.
#[test]
fn excluded_types_are_never_chosen() {
    use ecsim::catalog::requirements::{Range, Requirements};
    let req = Requirements {
        vcpu_count: Some(Range {
            min: Some(1),
            max: Some(2),
        }),
        memory_mib: Some(Range {
            min: Some(0),
            max: None,
        }),
        burstable_performance: Some("included".into()),
        allowed_instance_types: vec!["t3.*".into(), "a1.medium".into()],
        ..Default::default()
    };
    let got: Vec<String> = ecsim::scenario::managed_instances::resolve(&req, "us-east-1")
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(got, ["t3.small", "t3.medium", "t3.large"]);
    // a1.medium (1 vCPU) and t3.nano/t3.micro (2 vCPUs) only: nothing left.
    let only_small = Requirements {
        allowed_instance_types: vec!["t3.nano".into(), "t3.micro".into(), "a1.medium".into()],
        ..req
    };
    let (_, e) = ecsim::scenario::managed_instances::resolve(&only_small, "us-east-1").unwrap_err();
    assert!(e.contains("never launch nano, micro or 1-vCPU"), "{e}");
}

/// The pricing page's example: a c6a.2xlarge's fee is $0.037 an hour on
/// top of its $0.306 EC2 price, per second. One instance from `running`
/// (15 s after launch) to the end of a day: 86,385 s.
#[test]
fn fee_over_a_day_for_one_instance() {
    let text = one_zone("1d", 1, "").replace(r#"["c6a.*"]"#, r#"["c6a.2xlarge"]"#);
    let (s, dir) = run_in_tmp(&text);
    let rows = cost_rows(dir.path());
    let fee: Vec<_> = rows
        .iter()
        .filter(|r| &r[1] == "ecs_managed_instances_fee")
        .collect();
    assert_eq!(fee.len(), 1);
    assert_eq!(&fee[0][5], "86385.000");
    let usd: f64 = fee[0][7].parse().unwrap();
    let want = 0.037 * 86_385.0 / 3600.0; // 0.88784583
    assert!((usd - want).abs() < 1e-6, "{usd} vs {want}");
    assert!(
        fee[0][9].contains("fee from the price list"),
        "{:?}",
        fee[0]
    );
    let ec2: f64 = rows.iter().find(|r| &r[1] == "ec2_instance").unwrap()[7]
        .parse()
        .unwrap();
    assert!((ec2 - 0.306 * 86_385.0 / 3600.0).abs() < 1e-6);
    let c = &s.cost;
    assert!((c.managed_instances_fee_usd.unwrap() - want).abs() < 1e-6);
    assert!(
        c.managed_instances_fee_source
            .as_deref()
            .unwrap()
            .contains("c6a.2xlarge $0.037")
    );
    assert!((c.total_cost_usd - (want + ec2)).abs() < 1e-6);
    assert!(
        (c.cost_by_purchase_option["managed_instances_fee"] - want).abs() < 1e-6,
        "the purchase-option split names the fee and still adds up"
    );
    // `ecsim price` lists the fee as its own line and names its source.
    let out = ecsim_in(dir.path(), &["price", "s.toml"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("ECS Managed Instances management fee  fee"),
        "{text}"
    );
    assert!(text.contains("c6a.2xlarge $0.037/h"), "{text}");
}

/// A runs's own price list gives the fee: a --prices row for the type wins
/// over the estimate, and the fee source says where it came from.
#[test]
fn fee_from_a_price_file() {
    let text = one_zone("1h", 1, "").replace(r#"["c6a.*"]"#, r#"["m6a.large"]"#);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), &text).unwrap();
    std::fs::write(
        dir.path().join("p.csv"),
        "region,product,key,unit,usd\nus-east-1,ecs_managed_instances,m6a.large,hour,0.02\n",
    )
    .unwrap();
    let out = ecsim_in(
        dir.path(),
        &["run", "s.toml", "--prices", "p.csv", "--out", "out"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = cost_rows(dir.path());
    let fee = rows
        .iter()
        .find(|r| &r[1] == "ecs_managed_instances_fee")
        .unwrap();
    assert_eq!(&fee[6], "0.0200000000");
    assert!(fee[9].contains("fee from the price list"), "{:?}", fee);
}

/// Billed per second with a one-minute minimum: the zone goes down 40 s
/// in, 25 s after the instance started running; 60 s are billed.
#[test]
fn one_minute_minimum() {
    let text = one_zone("10m", 1, "").replace(r#"["c6a.*"]"#, r#"["c6a.2xlarge"]"#)
        + r#"
[[faults]]
kind = "az_outage"
availability_zone = "us-east-1a"
at = "40s"
duration = "1h"
"#;
    let (_, dir) = run_in_tmp(&text);
    let rows = cost_rows(dir.path());
    let fee = rows
        .iter()
        .find(|r| &r[1] == "ecs_managed_instances_fee")
        .unwrap();
    assert_eq!((&fee[3], &fee[4], &fee[5]), ("15.000", "40.000", "60.000"));
    let usd: f64 = fee[7].parse().unwrap();
    assert!((usd - 0.037 / 60.0).abs() < 1e-9, "{usd}");
}

/// Other types' fee is estimated at the example's share of their EC2
/// price and marked so: m6a.large ($0.0864) → $0.0104471 an hour.
#[test]
fn other_types_fee_is_estimated_and_marked() {
    let text = one_zone("1h", 1, "").replace(r#"["c6a.*"]"#, r#"["m6a.large"]"#);
    let (_, dir) = run_in_tmp(&text);
    let rows = cost_rows(dir.path());
    let fee = rows
        .iter()
        .find(|r| &r[1] == "ecs_managed_instances_fee")
        .unwrap();
    assert!(fee[9].contains("estimated"), "{:?}", fee);
    let rate: f64 = fee[6].parse().unwrap();
    assert!((rate - 0.0864 * 37.0 / 306.0).abs() < 1e-9, "{rate}");
}

/// "...infrastructure optimization": an idle instance is retired once
/// idle for scaleInAfter. The service drops to 0 tasks at 30 min; the
/// next minute finds the instance idle, and 10 minutes later it drains.
#[test]
fn idle_instance_retires_after_scale_in_after() {
    let text = one_zone("2h", 2, "scale_in_after = \"10m\"").replace(
        "desired_count = 2\n",
        "desired_count = 2\ndesired_count_changes = [{ at = \"30m\", desired_count = 0 }]\n",
    );
    let c = simulate(&text);
    assert_eq!(c.instances.len(), 1);
    let end = c.instances[0].terminated.expect("retired");
    // Idle from the 31-minute tick (its tasks stop within the minute).
    assert_eq!(end, 41 * MINUTE, "{end}");
    // Turned off ("off", scaleInAfter -1): it stays.
    let c = simulate(&text.replace("\"10m\"", "\"off\""));
    assert_eq!(c.instances[0].terminated, None);
}

/// "...infrastructure optimization": underused instances are consolidated
/// (service tasks only): 8 tasks on a c6a.2xlarge (7) and a c6a.large (1);
/// when the service drops to 4, the emptiest instance's tasks fit on the
/// other, so it is drained after scale_in_after and its tasks move.
#[test]
fn underused_instance_is_consolidated() {
    let text = one_zone("3h", 8, "scale_in_after = \"5m\"").replace(
        "desired_count = 8\n",
        "desired_count = 8\ndesired_count_changes = [{ at = \"1h\", desired_count = 4 }]\n",
    );
    let c = simulate(&text);
    let live: Vec<&str> = c
        .instances
        .iter()
        .filter(|i| i.terminated.is_none())
        .map(|i| i.instance_type.as_str())
        .collect();
    assert_eq!(live.len(), 1, "{live:?}");
    let running: usize = c.instances.iter().map(|i| i.tasks.len()).sum();
    assert_eq!(running, 4);
}

/// "Patching in Amazon ECS Managed Instances": an instance is drained at
/// day 14 from launch (its service task moves to a new instance) and
/// terminated no later than day 21, whatever still runs there (a standalone
/// task, which draining leaves running).
#[test]
fn replaced_at_14_days_and_forced_at_21() {
    let text = one_zone("22d", 1, "").replace("[\"c6a.*\"]", "[\"c6a.xlarge\"]")
        + r#"
[[task_definitions]]
family = "long"
cpu = 1024
memory = 1024
network_mode = "awsvpc"
[[jobs]]
name = "long"
task_definition = "long"
arrivals = { kind = "schedule", every = "30d", count = 1, at = "00:00" }
duration = { kind = "constant", value = "25d" }
capacity_provider_strategy = [{ capacity_provider = "mi", weight = 1 }]
"#;
    let c = simulate(&text);
    let first = &c.instances[0];
    assert_eq!(first.launched, 0);
    assert!(first.tasks_placed >= 2, "the service and the job task");
    // Drained at the 14-day minute; the job keeps it until day 21, when
    // its task is stopped (SIGTERM, then gone within its stop time).
    let end = first.terminated.expect("retired");
    assert!((21 * DAY..21 * DAY + MINUTE).contains(&end), "{end}");
    // The service task's new instance came at 14 days, and lives on.
    let next = c.instances.iter().find(|i| i.launched == 14 * DAY);
    assert!(
        next.is_some_and(|i| i.terminated.is_none()),
        "{:?}",
        c.instances.len()
    );
    assert_eq!(c.instances.len(), 2);
}

/// Bad input: exit code 2 and the field path.
#[test]
fn bad_input_names_the_field() {
    let check = |from: &str, to: &str, field: &str, words: &str| {
        let text = one_zone("1h", 1, "").replace(from, to);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("s.toml"), &text).unwrap();
        let out = ecsim_in(dir.path(), &["validate", "s.toml"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(field) && err.contains(words), "{err}");
    };
    check(
        "network_mode = \"awsvpc\"\n",
        "",
        "services[0].task_definition",
        "bridge network mode",
    );
    check(
        "allowed_instance_types",
        "allowed_types",
        "capacity_providers[0].instance_requirements",
        "allowed_types",
    );
    check(
        "max = 16",
        "max = 1",
        "capacity_providers[0].instance_requirements.vcpu_count.max",
        "below min 2",
    );
    check(
        r#"["c6a.*"]"#,
        r#"["c6a.micro"]"#,
        "capacity_providers[0].instance_requirements",
        "no instance type",
    );
    check(
        "kind = \"managed_instances\"",
        "kind = \"managed_instances\"\ncapacity_option = \"reserved\"",
        "capacity_providers[0].capacity_option",
        "on_demand or spot",
    );
    check(
        "kind = \"managed_instances\"",
        "kind = \"managed_instances\"\nscale_in_after = \"2h\"",
        "capacity_providers[0].scale_in_after",
        "0s to 1h",
    );
    check(
        "kind = \"managed_instances\"",
        "kind = \"managed_instances\"\ninstance_group = \"g\"",
        "capacity_providers[0].instance_group",
        "no Auto Scaling group",
    );
    check(
        "kind = \"managed_instances\"",
        "kind = \"fleet\"",
        "capacity_providers[0].kind",
        "auto_scaling_group",
    );
}

/// `ecsim import` (item 8): a managedInstancesProvider becomes a
/// `kind = "managed_instances"` provider with its requirements, capacity
/// option and scaleInAfter ("ManagedInstancesProvider",
/// "InstanceLaunchTemplate", "InfrastructureOptimization" in the ECS API
/// reference); a service with launch type MANAGED_INSTANCES uses it; its
/// container instances are not imported as a group; the scenario runs.
#[test]
fn import_maps_a_managed_instances_provider() {
    let tmp = tempfile::tempdir().unwrap();
    let src = common::repo().join("tests/fixtures/import_managed");
    let out = ecsim_in(
        tmp.path(),
        &["import", src.to_str().unwrap(), "--out", "mi.toml"],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let toml = std::fs::read_to_string(tmp.path().join("mi.toml")).unwrap();
    for want in [
        "kind = \"managed_instances\"",
        "scale_in_after = \"600s\"",
        "vcpu_count = { min = 2, max = 8 }",
        "allowed_instance_types = [\"c6a.*\", \"m6a.*\"]",
        "availability_zones = [\"us-east-1a\", \"us-east-1b\"]",
    ] {
        assert!(toml.contains(want), "{want} in\n{toml}");
    }
    assert!(!toml.contains("[[instance_groups]]"), "{toml}");
    // The MANAGED_INSTANCES launch type maps to the provider.
    let worker = toml.split("name = \"worker\"").nth(1).unwrap();
    assert!(worker.contains("capacity_provider = \"mi-cp\""), "{toml}");
    assert!(
        err.contains("instanceRequirements.localStorage is not modelled"),
        "{err}"
    );
    let run = ecsim_in(tmp.path(), &["run", "mi.toml", "--out", "out"]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let rows = cost_rows(tmp.path());
    assert!(rows.iter().any(|r| &r[1] == "ecs_managed_instances_fee"));
}

/// `ecsim catalog` filters (item 10) with the requirements code: c7g types
/// of 2-8 vCPUs and at least 4 GiB on arm64 are the large, xlarge and
/// 2xlarge; a bad range is an input error naming the flag.
#[test]
fn catalog_filters_by_requirements() {
    let tmp = tempfile::tempdir().unwrap();
    let args = [
        "catalog",
        "c7g.*",
        "--vcpu",
        "2-8",
        "--memory-min",
        "4096",
        "--arch",
        "arm64",
        "--csv",
    ];
    let out = ecsim_in(tmp.path(), &args);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    let names: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(names, ["c7g.large", "c7g.xlarge", "c7g.2xlarge"]);
    let x86 = ecsim_in(
        tmp.path(),
        &["catalog", "c7g.*", "--arch", "x86_64", "--csv"],
    );
    assert_eq!(String::from_utf8_lossy(&x86.stdout).lines().count(), 1);
    let bad = ecsim_in(tmp.path(), &["catalog", "--vcpu", "8-2"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--vcpu"));
}

/// capacity_option = "spot" (InstanceLaunchTemplate capacityOptionType
/// SPOT): Spot instances at the Spot price; the fee stays On-Demand.
#[test]
fn spot_capacity_option() {
    let text = one_zone("1h", 2, "capacity_option = \"spot\"");
    let (s, dir) = run_in_tmp(&text);
    let rows = cost_rows(dir.path());
    let ec2: Vec<_> = rows.iter().filter(|r| &r[1] == "ec2_instance").collect();
    assert!(
        !ec2.is_empty() && ec2.iter().all(|r| &r[2] == "spot"),
        "{ec2:?}"
    );
    let fee = rows
        .iter()
        .find(|r| &r[1] == "ecs_managed_instances_fee")
        .unwrap();
    assert_eq!(&fee[2], "on_demand");
    assert!(s.cost.cost_by_purchase_option["ec2_on_demand"] == 0.0);
}

/// Managed Instances keys on an Auto Scaling group provider are refused,
/// not ignored.
#[test]
fn managed_keys_on_an_asg_provider_are_refused() {
    let text = r#"
name = "asg"
[cluster]
availability_zones = ["us-east-1a"]
[[instance_groups]]
name = "g"
instance_type = "m5.large"
count = 1
[[capacity_providers]]
name = "cp"
instance_group = "g"
scale_in_after = "5m"
"#;
    let e = ecsim::scenario::parse(std::path::Path::new("s.toml"), text)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("capacity_providers[0].scale_in_after") && e.contains("managed_instances"),
        "{e}"
    );
}

/// Placement constraints bound the choice: a service held to c6a.xlarge by
/// memberOf gets that type although a c6a.2xlarge would pack its 4 tasks
/// (3 fit on an xlarge, so two are launched), and nothing is launched
/// again for tasks an instance is already launching for. distinctInstance
/// puts one task per instance.
#[test]
fn constraints_bound_the_types_launched() {
    let text = one_zone("30m", 4, "").replace(
        "weight = 1 }]\n",
        "weight = 1 }]\nplacement_constraints = [{ type = \"memberOf\", expression = \"attribute:ecs.instance-type == c6a.xlarge\" }]\n",
    );
    let c = simulate(&text);
    let types: Vec<&str> = c
        .instances
        .iter()
        .map(|i| i.instance_type.as_str())
        .collect();
    assert_eq!(types, ["c6a.xlarge", "c6a.xlarge"]);
    let distinct = one_zone("30m", 3, "").replace(
        "weight = 1 }]\n",
        "weight = 1 }]\nplacement_constraints = [{ type = \"distinctInstance\" }]\n",
    );
    let c = simulate(&distinct);
    assert_eq!(c.instances.len(), 3);
    assert!(c.instances.iter().all(|i| i.tasks_placed == 1));
}

/// A service held to one zone by memberOf runs on a provider that launches
/// in several: at load every zone's types stand in for the provider (not
/// only its first zone's, which refused this scenario as one no instance
/// could ever hold), and its instances are launched in that zone.
#[test]
fn a_service_held_to_the_second_zone_loads_and_runs_there() {
    let text = one_zone("30m", 2, "")
        .replace(
            "availability_zones = [\"us-east-1a\"]",
            "availability_zones = [\"us-east-1a\", \"us-east-1b\"]",
        )
        .replace(
            "weight = 1 }]\n",
            "weight = 1 }]\nplacement_constraints = [{ type = \"memberOf\", expression = \"attribute:ecs.availability-zone == us-east-1b\" }]\n",
        );
    let c = simulate(&text);
    assert!(!c.instances.is_empty());
    assert!(
        c.instances
            .iter()
            .all(|i| c.azs[i.az as usize] == "us-east-1b"),
        "{:?}",
        c.instances.iter().map(|i| i.az).collect::<Vec<_>>()
    );
    let s = &c.services[0].stats;
    assert_eq!(
        s.placed,
        2,
        "{} instances, {} launched, {} running",
        c.instances.len(),
        s.launched,
        s.running.get()
    );
}
