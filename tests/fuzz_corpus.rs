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
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/Cargo.toml"))
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

/// Inputs that once crashed (found by the adversarial run; their files are
/// in the corpus too): each is now a one-line input error.
#[test]
fn former_crashes_are_input_errors() {
    let f = Path::new("t.csv");
    for (text, why) in [
        (
            "99999999999-01-01T00:00:00Z,1\n99999999999-01-01T00:01:00Z,1\n",
            "year overflowed",
        ),
        (
            "2026-01-01T00:00:00+99999999999999:00,1\n",
            "offset overflowed",
        ),
        ("-9e18,1\n9e18,1\n", "span overflowed"),
        ("2026-01-01T-1:00:00Z,1\n", "negative hour"),
    ] {
        let e = ecsim::scenario::trace::parse(f, text, 1.0).expect_err(why);
        assert!(e.to_string().contains("expected a timestamp"), "{why}: {e}");
    }
    let deep = format!("{}attribute:x == 1{}", "(".repeat(3000), ")".repeat(3000));
    let e = ecsim::placement::query::Expr::parse(&deep).expect_err("stack overflow");
    assert!(e.contains("at most 2000"), "{e}");
    let nested = format!("{}attribute:x == 1{}", "(".repeat(100), ")".repeat(100));
    let e = ecsim::placement::query::Expr::parse(&nested).expect_err("too deep");
    assert!(e.contains("nested more than"), "{e}");
    let bad = ecsim::placement::query::Expr::parse("attribute:x =~ (").expect_err("regex");
    assert_eq!(bad.lines().count(), 1, "{bad}");
}
