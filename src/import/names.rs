//! Names the import gives the files it writes (the scenario's, its task
//! definitions' and traces'). The scenario's text itself is written by
//! serde through `doc.rs`.

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

/// A file name for a service or family: `safe_name` when that keeps the
/// name as it is, else the safe name (shortened) and a hash of the whole
/// name, so two names never share a file ("a b" and "a-b", or two
/// 255-character names that agree in their first 100).
pub fn file_name(s: &str) -> String {
    let safe = safe_name(s);
    if safe == s {
        return safe;
    }
    // FNV-1a: stable across runs and platforms, unlike std's hasher.
    let h = s.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let mut short = safe;
    short.truncate(90);
    format!("{short}-{:08x}", h as u32)
}

#[cfg(test)]
mod tests {
    #[test]
    fn file_names_are_unique() {
        let long = |c: char| format!("{}{c}", "s".repeat(150));
        let (a, b) = (super::file_name(&long('a')), super::file_name(&long('b')));
        assert_ne!(a, b);
        assert!(a.len() <= 100, "{a}");
        assert_ne!(super::file_name("a b"), super::file_name("a-b"));
        assert_eq!(super::file_name("web-1"), "web-1");
    }
}
