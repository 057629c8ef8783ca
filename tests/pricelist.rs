//! `--prices` with AWS's own offer files: excerpts of the eu-west-1
//! AmazonEC2 file (CSV and JSON) and AmazonECS file (JSON) in AWS's layout,
//! with rows that must be passed over (Windows, Dedicated, RHEL, SQL Web,
//! capacity reservations, Reserved terms, gp2, Fargate Windows and Spot).

mod common;
use common::{ecsim_in, repo};
use ecsim::billing::PriceBook;
use ecsim::pricelist::{PriceRow, read_any};
use ecsim::run::run_to_dir;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    repo().join("tests/fixtures/pricelist").join(name)
}

fn rows(path: &Path) -> Vec<(String, &'static str, String, i128)> {
    read_any(path)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(
            |PriceRow {
                 region,
                 product,
                 key,
                 pico,
             }| (region, product, key, pico),
        )
        .collect()
}

fn row(product: &'static str, key: &str, pico: i128) -> (String, &'static str, String, i128) {
    ("eu-west-1".into(), product, key.into(), pico)
}

#[test]
fn ec2_offer_keeps_linux_shared_used_on_demand_only() {
    let want = vec![
        row("ebs_gp3_gb", "any", 88_000_000_000),
        row("ec2", "m5.large", 107_000_000_000),
        row("ec2", "m5.xlarge", 214_000_000_000),
    ];
    assert_eq!(rows(&fixture("ec2-eu-west-1.csv")), want);
    assert_eq!(rows(&fixture("ec2-eu-west-1.json")), want);
}

#[test]
fn ecs_offer_gives_fargate_prices() {
    assert_eq!(
        rows(&fixture("ecs-eu-west-1.json")),
        vec![
            row("fargate_ephemeral_gb", "any", 122_000_000),
            row("fargate_gb", "arm64", 3_890_000_000),
            row("fargate_gb", "x86_64", 4_865_000_000),
            row("fargate_vcpu", "arm64", 35_650_000_000),
            row("fargate_vcpu", "x86_64", 44_560_000_000),
        ]
    );
}

/// Two hours of an m5.large and an m5.xlarge with 73 GiB gp3 roots, and a
/// one-hour 1 vCPU / 2 GB Fargate job, in eu-west-1.
const EU: &str = r#"
name = "eu"
seed = 5
duration = "2h"
region = "eu-west-1"
[cluster]
availability_zones = ["eu-west-1a", "eu-west-1b"]
[fargate]
provisioning = { kind = "constant", value = "0s" }
[[instance_groups]]
name = "a"
instance_type = "m5.large"
count = 1
[[instance_groups]]
name = "b"
instance_type = "m5.xlarge"
count = 1
[[task_definitions]]
family = "t"
cpu = 1024
memory = 2048
startup = { kind = "constant", value = "0s" }
shutdown = { kind = "constant", value = "0s" }
[[jobs]]
name = "f"
task_definition = "t"
arrivals = { kind = "schedule", every = "4h", count = 1 }
duration = { kind = "constant", value = "1h" }
launch_type = "FARGATE"
[pricing]
ebs_root_volume_gib = 73
"#;

fn bill(prices: &[&str]) -> ecsim::report::Summary {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("eu.toml");
    std::fs::write(&path, EU).unwrap();
    let sc = ecsim::scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let files: Vec<PathBuf> = prices.iter().map(|p| fixture(p)).collect();
    let book = PriceBook::with_overrides_all(&files).unwrap_or_else(|e| panic!("{e}"));
    run_to_dir(&sc, sc.seed, &book, &dir.path().join("out")).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn offer_files_price_a_run_in_eu_west_1() {
    let ec2 = 2.0 * 0.107 + 2.0 * 0.214;
    let ebs = 2.0 * 2.0 * 73.0 * 0.088 / 730.0;
    let fargate = 0.04456 + 2.0 * 0.004865;
    for ec2_file in ["ec2-eu-west-1.csv", "ec2-eu-west-1.json"] {
        let s = bill(&[ec2_file, "ecs-eu-west-1.json"]);
        assert_eq!(s.cost.region, "eu-west-1");
        assert!(
            (s.cost.ebs_cost_usd - ebs).abs() < 1e-6,
            "{}",
            s.cost.ebs_cost_usd
        );
        assert!(
            (s.cost.cost_by_launch_type["FARGATE"] - fargate).abs() < 1e-9,
            "{:?}",
            s.cost.cost_by_launch_type
        );
        assert!(
            (s.cost.total_cost_usd - (ec2 + ebs + fargate)).abs() < 1e-6,
            "{} vs {}",
            s.cost.total_cost_usd,
            ec2 + ebs + fargate
        );
        assert!(
            s.cost.price_source.contains(ec2_file),
            "{}",
            s.cost.price_source
        );
    }
}

#[test]
fn a_region_without_prices_names_the_files_to_fetch() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("eu.toml"), EU).unwrap();
    let out = ecsim_in(dir.path(), &["validate", "eu.toml"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    for want in [
        "no prices for region \"eu-west-1\"",
        "curl -o ec2-eu-west-1.csv https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonEC2/current/eu-west-1/index.csv",
        "curl -o ecs-eu-west-1.csv https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonECS/current/eu-west-1/index.csv",
        "--prices ec2-eu-west-1.csv --prices ecs-eu-west-1.csv",
    ] {
        assert!(err.contains(want), "{want}: {err}");
    }
    // With the EC2 file only, the Fargate prices are what is missing.
    let ec2 = fixture("ec2-eu-west-1.csv");
    let out = ecsim_in(
        dir.path(),
        &["validate", "eu.toml", "--prices", ec2.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Fargate vCPU price") && err.contains("AmazonECS/current/eu-west-1/index.csv"),
        "{err}"
    );
    // Both files: the scenario checks out.
    let ecs = fixture("ecs-eu-west-1.json");
    let out = ecsim_in(
        dir.path(),
        &[
            "validate",
            "eu.toml",
            "--prices",
            ec2.to_str().unwrap(),
            "--prices",
            ecs.to_str().unwrap(),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Writes `text` to a file and reads it as an offer file; the error text.
fn refused(name: &str, text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    let e = read_any(&path).expect_err("refused").to_string();
    assert!(e.starts_with(&path.display().to_string()), "{e}");
    e
}

fn csv_fixture() -> String {
    std::fs::read_to_string(fixture("ec2-eu-west-1.csv")).unwrap()
}

fn json_fixture() -> String {
    std::fs::read_to_string(fixture("ec2-eu-west-1.json")).unwrap()
}

#[test]
fn malformed_csv_offer_files_are_refused_with_where_and_what() {
    let csv = csv_fixture();
    let e = refused("a.csv", &csv.replace(",\"Tenancy\",", ",\"Tenancy2\","));
    assert!(
        e.contains("line 6: the header row has no \"Tenancy\" column"),
        "{e}"
    );
    let e = refused("b.csv", &csv.replacen("\"0.1070000000\"", "\"0.1O7\"", 1));
    assert!(e.contains("line 7: PricePerUnit: expected a price"), "{e}");
    assert!(!e.contains("0.1O7"), "{e}");
    let e = refused(
        "c.csv",
        &csv.replacen("\"Hrs\",\"0.1070000000\"", "\"GB-Mo\",\"0.1070000000\"", 1),
    );
    assert!(
        e.contains("line 7: Unit: unit of ec2 m5.large: expected Hrs"),
        "{e}"
    );
    let e = refused("d.csv", &csv.replacen("\"USD\"", "\"CNY\"", 1));
    assert!(e.contains("line 7: Currency: expected USD"), "{e}");
    // The same item at two prices: ecsim would otherwise pick one silently.
    let dup = csv
        .lines()
        .nth(6)
        .unwrap()
        .replace("0.1070000000", "0.1080000000");
    let e = refused("e.csv", &format!("{csv}{dup}\n"));
    assert!(e.contains("a second, different on-demand price for ec2 m5.large in eu-west-1 (the first is at line 7)"), "{e}");
    let head: String = csv.lines().take(5).map(|l| format!("{l}\n")).collect();
    let e = refused("f.csv", &head);
    assert!(e.contains("has no header row"), "{e}");
    let e = refused(
        "g.csv",
        &format!("{head}\"SKU\",\"TermType\"\n\"X\",\"OnDemand\"\n"),
    );
    assert!(e.contains("no \"Region Code\" column"), "{e}");
    // A file with no usable price at all (another service's offer file).
    let other = csv.lines().take(6).collect::<Vec<_>>().join("\n");
    let e = refused("h.csv", &format!("{other}\n"));
    assert!(e.contains("has no price ecsim uses"), "{e}");
}

#[test]
fn malformed_json_offer_files_are_refused_with_where_and_what() {
    let json = json_fixture();
    let e = refused("a.json", &json[..json.len() / 2]);
    assert!(e.contains("the JSON ends early"), "{e}");
    let e = refused(
        "b.json",
        &json.replacen("\"USD\": \"0.1070000000\"", "\"USD\": 0.1070000001", 1),
    );
    assert!(
        e.contains("not the layout of an AWS offer file (in terms.OnDemand, entry 1)"),
        "{e}"
    );
    assert!(!e.contains("0.1070000001"), "{e}");
    let e = refused(
        "c.json",
        &json.replacen("\"regionCode\": \"eu-west-1\",", "", 1),
    );
    assert!(
        e.contains("products, entry 1: attributes.regionCode: missing"),
        "{e}"
    );
    let e = refused(
        "d.json",
        &json.replacen("\"unit\": \"Hrs\"", "\"unit\": \"Quantity\"", 1),
    );
    assert!(
        e.contains("terms.OnDemand of products, entry 1: unit: unit of ec2 m5.large: expected Hrs"),
        "{e}"
    );
    let e = refused("e.json", "{\"products\": [1, 2]}");
    assert!(e.contains("line 1 column"), "{e}");
    let e = refused("f.json", "{\"products\": {}, \"terms\": {}} trailing");
    assert!(e.contains("not valid JSON"), "{e}");
}

#[test]
fn the_sweep_fingerprint_covers_offer_prices() {
    let a = PriceBook::with_overrides_all(&[fixture("ec2-eu-west-1.csv")]).unwrap();
    let b = PriceBook::with_overrides_all(&[fixture("ec2-eu-west-1.json")]).unwrap();
    assert_eq!(a.overrides, b.overrides);
    assert!(
        a.overrides.contains("eu-west-1,ec2,m5.large,hour,"),
        "{}",
        a.overrides
    );
}

/// `--region` prices a scenario written for us-east-1 in eu-west-1 with
/// that region's offer file (m5.large $0.107/h there, $0.096 in us-east-1);
/// without it, the offer file prices nothing of the run's region and is
/// refused naming both regions, where it used to print the us-east-1 bill
/// without a word. Zones of another region get a note.
#[test]
fn region_flag_and_offer_files_of_another_region() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = common::repo().join("scenarios/web-ec2.toml");
    let offer = fixture("ec2-eu-west-1.csv");
    let (s, o) = (scenario.to_str().unwrap(), offer.to_str().unwrap());
    let out = common::ecsim_in(dir.path(), &["price", s, "--prices", o]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("ec2-eu-west-1.csv: has no price for region us-east-1")
            && err.contains("it prices region eu-west-1")
            && err.contains("--region eu-west-1"),
        "{err}"
    );
    for cmd in [
        vec!["price", s, "--prices", o, "--region", "eu-west-1"],
        vec![
            "run",
            s,
            "--prices",
            o,
            "--region",
            "eu-west-1",
            "--out",
            "eu",
            "-q",
        ],
    ] {
        let out = common::ecsim_in(dir.path(), &cmd);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{cmd:?}: {err}");
        assert!(
            err.contains(
                "availability zones us-east-1a, us-east-1b, us-east-1c are not in region eu-west-1"
            ),
            "{err}"
        );
    }
    let text = std::fs::read_to_string(dir.path().join("eu/cost.csv")).unwrap();
    let ec2: Vec<&str> = text
        .lines()
        .filter(|l| l.contains(",ec2_instance,"))
        .collect();
    assert_eq!(ec2.len(), 3);
    assert!(
        ec2.iter()
            .all(|l| l.split(',').nth(6) == Some("0.1070000000")),
        "{ec2:?}"
    );
    let summary = std::fs::read_to_string(dir.path().join("eu/summary.json")).unwrap();
    assert!(summary.contains("\"region\": \"eu-west-1\""), "{summary}");
    // The same scenario in its own region: no note, us-east-1's price.
    let out = common::ecsim_in(dir.path(), &["run", s, "--out", "us", "-q"]);
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(dir.path().join("us/cost.csv")).unwrap();
    assert!(
        text.lines()
            .filter(|l| l.contains(",ec2_instance,"))
            .all(|l| l.split(',').nth(6) == Some("0.0960000000"))
    );
}

#[test]
fn zone_names_tell_their_region() {
    use ecsim::scenario::zone_region;
    assert_eq!(zone_region("eu-west-1b"), Some("eu-west-1"));
    assert_eq!(zone_region("us-gov-west-1a"), Some("us-gov-west-1"));
    assert_eq!(zone_region("ap-southeast-2c"), Some("ap-southeast-2"));
    for not_a_zone in ["a", "zone-a", "us-east-1", "us-east-1ab", "use1-az1", ""] {
        assert_eq!(zone_region(not_a_zone), None, "{not_a_zone}");
    }
}

/// The load balancer's and public IPv4 prices are us-east-1's list prices
/// unless `[pricing]` gives them: priced for another region, the run says
/// which keys it took from us-east-1 (never a silent default).
#[test]
fn network_prices_of_us_east_1_in_another_region_are_said() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(repo().join("scenarios/web-ec2.toml"))
        .unwrap()
        .replace(
            "desired_count = 6\n",
            "desired_count = 6\nload_balancer = {}\n",
        )
        .replace("region = \"us-east-1\"", "region = \"eu-west-1\"")
        .replace("us-east-1", "eu-west-1");
    std::fs::write(dir.path().join("s.toml"), &text).unwrap();
    let offer = fixture("ec2-eu-west-1.csv");
    let o = offer.to_str().unwrap();
    let out = ecsim_in(dir.path(), &["price", "s.toml", "--prices", o]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("pricing.alb_usd_per_hour, pricing.alb_lcu_usd_per_hour priced at us-east-1's list price in a run for region eu-west-1"),
        "{err}"
    );
    let priced = text.replace(
        "[pricing]\n",
        "[pricing]\nalb_usd_per_hour = 0.0252\nalb_lcu_usd_per_hour = 0.008\n",
    );
    std::fs::write(dir.path().join("s.toml"), &priced).unwrap();
    let out = ecsim_in(dir.path(), &["price", "s.toml", "--prices", o]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("us-east-1's list price"), "{err}");
}
