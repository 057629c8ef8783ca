//! Command-line wiring: one place that defines every flag.

use crate::billing::PriceBook;
use crate::error::{Error, Result};
use crate::report::price;
use crate::{report, run, scenario};
use clap::{Parser, Subcommand};
use std::path::Path;
use std::path::PathBuf;

/// Prints a line; a closed pipe (`ecsim run ... | head`) is not an error.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

const EXAMPLES: &str = "\
Examples:
  ecsim run scenarios/quickstart.toml                 # results in results/quickstart/
  ecsim run scenarios/quickstart.toml --seed 7        # results in results/quickstart-seed-7/
  ecsim validate scenarios/daemon.toml
  ecsim price scenarios/web-fargate-spot.toml --format json
  ecsim run scenarios/web-ec2.toml --prices src/catalog/prices.csv   # your prices, same columns
  ecsim price scenarios/web-ec2.toml --region eu-west-1 --prices tests/fixtures/pricelist/ec2-eu-west-1.csv   # an AWS offer file
  ecsim report results/quickstart --png               # report.html + report/*.png
  cargo install --path .                              # puts ecsim on PATH (~/.cargo/bin)

Exit codes: 0 success, 2 invalid input (scenario, data file, flags), 3 partial
results (--max-wall reached), 4 (plan) no configuration meets every target,
130 interrupted (Ctrl-C; 143 SIGTERM, 129 SIGHUP), 1 any other error (e.g. the
results folder cannot be written).";

/// Exit code of a run cut short by `--max-wall`: results written, but partial.
pub const EXIT_PARTIAL: i32 = 3;

/// The signals that stop a run (Ctrl-C, SIGTERM, SIGHUP); ecsim then exits
/// with 128 + the signal, as a shell reports a process the signal ended.
pub const STOP_SIGNALS: [i32; 3] = [
    signal_hook::consts::SIGINT,
    signal_hook::consts::SIGTERM,
    signal_hook::consts::SIGHUP,
];

#[derive(Debug, Parser)]
#[command(name = "ecsim", version, about = "Discrete-event simulator of Amazon ECS clusters", after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario and write summary.json, tasks.csv, instances.csv and timeseries.csv.
    #[command(after_help = EXAMPLES)]
    Run {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Seed for every random stream; overrides the scenario's `seed`.
        #[arg(long)]
        seed: Option<u64>,
        /// Results folder [default: results/<scenario name>/; with --seed N, results/<scenario name>-seed-N/].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print nothing on success.
        #[arg(long, short)]
        quiet: bool,
        /// Price file whose rows override the shipped catalog: a CSV like src/catalog/prices.csv, or an AWS offer file (AmazonEC2, AmazonECS; CSV or JSON) of a region. Repeatable.
        #[arg(long, value_name = "FILE")]
        prices: Vec<PathBuf>,
        /// AWS region to price and run in; overrides the scenario's `region` (e.g. eu-west-1, with that region's --prices offer files).
        #[arg(long, value_name = "REGION")]
        region: Option<String>,
        /// Run even when the scenario looks too large (see the size estimate).
        #[arg(long)]
        force: bool,
        /// Wall-clock limit ("30s", "10m"): past it the run stops, keeps what it simulated, marks it partial and exits with 3.
        #[arg(long, value_name = "DURATION", value_parser = parse_wall)]
        max_wall: Option<std::time::Duration>,
        /// Only these files besides summary.json, comma-separated: tasks, timeseries, scaling, cost, cost_timeseries, instances, refused, incidents, deployments [default: all].
        #[arg(long, value_name = "LIST", value_parser = report::Outputs::parse)]
        outputs: Option<report::Outputs>,
        /// Table format: csv, or parquet (the same rows, typed and compressed, for pandas, polars and DuckDB); summary.json either way.
        #[arg(long, value_name = "FORMAT", default_value = "csv", value_parser = parse_format)]
        format: crate::table::Format,
        /// timeseries layout: wide (a row a minute, a column per series) or long (time_s, series, value: a row per minute and series) [default: wide].
        #[arg(long, value_name = "SHAPE", value_parser = parse_shape)]
        timeseries: Option<crate::table::Shape>,
    },
    /// Simulate a scenario and print its bill like a pricing calculator (nothing is written).
    #[command(after_help = EXAMPLES)]
    Price {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Seed for every random stream; overrides the scenario's `seed`.
        #[arg(long)]
        seed: Option<u64>,
        /// Price file whose rows override the shipped catalog (ecsim CSV or AWS offer file). Repeatable.
        #[arg(long, value_name = "FILE")]
        prices: Vec<PathBuf>,
        /// AWS region to price and run in; overrides the scenario's `region` (e.g. eu-west-1, with that region's --prices offer files).
        #[arg(long, value_name = "REGION")]
        region: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: price::Format,
        /// Run even when the scenario looks too large (see the size estimate).
        #[arg(long)]
        force: bool,
        /// Wall-clock limit ("30s", "10m"): past it the run stops, keeps what it simulated, marks it partial and exits with 3.
        #[arg(long, value_name = "DURATION", value_parser = parse_wall)]
        max_wall: Option<std::time::Duration>,
    },
    /// Run a base scenario over a grid (or list) of parameter values × replications,
    /// in parallel; writes runs.csv (one row per run) and aggregate.csv (per point:
    /// mean, std, 95% CI). An interrupted sweep resumes when run again.
    #[command(after_help = SWEEP_HELP)]
    Sweep {
        /// Sweep file (TOML): name, scenario, replications, seed, [grid] or [[points]].
        sweep: PathBuf,
        /// Results folder [default: results/<sweep name>/, or results/<name>-shard-K-of-N/].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Run only shard K of N (K from 0): runs whose number is K modulo N.
        /// Without it, AWS_BATCH_JOB_ARRAY_INDEX or JOB_COMPLETION_INDEX with
        /// ECSIM_SHARD_COUNT select the shard.
        #[arg(long, value_name = "K/N")]
        shard: Option<String>,
        #[command(flatten)]
        common: ManyRuns,
    },
    /// Join the folders of a sharded sweep into the folder one machine would have written.
    #[command(after_help = SWEEP_HELP)]
    Merge {
        /// Shard folders (each written by `ecsim sweep --shard K/N`).
        #[arg(required = true)]
        shards: Vec<PathBuf>,
        /// Where the merged sweep goes.
        #[arg(long)]
        out: PathBuf,
        /// Print nothing on success.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Write RESULTS_DIR/report.html: charts (inline SVG) of a run or a sweep.
    Report {
        /// A results folder written by `ecsim run` or `ecsim sweep`.
        results_dir: PathBuf,
        /// Also write each chart as RESULTS_DIR/report/<chart>.png (for slides).
        #[arg(long)]
        png: bool,
        /// Print nothing on success.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Find the cheapest configurations (of [choices]) whose every replication meets every target.
    #[command(after_help = SWEEP_HELP)]
    Plan {
        /// Plan file (TOML): a sweep file with [choices] (or [[points]]) and [targets].
        plan: PathBuf,
        /// Results folder [default: results/<plan name>/].
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        common: ManyRuns,
    },
    /// List the EC2 instance types ecsim knows: vCPU, memory, architecture, GPUs,
    /// awsvpc tasks per instance (without / with ENI trunking) and hourly price.
    Catalog {
        /// Type names containing this text, or a glob with `*` ("m7g.*", "*.xlarge") [default: all].
        #[arg(default_value = "")]
        pattern: String,
        /// Region whose on-demand prices to show.
        #[arg(long, default_value = "us-east-1")]
        region: String,
        /// Price file whose rows override the shipped catalog: ecsim's CSV or an AWS Price List offer file (repeatable).
        #[arg(long, value_name = "FILE")]
        prices: Vec<PathBuf>,
        /// CSV instead of a table.
        #[arg(long)]
        csv: bool,
        /// vCPUs: a count ("4") or an inclusive range ("2-8"), as InstanceRequirements' vcpu_count.
        #[arg(long, value_name = "N|MIN-MAX")]
        vcpu: Option<String>,
        /// At least this much memory, MiB (memory_mib.min).
        #[arg(long, value_name = "MIB")]
        memory_min: Option<u32>,
        /// At most this much memory, MiB (memory_mib.max).
        #[arg(long, value_name = "MIB")]
        memory_max: Option<u32>,
        /// Only this CPU architecture: x86_64 or arm64.
        #[arg(long, value_name = "ARCH")]
        arch: Option<String>,
    },
    /// Write a scenario from a running cluster's AWS CLI outputs (a folder
    /// written by scripts/export-cluster.sh): instance groups, capacity
    /// providers, services, scaling policies, the tasks running now and
    /// demand from CloudWatch. What cannot be mapped is said on stderr.
    #[command(after_help = IMPORT_HELP)]
    Import {
        /// Folder of JSON files as the AWS CLI printed them (any file names).
        dir: PathBuf,
        /// Scenario to write; its task definitions and traces go to a folder
        /// of the same name beside it [default: <cluster name>.toml].
        #[arg(long, value_name = "SCENARIO.toml")]
        out: Option<PathBuf>,
        /// Scenario name [default: the cluster's name].
        #[arg(long)]
        name: Option<String>,
        /// Print nothing on success but what could not be mapped.
        #[arg(long, short)]
        quiet: bool,
        /// Replace existing files (an earlier import's scenario, task
        /// definitions and traces); never a file of the export, never
        /// through a symbolic link.
        #[arg(long)]
        force: bool,
    },
    /// Check a scenario without running it.
    Validate {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Price file whose rows override the shipped catalog (ecsim CSV or AWS offer file). Repeatable.
        #[arg(long, value_name = "FILE")]
        prices: Vec<PathBuf>,
    },
}

const IMPORT_HELP: &str = "\
Examples:
  scripts/export-cluster.sh my-cluster --region eu-west-1 --days 7   # writes export-my-cluster/
  ecsim import export-my-cluster --out my-cluster.toml
  ecsim run my-cluster.toml

Exit codes: 0 success, 2 invalid or incomplete export (the message names the
file and field), 1 other errors.";

/// Flags every many-run command takes.
#[derive(Debug, clap::Args)]
pub struct ManyRuns {
    /// Worker threads [default: RAYON_NUM_THREADS, else one per core]. Results do not depend on it.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Price file whose rows override the shipped catalog (ecsim CSV or AWS offer file). Repeatable.
    #[arg(long, value_name = "FILE")]
    pub prices: Vec<PathBuf>,
    /// AWS region to price and run in; overrides the scenario's `region` (e.g. eu-west-1, with that region's --prices offer files).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Run even when a point looks too large (see the size estimate).
    #[arg(long)]
    pub force: bool,
    /// Print nothing on success (no progress bar either).
    #[arg(long, short)]
    pub quiet: bool,
    /// Wall-clock limit for the whole command ("30m", "2h"): past it no run starts, runs
    /// in flight are dropped, finished ones are kept; exit 3, and the same command resumes.
    #[arg(long, value_name = "DURATION", value_parser = parse_wall)]
    pub max_wall: Option<std::time::Duration>,
    /// Keep every output file of these runs (by number, as runs.csv lists them, e.g. "0,17") in OUT/kept/run-NNNNNN/.
    #[arg(long, value_name = "RUNS", value_delimiter = ',')]
    pub keep_runs: Vec<u64>,
    /// Runs finished of all (the Python package's progress bar).
    #[arg(skip)]
    pub watch: Option<std::sync::Arc<crate::engine::Progress>>,
}

const SWEEP_HELP: &str = "\
Examples:
  ecsim sweep scenarios/autoscale-targets.sweep.toml              # results in results/<sweep name>/
  ecsim sweep scenarios/autoscale-targets.sweep.toml --shard 0/4 --out s0   # one of 4 machines
  ecsim merge s0 s1 s2 s3 --out results/targets                   # same files as one machine
  ecsim plan scenarios/web-capacity.plan.toml

Replication r of every point runs with seed = master seed + r, so
`ecsim run SCENARIO --seed S` reproduces any run. Exit codes: 0 success,
2 invalid input, 3 --max-wall reached (finished runs are kept; run again to
resume), 4 (plan) no configuration meets every target, 130 interrupted
(Ctrl-C; 143 SIGTERM, 129 SIGHUP: finished runs are kept; run again to
resume), 1 other errors.";

pub fn main() -> i32 {
    let cli = Cli::parse();
    ignore_file_size_signal();
    if cli.command.polls_for_stop() {
        stop_on_signals();
    }
    match dispatch(cli.command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            match e {
                Error::Interrupted | Error::Stopped(_) => stop_code(),
                e => e.exit_code(),
            }
        }
    }
}

/// The signal that asked ecsim to stop, 0 if none.
static STOP_SIGNAL: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Ctrl-C (SIGINT), SIGTERM (how Kubernetes, AWS Batch and ECS stop a job)
/// and SIGHUP (a closed terminal) stop a run at its next check, so staged
/// results are removed and a sweep keeps its finished runs. A second one
/// ends the process at once, from a thread that first removes the staging
/// folders (a signal handler itself may not touch files); a third ends it
/// even if that removal hangs.
fn stop_on_signals() {
    use signal_hook::flag;
    use std::sync::atomic::{AtomicBool, Ordering};
    static STOPPING: &AtomicBool = &crate::sim::INTERRUPT;
    static FORCED: AtomicBool = AtomicBool::new(false);
    for sig in STOP_SIGNALS {
        // Registered first, so it sees the flag as the previous signal left it.
        let _ = flag::register_conditional_shutdown(sig, 128 + sig, &FORCED);
        let _ = flag::register_usize(sig, &STOP_SIGNAL, sig as usize);
        let _ = flag::register(sig, STOPPING);
    }
    let Ok(mut signals) = signal_hook::iterator::Signals::new(STOP_SIGNALS) else {
        return;
    };
    let _ = std::thread::Builder::new()
        .name("ecsim-signals".into())
        .spawn(move || {
            let mut seen = 0;
            for sig in signals.forever() {
                seen += 1;
                if seen >= 2 {
                    FORCED.store(true, Ordering::SeqCst);
                    crate::report::remove_live();
                    eprintln!("error: stopped at once (a second signal); staged results removed");
                    std::process::exit(128 + sig);
                }
            }
        });
}

/// A file-size limit (`ulimit -f`) sends SIGXFSZ to a write past it, which
/// would end ecsim with no word and half a staging folder left. Ignored
/// (caught by a handler that does nothing), the write fails with an error
/// instead, which names the file and removes the staging folder.
fn ignore_file_size_signal() {
    // SAFETY: the handler does nothing, so it is async-signal-safe.
    let _ = unsafe { signal_hook::low_level::register(signal_hook::consts::SIGXFSZ, || {}) };
}

/// 128 + the signal, as a shell reports a process the signal ended:
/// 130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP.
fn stop_code() -> i32 {
    match STOP_SIGNAL.load(std::sync::atomic::Ordering::SeqCst) {
        0 => 130,
        sig => 128 + sig as i32,
    }
}

impl Command {
    /// Commands that check for a stop while they work; the others keep
    /// the default (a signal ends them, and they write atomically).
    fn polls_for_stop(&self) -> bool {
        matches!(
            self,
            Command::Run { .. }
                | Command::Price { .. }
                | Command::Sweep { .. }
                | Command::Plan { .. }
        )
    }
}

/// A `--max-wall` value: a duration such as "90s" or "10m" ("0s" stops at once).
fn parse_shape(s: &str) -> Result<crate::table::Shape, String> {
    crate::table::Shape::parse(s)
        .ok_or_else(|| format!("\"{s}\" is not a timeseries layout; choose wide or long"))
}

fn parse_format(s: &str) -> Result<crate::table::Format, String> {
    crate::table::Format::parse(s)
        .ok_or_else(|| format!("\"{s}\" is not a format; choose csv or parquet"))
}

fn parse_wall(text: &str) -> std::result::Result<std::time::Duration, String> {
    crate::engine::time::parse_duration(text).map(std::time::Duration::from_millis)
}

/// Tells a script (stderr) that a run was cut short; returns its exit code.
fn partial_code(reason: Option<&str>) -> i32 {
    match reason {
        Some(why) => {
            eprintln!("warning: results are partial: {why}");
            EXIT_PARTIAL
        }
        None => 0,
    }
}

/// `ecsim run`'s summary on stdout: what ran, what it cost, the headline
/// figures, and notes on tasks left waiting or refused.
fn print_run(s: &report::Summary, out: &Path) -> Result<()> {
    say!(
        "{}: simulated {} s in {:.3} s wall ({} events, {:.0} events/s); {} tasks started, {} stopped, {} failed",
        s.scenario,
        s.sim_duration_s,
        s.wall_time_s,
        s.events_processed,
        s.events_per_s,
        s.tasks_started,
        s.tasks_stopped,
        s.tasks_failed
    );
    say!(
        "  cost: {:.2} USD ({:.2} USD idle EC2 capacity), {:.2} USD per 1,000 task-hours; {:.2} USD per month, Spot {:.1} % of compute",
        s.cost.total_cost_usd,
        s.cost.idle_capacity_cost_usd,
        s.cost.cost_per_1000_task_hours,
        s.cost.monthly_cost_usd,
        s.cost.spot_share_pct
    );
    // The same figures as the report's overview, from the same keys.
    let v = serde_json::to_value(s).map_err(|e| Error::Internal(e.to_string()))?;
    for line in report::headline::run_lines(&report::headline::Headline::from_summary(&v)) {
        say!("{line}");
    }
    if s.tasks_provisioning_at_end > 0 {
        say!(
            "  note: {} tasks were still waiting for capacity (PROVISIONING) at the end; see tasks.csv rows with last_status PROVISIONING",
            s.tasks_provisioning_at_end
        );
    }
    for (why, n) in &s.tasks_provisioning_eni_gpu_by_reason {
        say!(
            "  note: {n} of them take an ENI (awsvpc) or GPUs and no instance passes {why}: {}",
            match *why {
                "RESOURCE:ENI" =>
                    "every instance's ENIs are taken (max_enis - 1 awsvpc tasks each; awsvpc_trunking = true on a group raises it)",
                "RESOURCE:GPU" => "no instance has enough free GPUs",
                "ATTRIBUTE:ecs.cpu-architecture" =>
                    "the instances with room are of another CPU architecture than the task's runtime_platform",
                _ => "see tasks.csv",
            }
        );
    }
    if s.tasks_refused > 0 {
        say!(
            "  note: {} job launches were refused for want of capacity (as ECS's RunTask does: {}); see refused.csv, or set no_capacity = \"queue\" on the job to queue them",
            s.tasks_refused,
            s.tasks_refused_by_reason
                .iter()
                .map(|(why, n)| format!("{why} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    say!("results in {}/", out.display());
    Ok(())
}

/// `ecsim import`'s summary on stdout: what was imported, and where.
fn print_import(r: &crate::import::Imported) {
    say!(
        "imported {} from {} AWS CLI outputs: {} instance groups ({} instances), {} capacity providers, {} task definitions, {} services (desired {} tasks), {} scaling policies and scheduled actions, {} tasks placed where they run now, {} demand traces; {} things not mapped",
        r.name,
        r.files_read,
        r.instance_groups,
        r.instances,
        r.capacity_providers,
        r.task_definitions,
        r.services,
        r.desired_total,
        r.scaling_policies,
        r.initial_tasks,
        r.demand_traces,
        r.notes.len()
    );
    say!(
        "wrote {}; try: ecsim run {}",
        r.scenario.display(),
        r.scenario.display()
    );
}

/// `ecsim validate`: the scenario read and priced, its notes on stderr,
/// what it holds on stdout.
fn validate(path: &Path, prices: &[PathBuf]) -> Result<()> {
    let sc = scenario::load(path).map_err(Error::from)?;
    run::rates_for(&sc, &price_book(prices)?)?;
    for n in scenario::notes(&sc) {
        eprintln!("note: {n}");
    }
    let c = &sc.cluster;
    say!(
        "{}: ok — {} instances in {} zones, {} task definitions, {} services, {} jobs, {} s",
        path.display(),
        c.instances.len(),
        c.azs.len(),
        c.taskdefs.len(),
        c.services.len(),
        c.jobs.len(),
        sc.duration / 1000
    );
    Ok(())
}

/// `ecsim catalog`: the matching instance types with their prices, on stdout.
fn catalog(
    pattern: &str,
    region: &str,
    prices: &[PathBuf],
    csv: bool,
    (vcpu, memory_min, memory_max, arch): (
        Option<String>,
        Option<u32>,
        Option<u32>,
        Option<String>,
    ),
) -> Result<()> {
    let book = price_book(prices)?;
    let filter =
        crate::catalog::list::filter(vcpu.as_deref(), memory_min, memory_max, arch.as_deref())
            .map_err(|(flag, m)| crate::error::InputError::new(Path::new(flag), "", m))?;
    let text = crate::billing::catalog_table::render(pattern, &filter, region, &book, csv)
        .map_err(|m| crate::error::InputError::new(Path::new("--region"), "", m))?;
    // A closed pipe (`| head`) is not an error.
    let _ = std::io::Write::write_all(&mut std::io::stdout(), text.as_bytes());
    Ok(())
}

fn dispatch(cmd: Command) -> Result<i32> {
    // `--max-wall` counts from here: reading and checking a scenario (a
    // large cluster's setup) is part of the time a user gave.
    let started = std::time::Instant::now();
    let left =
        |limit: Option<std::time::Duration>| limit.map(|d| d.saturating_sub(started.elapsed()));
    match cmd {
        Command::Run {
            scenario: path,
            seed,
            out,
            quiet,
            prices,
            region,
            force,
            max_wall,
            outputs,
            format,
            timeseries,
        } => {
            let seeded = seed.is_some();
            let (sc, book, seed) = prepare(&path, &prices, region.as_deref(), seed, force)?;
            let out = out.unwrap_or_else(|| default_out(&sc.name, seeded.then_some(seed)));
            let (progress, bar) = crate::progress::run(!quiet);
            let opts = run::RunOptions {
                max_wall: left(max_wall),
                progress,
                outputs: outputs.unwrap_or_default(),
                format,
                timeseries,
            };
            let s = run::run_to_dir_with(&sc, seed, &book, &out, &opts);
            drop(bar);
            let s = s?;
            if !quiet {
                print_run(&s, &out)?;
            }
            Ok(partial_code(s.partial_reason.as_deref()))
        }
        Command::Price {
            scenario: path,
            seed,
            prices,
            region,
            format,
            force,
            max_wall,
        } => {
            let (sc, book, seed) = prepare(&path, &prices, region.as_deref(), seed, force)?;
            // The bill goes to stdout; progress to stderr, when a terminal.
            let (progress, bar) = crate::progress::run(true);
            let opts = run::RunOptions {
                max_wall: left(max_wall),
                progress,
                ..Default::default()
            };
            let r = run::simulate_with(&sc, seed, &book, None, &opts);
            drop(bar);
            let r = r?;
            say!(
                "{}",
                price::render(&price::estimate(&sc, seed, &r), format).trim_end()
            );
            Ok(partial_code(r.outcome.partial.as_deref()))
        }
        Command::Sweep {
            sweep,
            out,
            shard,
            common,
        } => {
            let env = |k: &str| std::env::var(k).ok();
            let shard = crate::sweep::shard(shard.as_deref(), &env)?;
            let (sw, done, _) = many_runs(&sweep, "sweep", out, shard, &common, started)?;
            if !common.quiet {
                say!("{}", crate::sweep::text::sweep(&sw, &done).trim_end());
            }
            Ok(0)
        }
        Command::Merge { shards, out, quiet } => {
            let m = crate::sweep::merge(&shards, &out)?;
            if !quiet {
                say!(
                    "merged {} shard folders: {} runs of sweep {} → {}/ (runs.csv, aggregate.csv)",
                    shards.len(),
                    m.runs_total,
                    m.sweep,
                    out.display()
                );
            }
            Ok(0)
        }
        Command::Plan { plan, out, common } => plan_cmd(&plan, out, &common, started).map(|()| 0),
        Command::Report {
            results_dir,
            png,
            quiet,
        } => {
            let w = report::html::write(&results_dir, png)?;
            if !quiet {
                say!("{} ({} charts)", w.html.display(), w.charts.len());
                for p in &w.pngs {
                    say!("{}", p.display());
                }
            }
            Ok(0)
        }
        Command::Catalog {
            pattern,
            region,
            prices,
            csv,
            vcpu,
            memory_min,
            memory_max,
            arch,
        } => catalog(
            &pattern,
            &region,
            &prices,
            csv,
            (vcpu, memory_min, memory_max, arch),
        )
        .map(|()| 0),
        Command::Import {
            dir,
            out,
            name,
            quiet,
            force,
        } => {
            let r = crate::import::import(&dir, out.as_deref(), name.as_deref(), force)?;
            for n in &r.notes {
                eprintln!("not mapped: {n}");
            }
            if !quiet {
                print_import(&r);
            }
            Ok(0)
        }
        Command::Validate {
            scenario: path,
            prices,
        } => validate(&path, &prices).map(|()| 0),
    }
}

/// `run`'s folder without `--out`: results/<name>/, or with `--seed N`
/// results/<name>-seed-N/, so a seeded run never replaces the unseeded one.
pub fn default_out(name: &str, seed: Option<u64>) -> PathBuf {
    PathBuf::from("results").join(match seed {
        Some(n) => format!("{name}-seed-{n}"),
        None => name.to_string(),
    })
}

/// The shipped prices, or those with `files` (`--prices`) over them.
pub fn price_book(files: &[PathBuf]) -> Result<PriceBook> {
    if files.is_empty() {
        Ok(PriceBook::shipped())
    } else {
        Ok(PriceBook::with_overrides_all(files)?)
    }
}

/// What `run` and `price` share: the checked scenario, its prices and the seed.
fn prepare(
    path: &Path,
    prices: &[PathBuf],
    region: Option<&str>,
    seed: Option<u64>,
    force: bool,
) -> Result<(scenario::Scenario, PriceBook, u64)> {
    let mut sc = scenario::load(path).map_err(Error::from)?;
    if let Some(r) = region {
        sc.set_region(r).map_err(Error::from)?;
    }
    scenario::estimate::check(&sc, force)?;
    let book = price_book(prices)?;
    // Prices are checked before any note: bad input gets one message.
    run::rates_for(&sc, &book)?;
    for n in scenario::notes(&sc) {
        eprintln!("note: {n}");
    }
    let seed = seed.unwrap_or(sc.seed);
    Ok((sc, book, seed))
}

/// What `sweep` and `plan` share: read the file, check every point, run.
fn many_runs(
    file: &Path,
    kind: &str,
    out: Option<PathBuf>,
    shard: Option<crate::sweep::Shard>,
    common: &ManyRuns,
    started: std::time::Instant,
) -> Result<(
    crate::sweep::spec::Sweep,
    crate::sweep::Done,
    Vec<crate::sweep::plan::Target>,
)> {
    let sw = crate::sweep::spec::load(file, kind)?;
    many_runs_of(sw, kind, out, shard, common, started)
}

/// `many_runs` of a sweep already read (the Python package builds one in
/// memory): check every point, run, keep the results in `out`.
pub fn many_runs_of(
    mut sw: crate::sweep::spec::Sweep,
    kind: &str,
    out: Option<PathBuf>,
    shard: Option<crate::sweep::Shard>,
    common: &ManyRuns,
    started: std::time::Instant,
) -> Result<(
    crate::sweep::spec::Sweep,
    crate::sweep::Done,
    Vec<crate::sweep::plan::Target>,
)> {
    let file = sw.file.clone();
    let file = file.as_path();
    if let Some(r) = &common.region {
        sw.set_region(r)?;
    }
    let book = price_book(&common.prices)?;
    let deadline = common.max_wall.map(|d| started + d);
    let checked = crate::sweep::check_points(&sw, &book, common.force, deadline)?;
    for n in scenario::notes(&sw.base) {
        eprintln!("note: {n}");
    }
    let mut events = checked.unwrap_or(0.0) * f64::from(sw.replications);
    if let Some(s) = shard {
        events /= f64::from(s.count);
    }
    if !common.force && events > scenario::estimate::SWEEP_EVENT_LIMIT {
        return Err(Error::Input(crate::error::InputError::new(
            file,
            "",
            format!(
                "{} points × {} replications would process about {events:.1e} events in all (limit {:.0e}, hours of work); narrow the {kind}, use --shard across machines, or pass --force",
                sw.points.len(),
                sw.replications,
                scenario::estimate::SWEEP_EVENT_LIMIT
            ),
        )));
    }
    let manifest = crate::sweep::run::manifest(&sw, &book, &book.overrides)?;
    if let Some(t) = &sw.targets
        && kind == "sweep"
        && !t.is_empty()
    {
        return Err(Error::Input(crate::error::InputError::new(
            file,
            "targets",
            "belongs in a plan file; run it with `ecsim plan`, or remove [targets]",
        )));
    }
    let out = out.unwrap_or_else(|| {
        PathBuf::from("results").join(match shard {
            Some(s) => format!("{}-shard-{}-of-{}", sw.name, s.index, s.count),
            None => sw.name.clone(),
        })
    });
    let opts = crate::sweep::Options {
        out,
        shard,
        threads: common.threads,
        progress: !common.quiet,
        // The limit counts from the command's start: checking a large
        // grid's points is part of the time a user gave.
        max_wall: common.max_wall.map(|d| d.saturating_sub(started.elapsed())),
        keep: {
            let mut k = common.keep_runs.clone();
            k.sort_unstable();
            k.dedup();
            k
        },
        watch: common.watch.clone(),
    };
    // Targets are checked before any run is spent on them.
    let targets = if kind == "plan" {
        let known = crate::sweep::known_figures(&sw, &book)?;
        crate::sweep::plan::targets(&sw, &known)?
    } else {
        Vec::new()
    };
    let done = crate::sweep::run::execute(&sw, &book, manifest, &opts)?;
    Ok((sw, done, targets))
}

/// A plan already read: its runs, then plan.csv (and plan.json) in the
/// results folder; no configuration meeting the targets is not an error here.
pub fn plan_of(
    sw: crate::sweep::spec::Sweep,
    out: Option<PathBuf>,
    common: &ManyRuns,
    started: std::time::Instant,
) -> Result<(crate::sweep::Done, crate::sweep::plan::PlanResult)> {
    let (_, done, targets) = many_runs_of(sw, "plan", out, None, common, started)?;
    let r = crate::sweep::plan::evaluate(&done.manifest, &targets, &done.records);
    crate::sweep::plan::write(&done.out, &done.manifest, &r)?;
    Ok((done, r))
}

fn plan_cmd(
    file: &Path,
    out: Option<PathBuf>,
    common: &ManyRuns,
    started: std::time::Instant,
) -> Result<()> {
    let sw = crate::sweep::spec::load(file, "plan")?;
    let (done, r) = plan_of(sw, out, common, started)?;
    if !common.quiet {
        say!("{}", crate::sweep::text::plan(&r, &done).trim_end());
    }
    if r.cheapest.is_none() {
        return Err(Error::NoPlan(format!(
            "no configuration meets every target; see {}",
            done.out.join("plan.csv").display()
        )));
    }
    Ok(())
}
