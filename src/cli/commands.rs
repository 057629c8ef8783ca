//! What the commands do besides printing: read and check a scenario or a
//! sweep, price it, run it; shared with the Python package.

use super::args::ManyRuns;
use crate::billing::PriceBook;
use crate::error::{Error, Result};
use crate::{run, scenario};
use std::path::{Path, PathBuf};

/// `ecsim validate`: the scenario read and priced, its notes on stderr,
/// what it holds on stdout.
pub(super) fn validate(path: &Path, prices: &[PathBuf]) -> Result<()> {
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
pub(super) fn catalog(
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
pub(super) fn prepare(
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
pub(super) fn many_runs(
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

pub(super) fn plan_cmd(
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
