//! No function in src/ runs past 150 lines (from its `fn` line to its
//! closing brace): a longer one does several things and is split along
//! them. Found by a simple brace-matching scan; the few left are listed
//! with why.

mod common;
use common::rust_files;
use std::path::Path;

const MAX_LINES: usize = 150;

/// Functions still longer, each with why: (file, function, reason).
const ALLOWED: &[(&str, &str, &str)] = &[];

/// The name of the function a line declares, if it does.
fn declares(line: &str) -> Option<&str> {
    let mut rest = line.trim_start();
    for word in [
        "pub(crate) ",
        "pub(super) ",
        "pub ",
        "const ",
        "async ",
        "unsafe ",
    ] {
        rest = rest.strip_prefix(word).unwrap_or(rest);
    }
    let rest = rest.strip_prefix("fn ")?;
    let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_'))?;
    Some(&rest[..end]).filter(|n| !n.is_empty())
}

/// A line's braces, outside string and char literals and comments.
fn braces(line: &str) -> (usize, usize, bool) {
    let (mut open, mut close, mut semi) = (0, 0, false);
    let mut chars = line.chars().peekable();
    let mut in_str = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' if in_str => {
                chars.next();
            }
            '"' => in_str = !in_str,
            _ if in_str => {}
            '/' if chars.peek() == Some(&'/') => break,
            // A char literal such as '{' (a lifetime has no closing quote).
            '\'' => {
                let rest: String = chars.clone().take(3).collect();
                if rest.starts_with("\\") {
                    chars.nth(2);
                } else if rest.chars().nth(1) == Some('\'') {
                    chars.nth(1);
                }
            }
            '{' => open += 1,
            '}' => close += 1,
            ';' => semi = true,
            _ => {}
        }
    }
    (open, close, semi)
}

/// Every function of `text` with its length in lines.
fn functions(text: &str) -> Vec<(String, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(name) = declares(line) else { continue };
        let mut depth = 0usize;
        let mut started = false;
        for (j, l) in lines.iter().enumerate().skip(i) {
            let (open, close, semi) = braces(l);
            if !started && open == 0 && semi {
                break; // a declaration without a body (a trait's)
            }
            started |= open > 0;
            depth = (depth + open).saturating_sub(close);
            if started && depth == 0 {
                found.push((name.to_string(), j - i + 1));
                break;
            }
        }
    }
    found
}

fn long_functions() -> Vec<(String, String, usize)> {
    let mut files = Vec::new();
    rust_files(Path::new("src"), &mut files);
    files.sort();
    let mut long = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let name = f.to_string_lossy().replace('\\', "/");
        for (func, n) in functions(&text) {
            if n > MAX_LINES {
                long.push((name.clone(), func, n));
            }
        }
    }
    long
}

#[test]
fn no_function_is_longer_than_150_lines() {
    let long = long_functions();
    let over: Vec<String> = long
        .iter()
        .filter(|(f, func, _)| !ALLOWED.iter().any(|(af, an, _)| af == f && an == func))
        .map(|(f, func, n)| format!("{f}: fn {func} is {n} lines"))
        .collect();
    assert!(
        over.is_empty(),
        "over {MAX_LINES} lines:\n{}",
        over.join("\n")
    );
    // A function split since is taken off the list.
    for (file, func, _) in ALLOWED {
        assert!(
            long.iter().any(|(f, n, _)| f == file && n == func),
            "{file}: fn {func} is no longer over {MAX_LINES} lines: drop it from ALLOWED"
        );
    }
}

/// The scanner itself: bodies, braces inside strings, chars and comments,
/// and bodiless declarations.
#[test]
fn the_scanner_measures_bodies() {
    let text = "pub(crate) fn a() {\n    let s = \"{{\"; // {\n    let c = '{';\n}\n\
                fn b(x: &'static str);\nfn c<'a>(x: &'a str) -> &'a str {\n    x\n}\n";
    assert_eq!(
        functions(text),
        vec![("a".to_string(), 4), ("c".to_string(), 3)]
    );
}
