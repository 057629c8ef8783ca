//! A service's own keys in the scenario: name, task definition, count,
//! capacity, placement and deployment settings.

use super::shapes::{EcsService, StrategyItem};
use crate::scenario::spec::{
    CircuitBreakerSpec, ConstraintSpec, DeploymentConfigSpec, ProviderSpec, ServiceSpec,
    StrategySpec,
};

/// The service's own keys: name, task definition, count, capacity,
/// placement and deployment settings.
pub(super) fn service_keys(
    s: &EcsService,
    td_name: &str,
    desired: i64,
    launch_type: Option<&str>,
    strategy: &[StrategyItem],
) -> ServiceSpec {
    let daemon = s.scheduling_strategy.as_deref() == Some("DAEMON");
    let mut b = ServiceSpec {
        name: s.service_name.clone(),
        task_definition: td_name.into(),
        ..Default::default()
    };
    if daemon {
        b.scheduling_strategy = Some("DAEMON".into());
    } else {
        b.desired_count = Some(desired);
    }
    match launch_type {
        Some("FARGATE") => b.launch_type = Some("FARGATE".into()),
        Some(_) => {}
        None if !strategy.is_empty() => {
            let items = strategy.iter().map(|p| ProviderSpec {
                capacity_provider: p.capacity_provider.clone(),
                base: p.base.filter(|&b| b > 0),
                weight: Some(p.weight.unwrap_or(0)),
            });
            b.capacity_provider_strategy = Some(items.collect());
        }
        None => {}
    }
    if !s.placement_strategy.is_empty() && !daemon {
        let items = s.placement_strategy.iter().map(|p| StrategySpec {
            kind: p.kind.clone(),
            field: p.field.clone(),
        });
        b.placement_strategy = Some(items.collect());
    }
    let constraints = s.placement_constraints.iter().map(|p| ConstraintSpec {
        kind: p.kind.clone(),
        expression: p.expression.clone(),
    });
    b.placement_constraints = constraints.collect();
    if let Some(d) = &s.deployment_configuration {
        let c = DeploymentConfigSpec {
            minimum_healthy_percent: d.minimum_healthy_percent,
            maximum_percent: d.maximum_percent,
            circuit_breaker: d
                .deployment_circuit_breaker
                .as_ref()
                .map(|c| CircuitBreakerSpec {
                    enable: c.enable,
                    rollback: c.rollback,
                }),
        };
        let any = c.minimum_healthy_percent.is_some()
            || c.maximum_percent.is_some()
            || c.circuit_breaker.is_some();
        b.deployment_configuration = any.then_some(c);
    }
    b.health_check_grace_period = s
        .health_check_grace_period_seconds
        .filter(|&g| g > 0)
        .map(|g| format!("{g}s"));
    b
}
