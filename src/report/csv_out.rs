//! Streaming CSV writers: each task row is written when the task stops, so a
//! run never holds the whole task history in memory.

use super::csv_line::{CsvLines, field_text};
use crate::engine::SimTime;
use crate::model::{Capacity, Cluster, Owner, StopReason, Task, TaskState};
use crate::sim::{Recorder, Sample};
use crate::table::Place;
use crate::table::spool::{Drain, Spool};

pub const TASK_COLUMNS: &[&str] = &[
    "task_id",
    "owner",
    "task_definition",
    "launch_type",
    "instance_id",
    "availability_zone",
    "created_s",
    "started_s",
    "stopped_s",
    "stop_reason",
    "provisioning_wait_s",
    "owner_kind",
    "placed_s",
    "stop_code",
    "last_status",
    // What the task held on its instance, so a report can rebuild each
    // instance's reservation over time from this file alone.
    "cpu_reserved",
    "memory_reserved_mib",
    "gpus_reserved",
    // 1 for an awsvpc task on EC2 (it takes one of the instance's ENIs).
    "enis_reserved",
];

/// Writes `tasks.csv`, `timeseries.csv` and `scaling.csv` as the run goes.
pub struct CsvRecorder {
    /// Task rows, formatted and written on a thread of their own: they
    /// were a quarter of a run's instructions (the M/M/c model's).
    tasks: Option<Spool<TaskItem, TaskRows>>,
    /// Instances whose ids `tasks` has been given.
    instances_told: usize,
    /// Samples, formatted on a thread of their own too.
    series: Option<Spool<Sample, SeriesRows>>,
    scaling: Option<CsvLines>,
    end: SimTime,
    error: Option<csv::Error>,
}

/// `part / whole` in percent with two decimals, rounded half up. Integer
/// arithmetic, so the text never depends on float printing.
pub fn pct_wide(part: u128, whole: u128) -> String {
    let hundredths = pct_hundredths(part, whole);
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

/// `part / whole` in hundredths of a percent, rounded half up (0 when `whole` is 0).
pub fn pct_hundredths(part: u128, whole: u128) -> u128 {
    if whole == 0 {
        return 0;
    }
    (part * 10_000 + whole / 2) / whole
}

impl CsvRecorder {
    pub fn create(
        place: Place,
        cluster: &Cluster,
        end: SimTime,
        with_faults: bool,
        want: &super::Outputs,
    ) -> Result<Self, csv::Error> {
        let open = |stem: &str| place.create(stem).map(CsvLines::new);
        let mut series = if want.wants("timeseries") {
            Some(open("timeseries")?)
        } else {
            None
        };
        let mut header: Vec<String> = [
            "time_s",
            "instances",
            "cpu_reserved_pct",
            "memory_reserved_pct",
            "tasks_running",
            "tasks_pending",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for s in &cluster.services {
            for col in ["desired", "running", "pending", "waiting_to_launch"] {
                header.push(format!("{}_{col}", s.name));
            }
        }
        for j in &cluster.jobs {
            for col in ["running", "pending"] {
                header.push(format!("{}_{col}", j.name));
            }
        }
        for s in cluster.services.iter().filter(|s| s.workload.is_some()) {
            for col in [
                "demand_rps",
                "served_rps",
                "cpu_pct",
                "memory_pct",
                "latency_factor",
                "scaling_actions",
            ] {
                header.push(format!("{}_{col}", s.name));
            }
        }
        for p in &cluster.providers {
            header.push(format!("{}_instances", p.name));
            header.push(format!("{}_reservation_pct", p.name));
        }
        if with_faults {
            header.push("incidents_open".into());
        }
        if cluster.has_gpus() {
            header.push("gpus_reserved".into());
            header.push("gpus_registered".into());
        }
        if let Some(s) = &mut series {
            s.record(&header)?;
        }
        let mut scaling = if want.wants("scaling") {
            Some(open("scaling")?)
        } else {
            None
        };
        let Some(sc) = &mut scaling else {
            return Self::with(place, cluster, end, want, series, scaling);
        };
        sc.record([
            "time_s",
            "target_kind",
            "target",
            "policy",
            "from",
            "to",
            "metric",
            "value",
            "threshold",
            "reason",
        ])?;
        Self::with(place, cluster, end, want, series, scaling)
    }

    fn with(
        place: Place,
        cluster: &Cluster,
        end: SimTime,
        want: &super::Outputs,
        series: Option<CsvLines>,
        scaling: Option<CsvLines>,
    ) -> Result<Self, csv::Error> {
        let tasks = if want.wants("tasks") {
            let mut t = CsvLines::new(place.create("tasks")?);
            t.record(TASK_COLUMNS)?;
            Some(t)
        } else {
            None
        };
        let fields = |names: &mut dyn Iterator<Item = &str>| names.map(field_text).collect();
        let rows = tasks.map(|lines| TaskRows {
            lines,
            services: fields(&mut cluster.services.iter().map(|s| s.name.as_str())),
            jobs: fields(&mut cluster.jobs.iter().map(|j| j.name.as_str())),
            families: fields(&mut cluster.taskdefs.iter().map(|t| t.family.as_str())),
            sizes: cluster
                .taskdefs
                .iter()
                .map(|t| (t.cpu, t.memory, t.gpus, t.awsvpc))
                .collect(),
            zones: fields(&mut cluster.azs.iter().map(String::as_str)),
            instances: Vec::new(),
        });
        Ok(CsvRecorder {
            tasks: rows.map(|r| Spool::new(r, TASK_CHUNK)),
            instances_told: 0,
            series: series.map(|s| Spool::new(SeriesRows(s), SAMPLE_CHUNK)),
            scaling,
            end,
            error: None,
        })
    }

    /// scaling.csv is written, so decisions need their reasons in words.
    pub fn writes_scaling(&self) -> bool {
        self.scaling.is_some()
    }

    fn keep(&mut self, r: std::io::Result<()>) {
        if let Err(e) = r {
            self.error.get_or_insert(e.into());
        }
    }

    /// Flushes both files; reports the first write error of the run.
    pub fn finish(mut self) -> Result<(), csv::Error> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        if let Some(t) = &mut self.tasks {
            t.finish()?;
        }
        if let Some(s) = &mut self.series {
            s.finish()?;
        }
        if let Some(s) = &mut self.scaling {
            s.finish()?;
        }
        Ok(())
    }
}

impl Recorder for CsvRecorder {
    fn cut(&mut self, end: SimTime) {
        self.end = end;
    }
    fn scaling(&mut self, _c: &Cluster, d: &crate::scaling::Decision) {
        let Some(w) = &mut self.scaling else { return };
        w.secs(d.time);
        w.str(d.target_kind);
        w.str(&d.target);
        w.str(d.policy);
        w.uint(u64::from(d.from));
        w.uint(u64::from(d.to));
        w.str(d.metric.map(|m| m.name()).unwrap_or(""));
        w.fixed(d.value, 3);
        w.fixed(d.threshold, 3);
        w.str(&d.reason);
        let r = w.end_row();
        self.keep(r);
    }

    fn task_done(&mut self, c: &Cluster, t: &Task) {
        let Some(tasks) = &mut self.tasks else { return };
        let mut r = Ok(());
        for inst in &c.instances[self.instances_told..] {
            if r.is_ok() {
                r = tasks.push(TaskItem::Instance(field_text(&inst.id)), 1);
            }
        }
        self.keep(r);
        self.instances_told = c.instances.len();
        let row = TaskRow {
            serial: t.serial,
            owner: t.owner,
            taskdef: t.taskdef,
            capacity: t.capacity,
            instance: t.instance,
            az: c.task_az(t),
            created: t.created,
            started: t.started,
            stopped: t.stopped,
            placed: t.placed,
            wait: t.placed.unwrap_or(t.stopped.unwrap_or(self.end)) - t.created,
            stop_reason: t.stop_reason,
            state: t.state,
        };
        let r = match &mut self.tasks {
            Some(t) => t.push(TaskItem::Row(row), 1),
            None => Ok(()),
        };
        self.keep(r);
    }

    fn sample(&mut self, s: &Sample) {
        // Weighed by fields, so a chunk is a few dozen KiB of text whether
        // a row has 8 fields (the M/M/c model: a few hundred rows per
        // chunk, not a thread handover every few minutes) or 300.
        let fields =
            6 + 4 * s.services.len() + 2 * s.jobs.len() + 6 * s.loads.len() + 2 * s.providers.len();
        let Some(series) = &mut self.series else {
            return;
        };
        let r = series.push(s.clone(), fields);
        self.keep(r);
    }
}

/// Fields of per-minute samples per chunk handed to the formatting thread
/// (~40 KiB of text): the large scenario's rows (50 services) were a fifth
/// of its run.
const SAMPLE_CHUNK: usize = 2048;

/// Formats samples into `timeseries.csv`.
struct SeriesRows(CsvLines);

impl Drain<Sample> for SeriesRows {
    fn take(&mut self, items: &mut Vec<Sample>) -> std::io::Result<()> {
        for s in items.iter() {
            self.row(s)?;
        }
        Ok(())
    }

    fn finish(&mut self) -> std::io::Result<()> {
        self.0.finish()
    }
}

impl SeriesRows {
    fn row(&mut self, s: &Sample) -> std::io::Result<()> {
        let w = &mut self.0;
        w.secs(s.time);
        w.uint(u64::from(s.instances));
        w.pct(s.cpu_reserved, s.cpu_registered);
        w.pct(s.memory_reserved, s.memory_registered);
        w.uint(s.tasks_running);
        w.uint(s.tasks_pending);
        for &(d, r, p, l) in &s.services {
            w.uint(u64::from(d));
            w.uint(r);
            w.uint(u64::from(p));
            w.uint(u64::from(l));
        }
        for &(r, p) in &s.jobs {
            w.uint(r);
            w.uint(u64::from(p));
        }
        for (r, actions) in &s.loads {
            w.fixed(r.demand_rps, 3);
            w.fixed(r.served_rps, 3);
            w.fixed(r.cpu_pct, 2);
            w.fixed(r.memory_pct, 2);
            w.fixed(r.latency_factor, 3);
            w.uint(*actions);
        }
        for &(n, res) in &s.providers {
            w.uint(u64::from(n));
            w.fixed(res, 1);
        }
        if let Some(n) = s.incidents_open {
            w.uint(u64::from(n));
        }
        if let Some((used, registered)) = s.gpus {
            w.uint(used);
            w.uint(registered);
        }
        w.end_row()
    }
}

/// Task rows per chunk handed to the formatting thread (~56 KiB).
const TASK_CHUNK: usize = 512;

/// What a task's row shows, taken when the task is done.
#[derive(Clone, Copy)]
struct TaskRow {
    serial: u64,
    owner: Owner,
    taskdef: u32,
    capacity: Capacity,
    instance: Option<u32>,
    az: Option<u32>,
    created: SimTime,
    started: Option<SimTime>,
    stopped: Option<SimTime>,
    placed: Option<SimTime>,
    wait: SimTime,
    stop_reason: Option<StopReason>,
    state: TaskState,
}

/// In the order the rows need them: an instance's id arrives before any
/// row of a task placed on it.
enum TaskItem {
    Instance(String),
    Row(TaskRow),
}

/// Formats task rows into `tasks.csv`.
struct TaskRows {
    lines: CsvLines,
    /// Services', jobs', task definitions', zones' and instances' names as
    /// CSV fields, quoted once here rather than scanned in every row.
    services: Vec<String>,
    jobs: Vec<String>,
    families: Vec<String>,
    /// Each task definition's reserved CPU units, MiB and GPUs, and
    /// whether it runs in awsvpc mode.
    sizes: Vec<(u32, u32, u32, bool)>,
    zones: Vec<String>,
    instances: Vec<String>,
}

impl Drain<TaskItem> for TaskRows {
    fn take(&mut self, items: &mut Vec<TaskItem>) -> std::io::Result<()> {
        for item in items.drain(..) {
            match item {
                TaskItem::Instance(id) => self.instances.push(id),
                TaskItem::Row(t) => self.row(&t)?,
            }
        }
        Ok(())
    }

    fn finish(&mut self) -> std::io::Result<()> {
        self.lines.finish()
    }
}

impl TaskRows {
    fn row(&mut self, t: &TaskRow) -> std::io::Result<()> {
        let w = &mut self.lines;
        w.uint(t.serial);
        w.raw(match t.owner {
            Owner::Service(s) => &self.services[s as usize],
            Owner::Job(j) => &self.jobs[j as usize],
        });
        w.raw(&self.families[t.taskdef as usize]);
        w.raw(t.capacity.launch_type());
        w.raw(t.instance.map_or("", |i| &self.instances[i as usize]));
        w.raw(t.az.map_or("", |z| &self.zones[z as usize]));
        w.secs(t.created);
        w.opt_secs(t.started);
        w.opt_secs(t.stopped);
        let host = t.instance.map(|i| self.instances[i as usize].as_str());
        w.raw(&t.stop_reason.map_or("".into(), |r| r.text(host)));
        w.secs(t.wait);
        w.raw(match t.owner {
            Owner::Service(_) => "service",
            Owner::Job(_) => "job",
        });
        w.opt_secs(t.placed);
        w.raw(t.stop_reason.map_or("", |r| r.code()));
        w.raw(t.state.as_str());
        let (cpu, memory, gpus, awsvpc) = self.sizes[t.taskdef as usize];
        w.uint(u64::from(cpu));
        w.uint(u64::from(memory));
        w.uint(u64::from(gpus));
        w.uint(u64::from(awsvpc && t.capacity == Capacity::Ec2));
        w.end_row()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn percent_is_exact_text() {
        assert_eq!(super::pct_wide(1, 3), "33.33");
        assert_eq!(super::pct_wide(2, 3), "66.67");
        assert_eq!(super::pct_wide(0, 0), "0.00");
        assert_eq!(super::pct_wide(5, 5), "100.00");
    }
}
