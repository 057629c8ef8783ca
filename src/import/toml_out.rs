//! Small helpers to write TOML by hand: the scenario carries comments
//! (what was inferred, what was not mapped), which a serializer drops.

/// A TOML string.
pub fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A TOML number: integral values without a fraction, others to 6 significant places.
pub fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        let s = format!("{x:.6}");
        let s = s.trim_end_matches('0');
        s.trim_end_matches('.').to_string()
    }
}

/// A name usable as a scenario name and a file name.
pub fn safe_name(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    while out.starts_with('.') {
        out.remove(0);
    }
    if out.is_empty() {
        out = "imported".into();
    }
    out.truncate(100);
    out
}

/// Lines as a `# ` comment block.
pub fn comment(text: &str) -> String {
    text.lines().map(|l| format!("# {l}\n")).collect()
}
