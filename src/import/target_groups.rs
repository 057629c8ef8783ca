//! A service's target group (describe-target-groups, and its attributes)
//! as the scenario's `load_balancer` table: the health check a new task
//! must pass before it counts, and the deregistration delay a stopping
//! task drains for.

use super::read::Export;
use super::shapes::{EcsService, TargetGroup};
use crate::error::InputError;
use crate::scenario::load_balancer::LoadBalancerSpec;
use std::collections::BTreeMap;

/// The `load_balancer` of a service with a target group, and the load
/// balancer it sits behind.
pub struct Mapped {
    pub spec: LoadBalancerSpec,
    pub load_balancer: Option<String>,
}

/// Elastic Load Balancing's limits ("Health checks for Application Load
/// Balancer target groups", "Target group attributes"): a value outside
/// them was not printed by AWS.
fn check(
    tg: &TargetGroup,
    field: &str,
    v: i64,
    range: std::ops::RangeInclusive<i64>,
) -> Result<i64, InputError> {
    if range.contains(&v) {
        return Ok(v);
    }
    Err(InputError::new(
        &tg.origin.0,
        format!("{}.{field}", tg.origin.1),
        format!(
            "must be {} to {} (Elastic Load Balancing allows no other); AWS never prints that — was the file edited?",
            range.start(),
            range.end()
        ),
    ))
}

pub fn for_service(
    ex: &Export,
    s: &EcsService,
    notes: &mut Vec<String>,
) -> Result<Option<Mapped>, InputError> {
    let name = &s.service_name;
    let arns: Vec<&str> = s
        .load_balancers
        .iter()
        .filter_map(|l| l.target_group_arn.as_deref())
        .collect();
    let Some(&arn) = arns.first() else {
        if !s.load_balancers.is_empty() {
            notes.push(format!("service {name}: a Classic Load Balancer (no target group) is not modelled; no health check wait, no load balancer on the bill"));
        }
        return Ok(None);
    };
    if arns.len() > 1 {
        notes.push(format!("service {name}: registers with {} target groups; ecsim gives a service one load balancer, the first's ({arn})", arns.len()));
    }
    let Some(tg) = ex.target_groups.iter().find(|t| t.target_group_arn == arn) else {
        notes.push(format!("service {name}: its target group {arn} is in no describe-target-groups output of the folder: no load balancer modelled (no health check wait, no ALB on the bill); add `aws elbv2 describe-target-groups --target-group-arns {arn}`"));
        return Ok(None);
    };
    let mut spec = LoadBalancerSpec::default();
    if let Some(v) = tg.healthy_threshold_count {
        spec.healthy_threshold = Some(check(tg, "HealthyThresholdCount", v, 2..=10)?);
    }
    if let Some(v) = tg.health_check_interval_seconds {
        let secs = check(tg, "HealthCheckIntervalSeconds", v, 5..=300)?;
        spec.health_check_interval = Some(format!("{secs}s"));
    }
    let short = arn.rsplit_once(':').map_or(arn, |x| x.1);
    match ex
        .target_group_attributes
        .iter()
        .find(|a| a.target_group_arn == arn)
        .and_then(|a| {
            a.attributes
                .iter()
                .position(|kv| kv.key == "deregistration_delay.timeout_seconds")
                .map(|i| (a, i))
        }) {
        Some((a, i)) => {
            let raw = a.attributes[i].value.as_deref().unwrap_or("");
            let secs = raw.parse::<i64>().ok().filter(|v| (0..=3600).contains(v));
            let Some(secs) = secs else {
                return Err(InputError::new(
                    &a.origin.0,
                    format!("{}Attributes[{i}].Value", a.origin.1),
                    "deregistration_delay.timeout_seconds must be whole seconds from 0 to 3600 (Elastic Load Balancing allows no other)",
                ));
            };
            spec.deregistration_delay = Some(format!("{secs}s"));
        }
        None => notes.push(format!("service {name}: {short}: no deregistration_delay.timeout_seconds in the export (describe-target-group-attributes); ecsim's default, Elastic Load Balancing's 300 s, is used")),
    }
    let unmodelled: Vec<String> = [
        ("UnhealthyThresholdCount", tg.unhealthy_threshold_count),
        ("HealthCheckTimeoutSeconds", tg.health_check_timeout_seconds),
    ]
    .iter()
    .filter_map(|(k, v)| v.map(|v| format!("{k} {v}")))
    .collect();
    if !unmodelled.is_empty() {
        notes.push(format!(
            "service {name}: {short}: {} not modelled (a task's checks pass once it has started)",
            unmodelled.join(" and ")
        ));
    }
    let lb = tg.load_balancer_arns.first().cloned();
    if let Some(l) = lb.as_deref().filter(|l| !l.contains(":loadbalancer/app/")) {
        notes.push(format!("service {name}: its load balancer {} is not an Application Load Balancer; its health timing is mapped, and the bill prices it as one", l.rsplit_once(":loadbalancer/").map_or(l, |x| x.1)));
    }
    Ok(Some(Mapped {
        spec,
        load_balancer: lb,
    }))
}

/// ecsim bills an Application Load Balancer per service that has one:
/// services behind one shared load balancer are said, as its hours are
/// counted once per service.
pub fn shared(by_lb: &BTreeMap<String, Vec<String>>, notes: &mut Vec<String>) {
    for (lb, svcs) in by_lb.iter().filter(|(_, v)| v.len() > 1) {
        notes.push(format!(
            "services {} share load balancer {}: ecsim bills one Application Load Balancer per service, so its hours are counted {} times and its LCUs per service",
            svcs.join(", "),
            lb.rsplit_once(":loadbalancer/").map_or(lb.as_str(), |x| x.1),
            svcs.len()
        ));
    }
}
