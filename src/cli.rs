//! Command-line wiring: one place that defines every flag.

use crate::billing::PriceBook;
use crate::error::{Error, Result};
use crate::report::price;
use crate::{report, scenario};
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
  ecsim run scenarios/quickstart.toml --seed 7 --out /tmp/q7
  ecsim validate scenarios/daemon.toml
  ecsim price scenarios/web-fargate-spot.toml --format json
  ecsim run scenarios/web-ec2.toml --prices my-prices.csv

Exit codes: 0 success, 2 invalid input, 1 any other error.";

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
        /// Results folder [default: results/<scenario name>/].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print nothing on success.
        #[arg(long, short)]
        quiet: bool,
        /// Price file (CSV like src/catalog/prices.csv) whose rows override the shipped catalog.
        #[arg(long, value_name = "FILE")]
        prices: Option<PathBuf>,
        /// Run even when the scenario looks too large (see the size estimate).
        #[arg(long)]
        force: bool,
    },
    /// Simulate a scenario and print its bill like a pricing calculator (nothing is written).
    #[command(after_help = EXAMPLES)]
    Price {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Seed for every random stream; overrides the scenario's `seed`.
        #[arg(long)]
        seed: Option<u64>,
        /// Price file whose rows override the shipped catalog.
        #[arg(long, value_name = "FILE")]
        prices: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "table")]
        format: price::Format,
        /// Run even when the scenario looks too large (see the size estimate).
        #[arg(long)]
        force: bool,
    },
    /// Check a scenario without running it.
    Validate {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Price file whose rows override the shipped catalog.
        #[arg(long, value_name = "FILE")]
        prices: Option<PathBuf>,
    },
}

pub fn main() -> i32 {
    let cli = Cli::parse();
    // Ctrl-C stops the run at the next check; the staged results are removed.
    let _ = ctrlc::set_handler(|| {
        crate::sim::INTERRUPT.store(true, std::sync::atomic::Ordering::Relaxed)
    });
    match dispatch(cli.command) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
    }
}

fn dispatch(cmd: Command) -> Result<()> {
    match cmd {
        Command::Run {
            scenario: path,
            seed,
            out,
            quiet,
            prices,
            force,
        } => {
            let (sc, book, seed) = prepare(&path, prices.as_deref(), seed, force)?;
            let out = out.unwrap_or_else(|| PathBuf::from("results").join(&sc.name));
            let s = report::run_to_dir(&sc, seed, &book, &out)?;
            if !quiet {
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
                    "  cost: {:.2} USD ({:.2} USD idle EC2 capacity), {:.2} USD per 1,000 task-hours",
                    s.cost.total_cost_usd,
                    s.cost.idle_capacity_cost_usd,
                    s.cost.cost_per_1000_task_hours
                );
                for (name, svc) in &s.services {
                    say!(
                        "  service {name}: desired {}, mean running {:.2}, min running {}",
                        svc.desired_count,
                        svc.mean_running,
                        svc.min_running
                    );
                }
                if s.tasks_provisioning_at_end > 0 {
                    say!(
                        "  note: {} tasks were still waiting for capacity (PROVISIONING) at the end; see tasks.csv rows with last_status PROVISIONING",
                        s.tasks_provisioning_at_end
                    );
                }
                say!("results in {}/", out.display());
            }
            Ok(())
        }
        Command::Price {
            scenario: path,
            seed,
            prices,
            format,
            force,
        } => {
            let (sc, book, seed) = prepare(&path, prices.as_deref(), seed, force)?;
            let r = report::simulate(&sc, seed, &book, None)?;
            say!(
                "{}",
                price::render(&price::estimate(&sc, seed, &r), format).trim_end()
            );
            Ok(())
        }
        Command::Validate {
            scenario: path,
            prices,
        } => {
            let sc = scenario::load(&path).map_err(Error::from)?;
            report::rates_for(&sc, &price_book(prices.as_deref())?)?;
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
    }
}

fn price_book(file: Option<&Path>) -> Result<PriceBook> {
    match file {
        Some(f) => Ok(PriceBook::with_overrides(f)?),
        None => Ok(PriceBook::shipped()),
    }
}

/// What `run` and `price` share: the checked scenario, its prices and the seed.
fn prepare(
    path: &Path,
    prices: Option<&Path>,
    seed: Option<u64>,
    force: bool,
) -> Result<(scenario::Scenario, PriceBook, u64)> {
    let sc = scenario::load(path).map_err(Error::from)?;
    check_size(&sc, force)?;
    let book = price_book(prices)?;
    let seed = seed.unwrap_or(sc.seed);
    Ok((sc, book, seed))
}

/// Refuses a run whose estimated size means hours of work, unless forced.
fn check_size(sc: &scenario::Scenario, force: bool) -> Result<()> {
    let size = scenario::estimate::estimate(sc);
    if force || size.events <= scenario::estimate::EVENT_LIMIT {
        return Ok(());
    }
    Err(Error::Input(crate::error::InputError::new(
        &sc.file,
        "",
        format!(
            "this run would process about {:.1e} events ({:.1e} tasks), far more than a scenario usually needs (limit {:.0e}); check arrival rates, schedules and duration, or pass --force to run it anyway",
            size.events,
            size.tasks,
            scenario::estimate::EVENT_LIMIT
        ),
    )))
}
