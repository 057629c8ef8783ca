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
