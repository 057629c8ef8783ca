//! `ecsim report` of a sweep or plan folder: each key figure with its
//! confidence bands, the cost-vs-availability frontier, parameters as
//! categories, an incomplete sweep's note, a plan's targets and costs.

mod common;
use common::html::{ecsim, fixture, ok, report, s, svg, svg_ids};
use std::path::Path;

#[test]
fn sweep_report_has_each_figure_with_bands_and_the_frontier() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = fixture(tmp.path(), "sweep-small");
    let html = report(&dir, &[]);
    assert_eq!(
        svg_ids(&html),
        [
            "sweep-total_cost_usd",
            "sweep-services-web-availability-availability_pct",
            "sweep-services-web-load-unserved_pct",
            "sweep-services-web-mean_running",
            "sweep-services-web-provisioning_wait_mean_s",
            "frontier"
        ]
    );
    for (k, v) in [
        ("Master seed", "2024"),
        ("Replications", "3"),
        ("ecsim version", "0.1.0"),
        ("Region", "us-east-1"),
        ("Scenario", "autoscale-50 (scenarios/autoscale-50.toml)"),
    ] {
        assert!(html.contains(&format!("<th>{k}</th><td>{v}</td>")), "{k}");
    }
    assert!(html.contains("ecsim price catalog"));
    // One confidence band per combination of the other parameter (2 here),
    // one series each, named by that parameter.
    let cost = svg(&html, "sweep-total_cost_usd");
    assert_eq!(cost.matches("<polygon").count(), 2, "two CI bands");
    assert!(cost.contains("capacity_per_task=80") && cost.contains("capacity_per_task=100"));
    // Frontier: every point labelled, the Pareto-optimal ones joined. From
    // aggregate.csv (cost vs 100 − unserved_pct, the service having demand),
    // points 1, 3 and 5 are undominated.
    let f = svg(&html, "frontier");
    for p in 0..6 {
        assert!(f.contains(&format!(">\n#{p}\n<")), "point {p} labelled");
    }
    assert!(f.contains("Pareto frontier"));
    assert!(html.contains("Pareto-optimal (#1, #3, #5)"), "{html}");
    assert!(html.contains("#3 = target=60, capacity_per_task=100"));
}

#[test]
fn sweep_of_a_string_parameter_uses_categories_and_served_share() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = fixture(tmp.path(), "sweep-categories");
    let html = report(&dir, &["--png"]);
    let ids = svg_ids(&html);
    assert_eq!(ids.len(), 5, "{ids:?}");
    assert!(!ids.iter().any(|i| i.contains("availability")));
    let cost = svg(&html, "sweep-total_cost_usd");
    for cat in ["spread", "binpack", "random"] {
        assert!(cost.contains(&format!(">\n{cat}\n<")), "x label {cat}");
    }
    // One parameter only: a single series named "mean".
    assert_eq!(cost.matches("<polygon").count(), 1);
    assert!(svg(&html, "frontier").contains("100 − services.web.load.unserved_pct"));
    assert!(dir.join("report/frontier.png").is_file());
}

#[test]
fn incomplete_sweep_is_reported_with_a_note() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = fixture(tmp.path(), "sweep-categories");
    let meta = std::fs::read_to_string(dir.join("sweep.json")).unwrap();
    let meta = meta
        .replace("\"complete\": true", "\"complete\": false")
        .replace("\"runs_done\": 12", "\"runs_done\": 9");
    std::fs::write(dir.join("sweep.json"), meta).unwrap();
    let html = report(&dir, &[]);
    assert!(html.contains("This sweep is incomplete: 9 of 12 runs done"));
}
#[test]
fn report_of_a_real_sweep_folder() {
    // The fixtures follow the sweep contract; this checks the real writer.
    let tmp = tempfile::tempdir().unwrap();
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/outage-spread.toml");
    let file = tmp.path().join("s.toml");
    std::fs::write(
        &file,
        format!(
            "name = \"s\"\nscenario = \"{}\"\nreplications = 2\n[grid]\n\"services.web.desired_count\" = [9, 12]\n\"duration\" = [\"2d\"]\n",
            s(&scenario)
        ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    ok(&ecsim(&["sweep", s(&file), "--out", s(&out), "--quiet"]));
    let html = report(&out, &[]);
    let ids = svg_ids(&html);
    assert_eq!(
        ids.first().map(String::as_str),
        Some("sweep-total_cost_usd")
    );
    assert_eq!(ids.last().map(String::as_str), Some("frontier"));
    assert!(ids.contains(&"sweep-services-web-availability-availability_pct".to_string()));
    assert!(html.contains("<th>Master seed</th><td>17</td>"));
    assert!(html.contains("<th>Replications</th><td>2</td>"));
    // The second parameter has one value: one series, one band per chart.
    assert_eq!(
        svg(&html, "sweep-total_cost_usd")
            .matches("<polygon")
            .count(),
        1
    );
}
#[test]
fn plan_report_shows_targets_in_full_and_costs_in_cents() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("plan");
    ok(&ecsim(&[
        "plan",
        "scenarios/web-capacity.plan.toml",
        "--out",
        s(&out),
        "-q",
    ]));
    let html = report(&out, &[]);
    assert!(
        html.contains("<th>worst: availability_pct &gt;= 99.9</th>"),
        "{html}"
    );
    assert!(html.contains("<th>instance_type</th>"));
    let plan = std::fs::read_to_string(out.join("plan.csv")).unwrap();
    let cost: f64 = plan
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .nth(4)
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        html.contains(&format!("<td class=\"n\">{cost:.2}</td>")),
        "{cost}"
    );
}
