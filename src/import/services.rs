//! Services and their task definitions, placement, deployment settings and
//! the tasks they run now.

use super::demand;
use super::doc::{Remarks, round6};
use super::fleet::Fleet;
use super::inflight;
use super::initial::{InitialOut, initial, most_initial};
use super::read::{Export, TaskDefFile};
use super::scaling;
use super::service_keys::service_keys;
use super::shapes::*;
use crate::error::InputError;
use crate::scenario::deployments::DeploymentSpec;
use crate::scenario::queues::QueueSpec;
use crate::scenario::spec::ServiceSpec;
use std::collections::BTreeMap;
use std::path::Path;

/// A task definition the scenario imports: its scenario name and file.
#[derive(Debug)]
pub struct TaskDefOut {
    pub name: String,
    /// Relative to the scenario.
    pub file: String,
    pub json: String,
}

#[derive(Debug, Default)]
pub struct Services {
    pub taskdefs: Vec<TaskDefOut>,
    /// The services, in name order.
    pub specs: Vec<ServiceSpec>,
    /// Each service's remarks, at paths from its table.
    pub remarks: Vec<Remarks>,
    /// Where each service was read (file, field path), for errors.
    pub origins: Vec<(std::path::PathBuf, String)>,
    pub initial: Vec<InitialOut>,
    /// `[[deployments]]` entries resuming deployments in flight, with how
    /// each was at export time.
    pub deployments: Vec<(DeploymentSpec, String)>,
    /// `[[queues]]` entries feeding services.
    pub queues: Vec<QueueSpec>,
    /// (file relative to the scenario, CSV text)
    pub traces: Vec<(String, String)>,
    pub desired_total: u64,
    pub policies: usize,
    /// The longest demand trace, ms.
    pub longest_trace: i64,
    /// Time 0 of the traces (all start there), epoch ms.
    pub start_ms: Option<i64>,
}

fn find_taskdef<'a>(ex: &'a Export, r: &str) -> Option<&'a TaskDefFile> {
    ex.taskdefs.iter().find(|t| {
        t.arn == r
            || t.arn.ends_with(&format!("/{r}"))
            || format!("{}:{}", t.family, t.revision) == r
    })
}

/// The scenario's services, in name order, with their task definitions,
/// demand, scaling and the tasks they run now.
pub fn services(
    ex: &Export,
    fleet: &Fleet,
    cluster: Option<&EcsCluster>,
    sub: &str,
    notes: &mut Vec<String>,
) -> Result<Services, InputError> {
    let mut out = Services::default();
    let mut list: Vec<&(std::path::PathBuf, usize, EcsService)> = ex.services.iter().collect();
    list.sort_by(|a, b| a.2.service_name.cmp(&b.2.service_name));
    // Task definitions first: a service is left out when its own is.
    let td_names = taskdefs(ex, &list, sub, &mut out, notes)?;
    let series = demand::series(ex, notes)?;
    let mut env = Env {
        ex,
        fleet,
        cluster,
        sub,
        window: trace_window(&series),
        series,
        td_names,
        cluster_default: cluster
            .map(|c| c.default_capacity_provider_strategy.clone())
            .unwrap_or_default(),
        providers: fleet
            .providers
            .iter()
            .map(|p| p.name.as_str())
            .chain(fleet.managed.iter().map(|m| m.name.as_str()))
            .collect(),
        managed: fleet.managed.iter().map(|m| m.name.as_str()).collect(),
        by_lb: BTreeMap::new(),
    };
    for (sfile, si, s) in list {
        service(&mut env, (sfile, *si, s), &mut out, notes)?;
    }
    super::target_groups::shared(&env.by_lb, notes);
    // Only the definitions of services the scenario keeps.
    let specs = &out.specs;
    let resumed = &out.deployments;
    out.taskdefs.retain(|td| {
        specs.iter().any(|b| b.task_definition == td.name)
            || resumed.iter().any(|(d, _)| d.task_definition == td.name)
    });
    Ok(out)
}

/// What every service reads: the export, the fleet imported, the task
/// definitions' names, the demand series; and the load balancers' services.
struct Env<'a> {
    ex: &'a Export,
    fleet: &'a Fleet,
    cluster: Option<&'a EcsCluster>,
    sub: &'a str,
    window: Option<super::schedule::Window>,
    series: BTreeMap<String, BTreeMap<&'static str, demand::Series>>,
    td_names: BTreeMap<String, Option<String>>,
    cluster_default: Vec<StrategyItem>,
    providers: Vec<&'a str>,
    managed: Vec<&'a str>,
    by_lb: BTreeMap<String, Vec<String>>,
}

/// One service into `out`, or left out with a note.
fn service(
    env: &mut Env,
    (sfile, si, s): (&std::path::PathBuf, usize, &EcsService),
    out: &mut Services,
    notes: &mut Vec<String>,
) -> Result<(), InputError> {
    let ex = env.ex;
    let name = &s.service_name;
    if let Some(st) = s.status.as_deref().filter(|st| *st != "ACTIVE") {
        notes.push(format!("service {name} is {st}: left out"));
        return Ok(());
    }
    let td = find_taskdef(ex, &s.task_definition).expect("checked above");
    let Some(mut td_name) = env.td_names[&td.arn].clone() else {
        return Ok(());
    };
    // In flight: the service at the old revision, a deployment to the new.
    let flight = in_flight(ex, s, &env.td_names, notes);
    let new_name = td_name.clone();
    if let Some((_, old)) = &flight {
        td_name = old.clone();
    }
    if s.launch_type.as_deref() == Some("EXTERNAL") {
        notes.push(format!(
            "service {name}: launch type EXTERNAL (ECS Anywhere) is not modelled; left out"
        ));
        return Ok(());
    }
    let Some((launch_type, strategy)) = capacity_of(env, s, name, notes) else {
        return Ok(());
    };
    let daemon = s.scheduling_strategy.as_deref() == Some("DAEMON");
    // The scenario's limit, checked here so the error names the export.
    let desired = i64::from(super::budget::count(
        sfile,
        &format!("services[{si}].desiredCount"),
        s.desired_count.unwrap_or(0),
        100_000,
    )?);
    let on_ec2 = match launch_type.as_deref() {
        Some(lt) => lt == "EC2",
        None => {
            strategy.is_empty()
                || strategy
                    .iter()
                    .any(|p| !p.capacity_provider.starts_with("FARGATE"))
        }
    };
    let on_mi = strategy
        .iter()
        .any(|p| env.managed.contains(&p.capacity_provider.as_str()));
    if on_ec2 && !on_mi && env.fleet.groups.is_empty() {
        notes.push(format!("service {name}: runs on EC2, and no instance group could be imported (see above); left out"));
        return Ok(());
    }
    let mut b = service_keys(s, &td_name, desired, launch_type.as_deref(), &strategy);
    let mut r = Remarks::default();
    if !daemon {
        out.desired_total += desired as u64;
    }
    let lb = super::target_groups::for_service(ex, s, notes)?;
    if let Some(m) = &lb {
        b.load_balancer = Some(m.spec.clone());
        if let Some(l) = &m.load_balancer {
            env.by_lb.entry(l.clone()).or_default().push(name.clone());
        }
    }
    b.availability_zone_rebalancing = match s.availability_zone_rebalancing.as_deref() {
        Some("ENABLED") => Some(true),
        Some("DISABLED") => Some(false),
        _ => None,
    };
    service_notes(s, flight.is_some(), notes);
    if let Some((f, _)) = &flight {
        out.deployments
            .push((inflight::spec(name, &new_name), f.how.clone()));
    }
    let sc = scaling::for_service(ex, env.cluster, name, desired, env.window, notes);
    // A queue's worker: the queue's arrivals are its load.
    let metrics = env.series.get(name.as_str());
    let queued = (sc.as_ref().and_then(|x| x.queue.as_deref()))
        .map(|queue| super::queue::infer(name, queue, metrics, s, desired, env.sub));
    let d = (queued.is_none())
        .then(|| demand::infer(name, metrics, s, desired, sc.as_ref(), env.sub, notes))
        .flatten();
    if let Some(qo) = queued.as_ref() {
        r.above("", &qo.how);
        out.add_queue(qo);
    }
    if let Some(d) = &d {
        if lb.is_some() && !d.requests {
            notes.push(format!("service {name}: its demand is in tasks' worth, not requests (no RequestCount): the load balancer's LCUs on the bill are counted from it, far too few"));
        }
        r.above("", &d.how);
        b.capacity_per_task = Some(round6(d.capacity_per_task));
        b.demand = Some(d.spec.clone());
        if let Some(t) = &d.trace {
            out.traces.push(t.clone());
        }
        out.longest_trace = out.longest_trace.max(d.span_ms);
        out.start_ms = out.start_ms.or(d.start_ms);
    }
    if let Some(sc) = sc {
        if sc.metric_driven && d.is_none() && queued.is_none() {
            notes.push(format!("service {name}: its scaling policies need a demand and none could be inferred; autoscaling left out"));
        } else {
            out.policies += sc.policies;
            r.nest("autoscaling", sc.remarks);
            b.autoscaling = Some(sc.spec);
        }
    }
    b.deployment_alarms =
        super::deploy_alarms::table(ex, s, d.is_some() || queued.is_some(), notes);
    if b.deployment_alarms.is_some() {
        r.before("deployment_alarms", "rollback", super::deploy_alarms::HOW);
    }
    out.specs.push(b);
    out.remarks.push(r);
    out.origins.push((sfile.clone(), format!("services[{si}]")));
    if !daemon {
        let revisions = flight.as_ref().map(|(f, _)| (f, new_name.as_str()));
        let most = most_initial(s, desired, flight.is_some());
        initial(
            ex,
            env.fleet,
            (name, most, revisions),
            &s.launch_type,
            &mut out.initial,
            notes,
        );
    }
    Ok(())
}

/// The task definitions the ACTIVE services use (and those a deployment in
/// flight replaces), each into the scenario's folder; a service's name for
/// each by ARN, `None` for one the scenario cannot read (its services are
/// left out).
fn taskdefs(
    ex: &Export,
    list: &[&(std::path::PathBuf, usize, EcsService)],
    sub: &str,
    out: &mut Services,
    notes: &mut Vec<String>,
) -> Result<BTreeMap<String, Option<String>>, InputError> {
    let mut used: BTreeMap<String, &TaskDefFile> = BTreeMap::new();
    for (file, i, s) in list {
        if s.status.as_deref().is_some_and(|st| st != "ACTIVE") {
            continue;
        }
        let td = find_taskdef(ex, &s.task_definition).ok_or_else(|| {
            InputError::new(
                file,
                format!("services[{i}].taskDefinition"),
                format!(
                    "{} has no describe-task-definition output in the folder; add `aws ecs describe-task-definition --task-definition {}`",
                    s.task_definition, s.task_definition
                ),
            )
        })?;
        used.insert(td.arn.clone(), td);
        // The revision a deployment in flight replaces runs too.
        if let Some(f) = inflight::of(s, &mut Vec::new())
            && let Some(old) = find_taskdef(ex, &f.old)
        {
            used.insert(old.arn.clone(), old);
        }
    }
    let mut revisions: BTreeMap<&str, usize> = BTreeMap::new();
    for td in used.values() {
        *revisions.entry(td.family.as_str()).or_default() += 1;
    }
    let mut td_names: BTreeMap<String, Option<String>> = BTreeMap::new();
    for (arn, td) in &used {
        let name = if revisions[td.family.as_str()] > 1 {
            format!("{}-{}", td.family, td.revision)
        } else {
            td.family.clone()
        };
        let file = format!(
            "{sub}/taskdefs/{}-{}.json",
            super::names::file_name(&td.family),
            td.revision
        );
        let json = serde_json::to_string_pretty(&td.value).unwrap_or_default() + "\n";
        taskdef_notes(td, notes);
        match crate::scenario::parse_taskdef_json(Path::new(&file), &json) {
            Ok(_) => {
                td_names.insert(arn.clone(), Some(name.clone()));
                out.taskdefs.push(TaskDefOut { name, file, json });
            }
            Err(e) => {
                notes.push(format!(
                    "task definition {arn} ({}): {}: {}; services using it are left out",
                    td.file.display(),
                    e.path,
                    e.message
                ));
                td_names.insert(arn.clone(), None);
            }
        }
    }
    Ok(td_names)
}

/// The run on the calendar: the traces all start at time 0.
fn trace_window(
    series: &BTreeMap<String, BTreeMap<&'static str, demand::Series>>,
) -> Option<super::schedule::Window> {
    let spans = series.values().flat_map(|m| m.values());
    spans
        .clone()
        .map(|s| s.t0_ms)
        .min()
        .map(|start| super::schedule::Window {
            start_ms: start,
            end_ms: spans
                .map(|s| s.t0_ms + s.values.len() as i64 * s.step_ms)
                .max()
                .unwrap_or(start),
        })
}

/// The service's launch type and capacity provider strategy as the
/// scenario states them; `None` (said in `notes`) when it uses a provider
/// the scenario lacks.
fn capacity_of(
    env: &Env,
    s: &EcsService,
    name: &str,
    notes: &mut Vec<String>,
) -> Option<(Option<String>, Vec<StrategyItem>)> {
    let (ex, managed, providers) = (env.ex, &env.managed, &env.providers);
    // Launch type MANAGED_INSTANCES: the cluster's one Managed
    // Instances provider.
    let mut launch_type = s.launch_type.clone();
    let mut mi_strategy = Vec::new();
    if launch_type.as_deref() == Some("MANAGED_INSTANCES") {
        let [only] = managed[..] else {
            notes.push(format!("service {name}: launch type MANAGED_INSTANCES needs exactly one Managed Instances provider in the export, found {}; left out", managed.len()));
            return None;
        };
        launch_type = None;
        mi_strategy.push(StrategyItem {
            capacity_provider: only.to_string(),
            base: None,
            weight: Some(1),
        });
    }
    let strategy = if !mi_strategy.is_empty() {
        mi_strategy
    } else if launch_type.is_some() {
        Vec::new()
    } else if !s.capacity_provider_strategy.is_empty() {
        s.capacity_provider_strategy.clone()
    } else {
        env.cluster_default.clone()
    };
    if let Some(p) = strategy.iter().find(|p| {
        !matches!(p.capacity_provider.as_str(), "FARGATE" | "FARGATE_SPOT")
            && !providers.contains(&p.capacity_provider.as_str())
    }) {
        let why = match (
            ex.providers
                .iter()
                .any(|(_, x)| x.name == p.capacity_provider),
            ex.truncated("aws ecs describe-capacity-providers"),
        ) {
            (false, Some(f)) => format!(
                "is in no describe-capacity-providers output, and {} ends with a nextToken: it is on a page the export lacks",
                f.display()
            ),
            (false, None) => "is in no describe-capacity-providers output of the folder".into(),
            (true, _) => "is not in the scenario (see above)".into(),
        };
        notes.push(format!(
            "service {name}: capacity provider {} {why}; service left out",
            p.capacity_provider
        ));
        return None;
    }
    Some((launch_type, strategy))
}

impl Services {
    /// A queue's worker: its `[[queues]]` entry and the arrivals' trace.
    fn add_queue(&mut self, qo: &super::queue::QueueOut) {
        self.queues.push(qo.spec.clone());
        self.traces.extend(qo.trace.clone());
        self.longest_trace = self.longest_trace.max(qo.span_ms);
        self.start_ms = self.start_ms.or(qo.start_ms);
    }
}

/// The deployment in flight of `s` and the scenario name of the revision it
/// replaces, when that one's task definition was imported (else a note).
fn in_flight(
    ex: &Export,
    s: &EcsService,
    td_names: &BTreeMap<String, Option<String>>,
    notes: &mut Vec<String>,
) -> Option<(inflight::InFlight, String)> {
    let f = inflight::of(s, notes)?;
    let old = find_taskdef(ex, &f.old).and_then(|o| td_names.get(&o.arn).cloned().flatten());
    if old.is_none() {
        notes.push(format!("service {}: the revision its deployment in flight replaces, {}, has no usable describe-task-definition output; modelled at the primary revision", s.service_name, f.old));
    }
    Some((f, old?))
}

fn service_notes(s: &EcsService, in_flight: bool, notes: &mut Vec<String>) {
    let name = &s.service_name;
    if s.deployments.iter().any(|d| {
        d.service_connect_configuration
            .as_ref()
            .is_some_and(|c| c.enabled)
    }) {
        notes.push(format!("service {name}: Service Connect is not modelled (its proxy's CPU and memory are not reserved)"));
    }
    if !s.service_registries.is_empty() {
        notes.push(format!("service {name}: service discovery (Cloud Map registries) is not modelled; no effect on placement"));
    }
    if !s.volume_configurations.is_empty() {
        notes.push(format!(
            "service {name}: EBS volume configurations are not modelled"
        ));
    }
    if s.deployments.len() > 1 && !in_flight {
        notes.push(format!("service {name}: a deployment is under way ({} deployments); modelled at its primary revision, all running tasks of it", s.deployments.len()));
    }
    match s.deployment_controller.as_ref().map(|c| c.kind.as_str()) {
        Some("CODE_DEPLOY") => notes.push(format!("service {name}: deployments by CodeDeploy (blue/green) are modelled as rolling updates; a [[deployments]] entry with strategy = \"blue_green\" models one")),
        Some("EXTERNAL") => notes.push(format!("service {name}: the EXTERNAL deployment controller is not modelled; rolling updates apply")),
        _ => {}
    }
}

fn taskdef_notes(td: &TaskDefFile, notes: &mut Vec<String>) {
    let v = &td.value;
    let id = format!("{}:{}", td.family, td.revision);
    if let Some(vols) = v.get("volumes").and_then(|x| x.as_array()) {
        for vol in vols {
            let n = vol.get("name").and_then(|x| x.as_str()).unwrap_or("?");
            for (k, what) in [
                ("efsVolumeConfiguration", "EFS volume"),
                (
                    "fsxWindowsFileServerVolumeConfiguration",
                    "FSx for Windows volume",
                ),
                ("dockerVolumeConfiguration", "Docker volume"),
            ] {
                if vol.get(k).is_some() {
                    notes.push(format!(
                        "task definition {id}: {what} {n} is not modelled (no effect on placement)"
                    ));
                }
            }
            if vol.get("configuredAtLaunch").and_then(|x| x.as_bool()) == Some(true) {
                notes.push(format!(
                    "task definition {id}: volume {n} configured at launch (EBS) is not modelled"
                ));
            }
        }
    }
    if v.get("proxyConfiguration").is_some() {
        notes.push(format!(
            "task definition {id}: proxyConfiguration (App Mesh) is not modelled"
        ));
    }
    // ECS refuses a MANAGED_INSTANCES task definition without awsvpc,
    // host or none ("Amazon ECS task networking for Amazon ECS Managed
    // Instances"); the scenario would refuse it too, at validate.
    if let Some(c) = v.get("requiresCompatibilities").and_then(|x| x.as_array())
        && c.iter().any(|x| x.as_str() == Some("MANAGED_INSTANCES"))
        && matches!(
            v.get("networkMode").and_then(|m| m.as_str()),
            None | Some("bridge")
        )
    {
        notes.push(format!(
            "task definition {id}: requires MANAGED_INSTANCES but its network mode is bridge (or none given), which Managed Instances do not run"
        ));
    }
    if let Some(c) = v.get("requiresCompatibilities").and_then(|x| x.as_array())
        && c.iter().any(|x| x.as_str() == Some("EXTERNAL"))
    {
        notes.push(format!(
            "task definition {id}: EXTERNAL compatibility is not modelled"
        ));
    }
}
