//! Mixed-instances Auto Scaling groups (`instance_types` and the
//! `InstancesDistribution` keys), as the Amazon EC2 Auto Scaling User Guide
//! documents them: "Auto Scaling groups with multiple instance types and
//! purchase options" (the On-Demand/Spot split, zones balanced first),
//! "Allocation strategies for multiple instance types", "Configure instance
//! weighting for Amazon EC2 Auto Scaling"; and the ECS developer guide's
//! "Amazon ECS cluster auto scaling" / "Amazon ECS managed scaling
//! behavior" for such a group behind a capacity provider. How such groups
//! are billed: tests/mixed_instances_billing.rs.

mod common;
use common::mixed::with_group;
use common::{run, scenario};
use ecsim::model::{Cluster, Instance};
use ecsim::sim::{Recorder, Sim};

fn instances(group: &str) -> Vec<Instance> {
    scenario(&with_group(group)).cluster.instances
}

/// (On-Demand, Spot) instances at time 0.
fn split(base: u32, pct: u32, n: u32) -> (usize, usize) {
    let inst = instances(&format!(
        "instance_types = [\"m5.large\", \"m6i.large\"]\ncount = {n}\non_demand_base_capacity = {base}\non_demand_percentage_above_base_capacity = {pct}\n"
    ));
    assert_eq!(inst.len(), n as usize);
    let spot = inst.iter().filter(|i| i.spot).count();
    (inst.len() - spot, spot)
}

/// "Controlling the proportion of On-Demand instances": the base first,
/// then the percentage of the rest, "rounds up to the next integer in favor
/// of On-Demand Instances"; the guide's table and the issue's example.
#[test]
fn on_demand_split_follows_the_aws_rule() {
    // Base 4, 25% above, 20 instances: 4 + 25% of 16 = 8 On-Demand.
    assert_eq!(split(4, 25, 20), (8, 12));
    // Example 1 of the guide: base 10, 50% above.
    assert_eq!(split(10, 50, 10), (10, 0));
    assert_eq!(split(10, 50, 20), (15, 5));
    assert_eq!(split(10, 50, 40), (25, 15));
    // Example 3: no base, 60%.
    assert_eq!(split(0, 60, 10), (6, 4));
    // Example 5: a base above the group's size is all of it.
    assert_eq!(split(12, 0, 10), (10, 0));
    assert_eq!(split(12, 0, 20), (12, 8));
    // Fractions round toward On-Demand: 1 + ⌈50% of 3⌉ = 1 + 2.
    assert_eq!(split(1, 50, 4), (3, 1));
    // 30% of 7 = 2.1 → 3.
    assert_eq!(split(0, 30, 7), (3, 4));
    // The defaults: base 0, 100% On-Demand.
    let all = instances("instance_types = [\"m5.large\", \"m6i.large\"]\ncount = 5\n");
    assert!(all.iter().all(|i| !i.spot));
}

fn types_of(inst: &[Instance], spot: bool) -> Vec<&str> {
    inst.iter()
        .filter(|i| i.spot == spot)
        .map(|i| i.instance_type.as_str())
        .collect()
}

/// "Allocation strategies for multiple instance types", with the shipped
/// prices (us-east-1 On-Demand: m5.xlarge 0.192, m6i.xlarge 0.192,
/// m5a.xlarge 0.172, m6a.xlarge 0.1728; Spot = On-Demand less the discount).
#[test]
fn allocation_strategies_pick_as_documented() {
    let types =
        "instance_types = [\"m5.xlarge\", \"m6i.xlarge\", \"m5a.xlarge\", \"m6a.xlarge\"]\n";
    // prioritized (the default without instance_requirements): the first override.
    let od = instances(&format!("{types}count = 4\n"));
    assert_eq!(types_of(&od, false), vec!["m5.xlarge"; 4]);
    // lowest-price On-Demand: the cheapest, m5a.xlarge.
    let od = instances(&format!(
        "{types}count = 3\non_demand_allocation_strategy = \"lowest-price\"\n"
    ));
    assert_eq!(types_of(&od, false), vec!["m5a.xlarge"; 3]);
    // price-capacity-optimized (ecsim's default) with no pool riskier than
    // another: the cheapest Spot pool.
    let spot = instances(&format!(
        "{types}count = 3\non_demand_percentage_above_base_capacity = 0\n"
    ));
    assert_eq!(types_of(&spot, true), vec!["m5a.xlarge"; 3]);
    // lowest-price Spot: spread over the 2 cheapest pools (SpotInstancePools
    // defaults to 2) in each zone: m5a then m6a, zone by zone.
    let spot = instances(&format!(
        "{types}count = 6\non_demand_percentage_above_base_capacity = 0\nspot_allocation_strategy = \"lowest-price\"\n"
    ));
    let per_zone = |z: u32| -> Vec<&str> {
        let mut v: Vec<&str> = spot
            .iter()
            .filter(|i| i.az == z)
            .map(|i| i.instance_type.as_str())
            .collect();
        v.sort();
        v
    };
    for z in 0..3 {
        assert_eq!(per_zone(z), vec!["m5a.xlarge", "m6a.xlarge"], "zone {z}");
    }
    // capacity-optimized: the pool least likely to be interrupted (the
    // scenario's rates stand for spare capacity); price-capacity-optimized:
    // the safest pools, then the cheapest of them.
    let risky = "[[faults]]\nkind = \"spot_interruption\"\ncapacity = \"ec2\"\nrate_per_hour = 0.1\ninstance_type = \"m5a.xlarge\"\n\
                 [[faults]]\nkind = \"spot_interruption\"\ncapacity = \"ec2\"\nrate_per_hour = 0.1\ninstance_type = \"m5.xlarge\"\navailability_zone = \"us-east-1b\"\n";
    let pick = |strategy: &str| {
        let text = with_group(&format!(
            "{types}count = 3\non_demand_percentage_above_base_capacity = 0\nspot_allocation_strategy = \"{strategy}\"\n"
        )) + risky;
        scenario(&text)
            .cluster
            .instances
            .iter()
            .map(|i| i.instance_type.clone())
            .collect::<Vec<_>>()
    };
    // Zone a: m5.xlarge is safe and first; zone b: m5.xlarge is risky.
    assert_eq!(
        pick("capacity-optimized"),
        ["m5.xlarge", "m6i.xlarge", "m5.xlarge"]
    );
    assert_eq!(
        pick("price-capacity-optimized"),
        ["m6a.xlarge", "m6a.xlarge", "m6a.xlarge"]
    );
}

/// "Configure instance weighting for Amazon EC2 Auto Scaling": the group's
/// size is in units; each instance counts its weight; the last launch may
/// go over the desired capacity; lowest-price compares the price per unit.
#[test]
fn weighted_capacity_counts_units() {
    // c6i.xlarge: 0.17 / 2 units = 0.085 per unit; m5.large 0.096 per unit.
    let types = "instance_types = [{ type = \"m5.large\", weighted_capacity = 1 }, { type = \"c6i.xlarge\", weighted_capacity = 2 }]\ncount = 7\n";
    let cheap = instances(&format!(
        "{types}on_demand_allocation_strategy = \"lowest-price\"\n"
    ));
    // 4 × 2 = 8 units ≥ 7: the fourth goes 1 over.
    assert_eq!(types_of(&cheap, false), vec!["c6i.xlarge"; 4]);
    let first = instances(types);
    assert_eq!(types_of(&first, false), vec!["m5.large"; 7]);
    // Strings and tables mix; the base and percentage are in units too.
    let mixed = instances(
        "instance_types = [{ type = \"c6i.xlarge\", weighted_capacity = 2 }, { type = \"m5.large\", weighted_capacity = 1 }]\ncount = 8\non_demand_base_capacity = 4\non_demand_percentage_above_base_capacity = 0\n",
    );
    let units = |spot: bool| -> u32 {
        mixed
            .iter()
            .filter(|i| i.spot == spot)
            .map(|i| {
                if i.instance_type == "c6i.xlarge" {
                    2
                } else {
                    1
                }
            })
            .sum()
    };
    assert_eq!((units(false), units(true)), (4, 4));
    // A run keeps the group at its units: failures are replaced in units.
    let text = with_group(
        "instance_types = [{ type = \"c6i.xlarge\", weighted_capacity = 2 }, { type = \"m5.large\", weighted_capacity = 1 }]\ncount = 6\n",
    ) + "[[faults]]\nkind = \"instance_failure\"\ntime_to_failure = { kind = \"exponential\", mean = \"30m\" }\n[[services]]\nname = \"web\"\ntask_definition = \"web\"\ndesired_count = 3\n";
    let (_, c, _) = run(&text);
    let live: u32 = c
        .instances
        .iter()
        .filter(|i| i.status != ecsim::model::InstanceStatus::Inactive)
        .map(|i| {
            if i.instance_type == "c6i.xlarge" {
                2
            } else {
                1
            }
        })
        .sum();
    assert!(
        c.instances.len() > 3,
        "some instance failed and was replaced"
    );
    assert_eq!(live, 6);
}

/// The group balances zones first: a replacement goes to the zone with
/// fewest of its instances.
#[test]
fn new_instances_go_to_the_zone_with_fewest() {
    // 5 instances round 3 zones: a, b, c, a, b. The listed interruption
    // takes the oldest Spot instance (zone a); a then still counts its
    // draining one, so the replacement goes to c, the zone with fewest.
    let text = with_group(
        "instance_types = [\"m5.large\", \"m6i.large\"]\ncount = 5\non_demand_percentage_above_base_capacity = 0\n",
    ) + "[[faults]]\nkind = \"spot_interruption\"\ncapacity = \"ec2\"\ntimes = \"spot.csv\"\n";
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("spot.csv"), "10m\n").unwrap();
    let file = dir.path().join("s.toml");
    std::fs::write(&file, text).unwrap();
    let sc = ecsim::scenario::load(&file).unwrap();
    let zones: Vec<u32> = sc.cluster.instances.iter().map(|i| i.az).collect();
    assert_eq!(zones, [0, 1, 2, 0, 1]);
    let mut log = common::Log::default();
    let (_, c) = Sim::new(&sc, 1, &mut log).run().unwrap();
    assert_eq!(c.instances.len(), 6);
    assert!(c.instances[0].reclaimed);
    assert_eq!(c.instances[5].az, 2);
    assert!(c.instances[5].spot);
}

#[derive(Default)]
struct Decisions(Vec<(u32, u32)>);

impl Recorder for Decisions {
    fn task_done(&mut self, _: &Cluster, _: &ecsim::model::Task) {}
    fn sample(&mut self, _: &ecsim::sim::Sample) {}
    fn scaling(&mut self, _: &Cluster, d: &ecsim::scaling::Decision) {
        self.0.push((d.from, d.to));
    }
}

/// "Amazon ECS managed scaling behavior" over several types: the instance
/// count is computed with the largest type's resources, and tasks larger
/// than the smallest type are left out of the scale-out (they stay PENDING).
#[test]
fn managed_scaling_sizes_by_the_largest_type_and_skips_tasks_the_smallest_cannot_hold() {
    let job = |cpu: u32| {
        with_group(
            "instance_types = [\"m5.large\", \"m5.2xlarge\"]\ncount = 1\nmin_size = 1\nmax_size = 20\n",
        ) + &format!(
            "[[capacity_providers]]\nname = \"cp\"\ninstance_group = \"g\"\n\
             [[task_definitions]]\nfamily = \"batch\"\ncpu = {cpu}\nmemory = 1024\n\
             [[jobs]]\nname = \"b\"\ntask_definition = \"batch\"\narrivals = {{ kind = \"schedule\", every = \"1d\", count = 16, at = \"00:10\" }}\n\
             duration = {{ kind = \"constant\", value = \"30m\" }}\ncapacity_provider_strategy = [{{ capacity_provider = \"cp\", weight = 1 }}]\n"
        )
    };
    let decisions = |text: String| {
        let sc = scenario(&text);
        let mut d = Decisions::default();
        Sim::new(&sc, 1, &mut d).run().unwrap();
        d.0
    };
    // 16 tasks of 1 vCPU: the m5.large holds 2; 14 wait = 14,336 CPU units,
    // 2 of the largest type's 8,192 (sized by m5.large's 2,048 it was 7):
    // M = 1 + 2, N = 1.
    let d = decisions(job(1024));
    assert_eq!(d.first(), Some(&(1, 3)), "{d:?}");
    // 3 vCPU tasks fit m5.2xlarge but not m5.large: no scale-out at all.
    let d = decisions(job(3072));
    assert!(d.iter().all(|&(from, to)| to <= from), "{d:?}");
}

fn validate(text: &str) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.toml");
    std::fs::write(&file, text).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ecsim"))
        .arg("validate")
        .arg(&file)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Bad keys are input errors (exit 2) naming the field.
#[test]
fn invalid_keys_exit_2_with_field_path() {
    let cases = [
        (
            "instance_types = [{ type = \"m5.large\", weight = 2 }]\ncount = 1\n",
            "instance_groups[0].instance_types[0].weight",
        ),
        (
            "instance_type = \"m5.large\"\ninstance_types = [\"m6i.large\"]\ncount = 1\n",
            "instance_groups[0].instance_types",
        ),
        ("count = 1\n", "missing instance_type"),
        (
            "instance_requirements = { vcpu_count = { min = 2 } }\ncount = 1\n",
            "instance_groups[0].instance_requirements.memory_mib",
        ),
        (
            "instance_types = [\"m5.large\", \"nope.large\"]\ncount = 1\n",
            "instance_groups[0].instance_types[1]",
        ),
        (
            "instance_types = [\"m5.large\"]\ncount = 1\nspot_allocation_strategy = \"cheapest\"\n",
            "instance_groups[0].spot_allocation_strategy",
        ),
        (
            "instance_types = [\"m5.large\"]\ncount = 1\non_demand_allocation_strategy = \"capacity-optimized\"\n",
            "instance_groups[0].on_demand_allocation_strategy",
        ),
        (
            "instance_types = [\"m5.large\"]\ncount = 1\non_demand_percentage_above_base_capacity = 150\n",
            "instance_groups[0].on_demand_percentage_above_base_capacity",
        ),
        (
            "instance_type = \"m5.large\"\ncount = 1\nmarket = \"spot\"\non_demand_base_capacity = 1\n",
            "instance_groups[0].market",
        ),
        (
            "instance_types = [{ type = \"m5.large\", weighted_capacity = 1000 }]\ncount = 1\n",
            "instance_groups[0].instance_types[0].weighted_capacity",
        ),
        (
            "instance_types = [{ type = \"m5.large\", weighted_capacity = 2 }, \"m6i.large\"]\ncount = 1\n",
            "every type or for none",
        ),
    ];
    for (group, want) in cases {
        let (code, err) = validate(&with_group(group));
        assert_eq!(code, 2, "{group}: {err}");
        assert!(err.contains(want), "{group}: want {want} in {err}");
    }
    // Spot interruptions per pool name a type the groups launch.
    let (code, err) = validate(
        &(with_group("instance_types = [\"m5.large\", \"m6i.large\"]\ncount = 1\n")
            + "[[faults]]\nkind = \"spot_interruption\"\ncapacity = \"ec2\"\nrate_per_hour = 0.1\ninstance_type = \"c5.large\"\n"),
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("faults[0].instance_type"), "{err}");
    // A pool is EC2's: Fargate Spot has no instance types.
    let (code, err) = validate(
        &(with_group("instance_types = [\"m5.large\", \"m6i.large\"]\ncount = 1\n")
            + "[[faults]]\nkind = \"spot_interruption\"\nrate_per_hour = 0.1\ninstance_type = \"m5.large\"\n"),
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("faults[0].capacity"), "{err}");
}

/// "The Auto Scaling group that's used with your capacity provider can't
/// use instance weighting settings" ("Amazon ECS cluster auto scaling").
#[test]
fn weights_are_refused_behind_a_capacity_provider() {
    let (code, err) = validate(
        &(with_group(
            "instance_types = [{ type = \"m5.large\", weighted_capacity = 1 }, { type = \"m5.xlarge\", weighted_capacity = 2 }]\ncount = 2\n",
        ) + "[[capacity_providers]]\nname = \"cp\"\ninstance_group = \"g\"\n"),
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("capacity_providers[0].instance_group"),
        "{err}"
    );
    assert!(err.contains("weighted_capacity"), "{err}");
}

/// Spot interruptions per pool (type × zone): only that pool's instances
/// are interrupted.
#[test]
fn spot_interruptions_hit_only_their_pool() {
    let text = with_group(
        "instance_types = [\"m5a.xlarge\", \"m6a.xlarge\"]\ncount = 12\non_demand_percentage_above_base_capacity = 0\nspot_allocation_strategy = \"lowest-price\"\n",
    ) + "[[faults]]\nkind = \"spot_interruption\"\ncapacity = \"ec2\"\nrate_per_hour = 3.0\ninstance_type = \"m6a.xlarge\"\navailability_zone = \"us-east-1b\"\n";
    let (_, c, _) = run(&text);
    let hit: Vec<&Instance> = c.instances.iter().filter(|i| i.reclaimed).collect();
    assert!(!hit.is_empty());
    assert!(
        hit.iter()
            .all(|i| i.instance_type == "m6a.xlarge" && i.az == 1),
        "{:?}",
        hit.iter()
            .map(|i| (&i.instance_type, i.az))
            .collect::<Vec<_>>()
    );
}

/// Each type's instances carry their own `ecs.instance-type`: a memberOf
/// constraint on it places only on that type in a mixed group ("Cluster
/// query language"; ecsim answers such a constraint once per group, type
/// and zone).
#[test]
fn member_of_instance_type_tells_a_mixed_groups_types_apart() {
    let text = with_group(
        "instance_types = [\"m5a.xlarge\", \"m6a.xlarge\"]\ncount = 6\non_demand_percentage_above_base_capacity = 0\nspot_allocation_strategy = \"lowest-price\"\n",
    ) + "[[services]]\nname = \"web\"\ntask_definition = \"web\"\ndesired_count = 9\n\
         placement_constraints = [{ type = \"memberOf\", expression = \"attribute:ecs.instance-type == m6a.xlarge\" }]\n";
    let (_, c, log) = run(&text);
    let kinds: std::collections::BTreeSet<&str> = c
        .instances
        .iter()
        .map(|i| i.instance_type.as_str())
        .collect();
    assert_eq!(kinds.len(), 2, "both types launched");
    let on: Vec<&str> = log
        .done
        .iter()
        .filter_map(|t| t.instance)
        .map(|i| c.instances[i as usize].instance_type.as_str())
        .collect();
    assert_eq!(on.len(), 9);
    assert!(on.iter().all(|t| *t == "m6a.xlarge"), "{on:?}");
}

/// `instance_requirements` on a group (attribute-based instance type
/// selection, EC2 Auto Scaling user guide "Create mixed instances group
/// using attribute-based instance type selection"; the API's
/// InstancesDistribution and InstanceRequirements). 2 vCPUs, 8 GiB, AMD:
/// by hand from `ecsim catalog --vcpu 2 --memory-min 8192 --memory-max
/// 8192` (us-east-1 $/h) m5a.large 0.086, m6a.large 0.0864, m5ad.large
/// 0.103, m7a.large 0.11592, m8a.large 0.12172, m8azn.large 0.20646 (t3a
/// is burstable, excluded by default). Spot price protection (100 % above
/// the cheapest M/C/R type, 2 × 0.086 = 0.172) drops m8azn.large.
#[test]
fn instance_requirements_resolve_to_the_cheapest_matching_types() {
    const REQ: &str = "instance_requirements = { vcpu_count = { min = 2, max = 2 }, memory_mib = { min = 8192, max = 8192 }, cpu_manufacturers = [\"amd\"] }\n";
    let sc = scenario(&with_group(&format!("{REQ}count = 4\n")));
    let kinds: Vec<&str> = sc.cluster.templates[0]
        .kinds
        .iter()
        .map(|k| k.instance_type.as_str())
        .collect();
    assert_eq!(
        kinds,
        [
            "m5a.large",
            "m6a.large",
            "m5ad.large",
            "m7a.large",
            "m8a.large"
        ]
    );
    // On-Demand defaults to lowest-price with requirements: all m5a.large.
    assert_eq!(types_of(&sc.cluster.instances, false), ["m5a.large"; 4]);
    // All Spot, lowest-price: spread over the 2 cheapest pools of each zone
    // (zones a, b, c, a: the fourth is the second in zone a).
    let spot = instances(&format!(
        "{REQ}count = 4\non_demand_percentage_above_base_capacity = 0\nspot_allocation_strategy = \"lowest-price\"\n"
    ));
    assert_eq!(
        types_of(&spot, true),
        ["m5a.large", "m5a.large", "m5a.large", "m6a.large"]
    );
    let refused = [
        // "prioritized ... cannot be used for groups that do" specify InstanceRequirements.
        (
            format!("{REQ}count = 1\non_demand_allocation_strategy = \"prioritized\"\n"),
            "instance_groups[0].on_demand_allocation_strategy",
        ),
        (
            format!("{REQ}instance_types = [\"m5.large\"]\ncount = 1\n"),
            "only one of them",
        ),
        (
            "instance_requirements = { vcpu_count = { min = 2 }, memory_mib = { min = 4096 }, cpus = 2 }\ncount = 1\n".into(),
            "instance_groups[0].instance_requirements",
        ),
        (
            "instance_requirements = { vcpu_count = { min = 2, max = 2 }, memory_mib = { min = 1000000 } }\ncount = 1\n".into(),
            "memory_mib leaves none",
        ),
    ];
    for (group, want) in refused {
        let (code, err) = validate(&with_group(&group));
        assert_eq!(code, 2, "{group}: {err}");
        assert!(err.contains(want), "{group}: want {want} in {err}");
    }
}
