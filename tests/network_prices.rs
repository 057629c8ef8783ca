//! Prices beyond compute, opted into in the scenario: public IPv4 addresses
//! ($0.005 per address-hour, in use or idle: aws.amazon.com/vpc/pricing, since
//! 1 February 2024) and Application Load Balancers (per ALB-hour or partial
//! hour plus LCU-hours: aws.amazon.com/elasticloadbalancing/pricing). What
//! ecsim leaves out is said in the output.

mod common;
use common::{GOOD, ecsim_in, repo};

use common::{cost_rows, run_in_tmp as run};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// Two m5.large with a public address each for an hour: 2 × $0.005.
#[test]
fn instance_public_ipv4_per_address_hour() {
    let (s, dir) = run(&GOOD.replace("m5.large\"\n", "m5.large\"\npublic_ip = true\n"));
    assert!(
        close(s.cost.public_ipv4_cost_usd, 2.0 * 0.005),
        "{}",
        s.cost.public_ipv4_cost_usd
    );
    let rows = cost_rows(dir.path());
    let ip: Vec<_> = rows.iter().filter(|r| &r[1] == "public_ipv4").collect();
    assert_eq!(ip.len(), 2);
    let sum: f64 = rows.iter().map(|r| r[7].parse::<f64>().unwrap()).sum();
    assert!(close(sum, s.cost.total_cost_usd));
    // Compute is unchanged by the opt-in: EC2 is 2 × $0.096.
    assert!(close(s.cost.cost_by_launch_type["EC2"], 2.0 * 0.096));
    // Not opted in: no address billed.
    let (plain, _) = run(GOOD);
    assert_eq!(plain.cost.public_ipv4_cost_usd, 0.0);
}

/// assignPublicIp on a Fargate service: one address per task for exactly
/// the time the task is billed.
#[test]
fn fargate_task_public_ipv4_follows_the_task() {
    let text = std::fs::read_to_string(repo().join("scenarios/web-fargate.toml"))
        .unwrap()
        .replace("duration = \"7d\"", "duration = \"1d\"")
        .replace(
            "launch_type = \"FARGATE\"",
            "launch_type = \"FARGATE\"\nassign_public_ip = true",
        );
    let (s, dir) = run(&text);
    let rows = cost_rows(dir.path());
    let secs = |kind: &str| -> f64 {
        rows.iter()
            .filter(|r| &r[1] == kind)
            .map(|r| r[5].parse::<f64>().unwrap())
            .sum()
    };
    let task_s = secs("FARGATE");
    assert!(task_s > 6.0 * 86_000.0);
    assert!(close(secs("public_ipv4"), task_s));
    assert!(
        (s.cost.public_ipv4_cost_usd - task_s / 3600.0 * 0.005).abs() < 1e-6,
        "{} vs {}",
        s.cost.public_ipv4_cost_usd,
        task_s / 3600.0 * 0.005
    );
    let hourly = std::fs::read_to_string(dir.path().join("out/cost_timeseries.csv")).unwrap();
    assert!(
        hourly
            .lines()
            .next()
            .unwrap()
            .ends_with(",public_ipv4_usd,load_balancer_usd")
    );
}

#[test]
fn public_ip_on_ec2_tasks_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("s.toml"),
        GOOD.replace(
            "desired_count = 2",
            "desired_count = 2\nassign_public_ip = true",
        ),
    )
    .unwrap();
    let out = ecsim_in(dir.path(), &["validate", "s.toml"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("services[0].assign_public_ip") && err.contains("Fargate"),
        "{err}"
    );
}

/// `ecsim price` lists the addresses on a line of their own and says what
/// it leaves out.
#[test]
fn price_lists_network_and_what_is_left_out() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("s.toml"),
        GOOD.replace("m5.large\"\n", "m5.large\"\npublic_ip = true\n"),
    )
    .unwrap();
    let out = ecsim_in(dir.path(), &["price", "s.toml"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("public IPv4 addresses"), "{text}");
    assert!(
        text.contains("Not included: NAT gateways, data transfer"),
        "{text}"
    );
    let out = ecsim_in(dir.path(), &["price", "s.toml", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["not_priced"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x == "NAT gateways")
    );
    let line = v["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["item"] == "public IPv4 addresses")
        .unwrap();
    assert!(close(line["simulated_usd"].as_f64().unwrap(), 0.01));
}

/// A service behind an ALB serving a constant 100 requests a second for
/// 90 minutes (from its second minute, once tasks run): 2 ALB-hours (the
/// partial hour counts whole) and, by default (one request per connection,
/// 10 kB each, one rule), LCUs from new connections (processed bytes give
/// less): hour 0 served 59 minutes, 354,000 / 3600 / 25 = 3.93 LCU; the
/// half hour 1 at 100 rps, 4 LCU for 0.5 h.
#[test]
fn alb_hours_and_lcus_from_served_requests() {
    let text = GOOD
        .replace("duration = \"1h\"", "duration = \"90m\"")
        .replace(
            "desired_count = 2",
            "desired_count = 4\ndemand = { kind = \"constant\", value = 100 }\ncapacity_per_task = 50\nload_balancer = { healthy_threshold = 2, health_check_interval = \"10s\" }",
        );
    let (s, dir) = run(&text);
    let served = s.services["web"].load.as_ref().unwrap().served_requests;
    assert!(
        (served - 100.0 * 60.0 * 89.0).abs() < 1.0,
        "served {served}"
    );
    let lcu_hours = 354_000.0 / 3600.0 / 25.0 + 4.0 * 0.5;
    let want = 2.0 * 0.0225 + lcu_hours * 0.008;
    assert!(
        (s.cost.load_balancer_cost_usd - want).abs() < 1e-9,
        "{} vs {want}",
        s.cost.load_balancer_cost_usd
    );
    assert!((s.cost.load_balancer_cost_by_service["web"] - want).abs() < 1e-9);
    let rows = cost_rows(dir.path());
    let lcu = rows.iter().find(|r| &r[1] == "load_balancer_lcu").unwrap();
    assert_eq!(lcu[9], format!("{lcu_hours:.6} LCU-hours"));
    let sum: f64 = rows.iter().map(|r| r[7].parse::<f64>().unwrap()).sum();
    assert!(close(sum, s.cost.total_cost_usd));
    // Bytes dominate when requests are large: 100 rps × 50 kB = 18 GB/h,
    // 4.5 × the new-connection LCUs.
    let (big, _) = run(&text.replace(
        "health_check_interval = \"10s\" }",
        "health_check_interval = \"10s\", bytes_per_request = 50000 }",
    ));
    let want = 2.0 * 0.0225 + 4.5 * lcu_hours * 0.008;
    assert!((big.cost.load_balancer_cost_usd - want).abs() < 1e-9);
}

#[test]
fn bad_load_balancer_traffic_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("s.toml"),
        GOOD.replace(
            "desired_count = 2",
            "desired_count = 2\nload_balancer = { requests_per_connection = 0 }",
        ),
    )
    .unwrap();
    let out = ecsim_in(dir.path(), &["validate", "s.toml"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("services[0].load_balancer.requests_per_connection"),
        "{err}"
    );
}
