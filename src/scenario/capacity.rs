//! Where tasks run and how capacity is bought: launch types, capacity
//! provider strategies, Fargate sizes, markets and pricing settings.

use super::ctx::{Ctx, R};
use super::spec::*;
use crate::billing::{
    DEFAULT_SP_EC2_DISCOUNT, DEFAULT_SP_FARGATE_DISCOUNT, PricingConfig, SavingsPlan,
};
use crate::catalog::fargate;
use crate::engine::Dist;
use crate::engine::time::SimTime;
use crate::error::InputError;
use crate::model::{Capacity, CapacityChoice, ProviderShare, TaskDef};
use std::collections::BTreeMap;
use std::path::Path;

/// What a service or job says about where its tasks run.
pub(super) struct Placement<'a> {
    pub launch_type: Option<&'a str>,
    pub providers: Option<&'a [ProviderSpec]>,
    pub has_strategy: bool,
    pub has_constraints: bool,
    pub daemon: bool,
    /// Names of the Auto Scaling group capacity providers, by index.
    pub asg_providers: &'a [String],
}

pub(super) fn capacity(ctx: &Ctx, p: &str, how: Placement, td: &TaskDef) -> R<CapacityChoice> {
    let choice = match (how.launch_type, how.providers) {
        (Some(_), Some(_)) => {
            return Err(ctx.err(format!("{p}.capacity_provider_strategy"), "give launch_type or capacity_provider_strategy, not both (ECS rejects both together)"));
        }
        (None | Some("EC2"), None) => return Ok(CapacityChoice::Ec2),
        (Some("FARGATE"), None) => CapacityChoice::Providers(vec![ProviderShare {
            capacity: Capacity::Fargate,
            asg: None,
            base: 0,
            weight: 1,
        }]),
        (Some(other), None) => {
            return Err(ctx.err(format!("{p}.launch_type"), format!("\"{other}\" is not EC2 or FARGATE (FARGATE_SPOT is a capacity provider: use capacity_provider_strategy = [{{ capacity_provider = \"FARGATE_SPOT\", weight = 1 }}])")));
        }
        (None, Some(list)) => providers(
            ctx,
            &format!("{p}.capacity_provider_strategy"),
            list,
            how.asg_providers,
        )?,
    };
    if !choice.is_fargate() {
        if how.daemon {
            return Err(ctx.err(
                format!("{p}.capacity_provider_strategy"),
                "DAEMON services run on every instance; they take no capacity provider strategy",
            ));
        }
        return Ok(choice);
    }
    if how.daemon {
        return Err(ctx.err(
            format!("{p}.scheduling_strategy"),
            "DAEMON services cannot run on Fargate",
        ));
    }
    if how.has_strategy {
        return Err(ctx.err(
            format!("{p}.placement_strategy"),
            "Fargate does not support placement strategies (tasks are spread across zones)",
        ));
    }
    if how.has_constraints || !td.constraints.is_empty() {
        return Err(ctx.err(
            format!("{p}.placement_constraints"),
            "Fargate does not support placement constraints",
        ));
    }
    if td.gpus > 0 {
        return Err(ctx.err(
            format!("{p}.task_definition"),
            format!(
                "task definition \"{}\" reserves GPUs, which Fargate does not offer; run it on EC2 GPU instances",
                td.family
            ),
        ));
    }
    let (Some(cpu), Some(mem)) = (td.task_cpu, td.task_memory) else {
        return Err(ctx.err(
            format!("{p}.task_definition"),
            format!(
                "task definition \"{}\" runs on Fargate, which needs task-level cpu and memory",
                td.family
            ),
        ));
    };
    fargate::check_size(cpu, mem).map_err(|e| {
        ctx.err(
            format!("{p}.task_definition"),
            format!("task definition \"{}\": {e}", td.family),
        )
    })?;
    // ContainerDefinition stopTimeout: at most 120 s on Fargate. Refused
    // rather than capped, so a plan never relies on a drain time Fargate
    // would not give (on EC2 the agent's ECS_CONTAINER_STOP_TIMEOUT rules).
    if td.stop_timeout > FARGATE_MAX_STOP_TIMEOUT {
        return Err(ctx.err(
            format!("{p}.task_definition"),
            format!(
                "task definition \"{}\" has a stop timeout of {} s; Fargate allows at most {} s (ContainerDefinition stopTimeout)",
                td.family,
                td.stop_timeout / 1000,
                FARGATE_MAX_STOP_TIMEOUT / 1000
            ),
        ));
    }
    Ok(choice)
}

/// The longest stop timeout a Fargate task may have.
pub const FARGATE_MAX_STOP_TIMEOUT: SimTime = 120_000;

fn providers(ctx: &Ctx, p: &str, list: &[ProviderSpec], asg_names: &[String]) -> R<CapacityChoice> {
    if list.is_empty() || list.len() > 6 {
        return Err(ctx.err(p, "list 1 to 6 capacity providers"));
    }
    let mut out: Vec<ProviderShare> = Vec::new();
    for (i, s) in list.iter().enumerate() {
        let ip = format!("{p}[{i}]");
        let (capacity, asg) = match s.capacity_provider.as_str() {
            "FARGATE" => (Capacity::Fargate, None),
            "FARGATE_SPOT" => (Capacity::FargateSpot, None),
            other if asg_names.iter().any(|n| n == other) => (
                Capacity::Ec2,
                asg_names.iter().position(|n| n == other).map(|i| i as u32),
            ),
            other => {
                return Err(ctx.err(
                    format!("{ip}.capacity_provider"),
                    format!(
                        "unknown capacity provider \"{other}\"; known: FARGATE, FARGATE_SPOT{}",
                        asg_names
                            .iter()
                            .map(|n| format!(", {n}"))
                            .collect::<String>()
                    ),
                ));
            }
        };
        if out.iter().any(|o| o.capacity == capacity && o.asg == asg) {
            return Err(ctx.err(format!("{ip}.capacity_provider"), "listed twice"));
        }
        let base = ctx.count(&format!("{ip}.base"), s.base.unwrap_or(0), 100_000)?;
        let weight = ctx.count(&format!("{ip}.weight"), s.weight.unwrap_or(0), 1_000)?;
        if out
            .first()
            .is_some_and(|o| o.capacity.is_fargate() != capacity.is_fargate())
        {
            return Err(ctx.err(
                format!("{ip}.capacity_provider"),
                "a strategy cannot mix Fargate and Auto Scaling group providers (ECS rejects it)",
            ));
        }
        out.push(ProviderShare {
            capacity,
            asg,
            base,
            weight,
        });
    }
    if out.iter().filter(|o| o.base > 0).count() > 1 {
        return Err(ctx.err(p, "only one capacity provider may have a base"));
    }
    if out.iter().all(|o| o.weight == 0) {
        return Err(ctx.err(p, "at least one capacity provider needs a weight above 0"));
    }
    Ok(CapacityChoice::Providers(out))
}

pub(super) fn market(ctx: &Ctx, p: &str, m: Option<&str>) -> R<bool> {
    match m {
        None | Some("on-demand") => Ok(false),
        Some("spot") => Ok(true),
        Some(o) => Err(ctx.err(p, format!("\"{o}\" is not on-demand or spot"))),
    }
}

fn fraction(ctx: &Ctx, p: &str, v: Option<f64>, default: f64) -> R<f64> {
    match v {
        None => Ok(default),
        Some(x) if x.is_finite() && (0.0..1.0).contains(&x) => Ok(x),
        Some(x) => Err(ctx.err(
            p,
            format!("must be a fraction from 0 up to (not including) 1, got {x}"),
        )),
    }
}

pub(super) fn fargate_provisioning(ctx: &Ctx, spec: Option<&FargateSpec>) -> R<Dist> {
    match spec.and_then(|f| f.provisioning.as_ref()) {
        Some(d) => ctx.dist("fargate.provisioning", d),
        None => Ok(Dist::lognormal_valid(15_000.0, 0.4)),
    }
}

pub(super) fn pricing(
    ctx: &Ctx,
    spec: Option<&PricingSpec>,
    types: &super::instance_types::DeclaredTypes,
) -> R<PricingConfig> {
    let d = PricingConfig::default();
    let Some(s) = spec else { return Ok(d) };
    let savings_plan = match &s.savings_plan {
        None => None,
        Some(sp) => {
            let c = sp.commitment_usd_per_hour;
            if !(c.is_finite() && (0.0..1e7).contains(&c)) {
                return Err(ctx.err(
                    "pricing.savings_plan.commitment_usd_per_hour",
                    format!("must be 0 or more dollars per hour, got {c}"),
                ));
            }
            Some(SavingsPlan {
                commitment: (c * 1e12).round() as i128,
                ec2_discount: fraction(
                    ctx,
                    "pricing.savings_plan.ec2_discount",
                    sp.ec2_discount,
                    DEFAULT_SP_EC2_DISCOUNT,
                )?,
                fargate_discount: fraction(
                    ctx,
                    "pricing.savings_plan.fargate_discount",
                    sp.fargate_discount,
                    DEFAULT_SP_FARGATE_DISCOUNT,
                )?,
            })
        }
    };
    Ok(PricingConfig {
        ec2_spot_discount: fraction(
            ctx,
            "pricing.ec2_spot_discount",
            s.ec2_spot_discount,
            d.ec2_spot_discount,
        )?,
        fargate_spot_discount: fraction(
            ctx,
            "pricing.fargate_spot_discount",
            s.fargate_spot_discount,
            d.fargate_spot_discount,
        )?,
        ec2_spot_series: match &s.ec2_spot_prices {
            Some(f) => {
                let (full, text) = ctx.read("pricing.ec2_spot_prices", f)?;
                spot_series_known(&full, &text, &|t| types.knows(t))?
            }
            None => BTreeMap::new(),
        },
        ebs_root_gib: ctx.count(
            "pricing.ebs_root_volume_gib",
            s.ebs_root_volume_gib.unwrap_or(0),
            16_384,
        )?,
        savings_plan,
        network: Default::default(),
    })
}

/// Spot prices per instance type: (from, picodollars per hour), by time.
pub type SpotSeries = BTreeMap<String, Vec<(SimTime, i128)>>;

/// Parses a Spot price series; `full` names the file in errors.
pub fn spot_series_text(full: &Path, text: &str) -> Result<SpotSeries, InputError> {
    spot_series_known(full, text, &|t| crate::catalog::instance_type(t).is_some())
}

/// `time,instance_type,usd_per_hour` (time as a duration "6h" or seconds),
/// for the types `known` accepts (the catalog's and the scenario's own).
fn spot_series_known(
    full: &Path,
    text: &str,
    known: &dyn Fn(&str) -> bool,
) -> Result<SpotSeries, InputError> {
    let mut out: BTreeMap<String, Vec<(SimTime, i128)>> = BTreeMap::new();
    for (k, (n, cells)) in crate::input::csv_rows(full, text)?.into_iter().enumerate() {
        if k == 0 && cells[0].starts_with("time") {
            continue;
        }
        let at = |m: String| InputError::new(full, format!("line {n}"), m);
        if cells.len() != 3 {
            return Err(at("expected time,instance_type,usd_per_hour".into()));
        }
        // Cells are not repeated in errors (see read_text).
        let t = super::ctx::file_time_cell(&cells[0]).map_err(|e| at(format!("column 1: {e}")))?;
        if !known(&cells[1]) {
            return Err(at(
                "column 2 is not an instance type ecsim knows (see `ecsim catalog`, or declare it with [[instance_types]])"
                    .into(),
            ));
        }
        let price =
            crate::pricelist::parse_pico(&cells[2]).map_err(|e| at(format!("column 3: {e}")))?;
        let series = out.entry(cells[1].clone()).or_default();
        if series.last().is_some_and(|l| l.0 >= t) {
            return Err(at(format!(
                "times of {} must increase; this row's time is not after the row before",
                cells[1]
            )));
        }
        series.push((t, price));
    }
    Ok(out)
}
