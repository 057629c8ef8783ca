//! Command-line wiring: one place that defines every flag.

use crate::error::{Error, Result};
use crate::{report, scenario};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  ecsim run scenarios/quickstart.toml                 # results in results/quickstart/
  ecsim run scenarios/quickstart.toml --seed 7 --out /tmp/q7
  ecsim validate scenarios/daemon.toml

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
    },
    /// Check a scenario without running it.
    Validate {
        /// Scenario file (TOML).
        scenario: PathBuf,
    },
}

pub fn main() -> i32 {
    let cli = Cli::parse();
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
        } => {
            let sc = scenario::load(&path).map_err(Error::from)?;
            let seed = seed.unwrap_or(sc.seed);
            let out = out.unwrap_or_else(|| PathBuf::from("results").join(&sc.name));
            let s = report::run_to_dir(&sc, seed, &out)?;
            if !quiet {
                println!(
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
                for (name, svc) in &s.services {
                    println!(
                        "  service {name}: desired {}, mean running {:.2}, min running {}",
                        svc.desired_count, svc.mean_running, svc.min_running
                    );
                }
                if s.tasks_provisioning_at_end > 0 {
                    println!(
                        "  note: {} tasks were still waiting for capacity (PROVISIONING) at the end; see tasks.csv rows with last_status PROVISIONING",
                        s.tasks_provisioning_at_end
                    );
                }
                println!("results in {}/", out.display());
            }
            Ok(())
        }
        Command::Validate { scenario: path } => {
            let sc = scenario::load(&path).map_err(Error::from)?;
            let c = &sc.cluster;
            println!(
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
