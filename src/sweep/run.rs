//! Running a sweep: every (point, replication) in parallel, each finished
//! run kept as its own file so an interrupted sweep resumes where it stopped
//! and shards on other machines can be merged.

use super::spec::Sweep;
use super::table::{self, Row};
use crate::billing::PriceBook;
use crate::error::{Error, InputError, Result};
use crate::report;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

// Kept reachable here, where it was: `sweep::run::merge`.
pub use super::merge::merge;

/// Files and folders a sweep (or plan, or merge) folder may hold.
pub const OUTPUTS: &[&str] = &[
    "sweep.json",
    "runs",
    "runs.csv",
    "aggregate.csv",
    "plan.csv",
    "plan.json",
    "report.html",
    "report",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    pub fn owns(&self, run: u64) -> bool {
        run % u64::from(self.count) == u64::from(self.index)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Param {
    pub path: String,
    pub values: Vec<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointRecord {
    pub point: u32,
    pub params: serde_json::Map<String, Value>,
}

/// `sweep.json`: what was swept, and how far it got.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub sweep: String,
    pub sweep_file: String,
    pub scenario: String,
    pub base_scenario_file: String,
    pub ecsim_version: String,
    /// Hash of the sweep file, the base scenario, the prices and the
    /// version: a folder is resumed or merged only with the same one.
    pub fingerprint: String,
    pub master_seed: u64,
    pub replications: u32,
    pub parameters: Vec<Param>,
    pub points: Vec<PointRecord>,
    pub runs_total: u64,
    pub runs_done: u64,
    pub complete: bool,
    pub region: String,
    pub price_source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
}

/// `runs/run-NNNNNN.json`: one finished run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunRecord {
    pub run: u64,
    pub point: u32,
    pub replication: u32,
    pub seed: u64,
    pub summary: Value,
}

pub struct Options {
    pub out: PathBuf,
    pub shard: Option<Shard>,
    pub threads: Option<usize>,
    pub progress: bool,
    /// Past this wall-clock time no run starts and runs in flight are dropped.
    pub max_wall: Option<std::time::Duration>,
    /// Runs (sorted) whose every output file is kept, in `kept/run-NNNNNN/`.
    pub keep: Vec<u64>,
    /// Told the runs finished (`reached`) of all this shard's (`end`), for
    /// a caller that draws its own progress (the Python package).
    pub watch: Option<std::sync::Arc<crate::engine::Progress>>,
}

/// Where a kept run's files go.
pub fn kept_dir(out: &Path, run: u64) -> PathBuf {
    out.join("kept").join(format!("run-{run:06}"))
}

pub struct Done {
    pub out: PathBuf,
    pub manifest: Manifest,
    pub records: Vec<RunRecord>,
    pub resumed: u64,
    pub ran: u64,
    pub threads: usize,
}

fn to_json(v: &toml::Value) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// The manifest a sweep writes (before any run) — what a merge must match.
pub fn manifest(sweep: &Sweep, book: &PriceBook, prices_text: &str) -> Result<Manifest> {
    let rates = crate::run::rates_for(&sweep.base, book)?;
    let version = env!("CARGO_PKG_VERSION");
    let points = sweep.points.len() as u64;
    Ok(Manifest {
        sweep: sweep.name.clone(),
        sweep_file: sweep.file.display().to_string(),
        scenario: sweep.base.name.clone(),
        base_scenario_file: sweep.scenario_file.display().to_string(),
        ecsim_version: version.to_string(),
        fingerprint: crate::engine::digest::fnv(&[
            version.as_bytes(),
            sweep.text.as_bytes(),
            sweep.scenario_text.as_bytes(),
            prices_text.as_bytes(),
            &sweep.master_seed.to_le_bytes(),
        ]),
        master_seed: sweep.master_seed,
        replications: sweep.replications,
        parameters: sweep
            .parameters
            .iter()
            .zip(&sweep.values)
            .map(|(p, vs)| Param {
                path: p.clone(),
                values: vs.iter().map(to_json).collect(),
            })
            .collect(),
        points: sweep
            .points
            .iter()
            .enumerate()
            .map(|(i, p)| PointRecord {
                point: i as u32,
                params: p
                    .params
                    .iter()
                    .map(|(k, v)| (k.clone(), to_json(v)))
                    .collect(),
            })
            .collect(),
        runs_total: points * u64::from(sweep.replications),
        runs_done: 0,
        complete: false,
        region: sweep.base.region.clone(),
        price_source: rates.source.clone(),
        shard: None,
    })
}

/// Replication r of every point uses the same seed, master + r (common
/// random numbers: points differ by their parameters, not their luck), so
/// `ecsim run --seed` reproduces any single run.
pub fn seed_of(master: u64, replication: u32) -> u64 {
    master.wrapping_add(u64::from(replication))
}

pub use crate::report::write_atomic;

pub fn write_json<T: Serialize>(path: &Path, v: &T) -> Result<()> {
    let s = serde_json::to_string_pretty(v).map_err(|e| Error::Internal(e.to_string()))?;
    write_atomic(path, (s + "\n").as_bytes())
}

pub(super) fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T> {
    // Bytes, not text: a binary file is bad input (exit 2), not an I/O error.
    let bytes =
        std::fs::read(path).map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    serde_json::from_slice(bytes).map_err(|e| {
        Error::Input(InputError::new(
            path,
            "",
            format!(
                "is not an ecsim sweep file: {}",
                crate::scenario::json_message(&e)
            ),
        ))
    })
}

/// A run file, checked against its name and the sweep (a damaged or edited
/// file is an input error, not a crash).
pub(super) fn checked_record(m: &Manifest, run: u64, file: &Path) -> Result<RunRecord> {
    let r: RunRecord = read_json(file)?;
    let reps = u64::from(m.replications.max(1));
    let rep = (run % reps) as u32;
    let expect = (run, (run / reps) as u32, rep, seed_of(m.master_seed, rep));
    if (r.run, r.point, r.replication, r.seed) != expect || !r.summary.is_object() {
        return Err(Error::Input(InputError::new(
            file,
            "",
            format!(
                "does not hold run {run} of this sweep (point {}, replication {rep}, seed {}); delete it and run the sweep again to redo it",
                expect.1, expect.3
            ),
        )));
    }
    Ok(r)
}

pub fn run_file(dir: &Path, run: u64) -> PathBuf {
    dir.join("runs").join(format!("run-{run:06}.json"))
}

/// What a sweep that stopped before its first sweep.json (a full disk,
/// before sweep.json was written first) left: resumable as a new start.
fn only_an_empty_runs_folder(out: &Path) -> bool {
    let names = |d: &Path| -> Option<Vec<String>> {
        let entries = std::fs::read_dir(d).ok()?;
        entries
            .map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect()
    };
    names(out).is_some_and(|n| n == ["runs"])
        && names(&out.join("runs")).is_some_and(|n| n.iter().all(|f| f.contains(".tmp-")))
}

/// Opens (or creates) the sweep folder; returns the runs already done there.
fn open_dir(out: &Path, m: &Manifest) -> Result<Vec<u64>> {
    let refuse = |why: String| Error::Input(InputError::new(out, "--out", why));
    let manifest = out.join("sweep.json");
    if manifest.exists() {
        let old: Manifest = read_json(&manifest)?;
        if old.fingerprint != m.fingerprint || old.shard != m.shard {
            return Err(refuse(format!(
                "holds a different sweep (sweep \"{}\", fingerprint {}{}); a sweep resumes only its own results — choose another --out or delete the folder",
                old.sweep,
                old.fingerprint,
                old.shard
                    .map(|s| format!(", shard {}/{}", s.index, s.count))
                    .unwrap_or_default()
            )));
        }
    } else {
        if !only_an_empty_runs_folder(out) {
            report::check_replaceable(out, OUTPUTS, "sweep.json")?;
        }
        // sweep.json comes first: a folder holding runs/ without it is not
        // a sweep, so a sweep that stopped in between (a full disk) could
        // not be resumed.
        std::fs::create_dir_all(out)
            .map_err(|e| Error::io(format!("cannot create {}", out.display()), e))?;
        write_json(&manifest, m)?;
    }
    let runs = out.join("runs");
    std::fs::create_dir_all(&runs)
        .map_err(|e| Error::io(format!("cannot create {}", runs.display()), e))?;
    let mut done = Vec::new();
    for e in std::fs::read_dir(&runs).map_err(|e| Error::io("reading runs/", e))? {
        let e = e.map_err(|e| Error::io("reading runs/", e))?;
        let name = e.file_name().to_string_lossy().into_owned();
        match report::run_record_number(&name) {
            Some(r) if r < m.runs_total && m.shard.is_none_or(|s| s.owns(r)) => done.push(r),
            // Left by a run killed mid-write: never complete, never used.
            _ if name.contains(".tmp-") => {
                let _ = std::fs::remove_file(e.path());
            }
            _ => {
                return Err(refuse(format!(
                    "runs/{name} does not belong to this sweep; delete the folder or choose another --out"
                )));
            }
        }
    }
    done.sort_unstable();
    Ok(done)
}

/// Runs every run of the sweep (or of its shard) not yet in `opts.out`.
pub fn execute(sweep: &Sweep, book: &PriceBook, mut m: Manifest, opts: &Options) -> Result<Done> {
    m.shard = opts.shard;
    let out = &opts.out;
    // Checked before the folder is made: bad input leaves nothing.
    if let Some(&r) = opts.keep.iter().find(|&&r| r >= m.runs_total) {
        return Err(Error::Input(InputError::new(
            out,
            "--keep-runs",
            format!(
                "run {r} is not in this sweep (runs 0 to {}; run = point × replications + replication, as runs.csv numbers them)",
                m.runs_total.saturating_sub(1)
            ),
        )));
    }
    let done = open_dir(out, &m)?;
    let reps = u64::from(sweep.replications);
    let mine: Vec<u64> = (0..m.runs_total)
        .filter(|r| opts.shard.is_none_or(|s| s.owns(*r)))
        .collect();
    let todo: Vec<u64> = mine
        .iter()
        .copied()
        .filter(|r| done.binary_search(r).is_err())
        .collect();
    m.runs_done = (mine.len() - todo.len()) as u64;
    write_json(&out.join("sweep.json"), &m)?;
    if !opts.keep.is_empty() {
        let kept = out.join("kept");
        std::fs::create_dir_all(&kept)
            .map_err(|e| Error::io(format!("cannot create {}", kept.display()), e))?;
    }

    let threads = worker_threads(opts.threads, todo.len());
    // One progress cell per worker thread, read by the bar.
    let cells: Vec<std::sync::Arc<crate::engine::Progress>> =
        (0..threads).map(|_| Default::default()).collect();
    let bar = crate::progress::sweep(opts.progress, mine.len() as u64, m.runs_done, &cells);
    let finished = AtomicU64::new(m.runs_done);
    if let Some(w) = &opts.watch {
        w.start(mine.len() as u64);
        w.set(m.runs_done, 0);
    }
    let deadline = opts.max_wall.map(|d| std::time::Instant::now() + d);
    let one = |run: u64| -> Result<()> {
        if crate::sim::INTERRUPT.load(Ordering::Relaxed) {
            return Err(Error::Interrupted);
        }
        // A run cut short is not a result: it is dropped, and resumed later.
        let left = match deadline {
            Some(d) => match d.checked_duration_since(std::time::Instant::now()) {
                Some(left) if !left.is_zero() => Some(left),
                _ => return Err(Error::Partial(String::new())),
            },
            None => None,
        };
        let point = (run / reps) as u32;
        let replication = (run % reps) as u32;
        let seed = seed_of(sweep.master_seed, replication);
        let sc = &sweep.scenario(point as usize)?;
        let cell = &cells[rayon::current_thread_index().unwrap_or(0) % cells.len()];
        let run_opts = crate::run::RunOptions {
            max_wall: left,
            progress: Some(std::sync::Arc::clone(cell)),
            ..Default::default()
        };
        // A kept run writes every file a `run` would, under kept/; its
        // summary is the one a dropped run's record holds.
        let summary = if opts.keep.binary_search(&run).is_ok() {
            let s = crate::run::run_to_dir_with(sc, seed, book, &kept_dir(out, run), &run_opts);
            cell.start(0);
            let s = s?;
            if s.partial {
                return Err(Error::Partial(String::new()));
            }
            serde_json::to_value(s)
        } else {
            let r = crate::run::simulate_with(sc, seed, book, None, &run_opts);
            cell.start(0);
            let r = r?;
            if r.outcome.partial.is_some() {
                return Err(Error::Partial(String::new()));
            }
            serde_json::to_value(report::summary::build(sc, seed, &r))
        };
        let mut summary = summary.map_err(|e| Error::Internal(e.to_string()))?;
        if let Value::Object(o) = &mut summary {
            // Wall-clock figures differ between identical runs, and the
            // scenario's path between machines (it is in sweep.json).
            for f in table::WALL_FIELDS.iter().chain(&["scenario_file"]) {
                o.remove(*f);
            }
        }
        let rec = RunRecord {
            run,
            point,
            replication,
            seed,
            summary,
        };
        write_json(&run_file(out, run), &rec)?;
        let n = finished.fetch_add(1, Ordering::Relaxed) + 1;
        cells[0].finished.fetch_add(1, Ordering::Relaxed);
        if let Some(w) = &opts.watch {
            // Runs end out of order: the count only grows.
            w.set(n.max(w.reached()), 0);
        }
        Ok(())
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Internal(format!("cannot start threads: {e}")))?;
    let threads = pool.current_num_threads();
    let result = pool.install(|| todo.par_iter().try_for_each(|&r| one(r)));
    drop(bar);
    m.runs_done = finished.load(Ordering::Relaxed);
    if let Err(e) = result {
        write_json(&out.join("sweep.json"), &m)?;
        return Err(match e {
            Error::Interrupted => Error::Stopped(format!(
                "interrupted: {} of {} runs are done and kept in {}; run the same command again to resume",
                m.runs_done,
                mine.len(),
                out.join("runs").display()
            )),
            Error::Partial(_) => Error::Partial(format!(
                "wall-clock limit reached: {} of {} runs are done and kept in {}; run the same command again to resume",
                m.runs_done,
                mine.len(),
                out.join("runs").display()
            )),
            other => other,
        });
    }
    let records = mine
        .iter()
        .map(|&r| checked_record(&m, r, &run_file(out, r)))
        .collect::<Result<Vec<_>>>()?;
    write_tables(out, &m, &records)?;
    m.complete = true;
    write_json(&out.join("sweep.json"), &m)?;
    Ok(Done {
        out: out.clone(),
        manifest: m,
        records,
        resumed: (mine.len() - todo.len()) as u64,
        ran: todo.len() as u64,
        threads,
    })
}

/// Threads for `runs` runs: as asked (`--threads`, else RAYON_NUM_THREADS,
/// else one per core), but no more than the cores nor the runs: more only
/// cost their start (`--threads 100000` spent a minute starting threads).
pub fn worker_threads(asked: Option<usize>, runs: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let from_env = || {
        std::env::var("RAYON_NUM_THREADS")
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
    };
    let asked = asked
        .filter(|&n| n > 0)
        .or_else(|| from_env().filter(|&n| n > 0))
        .unwrap_or(cores);
    asked.min(cores).min(runs).max(1)
}

/// `runs.csv` always; `aggregate.csv` once every run is there (not for a shard).
pub fn write_tables(out: &Path, m: &Manifest, records: &[RunRecord]) -> Result<()> {
    let parameters: Vec<String> = m.parameters.iter().map(|p| p.path.clone()).collect();
    let point_params: Vec<Vec<String>> = m
        .points
        .iter()
        .map(|p| {
            parameters
                .iter()
                .map(|k| p.params.get(k).map(table::cell).unwrap_or_default())
                .collect()
        })
        .collect();
    let metrics: Vec<Vec<(String, f64)>> =
        records.iter().map(|r| table::metrics(&r.summary)).collect();
    let rows: Vec<Row> = records
        .iter()
        .zip(&metrics)
        .map(|(r, ms)| Row {
            run: r.run,
            point: r.point,
            replication: r.replication,
            seed: r.seed,
            params: point_params[r.point as usize].clone(),
            metrics: ms,
        })
        .collect();
    let csv_err = |e: csv::Error| Error::Internal(format!("writing CSV: {e}"));
    write_atomic(
        &out.join("runs.csv"),
        &table::runs_csv(&parameters, &rows).map_err(csv_err)?,
    )?;
    if m.shard.is_none() {
        write_atomic(
            &out.join("aggregate.csv"),
            &table::aggregate_csv(&parameters, &point_params, &rows).map_err(csv_err)?,
        )?;
    }
    Ok(())
}
