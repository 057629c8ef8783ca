//! `ecsim import`: a scenario from the AWS CLI outputs of a running cluster
//! (see scripts/export-cluster.sh). The scenario (TOML) goes to OUT, its task
//! definitions and demand traces to a folder named after it beside it;
//! what cannot be mapped is said, on stderr and in the scenario.

pub mod agent;
pub mod alarms;
pub mod budget;
pub mod custom_metric;
pub mod demand;
pub mod deploy_alarms;
pub mod doc;
pub mod fleet;
pub mod inflight;
pub mod initial;
pub mod managed;
pub mod mixed;
pub mod names;
pub mod providers;
pub mod queue;
pub mod read;
pub mod registered;
pub mod scaling;
pub mod schedule;
mod service_keys;
pub mod services;
pub mod shapes;
pub mod target_groups;
pub mod tracking;
pub mod write;

use crate::error::{InputError, Result};
use crate::scenario::instance_types::InstanceTypeSpec;
use crate::scenario::spec::{ClusterSpec, ScenarioSpec, TaskDefSpec};
use doc::Remarks;
use names::safe_name;
use std::path::{Path, PathBuf};

/// What an import wrote, for the command's summary.
#[derive(Debug)]
pub struct Imported {
    pub scenario: PathBuf,
    pub name: String,
    pub files_read: usize,
    pub instance_groups: usize,
    pub instances: u64,
    pub capacity_providers: usize,
    pub task_definitions: usize,
    pub services: usize,
    pub desired_total: u64,
    pub scaling_policies: usize,
    pub initial_tasks: u64,
    pub demand_traces: usize,
    /// What was not mapped, one line each.
    pub notes: Vec<String>,
}

/// What an import of a folder makes, before anything is written.
pub struct Made {
    /// The scenario, as ecsim reads it.
    pub spec: ScenarioSpec,
    /// The scenario's text: `spec` serialised, with the import's comments.
    pub text: String,
    /// Where the scenario goes, and its name.
    pub out: PathBuf,
    pub name: String,
    pub files_read: usize,
    pub fleet: fleet::Fleet,
    pub services: services::Services,
    /// What was not mapped, one line each.
    pub notes: Vec<String>,
}

/// `force`: replace files an earlier import wrote (never an export file,
/// never through a symbolic link).
pub fn import(dir: &Path, out: Option<&Path>, name: Option<&str>, force: bool) -> Result<Imported> {
    let Made {
        text,
        out,
        name,
        files_read,
        fleet,
        services: svcs,
        notes,
        ..
    } = make(dir, out, name)?;
    let base = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let scenario_file = out.file_name().map_or_else(
        || "imported.toml".into(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut files: Vec<(String, &str)> = svcs
        .taskdefs
        .iter()
        .map(|td| (td.file.clone(), td.json.as_str()))
        .chain(svcs.traces.iter().map(|(f, b)| (f.clone(), b.as_str())))
        .collect();
    files.push((scenario_file, text.as_str()));
    let output = write::Output {
        base,
        scenario: &out,
        files,
    };
    write::write(&output, dir, force, &fleet, &svcs)?;
    Ok(Imported {
        scenario: out,
        name,
        files_read,
        instance_groups: fleet.groups.len(),
        instances: fleet.groups.iter().map(|g| u64::from(g.count)).sum(),
        capacity_providers: fleet.providers.len() + fleet.managed.len(),
        task_definitions: svcs.taskdefs.len(),
        services: svcs.specs.len(),
        desired_total: svcs.desired_total,
        scaling_policies: svcs.policies,
        initial_tasks: svcs.initial.iter().map(|i| u64::from(i.count)).sum(),
        demand_traces: svcs.traces.len(),
        notes,
    })
}

/// The scenario an import of `dir` writes to `out` (default: named after
/// the cluster), and what it comes with; nothing is written.
pub fn make(dir: &Path, out: Option<&Path>, name: Option<&str>) -> Result<Made> {
    let mut notes = Vec::new();
    let ex = read::read_dir(dir, &mut notes)?;
    ex.truncation_notes(&mut notes);
    if ex.files.is_empty() {
        return Err(InputError::new(
            dir,
            "",
            "holds no AWS CLI output ecsim imports (describe-clusters, describe-services, describe-task-definition, …); write one with scripts/export-cluster.sh CLUSTER",
        )
        .into());
    }
    if ex.services.is_empty() {
        return Err(InputError::new(
            dir,
            "",
            "holds no `aws ecs describe-services` output: there is nothing to simulate",
        )
        .into());
    }
    let cluster = ex.clusters.first();
    if ex.clusters.len() > 1 {
        notes.push(format!(
            "{} clusters described; the scenario is of the first, {}",
            ex.clusters.len(),
            ex.clusters[0].cluster_name
        ));
    }
    if let Some(c) = cluster
        && c.service_connect_defaults.is_some()
    {
        notes.push(format!(
            "cluster {}: Service Connect defaults are not modelled",
            c.cluster_name
        ));
    }
    let name = safe_name(
        name.or(cluster.map(|c| c.cluster_name.as_str()))
            .unwrap_or("imported"),
    );
    let out = out.map_or_else(|| PathBuf::from(format!("{name}.toml")), Path::to_path_buf);
    let stem = safe_name(
        &out.file_stem()
            .map_or("imported".into(), |s| s.to_string_lossy().to_string()),
    );
    // Beside the scenario, in a folder of its own: `<stem>/taskdefs`, `<stem>/traces`.
    let sub = stem.clone();
    let mut fleet = fleet::fleet(&ex, cluster, &mut notes)?;
    let svcs = services::services(&ex, &fleet, cluster, &sub, &mut notes)?;
    agent::notes(&ex, &fleet, &mut notes);
    let standalone = ex
        .tasks
        .iter()
        .filter(|t| {
            t.group
                .as_deref()
                .is_some_and(|g| !g.starts_with("service:"))
        })
        .count();
    let known: std::collections::BTreeSet<String> = ex
        .services
        .iter()
        .map(|s| format!("service:{}", s.2.service_name))
        .collect();
    let mut others: std::collections::BTreeMap<&str, usize> = Default::default();
    for t in &ex.tasks {
        if let Some(g) = t
            .group
            .as_deref()
            .filter(|g| g.starts_with("service:") && !known.contains(*g))
        {
            *others.entry(g).or_default() += 1;
        }
    }
    for (g, n) in others {
        notes.push(format!("{n} running tasks of {g}, a service in no describe-services output of the folder: not simulated"));
    }
    if standalone > 0 {
        notes.push(format!("{standalone} standalone tasks (RunTask, group family:…) are running: not simulated (a [[jobs]] entry with their arrival rate models them)"));
    }
    if fleet.zones.is_empty() {
        let region = region(&ex).unwrap_or_else(|| "us-east-1".into());
        fleet.zones = vec![
            format!("{region}a"),
            format!("{region}b"),
            format!("{region}c"),
        ];
        notes.push(format!("no Availability Zone in the export (no container instance or Auto Scaling group): assumed {}", fleet.zones.join(", ")));
    }
    if let Some(r) = region(&ex)
        && !crate::billing::PriceBook::shipped()
            .regions()
            .contains(&r.as_str())
    {
        notes.push(format!("region {r}: ecsim ships us-east-1 prices only; the scenario is priced at those until its `region` line is uncommented and run with --prices for {r}"));
    }
    let (spec, text) = render(&ex, &name, dir, &fleet, &svcs, &notes)?;
    Ok(Made {
        spec,
        text,
        out,
        name,
        files_read: ex.files.len(),
        fleet,
        services: svcs,
        notes,
    })
}

/// The region of the first ARN in the export.
fn region(ex: &read::Export) -> Option<String> {
    let arns = ex.taskdefs.iter().map(|t| t.arn.as_str()).chain(
        ex.instances
            .iter()
            .map(|c| c.container_instance_arn.as_str()),
    );
    arns.filter_map(|a| a.split(':').nth(3))
        .find(|r| !r.is_empty())
        .map(str::to_string)
}

/// The scenario the import wrote, as text: the spec and, in comments, the
/// export it came from, what was not mapped and where figures came from.
fn render(
    ex: &read::Export,
    name: &str,
    dir: &Path,
    fleet: &fleet::Fleet,
    svcs: &services::Services,
    notes: &[String],
) -> Result<(ScenarioSpec, String)> {
    let mut r = Remarks::default();
    let mut head = format!(
        "Imported by `ecsim import` from {} ({} AWS CLI outputs):",
        dir.display(),
        ex.files.len()
    );
    for (p, k) in &ex.files {
        let file = p.file_name().map(|n| n.to_string_lossy().to_string());
        head += &format!("\n  {}: {k}", file.unwrap_or_default());
    }
    if !notes.is_empty() {
        head += "\n\nNot mapped (also printed on stderr):";
        for n in notes {
            head += &format!("\n  - {n}");
        }
    }
    if let Some(t) = svcs.start_ms {
        head += &format!(
            "\n\nTime 0 is {} (the demand traces start there; \"HH:MM\" schedules count from it).",
            crate::scenario::trace::iso(t)
        );
    }
    r.head("name", &head);
    let mut spec = ScenarioSpec {
        name: name.into(),
        duration: duration(svcs.longest_trace),
        cluster: ClusterSpec {
            name: ex.clusters.first().map(|c| c.cluster_name.clone()),
            availability_zones: fleet.zones.clone(),
        },
        ..Default::default()
    };
    if let Some(region) = region(ex) {
        // A region without shipped prices would stop `ecsim run`: the line
        // is there to uncomment with that region's price files.
        if crate::billing::PriceBook::shipped()
            .regions()
            .contains(&region.as_str())
        {
            spec.region = Some(region);
        } else {
            let line = format!("region = {}", toml_edit::Value::from(region.as_str()));
            r.above("cluster", &format!("{line}  # the cluster's; ecsim ships us-east-1 prices, so costs below are at those:\nuncomment and run with --prices (ecsim validate names the price files to fetch)"));
        }
    }
    fleet_spec(ex, fleet, &mut spec, &mut r);
    spec.task_definitions = svcs
        .taskdefs
        .iter()
        .map(|td| TaskDefSpec {
            family: Some(td.name.clone()),
            file: Some(td.file.clone()),
            ..Default::default()
        })
        .collect();
    spec.services.clone_from(&svcs.specs);
    for (i, sr) in svcs.remarks.iter().enumerate() {
        r.nest(&format!("services.{i}"), sr.clone());
    }
    spec.queues.clone_from(&svcs.queues);
    spec.initial_tasks = svcs.initial.iter().map(|i| i.spec()).collect();
    if !spec.initial_tasks.is_empty() {
        let how = "The tasks running now (describe-tasks), on the instances they run on.";
        r.above("initial_tasks.0", how);
    }
    for (i, (d, how)) in svcs.deployments.iter().enumerate() {
        spec.deployments.push(d.clone());
        r.above(&format!("deployments.{i}"), how);
    }
    let text = doc::render(&spec, &r)?;
    Ok((spec, text))
}

/// The run's length: the longest demand trace (time 0 is their first
/// datapoint), between an hour and 400 days; without one, a day.
fn duration(longest_trace_ms: i64) -> String {
    if longest_trace_ms <= 0 {
        return "1d".into();
    }
    let mins = (longest_trace_ms + 59_999) / 60_000;
    match mins.clamp(60, 400 * 24 * 60) {
        m if m % 1440 == 0 => format!("{}d", m / 1440),
        m if m % 60 == 0 => format!("{}h", m / 60),
        m => format!("{m}m"),
    }
}

/// The EC2 side into `spec`: measured registered memory per type, the
/// instance groups and the capacity providers.
fn fleet_spec(ex: &read::Export, fleet: &fleet::Fleet, spec: &mut ScenarioSpec, r: &mut Remarks) {
    for (i, (t, m, modelled, g)) in fleet.registered_types.iter().enumerate() {
        spec.instance_types.push(InstanceTypeSpec {
            name: t.clone(),
            registered_memory_mib: Some(i64::from(*m)),
            ..Default::default()
        });
        let why = format!(
            "registeredResources MEMORY of group {g}'s {t} instances (ecsim's model of the type: {modelled})"
        );
        r.after(
            &format!("instance_types.{i}"),
            "registered_memory_mib",
            &why,
        );
    }
    for (i, g) in fleet.groups.iter().enumerate() {
        let (group, gr) = g.spec(agent::of(ex, fleet, &g.name));
        spec.instance_groups.push(group);
        r.nest(&format!("instance_groups.{i}"), gr);
    }
    spec.capacity_providers = fleet.providers.iter().map(|p| p.spec()).collect();
    for m in &fleet.managed {
        let at = format!("capacity_providers.{}", spec.capacity_providers.len());
        r.above(&at, "ECS Managed Instances (managedInstancesProvider)");
        spec.capacity_providers.push(m.clone());
    }
}
