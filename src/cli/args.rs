//! The command line's arguments: every command and flag, defined in this
//! one place (clap), with the help texts they show.

use crate::report;
use crate::report::price;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

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

impl Command {
    /// Commands that check for a stop while they work; the others keep
    /// the default (a signal ends them, and they write atomically).
    pub(super) fn polls_for_stop(&self) -> bool {
        matches!(
            self,
            Command::Run { .. }
                | Command::Price { .. }
                | Command::Sweep { .. }
                | Command::Plan { .. }
        )
    }
}

/// A `--timeseries` value: wide or long.
fn parse_shape(s: &str) -> Result<crate::table::Shape, String> {
    crate::table::Shape::parse(s)
        .ok_or_else(|| format!("\"{s}\" is not a timeseries layout; choose wide or long"))
}

/// A `--format` value of `run`: csv or parquet.
fn parse_format(s: &str) -> Result<crate::table::Format, String> {
    crate::table::Format::parse(s)
        .ok_or_else(|| format!("\"{s}\" is not a format; choose csv or parquet"))
}

/// A `--max-wall` value: a duration such as "90s" or "10m" ("0s" stops at once).
fn parse_wall(text: &str) -> std::result::Result<std::time::Duration, String> {
    crate::engine::time::parse_duration(text).map(std::time::Duration::from_millis)
}
