//! Running a scenario: the simulation, with the CSV writers and the bill
//! listening (`RunRecorder`), and a results folder committed whole.

use crate::billing::{Ledger, PriceBook, prices};
use crate::engine::SimTime;
use crate::error::{Error, Result};
use crate::model::{Cluster, Task, TaskState};
use crate::report::{Outputs, RunResult, StagedDir, Summary, csv_out, end_files, summary};
use crate::scenario::Scenario;
use crate::sim::{Recorder, Sample, Sim};
use crate::table::{Format, Place, Shape};
use std::path::Path;
use std::time::Instant;

/// Sends every task and sample to the CSV writers (when writing files) and
/// to the bill.
struct RunRecorder {
    csv: Option<csv_out::CsvRecorder>,
    ledger: Ledger,
}

impl Recorder for RunRecorder {
    fn task_done(&mut self, c: &Cluster, t: &Task) {
        if let Some(w) = &mut self.csv {
            w.task_done(c, t);
        }
        self.ledger.task_done(c, t);
    }
    fn sample(&mut self, s: &Sample) {
        self.take_sample(&mut s.clone());
    }
    fn take_sample(&mut self, s: &mut Sample) {
        // The bill reads the sample before the CSV writers take it.
        self.ledger
            .served_minute(s.time, |l| s.loads[l as usize].reading.served_rps * 60.0);
        if let Some(w) = &mut self.csv {
            w.take_sample(s);
        }
    }
    fn task_transition(&mut self, _: &Task, _: TaskState, _: SimTime) {}
    fn wants_transitions(&self) -> bool {
        false
    }
    fn wants_reasons(&self) -> bool {
        self.csv.as_ref().is_some_and(|c| c.writes_scaling())
    }
    fn scaling(&mut self, c: &Cluster, d: &crate::scaling::Decision) {
        if let Some(w) = &mut self.csv {
            w.scaling(c, d);
        }
    }
    fn cut(&mut self, end: SimTime) {
        if let Some(w) = &mut self.csv {
            w.cut(end);
        }
        self.ledger.cut(end);
    }
}

/// How a run is carried out, beyond the scenario itself.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Wall-clock limit: past it the run stops at the simulated time
    /// reached and its results are marked partial (`summary.json`
    /// `"partial": true`); `None` runs to the scenario's end.
    pub max_wall: Option<std::time::Duration>,
    /// Where the run reports how far it got (for a progress bar).
    pub progress: Option<std::sync::Arc<crate::engine::Progress>>,
    /// Which files a run with a results folder writes (all by default).
    pub outputs: Outputs,
    /// CSV (the default) or Parquet tables.
    pub format: Format,
    /// The timeseries' shape; `None`: the format's default (`Shape::default_for`).
    pub timeseries: Option<Shape>,
}

impl RunOptions {
    fn place<'a>(&self, dir: &'a Path) -> Place<'a> {
        Place {
            dir,
            format: self.format,
            series: self
                .timeseries
                .unwrap_or_else(|| Shape::default_for(self.format)),
            memory: None,
        }
    }
}

/// A table's failed write (disk full, folder removed): the machine's, not
/// a bug. A table names itself (several are written at once); `file`
/// names what was being written otherwise.
fn table_err(e: std::io::Error, file: &str) -> Error {
    match crate::table::WriteError::of(&e) {
        Some(w) => Error::io(
            format!("cannot write {}", w.file),
            std::io::Error::new(w.source.kind(), w.source.to_string()),
        ),
        None => Error::io(format!("cannot write {file}"), e),
    }
}

/// The prices a scenario needs from the book, checked before anything runs.
pub fn rates_for(scenario: &Scenario, book: &PriceBook) -> Result<prices::Rates> {
    let c = &scenario.cluster;
    // Every type a group can launch, not only those running at time 0: a
    // group that starts empty (scale from zero) is billed for what it
    // launches later.
    // Managed Instances groups are priced per type by `mi_fee::add`.
    let managed = |g: usize| {
        scenario
            .managed_instances
            .iter()
            .any(|f| f.group as usize == g)
    };
    let mut types: Vec<(&str, String)> = c
        .templates
        .iter()
        .enumerate()
        .filter(|(g, _)| !managed(*g))
        .flat_map(|(g, t)| {
            t.kinds.iter().enumerate().map(move |(k, kind)| {
                let field = if t.kinds.len() == 1 {
                    format!("instance_groups[{g}].instance_type")
                } else {
                    format!("instance_groups[{g}].instance_types[{k}]")
                };
                (kind.instance_type.as_str(), field)
            })
        })
        .chain(c.instances.iter().map(|i| {
            let field = format!("instance_groups[{}].instance_type", i.group);
            (i.instance_type.as_str(), field)
        }))
        .map(|(t, field)| {
            // A type the scenario declares is priced where it is declared.
            match scenario.declared_types.iter().position(|d| d == t) {
                Some(k) => (t, format!("instance_types[{k}].usd_per_hour")),
                None => (t, field),
            }
        })
        .collect();
    types.sort_by(|a, b| a.0.cmp(b.0));
    types.dedup_by(|a, b| a.0 == b.0);
    // Declared prices need no row in the book.
    types.retain(|(t, _)| !scenario.ec2_prices.contains_key(*t));
    let region = &scenario.region;
    book.check_region(region)?;
    if book.regions().contains(&region.as_str())
        && let Some((t, field)) = types.iter().find(|(t, _)| book.ec2(region, t).is_none())
    {
        return Err(crate::error::InputError::new(
            &scenario.file,
            field,
            format!(
                "no on-demand price for instance type {t} in region {region} ({}); give one with [[instance_types]] name = \"{t}\", usd_per_hour = ..., or pass the region's AmazonEC2 offer file with --prices (`{}`)",
                book.source,
                crate::pricelist::fetch_command("AmazonEC2", region)
            ),
        )
        .into());
    }
    let types: Vec<&str> = types.iter().map(|(t, _)| *t).collect();
    // The first service or job on Fargate is the field a missing Fargate
    // price is named against (its launch_type or capacity_provider_strategy).
    let fargate = c
        .services
        .iter()
        .position(|s| s.capacity.is_fargate())
        .map(|i| format!("services[{i}]"))
        .or_else(|| {
            c.jobs
                .iter()
                .position(|j| j.capacity.is_fargate())
                .map(|i| format!("jobs[{i}]"))
        });
    let mut rates = prices::resolve(
        book,
        &scenario.file,
        &scenario.region,
        &types,
        fargate.as_deref(),
        scenario.pricing.ebs_root_gib > 0,
    )?;
    for (t, &pico) in &scenario.ec2_prices {
        rates
            .ec2
            .insert(t.clone(), crate::billing::Rate::whole(pico));
    }
    let mi = crate::billing::mi_fee::MiProviders {
        file: &scenario.file,
        region: &scenario.region,
        fleets: &scenario.managed_instances,
        declared: &scenario.ec2_prices,
        providers: &scenario.cluster.providers,
    };
    crate::billing::mi_fee::add(&mut rates, book, &mi)?;
    Ok(rates)
}

/// Runs a scenario; with `dir`, streams tasks.csv, timeseries.csv and cost.csv there.
pub fn simulate(
    scenario: &Scenario,
    seed: u64,
    book: &PriceBook,
    dir: Option<&Path>,
) -> Result<RunResult> {
    simulate_with(scenario, seed, book, dir, &RunOptions::default())
}

/// `simulate` with options (a wall-clock limit).
pub fn simulate_with(
    scenario: &Scenario,
    seed: u64,
    book: &PriceBook,
    dir: Option<&Path>,
    opts: &RunOptions,
) -> Result<RunResult> {
    simulate_at(scenario, seed, book, dir.map(|d| opts.place(d)), opts)
}

/// `simulate_with` writing its streamed tables to `place` (files or memory).
fn simulate_at(
    scenario: &Scenario,
    seed: u64,
    book: &PriceBook,
    place: Option<Place>,
    opts: &RunOptions,
) -> Result<RunResult> {
    let rates = rates_for(scenario, book)?;
    // A mixed group's allocation strategies compare the run's prices.
    let scenario = &*crate::scenario::mixed::with_run_prices(scenario, &rates);
    let started = Instant::now();
    let want = &opts.outputs;
    let csv = match place {
        Some(d)
            if ["tasks", "timeseries", "scaling"]
                .iter()
                .any(|f| want.wants(f)) =>
        {
            Some(
                csv_out::CsvRecorder::create(
                    d,
                    &scenario.cluster,
                    scenario.duration,
                    !scenario.faults.is_empty(),
                    want,
                )
                .map_err(|e| table_err(e, "the results tables"))?,
            )
        }
        _ => None,
    };
    let only = |stem: &str| place.filter(|_| want.wants(stem));
    let sim_rates = rates.clone();
    let ledger = Ledger::new(
        rates,
        scenario.pricing.clone(),
        scenario.duration,
        only("cost"),
    )
    .map_err(|e| table_err(e, "the bill's tables"))?;
    let mut rec = RunRecorder { csv, ledger };
    let (outcome, cluster) = Sim::new(scenario, seed, &mut rec)
        .with_prices(&sim_rates, scenario.pricing.ec2_spot_discount)
        .with_wall_limit(opts.max_wall)
        .with_progress(opts.progress.clone())
        .run()?;
    let end = outcome.end;
    let RunRecorder { csv, ledger } = rec;
    if let Some(w) = csv {
        w.finish().map_err(|e| table_err(e, "the results tables"))?;
    }
    let task_ms: u128 = cluster
        .services
        .iter()
        .map(|s| s.stats.running.area(end))
        .chain(cluster.jobs.iter().map(|j| j.stats.running.area(end)))
        .sum();
    let cost = ledger
        .finish(&cluster, task_ms, only("cost_timeseries"))
        .map_err(|e| table_err(e, "the bill's tables"))?;
    Ok(RunResult {
        outcome,
        cluster,
        cost,
        wall_s: started.elapsed().as_secs_f64(),
    })
}

/// Runs a scenario and writes its results to `out`; returns the summary.
pub fn run_to_dir(scenario: &Scenario, seed: u64, book: &PriceBook, out: &Path) -> Result<Summary> {
    run_to_dir_with(scenario, seed, book, out, &RunOptions::default())
}

/// `run_to_dir` with options. A run cut short by `max_wall` is still
/// written and committed, its summary marked `partial`.
pub fn run_to_dir_with(
    scenario: &Scenario,
    seed: u64,
    book: &PriceBook,
    out: &Path,
    opts: &RunOptions,
) -> Result<Summary> {
    // Prices are checked before a folder is made, so bad input leaves nothing.
    rates_for(scenario, book)?;
    let staged = StagedDir::new(out)?;
    let dir = staged.path().to_path_buf();
    let summary = write_run(scenario, seed, book, opts.place(&dir), opts)?;
    let json =
        serde_json::to_string_pretty(&summary).map_err(|e| Error::Internal(e.to_string()))?;
    std::fs::write(dir.join("summary.json"), json + "\n")
        .map_err(|e| Error::io("writing summary.json", e))?;
    staged.commit()?;
    Ok(summary)
}

/// A run's summary and its tables as CSV text, kept in memory (the Python
/// package's `ecsim.run`): the same bytes `run_to_dir_with` writes to
/// `<stem>.csv`, in the order the tables were opened.
pub struct InMemory {
    pub summary: Summary,
    /// CSV text (`opts.format` CSV).
    pub tables: Vec<(String, Vec<u8>)>,
    /// Typed columns (`opts.format` Parquet): what the Parquet files hold.
    pub columns: Vec<(String, crate::table::parquet::TypedTable)>,
}

/// `run_to_dir_with` without a folder: the tables stay in memory, as CSV
/// text (`opts.format` CSV) or as the typed columns Parquet would hold.
pub fn run_in_memory(
    scenario: &Scenario,
    seed: u64,
    book: &PriceBook,
    opts: &RunOptions,
) -> Result<InMemory> {
    let memory = crate::table::Memory::default();
    let place = match opts.format {
        Format::Csv => Place::memory(&memory),
        Format::Parquet => Place::typed(&memory),
    };
    let summary = write_run(scenario, seed, book, place, opts)?;
    let columns = memory.into_typed();
    Ok(InMemory {
        summary,
        tables: memory.into_tables(),
        columns,
    })
}

/// Simulates and writes every table `opts.outputs` asks for to `place`;
/// the summary is the caller's to store.
fn write_run(
    scenario: &Scenario,
    seed: u64,
    book: &PriceBook,
    place: Place,
    opts: &RunOptions,
) -> Result<Summary> {
    let r = simulate_at(scenario, seed, book, Some(place), opts)?;
    let want = &opts.outputs;
    let wanted = |stem: &str| want.wants(stem).then_some(place);
    let fail = |stem: &str| {
        let name = match place.memory {
            Some(_) => format!("{stem} (in memory)"),
            None => place.format.file(stem),
        };
        move |e| table_err(e, &name)
    };
    if let Some(p) = wanted("instances") {
        end_files::write_instances(p, &r.cluster, r.outcome.end).map_err(fail("instances"))?;
    }
    if let Some(p) = wanted("refused") {
        end_files::write_refused(p, &r.cluster, &r.outcome.refused).map_err(fail("refused"))?;
    }
    if let Some(p) = wanted("incidents") {
        end_files::write_incidents(p, &r.outcome.incidents).map_err(fail("incidents"))?;
    }
    if let Some(p) = wanted("deployments") {
        end_files::write_deployments(p, &r.outcome.deployments).map_err(fail("deployments"))?;
    }
    Ok(summary::build(scenario, seed, &r))
}
