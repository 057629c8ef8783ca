//! `ecsim._ecsim`: the ecsim library seen from Python. Only plumbing lives
//! here (arguments in, errors and bytes out); the `ecsim` Python package
//! around it gives the API (scenario objects, pyarrow tables, progress).
//!
//! A scenario comes in as its file name (for errors and relative paths)
//! and either its TOML text (unchanged since it was read, so errors carry
//! line and column as `ecsim validate` gives them) or a JSON document of
//! the TOML table (edited in Python).

use ecsim::billing::PriceBook;
use ecsim::error::{Error, InputError};
use ecsim::scenario::{self, Scenario};
use pyo3::exceptions::{PyKeyboardInterrupt, PyOSError, PyRuntimeError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// An ecsim error as the Python exception the package documents.
fn to_py(py: Python<'_>, e: Error) -> PyErr {
    let raised = |class: &str, args: (String, String, String)| -> PyErr {
        match py
            .import("ecsim._errors")
            .and_then(|m| m.getattr(class))
            .and_then(|c| c.call1(args))
        {
            Ok(v) => PyErr::from_value(v),
            Err(e) => e,
        }
    };
    match e {
        Error::Input(ie) => raised(
            "InputError",
            (ie.file.display().to_string(), ie.path, ie.message),
        ),
        Error::Interrupted | Error::Stopped(_) => PyKeyboardInterrupt::new_err(e.to_string()),
        Error::Io { .. } => PyOSError::new_err(e.to_string()),
        Error::Partial(m) | Error::NoPlan(m) => {
            raised("EcsimError", (m, String::new(), String::new()))
        }
        Error::Internal(_) => PyRuntimeError::new_err(e.to_string()),
    }
}

fn input(file: &str, path: &str, message: impl Into<String>) -> Error {
    Error::Input(InputError::new(Path::new(file), path, message))
}

/// Runs `f` with Python's errors for ecsim's and a panic caught (a bug
/// must not end the interpreter).
fn guarded<T>(py: Python<'_>, f: impl FnOnce() -> ecsim::error::Result<T>) -> PyResult<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r.map_err(|e| to_py(py, e)),
        Err(p) => Err(panic_error(p)),
    }
}

fn panic_error(p: Box<dyn std::any::Any + Send>) -> PyErr {
    let msg = p
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    PyRuntimeError::new_err(format!("internal error (a bug in ecsim): {msg}"))
}

/// How often a long call looks at Python's signals and draws progress.
const POLL: Duration = Duration::from_millis(100);

/// Runs `work` on a thread of its own while this one, without the GIL,
/// waits: every `POLL` it takes the GIL to check for Ctrl-C (which asks the
/// run to stop at its next check, as the CLI's signal handler does) and to
/// call `tick`. Python signal handlers run only on the main thread between
/// bytecodes, so a run holding the thread until its end could not be
/// stopped.
fn blocking<T: Send>(
    py: Python<'_>,
    tick: Option<&dyn Fn(Python<'_>)>,
    work: impl FnOnce() -> ecsim::error::Result<T> + Send,
) -> PyResult<T> {
    let done = AtomicBool::new(false);
    let waiter = std::thread::current();
    /// Says the work ended however it ended (a panic included).
    struct Ended<'a>(&'a AtomicBool, std::thread::Thread);
    impl Drop for Ended<'_> {
        fn drop(&mut self) {
            self.0.store(true, Ordering::Release);
            self.1.unpark();
        }
    }
    std::thread::scope(|s| {
        let h = s.spawn(|| {
            let _ended = Ended(&done, waiter);
            work()
        });
        let mut stop: Option<PyErr> = None;
        loop {
            let finished = py.detach(|| {
                if !done.load(Ordering::Acquire) {
                    std::thread::park_timeout(POLL);
                }
                done.load(Ordering::Acquire)
            });
            if finished {
                break;
            }
            if stop.is_none()
                && let Err(e) = py.check_signals()
            {
                ecsim::sim::INTERRUPT.store(true, Ordering::Relaxed);
                stop = Some(e);
            }
            if let Some(t) = tick {
                t(py);
            }
        }
        let r = h.join();
        if let Some(e) = stop {
            // The flag is the process's: the next run must not see it.
            ecsim::sim::INTERRUPT.store(false, Ordering::Relaxed);
            return Err(e);
        }
        match r {
            Ok(r) => r.map_err(|e| to_py(py, e)),
            Err(p) => Err(panic_error(p)),
        }
    })
}

/// A scenario from its text (as read) or its edited TOML table as JSON.
fn load(file: &str, text: Option<&str>, doc: Option<&str>) -> ecsim::error::Result<Scenario> {
    let path = Path::new(file);
    Ok(match (text, doc) {
        (Some(t), _) => scenario::parse(path, t)?,
        (None, Some(d)) => scenario::from_table(path, table_of(file, d)?)?,
        (None, None) => return Err(Error::Internal("no scenario given".into())),
    })
}

/// A JSON document (from Python) as a TOML table.
fn table_of(file: &str, doc: &str) -> ecsim::error::Result<toml::Table> {
    // The Python side has named None, NaN and oversized integers with
    // their field; what is left (nesting past the reader's depth) has none.
    serde_json::from_str(doc).map_err(|e| {
        let msg = e.to_string();
        let msg = msg.split(" at line ").next().unwrap_or(&msg);
        input(file, "", format!("cannot be written as TOML: {msg}"))
    })
}

/// The scenario ready to run: region set, size checked, prices found; its
/// notes are returned for Python to show.
fn prepare(
    file: &str,
    text: Option<&str>,
    doc: Option<&str>,
    prices: &[PathBuf],
    region: Option<&str>,
    force: bool,
) -> ecsim::error::Result<(Scenario, PriceBook, Vec<String>)> {
    let mut sc = load(file, text, doc)?;
    if let Some(r) = region {
        sc.set_region(r)?;
    }
    scenario::estimate::check(&sc, force)?;
    let book = ecsim::cli::price_book(prices)?;
    ecsim::run::rates_for(&sc, &book)?;
    let notes = scenario::notes(&sc);
    Ok((sc, book, notes))
}

/// TOML text → its table as JSON (errors as `ecsim validate` words them).
#[pyfunction]
fn parse_toml(py: Python<'_>, file: &str, text: &str) -> PyResult<String> {
    guarded(py, || {
        let t: toml::Table = toml::from_str(text)
            .map_err(|e| scenario::toml_error(Path::new(file), text, String::new(), &e))?;
        serde_json::to_string(&t).map_err(|e| Error::Internal(e.to_string()))
    })
}

/// A scenario file's text, read as the CLI reads it (regular files only,
/// at most `MAX_INPUT_BYTES`, UTF-8 with or without a byte order mark).
#[pyfunction]
fn read_scenario(py: Python<'_>, path: PathBuf) -> PyResult<String> {
    guarded(py, || {
        ecsim::input::read_text(&path).map_err(|e| {
            input(
                &path.display().to_string(),
                "",
                format!("cannot read the scenario: {e}"),
            )
        })
    })
}

/// A JSON document → TOML text.
#[pyfunction]
fn to_toml(py: Python<'_>, file: &str, doc: &str) -> PyResult<String> {
    guarded(py, || {
        toml::to_string(&table_of(file, doc)?).map_err(|e| input(file, "", e.to_string()))
    })
}

/// Checks a scenario as `ecsim validate` does; returns its figures
/// (instances, zones, task definitions, services, jobs, seconds, name,
/// seed) and notes.
#[pyfunction]
#[pyo3(signature = (file, text, doc, prices, region=None))]
fn validate(
    py: Python<'_>,
    file: &str,
    text: Option<&str>,
    doc: Option<&str>,
    prices: Vec<PathBuf>,
    region: Option<&str>,
) -> PyResult<(Vec<u64>, String, u64, Vec<String>)> {
    guarded(py, || {
        let mut sc = load(file, text, doc)?;
        if let Some(r) = region {
            sc.set_region(r)?;
        }
        ecsim::run::rates_for(&sc, &ecsim::cli::price_book(&prices)?)?;
        let c = &sc.cluster;
        let figures = [
            c.instances.len(),
            c.azs.len(),
            c.taskdefs.len(),
            c.services.len(),
            c.jobs.len(),
        ]
        .iter()
        .map(|&n| n as u64)
        .chain([sc.duration / 1000])
        .collect();
        Ok((figures, sc.name.clone(), sc.seed, scenario::notes(&sc)))
    })
}

/// `max_wall`: seconds, or a duration as `--max-wall` takes it ("90s",
/// "10m"), read by the CLI's own parser.
fn wall(py: Python<'_>, max_wall: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Duration>> {
    let Some(v) = max_wall else { return Ok(None) };
    let bad = |m: String| to_py(py, input("max_wall", "", m));
    if let Ok(text) = v.extract::<String>() {
        return ecsim::engine::time::parse_duration(&text)
            .map(|ms| Some(Duration::from_millis(ms)))
            .map_err(bad);
    }
    let s: f64 = v
        .extract()
        .map_err(|_| bad("must be seconds (a number) or a duration such as \"10m\"".into()))?;
    Duration::try_from_secs_f64(s)
        .map(Some)
        .map_err(|_| bad(format!("must be 0 seconds or more, got {s}")))
}

/// One typed column as the Arrow buffers pyarrow builds an array from
/// without copying: (name, kind, rows, validity bitmap, offsets, data).
type ArrowColumn = (
    String,
    &'static str,
    usize,
    Option<Py<PyBytes>>,
    Option<Py<PyBytes>>,
    Py<PyBytes>,
);

/// A run's tables, each as its columns.
type Tables = Vec<(String, Vec<ArrowColumn>)>;

/// `bits` packed as Arrow packs a bitmap: least significant bit first.
fn bitmap(bits: impl Iterator<Item = bool>, n: usize) -> Vec<u8> {
    let mut out = vec![0u8; n.div_ceil(8)];
    for (i, b) in bits.enumerate() {
        if b {
            out[i / 8] |= 1 << (i % 8);
        }
    }
    out
}

/// The typed columns the library's writers filled (the values the
/// Parquet files hold) laid out as Arrow arrays: a slot per row, a null's
/// slot zero and its validity bit clear. This is the one place tables
/// cross into Python; `_tables.from_columns` wraps the buffers.
fn arrow_columns(py: Python<'_>, t: ecsim::table::parquet::TypedTable) -> Vec<ArrowColumn> {
    use ecsim::table::parquet::Values;
    let bytes = |b: &[u8]| PyBytes::new(py, b).unbind();
    t.columns
        .into_iter()
        .map(|c| {
            let n = c.defined.len();
            let given = || c.defined.iter().map(|&d| d != 0);
            let validity = c.defined.contains(&0).then(|| bytes(&bitmap(given(), n)));
            // Each row's value, the next given one or `zero` for a null.
            fn slots<T: Copy>(defined: &[i16], v: &[T], zero: T) -> impl Iterator<Item = T> {
                let mut it = v.iter();
                defined.iter().map(move |&d| {
                    if d != 0 {
                        *it.next().unwrap_or(&zero)
                    } else {
                        zero
                    }
                })
            }
            let (kind, offsets, data) = match &c.values {
                Values::Int(v) => {
                    let data: Vec<u8> =
                        slots(&c.defined, v, 0).flat_map(i64::to_le_bytes).collect();
                    ("int", None, data)
                }
                Values::Float(v) => {
                    let data: Vec<u8> = slots(&c.defined, v, 0.0)
                        .flat_map(f64::to_le_bytes)
                        .collect();
                    ("float", None, data)
                }
                Values::Bool(v) => ("bool", None, bitmap(slots(&c.defined, v, false), n)),
                Values::Text(text, ends) => {
                    let mut it = ends.iter();
                    let mut at = 0usize;
                    let ends_by_row: Vec<usize> = c
                        .defined
                        .iter()
                        .map(|&d| {
                            if d != 0 {
                                at = *it.next().unwrap_or(&at);
                            }
                            at
                        })
                        .collect();
                    // 32-bit offsets (pyarrow's string) unless the text
                    // is past 2 GiB (large_string).
                    let (kind, offsets): (&str, Vec<u8>) = if text.len() <= i32::MAX as usize {
                        let o = std::iter::once(0).chain(ends_by_row.iter().map(|&e| e as i32));
                        ("text", o.flat_map(i32::to_le_bytes).collect())
                    } else {
                        let o = std::iter::once(0).chain(ends_by_row.iter().map(|&e| e as i64));
                        ("large_text", o.flat_map(i64::to_le_bytes).collect())
                    };
                    (kind, Some(bytes(&offsets)), text.clone())
                }
            };
            (c.name, kind, n, validity, offsets, bytes(&data))
        })
        .collect()
}

/// Runs a scenario into memory: (summary JSON, [(table, columns)], notes),
/// each table's columns as `arrow_columns` gives them.
#[pyfunction]
#[pyo3(signature = (file, text, doc, seed, prices, region, force, max_wall, outputs, progress))]
#[allow(clippy::too_many_arguments)]
fn run(
    py: Python<'_>,
    file: &str,
    text: Option<&str>,
    doc: Option<&str>,
    seed: Option<u64>,
    prices: Vec<PathBuf>,
    region: Option<&str>,
    force: bool,
    max_wall: Option<Bound<'_, PyAny>>,
    outputs: Option<&str>,
    progress: Option<Py<PyAny>>,
) -> PyResult<(String, Tables, Vec<String>)> {
    let max_wall = wall(py, max_wall.as_ref())?;
    let (sc, book, notes) = guarded(py, || prepare(file, text, doc, &prices, region, force))?;
    let outputs = match outputs {
        Some(o) => {
            ecsim::report::Outputs::parse(o).map_err(|m| to_py(py, input("outputs", "", m)))?
        }
        None => Default::default(),
    };
    let seed = seed.unwrap_or(sc.seed);
    let cell = Arc::new(ecsim::engine::Progress::default());
    let opts = ecsim::run::RunOptions {
        max_wall,
        progress: Some(Arc::clone(&cell)),
        outputs,
        // Typed columns in memory: no text written or parsed.
        format: ecsim::table::Format::Parquet,
        timeseries: None,
    };
    let tick = |py: Python<'_>| {
        // Nothing to show until the run has begun (its end is known).
        if let Some(cb) = progress.as_ref().filter(|_| cell.end() > 0) {
            // A failing progress bar must not fail the run.
            let _ = cb.call1(py, (cell.reached(), cell.end()));
        }
    };
    let r = blocking(py, Some(&tick), || {
        ecsim::run::run_in_memory(&sc, seed, &book, &opts)
    })?;
    let summary =
        serde_json::to_string(&r.summary).map_err(|e| to_py(py, Error::Internal(e.to_string())))?;
    let tables = r
        .columns
        .into_iter()
        .map(|(stem, t)| (stem, arrow_columns(py, t)))
        .collect();
    Ok((summary, tables, notes))
}

/// The bill (`ecsim price`): (CSV lines, JSON estimate, notes).
#[pyfunction]
#[pyo3(signature = (file, text, doc, seed, prices, region, force, max_wall))]
#[allow(clippy::too_many_arguments)]
fn price(
    py: Python<'_>,
    file: &str,
    text: Option<&str>,
    doc: Option<&str>,
    seed: Option<u64>,
    prices: Vec<PathBuf>,
    region: Option<&str>,
    force: bool,
    max_wall: Option<Bound<'_, PyAny>>,
) -> PyResult<(String, String, Vec<String>)> {
    use ecsim::report::price as p;
    let max_wall = wall(py, max_wall.as_ref())?;
    let (sc, book, notes) = guarded(py, || prepare(file, text, doc, &prices, region, force))?;
    let seed = seed.unwrap_or(sc.seed);
    let opts = ecsim::run::RunOptions {
        max_wall,
        ..Default::default()
    };
    let r = blocking(py, None, || {
        ecsim::run::simulate_with(&sc, seed, &book, None, &opts)
    })?;
    let e = p::estimate(&sc, seed, &r);
    Ok((
        p::render(&e, p::Format::Csv),
        p::render(&e, p::Format::Json),
        notes,
    ))
}

/// A sweep or plan of a scenario: `sweep` is the sweep file's table as
/// JSON (name, replications, seed, grid or points, targets). The results
/// go to `out` as the CLI writes them; returns that folder.
#[pyfunction]
#[pyo3(signature = (kind, file, text, doc, sweep, out, threads, prices, region, force, max_wall, progress))]
#[allow(clippy::too_many_arguments)]
fn many(
    py: Python<'_>,
    kind: &str,
    file: &str,
    text: Option<&str>,
    doc: Option<&str>,
    sweep: &str,
    out: PathBuf,
    threads: Option<usize>,
    prices: Vec<PathBuf>,
    region: Option<String>,
    force: bool,
    max_wall: Option<Bound<'_, PyAny>>,
    progress: Option<Py<PyAny>>,
) -> PyResult<PathBuf> {
    let started = std::time::Instant::now();
    let max_wall = wall(py, max_wall.as_ref())?;
    let what = format!("{kind} (Python)");
    let sw = guarded(py, || {
        let base_text = match (text, doc) {
            (Some(t), _) => t.to_string(),
            (None, Some(d)) => {
                toml::to_string(&table_of(file, d)?).map_err(|e| input(file, "", e.to_string()))?
            }
            (None, None) => return Err(Error::Internal("no scenario given".into())),
        };
        let sweep_text = toml::to_string(&table_of(&what, sweep)?)
            .map_err(|e| input(&what, "", e.to_string()))?;
        Ok(ecsim::sweep::spec::parse_with_base(
            Path::new(&what),
            sweep_text,
            kind,
            Some((PathBuf::from(file), base_text)),
        )?)
    })?;
    let common = ecsim::cli::ManyRuns {
        threads,
        prices,
        region,
        force,
        quiet: true,
        max_wall,
        keep_runs: Vec::new(),
        watch: Some(Arc::default()),
    };
    let tick = |py: Python<'_>| {
        // Nothing to show while the points are checked (no run has begun).
        if let (Some(cb), Some(w)) = (&progress, &common.watch)
            && w.end() > 0
        {
            let _ = cb.call1(py, (w.reached(), w.end()));
        }
    };
    let out2 = out.clone();
    blocking(py, Some(&tick), || {
        if kind == "plan" {
            ecsim::cli::plan_of(sw, Some(out2), &common, started).map(|_| ())
        } else {
            ecsim::cli::many_runs_of(sw, kind, Some(out2), None, &common, started).map(|_| ())
        }
    })?;
    Ok(out)
}

/// `ecsim catalog --csv`.
#[pyfunction]
#[pyo3(signature = (pattern, region, prices, vcpu=None, memory_min=None, memory_max=None, arch=None))]
#[allow(clippy::too_many_arguments)]
fn catalog(
    py: Python<'_>,
    pattern: &str,
    region: &str,
    prices: Vec<PathBuf>,
    vcpu: Option<String>,
    memory_min: Option<u32>,
    memory_max: Option<u32>,
    arch: Option<String>,
) -> PyResult<String> {
    guarded(py, || {
        let book = ecsim::cli::price_book(&prices)?;
        // The CLI's filters (--vcpu, --memory-min, …), named as keywords.
        let filter =
            ecsim::catalog::list::filter(vcpu.as_deref(), memory_min, memory_max, arch.as_deref())
                .map_err(|(flag, m)| {
                    input(&flag.trim_start_matches("--").replace('-', "_"), "", m)
                })?;
        ecsim::billing::catalog_table::render(pattern, &filter, region, &book, true)
            .map_err(|m| input("region", "", m))
    })
}

/// `ecsim import`: (the scenario written, notes of what was not mapped).
#[pyfunction]
#[pyo3(signature = (dir, out, name, force))]
fn import_export(
    py: Python<'_>,
    dir: PathBuf,
    out: Option<PathBuf>,
    name: Option<&str>,
    force: bool,
) -> PyResult<(PathBuf, Vec<String>)> {
    guarded(py, || {
        let r = ecsim::import::import(&dir, out.as_deref(), name, force)?;
        Ok((r.scenario, r.notes))
    })
}

/// The type of each column of table `stem` (`int`, `float`, `text`,
/// `bool`; `None` for a table or column the schema does not know, whose
/// type the reader infers), so the tables Python builds are typed as the
/// Parquet files are.
#[pyfunction]
fn column_kinds(stem: &str, columns: Vec<String>) -> Vec<Option<&'static str>> {
    use ecsim::table::schema::{Kind, kind};
    columns
        .iter()
        .map(|c| {
            kind(stem, c).map(|k| match k {
                Kind::Int => "int",
                Kind::Float => "float",
                Kind::Bool => "bool",
                Kind::Text => "text",
            })
        })
        .collect()
}

#[pymodule]
fn _ecsim(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(parse_toml, m)?)?;
    m.add_function(wrap_pyfunction!(to_toml, m)?)?;
    m.add_function(wrap_pyfunction!(read_scenario, m)?)?;
    m.add_function(wrap_pyfunction!(validate, m)?)?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(price, m)?)?;
    m.add_function(wrap_pyfunction!(many, m)?)?;
    m.add_function(wrap_pyfunction!(catalog, m)?)?;
    m.add_function(wrap_pyfunction!(import_export, m)?)?;
    m.add_function(wrap_pyfunction!(column_kinds, m)?)?;
    Ok(())
}
