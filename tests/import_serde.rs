//! `ecsim import` writes the scenario through the scenario's own serde
//! types (issue 33, item 3): what it writes reads back as the very
//! `ScenarioSpec` it built, and src/import/ writes no TOML by hand.

use ecsim::scenario::spec::ScenarioSpec;
use regex::Regex;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The scenario an import of `dir` makes, and the spec its text reads back as.
fn round_trip(dir: &str) -> (ScenarioSpec, ScenarioSpec, String) {
    let made = ecsim::import::make(&repo().join(dir), Some(Path::new("prod.toml")), None)
        .unwrap_or_else(|e| panic!("{dir}: {e}"));
    let back: ScenarioSpec =
        toml::from_str(&made.text).unwrap_or_else(|e| panic!("{dir}: {e}\n{}", made.text));
    (made.spec, back, made.text)
}

#[test]
fn the_prod_import_reads_back_as_the_spec_it_built() {
    let (built, back, text) = round_trip("tests/fixtures/import_prod");
    // Debug shows every field, floats to the last bit: a field dropped by
    // `skip_serializing_if`, a value rounded after it went into the spec or
    // a shape the reader takes otherwise shows here.
    assert_eq!(format!("{back:#?}"), format!("{built:#?}"));
    // The fixture exercises what the comparison is about: derived floats,
    // scheduled actions, mixed types, initial tasks, registered memory.
    assert!(
        built
            .services
            .iter()
            .any(|s| s.capacity_per_task.is_some_and(|c| c.fract() != 0.0))
    );
    assert!(text.contains("capacity_per_task = 27.911401\n"), "{text}");
    assert!(!built.initial_tasks.is_empty() && !built.instance_types.is_empty());
    // Its comments are kept, where they explain.
    for said in [
        "registered_memory_mib = 15577  # registeredResources MEMORY (ecsim's model of the type: 16046)\n",
        "# scheduled action web-nightly-floor: cron(0 2 * * ? *) in Europe/Berlin, Thu 2026-10-29 02:00 CET (1 of 7",
        "# demand of api: no ALB RequestCount in the export; requests derived from CPUUtilization",
        "# Time 0 is 2026-10-29T00:00:00Z",
        "# Not mapped (also printed on stderr):\n",
        "# target tracking policy api-requests\nmetric = \"ALBRequestCountPerTarget\"\n",
        "draining_instances = [3]  # DRAINING in describe-container-instances\n",
    ] {
        assert!(text.contains(said), "lacks {said:?}:\n{text}");
    }
}

#[test]
fn every_import_fixture_reads_back_as_the_spec_it_built() {
    let mut dirs = vec![
        "tests/fixtures/import/cluster".to_string(),
        "tests/fixtures/import/reference".into(),
        "tests/fixtures/import_managed".into(),
        "scenarios/import-example/export".into(),
    ];
    for e in std::fs::read_dir(repo().join("tests/fixtures/import_model")).unwrap() {
        let p = e.unwrap().path();
        dirs.push(format!(
            "tests/fixtures/import_model/{}",
            p.file_name().unwrap().to_string_lossy()
        ));
    }
    for dir in &dirs {
        let (built, back, _) = round_trip(dir);
        assert_eq!(format!("{back:#?}"), format!("{built:#?}"), "{dir}");
    }
}

/// TOML written by hand in `code`: a table header on a line of its own,
/// or a `key = {…}` line filled in by `format!`, in a string literal.
fn hand_written(code: &str) -> Vec<String> {
    let patterns = [
        // "[[services]]\n", "\n[services.autoscaling]\n"
        r#"(\\n|")\[\[?[a-z_][a-z_.]*\]\]?\\n"#,
        // "count = {}\n", "cooldown = \"{v}s\"\n", "lb = {{ {} }}\n"
        r#"[a-z_]+ = (\\")?\{[^"\\{}]*\}[a-z]*(\\")?\\n"#,
        r#"[a-z_]+ = \[?\{\{.*\}\}\]?\\n"#,
        // The helpers that quoted and formatted values for it.
        r"\btoml_str\(|\bfn num\(|toml_out::",
    ];
    let mut found = Vec::new();
    for p in patterns {
        let re = Regex::new(p).unwrap();
        found.extend(re.find_iter(code).map(|m| m.as_str().to_string()));
    }
    found
}

/// The code of a file: no comment lines, no test module.
fn code(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let t = line.trim_start();
        if t.starts_with("#[cfg(test)]") {
            break;
        }
        if !t.starts_with("//") {
            out += line;
            out.push('\n');
        }
    }
    out
}

#[test]
fn src_import_writes_no_toml_by_hand() {
    // The check finds what the import wrote before it went through serde.
    for old in [
        r#"s += &format!("min_size = {mn}\nmax_size = {mx}\n");"#,
        r#"format!("\n[[services.autoscaling.scheduled]]\n# scheduled action {an}: {}", a.schedule)"#,
        r#"b += &format!("capacity_per_task = {}\ndemand = {}\n", num(x), d.spec);"#,
        r#"steps += &format!("cooldown = \"{v}s\"\n");"#,
        r#"format!("load_balancer = {{ {} }}\n", parts.join(", "))"#,
        r#"format!("[[initial_tasks]]\nservice = {}\n", toml_str(&self.service))"#,
    ] {
        assert!(!hand_written(old).is_empty(), "the check misses {old}");
    }
    // Notes that name a table in prose are not TOML.
    assert!(
        hand_written(r#"notes.push(format!("declare it with [[instance_types]] and add it"))"#)
            .is_empty()
    );
    let mut checked = 0;
    for e in std::fs::read_dir(repo().join("src/import")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_none_or(|x| x != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap();
        let found = hand_written(&code(&text));
        assert!(
            found.is_empty(),
            "{} writes TOML by hand ({found:?}): build the scenario's spec types and let import/doc.rs serialise them",
            p.display()
        );
        checked += 1;
    }
    assert!(checked > 20, "only {checked} files under src/import");
}

/// The Serialize side of every scenario type, the import's and the others
/// (jobs, faults, distributions, arrivals, quotas, pricing): each shipped
/// scenario, serialised, reads back as itself.
#[test]
fn every_shipped_scenario_survives_serialisation() {
    let mut seen = 0;
    for e in std::fs::read_dir(repo().join("scenarios")).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        // Plans and sweeps (`x.plan.toml`) name a scenario; they are not one.
        if !name.ends_with(".toml") || name.matches('.').count() > 1 {
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap();
        let spec: ScenarioSpec =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let written = toml::to_string(&spec).unwrap();
        let back: ScenarioSpec =
            toml::from_str(&written).unwrap_or_else(|e| panic!("{}: {e}\n{written}", p.display()));
        assert_eq!(
            format!("{back:#?}"),
            format!("{spec:#?}"),
            "{}",
            p.display()
        );
        seen += 1;
    }
    assert!(seen >= 18, "{seen} scenarios");
}

/// A region ecsim ships no prices for is a comment to uncomment (with
/// `--prices`), not a key: the run would stop on it.
#[test]
fn a_region_without_prices_is_a_commented_line() {
    let tmp = tempfile::tempdir().unwrap();
    let src = repo().join("tests/fixtures/import_model/agent");
    for e in std::fs::read_dir(&src).unwrap() {
        let p = e.unwrap().path();
        let text = std::fs::read_to_string(&p).unwrap();
        std::fs::write(
            tmp.path().join(p.file_name().unwrap()),
            text.replace("us-east-1", "eu-west-1"),
        )
        .unwrap();
    }
    let made = ecsim::import::make(tmp.path(), Some(Path::new("r.toml")), None).unwrap();
    assert_eq!(made.spec.region, None);
    assert!(
        made.text.contains("\n# region = \"eu-west-1\"  # the cluster's; ecsim ships us-east-1 prices, so costs below are at those:\n# uncomment and run with --prices (ecsim validate names the price files to fetch)\n[cluster]\n"),
        "{}",
        made.text
    );
}
