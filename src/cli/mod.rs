//! Command-line wiring: `main` and the dispatch of each command. The flags
//! are defined in one place (`args`); what a command does is in `commands`,
//! what it prints in `print`, how a signal stops it in `signals`.

/// Prints a line; a closed pipe (`ecsim run ... | head`) is not an error.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

mod args;
mod commands;
mod print;
mod signals;

pub use args::{Cli, Command, ManyRuns};
pub use commands::{default_out, many_runs_of, plan_of, price_book};
pub use print::EXIT_PARTIAL;
pub use signals::STOP_SIGNALS;

use crate::error::{Error, Result};
use crate::report::price;
use crate::{report, run};
use clap::Parser;
use commands::{catalog, many_runs, plan_cmd, prepare, validate};
use print::{partial_code, print_import, print_run};
use signals::{ignore_file_size_signal, stop_code, stop_on_signals};

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
