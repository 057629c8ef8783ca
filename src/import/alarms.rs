//! CloudWatch alarms as ecsim reads them: a step policy's alarm Period and
//! Statistic.

use super::shapes::MetricAlarm;

/// The `period` of a step policy from its alarm's Period (none for 60 s,
/// the scenario's default): an alarm of 3 periods of 300 s waits 15
/// minutes, not 3. A period under a minute (a high-resolution alarm) reads
/// ecsim's 1-minute datapoints: said in a note. A Statistic other than
/// Average is said too: a step alarm reads the period's Average.
pub fn period(
    service: &str,
    policy: &str,
    alarm: &MetricAlarm,
    notes: &mut Vec<String>,
) -> Option<String> {
    if let Some(st) = alarm.statistic.as_deref().filter(|s| *s != "Average") {
        notes.push(format!("service {service}: step scaling policy {policy}: alarm {} uses the {st} statistic; ecsim's step alarm reads the Average of each period", alarm.alarm_name));
    }
    match alarm.period {
        Some(p) if p > 60 && p % 60 == 0 && p <= 86_400 => Some(format!("{p}s")),
        Some(p) if p != 60 => {
            notes.push(format!("service {service}: step scaling policy {policy}: alarm {} has a Period of {p} s; ecsim's alarms read 1-minute datapoints: read as 60 s", alarm.alarm_name));
            None
        }
        _ => None,
    }
}
