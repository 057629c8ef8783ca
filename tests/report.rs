//! `ecsim report`: report.html exists, is well-formed, holds exactly one
//! inline SVG per promised chart, states what was run, is byte-identical when
//! repeated; `--png` writes real PNGs; bad folders exit 2 naming what is missing.
//! Reports of sweeps and plans: tests/report_sweep.rs.

mod common;
use common::html::{ecsim, fixture, ok, report, run, s, summary, svg, svg_ids};
use std::path::Path;

#[test]
fn run_report_has_one_svg_per_promised_chart_and_states_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = run(tmp.path(), "outage-spread");
    let html = report(&dir, &[]);
    assert_eq!(
        svg_ids(&html),
        [
            "tasks-web",
            "load-web",
            "placement-cpu",
            "placement-memory",
            "utilization",
            "markets",
            "cost-cumulative",
            "cost-by-owner",
            "cost-hourly"
        ]
    );
    let sum = summary(&dir);
    for key in ["scenario", "ecsim_version", "price_source", "region"] {
        let v = sum[key].as_str().unwrap();
        assert!(html.contains(v), "report states {key} = {v}");
    }
    assert!(html.contains(&format!("<th>Seed</th><td>{}</td>", sum["seed"])));
    // The AZ outage is shaded on the time charts, with a legend entry.
    for id in ["tasks-web", "load-web", "cost-cumulative"] {
        assert!(
            svg(&html, id).contains(">\nincident\n<"),
            "{id} marks incidents"
        );
    }
    // Both markets of billed resources come from cost.csv: all on-demand here.
    let markets = svg(&html, "markets");
    assert!(markets.contains("EC2 on-demand instances"));
    assert!(!markets.contains("EC2 Spot instances"));
}

#[test]
fn spot_and_fargate_runs_show_their_markets_and_no_incident_marks_without_faults() {
    let tmp = tempfile::tempdir().unwrap();
    let html = report(&run(tmp.path(), "web-fargate-spot"), &[]);
    let ids = svg_ids(&html);
    assert!(ids.contains(&"markets".to_string()), "{ids:?}");
    let markets = svg(&html, "markets");
    assert!(markets.contains("Fargate tasks") && markets.contains("Fargate Spot tasks"));
    assert!(!html.contains(">\nincident\n<"));

    let spot = report(&run(tmp.path(), "spot-heavy"), &[]);
    assert!(svg(&spot, "markets").contains("EC2 Spot instances"));
}

#[test]
fn batch_run_charts_its_jobs_and_capacity_provider() {
    let tmp = tempfile::tempdir().unwrap();
    let html = report(&run(tmp.path(), "batch-wave"), &[]);
    assert_eq!(
        svg_ids(&html),
        [
            "jobs",
            "placement-cpu",
            "placement-memory",
            "utilization",
            "providers",
            "markets",
            "cost-cumulative",
            "cost-by-owner",
            "cost-hourly"
        ]
    );
    assert!(svg(&html, "jobs").contains("nightly-etl running"));
    assert!(svg(&html, "providers").contains("batch-cp"));
}

#[test]
fn report_is_byte_identical_for_the_same_inputs() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = run(tmp.path(), "outage-spread");
    let first = report(&dir, &[]);
    let again = report(&dir, &[]);
    assert!(first == again, "same folder, same report");
    // The same results in another folder: the report does not depend on the path.
    let other = tmp.path().join("copy");
    std::fs::create_dir(&other).unwrap();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "csv" || x == "json") {
            std::fs::copy(&p, other.join(p.file_name().unwrap())).unwrap();
        }
    }
    assert!(report(&other, &[]) == first, "copied folder, same report");
    // No temporary file is left beside it.
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.contains(".tmp")), "{names:?}");
}

#[test]
fn png_export_writes_one_real_png_per_chart() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = run(tmp.path(), "outage-spread");
    let html = report(&dir, &["--png"]);
    let ids = svg_ids(&html);
    let mut first_bytes = Vec::new();
    for id in &ids {
        let file = dir.join("report").join(format!("{id}.png"));
        let bytes = std::fs::read(&file).unwrap_or_else(|_| panic!("{} exists", file.display()));
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{id} is a PNG");
        let dec = png::Decoder::new(std::io::Cursor::new(&bytes));
        let mut reader = dec.read_info().expect("decodes");
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        // Heat maps are as tall as their rows need.
        assert_eq!(info.width, 900);
        let expect = if id.starts_with("placement-") {
            300..=1000
        } else {
            380..=380
        };
        assert!(
            expect.contains(&info.height),
            "{id}: {} px tall",
            info.height
        );
        // Not blank: a white page with lines, text and coloured series.
        let px = &buf[..info.buffer_size()];
        let dark = px.chunks(3).filter(|p| p.iter().all(|&c| c < 100)).count();
        let coloured = px
            .chunks(3)
            .filter(|p| p.iter().max().unwrap() - p.iter().min().unwrap() > 80)
            .count();
        assert!(dark > 500, "{id}: text and axes drawn ({dark} dark pixels)");
        assert!(
            coloured > 500,
            "{id}: series drawn ({coloured} coloured pixels)"
        );
        if first_bytes.is_empty() {
            first_bytes = bytes;
        }
    }
    assert_eq!(ids.len(), 9);
    // Repeated: the same bytes.
    report(&dir, &["--png"]);
    let again = std::fs::read(dir.join("report").join(format!("{}.png", ids[0]))).unwrap();
    assert!(again == first_bytes);
}
fn fails(dir: &Path, words: &[&str]) {
    let out = ecsim(&["report", s(dir)]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(!err.contains("panicked"));
    for w in words {
        assert!(err.contains(w), "{err} mentions {w}");
    }
    assert!(!dir.join("report.html").exists());
}

#[test]
fn a_folder_that_is_not_an_ecsim_result_exits_2_naming_what_is_missing() {
    let tmp = tempfile::tempdir().unwrap();
    fails(tmp.path(), &["summary.json", "sweep.json"]);
    fails(&tmp.path().join("nope"), &["nope", "no such folder"]);
    std::fs::write(tmp.path().join("file"), "x").unwrap();
    fails(&tmp.path().join("file"), &["file", "not a folder"]);

    let dir = run(tmp.path(), "outage-spread");
    std::fs::remove_file(dir.join("cost.csv")).unwrap();
    fails(&dir, &["missing cost.csv"]);

    let dir = run(tmp.path(), "spot-heavy");
    let ts = std::fs::read_to_string(dir.join("timeseries.csv")).unwrap();
    std::fs::write(
        dir.join("timeseries.csv"),
        ts.replacen("\n0.000,", "\nzero,", 1),
    )
    .unwrap();
    fails(&dir, &["timeseries.csv", "line 2", "time_s", "\"zero\""]);

    let sweep = fixture(tmp.path(), "sweep-small");
    std::fs::remove_file(sweep.join("aggregate.csv")).unwrap();
    fails(&sweep, &["missing aggregate.csv"]);
}

#[test]
fn a_reported_folder_can_still_be_replaced_by_a_new_run() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = run(tmp.path(), "outage-spread");
    report(&dir, &["--png"]);
    // ecsim run replaces an earlier result only; the report belongs to it.
    run(tmp.path(), "outage-spread");
    assert!(!dir.join("report.html").exists(), "stale report removed");
    assert!(dir.join("summary.json").exists());
}
/// Heat-map cells of the top three colour levels (70–100 % reserved).
fn dark_cells(svg: &str) -> usize {
    ["#8C2D04", "#6E1E05", "#501405"]
        .iter()
        .map(|c| svg.matches(&format!("fill=\"{c}\"")).count())
        .sum()
}

#[test]
fn placement_view_tells_binpack_from_spread() {
    let tmp = tempfile::tempdir().unwrap();
    let bin = report(&run(tmp.path(), "binpack"), &[]);
    let spread = report(&run(tmp.path(), "spread"), &[]);
    for html in [&bin, &spread] {
        let cpu = svg(html, "placement-cpu");
        // Grouped by zone and instance group, each block named.
        for z in [
            "us-east-1a / general",
            "us-east-1b / general",
            "us-east-1c / general",
        ] {
            assert!(cpu.contains(z), "{z}");
        }
        assert!(html.contains("id=\"placement-memory\""));
    }
    // Binpack fills few instances to the brim; spread fills none so far.
    let (b, s) = (
        dark_cells(svg(&bin, "placement-cpu")),
        dark_cells(svg(&spread, "placement-cpu")),
    );
    assert!(b > 0 && b > 2 * s, "binpack {b} dark cells, spread {s}");
}

#[test]
fn scaled_service_has_its_scaling_view() {
    let tmp = tempfile::tempdir().unwrap();
    let html = report(&run(tmp.path(), "autoscale-70"), &[]);
    let ids = svg_ids(&html);
    assert!(ids.contains(&"scaling-web".to_string()), "{ids:?}");
    let v = svg(&html, "scaling-web");
    for text in [
        "ECSServiceAverageCPUUtilization",
        "scale-out alarm 70",
        "scale-in alarm 63",
        "scale-out",
        "scale-in",
        "desired",
        "running",
        "demand − served",
    ] {
        assert!(
            v.contains(&format!(">\n{text}\n<")),
            "scaling view shows {text}"
        );
    }
    // Fargate only: no instances, so no placement view and no utilization.
    assert!(!ids.iter().any(|i| i.starts_with("placement-")));
    assert!(!ids.contains(&"utilization".to_string()));
    assert!(html.contains("Left out, with nothing to draw in this run: utilization."));
}

#[test]
fn contents_link_every_section_and_chart() {
    let tmp = tempfile::tempdir().unwrap();
    let html = report(&run(tmp.path(), "outage-spread"), &[]);
    assert!(html.contains("<nav class=\"toc\" id=\"contents\">"));
    for id in svg_ids(&html) {
        assert!(
            html.contains(&format!("<a href=\"#fig-{id}\">")),
            "contents link {id}"
        );
        assert!(html.contains(&format!("<figure id=\"fig-{id}\">")));
    }
    for sec in [
        "sec-overview",
        "sec-placement",
        "sec-cost",
        "sec-incidents-and-deployments",
    ] {
        assert!(html.contains(&format!("<section id=\"{sec}\">")), "{sec}");
        assert!(
            html.contains(&format!("<a href=\"#{sec}\">")),
            "{sec} in contents"
        );
    }
}

/// The notes at the top of a report (`<p class="note">`), in order.
fn notes(html: &str) -> Vec<&str> {
    html.split("<p class=\"note\">")
        .skip(1)
        .map(|n| n.split("</p>").next().unwrap())
        .collect()
}

#[test]
fn cost_by_service_over_time_adds_up_to_the_summary() {
    // The report notes any service or job whose hourly shares miss
    // summary.json's cost_by_service / cost_by_job by more than a cent; it
    // is a run report's only note, so these reports have none at all
    // (whatever the note's wording).
    let tmp = tempfile::tempdir().unwrap();
    for scenario in [
        "outage-spread",
        "batch-wave",
        "spot-heavy",
        "web-fargate-spot",
        "binpack",
    ] {
        let dir = run(tmp.path(), scenario);
        let html = report(&dir, &[]);
        assert_eq!(notes(&html), Vec::<&str>::new(), "{scenario}");
        assert!(html.contains("id=\"cost-by-owner\""), "{scenario}");
        if scenario != "binpack" {
            continue;
        }
        // The check can fire: one service's figure in summary.json off by
        // a dollar gets exactly one note naming it with both figures.
        let path = dir.join("summary.json");
        let mut sum: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let by = sum["cost_by_service"].as_object_mut().unwrap();
        let (name, usd) = by
            .iter()
            .next()
            .map(|(k, v)| (k.clone(), v.as_f64().unwrap()))
            .unwrap();
        by.insert(name.clone(), serde_json::json!(usd + 1.0));
        std::fs::write(&path, serde_json::to_string_pretty(&sum).unwrap()).unwrap();
        let html = report(&dir, &[]);
        assert_eq!(
            notes(&html),
            [format!(
                "The cost by service over time does not add up to summary.json&#39;s cost_by_service / cost_by_job: {name}: {usd:.2} vs {:.2} USD.",
                usd + 1.0
            )],
        );
    }
}
#[test]
fn tasks_csv_without_reservations_is_refused_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = run(tmp.path(), "binpack");
    let t = std::fs::read_to_string(dir.join("tasks.csv")).unwrap();
    std::fs::write(
        dir.join("tasks.csv"),
        t.replacen("cpu_reserved", "cpu_x", 1),
    )
    .unwrap();
    fails(&dir, &["tasks.csv", "cpu_reserved"]);
    // A bad number: file, line and column named.
    let bad = t.replacen(",RUNNING,", ",RUNNING,lots", 1);
    assert_ne!(bad, t);
    std::fs::write(dir.join("tasks.csv"), bad).unwrap();
    fails(&dir, &["tasks.csv", "column cpu_reserved", "\"lots"]);
}

#[test]
fn placement_view_has_gpus_and_enis_where_instances_have_them() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("eg.toml");
    std::fs::write(
        &file,
        r#"name = "eg"
seed = 1
duration = "6h"
[cluster]
availability_zones = ["us-east-1a", "us-east-1b"]
[[instance_groups]]
name = "cpu"
instance_type = "m5.large"
count = 4
[[instance_groups]]
name = "gpu"
instance_type = "g5.xlarge"
count = 1
[[task_definitions]]
family = "t"
cpu = 128
memory = 256
network_mode = "awsvpc"
[[task_definitions]]
family = "train"
cpu = 1024
memory = 2048
gpu = 1
[[services]]
name = "s"
task_definition = "t"
desired_count = 6
[[services]]
name = "train"
task_definition = "train"
desired_count = 1
"#,
    )
    .unwrap();
    let out = tmp.path().join("out");
    ok(&ecsim(&["run", s(&file), "--out", s(&out), "-q"]));
    let html = report(&out, &[]);
    let ids = svg_ids(&html);
    for id in [
        "placement-cpu",
        "placement-memory",
        "placement-gpu",
        "placement-eni",
    ] {
        assert!(ids.contains(&id.to_string()), "{id} in {ids:?}");
    }
    // Six awsvpc tasks on four m5.large of two ENI slots each: some full.
    assert!(dark_cells(svg(&html, "placement-eni")) > 0);
    // Without GPUs or awsvpc tasks, neither map.
    let plain = report(&run(tmp.path(), "binpack"), &[]);
    assert!(!plain.contains("placement-gpu") && !plain.contains("placement-eni"));
}

/// The `<text>` tick label `label` of a chart: its (x, y) anchor.
fn tick_at(svg: &str, label: &str, anchor: &str) -> (f64, f64) {
    let doc = roxmltree::Document::parse(svg).unwrap();
    let n = doc
        .descendants()
        .find(|n| {
            n.has_tag_name("text")
                && n.attribute("text-anchor") == Some(anchor)
                && n.text().map(str::trim) == Some(label)
        })
        .unwrap_or_else(|| panic!("no tick {label}"));
    let f = |a: &str| n.attribute(a).unwrap().parse::<f64>().unwrap();
    (f("x"), f("y"))
}

#[test]
fn ramp_chart_shows_the_fargate_bucket_pacing_a_scale_out() {
    // Launches are paced by ECS's quotas: Fargate's account bucket starts
    // 100 tasks at once, then 20 a second ("Amazon ECS service quotas",
    // "AWS Fargate throttling quotas"), so with no provisioning or start-up
    // time a step from 2 to 300 tasks runs 102 at once and 300 ten seconds
    // after the decision.
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tmp.path().join("ramp.toml");
    std::fs::write(
        &scenario,
        r#"name = "ramp"
duration = "1h"
seed = 1
region = "us-east-1"
[cluster]
availability_zones = ["us-east-1a", "us-east-1b"]
[fargate]
provisioning = { kind = "constant", value = "0s" }
[[task_definitions]]
family = "web"
cpu = 256
memory = 512
startup = { kind = "constant", value = "0s" }
[[services]]
name = "web"
task_definition = "web"
desired_count = 2
launch_type = "FARGATE"
desired_count_changes = [{ at = "10m", desired_count = 300 }]
"#,
    )
    .unwrap();
    let dir = tmp.path().join("out");
    ok(&ecsim(&["run", s(&scenario), "--out", s(&dir), "-q"]));
    let html = report(&dir, &[]);
    assert!(svg_ids(&html).contains(&"ramp-web".to_string()));
    let fig = html.split("<figure id=\"fig-ramp-web\">").nth(1).unwrap();
    let caption = fig.split("</figcaption>").next().unwrap();
    assert!(caption.contains("fargate_rate (198 launches)"), "{caption}");
    let v = &format!("{}</svg>", svg(&html, "ramp-web"));
    assert!(
        v.contains(">\nat 10.0 min: 2 → 300\n<"),
        "legend names the step"
    );
    // The ramp: the one long line in the first colour.
    let doc = roxmltree::Document::parse(v).unwrap();
    let pts: Vec<(f64, f64)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("polyline") && n.attribute("stroke") == Some("#1F77B4"))
        .map(|n| {
            n.attribute("points")
                .unwrap()
                .split_whitespace()
                .map(|p| {
                    let (x, y) = p.split_once(',').unwrap();
                    (x.parse().unwrap(), y.parse().unwrap())
                })
                .collect::<Vec<(f64, f64)>>()
        })
        .max_by_key(Vec::len)
        .unwrap();
    let (_, y300) = tick_at(v, "300", "end");
    let (_, y100) = tick_at(v, "100", "end");
    let (_, y0) = tick_at(v, "0", "end");
    let (x10, _) = tick_at(v, "10", "middle");
    let (x0, _) = tick_at(v, "0", "middle");
    // From 2 running, a step at the decision to about 102 …
    assert!((pts[0].1 - y0).abs() <= 2.0, "{:?}", &pts[..3]);
    let burst = pts.iter().find(|p| p.1 < y0 - 5.0).unwrap();
    assert!(
        (burst.0 - x0).abs() <= 1.0 && (burst.1 - y100).abs() <= 3.0,
        "{burst:?}"
    );
    // … and the dashed target (300) reached about 10 s later, not before.
    let top = pts.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    assert!((top - y300).abs() <= 1.0, "top {top}, 300 at {y300}");
    let reached = pts.iter().find(|p| p.1 <= y300 + 0.5).unwrap();
    let second = (x10 - x0) / 10.0;
    assert!(
        (reached.0 - x10).abs() <= second,
        "300 running at x {} px, 10 s at {x10}",
        reached.0
    );
}
