//! The type of every column ecsim writes, for the Parquet files: what a
//! CSV reader would have to guess is stated here once. Cells are the CSV
//! text; an empty cell is a null ("did not happen", as in the CSV).

/// A column's type in Parquet (all columns are nullable).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// INT64.
    Int,
    /// DOUBLE: seconds, percentages, dollars, rates.
    Float,
    /// UTF-8 string.
    Text,
    /// BOOLEAN, written `true` / `false`.
    Bool,
}

use Kind::{Bool, Float, Int, Text};

const TASKS: &[(&str, Kind)] = &[
    ("task_id", Int),
    ("owner", Text),
    ("task_definition", Text),
    ("launch_type", Text),
    ("instance_id", Text),
    ("availability_zone", Text),
    ("created_s", Float),
    ("started_s", Float),
    ("stopped_s", Float),
    ("stop_reason", Text),
    ("provisioning_wait_s", Float),
    ("owner_kind", Text),
    ("placed_s", Float),
    ("stop_code", Text),
    ("last_status", Text),
    ("cpu_reserved", Int),
    ("memory_reserved_mib", Int),
    ("gpus_reserved", Int),
    ("enis_reserved", Int),
];

const TIMESERIES: &[(&str, Kind)] = &[
    ("time_s", Float),
    ("instances", Int),
    ("cpu_reserved_pct", Float),
    ("memory_reserved_pct", Float),
    ("tasks_running", Int),
    ("tasks_pending", Int),
    ("incidents_open", Int),
    ("gpus_reserved", Int),
    ("gpus_registered", Int),
];

/// timeseries' per-service, per-job and per-provider columns, by suffix.
const TIMESERIES_SUFFIXES: &[(&str, Kind)] = &[
    ("_desired", Int),
    ("_running", Int),
    ("_pending", Int),
    ("_waiting_to_launch", Int),
    ("_instances", Int),
    ("_scaling_actions", Int),
    ("_demand_rps", Float),
    ("_served_rps", Float),
    ("_cpu_pct", Float),
    ("_memory_pct", Float),
    ("_latency_factor", Float),
    ("_reservation_pct", Float),
];

const SCALING: &[(&str, Kind)] = &[
    ("time_s", Float),
    ("target_kind", Text),
    ("target", Text),
    ("policy", Text),
    ("from", Int),
    ("to", Int),
    ("metric", Text),
    ("value", Float),
    ("threshold", Float),
    ("reason", Text),
];

const COST: &[(&str, Kind)] = &[
    ("id", Text),
    ("kind", Text),
    ("market", Text),
    ("start", Float),
    ("end", Float),
    ("billed_seconds", Float),
    ("rate", Float),
    ("usd", Float),
    ("owner", Text),
    ("detail", Text),
    ("running_at_end", Bool),
];

const INSTANCES: &[(&str, Kind)] = &[
    ("instance_id", Text),
    ("group", Text),
    ("instance_type", Text),
    ("availability_zone", Text),
    ("cpu_registered", Int),
    ("memory_registered_mib", Int),
    ("launched_s", Float),
    ("terminated_s", Float),
    ("tasks_placed", Int),
    ("cpu_reserved_mean_pct", Float),
    ("memory_reserved_mean_pct", Float),
    ("status", Text),
    ("running_s", Float),
    ("registered_s", Float),
    ("gpus_registered", Int),
    ("gpus_reserved_mean_pct", Float),
    ("eni_slots", Int),
    ("market", Text),
];

const REFUSED: &[(&str, Kind)] = &[
    ("time_s", Float),
    ("job", Text),
    ("task_definition", Text),
    ("capacity_provider", Text),
    ("reason", Text),
];

const INCIDENTS: &[(&str, Kind)] = &[
    ("id", Int),
    ("kind", Text),
    ("target", Text),
    ("start_s", Float),
    ("end_s", Float),
    ("tasks_lost", Int),
    ("recovered_s", Float),
    ("time_to_recover_s", Float),
    ("unserved_requests", Float),
    ("balanced_s", Float),
];

const DEPLOYMENTS: &[(&str, Kind)] = &[
    ("id", Int),
    ("service", Text),
    ("from", Text),
    ("to", Text),
    ("strategy", Text),
    ("started_s", Float),
    ("ended_s", Float),
    ("status", Text),
    ("failed_tasks", Int),
    ("rollback_of", Int),
];

/// The type of column `column` of table `stem` (`tasks`, `cost`, …);
/// `None` for a column this list does not know (written as text; a test
/// keeps every shipped scenario's columns known).
pub fn kind(stem: &str, column: &str) -> Option<Kind> {
    let fixed = match stem {
        "tasks" => TASKS,
        "timeseries" => TIMESERIES,
        "scaling" => SCALING,
        "cost" => COST,
        "cost_timeseries" => return cost_timeseries(column),
        "instances" => INSTANCES,
        "refused" => REFUSED,
        "incidents" => INCIDENTS,
        "deployments" => DEPLOYMENTS,
        _ => return None,
    };
    if let Some(&(_, k)) = fixed.iter().find(|(c, _)| *c == column) {
        return Some(k);
    }
    if stem == "timeseries" {
        return TIMESERIES_SUFFIXES
            .iter()
            .find(|(s, _)| column.len() > s.len() && column.ends_with(s))
            .map(|&(_, k)| k);
    }
    None
}

/// `hour`, `start_s`, then dollars.
fn cost_timeseries(column: &str) -> Option<Kind> {
    match column {
        "hour" => Some(Int),
        "start_s" => Some(Float),
        c if c.ends_with("_usd") => Some(Float),
        _ => None,
    }
}
