//! Streaming CSV writers: each task row is written when the task stops, so a
//! run never holds the whole task history in memory.

use crate::engine::SimTime;
use crate::engine::time::format_secs;
use crate::model::{Cluster, Owner, Task};
use crate::sim::{Recorder, Sample};
use std::fmt::Write as _;
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

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
];

/// Writes `tasks.csv` and `timeseries.csv` as the run goes.
pub struct CsvRecorder {
    tasks: csv::Writer<BufWriter<File>>,
    series: csv::Writer<BufWriter<File>>,
    scaling: csv::Writer<BufWriter<File>>,
    end: SimTime,
    error: Option<csv::Error>,
    row: Row,
}

/// One CSV row built in a single reused buffer: the per-minute row has
/// hundreds of fields, and a `String` each dominated writing it.
#[derive(Default)]
struct Row {
    text: String,
    ends: Vec<usize>,
}

impl Row {
    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }

    fn str(&mut self, v: &str) {
        self.text.push_str(v);
        self.ends.push(self.text.len());
    }

    fn fmt(&mut self, v: std::fmt::Arguments) {
        // Writing into a String cannot fail.
        let _ = self.text.write_fmt(v);
        self.ends.push(self.text.len());
    }

    /// Milliseconds as seconds with three decimals, as `format_secs` writes them.
    fn secs(&mut self, ms: SimTime) {
        self.fmt(format_args!("{}.{:03}", ms / 1000, ms % 1000));
    }

    fn opt_secs(&mut self, ms: Option<SimTime>) {
        match ms {
            Some(ms) => self.secs(ms),
            None => self.str(""),
        }
    }

    fn fields(&self) -> impl Iterator<Item = &str> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts.zip(&self.ends).map(|(a, &b)| &self.text[a..b])
    }
}

fn opt_secs(t: Option<SimTime>) -> String {
    t.map(format_secs).unwrap_or_default()
}

fn pct(part: u64, whole: u64) -> String {
    pct_wide(u128::from(part), u128::from(whole))
}

/// `part / whole` in percent with two decimals, rounded half up. Integer
/// arithmetic, so the text never depends on float printing.
pub fn pct_wide(part: u128, whole: u128) -> String {
    if whole == 0 {
        return "0.00".into();
    }
    let hundredths = (part * 10_000 + whole / 2) / whole;
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

impl CsvRecorder {
    pub fn create(
        dir: &Path,
        cluster: &Cluster,
        end: SimTime,
        with_faults: bool,
    ) -> Result<Self, csv::Error> {
        let open = |name: &str| -> Result<csv::Writer<BufWriter<File>>, csv::Error> {
            Ok(csv::Writer::from_writer(BufWriter::with_capacity(
                1 << 16,
                File::create(dir.join(name))?,
            )))
        };
        let mut tasks = open("tasks.csv")?;
        tasks.write_record(TASK_COLUMNS)?;
        let mut series = open("timeseries.csv")?;
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
            for col in ["desired", "running", "pending"] {
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
        series.write_record(&header)?;
        let mut scaling = open("scaling.csv")?;
        scaling.write_record([
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
        Ok(CsvRecorder {
            tasks,
            series,
            scaling,
            end,
            error: None,
            row: Row::default(),
        })
    }

    fn keep(&mut self, r: Result<(), csv::Error>) {
        if let Err(e) = r {
            self.error.get_or_insert(e);
        }
    }

    /// Flushes both files; reports the first write error of the run.
    pub fn finish(mut self) -> Result<(), csv::Error> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.tasks.flush()?;
        self.series.flush()?;
        self.scaling.flush()?;
        Ok(())
    }
}

impl Recorder for CsvRecorder {
    fn cut(&mut self, end: SimTime) {
        self.end = end;
    }
    fn scaling(&mut self, _c: &Cluster, d: &crate::scaling::Decision) {
        let r = self.scaling.write_record([
            format_secs(d.time),
            d.target_kind.to_string(),
            d.target.clone(),
            d.policy.to_string(),
            d.from.to_string(),
            d.to.to_string(),
            d.metric.map(|m| m.name()).unwrap_or("").to_string(),
            format!("{:.3}", d.value),
            format!("{:.3}", d.threshold),
            d.reason.clone(),
        ]);
        self.keep(r);
    }

    fn task_done(&mut self, c: &Cluster, t: &Task) {
        let inst = t.instance.map(|i| &c.instances[i as usize]);
        let wait = t.placed.unwrap_or(t.stopped.unwrap_or(self.end)) - t.created;
        let row = &mut self.row;
        row.clear();
        row.fmt(format_args!("{}", t.serial));
        row.str(c.owner_name(t.owner));
        row.str(&c.taskdefs[t.taskdef as usize].family);
        row.str(t.capacity.launch_type());
        row.str(inst.map_or("", |i| i.id.as_str()));
        row.str(c.task_az(t).map_or("", |z| c.azs[z as usize].as_str()));
        row.secs(t.created);
        row.opt_secs(t.started);
        row.opt_secs(t.stopped);
        row.str(t.stop_reason.map_or("", |r| r.as_str()));
        row.secs(wait);
        row.str(match t.owner {
            Owner::Service(_) => "service",
            Owner::Job(_) => "job",
        });
        row.opt_secs(t.placed);
        row.str(t.stop_reason.map_or("", |r| r.code()));
        row.str(t.state.as_str());
        let r = self.tasks.write_record(self.row.fields());
        self.keep(r);
    }

    fn sample(&mut self, s: &Sample) {
        let row = &mut self.row;
        row.clear();
        row.secs(s.time);
        row.fmt(format_args!("{}", s.instances));
        row.str(&pct(s.cpu_reserved, s.cpu_registered));
        row.str(&pct(s.memory_reserved, s.memory_registered));
        row.fmt(format_args!("{}", s.tasks_running));
        row.fmt(format_args!("{}", s.tasks_pending));
        for (d, r, p) in &s.services {
            row.fmt(format_args!("{d}"));
            row.fmt(format_args!("{r}"));
            row.fmt(format_args!("{p}"));
        }
        for (r, p) in &s.jobs {
            row.fmt(format_args!("{r}"));
            row.fmt(format_args!("{p}"));
        }
        for (r, actions) in &s.loads {
            row.fmt(format_args!("{:.3}", r.demand_rps));
            row.fmt(format_args!("{:.3}", r.served_rps));
            row.fmt(format_args!("{:.2}", r.cpu_pct));
            row.fmt(format_args!("{:.2}", r.memory_pct));
            row.fmt(format_args!("{:.3}", r.latency_factor));
            row.fmt(format_args!("{actions}"));
        }
        for (n, res) in &s.providers {
            row.fmt(format_args!("{n}"));
            row.fmt(format_args!("{res:.1}"));
        }
        if let Some(n) = s.incidents_open {
            row.fmt(format_args!("{n}"));
        }
        let r = self.series.write_record(self.row.fields());
        self.keep(r);
    }
}

/// `instances.csv`, written once at the end.
pub fn write_instances(path: &Path, c: &Cluster, end: SimTime) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(BufWriter::new(File::create(path)?));
    w.write_record([
        "instance_id",
        "group",
        "instance_type",
        "availability_zone",
        "cpu_registered",
        "memory_registered_mib",
        "launched_s",
        "terminated_s",
        "tasks_placed",
        "cpu_reserved_mean_pct",
        "memory_reserved_mean_pct",
        "status",
    ])?;
    for i in &c.instances {
        let life = u128::from(i.terminated.unwrap_or(end).saturating_sub(i.launched));
        let mean = |area: u128, cap: u32| pct_wide(area, life * u128::from(cap));
        w.write_record([
            i.id.clone(),
            c.instance_groups[i.group as usize].clone(),
            i.instance_type.clone(),
            c.azs[i.az as usize].clone(),
            i.cpu.to_string(),
            i.memory.to_string(),
            format_secs(i.launched),
            opt_secs(i.terminated),
            i.tasks_placed.to_string(),
            mean(i.cpu_level.area(end), i.cpu),
            mean(i.memory_level.area(end), i.memory),
            format!("{:?}", i.status).to_uppercase(),
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// `deployments.csv`: every deployment and how it ended.
pub fn write_deployments(
    path: &Path,
    list: &[crate::model::deployment::DeploymentRecord],
) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(BufWriter::new(File::create(path)?));
    w.write_record([
        "id",
        "service",
        "from",
        "to",
        "strategy",
        "started_s",
        "ended_s",
        "status",
        "failed_tasks",
        "rollback_of",
    ])?;
    for d in list {
        w.write_record([
            d.id.to_string(),
            d.service.clone(),
            d.from.clone(),
            d.to.clone(),
            d.strategy.to_string(),
            format_secs(d.started),
            opt_secs(d.ended),
            d.status.to_string(),
            d.failed_tasks.to_string(),
            d.rollback_of.map(|r| r.to_string()).unwrap_or_default(),
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// `incidents.csv`: every fault and its impact.
pub fn write_incidents(
    path: &Path,
    incidents: &[crate::faults::Incident],
) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(BufWriter::new(File::create(path)?));
    w.write_record([
        "id",
        "kind",
        "target",
        "start_s",
        "end_s",
        "tasks_lost",
        "recovered_s",
        "time_to_recover_s",
        "unserved_requests",
    ])?;
    for i in incidents {
        w.write_record([
            i.id.to_string(),
            i.kind.to_string(),
            i.target.clone(),
            format_secs(i.start),
            format_secs(i.end),
            i.tasks_lost.to_string(),
            opt_secs(i.recovered),
            opt_secs(i.recovered.map(|r| r - i.start)),
            format!("{:.0}", i.unserved_requests),
        ])?;
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn percent_is_exact_text() {
        assert_eq!(super::pct(1, 3), "33.33");
        assert_eq!(super::pct(2, 3), "66.67");
        assert_eq!(super::pct(0, 0), "0.00");
        assert_eq!(super::pct(5, 5), "100.00");
    }
}
