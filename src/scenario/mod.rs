//! Scenario files: TOML with defaults, validated into the initial model.

/// The longest `duration` a scenario may ask for.
pub const MAX_DURATION: crate::engine::SimTime = 400 * crate::engine::time::DAY;

mod build;
mod capacity;
mod ctx;
pub mod deploy_alarms;
pub mod deployments;
pub mod estimate;
mod faults;
mod fit_pool;
pub mod image_pull;
pub mod initial;
pub mod instance_types;
mod instances;
mod kinds;
pub mod load_balancer;
pub mod managed_instances;
pub mod mixed;
mod network;
mod owners;
pub mod queues;
pub mod quotas;
pub mod spec;
pub mod target_tracking;
pub mod taskdef_forms;
pub mod taskdef_json;
pub mod taskdef_rules;
mod taskdefs;
pub mod trace;
mod workload;

use crate::engine::SimTime;
use crate::error::InputError;
use crate::model::{Cluster, TaskDef};
pub use capacity::{SpotSeries, spot_series_text as parse_spot_prices};
pub use ctx::durations_text as parse_durations;
pub use ctx::{json_message, plain_message};
pub use initial::InitialTasks;
pub use instances::{ECS_INSTANCE_QUOTA, MAX_INSTANCES};
use std::path::{Path, PathBuf};

/// A checked scenario, ready to simulate.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub file: PathBuf,
    pub duration: SimTime,
    pub seed: u64,
    /// The cluster at time 0: instances registered, services with their desired counts.
    pub cluster: Cluster,
    /// (time, service index, new desired count), sorted by time.
    pub desired_changes: Vec<(SimTime, u32, u32)>,
    /// AWS region whose prices apply.
    pub region: String,
    /// Hourly on-demand prices declared with `[[instance_types]]`, in
    /// pico-dollars: they win over the price book.
    pub ec2_prices: std::collections::BTreeMap<String, i128>,
    /// The names `[[instance_types]]` declares, in order: a missing price
    /// of one is named at its `instance_types[k].usd_per_hour`.
    pub declared_types: Vec<String>,
    /// The most instances the groups may hold at once (count or max_size).
    pub most_instances: u64,
    /// Things the user should know that are not errors (a trace shorter
    /// than the run), said once on stderr.
    pub notes: Vec<String>,
    pub pricing: crate::billing::PricingConfig,
    /// Time a Fargate task spends in PROVISIONING before its image pull.
    pub fargate_provisioning: crate::engine::Dist,
    pub faults: Vec<crate::faults::Fault>,
    pub deployments: Vec<crate::model::deployment::DeploymentPlan>,
    /// Service tasks RUNNING at time 0 (`[[initial_tasks]]`).
    pub initial_tasks: Vec<InitialTasks>,
    /// The start-up that availability, unserved demand and waits leave out.
    pub warm_up: WarmUp,
    /// `[quotas]`: launch-rate quotas (ECS's defaults unless raised).
    pub quotas: quotas::Quotas,
    /// `[image_pull]`: how long `image_size_mib` takes to pull.
    pub image_pull: image_pull::ImagePull,
    /// ECS Managed Instances capacity providers.
    pub managed_instances: Vec<crate::model::managed_instances::MiFleet>,
}

/// `warm_up`: the start of a run that quality figures (availability,
/// unserved demand, waits for capacity, minutes below the floor) leave out,
/// since every service starts from nothing at time 0 and a real one does
/// not. Costs always cover the whole run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WarmUp {
    /// Until every service has come up: all of its desired tasks launched
    /// and none still starting except those waiting for capacity (so a
    /// service that can never reach its count does not hide the whole run).
    Auto,
    /// A fixed span from time 0 ("0s": none).
    For(SimTime),
}

/// The longest scenario, sweep or plan name: it names the results folder,
/// and a file name has at most 255 bytes, of which the staging folder
/// (`.NAME.tmp-PID`) and a shard's suffix (`-shard-K-of-N`) take some.
pub const MAX_NAME_LEN: usize = 200;

/// Whether `name` can name a results folder; the error is the message.
pub fn check_results_name(name: &str) -> Result<(), String> {
    if name.len() > MAX_NAME_LEN {
        return Err(format!(
            "is {} characters long; at most {MAX_NAME_LEN} (it names the results folder)",
            name.len()
        ));
    }
    if name.is_empty()
        || name.starts_with('.')
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return Err(format!(
            "\"{name}\" must be non-empty letters, digits, '-', '_' or '.', not starting with '.' (it names the results folder)"
        ));
    }
    Ok(())
}

/// What a scenario does that real ECS would not allow, and what it assumes
/// that the user may not expect, as notes for stderr.
pub fn notes(sc: &Scenario) -> Vec<String> {
    let mut notes = sc.notes.clone();
    // Zone names of another region than the one priced: the bill would be
    // that region's, the zones another's.
    let foreign: Vec<&str> = sc
        .cluster
        .azs
        .iter()
        .map(String::as_str)
        .filter(|z| zone_region(z).is_some_and(|r| r != sc.region))
        .collect();
    let flat = &sc.pricing.network.us_east_1_prices;
    if sc.region != "us-east-1" && !flat.is_empty() {
        notes.push(format!(
            "{}: {} priced at us-east-1's list price in a run for region {}; set them in [pricing] to the region's prices",
            sc.file.display(),
            flat.join(", "),
            sc.region
        ));
    }
    if !foreign.is_empty() {
        notes.push(format!(
            "{}: availability zones {} are not in region {} that the run is priced for (the scenario's `region`, or --region)",
            sc.file.display(),
            foreign.join(", "),
            sc.region
        ));
    }
    if sc.most_instances > ECS_INSTANCE_QUOTA as u64 {
        notes.push(format!(
            "{}: the instance groups hold up to {} instances; ECS allows {ECS_INSTANCE_QUOTA} container instances per cluster (a default quota, \"Handle Amazon ECS service quotas and API throttling limits\"), so a real cluster would need a quota increase or several clusters",
            sc.file.display(),
            sc.most_instances
        ));
    }
    notes
}

/// The region of an AWS zone name ("eu-west-1b" → "eu-west-1",
/// "us-gov-west-1a" → "us-gov-west-1"); `None` for names not shaped like one.
pub fn zone_region(zone: &str) -> Option<&str> {
    let region = zone.trim_end_matches(|c: char| c.is_ascii_lowercase());
    if region.len() == zone.len() || zone.len() - region.len() > 1 {
        return None;
    }
    let parts: Vec<&str> = region.split('-').collect();
    let shaped = parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty();
    shaped.then_some(region)
}

impl Scenario {
    /// `--region`: the run is priced for `region` instead of the file's.
    pub fn set_region(&mut self, region: &str) -> Result<(), InputError> {
        if region.trim().is_empty() {
            return Err(InputError::new(
                Path::new("--region"),
                "",
                "must not be empty, e.g. eu-west-1",
            ));
        }
        self.region = region.to_string();
        Ok(())
    }
}

pub fn load(path: &Path) -> Result<Scenario, InputError> {
    let text = crate::input::read_text(path)
        .map_err(|e| InputError::new(path, "", format!("cannot read the scenario: {e}")))?;
    parse(path, &text)
}

/// Parses scenario text; `path` names the file in errors and anchors relative paths.
pub fn parse(path: &Path, text: &str) -> Result<Scenario, InputError> {
    let de =
        toml::Deserializer::parse(text).map_err(|e| toml_error(path, text, String::new(), &e))?;
    from_deserializer(path, text, de)
}

/// Builds a scenario from an already parsed (and possibly edited) TOML
/// table, e.g. a sweep's base scenario with one point's parameters set;
/// `path` anchors relative paths as for [`parse`].
pub fn from_table(path: &Path, table: toml::Table) -> Result<Scenario, InputError> {
    from_deserializer(path, "", toml::Value::Table(table))
}

fn from_deserializer<'de, D: serde::Deserializer<'de, Error = toml::de::Error>>(
    path: &Path,
    text: &str,
    de: D,
) -> Result<Scenario, InputError> {
    let spec: spec::ScenarioSpec = serde_path_to_error::deserialize(de).map_err(|e| {
        let field = e.path().to_string();
        let field = if field == "." { String::new() } else { field };
        toml_error(path, text, field, e.inner())
    })?;
    let dir = path.parent().unwrap_or(Path::new("."));
    build::build(&ctx::Ctx { file: path, dir }, spec)
}

/// A task definition from AWS JSON text, as `file = "..."` imports it with
/// no scenario-side settings; `file` names the source in errors.
pub fn parse_taskdef_json(file: &Path, text: &str) -> Result<TaskDef, InputError> {
    let dir = file.parent().unwrap_or(Path::new("."));
    let spec = spec::TaskDefSpec {
        file: Some(file.display().to_string()),
        ..Default::default()
    };
    taskdefs::from_json_text(
        &ctx::Ctx { file, dir },
        "task_definitions[0].file",
        file,
        text,
        &spec,
    )
}

/// How deep the `toml` crate lets keys and values nest (its `LIMIT`).
const TOML_DEPTH: u32 = 80;

/// A TOML error as a one-line `InputError`: serde's Rust type names in TOML
/// terms, a repeated key named with its table path, and "(line L, column C)".
/// Shared by every TOML input (scenarios; sweep and plan files may use it too).
pub fn toml_error(path: &Path, text: &str, field: String, e: &toml::de::Error) -> InputError {
    // serde names Rust types; users write TOML.
    let msg = e
        .message()
        .trim()
        .replace("expected i64", "expected a whole number")
        .replace("expected u64", "expected a whole number 0 or more")
        .replace("expected f64", "expected a number")
        .replace(
            "expected struct RawDist",
            "expected a distribution like { kind = \"constant\", value = \"10m\" }",
        )
        .replace(
            "expected struct RawArrivals",
            "expected arrivals like { kind = \"poisson\", rate_per_hour = 30 }",
        );
    // Never the value found (it may be a secret), never a Rust type name.
    let mut msg = plain_message(&msg, "a table");
    let mut field = field;
    // toml says only "recursion limit" (and, for a dotted key, where not).
    if msg.contains("recursion") {
        msg = format!(
            "nested too deeply: a dotted key, or arrays or inline tables inside each other, more than {TOML_DEPTH} levels deep (the most the TOML reader takes); a scenario, sweep or plan needs only a few levels"
        );
    }
    if let Some(span) = e.span() {
        if msg.starts_with("duplicate key") {
            let (f, m) = duplicate_key(text, span.start.min(text.len()), span.end.min(text.len()));
            (field, msg) = (f, m);
        }
        let before = text.get(..span.start).unwrap_or(text);
        let line = before.matches('\n').count() + 1;
        let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
        msg = format!("{msg} (line {line}, column {col})");
    }
    InputError::new(path, field, msg)
}

/// toml reports a repeated key as just "duplicate key" at its span; name
/// the key with its table path, as every other error does.
fn duplicate_key(text: &str, start: usize, end: usize) -> (String, String) {
    let key = text.get(start..end).unwrap_or("").trim().trim_matches('"');
    let line_start = text
        .get(..start)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next().unwrap_or("").trim();
    if line.starts_with('[') {
        let name = line.trim_matches(|c| c == '[' || c == ']').trim();
        return (
            name.to_string(),
            format!("table [{name}] is defined twice; put its keys under one [{name}]"),
        );
    }
    // The table the line belongs to: the last header above it, with the
    // index of an array of tables ([[services]] → services[N]).
    let mut table = String::new();
    let mut counts: std::collections::HashMap<&str, usize> = Default::default();
    for l in text[..line_start].lines().map(str::trim) {
        if let Some(n) = l.strip_prefix("[[").and_then(|r| r.split("]]").next()) {
            let n = n.trim();
            let c = counts.entry(n).or_insert(0);
            table = format!("{n}[{c}]");
            *c += 1;
        } else if let Some(n) = l.strip_prefix('[').and_then(|r| r.split(']').next()) {
            table = n.trim().to_string();
        }
    }
    let lhs = line.split('=').next().unwrap_or("").trim();
    let mut field = if table.is_empty() {
        lhs.to_string()
    } else {
        format!("{table}.{lhs}")
    };
    if !lhs.ends_with(key) {
        field = format!("{field}.{key}");
    }
    (
        field,
        format!("key \"{key}\" is given twice in the same table; keep one"),
    )
}
