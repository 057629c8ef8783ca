//! A service's `deploymentConfiguration.alarms` as `[services.
//! deployment_alarms]`: each named alarm (from describe-alarms) on a metric
//! ecsim simulates; the others, and alarms not in the export, are said.

use super::read::Export;
use super::shapes::EcsService;
use super::toml_out::{num, toml_str};

/// The table, or nothing when no alarm can be modelled. `has_load`: the
/// service got a demand (or a queue), which its metrics come from.
pub fn table(ex: &Export, s: &EcsService, has_load: bool, notes: &mut Vec<String>) -> String {
    let name = &s.service_name;
    let Some(a) = s
        .deployment_configuration
        .as_ref()
        .and_then(|c| c.alarms.as_ref())
        .filter(|a| a.enable && !a.alarm_names.is_empty())
    else {
        return String::new();
    };
    if !has_load {
        notes.push(format!("service {name}: deployment alarms {} read its metrics, and no demand could be inferred for it: not modelled", a.alarm_names.join(", ")));
        return String::new();
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
        let mut r = format!(
            "{{ name = {}, metric = {}, comparison = {}, threshold = {}",
            toml_str(an),
            toml_str(metric),
            toml_str(&alarm.comparison_operator),
            num(alarm.threshold)
        );
        match alarm.period {
            Some(p) if p > 60 && p % 60 == 0 && p <= 86_400 => r += &format!(", period = \"{p}s\""),
            Some(p) if p != 60 => notes.push(format!("service {name}: deployment alarm {an} has a Period of {p} s; ecsim's alarms read 1-minute datapoints: read as 60 s")),
            _ => {}
        }
        if let Some(v) = alarm.evaluation_periods {
            r += &format!(", evaluation_periods = {v}");
        }
        if let Some(v) = alarm.datapoints_to_alarm {
            r += &format!(", datapoints_to_alarm = {v}");
        }
        rules.push(r + " }");
    }
    if rules.is_empty() {
        return String::new();
    }
    format!(
        "\n[services.deployment_alarms]\n# deploymentConfiguration.alarms: a deployment fails when one goes into ALARM\nrollback = {}\nalarms = [{}]\n",
        a.rollback,
        rules.join(", ")
    )
}
