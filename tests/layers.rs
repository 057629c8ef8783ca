//! The floors of `src/lib.rs` hold: a module uses only modules of its own
//! floor or below. Read from the source (every `crate::X` path outside
//! comments and `#[cfg(test)]` code, which may reach anywhere), so a new
//! back-edge fails here and has to be moved, or listed below with a reason.

mod common;
use common::rust_files;
use std::collections::BTreeSet;
use std::path::Path;

/// Each top-level module's floor, lowest first. Modules sharing a floor in
/// the map of `src/lib.rs` get ranks in the order they may use each other
/// (scaling → model → placement; pricelist → catalog → billing).
const FLOORS: &[(&str, u32)] = &[
    ("engine", 0),
    ("error", 0),
    ("input", 0),
    ("progress", 0),
    ("table", 0),
    ("scaling", 10),
    ("model", 11),
    ("placement", 12),
    ("faults", 12),
    ("pricelist", 20),
    ("catalog", 21),
    ("billing", 22),
    ("scenario", 30),
    ("sim", 40),
    ("import", 40),
    ("report", 50),
    ("run", 51),
    ("sweep", 52),
    ("cli", 60),
    ("fuzzing", 60),
];

/// Back-edges still there, each with why: (file, module it uses, reason).
const ALLOWED: &[(&str, &str, &str)] = &[];

fn rank(module: &str) -> u32 {
    FLOORS
        .iter()
        .find(|(m, _)| *m == module)
        .map(|(_, r)| *r)
        .unwrap_or_else(|| {
            panic!("module `{module}` has no floor in tests/layers.rs (and src/lib.rs's map)")
        })
}

/// The code of a file without comments and without its test module.
fn code(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let t = line.trim_start();
        if t.starts_with("#[cfg(test)]") {
            break;
        }
        if t.starts_with("//") {
            continue;
        }
        // A trailing comment; `://` is a URL inside a string, kept.
        let cut = line
            .match_indices("//")
            .find(|(i, _)| !line[..*i].ends_with(':'))
            .map_or(line.len(), |(i, _)| i);
        out.push_str(&line[..cut]);
        out.push('\n');
    }
    out
}

/// The top-level modules `crate::` paths in `code` name, `crate::{a, b::c}` included.
fn uses(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut start = true;
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => start = true,
                    c if start && !c.is_whitespace() => {
                        start = false;
                        found.insert(ident(&group[j..]));
                    }
                    _ => {}
                }
            }
        } else {
            found.insert(ident(rest));
        }
    }
    found.retain(|m| !m.is_empty());
    found
}

fn top_module(file: &Path) -> String {
    let rel = file.strip_prefix("src").unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

#[test]
fn no_module_uses_a_higher_floor() {
    let mut files = Vec::new();
    rust_files(Path::new("src"), &mut files);
    files.sort();
    let mut back_edges = Vec::new();
    let mut allowed_seen = BTreeSet::new();
    for f in &files {
        let from = top_module(f);
        if from == "lib" || from == "main" {
            continue;
        }
        let text = std::fs::read_to_string(f).unwrap();
        let name = f.to_string_lossy().replace('\\', "/");
        for to in uses(&code(&text)) {
            if to == from || rank(&to) <= rank(&from) {
                continue;
            }
            if let Some(a) = ALLOWED
                .iter()
                .find(|(file, m, _)| *file == name && *m == to)
            {
                allowed_seen.insert(a.0);
                continue;
            }
            back_edges.push(format!(
                "{name} uses crate::{to} (floor of {to} is above {from})"
            ));
        }
    }
    assert!(
        back_edges.is_empty(),
        "back-edges:\n{}",
        back_edges.join("\n")
    );
    // An exception no longer needed is taken off the list.
    for (file, to, _) in ALLOWED {
        assert!(
            allowed_seen.contains(file),
            "{file} no longer uses crate::{to}: drop it from ALLOWED"
        );
    }
}

#[test]
fn every_module_of_lib_rs_has_a_floor() {
    let lib = std::fs::read_to_string("src/lib.rs").unwrap();
    for line in lib.lines() {
        if let Some(m) = line.strip_prefix("pub mod ") {
            rank(m.trim_end_matches(';'));
        }
    }
}

/// The scanner itself: grouped imports, comments and test code.
#[test]
fn the_scanner_sees_grouped_paths_and_skips_comments() {
    let got = uses(&code(
        "use crate::{report::{a, b}, run};\n// crate::sweep\nlet x = crate::model::X; // crate::cli\n\
         let u = \"https://crate::engine\";\n#[cfg(test)]\nmod tests { use crate::billing; }\n",
    ));
    let want: BTreeSet<String> = ["report", "run", "model", "engine"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(got, want);
}
