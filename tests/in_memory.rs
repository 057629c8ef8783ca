//! `run::run_in_memory` (what the Python package's `ecsim.run` calls) keeps
//! the very tables `run_to_dir` writes: the same bytes, the same summary.

mod common;
use common::repo;
use ecsim::billing::PriceBook;
use ecsim::run::{RunOptions, run_in_memory, run_to_dir_with};

fn figures(s: &ecsim::report::Summary) -> serde_json::Value {
    let mut v = serde_json::to_value(s).unwrap();
    // The machine's figures, not the simulation's.
    for k in ["wall_time_s", "events_per_s"] {
        v.as_object_mut().unwrap().remove(k);
    }
    v
}

#[test]
fn memory_holds_the_bytes_the_folder_gets() {
    let mut sc = ecsim::scenario::load(&repo().join("scenarios/quickstart.toml")).unwrap();
    sc.duration = ecsim::engine::time::DAY;
    let book = PriceBook::shipped();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let on_disk = run_to_dir_with(&sc, 9, &book, &out, &RunOptions::default()).unwrap();
    let mem = run_in_memory(&sc, 9, &book, &RunOptions::default()).unwrap();
    assert_eq!(figures(&mem.summary), figures(&on_disk));
    let mut files: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|n| n.strip_suffix(".csv").map(String::from))
        .collect();
    files.sort();
    let mut stems: Vec<String> = mem.tables.iter().map(|(s, _)| s.clone()).collect();
    stems.sort();
    assert_eq!(stems, files);
    for (stem, bytes) in &mem.tables {
        let want = std::fs::read(out.join(format!("{stem}.csv"))).unwrap();
        assert!(
            *bytes == want,
            "{stem}: {} bytes in memory, {} on disk",
            bytes.len(),
            want.len()
        );
    }
    // Large enough that the tasks table went through the writer's thread.
    let tasks = &mem.tables.iter().find(|(s, _)| s == "tasks").unwrap().1;
    assert!(tasks.len() > 64 << 10, "{} bytes", tasks.len());
}

#[test]
fn outputs_limit_the_tables_in_memory() {
    let mut sc = ecsim::scenario::load(&repo().join("scenarios/quickstart.toml")).unwrap();
    sc.duration = ecsim::engine::time::HOUR;
    let opts = RunOptions {
        outputs: ecsim::report::Outputs::parse("cost,instances").unwrap(),
        ..Default::default()
    };
    let mem = run_in_memory(&sc, 1, &PriceBook::shipped(), &opts).unwrap();
    let stems: Vec<&str> = mem.tables.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(stems, ["cost", "instances"]);
}

/// The typed columns (what `ecsim.run` hands to pyarrow) hold, cell by
/// cell, the values of the CSV text: an empty cell is a null, a number the
/// value its text stands for.
#[test]
fn typed_columns_hold_the_csv_cells() {
    use ecsim::table::parquet::Values;
    let mut sc = ecsim::scenario::load(&repo().join("scenarios/quickstart.toml")).unwrap();
    sc.duration = ecsim::engine::time::DAY;
    let book = PriceBook::shipped();
    let text = run_in_memory(&sc, 4, &book, &RunOptions::default()).unwrap();
    let opts = RunOptions {
        format: ecsim::table::Format::Parquet,
        ..Default::default()
    };
    let typed = run_in_memory(&sc, 4, &book, &opts).unwrap();
    assert!(typed.tables.is_empty());
    let stems = |v: Vec<&String>| v.into_iter().cloned().collect::<Vec<_>>();
    assert_eq!(
        stems(typed.columns.iter().map(|(s, _)| s).collect()),
        stems(text.tables.iter().map(|(s, _)| s).collect())
    );
    let mut kinds = [0usize; 4];
    for ((stem, table), (_, csv)) in typed.columns.iter().zip(&text.tables) {
        let mut r = csv::Reader::from_reader(&csv[..]);
        let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
        let names: Vec<&String> = table.columns.iter().map(|c| &c.name).collect();
        assert_eq!(names, header.iter().collect::<Vec<_>>(), "{stem}");
        let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
        for c in &table.columns {
            assert_eq!(c.defined.len(), rows.len(), "{stem}.{}", c.name);
        }
        for (k, c) in table.columns.iter().enumerate() {
            let mut next = 0;
            for (row, d) in rows.iter().zip(&c.defined) {
                let cell = &row[k];
                if *d == 0 {
                    assert_eq!(cell, "", "{stem}.{}", c.name);
                    continue;
                }
                let at = next;
                next += 1;
                match &c.values {
                    Values::Int(v) => assert_eq!(cell.parse::<i64>().unwrap(), v[at]),
                    Values::Float(v) => assert_eq!(cell.parse::<f64>().unwrap(), v[at]),
                    Values::Bool(v) => assert_eq!(cell == "true", v[at]),
                    Values::Text(bytes, ends) => {
                        let start = if at == 0 { 0 } else { ends[at - 1] };
                        assert_eq!(cell.as_bytes(), &bytes[start..ends[at]]);
                    }
                }
            }
            kinds[match c.values {
                Values::Int(_) => 0,
                Values::Float(_) => 1,
                Values::Bool(_) => 2,
                Values::Text(..) => 3,
            }] += 1;
        }
    }
    assert!(
        kinds.iter().all(|&n| n > 0),
        "every kind of column: {kinds:?}"
    );
}
