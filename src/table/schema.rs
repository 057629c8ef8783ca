//! Every table ecsim writes, described once: its columns in order, their
//! types and when an optional one is present. The writers take their
//! headers from here, the Parquet files their column types, and a test
//! holds docs/outputs.md's column lists to it.
//!
//! An empty cell is a null ("did not happen", as in the CSV).

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

/// When an optional column is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Always,
    /// Some instance group has GPUs.
    Gpus,
    /// Some task definition uses `awsvpc` (tasks take ENIs).
    Enis,
    /// The scenario has faults.
    Faults,
    /// Some instance group can launch Spot (a mixed or Spot group).
    Markets,
}

/// One column: its name, type and when it is there.
#[derive(Debug, Clone, Copy)]
pub struct Col {
    pub name: &'static str,
    pub kind: Kind,
    pub when: When,
}

const fn c(name: &'static str, kind: Kind) -> Col {
    Col {
        name,
        kind,
        when: When::Always,
    }
}

const fn opt(name: &'static str, kind: Kind, when: When) -> Col {
    Col { name, kind, when }
}

/// Which optional columns a run writes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Present {
    pub gpus: bool,
    pub enis: bool,
    pub faults: bool,
    pub markets: bool,
}

impl Present {
    fn has(self, w: When) -> bool {
        match w {
            When::Always => true,
            When::Gpus => self.gpus,
            When::Enis => self.enis,
            When::Faults => self.faults,
            When::Markets => self.markets,
        }
    }
}

/// The names of `cols` a run with `present` writes, in order.
pub fn header(cols: &[Col], present: Present) -> Vec<&'static str> {
    cols.iter()
        .filter(|c| present.has(c.when))
        .map(|c| c.name)
        .collect()
}

pub const TASKS: &[Col] = &[
    c("task_id", Int),
    c("owner", Text),
    c("task_definition", Text),
    c("launch_type", Text),
    c("instance_id", Text),
    c("availability_zone", Text),
    c("created_s", Float),
    c("started_s", Float),
    c("stopped_s", Float),
    c("stop_reason", Text),
    c("provisioning_wait_s", Float),
    c("owner_kind", Text),
    c("placed_s", Float),
    c("stop_code", Text),
    c("last_status", Text),
    // What the task held on its instance, so a report can rebuild each
    // instance's reservation over time from this file alone.
    c("cpu_reserved", Int),
    c("memory_reserved_mib", Int),
    c("gpus_reserved", Int),
    // 1 for an awsvpc task on EC2 (it takes one of the instance's ENIs).
    c("enis_reserved", Int),
];

/// timeseries' cluster-wide columns; the per-service, per-job, per-load
/// and per-provider groups come between `tasks_pending` and
/// `incidents_open`.
pub const TIMESERIES: &[Col] = &[
    c("time_s", Float),
    c("instances", Int),
    c("cpu_reserved_pct", Float),
    c("memory_reserved_pct", Float),
    c("tasks_running", Int),
    c("tasks_pending", Int),
    opt("incidents_open", Int, When::Faults),
    opt("gpus_reserved", Int, When::Gpus),
    opt("gpus_registered", Int, When::Gpus),
];

/// The columns of TIMESERIES before the per-name groups.
pub const TIMESERIES_LEAD: usize = 6;

/// timeseries' columns per service: `<service>_desired`, …
pub const PER_SERVICE: &[Col] = &[
    c("desired", Int),
    c("running", Int),
    c("pending", Int),
    c("waiting_to_launch", Int),
];
/// … per job.
pub const PER_JOB: &[Col] = &[c("running", Int), c("pending", Int)];
/// … per service with demand.
pub const PER_LOAD: &[Col] = &[
    c("demand_rps", Float),
    c("served_rps", Float),
    c("cpu_pct", Float),
    c("memory_pct", Float),
    c("latency_factor", Float),
    c("scaling_actions", Int),
];
/// … per capacity provider.
pub const PER_PROVIDER: &[Col] = &[c("instances", Int), c("reservation_pct", Float)];

/// `timeseries --timeseries long`: a row per sample and series.
pub const TIMESERIES_LONG: &[Col] = &[c("time_s", Float), c("series", Text), c("value", Float)];

pub const SCALING: &[Col] = &[
    c("time_s", Float),
    c("target_kind", Text),
    c("target", Text),
    c("policy", Text),
    c("from", Int),
    c("to", Int),
    c("metric", Text),
    c("value", Float),
    c("threshold", Float),
    c("reason", Text),
];

pub const COST: &[Col] = &[
    c("id", Text),
    c("kind", Text),
    c("market", Text),
    c("start", Float),
    c("end", Float),
    c("billed_seconds", Float),
    c("rate", Float),
    c("usd", Float),
    c("owner", Text),
    c("detail", Text),
    c("running_at_end", Bool),
];

/// What each of cost_timeseries' dollar columns adds up, in the order the
/// bill keeps them (`CostClass as usize` indexes an hour's amounts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CostClass {
    Ec2OnDemand,
    Ec2Spot,
    Fargate,
    FargateSpot,
    Ebs,
    SpFee,
    SpCovered,
    PublicIpv4,
    LoadBalancer,
    /// Only when a Managed Instances provider runs (`cost_timeseries`).
    MiFee,
}

impl CostClass {
    pub const ALL: [CostClass; 10] = [
        CostClass::Ec2OnDemand,
        CostClass::Ec2Spot,
        CostClass::Fargate,
        CostClass::FargateSpot,
        CostClass::Ebs,
        CostClass::SpFee,
        CostClass::SpCovered,
        CostClass::PublicIpv4,
        CostClass::LoadBalancer,
        CostClass::MiFee,
    ];

    pub fn column(self) -> &'static str {
        match self {
            CostClass::Ec2OnDemand => "ec2_on_demand_usd",
            CostClass::Ec2Spot => "ec2_spot_usd",
            CostClass::Fargate => "fargate_usd",
            CostClass::FargateSpot => "fargate_spot_usd",
            CostClass::Ebs => "ebs_usd",
            CostClass::SpFee => "savings_plan_fee_usd",
            CostClass::SpCovered => "savings_plan_covered_usd",
            CostClass::PublicIpv4 => "public_ipv4_usd",
            CostClass::LoadBalancer => "load_balancer_usd",
            CostClass::MiFee => "managed_instances_fee_usd",
        }
    }

    /// Whether the column comes before `total_usd, cumulative_usd` (the
    /// classes there from the start) or after (those added later).
    pub fn before_totals(self) -> bool {
        (self as usize) < CostClass::PublicIpv4 as usize
    }

    /// Whether a run writes the column: the Managed Instances fee only
    /// when there is a fee to show, so other runs' files keep their columns.
    pub fn written(self, mi_fee: bool) -> bool {
        self != CostClass::MiFee || mi_fee
    }
}

/// cost_timeseries' columns: `hour, start_s`, the classes there from the
/// start, `total_usd, cumulative_usd`, then the classes added later (the
/// Managed Instances fee's only with `mi_fee`).
pub fn cost_timeseries(mi_fee: bool) -> Vec<&'static str> {
    let classes = CostClass::ALL.iter().filter(|k| k.written(mi_fee));
    let mut h = vec!["hour", "start_s"];
    h.extend(
        classes
            .clone()
            .filter(|k| k.before_totals())
            .map(|k| k.column()),
    );
    h.extend(["total_usd", "cumulative_usd"]);
    h.extend(classes.filter(|k| !k.before_totals()).map(|k| k.column()));
    h
}

pub const INSTANCES: &[Col] = &[
    c("instance_id", Text),
    c("group", Text),
    c("instance_type", Text),
    c("availability_zone", Text),
    c("cpu_registered", Int),
    c("memory_registered_mib", Int),
    c("launched_s", Float),
    c("terminated_s", Float),
    c("tasks_placed", Int),
    c("cpu_reserved_mean_pct", Float),
    c("memory_reserved_mean_pct", Float),
    c("status", Text),
    c("running_s", Float),
    c("registered_s", Float),
    opt("gpus_registered", Int, When::Gpus),
    opt("gpus_reserved_mean_pct", Float, When::Gpus),
    // Only where some task can take an ENI, as the GPU columns.
    opt("eni_slots", Int, When::Enis),
    // Only where some group can launch Spot: else every instance is On-Demand.
    opt("market", Text, When::Markets),
];

pub const REFUSED: &[Col] = &[
    c("time_s", Float),
    c("job", Text),
    c("task_definition", Text),
    c("capacity_provider", Text),
    c("reason", Text),
];

pub const INCIDENTS: &[Col] = &[
    c("id", Int),
    c("kind", Text),
    c("target", Text),
    c("start_s", Float),
    c("end_s", Float),
    c("tasks_lost", Int),
    c("recovered_s", Float),
    c("time_to_recover_s", Float),
    c("unserved_requests", Float),
    c("balanced_s", Float),
];

pub const DEPLOYMENTS: &[Col] = &[
    c("id", Int),
    c("service", Text),
    c("from", Text),
    c("to", Text),
    c("strategy", Text),
    c("started_s", Float),
    c("ended_s", Float),
    c("status", Text),
    c("failed_tasks", Int),
    c("rollback_of", Int),
];

/// Every table with a fixed column list, by stem.
pub const TABLES: &[(&str, &[Col])] = &[
    ("tasks", TASKS),
    ("timeseries", TIMESERIES),
    ("scaling", SCALING),
    ("cost", COST),
    ("instances", INSTANCES),
    ("refused", REFUSED),
    ("incidents", INCIDENTS),
    ("deployments", DEPLOYMENTS),
];

/// The type of column `column` of table `stem` (`tasks`, `cost`, …);
/// `None` for a column this list does not know (written as text; a test
/// keeps every shipped scenario's columns known).
pub fn kind(stem: &str, column: &str) -> Option<Kind> {
    if stem == "cost_timeseries" {
        return match column {
            "hour" => Some(Int),
            "start_s" => Some(Float),
            c if c.ends_with("_usd") => Some(Float),
            _ => None,
        };
    }
    if stem == "timeseries" && column == "value" {
        // The long form's value column (its time_s is the wide one's).
        return Some(Float);
    }
    let cols = TABLES.iter().find(|(s, _)| *s == stem)?.1;
    if let Some(col) = cols.iter().find(|c| c.name == column) {
        return Some(col.kind);
    }
    if stem == "timeseries" {
        if column == "series" {
            return Some(Text);
        }
        // `<name>_<suffix>`: the longest suffix that fits wins, so
        // `web_waiting_to_launch` is not read as `…_launch`.
        return [PER_SERVICE, PER_JOB, PER_LOAD, PER_PROVIDER]
            .iter()
            .flat_map(|g| g.iter())
            .filter(|c| column.len() > c.name.len() + 1 && column.ends_with(c.name))
            .filter(|c| column.as_bytes()[column.len() - c.name.len() - 1] == b'_')
            .max_by_key(|c| c.name.len())
            .map(|c| c.kind);
    }
    None
}
