//! `run --format parquet`: the same rows as the CSV, typed, read back with
//! the parquet crate itself; the same summary; the same report.

mod common;

use ecsim::table::schema::{self, Kind};
use ecsim::table::{Format, Shape};
use parquet::basic::Type as Physical;
use parquet::file::reader::FileReader;
use parquet::file::serialized_reader::SerializedFileReader;
use parquet::record::Field;
use std::path::Path;

const TABLES: [&str; 9] = ecsim::report::OUTPUT_FILES;

fn shipped(name: &str, hours: Option<u64>) -> ecsim::scenario::Scenario {
    let mut sc = ecsim::scenario::load(&common::repo().join("scenarios").join(name))
        .unwrap_or_else(|e| panic!("{e}"));
    if let Some(h) = hours {
        sc.duration = h * 3_600_000;
    }
    sc
}

/// Jobs that fit nowhere: refused.csv's rows.
const REFUSALS: &str = r#"
name = "refusals"
duration = "2h"
[cluster]
availability_zones = ["us-east-1a"]
[[instance_groups]]
name = "g"
instance_type = "m5.large"
count = 1
[[task_definitions]]
family = "t"
cpu = 1024
memory = 512
[[jobs]]
name = "j"
task_definition = "t"
arrivals = { kind = "schedule", every = "1d", count = 4 }
duration = { kind = "constant", value = "1h" }
"#;

fn run(name: &str, hours: Option<u64>, format: Format, out: &Path) {
    run_shaped(name, hours, format, Some(Shape::Wide), out)
}

/// `run --format F [--timeseries S]` (`None`: the format's default).
fn run_shaped(name: &str, hours: Option<u64>, format: Format, shape: Option<Shape>, out: &Path) {
    let sc = match name {
        "refusals" => common::scenario(REFUSALS),
        _ => shipped(name, hours),
    };
    let opts = ecsim::run::RunOptions {
        format,
        timeseries: shape,
        ..Default::default()
    };
    ecsim::run::run_to_dir_with(
        &sc,
        sc.seed,
        &ecsim::billing::PriceBook::shipped(),
        out,
        &opts,
    )
    .unwrap_or_else(|e| panic!("{e}"));
}

fn csv_rows(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

/// Checks that `file.parquet` holds `file.csv`'s rows, typed as the schema says.
fn same_rows(dir_csv: &Path, dir_pq: &Path, stem: &str) -> usize {
    let (header, rows) = csv_rows(&dir_csv.join(format!("{stem}.csv")));
    let reader = SerializedFileReader::new(
        std::fs::File::open(dir_pq.join(format!("{stem}.parquet"))).unwrap(),
    )
    .unwrap();
    let meta = reader.metadata().file_metadata();
    assert_eq!(meta.num_rows() as usize, rows.len(), "{stem}: row count");
    let cols = meta.schema_descr().columns().to_vec();
    let names: Vec<&str> = cols.iter().map(|c| c.name()).collect();
    assert_eq!(names, header, "{stem}: columns");
    for c in &cols {
        let want = match schema::kind(stem, c.name()) {
            Some(Kind::Int) => Physical::INT64,
            Some(Kind::Float) => Physical::DOUBLE,
            Some(Kind::Bool) => Physical::BOOLEAN,
            Some(Kind::Text) => Physical::BYTE_ARRAY,
            None => panic!("{stem}: column {} has no declared type", c.name()),
        };
        assert_eq!(c.physical_type(), want, "{stem}.{}", c.name());
    }
    for (i, row) in reader.get_row_iter(None).unwrap().enumerate() {
        let row = row.unwrap();
        for (j, (_, f)) in row.get_column_iter().enumerate() {
            let cell = &rows[i][j];
            let at = format!("{stem} row {} column {}", i + 1, header[j]);
            match f {
                Field::Null => assert_eq!(cell, "", "{at}"),
                Field::Str(s) => assert_eq!(s, cell, "{at}"),
                Field::Bool(b) => assert_eq!(b.to_string(), *cell, "{at}"),
                Field::Long(v) => assert_eq!(v.to_string(), *cell, "{at}"),
                Field::Double(v) => {
                    let c: f64 = cell.parse().unwrap_or_else(|_| panic!("{at}: {cell}"));
                    assert!(
                        (v - c).abs() <= 1e-9 * c.abs().max(1.0),
                        "{at}: {v} vs {cell}"
                    );
                }
                other => panic!("{at}: unexpected {other:?}"),
            }
        }
    }
    rows.len()
}

#[test]
fn parquet_tables_hold_the_csv_rows() {
    let tmp = tempfile::tempdir().unwrap();
    // Between them: Spot, faults and incidents, deployments and a rollback,
    // target tracking, Fargate, refused jobs, managed scaling.
    let mut seen = std::collections::BTreeMap::new();
    for (name, hours) in [
        ("spot-heavy.toml", Some(48)),
        ("deploy-circuit-breaker.toml", None),
        ("outage-binpack.toml", None),
        ("web-fargate-spot.toml", Some(24)),
        ("batch-wave.toml", Some(24)),
        ("autoscale-50.toml", Some(24)),
        ("refusals", None),
    ] {
        let (c, p) = (
            tmp.path().join(format!("c-{name}")),
            tmp.path().join(format!("p-{name}")),
        );
        run(name, hours, Format::Csv, &c);
        run(name, hours, Format::Parquet, &p);
        for stem in TABLES {
            assert!(
                !p.join(format!("{stem}.csv")).exists(),
                "{name}: {stem}.csv beside Parquet"
            );
            *seen.entry(stem).or_insert(0) += same_rows(&c, &p, stem);
        }
        let summary = |d: &Path| {
            let mut v: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(d.join("summary.json")).unwrap())
                    .unwrap();
            let o = v.as_object_mut().unwrap();
            o.remove("wall_time_s");
            o.remove("events_per_s");
            v
        };
        assert_eq!(summary(&c), summary(&p), "{name}: summary.json");
    }
    // Every table had rows somewhere, so every kind of cell was compared.
    for (stem, n) in seen {
        assert!(n > 0, "no scenario wrote a row of {stem}");
    }
}

#[test]
fn parquet_outputs_are_deterministic_and_the_report_reads_them() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("c"),
    );
    // A long timeseries: the report widens it again.
    run_shaped(
        "spot-heavy.toml",
        Some(48),
        Format::Parquet,
        Some(Shape::Long),
        &a,
    );
    run_shaped(
        "spot-heavy.toml",
        Some(48),
        Format::Parquet,
        Some(Shape::Long),
        &b,
    );
    run("spot-heavy.toml", Some(48), Format::Csv, &c);
    for stem in TABLES {
        let f = format!("{stem}.parquet");
        assert_eq!(
            std::fs::read(a.join(&f)).unwrap(),
            std::fs::read(b.join(&f)).unwrap(),
            "{f} differs between two runs"
        );
    }
    // The report's text is the same whichever format it read: Parquet keeps
    // the CSV's decimals.
    ecsim::report::html::write(&a, false).unwrap();
    ecsim::report::html::write(&c, false).unwrap();
    let html = |d: &Path| std::fs::read_to_string(d.join("report.html")).unwrap();
    assert_eq!(html(&a), html(&c));
}

/// (time_s, series) → value text of a long timeseries, as CSV records.
fn long_cells(header: &[String], rows: &[Vec<String>]) -> Vec<(String, String, String)> {
    assert_eq!(header, ["time_s", "series", "value"]);
    rows.iter()
        .map(|r| (r[0].clone(), r[1].clone(), r[2].clone()))
        .collect()
}

/// The wide table's cells in the long form's order: per row, every
/// column after time_s.
fn wide_as_long(header: &[String], rows: &[Vec<String>]) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for r in rows {
        for j in 1..header.len() {
            out.push((r[0].clone(), header[j].clone(), r[j].clone()));
        }
    }
    out
}

#[test]
fn long_timeseries_holds_the_wide_cells() {
    let tmp = tempfile::tempdir().unwrap();
    let d = |n: &str| tmp.path().join(n);
    // Services with demand, providers and incidents: every column group.
    let name = "outage-binpack.toml";
    run_shaped(name, Some(12), Format::Csv, None, &d("wide"));
    run_shaped(name, Some(12), Format::Csv, Some(Shape::Long), &d("long"));
    run_shaped(name, Some(12), Format::Parquet, Some(Shape::Long), &d("pq"));
    run_shaped(name, Some(12), Format::Parquet, None, &d("pq-wide"));
    let (wh, wr) = csv_rows(&d("wide").join("timeseries.csv"));
    assert_eq!(wh[0], "time_s", "CSV is wide without --timeseries");
    assert_eq!(wh.len(), wr[0].len());
    same_rows(&d("wide"), &d("pq-wide"), "timeseries");
    let mut want = wide_as_long(&wh, &wr);
    assert!(want.len() > 1000, "{} cells", want.len());
    // Series by series within a block of minutes, each series' in time
    // order (one block here: 12 hours of a few dozen series).
    let order: Vec<&String> = wh[1..].iter().collect();
    let at = |s: &String| order.iter().position(|o| *o == s).unwrap();
    want.sort_by_key(|(t, s, _)| (at(s), t.parse::<f64>().unwrap().to_bits()));
    let (lh, lr) = csv_rows(&d("long").join("timeseries.csv"));
    // The CSV's long form holds the wide form's text, cell for cell.
    assert_eq!(long_cells(&lh, &lr), want);
    // Parquet's long form holds the same values.
    let mut got = Vec::new();
    ecsim::table::parquet::for_each_record(
        &d("pq").join("timeseries.parquet"),
        |i, r| -> Result<(), String> {
            let cells: Vec<String> = r.iter().map(str::to_string).collect();
            if i == 1 {
                assert_eq!(cells, ["time_s", "series", "value"]);
            } else {
                got.push((cells[0].clone(), cells[1].clone(), cells[2].clone()));
            }
            Ok(())
        },
        |m| m,
    )
    .unwrap();
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        assert_eq!((&g.0, &g.1), (&w.0, &w.1));
        let (a, b): (f64, f64) = (g.2.parse().unwrap(), w.2.parse().unwrap());
        assert!((a - b).abs() <= 1e-9 * b.abs().max(1.0), "{g:?} vs {w:?}");
    }
}

#[test]
fn every_column_of_every_shipped_scenario_has_a_type() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = common::repo().join("scenarios");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let n = e.unwrap().file_name().into_string().unwrap();
            (n.ends_with(".toml") && n.matches('.').count() == 1).then_some(n)
        })
        .collect();
    names.sort();
    assert!(names.len() >= 10);
    for name in names {
        let out = tmp.path().join(&name);
        // An hour writes every header the whole run would.
        run(&name, Some(1), Format::Csv, &out);
        for stem in TABLES {
            let (header, _) = csv_rows(&out.join(format!("{stem}.csv")));
            for col in header {
                assert!(
                    schema::kind(stem, &col).is_some(),
                    "{name}: {stem}.csv column {col} has no type in src/table/schema.rs"
                );
            }
        }
    }
}
