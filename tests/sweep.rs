//! `ecsim sweep`, `merge` and `plan`, through the binary as users run them.
//! Sharded, merged, interrupted and time-limited sweeps:
//! tests/sweep_shards.rs.

mod common;
use common::repo;
use common::sweep::{BASE, SWEEP, ecsim, failed, files, ok, s, setup};

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let (d, f) = setup(SWEEP);
    let (a, b) = (d.path().join("t1"), d.path().join("t2"));
    ok(&ecsim(
        &["sweep", s(&f), "--out", s(&a), "--threads", "1"],
        &[],
    ));
    let out = ok(&ecsim(
        &["sweep", s(&f), "--out", s(&b)],
        &[("RAYON_NUM_THREADS", "2")],
    ));
    assert!(out.contains("2 threads"), "{out}");
    let (fa, fb) = (files(&a), files(&b));
    assert_eq!(
        fa.len(),
        3 + 12,
        "sweep.json, runs.csv, aggregate.csv + 12 runs"
    );
    assert!(fa == fb, "1 and 2 threads wrote different files");

    // 2 × 2 points × 3 replications, row-major, seeds 100..102 for every point.
    let runs = String::from_utf8(std::fs::read(a.join("runs.csv")).unwrap()).unwrap();
    let rows: Vec<&str> = runs.lines().collect();
    assert_eq!(rows.len(), 13);
    assert!(rows[0].starts_with(
        "run,point,replication,seed,services.web.desired_count,instance_groups.general.instance_type,"
    ));
    assert!(rows[1].starts_with("0,0,0,100,1,m5.large,"), "{}", rows[1]);
    assert!(rows[6].starts_with("5,1,2,102,1,c5.large,"), "{}", rows[6]);
    assert!(!rows[0].contains("wall_time_s") && !rows[0].contains("events_per_s"));
    // A figure with a parameter's path is the run's outcome, under its own name.
    let cols: Vec<&str> = rows[0].split(',').collect();
    assert_eq!(
        cols.iter()
            .filter(|c| **c == "services.web.desired_count")
            .count(),
        1
    );
    assert!(cols.contains(&"summary.services.web.desired_count"));
    // Replications really differ (Poisson jobs) and the aggregate has a spread.
    let agg = String::from_utf8(std::fs::read(a.join("aggregate.csv")).unwrap()).unwrap();
    let mut rdr = csv::Reader::from_reader(agg.as_bytes());
    let h = rdr.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let recs: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(recs.len(), 4);
    let r0 = &recs[0];
    assert_eq!(&r0[col("runs")], "3");
    let std: f64 = r0[col("jobs.etl.tasks_launched.std")].parse().unwrap();
    assert!(std > 0.0);
    let (lo, mean, hi): (f64, f64, f64) = (
        r0[col("total_cost_usd.ci95_low")].parse().unwrap(),
        r0[col("total_cost_usd.mean")].parse().unwrap(),
        r0[col("total_cost_usd.ci95_high")].parse().unwrap(),
    );
    assert!(lo <= mean && mean <= hi);
}

#[test]
fn a_run_of_the_sweep_is_reproduced_by_ecsim_run_with_its_seed() {
    let (d, f) = setup(SWEEP);
    let out = d.path().join("sw");
    ok(&ecsim(&["sweep", s(&f), "--out", s(&out), "-q"], &[]));
    // Run 4 = point 1 (desired 1, c5.large), replication 1 → seed 101.
    let rec: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("runs/run-000004.json")).unwrap()).unwrap();
    assert_eq!(rec["seed"], 101);
    let edited = BASE
        .replace("desired_count = 2", "desired_count = 1")
        .replace(
            "instance_type = \"m5.large\"",
            "instance_type = \"c5.large\"",
        );
    let sc = d.path().join("edited.toml");
    std::fs::write(&sc, edited).unwrap();
    let single = d.path().join("single");
    ok(&ecsim(
        &["run", s(&sc), "--seed", "101", "--out", s(&single), "-q"],
        &[],
    ));
    let sum: serde_json::Value =
        serde_json::from_slice(&std::fs::read(single.join("summary.json")).unwrap()).unwrap();
    for k in ["total_cost_usd", "events_processed", "tasks_launched"] {
        assert_eq!(rec["summary"][k], sum[k], "{k}");
    }
}
#[test]
fn bad_sweep_files_get_clear_errors() {
    let cases: &[(&str, &str)] = &[
        (
            "[grid]\nservices.web.desred_count = [1, 2]\n",
            "grid: point 0 (services.web.desred_count = 1) gives an invalid scenario",
        ),
        (
            "[grid]\nservices.wbe.desired_count = [1]\n",
            "no element \"wbe\"",
        ),
        (
            "[grid]\nservices.web.desired_count = []\n",
            "grid.services.web.desired_count: is an empty list",
        ),
        (
            "[grid]\nservices.web.desired_count = 3\n",
            "expected a list of values",
        ),
        (
            "[grid]\nservices.web.desired_count = [-1]\n",
            "must be 0 or more",
        ),
        ("[grid]\n", "grid: is empty"),
        ("", "nothing to vary"),
        (
            "[grid]\nduration = [\"1h\"]\n[[points]]\nduration = \"2h\"\n",
            "not both",
        ),
        ("points = []\n", "points: is an empty list"),
        (
            "[grid]\nseed = [1, 2]\n",
            "grid.seed: runs take their seeds",
        ),
        (
            "[grid]\nduration = [\"1h\"]\n[targets]\nx = \">= 1\"\n",
            "belongs in a plan file",
        ),
        (
            "[grid]\nduration = [\"1h\"]\nbogus = 1\n[typo]\n",
            "unknown field `typo`",
        ),
    ];
    for (body, want) in cases {
        let text = format!("name = \"bad\"\nscenario = \"base.toml\"\n{body}");
        let (d, f) = setup(&text);
        let out = d.path().join("o");
        let e = failed(&ecsim(&["sweep", s(&f), "--out", s(&out)], &[]), 2);
        assert!(e.contains(want) && e.contains("s.toml"), "{body}\n→ {e}");
        assert!(!out.exists(), "{body}: left {out:?}");
    }
    let (d, f) = setup("name = \"x\"\nscenario = \"missing.toml\"\n[grid]\nduration = [\"1h\"]\n");
    let e = failed(
        &ecsim(&["sweep", s(&f), "--out", s(&d.path().join("o"))], &[]),
        2,
    );
    assert!(
        e.contains("scenario: cannot read") && e.contains("missing.toml"),
        "{e}"
    );
    for shard in ["3/3", "1", "a/b", "0/0"] {
        let e = failed(&ecsim(&["sweep", s(&f), "--shard", shard], &[]), 2);
        assert!(e.contains("is not K/N"), "{e}");
    }
    let e = failed(
        &ecsim(&["sweep", s(&f)], &[("AWS_BATCH_JOB_ARRAY_INDEX", "0")]),
        2,
    );
    assert!(e.contains("ECSIM_SHARD_COUNT"), "{e}");
}

/// The planner on a case checked by hand: six 1 vCPU / 2 GB tasks for a day.
/// m5.large holds 2 (3 needed: 3 × $0.096 × 24 = $6.912), c5.xlarge holds 3
/// (2 needed: 2 × $0.17 × 24 = $8.16), m5.xlarge holds 4 (2 needed: $9.216),
/// c5.large only 1 (its 3,951 MiB registered cannot take two 2,048 MiB tasks).
#[test]
fn plan_picks_the_cheapest_configuration_that_meets_every_target() {
    let base = repo().join("scenarios/web-ec2.toml");
    let text = std::fs::read_to_string(base)
        .unwrap()
        .replace("duration = \"7d\"", "duration = \"1d\"")
        .replace("ebs_root_volume_gib = 30", "ebs_root_volume_gib = 0");
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("web.toml"), text).unwrap();
    let plan = d.path().join("p.toml");
    let body = r#"name = "p"
scenario = "web.toml"
replications = 2
[choices]
instance_groups.web.instance_type = ["m5.large", "c5.large", "m5.xlarge", "c5.xlarge"]
instance_groups.web.count = [2, 3, 4]
[targets]
availability_pct = ">= 99.9"
provisioning_wait_p95_s = "<= 120"
"#;
    std::fs::write(&plan, body).unwrap();
    let out = d.path().join("o");
    let stdout = ok(&ecsim(&["plan", s(&plan), "--out", s(&out)], &[]));
    let r: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("plan.json")).unwrap()).unwrap();
    let config = |p: &serde_json::Value| {
        let c = r["configurations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["point"] == *p)
            .unwrap()
            .clone();
        (
            c["params"]["instance_groups.web.instance_type"]
                .as_str()
                .unwrap()
                .to_string(),
            c["params"]["instance_groups.web.count"].as_i64().unwrap(),
            c["total_cost_usd_mean"].as_f64().unwrap(),
        )
    };
    let (t, n, cost) = config(&r["cheapest"]);
    assert_eq!((t.as_str(), n), ("m5.large", 3), "{stdout}");
    assert!((cost - 6.912).abs() < 1e-9, "{cost}");
    let (t, n, cost) = config(&r["runner_up"]);
    assert_eq!((t.as_str(), n), ("c5.xlarge", 2));
    assert!((cost - 8.16).abs() < 1e-9, "{cost}");
    // A target by its full path, written as TOML dotted keys.
    let full = body.replace(
        "availability_pct = ",
        "services.web.availability.availability_pct = ",
    );
    std::fs::write(&plan, &full).unwrap();
    let o4 = d.path().join("o4");
    let out4 = ok(&ecsim(&["plan", s(&plan), "--out", s(&o4)], &[]));
    assert!(
        out4.contains("services.web.availability.availability_pct >= 99.9")
            && out4.contains("cheapest: instance_groups.web.instance_type = \"m5.large\""),
        "{out4}"
    );
    // Cheaper configurations failed, and say why.
    let plan_csv = std::fs::read_to_string(out.join("plan.csv")).unwrap();
    let c5 = plan_csv
        .lines()
        .find(|l| l.contains(",c5.large,4,"))
        .unwrap_or_else(|| panic!("{plan_csv}"));
    assert!(
        c5.contains(",false,") && c5.contains("availability_pct >= 99.9: worst 0 in 2/2 runs"),
        "{c5}"
    );
    assert!(stdout.contains("cheapest: instance_groups.web.instance_type = \"m5.large\", instance_groups.web.count = 3"), "{stdout}");

    // Targets nothing meets: exit 4, results still written.
    std::fs::write(
        &plan,
        body.replace(", \"m5.xlarge\", \"c5.xlarge\"", "")
            .replace("[2, 3, 4]", "[2]"),
    )
    .unwrap();
    let o2 = d.path().join("o2");
    let e = failed(&ecsim(&["plan", s(&plan), "--out", s(&o2)], &[]), 4);
    assert!(e.contains("no configuration meets every target"), "{e}");
    assert!(o2.join("plan.csv").exists());

    for (targets, want) in [
        ("availability_pct = \">= 120\"", "can never be met"),
        ("provisioning_wait_p95_s = \"<= -1\"", "can never be met"),
        (
            "availabilty_pct = \">= 99\"",
            "is no figure of this scenario's summary",
        ),
        ("availability_pct = 99.9", "write a target as a string"),
        ("availability_pct = \"> 99\"", "has no \">=\" or \"<=\""),
        ("availability_pct = \">= x\"", "is not a number"),
    ] {
        let text = format!(
            "{}[targets]\n{targets}\n",
            body.split_once("[targets]").unwrap().0
        );
        std::fs::write(&plan, text).unwrap();
        let o3 = d.path().join("o3");
        let e = failed(&ecsim(&["plan", s(&plan), "--out", s(&o3)], &[]), 2);
        assert!(
            e.contains(want) && e.contains("targets."),
            "{targets} → {e}"
        );
        assert!(!o3.exists());
    }
}

#[test]
fn shipped_sweep_and_plan_run() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("sw");
    let f = repo().join("scenarios/autoscale-targets.sweep.toml");
    ok(&ecsim(&["sweep", s(&f), "--out", s(&out), "-q"], &[]));
    let agg = std::fs::read_to_string(out.join("aggregate.csv")).unwrap();
    let mut rdr = csv::Reader::from_reader(agg.as_bytes());
    let h = rdr.headers().unwrap().clone();
    let col = h.iter().position(|x| x == "total_cost_usd.mean").unwrap();
    let costs: Vec<f64> = rdr
        .records()
        .map(|r| r.unwrap()[col].parse().unwrap())
        .collect();
    // A higher CPU target runs fewer tasks, so costs less.
    assert_eq!(costs.len(), 4);
    assert!(costs.windows(2).all(|w| w[1] < w[0]), "{costs:?}");

    let out = d.path().join("pl");
    let f = repo().join("scenarios/web-capacity.plan.toml");
    let stdout = ok(&ecsim(&["plan", s(&f), "--out", s(&out)], &[]));
    assert!(stdout.contains("cheapest: instance_groups.web.instance_type = \"m5.large\", instance_groups.web.count = 3"), "{stdout}");
    // The report of a plan folder states the answer and why the others failed.
    ok(&ecsim(&["report", s(&out), "-q"], &[]));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains("Cheapest meeting every target: #1 (instance_type=m5.large, count=3); runner-up: #9 (instance_type=c5.xlarge, count=2)"),
        "plan section missing"
    );
    assert!(html.contains("availability_pct &gt;= 99.9: worst 0 in 2/2 runs"));
}
/// `--keep-runs 1,4` keeps every file of those runs under kept/ — the same
/// files `ecsim run` with the run's seed writes — and changes nothing else.
#[test]
fn chosen_runs_keep_their_full_outputs() {
    let (d, f) = setup(SWEEP);
    let plain = d.path().join("plain");
    ok(&ecsim(&["sweep", s(&f), "--out", s(&plain), "-q"], &[]));
    let kept = d.path().join("kept");
    ok(&ecsim(
        &[
            "sweep",
            s(&f),
            "--out",
            s(&kept),
            "-q",
            "--keep-runs",
            "4,1",
        ],
        &[],
    ));
    let without_kept: Vec<_> = files(&kept)
        .into_iter()
        .filter(|(p, _)| !p.starts_with("kept/"))
        .collect();
    assert_eq!(without_kept, files(&plain));
    let mut dirs: Vec<String> = std::fs::read_dir(kept.join("kept"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    assert_eq!(dirs, ["run-000001", "run-000004"]);
    // Run 4 is point 1 with seed 101 (see the test above): ecsim run agrees.
    let edited = BASE
        .replace("desired_count = 2", "desired_count = 1")
        .replace(
            "instance_type = \"m5.large\"",
            "instance_type = \"c5.large\"",
        );
    let sc = d.path().join("edited.toml");
    std::fs::write(&sc, edited).unwrap();
    let single = d.path().join("single");
    ok(&ecsim(
        &["run", s(&sc), "--seed", "101", "--out", s(&single), "-q"],
        &[],
    ));
    for f in ["tasks.csv", "timeseries.csv", "cost.csv", "instances.csv"] {
        assert_eq!(
            std::fs::read(kept.join("kept/run-000004").join(f)).unwrap(),
            std::fs::read(single.join(f)).unwrap(),
            "{f}"
        );
    }
    let err = failed(
        &ecsim(
            &[
                "sweep",
                s(&f),
                "--out",
                s(&d.path().join("x")),
                "--keep-runs",
                "99",
            ],
            &[],
        ),
        2,
    );
    assert!(
        err.contains("--keep-runs: run 99 is not in this sweep"),
        "{err}"
    );
    assert!(!d.path().join("x").exists());
}

/// `sweep --region` prices every point for that region (with its offer
/// file), and `run --region` reproduces a run of it; without it the
/// eu-west-1 offer file is refused as pricing nothing of us-east-1.
#[test]
fn sweep_region_flag_prices_every_point_there() {
    let (d, f) = setup(&SWEEP.replace(
        "[\"m5.large\", \"c5.large\"]",
        "[\"m5.large\", \"m5.xlarge\"]",
    ));
    let offer = common::repo().join("tests/fixtures/pricelist/ec2-eu-west-1.csv");
    let o = s(&offer);
    let out = common::ecsim_in(
        d.path(),
        &["sweep", s(&f), "--prices", o, "-q", "--out", "x"],
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = common::ecsim_in(
        d.path(),
        &[
            "sweep",
            s(&f),
            "--prices",
            o,
            "--region",
            "eu-west-1",
            "-q",
            "--out",
            "eu",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let runs = std::fs::read_to_string(d.path().join("eu/runs.csv")).unwrap();
    let mut r = csv::Reader::from_reader(runs.as_bytes());
    let h = r.headers().unwrap().clone();
    let col = |name: &str| h.iter().position(|c| c == name).unwrap();
    let (cost, itype, seed) = (
        col("total_cost_usd"),
        col("instance_groups.general.instance_type"),
        col("seed"),
    );
    let row = r
        .records()
        .map(|x| x.unwrap())
        .find(|x| &x[itype] == "m5.large")
        .unwrap();
    // Two m5.large for a day at eu-west-1's $0.107/h (us-east-1: $0.096).
    let usd: f64 = row[cost].parse().unwrap();
    assert!((usd - 2.0 * 24.0 * 0.107).abs() < 1e-6, "{usd}");
    let base = d.path().join("base.toml");
    let out = common::ecsim_in(
        d.path(),
        &[
            "run",
            s(&base),
            "--seed",
            &row[seed],
            "--prices",
            o,
            "--region",
            "eu-west-1",
            "--out",
            "one",
            "-q",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = std::fs::read_to_string(d.path().join("one/summary.json")).unwrap();
    assert!(summary.contains("\"region\": \"eu-west-1\""));
}
