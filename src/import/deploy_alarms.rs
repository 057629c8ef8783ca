//! A service's `deploymentConfiguration.alarms` as `[services.
//! deployment_alarms]`: each named alarm (from describe-alarms) on a metric
//! ecsim simulates; the others, and alarms not in the export, are said.

use super::doc::round6;
use super::read::Export;
use super::shapes::EcsService;
use crate::scenario::deploy_alarms::{AlarmSpec, DeploymentAlarmsSpec};

/// What a service's `deployment_alarms` are: said above the table.
pub const HOW: &str = "deploymentConfiguration.alarms: a deployment fails when one goes into ALARM";

/// The table, or nothing when no alarm can be modelled. `has_load`: the
/// service got a demand (or a queue), which its metrics come from.
pub fn table(
    ex: &Export,
    s: &EcsService,
    has_load: bool,
    notes: &mut Vec<String>,
) -> Option<DeploymentAlarmsSpec> {
    let name = &s.service_name;
    let a = s
        .deployment_configuration
        .as_ref()
        .and_then(|c| c.alarms.as_ref())
        .filter(|a| a.enable && !a.alarm_names.is_empty())?;
    if !has_load {
        notes.push(format!("service {name}: deployment alarms {} read its metrics, and no demand could be inferred for it: not modelled", a.alarm_names.join(", ")));
        return None;
    }
    let mut rules = Vec::new();
    for an in &a.alarm_names {
        let Some(alarm) = ex.alarms.iter().find(|x| &x.alarm_name == an) else {
            notes.push(format!("service {name}: deployment alarm {an} is in no describe-alarms output of the folder (add `aws cloudwatch describe-alarms --alarm-names {an}`): not modelled"));
            continue;
        };
        let dims: Vec<(&str, &str)> = alarm
            .dimensions
            .as_array()
            .map(|v| {
                v.iter()
                    .filter_map(|d| Some((d.get("Name")?.as_str()?, d.get("Value")?.as_str()?)))
                    .collect()
            })
            .unwrap_or_default();
        let mapped = super::custom_metric::simulated(
            alarm.namespace.as_deref().unwrap_or(""),
            alarm.metric_name.as_deref().unwrap_or(""),
            alarm.statistic.as_deref().unwrap_or("Average"),
            &dims,
            name,
        );
        let metric = match mapped {
            Ok((m, note)) => {
                if let Some(n) = note {
                    notes.push(format!("service {name}: deployment alarm {an}: {n}"));
                }
                m
            }
            Err(why) => {
                notes.push(format!("service {name}: deployment alarm {an} watches {why}: not modelled, so a deployment it would fail completes"));
                continue;
            }
        };
        let mut r = AlarmSpec {
            name: an.clone(),
            metric: Some(metric.into()),
            comparison: alarm.comparison_operator.clone(),
            threshold: round6(alarm.threshold),
            period: None,
            evaluation_periods: alarm.evaluation_periods,
            datapoints_to_alarm: alarm.datapoints_to_alarm,
        };
        match alarm.period {
            Some(p) if p > 60 && p % 60 == 0 && p <= 86_400 => r.period = Some(format!("{p}s")),
            Some(p) if p != 60 => notes.push(format!("service {name}: deployment alarm {an} has a Period of {p} s; ecsim's alarms read 1-minute datapoints: read as 60 s")),
            _ => {}
        }
        rules.push(r);
    }
    (!rules.is_empty()).then_some(DeploymentAlarmsSpec {
        rollback: Some(a.rollback),
        alarms: rules,
    })
}
