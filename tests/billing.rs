//! Billing reproduces AWS's rules on cases that can be computed by hand
//! (sources: aws.amazon.com/fargate/pricing, aws.amazon.com/ec2/pricing —
//! per-second billing with a 60-second minimum; "How Savings Plans apply").

mod common;
use common::repo;
use ecsim::billing::PriceBook;
use ecsim::report::Summary;
use ecsim::run::run_to_dir;
use std::path::Path;

fn head(duration: &str) -> String {
    format!(
        r#"
name = "b"
seed = 5
duration = "{duration}"
[cluster]
availability_zones = ["us-east-1a", "us-east-1b"]
[fargate]
provisioning = {{ kind = "constant", value = "0s" }}
"#
    )
}

/// A task definition whose lifecycle steps are all instant, so a job's
/// duration is exactly its billed time.
fn instant_td(family: &str, cpu: u32, mem: u32) -> String {
    format!(
        r#"[[task_definitions]]
family = "{family}"
cpu = {cpu}
memory = {mem}
startup = {{ kind = "constant", value = "0s" }}
shutdown = {{ kind = "constant", value = "0s" }}
"#
    )
}

fn job(name: &str, td: &str, every: &str, count: u32, run: &str, capacity: &str) -> String {
    format!(
        r#"[[jobs]]
name = "{name}"
task_definition = "{td}"
arrivals = {{ kind = "schedule", every = "{every}", count = {count} }}
duration = {{ kind = "constant", value = "{run}" }}
{capacity}
"#
    )
}

fn run(text: &str) -> (Summary, tempfile::TempDir) {
    common::run_in_tmp(text)
}

fn rows(dir: &Path) -> Vec<csv::StringRecord> {
    common::cost_rows(dir)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// 1 vCPU / 2 GB on Fargate for 10 minutes costs (1×0.04048 + 2×0.004445) × 10/60.
#[test]
fn fargate_ten_minutes_by_hand() {
    let text = format!(
        "{}{}{}",
        head("1h"),
        instant_td("t", 1024, 2048),
        job("j", "t", "2h", 1, "10m", "launch_type = \"FARGATE\"")
    );
    let (s, dir) = run(&text);
    let want = (1.0 * 0.04048 + 2.0 * 0.004445) * 10.0 / 60.0;
    assert!(
        close(s.cost.total_cost_usd, want),
        "{} vs {want}",
        s.cost.total_cost_usd
    );
    let r = rows(dir.path());
    assert_eq!(r.len(), 1);
    assert_eq!(&r[0][1], "FARGATE");
    let tasks: Vec<csv::StringRecord> = csv::Reader::from_path(dir.path().join("out/tasks.csv"))
        .unwrap()
        .records()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(
        (&tasks[0][3], tasks[0][4].is_empty()),
        ("FARGATE", true),
        "launch_type, no instance"
    );
    assert!(
        tasks[0][5].starts_with("us-east-1"),
        "a Fargate task has a zone"
    );
    assert_eq!(&r[0][5], "600.000", "billed seconds");
    assert_eq!(&r[0][7], "0.0082283333");
    assert_eq!(s.cost.cost_by_launch_type["FARGATE"], s.cost.total_cost_usd);
    assert!(close(s.cost.cost_by_job["j"], want));
}

/// A 30-second Fargate task is billed the 1-minute minimum; a 61.2-second
/// one is rounded up to 62 seconds.
#[test]
fn fargate_minimum_and_rounding() {
    let text = format!(
        "{}{}{}{}",
        head("1h"),
        instant_td("t", 256, 512),
        job("short", "t", "2h", 1, "30s", "launch_type = \"FARGATE\""),
        job("odd", "t", "2h", 1, "61200ms", "launch_type = \"FARGATE\""),
    );
    let (s, dir) = run(&text);
    let rate = 0.25 * 0.04048 + 0.5 * 0.004445;
    let r = rows(dir.path());
    let billed: Vec<&str> = r.iter().map(|x| &x[5]).collect();
    assert!(
        billed.contains(&"60.000") && billed.contains(&"62.000"),
        "{billed:?}"
    );
    assert!(close(s.cost.total_cost_usd, rate * (60.0 + 62.0) / 3600.0));
}

/// An EC2 instance is billed for its whole life, busy or idle, and the idle
/// part is reported; cost.csv and the hourly series add up to the total.
#[test]
fn ec2_billed_whole_life_including_idle() {
    let text = format!(
        "{}[[instance_groups]]\nname = \"g\"\ninstance_type = \"m5.large\"\ncount = 2\n{}{}",
        head("2h"),
        instant_td("t", 1024, 2048),
        job("j", "t", "3h", 1, "30m", ""),
    );
    let (s, dir) = run(&text);
    assert!(
        close(s.cost.total_cost_usd, 2.0 * 2.0 * 0.096),
        "{}",
        s.cost.total_cost_usd
    );
    // The job reserved 1 of 2 vCPUs and 2 of ~7.8 GB of one instance for 30 min.
    let job_cost = s.cost.cost_by_job["j"];
    assert!(job_cost > 0.0 && job_cost < 0.096 * 0.5);
    assert!(close(
        job_cost + s.cost.idle_capacity_cost_usd,
        s.cost.total_cost_usd
    ));
    let sum: f64 = rows(dir.path())
        .iter()
        .map(|r| r[7].parse::<f64>().unwrap())
        .sum();
    assert!(close(sum, s.cost.total_cost_usd), "cost.csv sums to {sum}");
    let hourly: Vec<f64> = csv::Reader::from_path(dir.path().join("out/cost_timeseries.csv"))
        .unwrap()
        .records()
        .map(|r| r.unwrap()[9].parse().unwrap())
        .collect();
    assert_eq!(hourly.len(), 2);
    assert!(close(hourly.iter().sum::<f64>(), s.cost.total_cost_usd));
    assert!(close(hourly[0], 2.0 * 0.096));
}

/// EC2 Spot at the default discount, a Spot price series, and EBS volumes.
#[test]
fn spot_markets_and_ebs() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("spot.csv"),
        "time,instance_type,usd_per_hour\n0,m5.large,0.04\n1h,m5.large,0.02\n",
    )
    .unwrap();
    let text = format!(
        "{}[[instance_groups]]\nname = \"s\"\ninstance_type = \"m5.large\"\ncount = 1\nmarket = \"spot\"\n[[instance_groups]]\nname = \"c\"\ninstance_type = \"c5.large\"\ncount = 1\nmarket = \"spot\"\n[pricing]\nec2_spot_discount = 0.5\nec2_spot_prices = \"spot.csv\"\nebs_root_volume_gib = 73\n",
        head("2h")
    );
    std::fs::write(dir.path().join("s.toml"), text).unwrap();
    let sc = ecsim::scenario::load(&dir.path().join("s.toml")).unwrap();
    let s = run_to_dir(&sc, 1, &PriceBook::shipped(), &dir.path().join("out")).unwrap();
    let m5 = 0.04 + 0.02; // the series: 0.04 for the first hour, 0.02 for the second
    let c5 = 2.0 * 0.085 * 0.5; // no series for c5: on-demand less the discount
    let ebs = 2.0 * 2.0 * 73.0 * 0.08 / 730.0;
    assert!(
        close(s.cost.cost_by_market["spot"], m5 + c5),
        "{:?}",
        s.cost.cost_by_market
    );
    assert!(
        (s.cost.ebs_cost_usd - ebs).abs() < 1e-6,
        "{}",
        s.cost.ebs_cost_usd
    );
    assert!(close(
        s.cost.total_cost_usd,
        s.cost.cost_by_market["spot"] + s.cost.cost_by_market["on_demand"]
    ));
}

/// A Compute Savings Plan covers the highest-discount usage first, and the
/// commitment is paid even when unused.
#[test]
fn savings_plan_applied_per_hour() {
    let text = format!(
        "{}[[instance_groups]]\nname = \"g\"\ninstance_type = \"m5.xlarge\"\ncount = 1\n{}{}[pricing]\nsavings_plan = {{ commitment_usd_per_hour = 0.15, ec2_discount = 0.25, fargate_discount = 0.5 }}\n",
        head("1h"),
        instant_td("t", 1024, 2048),
        job("f", "t", "2h", 1, "1h", "launch_type = \"FARGATE\""),
    );
    let (s, _dir) = run(&text);
    let fargate = 0.04937; // one hour of 1 vCPU / 2 GB
    let ec2 = 0.192;
    // Fargate (50% off) first: costs 0.024685 at the plan rate, leaving
    // 0.125315 of commitment, which covers 0.125315 / 0.75 of the EC2 usage.
    let covered = fargate + (0.15 - fargate * 0.5) / 0.75;
    assert!(
        (s.cost.savings_plan_covered_usd - covered).abs() < 1e-9,
        "{}",
        s.cost.savings_plan_covered_usd
    );
    assert!(close(s.cost.total_cost_usd, fargate + ec2 - covered + 0.15));
}

/// FARGATE_SPOT tasks cost the discounted price; base and weight split tasks
/// as the capacity provider strategy says.
#[test]
fn fargate_spot_split_and_price() {
    let (s, dir) = run(
        &std::fs::read_to_string(repo().join("scenarios/web-fargate-spot.toml"))
            .unwrap()
            .replace("7d", "2h"),
    );
    let r = rows(dir.path());
    let spot = r.iter().filter(|x| &x[1] == "FARGATE_SPOT").count();
    let regular = r.iter().filter(|x| &x[1] == "FARGATE").count();
    // 6 tasks: base 2 on FARGATE, the other 4 split 1:3.
    assert_eq!((regular, spot), (3, 3));
    for x in &r {
        let rate: f64 = x[6].parse().unwrap();
        let want = if &x[1] == "FARGATE_SPOT" {
            0.04937 * 0.3
        } else {
            0.04937
        };
        assert!((rate - want).abs() < 1e-9, "{rate}");
    }
    let total: f64 = r.iter().map(|x| x[7].parse::<f64>().unwrap()).sum();
    assert!(close(total, s.cost.total_cost_usd));
}

/// The three shipped web scenarios compare as expected: Fargate Spot is the
/// cheapest; every dollar is attributed to a service, idle capacity or storage.
#[test]
fn three_way_comparison() {
    let mut totals = Vec::new();
    for name in ["web-ec2", "web-fargate", "web-fargate-spot"] {
        let (s, _d) =
            run(&std::fs::read_to_string(repo().join(format!("scenarios/{name}.toml"))).unwrap());
        let attributed: f64 = s.cost.cost_by_service.values().sum::<f64>()
            + s.cost.idle_capacity_cost_usd
            + s.cost.ebs_cost_usd;
        assert!((attributed - s.cost.total_cost_usd).abs() < 1e-6, "{name}");
        totals.push(s.cost.total_cost_usd);
    }
    assert!(
        (totals[0] - (3.0 * 0.096 * 168.0 + 3.0 * 30.0 * 0.08 / 730.0 * 168.0)).abs() < 1e-3,
        "{}",
        totals[0]
    );
    assert!(totals[1] < 6.0 * 0.04937 * 168.0 && totals[1] > 6.0 * 0.04937 * 167.9);
    assert!(totals[2] < totals[0] && totals[2] < totals[1]);
}

/// "Billing for interrupted Spot Instances" (EC2 user guide): a Linux Spot
/// instance EC2 interrupts in its first instance-hour costs nothing; one
/// interrupted later is billed per second up to the interruption.
#[test]
fn spot_interrupted_in_first_hour_is_free() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("times.txt"), "30m\n3h\n").unwrap();
    let text = format!(
        "{}[[instance_groups]]\nname = \"s\"\ninstance_type = \"m5.large\"\ncount = 2\nmarket = \"spot\"\n\
         [pricing]\nec2_spot_discount = 0.5\n\
         [[faults]]\nkind = \"spot_interruption\"\ntimes = \"times.txt\"\ncapacity = \"ec2\"\n",
        head("4h")
    );
    let path = dir.path().join("s.toml");
    std::fs::write(&path, text).unwrap();
    let sc = ecsim::scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let s = run_to_dir(&sc, sc.seed, &PriceBook::shipped(), &dir.path().join("out"))
        .unwrap_or_else(|e| panic!("{e}"));
    let r = rows(dir.path());
    let inst = |id: &str| r.iter().find(|x| &x[0] == id).unwrap().clone();
    let hourly = 0.096 * 0.5;
    // i-1: noticed at 30 min, reclaimed 2 minutes later, inside its first hour.
    let first = inst("i-00000000000000001");
    assert_eq!((&first[3], &first[4]), ("0.000", "1920.000"));
    assert_eq!(first[7].parse::<f64>().unwrap(), 0.0);
    assert!(first[9].contains("interrupted by EC2 in its first hour"));
    // i-2: reclaimed at 3h02m, billed for all of it.
    let second = inst("i-00000000000000002");
    assert_eq!(&second[4], "10920.000");
    assert!(close(second[7].parse().unwrap(), hourly * 10920.0 / 3600.0));
    // Each replacement runs from 15 s after its launch (the `pending` state)
    // to the end.
    let third = inst("i-00000000000000003");
    assert_eq!((&third[3], &third[4]), ("1815.000", "14400.000"));
    let sum: f64 = r.iter().map(|x| x[7].parse::<f64>().unwrap()).sum();
    assert!(close(sum, s.cost.total_cost_usd));
}

/// The user's own scale-in of Spot instances is billed as usual, even
/// within the first hour; and a launched instance is billed from `running`
/// ("Instance state changes": pending is not billed), after `pending_delay`.
#[test]
fn spot_scale_in_is_billed_and_pending_is_free() {
    let text = std::fs::read_to_string(repo().join("scenarios/batch-wave.toml"))
        .unwrap()
        .replace("3d", "2h")
        .replace("count = 2\n", "count = 10\nmarket = \"spot\"\n")
        .replace(
            "launch_delay =",
            "pending_delay = { kind = \"constant\", value = \"40s\" }\nlaunch_delay =",
        );
    let (_, dir) = run(&text);
    let r = rows(dir.path());
    let ec2: Vec<_> = r.iter().filter(|x| &x[1] == "ec2_instance").collect();
    // Eight idle instances scaled in at 15-17 minutes: billed, not free.
    let early: Vec<_> = ec2
        .iter()
        .filter(|x| x[4].parse::<f64>().unwrap() < 3600.0)
        .collect();
    assert_eq!(early.len(), 8, "{ec2:?}");
    assert!(early.iter().all(|x| x[7].parse::<f64>().unwrap() > 0.0));
    // Launched by the 01:00 wave at 01:01 (3660 s), billed from 3700 s.
    let late: Vec<_> = ec2.iter().filter(|x| &x[3] != "0.000").collect();
    assert!(!late.is_empty());
    assert!(late.iter().all(|x| &x[3] == "3700.000"), "{late:?}");
    let instances = std::fs::read_to_string(dir.path().join("out/instances.csv")).unwrap();
    assert!(instances.lines().next().unwrap().contains("running_s"));
}

/// A group that starts empty behind a capacity provider (scale from zero,
/// "Amazon ECS capacity providers" / "Managed scaling behavior") is billed
/// at its type's on-demand price for what it launches: c5.2xlarge $0.34 per
/// hour (aws.amazon.com/ec2/pricing/on-demand), never $0 because no
/// instance of the type ran at time 0.
#[test]
fn a_group_that_starts_empty_is_billed_for_what_it_launches() {
    let text = std::fs::read_to_string(repo().join("scenarios/batch-wave.toml"))
        .unwrap()
        .replace("3d", "1d")
        .replace("count = 2\nmin_size = 2", "count = 0\nmin_size = 0");
    let (summary, dir) = run(&text);
    let r = rows(dir.path());
    let ec2: Vec<_> = r.iter().filter(|x| &x[1] == "ec2_instance").collect();
    assert!(ec2.len() >= 2, "the wave launched instances: {ec2:?}");
    let mut total = 0.0;
    for x in &ec2 {
        assert_eq!(&x[9], "c5.2xlarge");
        assert!(close(x[6].parse().unwrap(), 0.34), "rate of {x:?}");
        let billed: f64 = x[5].parse().unwrap();
        let usd: f64 = x[7].parse().unwrap();
        assert!((usd - billed / 3600.0 * 0.34).abs() < 1e-6, "{x:?}");
        total += usd;
    }
    assert!(total > 1.0, "{total}");
    assert!(summary.cost.total_cost_usd >= total - 1e-6);
}

/// A type a group can launch but no price book prices is refused before
/// the run (exit 2), naming the scenario field and how to give a price.
#[test]
fn a_launchable_type_without_a_price_is_an_input_error() {
    let text = std::fs::read_to_string(repo().join("scenarios/batch-wave.toml"))
        .unwrap()
        .replace("count = 2\nmin_size = 2", "count = 0\nmin_size = 0")
        .replace("instance_type = \"c5.2xlarge\"", "instance_type = \"x9.big\"")
        .replacen(
            "[[instance_groups]]",
            "[[instance_types]]\nname = \"x9.big\"\nvcpu = 8\nmemory_mib = 16384\n\n[[instance_groups]]",
            1,
        );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), &text).unwrap();
    for cmd in ["validate", "price"] {
        let out = common::ecsim_in(dir.path(), &[cmd, "s.toml"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{cmd}: {err}");
        assert!(
            // A declared type is priced where it is declared (issue 29 item 15).
            err.contains("s.toml: instance_types[0].usd_per_hour: no on-demand price for instance type x9.big"),
            "{err}"
        );
        assert!(
            err.contains("usd_per_hour") && err.contains("--prices"),
            "{err}"
        );
    }
    // With a price it runs, and bills at that price.
    let priced = text.replace(
        "memory_mib = 16384\n",
        "memory_mib = 16384\nusd_per_hour = 0.5\n",
    );
    let (_, out) = run(&priced.replace("3d", "1d"));
    let r = rows(out.path());
    let ec2: Vec<_> = r.iter().filter(|x| &x[1] == "ec2_instance").collect();
    assert!(!ec2.is_empty() && ec2.iter().all(|x| close(x[6].parse().unwrap(), 0.5)));
}
