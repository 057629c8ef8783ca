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
pub mod fleet;
pub mod inflight;
pub mod managed;
pub mod mixed;
pub mod queue;
pub mod read;
pub mod registered;
pub mod scaling;
pub mod schedule;
mod service_keys;
pub mod services;
pub mod shapes;
pub mod target_groups;
// The forms are the scenario's (it reads them); kept at this path.
pub mod toml_out;
pub mod tracking;
pub mod write;

use crate::error::{InputError, Result};
use std::path::{Path, PathBuf};
use toml_out::{comment, safe_name, toml_str};

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

/// `force`: replace files an earlier import wrote (never an export file,
/// never through a symbolic link).
pub fn import(dir: &Path, out: Option<&Path>, name: Option<&str>, force: bool) -> Result<Imported> {
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
    let text = render(&ex, &name, dir, &fleet, &svcs, &notes);
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
        files_read: ex.files.len(),
        instance_groups: fleet.groups.len(),
        instances: fleet.groups.iter().map(|g| u64::from(g.count)).sum(),
        capacity_providers: fleet.providers.len() + fleet.managed.len(),
        task_definitions: svcs.taskdefs.len(),
        services: svcs.blocks.len(),
        desired_total: svcs.desired_total,
        scaling_policies: svcs.policies,
        initial_tasks: svcs.initial.iter().map(|i| u64::from(i.count)).sum(),
        demand_traces: svcs.traces.len(),
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

fn render(
    ex: &read::Export,
    name: &str,
    dir: &Path,
    fleet: &fleet::Fleet,
    svcs: &services::Services,
    notes: &[String],
) -> String {
    let mut s = comment(&format!(
        "Imported by `ecsim import` from {} ({} AWS CLI outputs):\n{}",
        dir.display(),
        ex.files.len(),
        ex.files
            .iter()
            .map(|(p, k)| format!(
                "  {}: {k}",
                p.file_name()
                    .map_or_else(String::new, |n| n.to_string_lossy().to_string())
            ))
            .collect::<Vec<_>>()
            .join("\n")
    ));
    if !notes.is_empty() {
        s += "#\n# Not mapped (also printed on stderr):\n";
        for n in notes {
            s += &comment(&format!("  - {n}"));
        }
    }
    // Time 0 is the first datapoint of the demand traces; without one, a day.
    let duration = if svcs.longest_trace > 0 {
        let mins = (svcs.longest_trace + 59_999) / 60_000;
        match mins.clamp(60, 400 * 24 * 60) {
            m if m % 1440 == 0 => format!("{}d", m / 1440),
            m if m % 60 == 0 => format!("{}h", m / 60),
            m => format!("{m}m"),
        }
    } else {
        "1d".into()
    };
    if let Some(t) = svcs.start_ms {
        s += &format!(
            "#\n# Time 0 is {} (the demand traces start there; \"HH:MM\" schedules count from it).\n",
            crate::scenario::trace::iso(t)
        );
    }
    s += &format!(
        "\nname = {}\nduration = {}\n",
        toml_str(name),
        toml_str(&duration)
    );
    if let Some(r) = region(ex) {
        // A region without shipped prices would stop `ecsim run`: the line
        // is there to uncomment with that region's price files.
        if crate::billing::PriceBook::shipped()
            .regions()
            .contains(&r.as_str())
        {
            s += &format!("region = {}\n", toml_str(&r));
        } else {
            s += &format!(
                "# region = {}  # the cluster's; ecsim ships us-east-1 prices, so costs below are at those:\n# uncomment and run with --prices (ecsim validate names the price files to fetch)\n",
                toml_str(&r)
            );
        }
    }
    s += "\n[cluster]\n";
    if let Some(c) = ex.clusters.first() {
        s += &format!("name = {}\n", toml_str(&c.cluster_name));
    }
    let zones: Vec<String> = fleet.zones.iter().map(|z| toml_str(z)).collect();
    s += &format!("availability_zones = [{}]\n", zones.join(", "));
    for (t, m, modelled, g) in &fleet.registered_types {
        s += &format!(
            "\n[[instance_types]]\nname = {}\nregistered_memory_mib = {m}  # registeredResources MEMORY of group {g}'s {t} instances (ecsim's model of the type: {modelled})\n",
            toml_str(t)
        );
    }
    for g in &fleet.groups {
        s += "\n";
        s += &g.toml();
        s += &agent::line(ex, fleet, &g.name);
    }
    for p in &fleet.providers {
        s += "\n";
        s += &p.toml();
    }
    for (_, block) in &fleet.managed {
        s += "\n";
        s += block;
    }
    for td in &svcs.taskdefs {
        s += &format!(
            "\n[[task_definitions]]\nfamily = {}\nfile = {}\n",
            toml_str(&td.name),
            toml_str(&td.file)
        );
    }
    for b in &svcs.blocks {
        s += "\n";
        s += b;
    }
    for b in &svcs.queues {
        s += b;
    }
    if !svcs.initial.is_empty() {
        s += "\n# The tasks running now (describe-tasks), on the instances they run on.\n";
    }
    for i in &svcs.initial {
        s += &i.toml();
    }
    for d in &svcs.deployments {
        s += d;
    }
    s
}
