//! Task definitions, inline in the scenario or imported from AWS JSON.

use super::ctx::{Ctx, R, pairs};
use super::spec::*;
use super::taskdef_json::{self, AwsTaskDef};
use super::taskdef_rules::{self as rules, RawHealthCheck};
use crate::engine::Dist;
use crate::engine::time::{SECOND, SimTime};
use crate::error::InputError;
use crate::model::*;
use std::collections::BTreeMap;
use std::path::Path;

pub(super) fn build_taskdefs(
    ctx: &Ctx,
    spec: &ScenarioSpec,
    cluster: &mut Cluster,
) -> R<BTreeMap<String, u32>> {
    let mut families = BTreeMap::new();
    for (i, t) in spec.task_definitions.iter().enumerate() {
        let p = format!("task_definitions[{i}]");
        let td = match &t.file {
            Some(f) => {
                // cpu/memory/network_mode/runtime_platform may accompany a
                // Terraform container_definitions file: `from_json_text` decides.
                if t.containers.is_some() || t.gpu.is_some() {
                    return Err(ctx.err(&p, BOTH));
                }
                from_json(ctx, &format!("{p}.file"), f, t)?
            }
            None => inline(ctx, &p, t)?,
        };
        if families
            .insert(td.family.clone(), cluster.taskdefs.len() as u32)
            .is_some()
        {
            return Err(ctx.err(
                format!("{p}.family"),
                format!("\"{}\" is defined twice", td.family),
            ));
        }
        cluster.taskdefs.push(td);
    }
    Ok(families)
}

/// Start-up and shutdown timings, shared by inline and JSON task definitions.
fn timings(
    ctx: &Ctx,
    p: &str,
    t: &TaskDefSpec,
    stop_timeout: Option<SimTime>,
    mut td: TaskDef,
) -> R<TaskDef> {
    let d = |name: &str, spec: &Option<DistSpec>, default: Dist| -> R<Dist> {
        spec.as_ref()
            .map_or(Ok(default), |s| ctx.dist(&format!("{p}.{name}"), s))
    };
    td.startup = d("startup", &t.startup, Dist::lognormal_valid(20_000.0, 0.4))?;
    // The image's size times the pull rate, unless a `startup` says how
    // long PENDING takes (the override).
    if let Some(mib) = t.image_size_mib {
        if !(1..=100_000).contains(&mib) {
            return Err(ctx.err(
                format!("{p}.image_size_mib"),
                format!("must be 1 to 100,000 MiB (the image's compressed size), got {mib}"),
            ));
        }
        td.image_mib = t.startup.is_none().then_some(mib as u32);
    }
    td.activation = d("activation", &t.activation, Dist::Constant(0))?;
    td.deactivation = d("deactivation", &t.deactivation, Dist::Constant(0))?;
    td.shutdown = d("shutdown", &t.shutdown, Dist::lognormal_valid(2_000.0, 0.5))?;
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

fn finish(
    ctx: &Ctx,
    p: &str,
    family: String,
    cpu: Option<u32>,
    memory: Option<u32>,
    containers: Vec<Container>,
) -> R<TaskDef> {
    let (task_cpu, task_memory) = (cpu, memory);
    let (cpu, mem) = taskdef::reserved_resources(cpu, memory, &containers);
    let memory = mem.ok_or_else(|| {
        ctx.err(
            format!("{p}.memory"),
            "set task-level memory, or memory / memory_reservation on every container",
        )
    })?;
    if memory == 0 {
        return Err(ctx.err(
            format!("{p}.memory"),
            "the task must reserve more than 0 MiB",
        ));
    }
    if !containers.is_empty() && !containers.iter().any(|c| c.essential) {
        return Err(ctx.err(
            format!("{p}.containers"),
            "at least one container must be essential",
        ));
    }
    let mut host_ports: Vec<u16> = containers
        .iter()
        .flat_map(|c| c.host_ports.iter().copied())
        .collect();
    host_ports.sort_unstable();
    if host_ports.windows(2).any(|w| w[0] == w[1]) {
        return Err(ctx.err(
            format!("{p}.containers"),
            "two containers use the same host port",
        ));
    }
    Ok(TaskDef {
        family,
        cpu,
        memory,
        task_cpu,
        task_memory,
        ephemeral_gib: 20,
        host_ports,
        awsvpc: false,
        bridge: true,
        gpus: 0,
        arch: None,
        constraints: Vec::new(),
        containers,
        startup: Dist::Constant(0),
        image_mib: None,
        activation: Dist::Constant(0),
        deactivation: Dist::Constant(0),
        shutdown: Dist::Constant(0),
        stop_timeout: 0,
    })
}

/// Whether the network mode is `awsvpc` (an ENI per task on EC2); the
/// modes ECS accepts on Linux, `bridge` when not given.
fn network_mode(ctx: &Ctx, path: &str, v: Option<&str>) -> R<bool> {
    match v {
        None | Some("bridge" | "host" | "none") => Ok(false),
        Some("awsvpc") => Ok(true),
        Some(other) => Err(ctx.err(
            path,
            format!("\"{other}\" is not bridge, host, awsvpc or none"),
        )),
    }
}

fn ephemeral(ctx: &Ctx, path: &str, gib: i64) -> R<u32> {
    if !(20..=200).contains(&gib) {
        return Err(ctx.err(
            path,
            format!("Fargate ephemeral storage is 20 to 200 GiB, got {gib}"),
        ));
    }
    Ok(gib as u32)
}

fn port(ctx: &Ctx, path: &str, v: i64) -> R<u16> {
    u16::try_from(v)
        .ok()
        .filter(|&p| p > 0)
        .ok_or_else(|| ctx.err(path, format!("{v} is not a port (1-65535)")))
}

fn inline(ctx: &Ctx, p: &str, t: &TaskDefSpec) -> R<TaskDef> {
    let family = t
        .family
        .clone()
        .filter(|f| !f.trim().is_empty())
        .ok_or_else(|| {
            ctx.err(
                format!("{p}.family"),
                "a task definition needs a family name",
            )
        })?;
    let cpu = t
        .cpu
        .map(|c| ctx.count(&format!("{p}.cpu"), c, 196_608))
        .transpose()?;
    let memory = t
        .memory
        .map(|m| ctx.count(&format!("{p}.memory"), m, 4_000_000))
        .transpose()?;
    let mut containers = Vec::new();
    for (k, c) in t.containers.iter().flatten().enumerate() {
        let cp = format!("{p}.containers[{k}]");
        let opt = |f: &str, v: Option<i64>| {
            v.map(|x| ctx.count(&format!("{cp}.{f}"), x, 4_000_000))
                .transpose()
        };
        containers.push(Container {
            name: c.name.clone(),
            cpu: opt("cpu", c.cpu)?.unwrap_or(0),
            memory: opt("memory", c.memory)?,
            memory_reservation: opt("memory_reservation", c.memory_reservation)?,
            essential: c.essential.unwrap_or(true),
            host_ports: c
                .host_ports
                .iter()
                .enumerate()
                .map(|(n, &v)| port(ctx, &format!("{cp}.host_ports[{n}]"), v))
                .collect::<R<_>>()?,
            health_check: match &c.health_check {
                Some(h) => {
                    let hp = format!("{cp}.health_check");
                    let d = |f: &str, v: &Option<String>| {
                        v.as_ref()
                            .map(|t| ctx.duration(&format!("{hp}.{f}"), t))
                            .transpose()
                    };
                    let raw = RawHealthCheck {
                        command: &h.command,
                        interval: d("interval", &h.interval)?,
                        timeout: d("timeout", &h.timeout)?,
                        retries: h.retries,
                        start_period: d("start_period", &h.start_period)?,
                    };
                    Some(rules::health_check(ctx, &hp, &rules::INLINE, raw)?)
                }
                None => None,
            },
        });
    }
    rules::check_limits(ctx, p, &rules::INLINE, cpu, memory, &containers)?;
    let mut td = finish(ctx, p, family, cpu, memory, containers)?;
    td.awsvpc = network_mode(ctx, &format!("{p}.network_mode"), t.network_mode.as_deref())?;
    td.bridge = matches!(t.network_mode.as_deref(), None | Some("bridge"));
    if td.awsvpc {
        // Each task has its own ENI: its ports are not the host's.
        td.host_ports.clear();
    }
    if let Some(g) = t.gpu {
        td.gpus = ctx.count(&format!("{p}.gpu"), g, 64)?;
    }
    if let Some(g) = t.ephemeral_storage_gib {
        td.ephemeral_gib = ephemeral(ctx, &format!("{p}.ephemeral_storage_gib"), g)?;
    }
    td.arch = arch(
        ctx,
        &format!("{p}.runtime_platform"),
        t.runtime_platform.as_deref(),
    )?;
    td.constraints = ctx.constraints(
        &format!("{p}.placement_constraints"),
        &pairs(&t.placement_constraints),
    )?;
    timings(ctx, p, t, None, td)
}

fn from_json(ctx: &Ctx, p: &str, file: &str, t: &TaskDefSpec) -> R<TaskDef> {
    let (full, text) = ctx.read(p, file)?;
    from_json_text(ctx, p, &full, &text, t)
}

/// A task definition from AWS JSON text; `full` names the file in errors,
/// `p` is the scenario field that imports it, `t` its scenario-side settings.
pub(super) fn from_json_text(
    ctx: &Ctx,
    p: &str,
    full: &Path,
    text: &str,
    t: &TaskDefSpec,
) -> R<TaskDef> {
    let by = format!("imported by {}", p);
    let norm = super::taskdef_forms::normalise(text, t.family.as_deref())
        .map_err(|e| InputError::new(full, e.path, format!("{} ({by})", e.message)))?;
    let terraform = norm.form == super::taskdef_forms::Form::TerraformContainers;
    let inline = t.cpu.is_some()
        || t.memory.is_some()
        || t.runtime_platform.is_some()
        || t.network_mode.is_some();
    let tp = p.trim_end_matches(".file");
    if inline && !terraform {
        return Err(ctx.err(tp, BOTH));
    }
    if terraform && t.family.is_none() {
        return Err(ctx.err(
            format!("{tp}.family"),
            "a Terraform container_definitions array has no family: set family (and cpu, memory, network_mode as in the aws_ecs_task_definition resource)",
        ));
    }
    let mut aws: AwsTaskDef = serde_path_to_error::deserialize(&norm.value).map_err(|e| {
        let path = e.path().to_string();
        InputError::new(
            full,
            norm.file_path(if path == "." { "" } else { &path }),
            format!("{} ({by})", super::ctx::json_message(e.inner())),
        )
    })?;
    if terraform {
        use taskdef_json::StrOrNum;
        aws.cpu = t.cpu.map(StrOrNum::Num);
        aws.memory = t.memory.map(StrOrNum::Num);
        aws.network_mode = t.network_mode.clone();
        aws.runtime_platform =
            t.runtime_platform
                .clone()
                .map(|a| taskdef_json::AwsRuntimePlatform {
                    cpu_architecture: Some(a),
                    operating_system_family: None,
                });
    }
    // Fields of the file are named as the file spells them.
    from_aws(ctx, p, full, &aws, t).map_err(|mut e| {
        if e.file == full {
            e.path = norm.file_path(&e.path);
        }
        e
    })
}

const BOTH: &str = "give either `file` or inline cpu/memory/containers/runtime_platform/network_mode/gpu, not both (cpu, memory, network_mode and runtime_platform may accompany a Terraform container_definitions file)";

fn from_aws(ctx: &Ctx, p: &str, full: &Path, aws: &AwsTaskDef, t: &TaskDefSpec) -> R<TaskDef> {
    let jctx = Ctx {
        file: full,
        dir: ctx.dir,
    };
    let family = t
        .family
        .clone()
        .or(aws.family.clone())
        .filter(|f| !f.trim().is_empty())
        .ok_or_else(|| jctx.err("family", "missing"))?;
    let cpu = aws
        .cpu
        .as_ref()
        .map(|v| {
            taskdef_json::parse_cpu(v)
                .map_err(|e| jctx.err("cpu", e))
                .and_then(|c| jctx.count("cpu", c, 196_608))
        })
        .transpose()?;
    let memory = aws
        .memory
        .as_ref()
        .map(|v| {
            taskdef_json::parse_memory(v)
                .map_err(|e| jctx.err("memory", e))
                .and_then(|m| jctx.count("memory", m, 4_000_000))
        })
        .transpose()?;
    let mut containers = Vec::new();
    let mut stop_timeout: Option<SimTime> = None;
    if aws.container_definitions.is_empty() {
        return Err(jctx.err(
            "containerDefinitions",
            "at least one container definition is required",
        ));
    }
    for (k, c) in aws.container_definitions.iter().enumerate() {
        let cp = format!("containerDefinitions[{k}]");
        let opt = |f: &str, v: Option<i64>| {
            v.map(|x| jctx.count(&format!("{cp}.{f}"), x, 4_000_000))
                .transpose()
        };
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
            health_check: match &c.health_check {
                Some(h) => {
                    // Seconds in the JSON; negative values fail the range check.
                    let ms = |v: Option<i64>| v.map(|s| s.clamp(0, 1 << 40) as u64 * SECOND);
                    let neg = [h.interval, h.timeout, h.start_period]
                        .into_iter()
                        .zip(["interval", "timeout", "startPeriod"])
                        .find(|(v, _)| v.is_some_and(|v| v < 0));
                    if let Some((v, f)) = neg {
                        return Err(jctx.err(
                            format!("{cp}.healthCheck.{f}"),
                            format!("must be 0 or more seconds, got {}", v.unwrap_or(0)),
                        ));
                    }
                    let raw = RawHealthCheck {
                        command: &h.command,
                        interval: ms(h.interval),
                        timeout: ms(h.timeout),
                        retries: h.retries,
                        start_period: ms(h.start_period),
                    };
                    Some(rules::health_check(
                        &jctx,
                        &format!("{cp}.healthCheck"),
                        &rules::JSON,
                        raw,
                    )?)
                }
                None => None,
            },
        });
    }
    rules::check_limits(&jctx, "", &rules::JSON, cpu, memory, &containers)?;
    let mut td = finish(&jctx, "", family, cpu, memory, containers).map_err(|mut e| {
        e.path = e.path.trim_start_matches('.').to_string();
        e
    })?;
    td.awsvpc = network_mode(&jctx, "networkMode", aws.network_mode.as_deref())?;
    td.bridge = matches!(aws.network_mode.as_deref(), None | Some("bridge"));
    td.gpus = taskdef_json::check_unmodelled(aws).map_err(|(path, msg)| jctx.err(path, msg))?;
    if let Some(g) = aws.ephemeral_storage.as_ref().and_then(|e| e.size_in_gib) {
        td.ephemeral_gib = ephemeral(&jctx, "ephemeralStorage.sizeInGiB", g)?;
    }
    td.arch = arch(
        &jctx,
        "runtimePlatform.cpuArchitecture",
        aws.runtime_platform
            .as_ref()
            .and_then(|r| r.cpu_architecture.as_deref()),
    )?;
    let aws_constraints: Vec<(String, Option<String>)> = aws
        .placement_constraints
        .iter()
        .map(|c| (c.kind.clone(), c.expression.clone()))
        .collect();
    td.constraints = jctx.constraints("placementConstraints", &aws_constraints)?;
    td.constraints.extend(ctx.constraints(
        &format!("{}.placement_constraints", p.trim_end_matches(".file")),
        &pairs(&t.placement_constraints),
    )?);
    timings(ctx, p.trim_end_matches(".file"), t, stop_timeout, td)
}
