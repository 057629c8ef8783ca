//! The documentation keeps up with the code (issue 28 item 13): every
//! scenario key `ecsim import` writes is in docs/scenario-format.md, and
//! every exit code ecsim uses is in `ecsim --help`.

mod common;
use common::{ecsim_in, repo};
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};

/// Whether docs/scenario-format.md documents `key`: written as a TOML key
/// (`key =`, in an example, a comment listing optional keys or a backticked
/// example in the prose), as a table header (`[services.key]`, `[[key]]`)
/// or in backticks in the prose.
fn documented(doc: &str, key: &str) -> bool {
    let k = regex::escape(key);
    [
        format!(r"(?m)(^|[\s{{,\[#`])({k})\s*="),
        format!(r"\[\[?([a-z_]+\.)*{k}\]\]?"),
        format!(r"`{k}`"),
    ]
    .iter()
    .any(|re| Regex::new(re).unwrap().is_match(doc))
}

/// The keys of the scenario's serialisable types (src/scenario, and the
/// InstanceRequirements of src/catalog), by the Rust field that holds each:
/// the field's name, or its `#[serde(rename = "…")]`.
fn spec_keys() -> BTreeMap<String, BTreeSet<String>> {
    let item = Regex::new(
        r"(?s)#\[derive\([^)]*Serialize[^)]*\)\]\s*(?:#\[serde[^\]]*\]\s*)*pub (?:struct|enum) \w+\s*\{(.*?)\n\}",
    )
    .unwrap();
    let field = Regex::new(
        r#"(?m)(?:#\[serde\(rename = "([a-z_]+)"\)\]\s*)?^\s*(?:pub )?([a-z][a-z_0-9]*):"#,
    )
    .unwrap();
    let mut files: Vec<_> = std::fs::read_dir(repo().join("src/scenario"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.push(repo().join("src/catalog/requirements.rs"));
    let mut keys: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for path in files {
        let src = std::fs::read_to_string(&path).unwrap();
        for body in item.captures_iter(&src) {
            for f in field.captures_iter(&body[1]) {
                let key = f.get(1).unwrap_or_else(|| f.get(2).unwrap());
                keys.entry(f[2].to_string())
                    .or_default()
                    .insert(key.as_str().to_string());
            }
        }
    }
    keys
}

/// The keys src/import can write: the scenario's keys whose fields the
/// import sets (`field: …` in a struct literal, `.field = …`,
/// `.field.push(…)`, a `field,` shorthand) and the keys of the plain tables
/// it builds (`insert("key", …)`), by the files that set them. This sees
/// keys the fixtures below happen not to exercise (cooldown, every, …).
fn keys_in_import_sources() -> BTreeMap<String, BTreeSet<String>> {
    let spec = spec_keys();
    let set = Regex::new(
        r#"(?m)(?:^|[^\w])(?:pub )?([a-z][a-z_0-9]*)\s*:[^:]|\.([a-z][a-z_0-9]*)\s*=[^=]|\.([a-z][a-z_0-9]*)\.(?:push|extend)\(|^\s*([a-z][a-z_0-9]*),\s*$|insert\("([a-z_]+)""#,
    )
    .unwrap();
    let mut keys: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for e in std::fs::read_dir(repo().join("src/import")).unwrap() {
        let path = e.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let src = std::fs::read_to_string(&path).unwrap();
        // Code only: no comment lines, no test module; no declarations
        // (`pub x: T` of the import's own and the AWS shapes' structs).
        let code: String = src
            .lines()
            .take_while(|l| !l.trim_start().starts_with("#[cfg(test)]"))
            .filter(|l| !l.trim_start().starts_with("//") && !l.trim_start().starts_with("pub "))
            .map(|l| format!("{l}\n"))
            .collect();
        for c in set.captures_iter(&code) {
            let (k, plain) = match (1..=4).find_map(|i| c.get(i)) {
                Some(m) => (m.as_str(), false),
                None => (&c[5], true),
            };
            let found: Vec<String> = match spec.get(k) {
                Some(serialised) => serialised.iter().cloned().collect(),
                None if plain => vec![k.to_string()],
                None => continue,
            };
            for k in found {
                keys.entry(k).or_default().insert(name.clone());
            }
        }
    }
    keys
}

/// Every key of a written scenario, by its path ("services[].autoscaling.
/// step_scaling[].cooldown"), tables and arrays of tables walked through.
/// Custom instance attributes are the user's names, not scenario keys.
fn walk(v: &toml::Value, path: &str, out: &mut BTreeSet<(String, String)>) {
    match v {
        toml::Value::Table(t) => {
            for (k, x) in t {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                out.insert((k.clone(), p.clone()));
                if k != "attributes" {
                    walk(x, &p, out);
                }
            }
        }
        toml::Value::Array(a) => {
            for x in a {
                walk(x, &format!("{path}[]"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn every_key_import_writes_is_in_the_scenario_format_doc() {
    let doc = std::fs::read_to_string(repo().join("docs/scenario-format.md")).unwrap();
    let from_src = keys_in_import_sources();
    // The scan must see what the import is known to write, or it proves nothing.
    for k in [
        "instance_groups",
        "capacity_provider_strategy",
        "cooldown",
        "every",
    ] {
        assert!(from_src.contains_key(k), "source scan missed {k}");
    }
    let undocumented: Vec<String> = from_src
        .iter()
        .filter(|(k, _)| !documented(&doc, k))
        .map(|(k, files)| format!("{k} (src/import/{files:?})"))
        .collect();
    assert!(
        undocumented.is_empty(),
        "keys ecsim import writes but docs/scenario-format.md does not document: {undocumented:?}"
    );

    // What the import writes for real, from the three exports the repository
    // holds, key by key (recursively).
    let tmp = tempfile::tempdir().unwrap();
    let mut written = BTreeSet::new();
    for (i, export) in [
        "tests/fixtures/import/cluster",
        "tests/fixtures/import/reference",
        "scenarios/import-example/export",
    ]
    .iter()
    .enumerate()
    {
        let out = tmp.path().join(format!("s{i}.toml"));
        let o = ecsim_in(
            tmp.path(),
            &[
                "import",
                repo().join(export).to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
                "--quiet",
            ],
        );
        assert_eq!(
            o.status.code(),
            Some(0),
            "{export}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let text = std::fs::read_to_string(&out).unwrap();
        let v: toml::Value = toml::from_str(&text).unwrap();
        walk(&v, "", &mut written);
    }
    assert!(written.len() > 60, "{written:?}");
    for (k, path) in &written {
        assert!(
            documented(&doc, k),
            "ecsim import writes {path}, which docs/scenario-format.md does not document"
        );
        assert!(
            from_src.contains_key(k),
            "{path} is written but the source scan does not see it (keep it documented by hand)"
        );
    }
}

/// Every key a scenario can hold (a field of the scenario's serde types) is
/// in docs/scenario-format.md, not only those `ecsim import` writes: a key
/// a user can only find in the source is one they cannot use.
#[test]
fn every_scenario_key_is_in_the_scenario_format_doc() {
    let doc = std::fs::read_to_string(repo().join("docs/scenario-format.md")).unwrap();
    let keys: BTreeSet<String> = spec_keys().into_values().flatten().collect();
    // The scan must see keys of the nested types too, or it proves little.
    for k in ["duration", "instance_requirements", "trunk_tasks", "spikes"] {
        assert!(keys.contains(k), "spec scan missed {k}");
    }
    let undocumented: Vec<&String> = keys.iter().filter(|k| !documented(&doc, k)).collect();
    assert!(
        undocumented.is_empty(),
        "scenario keys docs/scenario-format.md does not document: {undocumented:?}"
    );
}

/// The numbers in the "Exit codes:" paragraph of `ecsim --help`.
fn exit_codes_in_help() -> BTreeSet<i32> {
    let out = ecsim_in(&repo(), &["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8(out.stdout).unwrap();
    let at = help.find("Exit codes:").expect("--help lists exit codes");
    let para = help[at..].split("\n\n").next().unwrap();
    Regex::new(r"\b\d+\b")
        .unwrap()
        .find_iter(para)
        .map(|m| m.as_str().parse().unwrap())
        .collect()
}

/// Every exit code ecsim uses — success, each error kind's
/// (`Error::exit_code`), partial results, 128 + each stop signal, and
/// clap's for a bad flag — is listed in `ecsim --help`, and nothing else.
#[test]
fn help_lists_every_exit_code() {
    let mut used: BTreeSet<i32> = [0, ecsim::cli::EXIT_PARTIAL].into();
    used.extend(
        ecsim::error::Error::one_of_each()
            .iter()
            .map(|e| e.exit_code()),
    );
    used.extend(ecsim::cli::STOP_SIGNALS.iter().map(|s| 128 + s));
    let bad_flag = ecsim_in(&repo(), &["run", "--no-such-flag"]);
    used.insert(bad_flag.status.code().unwrap());
    assert_eq!(
        exit_codes_in_help(),
        used,
        "the Exit codes paragraph of `ecsim --help` (src/cli/args.rs EXAMPLES) must list exactly the codes ecsim uses"
    );
    // And the derivation above found them all (docs/commands.md lists them too).
    assert_eq!(used, [0, 1, 2, 3, 4, 129, 130, 143].into());
    // sweep, plan and merge print their own paragraph: --max-wall's 3 too.
    for cmd in ["sweep", "plan", "merge"] {
        let out = ecsim_in(&repo(), &[cmd, "--help"]);
        let text = String::from_utf8_lossy(&out.stdout);
        for code in [
            "0 success",
            "2 invalid input",
            "3 --max-wall reached",
            "4 (plan)",
            "130",
        ] {
            assert!(
                text.contains(code),
                "`{cmd} --help` lacks {code:?}:\n{text}"
            );
        }
    }
}

/// Every flag of every command (as `ecsim COMMAND --help` lists it) is in
/// that command's synopsis line of docs/commands.md (`plan --keep-runs`
/// was not).
#[test]
fn every_flag_is_in_the_commands_synopsis() {
    let doc = std::fs::read_to_string(repo().join("docs/commands.md")).unwrap();
    let flag = Regex::new(r"(?m)^\s+(?:-[a-zA-Z], )?(--[a-z][a-z-]*)").unwrap();
    let mut checked = 0;
    for cmd in [
        "run", "price", "validate", "import", "catalog", "sweep", "merge", "plan", "report",
    ] {
        let line = doc
            .lines()
            .find(|l| l.starts_with(&format!("ecsim {cmd} ")))
            .unwrap_or_else(|| panic!("docs/commands.md has no synopsis of ecsim {cmd}"));
        let out = ecsim_in(&repo(), &[cmd, "--help"]);
        let help = String::from_utf8(out.stdout).unwrap();
        for f in flag.captures_iter(&help).map(|c| c[1].to_string()) {
            if f == "--help" {
                continue;
            }
            let word = Regex::new(&format!(r"{}\b", regex::escape(&f))).unwrap();
            assert!(
                word.is_match(line),
                "ecsim {cmd} {f} is missing from its synopsis in docs/commands.md: {line}"
            );
            checked += 1;
        }
    }
    assert!(checked > 30, "{checked} flags");
}

/// The columns each table's bullet in docs/outputs.md names, in order:
/// every backticked comma list split into names (`_served_rps` after
/// `<service>_demand_rps` is `<service>_served_rps`), and which of them
/// came from a list (a lone backticked word may be prose: `start`/`end`).
fn documented_columns(doc: &str, stem: &str) -> Vec<(String, bool)> {
    let start = doc
        .find(&format!("\n- `{stem}.csv`"))
        .unwrap_or_else(|| panic!("docs/outputs.md has no bullet for {stem}.csv"));
    let rest = &doc[start + 3..];
    let bullet = &rest[..rest.find("\n- ").unwrap_or(rest.len())];
    let tick = Regex::new(r"`([^`]*)`").unwrap();
    let mut out: Vec<(String, bool)> = Vec::new();
    for span in tick.captures_iter(bullet) {
        let span = &span[1];
        let listed = span.contains(',');
        for name in span.split(',').map(str::trim) {
            let name = match (name.strip_prefix('_'), out.last()) {
                (Some(tail), Some((prev, _))) if prev.starts_with('<') => {
                    let prefix = &prev[..prev.find(">_").expect("a <name>_ prefix") + 2];
                    format!("{prefix}{tail}")
                }
                _ => name.to_string(),
            };
            out.push((name, listed));
        }
    }
    out
}

/// docs/outputs.md lists each table's columns as src/table/schema.rs
/// describes them (issue 33 item 3): the schema's columns appear in the
/// bullet in the schema's order, and every name in a column list of the
/// bullet is one of the table's columns.
#[test]
fn outputs_doc_lists_each_table_s_columns_as_the_schema_does() {
    use ecsim::table::schema::{self, Present};
    let doc = std::fs::read_to_string(repo().join("docs/outputs.md")).unwrap();
    let all = Present {
        gpus: true,
        enis: true,
        faults: true,
        markets: true,
    };
    let names = |cols: &[schema::Col]| -> Vec<String> {
        schema::header(cols, all)
            .iter()
            .map(|s| s.to_string())
            .collect()
    };
    let grouped = |who: &str, cols: &[schema::Col]| -> Vec<String> {
        cols.iter().map(|c| format!("<{who}>_{}", c.name)).collect()
    };
    let series = names(schema::TIMESERIES);
    let (lead, tail) = series.split_at(schema::TIMESERIES_LEAD);
    let mut timeseries = lead.to_vec();
    timeseries.extend(grouped("service", schema::PER_SERVICE));
    timeseries.extend(grouped("job", schema::PER_JOB));
    timeseries.extend(grouped("service", schema::PER_LOAD));
    timeseries.extend(grouped("provider", schema::PER_PROVIDER));
    timeseries.extend(tail.iter().cloned());
    let tables: Vec<(&str, Vec<String>, Vec<String>)> = vec![
        ("tasks", names(schema::TASKS), vec![]),
        ("timeseries", timeseries, names(schema::TIMESERIES_LONG)),
        ("scaling", names(schema::SCALING), vec![]),
        ("cost", names(schema::COST), vec![]),
        (
            "cost_timeseries",
            schema::cost_timeseries(true)
                .iter()
                .map(|s| s.to_string())
                .collect(),
            vec![],
        ),
        ("instances", names(schema::INSTANCES), vec![]),
        ("refused", names(schema::REFUSED), vec![]),
        ("incidents", names(schema::INCIDENTS), vec![]),
        ("deployments", names(schema::DEPLOYMENTS), vec![]),
    ];
    assert_eq!(tables.len(), ecsim::report::OUTPUT_FILES.len());
    for (stem, want, also) in tables {
        let got = documented_columns(&doc, stem);
        let mut at = got.iter();
        for col in &want {
            assert!(
                at.any(|(g, _)| g == col),
                "docs/outputs.md, {stem}.csv: column {col} is missing or out of the schema's order \
                 (schema: {want:?}; documented: {got:?})"
            );
        }
        for (g, listed) in &got {
            assert!(
                !listed || want.contains(g) || also.contains(g),
                "docs/outputs.md, {stem}.csv lists {g}, which src/table/schema.rs does not have"
            );
        }
    }
}
