//! Fuzz harnesses: one per input parser, shared by the coverage-guided
//! targets in `fuzz/` and by the corpus replay in `tests/fuzz_corpus.rs`.
//! Each takes arbitrary bytes and must never panic: an input error is the
//! expected answer to bad input; a panic or an internal error is a bug.
//!
//! To add a parser: write `pub fn NAME(data: &[u8])` here, list it in
//! `TARGETS`, add `fuzz/fuzz_targets/NAME.rs` (two lines) and its `[[bin]]`
//! in `fuzz/Cargo.toml`, and seed `fuzz/corpus/NAME/`.

use crate::billing::PriceBook;
use crate::engine::time::HOUR;
use crate::error::Error;
use crate::report::{self, price};
use crate::run::{self, RunOptions};
use crate::scenario::{self, Scenario};
use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

/// A harness: arbitrary bytes in, a panic out only for a bug.
pub type Harness = fn(&[u8]);

/// Every harness by name; the name is also the corpus folder's.
pub const TARGETS: &[(&str, Harness)] = &[
    ("scenario", scenario),
    ("taskdef_json", taskdef_json),
    ("trace", trace),
    ("prices", prices),
    ("durations", durations),
    ("spot_prices", spot_prices),
    ("sweep", sweep),
    ("plan", plan),
];

/// Runs are kept small so the fuzzer stays fast: simulated time is capped
/// and scenarios estimated larger than this are only parsed.
const MAX_EVENTS: f64 = 20_000.0;
const MAX_INSTANCES: usize = 64;
const MAX_SIM_TIME: u64 = 6 * HOUR;

fn shipped() -> &'static PriceBook {
    static BOOK: OnceLock<PriceBook> = OnceLock::new();
    BOOK.get_or_init(PriceBook::shipped)
}

/// Simulates `sc` briefly and renders its summary and bill. An input error
/// (a missing price) is fine; anything else is a bug.
fn simulate(sc: &mut Scenario) {
    sc.duration = sc.duration.min(MAX_SIM_TIME);
    let size = scenario::estimate::estimate(sc);
    if size.events > MAX_EVENTS || sc.cluster.instances.len() > MAX_INSTANCES {
        return;
    }
    let opts = RunOptions {
        max_wall: Some(Duration::from_secs(5)),
        ..Default::default()
    };
    match run::simulate_with(sc, sc.seed, shipped(), None, &opts) {
        Ok(r) => {
            let s = report::summary::build(sc, sc.seed, &r);
            serde_json::to_string(&s).expect("a summary serialises");
            price::render(&price::estimate(sc, sc.seed, &r), price::Format::Table);
        }
        Err(Error::Input(_)) => {}
        Err(e) => panic!("simulating a valid scenario failed: {e}"),
    }
}

/// A scenario TOML (external files it names are looked up beside a file
/// that does not exist, so they fail to load); valid ones are simulated.
pub fn scenario(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(mut sc) = scenario::parse(Path::new("/nonexistent/fuzz/scenario.toml"), text) {
        simulate(&mut sc);
    }
}

/// An AWS task-definition JSON, imported as `file = "..."` would.
pub fn taskdef_json(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = scenario::parse_taskdef_json(Path::new("fuzz/taskdef.json"), text);
    }
}

/// A demand trace: CSV `timestamp,value` or get-metric-data JSON.
pub fn trace(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = scenario::trace::parse(Path::new("fuzz/trace.csv"), text, 1.0 / 60.0);
    }
}

/// A `--prices` override file; the merged book is then asked for the
/// prices of a small scenario.
pub fn prices(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(book) = PriceBook::with_overrides_text(Path::new("fuzz/prices.csv"), text) {
        let _ = book.regions();
        let _ = run::rates_for(base(), &book);
    }
}

/// An empirical distribution's (or listed times') durations file; valid
/// values are drawn from.
pub fn durations(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = Path::new("fuzz/durations.csv");
    if let Ok(values) = scenario::parse_durations(file, "jobs[0].duration.file", text)
        && let Ok(d) = crate::engine::Dist::empirical(values)
    {
        let mut rng = crate::engine::RngStreams::new(1).stream("fuzz");
        let _ = d.mean();
        for _ in 0..4 {
            d.sample(&mut rng);
        }
    }
}

/// A Spot price series; valid ones bill a small Spot cluster.
pub fn spot_prices(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(series) = scenario::parse_spot_prices(Path::new("fuzz/spot.csv"), text) {
        let mut sc = base().clone();
        sc.pricing.ec2_spot_series = series;
        simulate(&mut sc);
    }
}

/// A sweep file; it is read as if it sat in `scenarios/`, so a base
/// scenario it names there (`scenario = "quickstart.toml"`) is found.
pub fn sweep(data: &[u8]) {
    many_runs(data, "sweep");
}

/// A plan file (a sweep with choices and targets), read like `sweep`.
pub fn plan(data: &[u8]) {
    many_runs(data, "plan");
}

fn many_runs(data: &[u8], kind: &str) {
    if let Ok(text) = std::str::from_utf8(data) {
        let file =
            Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("scenarios/fuzz.{kind}.toml"));
        if let Ok(sw) = crate::sweep::spec::parse(&file, text.to_string(), kind) {
            // Points are built one at a time when checked; a few suffice.
            for i in 0..sw.points.len().min(8) {
                let _ = sw.scenario(i);
            }
        }
    }
}

/// A small scenario with Spot instances and a service, for the harnesses
/// that vary one input file.
fn base() -> &'static Scenario {
    static BASE: OnceLock<Scenario> = OnceLock::new();
    BASE.get_or_init(|| {
        let text = r#"
name = "fuzz"
duration = "3h"
[cluster]
availability_zones = ["us-east-1a", "us-east-1b"]
[[instance_groups]]
name = "spot"
instance_type = "m5.large"
count = 2
market = "spot"
[[instance_groups]]
name = "c"
instance_type = "c5.xlarge"
count = 1
[[task_definitions]]
family = "web"
cpu = 256
memory = 512
[[services]]
name = "web"
task_definition = "web"
desired_count = 3
"#;
        scenario::parse(Path::new("fuzz/base.toml"), text).expect("the base scenario is valid")
    })
}
