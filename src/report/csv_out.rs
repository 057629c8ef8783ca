//! Streaming table writers (CSV or Parquet, `table::Rows`): each task row
//! is written when the task stops, so a run never holds the whole task
//! history in memory. Column lists are `table::schema`'s.

use crate::engine::SimTime;
use crate::model::{Capacity, Cluster, Owner, StopReason, Task, TaskState};
use crate::sim::{Recorder, Sample};
use crate::table::csv_line::field_text;
use crate::table::rows::Cells;
use crate::table::schema::{self, Present};
use crate::table::spool::{Drain, Spool};
use crate::table::{Place, Rows, Shape};

/// Writes `tasks`, `timeseries` and `scaling` as the run goes.
pub struct CsvRecorder {
    /// Task rows, formatted and written on a thread of their own: they
    /// were a quarter of a run's instructions (the M/M/c model's).
    tasks: Option<Spool<TaskItem, TaskRows>>,
    /// Instances whose ids `tasks` has been given.
    instances_told: usize,
    /// Samples, formatted on a thread of their own too.
    series: Option<Spool<Sample, SeriesRows>>,
    /// Samples the formatting thread is done with, swapped for the
    /// simulation's each minute (`take_sample`).
    spares: Vec<Sample>,
    /// Where that thread leaves them.
    returned: SamplePool,
    scaling: Option<Rows>,
    end: SimTime,
    error: Option<std::io::Error>,
}

/// timeseries' columns for this cluster: the schema's cluster-wide ones
/// with the per-service, per-job, per-load and per-provider groups
/// between (`<name>_<column>`).
pub fn timeseries_header(cluster: &Cluster, with_faults: bool) -> Vec<String> {
    let present = Present {
        gpus: cluster.has_gpus(),
        enis: false,
        faults: with_faults,
        markets: false,
    };
    let all = schema::header(schema::TIMESERIES, present);
    let (lead, tail) = all.split_at(schema::TIMESERIES_LEAD);
    let mut header: Vec<String> = lead.iter().map(|s| s.to_string()).collect();
    let mut group = |names: &mut dyn Iterator<Item = &str>, cols: &[schema::Col]| {
        for n in names {
            header.extend(cols.iter().map(|c| format!("{n}_{}", c.name)));
        }
    };
    group(
        &mut cluster.services.iter().map(|s| s.name.as_str()),
        schema::PER_SERVICE,
    );
    group(
        &mut cluster.jobs.iter().map(|j| j.name.as_str()),
        schema::PER_JOB,
    );
    group(
        &mut cluster
            .services
            .iter()
            .filter(|s| s.workload.is_some())
            .map(|s| s.name.as_str()),
        schema::PER_LOAD,
    );
    group(
        &mut cluster.providers.iter().map(|p| p.name.as_str()),
        schema::PER_PROVIDER,
    );
    header.extend(tail.iter().map(|s| s.to_string()));
    header
}

impl CsvRecorder {
    pub fn create(
        place: Place,
        cluster: &Cluster,
        end: SimTime,
        with_faults: bool,
        want: &super::Outputs,
    ) -> std::io::Result<Self> {
        let returned = SamplePool::default();
        let series = match want.wants("timeseries") {
            true => Some(SeriesRows::create(
                place,
                cluster,
                with_faults,
                returned.clone(),
            )?),
            false => None,
        };
        let scaling = match want.wants("scaling") {
            true => Some(place.rows(
                "scaling",
                &schema::header(schema::SCALING, Present::default()),
            )?),
            false => None,
        };
        let tasks = match want.wants("tasks") {
            true => Some(place.rows("tasks", &schema::header(schema::TASKS, Present::default()))?),
            false => None,
        };
        let fields = |names: &mut dyn Iterator<Item = &str>| names.map(field_text).collect();
        let rows = tasks.map(|mut lines| {
            // Formatted on the spool's thread, and written from there.
            lines.write_here();
            TaskRows {
                lines,
                text: TaskText {
                    services: fields(&mut cluster.services.iter().map(|s| s.name.as_str())),
                    jobs: fields(&mut cluster.jobs.iter().map(|j| j.name.as_str())),
                    families: fields(&mut cluster.taskdefs.iter().map(|t| t.family.as_str())),
                    sizes: cluster
                        .taskdefs
                        .iter()
                        .map(|t| Reserved {
                            cpu: t.cpu,
                            memory: t.memory,
                            gpus: t.gpus,
                            awsvpc: t.awsvpc,
                        })
                        .collect(),
                    zones: fields(&mut cluster.azs.iter().map(String::as_str)),
                    instances: Vec::new(),
                },
            }
        });
        Ok(CsvRecorder {
            tasks: rows.map(|r| Spool::new(r, TASK_CHUNK)),
            instances_told: 0,
            series: series.map(|s| Spool::new(s, SAMPLE_CHUNK)),
            spares: Vec::new(),
            returned,
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
            self.error.get_or_insert(e);
        }
    }

    /// Flushes every file; reports the first write error of the run.
    pub fn finish(mut self) -> std::io::Result<()> {
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
        self.take_sample(&mut s.clone());
    }

    /// The sample itself is handed over, a spare left in its place: a
    /// copy of region-scale's (500 services) was 31 k instructions and
    /// four allocations a minute on the simulation's thread, freed on the
    /// formatting one.
    fn take_sample(&mut self, s: &mut Sample) {
        // Weighed by fields, so a chunk is a few dozen KiB of text whether
        // a row has 8 fields (the M/M/c model: a few hundred rows per
        // chunk, not a thread handover every few minutes) or 300.
        let fields = schema::TIMESERIES_LEAD
            + schema::PER_SERVICE.len() * s.services.len()
            + schema::PER_JOB.len() * s.jobs.len()
            + schema::PER_LOAD.len() * s.loads.len()
            + schema::PER_PROVIDER.len() * s.providers.len();
        let Some(series) = &mut self.series else {
            return;
        };
        if self.spares.is_empty() {
            // One lock a chunk: the thread returns a chunk's samples at once.
            let mut back = self.returned.lock().unwrap_or_else(|e| e.into_inner());
            std::mem::swap(&mut self.spares, &mut *back);
        }
        let spare = self.spares.pop().unwrap_or_default();
        let r = series.push(std::mem::replace(s, spare), fields);
        self.keep(r);
    }
}

/// Fields of per-minute samples per chunk handed to the formatting thread
/// (~1 MiB of text; the large scenario's rows, 50 services, were a fifth
/// of its run). Each handover wakes that thread, a futex call on both
/// sides: at 2,048 fields (3 samples of large.toml) a year's 175 k
/// handovers were 3% of the run's CPU, on the simulation's thread.
const SAMPLE_CHUNK: usize = 64 << 10;

/// Samples written out, for the simulation to fill again. A sample is
/// made only when none is spare, that is when all are in the spool's
/// chunks (at most three): their number stays bounded.
type SamplePool = std::sync::Arc<std::sync::Mutex<Vec<Sample>>>;

/// Writes samples into `timeseries`: a row each (wide), or a row per
/// sample and column (long: `time_s, series, value`).
struct SeriesRows {
    rows: Rows,
    /// The long form's block of samples; `None` when wide.
    long: Option<Long>,
    /// Where written samples go back to the simulation's thread.
    done: SamplePool,
}

/// The long form's rows come a block of minutes at a time, series by
/// series within it (each series' minutes in order): a column store then
/// sees each series' values in runs, as the wide form's columns do, and a
/// long file is smaller than a wide one instead of a third larger.
struct Long {
    /// Series names as CSV fields, in the wide header's order.
    names: Vec<String>,
    times: Vec<SimTime>,
    /// The block's cells, sample by sample.
    cells: Vec<Cell>,
}

/// Rows per block of the long form: 1 Mi cells, what a Parquet row group
/// held when the form was made. The block fixes the long form's row order
/// (series by series within a block), so it stays put when row groups grow.
const LONG_BLOCK_ROWS: usize = (1 << 20) / schema::TIMESERIES_LONG.len();

/// One value of a sample, as it is written.
#[derive(Clone, Copy)]
enum Cell {
    Uint(u64),
    Pct(u64, u64),
    Fixed(f64, usize),
}

impl SeriesRows {
    fn create(
        place: Place,
        cluster: &Cluster,
        with_faults: bool,
        done: SamplePool,
    ) -> std::io::Result<SeriesRows> {
        let header = timeseries_header(cluster, with_faults);
        let (rows, long) = match place.series {
            Shape::Wide => (place.rows("timeseries", &header)?, None),
            Shape::Long => (
                place.rows(
                    "timeseries",
                    &schema::header(schema::TIMESERIES_LONG, Present::default()),
                )?,
                Some(Long {
                    names: header[1..].iter().map(|n| field_text(n)).collect(),
                    times: Vec::new(),
                    cells: Vec::new(),
                }),
            ),
        };
        let mut rows = rows;
        // Formatted on the spool's thread, and written from there.
        rows.write_here();
        Ok(SeriesRows { rows, long, done })
    }
}

impl Drain<Sample> for SeriesRows {
    fn take(&mut self, items: &mut Vec<Sample>) -> std::io::Result<()> {
        for s in items.iter() {
            self.row(s)?;
        }
        let mut done = self.done.lock().unwrap_or_else(|e| e.into_inner());
        done.append(items);
        Ok(())
    }

    fn finish(&mut self) -> std::io::Result<()> {
        self.write_block()?;
        self.rows.finish()
    }
}

impl SeriesRows {
    /// The long form's block so far: each series' minutes, series by series.
    fn write_block(&mut self) -> std::io::Result<()> {
        let Some(l) = &mut self.long else {
            return Ok(());
        };
        let w = &mut self.rows;
        let width = l.names.len();
        for (j, name) in l.names.iter().enumerate() {
            for (k, &t) in l.times.iter().enumerate() {
                w.secs(t);
                w.raw(name);
                put(w, l.cells[k * width + j]);
                w.end_row()?;
            }
        }
        l.times.clear();
        l.cells.clear();
        Ok(())
    }

    fn row(&mut self, s: &Sample) -> std::io::Result<()> {
        let w = &mut self.rows;
        match &mut self.long {
            // Straight into the row: no list of cells in between, and
            // CSV text with no choice of format per cell (`Cells`).
            None => match w.csv_lines() {
                Some(w) => wide_row(w, s),
                None => wide_row(w, s),
            },
            Some(l) => {
                let before = l.cells.len();
                l.times.push(s.time);
                cells(s, |cell| l.cells.push(cell));
                let width = l.cells.len() - before;
                debug_assert_eq!(width, l.names.len(), "a sample's width");
                if l.cells.len() + width > LONG_BLOCK_ROWS {
                    self.write_block()?;
                }
                Ok(())
            }
        }
    }
}

/// A sample's values in the wide header's order (after `time_s`).
fn cells(s: &Sample, mut c: impl FnMut(Cell)) {
    c(Cell::Uint(u64::from(s.instances)));
    c(Cell::Pct(s.cpu_reserved, s.cpu_registered));
    c(Cell::Pct(s.memory_reserved, s.memory_registered));
    c(Cell::Uint(s.tasks_running));
    c(Cell::Uint(s.tasks_pending));
    for x in &s.services {
        c(Cell::Uint(u64::from(x.desired)));
        c(Cell::Uint(x.running));
        c(Cell::Uint(u64::from(x.pending)));
        c(Cell::Uint(u64::from(x.waiting_to_launch)));
    }
    for x in &s.jobs {
        c(Cell::Uint(x.running));
        c(Cell::Uint(u64::from(x.pending)));
    }
    for x in &s.loads {
        let r = &x.reading;
        c(Cell::Fixed(r.demand_rps, 3));
        c(Cell::Fixed(r.served_rps, 3));
        c(Cell::Fixed(r.cpu_pct, 2));
        c(Cell::Fixed(r.memory_pct, 2));
        c(Cell::Fixed(r.latency_factor, 3));
        c(Cell::Uint(x.scaling_actions));
    }
    for x in &s.providers {
        c(Cell::Uint(u64::from(x.instances)));
        c(Cell::Fixed(x.reservation_pct, 1));
    }
    if let Some(n) = s.incidents_open {
        c(Cell::Uint(u64::from(n)));
    }
    if let Some((used, registered)) = s.gpus {
        c(Cell::Uint(used));
        c(Cell::Uint(registered));
    }
}

fn wide_row<W: Cells>(w: &mut W, s: &Sample) -> std::io::Result<()> {
    w.secs(s.time);
    cells(s, |cell| put(w, cell));
    w.end_row()
}

fn put<W: Cells>(w: &mut W, cell: Cell) {
    match cell {
        Cell::Uint(v) => w.uint(v),
        Cell::Pct(part, whole) => w.pct(part.into(), whole.into()),
        Cell::Fixed(v, d) => w.fixed(v, d),
    }
}

/// Task rows per chunk handed to the formatting thread (~450 KiB). Each
/// handover is a futex wake on the simulation's thread, and a wait when
/// the formatter is two chunks behind: at 512 rows the M/M/c model's 2 M
/// tasks made 4,552 futex calls, at 4,096 534, and its `run` went 0.62 →
/// 0.56 s (best wall of 5, the same minutes).
const TASK_CHUNK: usize = 4096;

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

/// A task definition's reserved CPU units, MiB and GPUs, and whether it
/// runs in awsvpc mode (an ENI each on EC2).
#[derive(Clone, Copy)]
struct Reserved {
    cpu: u32,
    memory: u32,
    gpus: u32,
    awsvpc: bool,
}

/// Writes task rows into `tasks`.
struct TaskRows {
    lines: Rows,
    text: TaskText,
}

/// What a task's row is written with besides the task.
struct TaskText {
    /// Services', jobs', task definitions', zones' and instances' names as
    /// CSV fields, quoted once here rather than scanned in every row.
    services: Vec<String>,
    jobs: Vec<String>,
    families: Vec<String>,
    /// What each task definition reserves.
    sizes: Vec<Reserved>,
    zones: Vec<String>,
    instances: Vec<String>,
}

impl Drain<TaskItem> for TaskRows {
    fn take(&mut self, items: &mut Vec<TaskItem>) -> std::io::Result<()> {
        for item in items.drain(..) {
            match item {
                TaskItem::Instance(id) => self.text.instances.push(id),
                TaskItem::Row(t) => match self.lines.csv_lines() {
                    Some(w) => self.text.row(w, &t)?,
                    None => self.text.row(&mut self.lines, &t)?,
                },
            }
        }
        Ok(())
    }

    fn finish(&mut self) -> std::io::Result<()> {
        self.lines.finish()
    }
}

impl TaskText {
    fn row<W: Cells>(&self, w: &mut W, t: &TaskRow) -> std::io::Result<()> {
        w.uint(t.serial);
        w.raw(match t.owner {
            Owner::Service(s) => &self.services[s as usize],
            Owner::Job(j) => &self.jobs[j as usize],
        });
        w.raw(&self.families[t.taskdef as usize]);
        w.raw(t.capacity.launch_type());
        match t.instance {
            Some(i) => w.raw(&self.instances[i as usize]),
            None => w.null(),
        }
        match t.az {
            Some(z) => w.raw(&self.zones[z as usize]),
            None => w.null(),
        }
        w.secs(t.created);
        w.opt_secs(t.started);
        w.opt_secs(t.stopped);
        match t.stop_reason {
            Some(r) => {
                let host = t.instance.map(|i| self.instances[i as usize].as_str());
                w.raw(&r.text(host));
            }
            None => w.null(),
        }
        w.secs(t.wait);
        w.raw(match t.owner {
            Owner::Service(_) => "service",
            Owner::Job(_) => "job",
        });
        w.opt_secs(t.placed);
        match t.stop_reason {
            Some(r) => w.raw(r.code()),
            None => w.null(),
        }
        w.raw(t.state.as_str());
        let r = self.sizes[t.taskdef as usize];
        w.uint(u64::from(r.cpu));
        w.uint(u64::from(r.memory));
        w.uint(u64::from(r.gpus));
        w.uint(u64::from(r.awsvpc && t.capacity == Capacity::Ec2));
        w.end_row()
    }
}
