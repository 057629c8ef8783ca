//! Many runs of one scenario: parameter sweeps (`ecsim sweep`), their
//! shards and merge, and the capacity planner (`ecsim plan`).

mod merge;
pub mod plan;
pub mod run;
pub mod spec;
pub mod table;
pub mod text;

use crate::billing::PriceBook;
use crate::error::{Error, InputError, Result};
pub use run::{Done, Manifest, Options, Shard, merge};
use std::path::Path;

/// `K/N`, K counted from 0.
pub fn parse_shard(s: &str) -> std::result::Result<Shard, String> {
    let bad = || format!("\"{s}\" is not K/N with 0 <= K < N, e.g. 0/4");
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let (index, count) = (
        k.trim().parse::<u32>().map_err(|_| bad())?,
        n.trim().parse::<u32>().map_err(|_| bad())?,
    );
    if count == 0 || index >= count {
        return Err(bad());
    }
    Ok(Shard { index, count })
}

/// Variables naming this worker's index in an AWS Batch array job or a
/// Kubernetes Indexed Job; neither engine exports the array size, so the
/// job spec sets it.
pub const INDEX_VARS: &[&str] = &["AWS_BATCH_JOB_ARRAY_INDEX", "JOB_COMPLETION_INDEX"];
pub const COUNT_VARS: &[&str] = &["ECSIM_SHARD_COUNT", "AWS_BATCH_JOB_ARRAY_SIZE"];

/// The shard from `--shard`, else from the job engine's environment.
pub fn shard(flag: Option<&str>, env: &dyn Fn(&str) -> Option<String>) -> Result<Option<Shard>> {
    let input = |what: &str, msg: String| Error::Input(InputError::new(Path::new(what), "", msg));
    if let Some(f) = flag {
        return parse_shard(f).map(Some).map_err(|m| input("--shard", m));
    }
    let Some((ivar, index)) = INDEX_VARS.iter().find_map(|v| env(v).map(|x| (*v, x))) else {
        return Ok(None);
    };
    let Some((cvar, count)) = COUNT_VARS.iter().find_map(|v| env(v).map(|x| (*v, x))) else {
        return Err(input(
            ivar,
            format!(
                "is set ({index}), so this is shard {index} of an array job, but the array size is not: set ECSIM_SHARD_COUNT to the number of shards (or pass --shard K/N)"
            ),
        ));
    };
    parse_shard(&format!("{}/{}", index.trim(), count.trim()))
        .map(Some)
        .map_err(|m| input(&format!("{ivar}/{cvar}"), m))
}

/// Builds and checks every point's scenario, one at a time (each is
/// dropped after its check): a field that does not exist, a size past the
/// run limit (unless `force`), a price the book lacks. Returns the events
/// of one replication of every point, or `None` when `deadline` passed
/// first: a large grid's checks stay within `--max-wall`, and no run starts
/// (the sweep then stops as at its limit, resumable).
pub fn check_points(
    sw: &spec::Sweep,
    book: &PriceBook,
    force: bool,
    deadline: Option<std::time::Instant>,
) -> Result<Option<f64>> {
    let mut events = 0.0;
    for i in 0..sw.points.len() {
        if crate::sim::INTERRUPT.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(Error::Interrupted);
        }
        if deadline.is_some_and(|d| std::time::Instant::now() >= d) {
            return Ok(None);
        }
        let sc = sw.scenario(i)?;
        crate::scenario::estimate::check(&sc, force)?;
        crate::run::rates_for(&sc, book).map_err(|e| match e {
            Error::Input(ie) => {
                let vals: Vec<String> = sw.points[i]
                    .params
                    .iter()
                    .map(|(k, v)| format!("{k} = {v}"))
                    .collect();
                Error::Input(InputError::new(
                    &sw.file,
                    "",
                    format!("point {i} ({}): {ie}", vals.join(", ")),
                ))
            }
            other => other,
        })?;
        events += crate::scenario::estimate::estimate(&sc).events;
    }
    Ok(Some(events))
}

/// Figures the summary of this sweep's scenario has, from a short run of
/// its first point, so targets can be checked before hours of runs.
pub fn known_figures(sweep: &spec::Sweep, book: &PriceBook) -> Result<Vec<String>> {
    let mut sc = sweep.scenario(0)?;
    sc.duration = sc.duration.min(crate::engine::time::HOUR);
    let r = crate::run::simulate(&sc, sweep.master_seed, book, None)?;
    let v = serde_json::to_value(crate::report::summary::build(&sc, sweep.master_seed, &r))
        .map_err(|e| Error::Internal(e.to_string()))?;
    let mut names: Vec<String> = table::metrics(&v).into_iter().map(|(k, _)| k).collect();
    // Present only once an incident has happened.
    if sc.faults.iter().len() > 0 {
        names.push("max_time_to_recover_s".into());
    }
    Ok(names)
}
