//! Billing of mixed-instances Auto Scaling groups: each instance at its own
//! type and market, every type priced before the run, Spot choices from the
//! run's prices ("Allocation strategies for multiple instance types", Amazon
//! EC2 Auto Scaling User Guide), and the shipped scenario and plan that
//! compare such a fleet with others.

mod common;
use common::mixed::with_group;
use common::{repo, scenario};
use std::path::Path;

/// A CSV file's rows, the header first.
fn csv(path: &Path) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .unwrap();
    r.records()
        .map(|x| x.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// Each instance is billed at its own type and market; instances.csv says
/// both; a `--prices` book that makes another type cheapest changes the
/// choice (the run's prices, not the catalog's).
#[test]
fn each_instance_is_billed_at_its_type_and_market() {
    let text = with_group(
        "instance_types = [\"m5.xlarge\", \"m5a.xlarge\", \"m6a.xlarge\"]\ncount = 4\non_demand_base_capacity = 1\non_demand_percentage_above_base_capacity = 0\n",
    ) + "[pricing]\nec2_spot_discount = 0.5\n";
    let sc = scenario(&text);
    let dir = tempfile::tempdir().unwrap();
    ecsim::run::run_to_dir(&sc, 1, &ecsim::billing::PriceBook::shipped(), dir.path()).unwrap();
    let inst = csv(&dir.path().join("instances.csv"));
    let col = |name: &str| inst[0].iter().position(|c| c == name).unwrap();
    let rows: Vec<(String, String)> = inst[1..]
        .iter()
        .map(|r| (r[col("instance_type")].clone(), r[col("market")].clone()))
        .collect();
    let want = |t: &str, m: &str| (t.to_string(), m.to_string());
    assert_eq!(
        rows,
        [
            want("m5.xlarge", "on-demand"),
            want("m5a.xlarge", "spot"),
            want("m5a.xlarge", "spot"),
            want("m5a.xlarge", "spot"),
        ]
    );
    let cost = csv(&dir.path().join("cost.csv"));
    let rate = |id: &str| -> f64 {
        let r = cost.iter().find(|r| r[0] == id).unwrap();
        r[6].parse().unwrap()
    };
    assert_eq!(rate("i-00000000000000001"), 0.192);
    assert_eq!(rate("i-00000000000000002"), 0.086);
    // The run's prices: with m6a.xlarge at $0.10 it is the cheapest pool.
    let prices = dir.path().join("p.csv");
    std::fs::write(
        &prices,
        "region,product,key,unit,usd\nus-east-1,ec2,m6a.xlarge,hour,0.10\n",
    )
    .unwrap();
    let book = ecsim::billing::PriceBook::with_overrides(&prices).unwrap();
    let out = dir.path().join("o2");
    ecsim::run::run_to_dir(&sc, 1, &book, &out).unwrap();
    let inst = csv(&out.join("instances.csv"));
    let types: Vec<&str> = inst[1..].iter().map(|r| r[2].as_str()).collect();
    assert_eq!(
        types,
        ["m5.xlarge", "m6a.xlarge", "m6a.xlarge", "m6a.xlarge"]
    );
    let cost = csv(&out.join("cost.csv"));
    let r = cost.iter().find(|r| r[0] == "i-00000000000000002").unwrap();
    assert_eq!(r[6].parse::<f64>().unwrap(), 0.05);
}

/// The shipped scenario runs and does what its comment says.
#[test]
fn mixed_fleet_scenario_launches_the_documented_types() {
    let sc = ecsim::scenario::load(&repo().join("scenarios/mixed-fleet.toml")).unwrap();
    let at0: Vec<(&str, bool, u32)> = sc
        .cluster
        .instances
        .iter()
        .map(|i| (i.instance_type.as_str(), i.spot, i.az))
        .collect();
    // 6 units: 2 + ⌈30% of 4⌉ = 4 On-Demand (m5.xlarge, prioritized), 2 Spot
    // in zones b and c (m5a.xlarge: no risk there, cheapest).
    assert_eq!(
        at0,
        [
            ("m5.xlarge", false, 0),
            ("m5.xlarge", false, 1),
            ("m5.xlarge", false, 2),
            ("m5.xlarge", false, 0),
            ("m5a.xlarge", true, 1),
            ("m5a.xlarge", true, 2),
        ]
    );
}

/// fleet-compare.plan.toml's options (a)-(d): the mixed group (70% Spot
/// over four types) costs less than one type On-Demand, takes the Spot wave
/// (interruptions) and still meets the targets; Managed Instances (c),
/// On-Demand, is billed the management fee beside EC2 and loses nothing to
/// the wave.
#[test]
fn fleet_compare_plan_ranks_the_mixed_group_below_on_demand() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("plan");
    let st = std::process::Command::new(env!("CARGO_BIN_EXE_ecsim"))
        .args(["plan", "-q", "--out"])
        .arg(&out)
        .arg(repo().join("scenarios/fleet-compare.plan.toml"))
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(0));
    let rows = csv(&out.join("aggregate.csv"));
    let col = |name: &str| rows[0].iter().position(|c| c == name).unwrap();
    let point = |p: &str, name: &str| -> f64 {
        let r = rows.iter().find(|r| r[0] == p).unwrap();
        r[col(name)].parse().unwrap_or(0.0)
    };
    let cost = "total_cost_usd.mean";
    assert!(point("1", cost) < point("0", cost) * 0.8);
    assert_eq!(point("0", "tasks_stopped_by_spot_interruption.mean"), 0.0);
    assert!(point("1", "tasks_stopped_by_spot_interruption.mean") > 0.0);
    assert!(point("1", "services.web.availability.availability_pct.mean") >= 99.5);
    assert!(point("2", "managed_instances_fee_usd.mean") > 0.0);
    assert_eq!(point("2", "tasks_stopped_by_spot_interruption.mean"), 0.0);
    assert_eq!(point("2", "cost_by_purchase_option.ec2_spot.mean"), 0.0);
    assert_eq!(point("0", "managed_instances_fee_usd.mean"), 0.0);
}

/// Every type a mixed group may launch is priced before the run: a type
/// without a price is an input error (exit 2) naming its override.
#[test]
fn an_unpriced_override_is_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.toml");
    std::fs::write(
        &file,
        with_group("instance_types = [\"m5.large\", \"hpc6a.48xlarge\"]\ncount = 1\n"),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ecsim"))
        .args(["run", "-q", "--out"])
        .arg(dir.path().join("out"))
        .arg(&file)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("instance_groups[0].instance_types[1]"),
        "{err}"
    );
    assert!(err.contains("hpc6a.48xlarge"), "{err}");
}

/// Spot choices read the scenario's Spot price series at launch time: a
/// series that makes the priciest type the cheapest Spot pool wins it.
#[test]
fn spot_choices_follow_the_price_series() {
    let dir = tempfile::tempdir().unwrap();
    // m6i.xlarge (On-Demand $0.192) at $0.03 from the start; m5a.xlarge
    // (On-Demand $0.172, Spot $0.06 at the default discount) otherwise.
    std::fs::write(
        dir.path().join("spot.csv"),
        "time,instance_type,usd_per_hour\n0,m6i.xlarge,0.03\n",
    )
    .unwrap();
    let file = dir.path().join("s.toml");
    std::fs::write(
        &file,
        with_group(
            "instance_types = [\"m5.xlarge\", \"m6i.xlarge\", \"m5a.xlarge\"]\ncount = 3\non_demand_percentage_above_base_capacity = 0\n",
        ) + "[pricing]\nec2_spot_prices = \"spot.csv\"\n",
    )
    .unwrap();
    let sc = ecsim::scenario::load(&file).unwrap();
    let types: Vec<&str> = sc
        .cluster
        .instances
        .iter()
        .map(|i| i.instance_type.as_str())
        .collect();
    assert_eq!(types, ["m6i.xlarge"; 3]);
}
