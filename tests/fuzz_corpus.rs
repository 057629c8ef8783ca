//! Replays every committed fuzz input (`fuzz/corpus/<target>/`: seeds and
//! the inputs that once crashed) through the same harnesses the fuzz
//! targets run, so CI catches a regression without building the fuzzer.

use std::path::Path;

#[test]
fn every_corpus_file_runs_without_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let mut failures = Vec::new();
    for (name, harness) in ecsim::fuzzing::TARGETS {
        let dir = root.join(name);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "no corpus for fuzz target {name}");
        for f in files {
            let data = std::fs::read(&f).unwrap();
            if std::panic::catch_unwind(|| harness(&data)).is_err() {
                failures.push(f.display().to_string());
            }
        }
    }
    assert!(failures.is_empty(), "inputs that panic: {failures:#?}");
}

/// Every fuzz target in fuzz/Cargo.toml has a harness and a corpus, and the
/// other way round, so a new parser cannot miss its replay.
#[test]
fn fuzz_targets_match_harnesses() {
    let manifest = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/Cargo.toml"),
    )
    .unwrap();
    let mut bins: Vec<&str> = manifest
        .lines()
        .filter_map(|l| l.strip_prefix("name = \""))
        .filter_map(|l| l.strip_suffix('"'))
        .filter(|n| *n != "ecsim-fuzz")
        .collect();
    bins.sort_unstable();
    let mut names: Vec<&str> = ecsim::fuzzing::TARGETS.iter().map(|t| t.0).collect();
    names.sort_unstable();
    assert_eq!(bins, names);
}
