//! No Rust file runs past 600 lines: a longer one holds several things and
//! is split along them, each part named for what it is. Every .rs file of
//! the crate (src/, tests/, benches/), of the Python binding (python/src/)
//! and of the fuzz targets (fuzz/) is counted; the few left are listed with
//! why.

mod common;
use common::{repo, rust_files};
use std::path::Path;

const MAX_LINES: usize = 600;

/// Where Rust source lives, from the repository's root.
const ROOTS: &[&str] = &["src", "tests", "benches", "python/src", "fuzz"];

/// Files still longer, each with why: (file, reason).
const ALLOWED: &[(&str, &str)] = &[];

/// Every .rs file under `roots` (of `base`) longer than MAX_LINES, with its
/// line count, by path relative to `base`.
fn long_files(base: &Path, roots: &[&str]) -> Vec<(String, usize)> {
    let mut files = Vec::new();
    for r in roots {
        let dir = base.join(r);
        if dir.is_dir() {
            rust_files(&dir, &mut files);
        }
    }
    files.sort();
    let mut long = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        // As `wc -l` counts them (every file ends in a newline: rustfmt).
        let n = text.lines().count();
        if n > MAX_LINES {
            let rel = f.strip_prefix(base).unwrap();
            long.push((rel.to_string_lossy().replace('\\', "/"), n));
        }
    }
    long
}

#[test]
fn no_file_is_longer_than_600_lines() {
    let long = long_files(&repo(), ROOTS);
    let over: Vec<String> = long
        .iter()
        .filter(|(f, _)| !ALLOWED.iter().any(|(a, _)| a == f))
        .map(|(f, n)| format!("{f} is {n} lines"))
        .collect();
    assert!(
        over.is_empty(),
        "over {MAX_LINES} lines (split along what each part does):\n{}",
        over.join("\n")
    );
    // A file split since is taken off the list.
    for (file, _) in ALLOWED {
        assert!(
            long.iter().any(|(f, _)| f == file),
            "{file} is no longer over {MAX_LINES} lines: drop it from ALLOWED"
        );
    }
}

/// The scan itself: a file of 601 lines is caught in a nested folder, one
/// of 600 is not, nor a longer file that is not Rust or sits in `target`;
/// a root that does not exist is skipped.
#[test]
fn the_scan_counts_lines_of_rust_files_in_every_root() {
    let dir = tempfile::tempdir().unwrap();
    let lines = |n: usize| "x\n".repeat(n);
    let write = |rel: &str, text: String| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write("src/a/long.rs", lines(601));
    write("src/ok.rs", lines(600));
    write("src/notes.md", lines(900));
    write("benches/peer/target/gen.rs", lines(900));
    write("benches/b.rs", lines(700));
    assert_eq!(
        long_files(dir.path(), &["src", "benches", "missing"]),
        vec![
            ("benches/b.rs".to_string(), 700),
            ("src/a/long.rs".to_string(), 601)
        ]
    );
}

/// Every root is walked: a file of each is seen (a moved root would
/// otherwise check nothing there).
#[test]
fn every_root_holds_rust_files() {
    for r in ROOTS {
        let mut files = Vec::new();
        rust_files(&repo().join(r), &mut files);
        assert!(!files.is_empty(), "{r}: no .rs file");
    }
}
