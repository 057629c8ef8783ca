//! A service's own keys in the scenario: name, task definition, count,
//! capacity, placement and deployment settings, as TOML.

use super::shapes::{EcsService, StrategyItem};
use super::toml_out::toml_str;

/// The service's own keys: name, task definition, count, capacity,
/// placement and deployment settings.
pub(super) fn service_keys(
    s: &EcsService,
    td_name: &str,
    desired: i64,
    launch_type: Option<&str>,
    strategy: &[StrategyItem],
) -> String {
    let (name, daemon) = (
        &s.service_name,
        s.scheduling_strategy.as_deref() == Some("DAEMON"),
    );
    let mut b = String::new();
    b += &format!(
        "[[services]]\nname = {}\ntask_definition = {}\n",
        toml_str(name),
        toml_str(td_name)
    );
    if daemon {
        b += "scheduling_strategy = \"DAEMON\"\n";
    } else {
        b += &format!("desired_count = {desired}\n");
    }
    match launch_type {
        Some("FARGATE") => b += "launch_type = \"FARGATE\"\n",
        Some(_) => {}
        None if !strategy.is_empty() => {
            let items: Vec<String> = strategy
                .iter()
                .map(|p| {
                    let mut it = format!("capacity_provider = {}", toml_str(&p.capacity_provider));
                    if let Some(base) = p.base.filter(|&b| b > 0) {
                        it += &format!(", base = {base}");
                    }
                    it + &format!(", weight = {}", p.weight.unwrap_or(0))
                })
                .map(|i| format!("{{ {i} }}"))
                .collect();
            b += &format!("capacity_provider_strategy = [{}]\n", items.join(", "));
        }
        None => {}
    }
    if !s.placement_strategy.is_empty() && !daemon {
        let items: Vec<String> = s
            .placement_strategy
            .iter()
            .map(|p| match &p.field {
                Some(f) => format!(
                    "{{ type = {}, field = {} }}",
                    toml_str(&p.kind),
                    toml_str(f)
                ),
                None => format!("{{ type = {} }}", toml_str(&p.kind)),
            })
            .collect();
        b += &format!("placement_strategy = [{}]\n", items.join(", "));
    }
    if !s.placement_constraints.is_empty() {
        let items: Vec<String> = s
            .placement_constraints
            .iter()
            .map(|p| match &p.expression {
                Some(e) => format!(
                    "{{ type = {}, expression = {} }}",
                    toml_str(&p.kind),
                    toml_str(e)
                ),
                None => format!("{{ type = {} }}", toml_str(&p.kind)),
            })
            .collect();
        b += &format!("placement_constraints = [{}]\n", items.join(", "));
    }
    if let Some(d) = &s.deployment_configuration {
        let mut parts = Vec::new();
        if let Some(v) = d.minimum_healthy_percent {
            parts.push(format!("minimum_healthy_percent = {v}"));
        }
        if let Some(v) = d.maximum_percent {
            parts.push(format!("maximum_percent = {v}"));
        }
        if let Some(c) = &d.deployment_circuit_breaker {
            parts.push(format!(
                "circuit_breaker = {{ enable = {}, rollback = {} }}",
                c.enable, c.rollback
            ));
        }
        if !parts.is_empty() {
            b += &format!("deployment_configuration = {{ {} }}\n", parts.join(", "));
        }
    }
    if let Some(g) = s.health_check_grace_period_seconds.filter(|&g| g > 0) {
        b += &format!("health_check_grace_period = \"{g}s\"\n");
    }
    b
}
