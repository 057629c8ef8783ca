//! `[[instance_types]]`: EC2 types a scenario adds to the shipped catalog or
//! overrides in it — a type the catalog lacks, a negotiated rate, a
//! measured registered memory.

use super::ctx::{Ctx, R};
use crate::catalog::{self, InstanceType, MAX_MEMORY_MIB, MAX_VCPU};
use crate::model::Arch;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InstanceTypeSpec {
    pub name: String,
    /// Required for a type the catalog has no specs for; else overrides it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vcpu: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_mib: Option<i64>,
    /// `x86_64` (default for a new type) or `arm64`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpus: Option<i64>,
    /// ENIs the type attaches, primary included (EC2 MaximumNetworkInterfaces).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_enis: Option<i64>,
    /// `awsvpc` tasks per instance with awsvpcTrunking on (0: unsupported).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trunk_tasks: Option<i64>,
    /// Hourly on-demand price; wins over the price book and `--prices`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usd_per_hour: Option<f64>,
    /// Measured registered memory; default from the catalog's model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registered_memory_mib: Option<i64>,
}

/// A type as a scenario sees it.
#[derive(Debug, Clone)]
pub(super) struct Resolved {
    pub it: InstanceType,
    pub registered_memory: u32,
}

#[derive(Debug, Default)]
pub(super) struct DeclaredTypes {
    types: BTreeMap<String, Resolved>,
    /// Pico-dollars per hour.
    pub prices: BTreeMap<String, i128>,
}

/// Checks the declared types against the catalog.
pub(super) fn declared(ctx: &Ctx, specs: &[InstanceTypeSpec]) -> R<DeclaredTypes> {
    let mut out = DeclaredTypes::default();
    for (i, s) in specs.iter().enumerate() {
        let p = format!("instance_types[{i}]");
        let name = s.name.trim();
        if name.is_empty() || name.len() > 64 || name.contains(',') {
            return Err(ctx.err(
                format!("{p}.name"),
                "an instance type name is 1-64 characters without commas, e.g. \"m6a.large\"",
            ));
        }
        if out.types.contains_key(name) {
            return Err(ctx.err(format!("{p}.name"), format!("\"{name}\" is declared twice")));
        }
        let base = catalog::instance_type(name);
        let num = |f: &str, v: Option<i64>, max: u32| {
            v.map(|x| ctx.count(&format!("{p}.{f}"), x, i64::from(max)))
                .transpose()
        };
        let need = |f: &str, v: Option<u32>, from: Option<u32>| {
            v.or(from).ok_or_else(|| {
                ctx.err(
                    format!("{p}.{f}"),
                    format!("\"{name}\" has no specs in the catalog, so {f} is required"),
                )
            })
        };
        let vcpu = need("vcpu", num("vcpu", s.vcpu, MAX_VCPU)?, base.map(|b| b.vcpu))?;
        let memory_mib = need(
            "memory_mib",
            num("memory_mib", s.memory_mib, MAX_MEMORY_MIB)?,
            base.map(|b| b.memory_mib),
        )?;
        if vcpu == 0 || memory_mib == 0 {
            return Err(ctx.err(&p, "vcpu and memory_mib must be above 0"));
        }
        let arch = match s.arch.as_deref().map(str::to_ascii_lowercase).as_deref() {
            None => base.map_or(Arch::X86_64, |b| b.arch),
            Some("x86_64") => Arch::X86_64,
            Some("arm64") => Arch::Arm64,
            Some(other) => {
                return Err(ctx.err(
                    format!("{p}.arch"),
                    format!("\"{other}\" is not x86_64 or arm64"),
                ));
            }
        };
        let it = InstanceType {
            name: name.to_string(),
            vcpu,
            memory_mib,
            arch,
            gpus: num("gpus", s.gpus, 64)?.unwrap_or(base.map_or(0, |b| b.gpus)),
            max_enis: num("max_enis", s.max_enis, 1024)?.or(base.and_then(|b| b.max_enis)),
            // ECS's table also covers types the catalog has no specs for.
            trunk_tasks: num("trunk_tasks", s.trunk_tasks, 10_000)?
                .or(catalog::ecs_trunk_tasks(name)),
        };
        if it.max_enis == Some(0) {
            return Err(ctx.err(
                format!("{p}.max_enis"),
                "counts the primary ENI, so is at least 1",
            ));
        }
        let registered_memory = match s.registered_memory_mib {
            Some(m) => ctx.count(
                &format!("{p}.registered_memory_mib"),
                m,
                i64::from(memory_mib),
            )?,
            None => it.registered_memory(),
        };
        if let Some(usd) = s.usd_per_hour {
            let pico = crate::pricelist::parse_pico(&format!("{usd}"))
                .map_err(|e| ctx.err(format!("{p}.usd_per_hour"), e))?;
            out.prices.insert(name.to_string(), pico);
        }
        out.types.insert(
            name.to_string(),
            Resolved {
                it,
                registered_memory,
            },
        );
    }
    Ok(out)
}

impl DeclaredTypes {
    /// The type named at `path`: declared, else from the catalog.
    pub fn get(&self, ctx: &Ctx, path: &str, name: &str) -> R<Resolved> {
        if let Some(r) = self.types.get(name) {
            return Ok(r.clone());
        }
        catalog::instance_type(name)
            .map(|it| Resolved {
                it: it.clone(),
                registered_memory: it.registered_memory(),
            })
            .ok_or_else(|| ctx.err(path, catalog::unknown_type_help(name)))
    }

    pub fn knows(&self, name: &str) -> bool {
        self.types.contains_key(name) || catalog::instance_type(name).is_some()
    }
}
