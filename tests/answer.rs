//! The answer on one screen (issue 28 item 11): `ecsim price` splits the
//! bill by purchase option and names each capacity provider's kind; the
//! `run` lines and the report's overview show monthly cost, Spot share,
//! availability, unserved demand, waits p50/p95, incidents and rolled-back
//! deployments; the report shades the warm-up; `--seed` without `--out`
//! writes beside the unseeded run, never over it.

mod common;
use common::{GOOD, ecsim_in as ecsim};
use serde_json::Value;
use std::path::Path;

/// On-demand and Spot EC2 (a Spot group behind a capacity provider), a
/// service on FARGATE and FARGATE_SPOT, a service with demand, a job, EBS
/// volumes and a Savings Plan: every purchase option has a cost.
const MIX: &str = include_str!("fixtures/answer-mix.toml");

fn ok(out: &std::process::Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn folder(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), text).unwrap();
    dir
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The six lines add up to the total (simulated and per month), Spot EC2
/// and Fargate Spot are both priced, and each provider says what it is.
#[test]
fn price_splits_the_bill_by_purchase_option() {
    let dir = folder(MIX);
    let v: Value = serde_json::from_str(&ok(&ecsim(
        dir.path(),
        &["price", "s.toml", "--format", "json"],
    )))
    .unwrap();
    let markets = v["markets"].as_array().unwrap();
    let keys: Vec<&str> = markets
        .iter()
        .map(|m| m["market"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "ec2_on_demand",
            "ec2_spot",
            "savings_plan",
            "fargate",
            "fargate_spot",
            "other"
        ]
    );
    let usd = |k: &str, f: &str| {
        markets.iter().find(|m| m["market"] == k).unwrap()[f]
            .as_f64()
            .unwrap()
    };
    for (field, total) in [
        ("simulated_usd", "total_simulated_usd"),
        ("monthly_usd", "total_monthly_usd"),
    ] {
        let sum: f64 = keys.iter().map(|k| usd(k, field)).sum();
        let total = v[total].as_f64().unwrap();
        assert!(
            (sum - total).abs() < 1e-9 * total.max(1.0),
            "{sum} vs {total}"
        );
    }
    for k in [
        "ec2_on_demand",
        "ec2_spot",
        "fargate",
        "fargate_spot",
        "other",
    ] {
        assert!(usd(k, "simulated_usd") > 0.0, "{k}: {v}");
    }
    // Fargate Spot is the Fargate price less fargate_spot_discount (0.70 by
    // default), before the plan: of api's 4 tasks FARGATE holds 3 (base 1,
    // then weight 1:1 from a tie, ties to the first) and FARGATE_SPOT 1, so
    // Spot's line is 0.3 / 3 of Fargate's (an on-demand Fargate price here
    // would make it a third).
    let ratio = usd("fargate_spot", "simulated_usd") / usd("fargate", "simulated_usd");
    assert!((ratio - 0.1).abs() < 0.005, "{ratio}");
    // The plan's line is its fee less the usage it covered.
    let (fee, covered) = (0.02 * 6.0, usd("savings_plan", "simulated_usd"));
    assert!(covered < 0.0 && covered > -fee * 3.0, "{covered}");
    let kinds: Vec<(String, String)> = v["providers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().into(),
                p["kind"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        kinds[0],
        (
            "spot-cp".into(),
            "Auto Scaling group sp, m5.large, Spot".into()
        )
    );
    assert_eq!(kinds[1].0, "FARGATE");
    assert_eq!(kinds[2].0, "FARGATE_SPOT");
    assert!(kinds[2].1.contains("Fargate Spot"), "{kinds:?}");
    let table = ok(&ecsim(dir.path(), &["price", "s.toml"]));
    for want in [
        "On-Demand EC2",
        "Spot EC2",
        "Savings Plan (fee 0.12, covers",
        "Fargate Spot",
        "spot-cp (Auto Scaling group sp, m5.large, Spot)",
        "FARGATE_SPOT (Fargate Spot",
    ] {
        assert!(table.contains(want), "{want}:\n{table}");
    }
}

/// The summary's split agrees with the price's, and the Spot share is Spot
/// EC2 plus Fargate Spot over compute.
#[test]
fn summary_has_the_split_the_month_and_the_spot_share() {
    let dir = folder(MIX);
    let out = ok(&ecsim(dir.path(), &["run", "s.toml", "--out", "r"]));
    let s = json(&dir.path().join("r/summary.json"));
    let p = &s["cost_by_purchase_option"];
    let f = |k: &str| p[k].as_f64().unwrap();
    let total = s["total_cost_usd"].as_f64().unwrap();
    let sum: f64 = [
        "ec2_on_demand",
        "ec2_spot",
        "savings_plan",
        "fargate",
        "fargate_spot",
        "other",
    ]
    .iter()
    .map(|k| f(k))
    .sum();
    assert!((sum - total).abs() < 1e-9, "{sum} vs {total}");
    let spot = 100.0 * (f("ec2_spot") + f("fargate_spot"))
        / (f("ec2_on_demand") + f("ec2_spot") + f("fargate") + f("fargate_spot"));
    let share = s["spot_share_pct"].as_f64().unwrap();
    assert!(
        (share - spot).abs() < 1e-9 && share > 0.0,
        "{share} vs {spot}"
    );
    let month = s["monthly_cost_usd"].as_f64().unwrap();
    assert!((month - total * 730.0 / 6.0).abs() < 1e-9, "{month}");
    // The run lines print the same figures.
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("mix: simulated 21600 s in "), "{out}");
    assert!(
        lines[1].starts_with(&format!("  cost: {total:.2} USD (")),
        "{out}"
    );
    assert!(
        lines[1].contains(&format!(
            "; {month:.2} USD per month, Spot {share:.1} % of compute"
        )),
        "{out}"
    );
    let web = lines
        .iter()
        .find(|l| l.starts_with("  service web:"))
        .unwrap();
    assert!(
        web.starts_with(
            "  service web: desired 2, mean running 2.00, min running 2; availability "
        ) && web.contains(", requests served ")
            && web.contains("(unserved ")
            && web.contains("; waits p50 "),
        "{out}"
    );
    let api = lines
        .iter()
        .find(|l| l.starts_with("  service api:"))
        .unwrap();
    // No demand model: no request figures.
    assert!(
        !api.contains("requests served") && api.contains("waits p50"),
        "{out}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("  job etl: mean running ")),
        "{out}"
    );
}

/// p50 and p95 come from one histogram over one population, so p50 ≤ p95 ≤
/// max; batch-wave's jobs wait for instances to launch.
#[test]
fn waits_have_a_median() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = common::repo().join("scenarios/batch-wave.toml");
    let out = ok(&ecsim(
        dir.path(),
        &["run", scenario.to_str().unwrap(), "--out", "r"],
    ));
    let s = json(&dir.path().join("r/summary.json"));
    let j = &s["jobs"]["nightly-etl"];
    let w = |k: &str| j[k].as_f64().unwrap();
    let (p50, p95, max) = (
        w("provisioning_wait_p50_s"),
        w("provisioning_wait_p95_s"),
        w("provisioning_wait_max_s"),
    );
    assert!(p50 > 0.0 && p50 < p95 && p95 <= max, "{p50} {p95} {max}");
    assert!(
        out.contains("  job nightly-etl: mean running ") && out.contains("waits p50 "),
        "{out}"
    );
}

/// Incidents and rolled-back deployments are counted on the run line (the
/// scenario's second deployment trips the circuit breaker and rolls back).
#[test]
fn run_line_counts_incidents_and_rollbacks() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = common::repo().join("scenarios/deploy-circuit-breaker.toml");
    let out = ok(&ecsim(
        dir.path(),
        &["run", scenario.to_str().unwrap(), "--out", "r"],
    ));
    let s = json(&dir.path().join("r/summary.json"));
    let statuses: Vec<&str> = s["deployments"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_str().unwrap())
        .collect();
    let rolled = statuses.iter().filter(|&&st| st == "ROLLED_BACK").count();
    assert!(rolled > 0, "{statuses:?}");
    assert!(
        out.contains(&format!(
            "deployments {}, {rolled} rolled back",
            statuses.len()
        )),
        "{out}"
    );
    assert!(out.contains("  incidents "), "{out}");
}

/// `--seed N` without `--out` goes to results/<name>-seed-N/ and leaves the
/// unseeded run's folder as it was; with `--out` it goes where told.
#[test]
fn a_seeded_run_never_replaces_the_unseeded_one() {
    let dir = folder(GOOD);
    ok(&ecsim(dir.path(), &["run", "s.toml", "-q"]));
    let plain = dir.path().join("results/ok");
    let before = std::fs::read(plain.join("tasks.csv")).unwrap();
    let out = ok(&ecsim(dir.path(), &["run", "s.toml", "--seed", "9"]));
    assert!(out.ends_with("results in results/ok-seed-9/\n"), "{out}");
    let seeded = json(&dir.path().join("results/ok-seed-9/summary.json"));
    assert_eq!(seeded["seed"], 9);
    assert_eq!(std::fs::read(plain.join("tasks.csv")).unwrap(), before);
    assert_ne!(json(&plain.join("summary.json"))["seed"], 9);
    ok(&ecsim(
        dir.path(),
        &["run", "s.toml", "--seed", "9", "--out", "mine", "-q"],
    ));
    assert_eq!(json(&dir.path().join("mine/summary.json"))["seed"], 9);
}

/// The width of the first grey warm-up rectangle in the SVG of chart `id`.
fn band_width(html: &str, id: &str) -> f64 {
    let start = html.find(&format!("<svg id=\"{id}\"")).expect(id);
    let svg = &html[start..start + html[start..].find("</svg>").unwrap()];
    let rect = svg
        .split("<rect ")
        .find(|r| r.contains("fill=\"#808080\""))
        .unwrap_or_else(|| panic!("no warm-up band in {id}"));
    let w = rect.split("width=\"").nth(1).unwrap();
    w[..w.find('"').unwrap()].parse().unwrap()
}

fn report(dir: &Path) -> String {
    ok(&ecsim(dir, &["report", "r", "-q"]));
    std::fs::read_to_string(dir.join("r/report.html")).unwrap()
}

/// The overview shows the run line's figures, and says what the warm-up
/// left out; the time charts shade it grey, labelled. A warm-up that never
/// ended (warm_up_end_s null) shades the whole run and says nothing was
/// measured.
#[test]
fn report_overview_and_the_warm_up_band() {
    let dir = folder(&MIX.replace("seed = 3\n", "seed = 3\nwarm_up = \"1h\"\n"));
    ok(&ecsim(dir.path(), &["run", "s.toml", "--out", "r", "-q"]));
    let s = json(&dir.path().join("r/summary.json"));
    assert_eq!(s["warm_up"], "1h");
    assert_eq!(s["warm_up_end_s"], 3600.0);
    let html = report(dir.path());
    let month = s["monthly_cost_usd"].as_f64().unwrap();
    let share = s["spot_share_pct"].as_f64().unwrap();
    for want in [
        "leave out the warm-up (1h, the first 60.0 min)".to_string(),
        "<td>cost per month (730 h)</td>".into(),
        format!("{month:.2} USD"),
        "Spot share of compute".into(),
        format!("{share:.1} %"),
        "<th>requests served</th>".into(),
        "<th>unserved demand</th>".into(),
        "p50 0 s / p95 0 s".into(),
        "<td>etl</td>".into(),
        "warm-up (not measured)".into(),
    ] {
        assert!(html.contains(&want), "{want}");
    }
    // 1 h of 6 h: a sixth of the plot.
    let part = band_width(&html, "tasks-web");
    assert!(part > 20.0, "{part}");
    let mut s = s;
    s["warm_up_end_s"] = Value::Null;
    std::fs::write(
        dir.path().join("r/summary.json"),
        serde_json::to_string_pretty(&s).unwrap(),
    )
    .unwrap();
    let html = report(dir.path());
    assert!(html.contains("never ended: availability, unserved demand and waits measured nothing"));
    let whole = band_width(&html, "tasks-web");
    assert!((whole / part - 6.0).abs() < 0.15, "{whole} / {part}");
}

/// A deploying scenario's overview counts the rolled-back deployments; one
/// that injects faults counts its incidents.
#[test]
fn report_overview_counts_rollbacks() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = common::repo().join("scenarios/deploy-circuit-breaker.toml");
    ok(&ecsim(
        dir.path(),
        &["run", scenario.to_str().unwrap(), "--out", "r", "-q"],
    ));
    let html = report(dir.path());
    assert!(html.contains("<td>deployments rolled back</td>"), "{html}");
    assert!(html.contains("<td>1 of 2</td>"));
    assert!(html.contains("<td>incidents</td>"));
}
