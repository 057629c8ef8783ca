//! Reads an export folder: every file is recognised by its content (the
//! top-level key each AWS CLI command prints), never by its name.

use super::shapes::*;
use crate::error::InputError;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A task definition as describe-task-definition printed it.
#[derive(Debug, Clone)]
pub struct TaskDefFile {
    pub file: PathBuf,
    pub arn: String,
    pub family: String,
    pub revision: i64,
    /// The definition itself (without the `taskDefinition` wrapper).
    pub value: Value,
}

/// Everything an export folder held, in file-name order.
#[derive(Debug, Default)]
pub struct Export {
    pub clusters: Vec<EcsCluster>,
    pub instances: Vec<ContainerInstance>,
    pub services: Vec<(PathBuf, usize, EcsService)>,
    pub taskdefs: Vec<TaskDefFile>,
    pub providers: Vec<(PathBuf, CapacityProvider)>,
    pub tasks: Vec<EcsTask>,
    pub asgs: Vec<Asg>,
    pub targets: Vec<ScalableTarget>,
    pub policies: Vec<ScalingPolicy>,
    pub scheduled: Vec<ScheduledAction>,
    pub alarms: Vec<MetricAlarm>,
    pub metrics: Vec<(PathBuf, MetricResult)>,
    pub target_groups: Vec<TargetGroup>,
    pub target_group_attributes: Vec<TargetGroupAttributes>,
    /// Outputs that end with a `nextToken`: (file, the command): a page
    /// after them may be missing.
    pub next_tokens: Vec<(PathBuf, &'static str)>,
    /// Outputs read per command, to tell a last page from a missing one.
    pub outputs: std::collections::BTreeMap<&'static str, usize>,
    /// Files read, with the command that printed each.
    pub files: Vec<(PathBuf, &'static str)>,
}

/// The most files an export folder may hold: a cluster's export is tens.
const MAX_FILES: usize = 10_000;

pub fn read_dir(dir: &Path, notes: &mut Vec<String>) -> Result<Export, InputError> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        InputError::new(
            dir,
            "",
            format!("cannot read the export folder: {e} (ecsim import DIR reads the JSON files scripts/export-cluster.sh writes)"),
        )
    })?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    paths.sort();
    if paths.len() > MAX_FILES {
        return Err(InputError::new(
            dir,
            "",
            format!(
                "holds {} files; an export folder holds at most {MAX_FILES}",
                paths.len()
            ),
        ));
    }
    let mut ex = Export::default();
    for p in paths {
        let text = crate::input::read_text(&p)
            .map_err(|e| InputError::new(&p, "", format!("cannot read: {e}")))?;
        let t = text.trim_start();
        if !(t.starts_with('{') || t.starts_with('[')) {
            notes.push(format!("{}: not JSON; ignored", p.display()));
            continue;
        }
        // Counted before a value is built: parsed, a file costs 20-30× its text.
        super::budget::check_json(&p, &text)?;
        // Several outputs may be appended to one file (a loop of describe calls).
        let mut kinds = Vec::new();
        for (n, doc) in serde_json::Deserializer::from_str(&text)
            .into_iter::<Value>()
            .enumerate()
        {
            let doc = doc.map_err(|e| {
                InputError::new(
                    &p,
                    "",
                    format!("not valid JSON: {}", crate::scenario::json_message(&e)),
                )
            })?;
            let at = if n == 0 {
                String::new()
            } else {
                format!("(document {}) ", n + 1)
            };
            failures(&p, &doc, notes);
            classify(&mut ex, &p, &at, doc, &mut kinds)?;
        }
        match kinds.first() {
            None => notes.push(format!(
                "{}: not an AWS CLI output ecsim imports; ignored",
                p.display()
            )),
            Some(k) => ex.files.push((p, k)),
        }
    }
    dedup(&mut ex);
    Ok(ex)
}

impl Export {
    /// The file of a listing whose every page ends with a nextToken: its
    /// last page was not saved (a page without one ends a listing; which
    /// token led to which page the outputs do not say).
    pub fn truncated(&self, kind: &str) -> Option<&Path> {
        let with: Vec<&Path> = self
            .next_tokens
            .iter()
            .filter(|(_, k)| *k == kind)
            .map(|(f, _)| f.as_path())
            .collect();
        let all = self.outputs.get(kind).copied().unwrap_or(0);
        (!with.is_empty() && with.len() == all).then(|| with[with.len() - 1])
    }

    /// Each truncated listing, said once.
    pub fn truncation_notes(&self, notes: &mut Vec<String>) {
        let kinds: std::collections::BTreeSet<&str> =
            self.next_tokens.iter().map(|(_, k)| *k).collect();
        for k in kinds {
            if let Some(f) = self.truncated(k) {
                notes.push(format!(
                    "{}: `{k}` printed a nextToken and no later page of it is in the folder: the export is truncated, what the missing page holds is not in the scenario (scripts/export-cluster.sh fetches every page)",
                    f.display()
                ));
            }
        }
    }
}

/// The same object saved twice (overlapping exports, a describe of one and
/// of all) counts once: the first file in name order wins.
fn dedup(ex: &mut Export) {
    fn keep<T, K: Ord>(v: &mut Vec<T>, key: impl Fn(&T) -> K) {
        let mut seen = std::collections::BTreeSet::new();
        v.retain(|x| seen.insert(key(x)));
    }
    keep(&mut ex.clusters, |c| c.cluster_name.clone());
    keep(&mut ex.instances, |c| c.container_instance_arn.clone());
    keep(&mut ex.services, |s| s.2.service_name.clone());
    keep(&mut ex.taskdefs, |t| t.arn.clone());
    keep(&mut ex.providers, |p| p.1.name.clone());
    keep(&mut ex.tasks, |t| t.task_arn.clone());
    keep(&mut ex.asgs, |a| a.auto_scaling_group_name.clone());
    keep(&mut ex.targets, |t| {
        (t.service_namespace.clone(), t.resource_id.clone())
    });
    keep(&mut ex.policies, |p| {
        (p.resource_id.clone(), p.policy_name.clone())
    });
    keep(&mut ex.scheduled, |a| {
        (a.resource_id.clone(), a.scheduled_action_name.clone())
    });
    keep(&mut ex.alarms, |a| a.alarm_name.clone());
    keep(&mut ex.target_groups, |t| t.target_group_arn.clone());
    keep(&mut ex.target_group_attributes, |t| {
        t.target_group_arn.clone()
    });
}

/// ECS lists what it could not describe under `failures`: said, as the
/// scenario lacks it.
fn failures(file: &Path, doc: &Value, notes: &mut Vec<String>) {
    let Some(list) = doc.get("failures").and_then(Value::as_array) else {
        return;
    };
    for f in list {
        let s = |k: &str| f.get(k).and_then(Value::as_str).unwrap_or("?").to_string();
        notes.push(format!(
            "{}: AWS could not describe {} ({}); it is not in the scenario",
            file.display(),
            s("arn"),
            s("reason")
        ));
    }
}

fn classify(
    ex: &mut Export,
    file: &Path,
    at: &str,
    doc: Value,
    kinds: &mut Vec<&'static str>,
) -> Result<(), InputError> {
    let obj = match doc {
        Value::Array(items) => {
            for (i, it) in items.into_iter().enumerate() {
                classify(ex, file, &format!("{at}[{i}]"), it, kinds)?;
            }
            return Ok(());
        }
        Value::Object(o) => o,
        _ => return Ok(()),
    };
    let has = |k: &str| obj.contains_key(k);
    // ECS names it nextToken, the other services NextToken; a null one is the last page.
    let paged = ["nextToken", "NextToken"].iter().any(|k| {
        obj.get(*k)
            .is_some_and(|v| v.as_str().is_some_and(|t| !t.is_empty()))
    });
    // Each output is moved into its typed form, never copied: a copy
    // would double what the file costs.
    let kind: &'static str = if has("clusters") {
        let d: DescribeClusters = parse(file, at, Value::Object(obj), "aws ecs describe-clusters")?;
        ex.clusters.extend(d.clusters);
        "aws ecs describe-clusters"
    } else if has("containerInstances") {
        let d: DescribeContainerInstances = parse(
            file,
            at,
            Value::Object(obj),
            "aws ecs describe-container-instances",
        )?;
        ex.instances.extend(d.container_instances);
        "aws ecs describe-container-instances"
    } else if has("services") {
        let d: DescribeServices = parse(file, at, Value::Object(obj), "aws ecs describe-services")?;
        for (i, s) in d.services.into_iter().enumerate() {
            ex.services.push((file.to_path_buf(), i, s));
        }
        "aws ecs describe-services"
    } else if has("taskDefinition") || has("taskDefinitions") {
        taskdefs(ex, file, at, &obj)?
    } else if has("capacityProviders") && obj["capacityProviders"].is_array() {
        let d: DescribeCapacityProviders = parse(
            file,
            at,
            Value::Object(obj),
            "aws ecs describe-capacity-providers",
        )?;
        for c in d.capacity_providers {
            ex.providers.push((file.to_path_buf(), c));
        }
        "aws ecs describe-capacity-providers"
    } else if has("tasks") {
        let d: DescribeTasks = parse(file, at, Value::Object(obj), "aws ecs describe-tasks")?;
        ex.tasks.extend(d.tasks);
        "aws ecs describe-tasks"
    } else if has("AutoScalingGroups") {
        let d: DescribeAsgs = parse(
            file,
            at,
            Value::Object(obj),
            "aws autoscaling describe-auto-scaling-groups",
        )?;
        for (i, mut a) in d.auto_scaling_groups.into_iter().enumerate() {
            a.origin = (file.to_path_buf(), format!("{at}AutoScalingGroups[{i}]"));
            ex.asgs.push(a);
        }
        "aws autoscaling describe-auto-scaling-groups"
    } else if has("ScalableTargets") {
        let w = "aws application-autoscaling describe-scalable-targets";
        let d: DescribeScalableTargets = parse(file, at, Value::Object(obj), w)?;
        ex.targets.extend(d.scalable_targets);
        w
    } else if has("ScalingPolicies") {
        let w = "aws application-autoscaling describe-scaling-policies";
        let d: DescribeScalingPolicies = parse(file, at, Value::Object(obj), w)?;
        ex.policies.extend(d.scaling_policies);
        w
    } else if has("ScheduledActions") {
        let w = "aws application-autoscaling describe-scheduled-actions";
        let d: DescribeScheduledActions = parse(file, at, Value::Object(obj), w)?;
        ex.scheduled.extend(d.scheduled_actions);
        w
    } else if has("MetricAlarms") {
        let d: DescribeAlarms = parse(
            file,
            at,
            Value::Object(obj),
            "aws cloudwatch describe-alarms",
        )?;
        ex.alarms.extend(d.metric_alarms);
        "aws cloudwatch describe-alarms"
    } else if has("MetricDataResults") {
        metric_data(ex, file, at, obj)?
    } else if [
        "serviceArns",
        "taskArns",
        "containerInstanceArns",
        "taskDefinitionArns",
        "clusterArns",
    ]
    .iter()
    .any(|k| has(k))
    {
        // The list half of list-then-describe: the describe outputs carry it all.
        "aws ecs list-*"
    } else if has("TargetGroups") {
        let w = "aws elbv2 describe-target-groups";
        let d: DescribeTargetGroups = parse(file, at, Value::Object(obj), w)?;
        for (i, mut t) in d.target_groups.into_iter().enumerate() {
            t.origin = (file.to_path_buf(), format!("{at}TargetGroups[{i}]"));
            ex.target_groups.push(t);
        }
        w
    } else if has("Attributes") && has("TargetGroupArn") {
        let w = "aws elbv2 describe-target-group-attributes";
        let mut d: TargetGroupAttributes = parse(file, at, Value::Object(obj), w)?;
        d.origin = (file.to_path_buf(), at.to_string());
        ex.target_group_attributes.push(d);
        w
    } else if has("AutoScalingInstances") {
        // What the export script read to find the Auto Scaling groups.
        "aws autoscaling describe-auto-scaling-instances"
    } else {
        return Ok(());
    };
    if paged {
        ex.next_tokens.push((file.to_path_buf(), kind));
    }
    *ex.outputs.entry(kind).or_default() += 1;
    kinds.push(kind);
    Ok(())
}

/// describe-task-definition output (one definition, or a list): each kept
/// as JSON with its ARN, family and revision.
fn taskdefs(
    ex: &mut Export,
    file: &Path,
    at: &str,
    obj: &serde_json::Map<String, Value>,
) -> Result<&'static str, InputError> {
    let what = "aws ecs describe-task-definition";
    let list = match (obj.get("taskDefinition"), obj.get("taskDefinitions")) {
        (Some(td), _) => vec![("taskDefinition".to_string(), td.clone())],
        (None, Some(Value::Array(a))) => a
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("taskDefinitions[{i}]"), v.clone()))
            .collect(),
        _ => {
            return Err(field_err(
                file,
                at,
                "taskDefinitions",
                "must be a list",
                what,
            ));
        }
    };
    for (path, v) in list {
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        let arn = s("taskDefinitionArn").ok_or_else(|| {
            field_err(
                file,
                at,
                &format!("{path}.taskDefinitionArn"),
                "missing",
                what,
            )
        })?;
        let family = s("family")
            .ok_or_else(|| field_err(file, at, &format!("{path}.family"), "missing", what))?;
        let revision = v.get("revision").and_then(Value::as_i64).unwrap_or(0);
        ex.taskdefs.push(TaskDefFile {
            file: file.to_path_buf(),
            arn,
            family,
            revision,
            value: v,
        });
    }
    Ok(what)
}

/// get-metric-data output: each result, its timestamps matched by values.
fn metric_data(
    ex: &mut Export,
    file: &Path,
    at: &str,
    obj: serde_json::Map<String, Value>,
) -> Result<&'static str, InputError> {
    let w = "aws cloudwatch get-metric-data";
    let d: GetMetricData = parse(file, at, Value::Object(obj), w)?;
    for (i, r) in d.metric_data_results.into_iter().enumerate() {
        if r.timestamps.len() != r.values.len() {
            return Err(field_err(
                file,
                at,
                &format!("MetricDataResults[{i}]"),
                &format!(
                    "{} Timestamps but {} Values",
                    r.timestamps.len(),
                    r.values.len()
                ),
                w,
            ));
        }
        let mut r = r;
        r.origin = format!("{at}MetricDataResults[{i}]");
        ex.metrics.push((file.to_path_buf(), r));
    }
    Ok(w)
}

fn field_err(file: &Path, at: &str, path: &str, msg: &str, what: &str) -> InputError {
    InputError::new(
        file,
        format!("{at}{path}"),
        format!("{msg} (in {what} output)"),
    )
}

fn parse<T: DeserializeOwned>(
    file: &Path,
    at: &str,
    doc: Value,
    what: &str,
) -> Result<T, InputError> {
    serde_path_to_error::deserialize(doc).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { String::new() } else { path };
        InputError::new(
            file,
            format!("{at}{path}"),
            format!(
                "{} (in {what} output)",
                crate::scenario::json_message(e.inner())
            ),
        )
    })
}
