//! Helpers of the report tests (tests/report*.rs): run a shipped scenario,
//! write its report, read the report's SVGs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs the ecsim binary at the repository's root.
pub fn ecsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ecsim"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("runs")
}

/// Asserts exit code 0, showing stderr otherwise.
pub fn ok(out: &Output) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Runs a shipped scenario into `parent/name` and returns the folder.
pub fn run(parent: &Path, scenario: &str) -> PathBuf {
    let out = parent.join(scenario);
    ok(&ecsim(&[
        "run",
        &format!("scenarios/{scenario}.toml"),
        "--out",
        s(&out),
        "-q",
    ]));
    out
}

/// Runs `ecsim report DIR EXTRA...` and returns report.html.
pub fn report(dir: &Path, extra: &[&str]) -> String {
    let mut args = vec!["report", s(dir)];
    args.extend_from_slice(extra);
    ok(&ecsim(&args));
    std::fs::read_to_string(dir.join("report.html")).expect("report.html written")
}

/// Parses the whole report as XML and returns the ids of its `<svg>`s in
/// document order; every SVG must also be a complete SVG document.
pub fn svg_ids(html: &str) -> Vec<String> {
    assert!(html.starts_with("<!DOCTYPE html>"));
    let doc = roxmltree::Document::parse_with_options(
        html,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .expect("report.html is well-formed");
    let mut ids = Vec::new();
    for n in doc.descendants().filter(|n| n.has_tag_name("svg")) {
        let id = n
            .attribute("id")
            .expect("every chart has an id")
            .to_string();
        let text = &html[n.range()];
        roxmltree::Document::parse(text).expect("each inline SVG parses on its own");
        assert!(
            n.descendants().any(|d| d.has_tag_name("text")),
            "{id} has axis text"
        );
        ids.push(id);
    }
    // Self-contained: nothing loaded from elsewhere, no scripts; links only
    // within the page (the table of contents).
    for banned in ["<script", "<link", "src=", "@import", "url("] {
        assert!(!html.contains(banned), "report contains {banned}");
    }
    for (i, _) in html.match_indices("href=") {
        assert!(
            html[i..].starts_with("href=\"#"),
            "link out of the page: {}",
            &html[i..i + 40]
        );
    }
    ids
}

/// The `<svg>` element with this id, as text.
pub fn svg<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("<svg id=\"{id}\""))
        .unwrap_or_else(|| panic!("no svg {id}"));
    let end = start + html[start..].find("</svg>").unwrap();
    &html[start..end]
}

/// A results folder's summary.json.
pub fn summary(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

/// Copies the sweep folder `tests/fixtures/NAME` into `tmp`.
pub fn fixture(tmp: &Path, name: &str) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let dst = tmp.join(name);
    std::fs::create_dir(&dst).unwrap();
    for f in ["sweep.json", "runs.csv", "aggregate.csv"] {
        std::fs::copy(src.join(f), dst.join(f)).unwrap();
    }
    dst
}
