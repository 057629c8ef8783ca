//! Checks a parsed scenario and turns it into the initial model. Every error
//! names the field path and what would be valid.

use super::spec::*;
use super::taskdef_json::{self, AwsTaskDef};
use super::Scenario;
use crate::catalog;
use crate::engine::time::{parse_duration, parse_time_of_day, SimTime, HOUR, SECOND};
use crate::engine::{Dist, Level};
use crate::error::InputError;
use crate::model::*;
use crate::placement::query::Expr;
use crate::placement::{self, Constraint, Request, Resource, SpreadField, Strategy};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

pub(super) struct Ctx<'a> {
    pub file: &'a Path,
    pub dir: &'a Path,
}

type R<T> = Result<T, InputError>;

impl Ctx<'_> {
    fn err(&self, path: impl Into<String>, msg: impl Into<String>) -> InputError {
        InputError::new(self.file, path, msg)
    }

    fn duration(&self, path: &str, text: &str) -> R<SimTime> {
        parse_duration(text).map_err(|e| self.err(path, e))
    }

    fn count(&self, path: &str, v: i64, max: i64) -> R<u32> {
        if v < 0 {
            return Err(self.err(path, format!("must be 0 or more, got {v}")));
        }
        if v > max {
            return Err(self.err(path, format!("must be at most {max}, got {v}")));
        }
        Ok(v as u32)
    }

    fn dist(&self, path: &str, d: &DistSpec) -> R<Dist> {
        let p = |f: &str| format!("{path}.{f}");
        let r = match d {
            DistSpec::Constant { value } => Ok(Dist::Constant(self.duration(&p("value"), value)?)),
            DistSpec::Exponential { mean } => Dist::exponential(self.duration(&p("mean"), mean)?),
            DistSpec::Lognormal { median, sigma } => Dist::lognormal(self.duration(&p("median"), median)?, *sigma),
            DistSpec::Uniform { min, max } => {
                Dist::uniform(self.duration(&p("min"), min)?, self.duration(&p("max"), max)?)
            }
            DistSpec::Empirical { file } => return self.empirical(&p("file"), file),
        };
        r.map_err(|e| self.err(path, e))
    }

    /// A CSV (or plain list) of durations, one per line: `"90s"` or plain seconds.
    fn empirical(&self, path: &str, file: &str) -> R<Dist> {
        let full = self.dir.join(file);
        let text = std::fs::read_to_string(&full)
            .map_err(|e| self.err(path, format!("cannot read {}: {e}", full.display())))?;
        let mut values = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let cell = line.split(',').next().unwrap_or("").trim();
            if cell.is_empty() || cell.starts_with('#') || (n == 0 && cell.chars().any(|c| c.is_ascii_alphabetic()) && parse_duration(cell).is_err()) {
                continue;
            }
            let v = match cell.parse::<f64>() {
                Ok(s) if s.is_finite() && s >= 0.0 => (s * SECOND as f64).round() as SimTime,
                _ => parse_duration(cell).map_err(|e| {
                    InputError::new(&full, format!("line {}", n + 1), format!("{e}, or plain seconds"))
                })?,
            };
            values.push(v);
        }
        Dist::empirical(values).map_err(|e| InputError::new(&full, "", e))
    }

    fn strategies(&self, path: &str, specs: &[StrategySpec]) -> R<Vec<Strategy>> {
        specs
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let p = format!("{path}[{i}]");
                let field = s.field.as_deref().map(str::trim);
                match (s.kind.as_str(), field) {
                    ("binpack", Some(f)) => match f.to_ascii_lowercase().as_str() {
                        "cpu" => Ok(Strategy::Binpack(Resource::Cpu)),
                        "memory" => Ok(Strategy::Binpack(Resource::Memory)),
                        _ => Err(self.err(format!("{p}.field"), format!("binpack takes field \"cpu\" or \"memory\", got \"{f}\""))),
                    },
                    ("binpack", None) => Err(self.err(format!("{p}.field"), "binpack needs field = \"cpu\" or \"memory\"")),
                    ("spread", Some(f)) => {
                        if f == "instanceId" || f == "host" {
                            Ok(Strategy::Spread(SpreadField::InstanceId))
                        } else if let Some(a) = f.strip_prefix("attribute:").filter(|a| !a.is_empty()) {
                            Ok(Strategy::Spread(SpreadField::Attribute(a.to_string())))
                        } else {
                            Err(self.err(format!("{p}.field"), format!("spread takes \"instanceId\", \"host\" or \"attribute:NAME\", got \"{f}\"")))
                        }
                    }
                    ("spread", None) => Err(self.err(format!("{p}.field"), "spread needs a field such as \"attribute:ecs.availability-zone\"")),
                    ("random", None) => Ok(Strategy::Random),
                    ("random", Some(_)) => Err(self.err(format!("{p}.field"), "random takes no field")),
                    (other, _) => Err(self.err(format!("{p}.type"), format!("unknown strategy \"{other}\"; expected binpack, spread or random"))),
                }
            })
            .collect()
    }

    fn constraints(&self, path: &str, specs: &[(String, Option<String>)]) -> R<Vec<Constraint>> {
        specs
            .iter()
            .enumerate()
            .map(|(i, (kind, expr))| {
                let p = format!("{path}[{i}]");
                match (kind.as_str(), expr) {
                    ("distinctInstance", None) => Ok(Constraint::DistinctInstance),
                    ("distinctInstance", Some(_)) => Err(self.err(format!("{p}.expression"), "distinctInstance takes no expression")),
                    ("memberOf", Some(e)) => Expr::parse(e)
                        .map(|e| Constraint::MemberOf(Box::new(e)))
                        .map_err(|m| self.err(format!("{p}.expression"), m)),
                    ("memberOf", None) => Err(self.err(format!("{p}.expression"), "memberOf needs an expression, e.g. \"attribute:ecs.instance-type =~ m5.*\"")),
                    (other, _) => Err(self.err(format!("{p}.type"), format!("unknown constraint \"{other}\"; expected distinctInstance or memberOf"))),
                }
            })
            .collect()
    }
}

fn pairs(specs: &[ConstraintSpec]) -> Vec<(String, Option<String>)> {
    specs.iter().map(|c| (c.kind.clone(), c.expression.clone())).collect()
}

fn unique<'a>(ctx: &Ctx, path: &str, names: impl Iterator<Item = &'a str>, seen: &mut HashSet<String>) -> R<()> {
    for (i, n) in names.enumerate() {
        if n.trim().is_empty() {
            return Err(ctx.err(format!("{path}[{i}].name"), "must not be empty"));
        }
        if !seen.insert(n.to_string()) {
            return Err(ctx.err(format!("{path}[{i}].name"), format!("\"{n}\" is used twice; names must be unique")));
        }
    }
    Ok(())
}

pub(super) fn build(ctx: &Ctx, spec: ScenarioSpec) -> R<Scenario> {
    if spec.name.is_empty() || !spec.name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) || spec.name.starts_with('.') {
        return Err(ctx.err("name", format!("\"{}\" must be non-empty letters, digits, '-', '_' or '.' (it names the results folder)", spec.name)));
    }
    let duration = ctx.duration("duration", &spec.duration)?;
    if duration == 0 {
        return Err(ctx.err("duration", "must be longer than 0s"));
    }
    let mut cluster = Cluster::default();
    let azs = &spec.cluster.availability_zones;
    if azs.is_empty() {
        return Err(ctx.err("cluster.availability_zones", "list at least one zone, e.g. [\"us-east-1a\"]"));
    }
    let mut seen = HashSet::new();
    for (i, z) in azs.iter().enumerate() {
        if z.trim().is_empty() || !seen.insert(z.clone()) {
            return Err(ctx.err(format!("cluster.availability_zones[{i}]"), format!("\"{z}\" is empty or listed twice")));
        }
    }
    cluster.azs = azs.clone();

    build_instances(ctx, &spec, &mut cluster)?;
    let families = build_taskdefs(ctx, &spec, &mut cluster)?;
    let mut group_ids: BTreeMap<String, u32> = BTreeMap::new();
    let mut group_of = |cluster: &mut Cluster, name: String| -> u32 {
        *group_ids.entry(name.clone()).or_insert_with(|| {
            cluster.groups.push(Group { name, ..Default::default() });
            cluster.groups.len() as u32 - 1
        })
    };
    let find_td = |path: String, name: &str| -> R<u32> {
        families.get(name).copied().ok_or_else(|| {
            let known: Vec<&str> = families.keys().map(String::as_str).collect();
            ctx.err(path, format!("unknown task definition \"{name}\"; defined: {}", if known.is_empty() { "none".to_string() } else { known.join(", ") }))
        })
    };

    let mut owners = HashSet::new();
    unique(ctx, "services", spec.services.iter().map(|s| s.name.as_str()), &mut owners)?;
    unique(ctx, "jobs", spec.jobs.iter().map(|j| j.name.as_str()), &mut owners)?;
    let mut desired_changes = Vec::new();
    for (i, s) in spec.services.iter().enumerate() {
        let p = format!("services[{i}]");
        let taskdef = find_td(format!("{p}.task_definition"), &s.task_definition)?;
        let scheduling = match s.scheduling_strategy.as_deref().unwrap_or("REPLICA") {
            "REPLICA" => SchedulingStrategy::Replica,
            "DAEMON" => SchedulingStrategy::Daemon,
            o => return Err(ctx.err(format!("{p}.scheduling_strategy"), format!("\"{o}\" is not REPLICA or DAEMON"))),
        };
        let desired = match (scheduling, s.desired_count) {
            (SchedulingStrategy::Replica, Some(n)) => ctx.count(&format!("{p}.desired_count"), n, 100_000)?,
            (SchedulingStrategy::Replica, None) => return Err(ctx.err(format!("{p}.desired_count"), "REPLICA services need desired_count (0 or more)")),
            (SchedulingStrategy::Daemon, Some(_)) => return Err(ctx.err(format!("{p}.desired_count"), "DAEMON services run one task per instance; remove desired_count")),
            (SchedulingStrategy::Daemon, None) => 0,
        };
        // ECS rejects placement strategies on DAEMON services (InvalidParameterException).
        let strategies = match (&s.placement_strategy, scheduling) {
            (Some(_), SchedulingStrategy::Daemon) => return Err(ctx.err(format!("{p}.placement_strategy"), "DAEMON services do not support placement strategies")),
            (Some(list), _) => ctx.strategies(&format!("{p}.placement_strategy"), list)?,
            // The service scheduler's default: balance across zones, then across instances.
            (None, _) => vec![
                Strategy::Spread(SpreadField::Attribute("ecs.availability-zone".into())),
                Strategy::Spread(SpreadField::InstanceId),
            ],
        };
        let constraints = ctx.constraints(&format!("{p}.placement_constraints"), &pairs(&s.placement_constraints))?;
        for (k, c) in s.desired_count_changes.iter().enumerate() {
            let cp = format!("{p}.desired_count_changes[{k}]");
            if scheduling == SchedulingStrategy::Daemon {
                return Err(ctx.err(cp, "DAEMON services have no desired count to change"));
            }
            let at = ctx.duration(&format!("{cp}.at"), &c.at)?;
            let n = ctx.count(&format!("{cp}.desired_count"), c.desired_count, 100_000)?;
            desired_changes.push((at, i as u32, n));
        }
        let group = group_of(&mut cluster, format!("service:{}", s.name));
        cluster.services.push(Service {
            name: s.name.clone(),
            scheduling,
            taskdef,
            desired,
            strategies,
            constraints,
            group,
            active: Vec::new(),
            stats: OwnerStats { running: Level::default(), ..Default::default() },
            reached_desired: None,
            ramp_done: None,
        });
        check_fits(ctx, &cluster, &p, taskdef, &cluster.services[i].constraints, scheduling == SchedulingStrategy::Daemon)?;
    }
    desired_changes.sort_by_key(|c| c.0);

    for (i, j) in spec.jobs.iter().enumerate() {
        let p = format!("jobs[{i}]");
        let taskdef = find_td(format!("{p}.task_definition"), &j.task_definition)?;
        let arrivals = match &j.arrivals {
            ArrivalSpec::Poisson { rate_per_hour, batch } => {
                if !(rate_per_hour.is_finite() && *rate_per_hour > 0.0 && *rate_per_hour <= 3.6e9) {
                    return Err(ctx.err(format!("{p}.arrivals.rate_per_hour"), format!("must be a number above 0 (and at most 3.6e9), got {rate_per_hour}")));
                }
                let batch = ctx.count(&format!("{p}.arrivals.batch"), batch.unwrap_or(1), 1_000_000)?.max(1);
                Arrivals::Random { gap: Dist::Exponential { mean: HOUR as f64 / rate_per_hour }, batch }
            }
            ArrivalSpec::Schedule { every, count, at } => {
                let every = ctx.duration(&format!("{p}.arrivals.every"), every)?;
                if every == 0 {
                    return Err(ctx.err(format!("{p}.arrivals.every"), "must be longer than 0s"));
                }
                let count = ctx.count(&format!("{p}.arrivals.count"), *count, 1_000_000)?;
                let first = match at {
                    Some(t) => parse_time_of_day(t).map_err(|e| ctx.err(format!("{p}.arrivals.at"), e))?,
                    None => 0,
                };
                Arrivals::Schedule { first, every, count }
            }
        };
        let duration = ctx.dist(&format!("{p}.duration"), &j.duration)?;
        // RunTask places at random when no strategy is given.
        let strategies = match &j.placement_strategy {
            Some(list) => ctx.strategies(&format!("{p}.placement_strategy"), list)?,
            None => vec![Strategy::Random],
        };
        let constraints = ctx.constraints(&format!("{p}.placement_constraints"), &pairs(&j.placement_constraints))?;
        let gname = j.group.clone().unwrap_or_else(|| format!("family:{}", cluster.taskdefs[taskdef as usize].family));
        let group = group_of(&mut cluster, gname);
        check_fits(ctx, &cluster, &p, taskdef, &constraints, false)?;
        cluster.jobs.push(Job { name: j.name.clone(), taskdef, group, arrivals, duration, strategies, constraints, stats: OwnerStats::default() });
    }
    Ok(Scenario {
        name: spec.name,
        file: ctx.file.to_path_buf(),
        duration,
        seed: spec.seed,
        cluster,
        desired_changes,
    })
}

/// Refuses a task that no instance in the scenario could ever hold.
fn check_fits(ctx: &Ctx, cluster: &Cluster, path: &str, taskdef: u32, constraints: &[Constraint], daemon: bool) -> R<()> {
    let td = &cluster.taskdefs[taskdef as usize];
    let req = Request {
        cpu: td.cpu,
        memory: td.memory,
        ports: &td.host_ports,
        arch: td.arch,
        group: 0,
        constraints: [&td.constraints, constraints],
        strategies: &[],
        only_instance: None,
    };
    let ok = cluster.instances.iter().any(|i| placement::could_ever_fit(cluster, i, &req));
    // A DAEMON service in a cluster without instances simply has nothing to run on.
    if ok || (daemon && cluster.instances.is_empty()) {
        return Ok(());
    }
    let biggest = cluster.instances.iter().map(|i| format!("{} ({} cpu, {} MiB)", i.instance_type, i.cpu, i.memory)).collect::<std::collections::BTreeSet<_>>();
    Err(ctx.err(
        format!("{path}.task_definition"),
        format!(
            "task definition \"{}\" needs {} CPU units and {} MiB{}, which no instance can ever provide; instances: {}",
            td.family,
            td.cpu,
            td.memory,
            if td.arch.is_some() || td.constraints.iter().chain(constraints).any(|c| matches!(c, Constraint::MemberOf(_))) { " (with its architecture and memberOf constraints)" } else { "" },
            if biggest.is_empty() { "none".to_string() } else { biggest.into_iter().collect::<Vec<_>>().join(", ") }
        ),
    ))
}

fn build_instances(ctx: &Ctx, spec: &ScenarioSpec, cluster: &mut Cluster) -> R<()> {
    let mut names = HashSet::new();
    unique(ctx, "instance_groups", spec.instance_groups.iter().map(|g| g.name.as_str()), &mut names)?;
    for (gi, g) in spec.instance_groups.iter().enumerate() {
        let p = format!("instance_groups[{gi}]");
        cluster.instance_groups.push(g.name.clone());
        let it = catalog::instance_type(&g.instance_type).ok_or_else(|| {
            ctx.err(format!("{p}.instance_type"), format!("unknown instance type \"{}\"; {}", g.instance_type, catalog::suggest_instance_types(&g.instance_type)))
        })?;
        let count = ctx.count(&format!("{p}.count"), g.count, 100_000)?;
        let zones: Vec<u32> = match &g.availability_zones {
            None => (0..cluster.azs.len() as u32).collect(),
            Some(list) if list.is_empty() => return Err(ctx.err(format!("{p}.availability_zones"), "must list at least one zone when given")),
            Some(list) => list
                .iter()
                .enumerate()
                .map(|(k, z)| {
                    cluster.azs.iter().position(|a| a == z).map(|x| x as u32).ok_or_else(|| {
                        ctx.err(format!("{p}.availability_zones[{k}]"), format!("\"{z}\" is not a cluster zone ({})", cluster.azs.join(", ")))
                    })
                })
                .collect::<R<_>>()?,
        };
        for k in g.attributes.keys() {
            if k.is_empty() || k.len() > 128 || !k.chars().all(|c| c.is_ascii_alphanumeric() || "-_/.".contains(c)) || k.starts_with("ecs.") {
                return Err(ctx.err(format!("{p}.attributes.{k}"), "custom attribute names are 1-128 of A-Z a-z 0-9 - _ / . and may not start with \"ecs.\""));
            }
        }
        let mut memory = match g.registered_memory_mib {
            Some(m) => ctx.count(&format!("{p}.registered_memory_mib"), m, i64::from(it.memory_mib))?,
            None => it.registered_memory(),
        };
        let reserved = ctx.count(&format!("{p}.reserved_memory_mib"), g.reserved_memory_mib.unwrap_or(0), i64::from(memory))?;
        memory -= reserved;
        for n in 0..count {
            let idx = cluster.instances.len();
            let az = zones[n as usize % zones.len()];
            let id = format!("i-{:017x}", idx + 1);
            let mut attributes = g.attributes.clone();
            attributes.insert("ecs.availability-zone".into(), cluster.azs[az as usize].clone());
            attributes.insert("ecs.instance-type".into(), it.name.clone());
            attributes.insert("ecs.os-type".into(), "linux".into());
            attributes.insert("ecs.cpu-architecture".into(), it.arch.as_str().into());
            cluster.registered_cpu += u64::from(it.registered_cpu());
            cluster.registered_memory += u64::from(memory);
            cluster.instances.push(Instance {
                id,
                group: gi as u32,
                instance_type: it.name.clone(),
                arch: it.arch,
                az,
                attributes,
                cpu: it.registered_cpu(),
                memory,
                used_cpu: 0,
                used_memory: 0,
                used_ports: Vec::new(),
                tasks: Vec::new(),
                status: InstanceStatus::Active,
                launched: 0,
                terminated: None,
                tasks_placed: 0,
                cpu_level: Level::default(),
                memory_level: Level::default(),
            });
        }
    }
    Ok(())
}

fn build_taskdefs(ctx: &Ctx, spec: &ScenarioSpec, cluster: &mut Cluster) -> R<BTreeMap<String, u32>> {
    let mut families = BTreeMap::new();
    for (i, t) in spec.task_definitions.iter().enumerate() {
        let p = format!("task_definitions[{i}]");
        let td = match &t.file {
            Some(f) => {
                if t.cpu.is_some() || t.memory.is_some() || t.containers.is_some() || t.runtime_platform.is_some() {
                    return Err(ctx.err(&p, "give either `file` or inline cpu/memory/containers/runtime_platform, not both"));
                }
                from_json(ctx, &format!("{p}.file"), f, t)?
            }
            None => inline(ctx, &p, t)?,
        };
        if families.insert(td.family.clone(), cluster.taskdefs.len() as u32).is_some() {
            return Err(ctx.err(format!("{p}.family"), format!("\"{}\" is defined twice", td.family)));
        }
        cluster.taskdefs.push(td);
    }
    Ok(families)
}

/// Start-up and shutdown timings, shared by inline and JSON task definitions.
fn timings(ctx: &Ctx, p: &str, t: &TaskDefSpec, stop_timeout: Option<SimTime>, mut td: TaskDef) -> R<TaskDef> {
    let d = |name: &str, spec: &Option<DistSpec>, default: Dist| -> R<Dist> {
        spec.as_ref().map_or(Ok(default), |s| ctx.dist(&format!("{p}.{name}"), s))
    };
    td.startup = d("startup", &t.startup, Dist::LogNormal { median: 20_000.0, sigma: 0.4 })?;
    td.activation = d("activation", &t.activation, Dist::Constant(0))?;
    td.deactivation = d("deactivation", &t.deactivation, Dist::Constant(0))?;
    td.shutdown = d("shutdown", &t.shutdown, Dist::LogNormal { median: 2_000.0, sigma: 0.5 })?;
    td.stop_timeout = match &t.stop_timeout {
        Some(s) => ctx.duration(&format!("{p}.stop_timeout"), s)?,
        None => stop_timeout.unwrap_or(30 * SECOND),
    };
    Ok(td)
}

fn arch(ctx: &Ctx, path: &str, v: Option<&str>) -> R<Option<Arch>> {
    match v.map(|s| s.to_ascii_lowercase()) {
        None => Ok(None),
        Some(s) if s == "x86_64" => Ok(Some(Arch::X86_64)),
        Some(s) if s == "arm64" => Ok(Some(Arch::Arm64)),
        Some(s) => Err(ctx.err(path, format!("\"{s}\" is not X86_64 or ARM64"))),
    }
}

fn finish(ctx: &Ctx, p: &str, family: String, cpu: Option<u32>, memory: Option<u32>, containers: Vec<Container>) -> R<TaskDef> {
    let (cpu, mem) = taskdef::reserved_resources(cpu, memory, &containers);
    let memory = mem.ok_or_else(|| ctx.err(format!("{p}.memory"), "set task-level memory, or memory / memory_reservation on every container"))?;
    if memory == 0 {
        return Err(ctx.err(format!("{p}.memory"), "the task must reserve more than 0 MiB"));
    }
    if !containers.is_empty() && !containers.iter().any(|c| c.essential) {
        return Err(ctx.err(format!("{p}.containers"), "at least one container must be essential"));
    }
    let mut host_ports: Vec<u16> = containers.iter().flat_map(|c| c.host_ports.iter().copied()).collect();
    host_ports.sort_unstable();
    if host_ports.windows(2).any(|w| w[0] == w[1]) {
        return Err(ctx.err(format!("{p}.containers"), "two containers use the same host port"));
    }
    Ok(TaskDef {
        family,
        cpu,
        memory,
        host_ports,
        arch: None,
        constraints: Vec::new(),
        containers,
        startup: Dist::Constant(0),
        activation: Dist::Constant(0),
        deactivation: Dist::Constant(0),
        shutdown: Dist::Constant(0),
        stop_timeout: 0,
    })
}

fn port(ctx: &Ctx, path: &str, v: i64) -> R<u16> {
    u16::try_from(v).ok().filter(|&p| p > 0).ok_or_else(|| ctx.err(path, format!("{v} is not a port (1-65535)")))
}

fn inline(ctx: &Ctx, p: &str, t: &TaskDefSpec) -> R<TaskDef> {
    let family = t.family.clone().filter(|f| !f.trim().is_empty()).ok_or_else(|| ctx.err(format!("{p}.family"), "a task definition needs a family name"))?;
    let cpu = t.cpu.map(|c| ctx.count(&format!("{p}.cpu"), c, 196_608)).transpose()?;
    let memory = t.memory.map(|m| ctx.count(&format!("{p}.memory"), m, 4_000_000)).transpose()?;
    let mut containers = Vec::new();
    for (k, c) in t.containers.iter().flatten().enumerate() {
        let cp = format!("{p}.containers[{k}]");
        let opt = |f: &str, v: Option<i64>| v.map(|x| ctx.count(&format!("{cp}.{f}"), x, 4_000_000)).transpose();
        containers.push(Container {
            name: c.name.clone(),
            cpu: opt("cpu", c.cpu)?.unwrap_or(0),
            memory: opt("memory", c.memory)?,
            memory_reservation: opt("memory_reservation", c.memory_reservation)?,
            essential: c.essential.unwrap_or(true),
            host_ports: c.host_ports.iter().enumerate().map(|(n, &v)| port(ctx, &format!("{cp}.host_ports[{n}]"), v)).collect::<R<_>>()?,
        });
    }
    let mut td = finish(ctx, p, family, cpu, memory, containers)?;
    td.arch = arch(ctx, &format!("{p}.runtime_platform"), t.runtime_platform.as_deref())?;
    td.constraints = ctx.constraints(&format!("{p}.placement_constraints"), &pairs(&t.placement_constraints))?;
    timings(ctx, p, t, None, td)
}

fn from_json(ctx: &Ctx, p: &str, file: &str, t: &TaskDefSpec) -> R<TaskDef> {
    let full: PathBuf = ctx.dir.join(file);
    let text = std::fs::read_to_string(&full).map_err(|e| ctx.err(p, format!("cannot read {}: {e}", full.display())))?;
    let de = &mut serde_json::Deserializer::from_str(&text);
    let aws: AwsTaskDef = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        InputError::new(&full, if path == "." { String::new() } else { path }, e.into_inner().to_string())
    })?;
    let jctx = Ctx { file: &full, dir: ctx.dir };
    let family = t.family.clone().or(aws.family.clone()).filter(|f| !f.trim().is_empty()).ok_or_else(|| jctx.err("family", "missing"))?;
    let cpu = aws.cpu.as_ref().map(|v| taskdef_json::parse_cpu(v).map_err(|e| jctx.err("cpu", e)).and_then(|c| jctx.count("cpu", c, 196_608))).transpose()?;
    let memory = aws.memory.as_ref().map(|v| taskdef_json::parse_memory(v).map_err(|e| jctx.err("memory", e)).and_then(|m| jctx.count("memory", m, 4_000_000))).transpose()?;
    let mut containers = Vec::new();
    let mut stop_timeout: Option<SimTime> = None;
    if aws.container_definitions.is_empty() {
        return Err(jctx.err("containerDefinitions", "at least one container definition is required"));
    }
    for (k, c) in aws.container_definitions.iter().enumerate() {
        let cp = format!("containerDefinitions[{k}]");
        let opt = |f: &str, v: Option<i64>| v.map(|x| jctx.count(&format!("{cp}.{f}"), x, 4_000_000)).transpose();
        if let Some(s) = c.stop_timeout {
            let s = jctx.count(&format!("{cp}.stopTimeout"), s, 86_400)?;
            stop_timeout = Some(stop_timeout.unwrap_or(0).max(SimTime::from(s) * SECOND));
        }
        containers.push(Container {
            name: c.name.clone().unwrap_or_else(|| format!("container-{k}")),
            cpu: opt("cpu", c.cpu)?.unwrap_or(0),
            memory: opt("memory", c.memory)?,
            memory_reservation: opt("memoryReservation", c.memory_reservation)?,
            essential: c.essential.unwrap_or(true),
            host_ports: taskdef_json::host_ports(aws.network_mode.as_deref(), c)
                .into_iter()
                .map(|v| port(&jctx, &format!("{cp}.portMappings"), v))
                .collect::<R<_>>()?,
        });
    }
    let mut td = finish(&jctx, "", family, cpu, memory, containers).map_err(|mut e| {
        e.path = e.path.trim_start_matches('.').to_string();
        e
    })?;
    td.arch = arch(&jctx, "runtimePlatform.cpuArchitecture", aws.runtime_platform.as_ref().and_then(|r| r.cpu_architecture.as_deref()))?;
    let aws_constraints: Vec<(String, Option<String>)> = aws.placement_constraints.iter().map(|c| (c.kind.clone(), c.expression.clone())).collect();
    td.constraints = jctx.constraints("placementConstraints", &aws_constraints)?;
    td.constraints.extend(ctx.constraints(&format!("{}.placement_constraints", p.trim_end_matches(".file")), &pairs(&t.placement_constraints))?);
    timings(ctx, p.trim_end_matches(".file"), t, stop_timeout, td)
}
