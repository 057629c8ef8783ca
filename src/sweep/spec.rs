//! Sweep and plan files: a base scenario, the parameters to vary (by
//! scenario field path) and how many replications of each point to run.

use crate::error::InputError;
use crate::scenario::{self, Scenario};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The fields a sweep file and a plan file share.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepSpec {
    pub name: String,
    /// Base scenario, relative to the sweep file.
    pub scenario: String,
    #[serde(default = "one")]
    pub replications: i64,
    /// Master seed; replication r of every point runs with seed + r.
    pub seed: Option<u64>,
    /// Full grid: every combination of the listed values.
    #[serde(default, alias = "choices")]
    pub grid: Option<toml::Table>,
    /// Listed points, each setting some parameters.
    #[serde(default)]
    pub points: Option<Vec<toml::Table>>,
    /// Plan files only: what every replication of a configuration must meet.
    #[serde(default)]
    pub targets: Option<toml::Table>,
}

fn one() -> i64 {
    1
}

/// One point of the sweep: its parameter values (in the sweep file's order).
/// Its scenario is built when needed (`Sweep::scenario`), not kept: a
/// million points' scenarios would not fit in memory.
pub struct Point {
    pub params: Vec<(String, toml::Value)>,
}

/// A checked sweep file.
pub struct Sweep {
    pub file: PathBuf,
    pub text: String,
    pub name: String,
    pub scenario_file: PathBuf,
    pub scenario_text: String,
    pub base: Scenario,
    /// The base scenario as TOML, which each point's settings change.
    base_table: toml::Table,
    /// "grid" or "points": where a point's settings are written.
    section: &'static str,
    pub replications: u32,
    pub master_seed: u64,
    /// Parameter paths, in the file's order.
    pub parameters: Vec<String>,
    /// Grid values per parameter (for listed points: the values used, in order of first use).
    pub values: Vec<Vec<toml::Value>>,
    pub points: Vec<Point>,
    pub targets: Option<toml::Table>,
}

impl Sweep {
    /// `--region`: every point is priced for `region`.
    pub fn set_region(&mut self, region: &str) -> Result<(), InputError> {
        self.base.set_region(region)?;
        self.base_table
            .insert("region".into(), toml::Value::String(region.into()));
        Ok(())
    }
}

/// A plan file is read the same way; `kind` names it in errors ("sweep" or "plan").
pub fn load(file: &Path, kind: &str) -> Result<Sweep, InputError> {
    let text = crate::input::read_text(file)
        .map_err(|e| InputError::new(file, "", format!("cannot read the {kind} file: {e}")))?;
    parse(file, text, kind)
}

/// Checks sweep (or plan) text; `file` names it in errors and anchors the
/// base scenario's path.
pub fn parse(file: &Path, text: String, kind: &str) -> Result<Sweep, InputError> {
    parse_with_base(file, text, kind, None)
}

/// `parse` with the base scenario given as (file, text) instead of read
/// from the sweep's `scenario` key (the Python package sweeps a scenario
/// edited in memory; `file` anchors its relative paths).
pub fn parse_with_base(
    file: &Path,
    text: String,
    kind: &str,
    base: Option<(PathBuf, String)>,
) -> Result<Sweep, InputError> {
    let err = |path: &str, msg: String| InputError::new(file, path, msg);
    let de = toml::Deserializer::parse(&text)
        .map_err(|e| scenario::toml_error(file, &text, String::new(), &e))?;
    let spec: SweepSpec = serde_path_to_error::deserialize(de).map_err(|e| {
        let p = e.path().to_string();
        let p = if p == "." { String::new() } else { p };
        scenario::toml_error(file, &text, p, e.inner())
    })?;
    if let Err(m) = scenario::check_results_name(&spec.name) {
        return Err(err("name", m));
    }
    if !(1..=10_000).contains(&spec.replications) {
        return Err(err(
            "replications",
            format!("must be 1 to 10000, got {}", spec.replications),
        ));
    }
    let (scenario_file, scenario_text) = match base {
        Some(b) => b,
        None => {
            let dir = file.parent().unwrap_or(Path::new("."));
            let scenario_file = dir.join(&spec.scenario);
            let scenario_text = crate::input::read_text(&scenario_file).map_err(|e| {
                err(
                    "scenario",
                    format!("cannot read {}: {e}", scenario_file.display()),
                )
            })?;
            (scenario_file, scenario_text)
        }
    };
    let base_table: toml::Table = toml::from_str(&scenario_text).map_err(|e| {
        err(
            "scenario",
            format!(
                "{} is not valid TOML: {}",
                scenario_file.display(),
                e.message().trim()
            ),
        )
    })?;
    let base = scenario::parse(&scenario_file, &scenario_text)?;

    let (parameters, values, settings) = match (&spec.grid, &spec.points) {
        (Some(_), Some(_)) => {
            return Err(err(
                "",
                format!(
                    "give either [grid] (every combination) or [[points]] (listed points), not both, in a {kind} file"
                ),
            ));
        }
        (None, None) => {
            return Err(err(
                "",
                "nothing to vary: add [grid] with lists of values by scenario field path, e.g. services.web.autoscaling.target = [50, 60, 70], or [[points]]".to_string(),
            ));
        }
        (Some(grid), None) => {
            grid_points(file, kind_section(kind), grid, spec.replications as u64)?
        }
        (None, Some(points)) => listed_points(file, points)?,
    };
    let section = if spec.grid.is_some() {
        kind_section(kind)
    } else {
        "points"
    };
    if parameters.iter().any(|p| p == "seed") {
        return Err(err(
            &format!("{section}.seed"),
            "runs take their seeds from the sweep's own `seed` (master seed) and `replications`; vary those instead".to_string(),
        ));
    }
    if settings.len() as u64 * spec.replications as u64 > MAX_RUNS {
        return Err(too_many_runs(
            file,
            settings.len() as u64,
            spec.replications as u64,
            section,
        ));
    }
    let points = settings
        .into_iter()
        .map(|params| Point { params })
        .collect();
    Ok(Sweep {
        file: file.to_path_buf(),
        text,
        name: spec.name,
        scenario_file,
        scenario_text,
        master_seed: spec.seed.unwrap_or(base.seed),
        base,
        base_table,
        section,
        replications: spec.replications as u32,
        parameters,
        values,
        points,
        targets: spec.targets,
    })
}

impl Sweep {
    /// Point `i`'s scenario: the base with the point's settings.
    pub fn scenario(&self, i: usize) -> Result<Scenario, InputError> {
        let err = |path: &str, msg: String| InputError::new(&self.file, path, msg);
        let params = &self.points[i].params;
        let mut table = self.base_table.clone();
        for (path, v) in params {
            let field = if self.section == "points" {
                format!("points[{i}].{path}")
            } else {
                format!("{}.{path}", self.section)
            };
            set(&mut table, path, v.clone()).map_err(|m| err(&field, m))?;
        }
        scenario::from_table(&self.scenario_file, table).map_err(|e| {
            let shown: Vec<String> = params.iter().map(|(p, v)| format!("{p} = {v}")).collect();
            err(
                self.section,
                format!(
                    "point {i} ({}) gives an invalid scenario: {e}",
                    shown.join(", ")
                ),
            )
        })
    }
}

/// The most runs (points × replications) a sweep or plan may have.
pub const MAX_RUNS: u64 = 1_000_000;

fn too_many_runs(file: &Path, points: u64, replications: u64, section: &str) -> InputError {
    InputError::new(
        file,
        "",
        format!(
            "{points} points × {replications} replications is more than 1,000,000 runs; narrow the {section}"
        ),
    )
}

fn kind_section(kind: &str) -> &'static str {
    if kind == "plan" { "choices" } else { "grid" }
}

type Settings = Vec<Vec<(String, toml::Value)>>;
/// Parameter paths, the values each takes, and each point's settings.
type Axes = (Vec<String>, Vec<Vec<toml::Value>>, Settings);

/// Dotted keys nest in TOML, so `services.web.autoscaling.target = [..]`
/// arrives as nested tables: a path ends at the first list.
pub(super) fn flatten(
    t: &toml::Table,
    prefix: &str,
    out: &mut Vec<(String, toml::Value)>,
    leaf: &dyn Fn(&toml::Value) -> bool,
) {
    for (k, v) in t {
        let path = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(inner) if !leaf(v) => flatten(inner, &path, out, leaf),
            _ => out.push((path, v.clone())),
        }
    }
}

fn grid_points(
    file: &Path,
    section: &str,
    grid: &toml::Table,
    replications: u64,
) -> Result<Axes, InputError> {
    let mut leaves = Vec::new();
    flatten(grid, "", &mut leaves, &|_| false);
    if leaves.is_empty() {
        return Err(InputError::new(
            file,
            section,
            "is empty; list values by scenario field path, e.g. services.web.autoscaling.target = [50, 60, 70]",
        ));
    }
    let mut params = Vec::new();
    let mut values = Vec::new();
    for (path, v) in leaves {
        let field = format!("{section}.{path}");
        let toml::Value::Array(list) = v else {
            return Err(InputError::new(
                file,
                &field,
                format!("expected a list of values, e.g. [{v}], got {v}"),
            ));
        };
        if list.is_empty() {
            return Err(InputError::new(
                file,
                &field,
                "is an empty list; give at least one value",
            ));
        }
        params.push(path);
        values.push(list);
    }
    // Counted before any is built: 10^7 combinations would not fit in memory.
    let combinations = values
        .iter()
        .try_fold(1u64, |n, vs| n.checked_mul(vs.len() as u64))
        .unwrap_or(u64::MAX);
    if combinations > MAX_RUNS {
        return Err(InputError::new(
            file,
            section,
            "has more than 1,000,000 combinations; narrow it",
        ));
    }
    if combinations * replications > MAX_RUNS {
        return Err(too_many_runs(file, combinations, replications, section));
    }
    // Row-major: the last parameter varies fastest, as in nested loops.
    let mut settings: Settings = vec![Vec::new()];
    for (p, vs) in params.iter().zip(&values) {
        settings = settings
            .into_iter()
            .flat_map(|s| {
                vs.iter().map(move |v| {
                    let mut s = s.clone();
                    s.push((p.clone(), v.clone()));
                    s
                })
            })
            .collect();
    }
    Ok((params, values, settings))
}

fn listed_points(file: &Path, points: &[toml::Table]) -> Result<Axes, InputError> {
    if points.is_empty() {
        return Err(InputError::new(
            file,
            "points",
            "is an empty list; give at least one point",
        ));
    }
    let mut params: Vec<String> = Vec::new();
    let mut values: Vec<Vec<toml::Value>> = Vec::new();
    let mut settings = Vec::new();
    for (i, t) in points.iter().enumerate() {
        let mut leaves = Vec::new();
        flatten(t, "", &mut leaves, &|_| false);
        if leaves.is_empty() {
            return Err(InputError::new(
                file,
                format!("points[{i}]"),
                "sets nothing; give scenario field paths and values, e.g. services.web.desired_count = 4",
            ));
        }
        for (p, v) in &leaves {
            match params.iter().position(|q| q == p) {
                Some(j) => {
                    if !values[j].contains(v) {
                        values[j].push(v.clone());
                    }
                }
                None => {
                    params.push(p.clone());
                    values.push(vec![v.clone()]);
                }
            }
        }
        settings.push(leaves);
    }
    Ok((params, values, settings))
}

/// Sets `path` (dotted; a segment under a list picks an element by index or
/// by its `name` / `family`) in a scenario table. Missing tables are created
/// so optional sections can be set; the scenario check then refuses fields
/// that do not exist, naming the valid ones.
pub fn set(table: &mut toml::Table, path: &str, value: toml::Value) -> Result<(), String> {
    let segs: Vec<&str> = path.split('.').collect();
    if segs.iter().any(|s| s.is_empty()) {
        return Err(format!("\"{path}\" is not a field path"));
    }
    let mut cur = table;
    let mut at = String::new();
    for (i, seg) in segs.iter().enumerate() {
        let last = i + 1 == segs.len();
        if last {
            cur.insert((*seg).to_string(), value);
            return Ok(());
        }
        let here = if at.is_empty() {
            (*seg).to_string()
        } else {
            format!("{at}.{seg}")
        };
        let entry = cur
            .entry((*seg).to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        cur = match entry {
            toml::Value::Table(t) => t,
            toml::Value::Array(list) => {
                let next = segs[i + 1];
                let idx = pick(list, next).ok_or_else(|| {
                    let names: Vec<String> = list.iter().filter_map(element_name).collect();
                    format!(
                        "{here} has no element \"{next}\" (by index 0..{} or by name: {})",
                        list.len(),
                        if names.is_empty() {
                            "none".to_string()
                        } else {
                            names.join(", ")
                        }
                    )
                })?;
                if i + 2 == segs.len() {
                    list[idx] = value;
                    return Ok(());
                }
                let toml::Value::Table(t) = &mut list[idx] else {
                    return Err(format!("{here}.{next} is not a table"));
                };
                // The element segment is consumed here.
                return set(t, &segs[i + 2..].join("."), value)
                    .map_err(|e| format!("{here}.{next}: {e}"));
            }
            other => {
                return Err(format!(
                    "{here} is a value ({}), not a table with fields",
                    other.type_str()
                ));
            }
        };
        at = here;
    }
    Ok(())
}

fn element_name(v: &toml::Value) -> Option<String> {
    let t = v.as_table()?;
    ["name", "family"]
        .iter()
        .find_map(|k| t.get(*k).and_then(|n| n.as_str()).map(str::to_string))
}

fn pick(list: &[toml::Value], seg: &str) -> Option<usize> {
    if let Some(i) = list
        .iter()
        .position(|v| element_name(v).as_deref() == Some(seg))
    {
        return Some(i);
    }
    seg.parse::<usize>().ok().filter(|&i| i < list.len())
}

#[cfg(test)]
mod tests {
    use super::set;

    #[test]
    fn set_follows_names_indexes_and_creates_sections() {
        let mut t: toml::Table = toml::from_str(
            "[[services]]\nname = \"web\"\ndesired_count = 2\n[[services]]\nname = \"api\"\n",
        )
        .unwrap();
        set(&mut t, "services.api.desired_count", 5.into()).unwrap();
        set(&mut t, "services.0.autoscaling.target", 50.into()).unwrap();
        set(&mut t, "seed", 3.into()).unwrap();
        let s = &t["services"].as_array().unwrap();
        assert_eq!(s[1]["desired_count"].as_integer(), Some(5));
        assert_eq!(s[0]["autoscaling"]["target"].as_integer(), Some(50));
        assert_eq!(t["seed"].as_integer(), Some(3));
        let e = set(&mut t, "services.wbe.desired_count", 1.into()).unwrap_err();
        assert!(
            e.contains("no element \"wbe\"") && e.contains("web, api"),
            "{e}"
        );
        let e = set(&mut t, "seed.x", 1.into()).unwrap_err();
        assert!(e.contains("seed is a value"), "{e}");
    }
}
