//! A results folder that only appears under its real name once complete.

use crate::error::{Error, InputError, Result};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Written first inside every staging folder: only a folder holding it is
/// ecsim's to remove when its process is gone. A `.NAME.tmp-PID` folder
/// without it (a user's, another tool's) is never touched.
pub const STAGING_MARK: &str = ".ecsim-staging";

/// Staging folders of this process not yet committed: a second stop signal
/// ends the process at once, and removes these first (`remove_live`).
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn live() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    LIVE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Removes every staging folder this process has not committed. Called on
/// the way out of a second stop signal, from the thread that handles
/// signals, while the work may still be writing: a file created meanwhile
/// is removed on the next try.
pub fn remove_live() {
    let dirs = live().clone();
    for d in dirs {
        for _ in 0..5 {
            if std::fs::remove_dir_all(&d).is_ok() || !d.exists() {
                break;
            }
        }
    }
}

pub struct StagedDir {
    tmp: PathBuf,
    target: PathBuf,
    /// What the target may hold to be replaced: checked again at commit.
    outputs: &'static [&'static str],
    marker: &'static str,
    /// Whether the target existed when staging began: one that appears
    /// while the run goes on was made by someone else.
    existed: bool,
    done: bool,
}

impl StagedDir {
    /// Stages a run's results folder.
    pub fn new(target: &Path) -> Result<Self> {
        Self::replacing(target, OUTPUTS, "summary.json")
    }

    /// Stages a folder that may replace `target` only if `target` is an
    /// earlier result of the same kind: it holds `marker` and nothing but
    /// `outputs`.
    pub fn replacing(
        target: &Path,
        outputs: &'static [&'static str],
        marker: &'static str,
    ) -> Result<Self> {
        check_replaceable(target, outputs, marker)?;
        let existed = std::fs::symlink_metadata(target).is_ok();
        let parent = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::io(format!("cannot create {}", parent.display()), e))?;
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "results".into());
        remove_stale(parent, &name, outputs, marker);
        let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
        if tmp.join(STAGING_MARK).is_file() {
            let _ = std::fs::remove_dir_all(&tmp);
        }
        std::fs::create_dir(&tmp)
            .map_err(|e| Error::io(format!("cannot create {}", tmp.display()), e))?;
        live().push(tmp.clone());
        if let Err(e) = std::fs::write(tmp.join(STAGING_MARK), b"") {
            let _ = std::fs::remove_dir(&tmp);
            live().retain(|d| *d != tmp);
            return Err(Error::io(format!("cannot write in {}", tmp.display()), e));
        }
        Ok(StagedDir {
            tmp,
            target: target.to_path_buf(),
            outputs,
            marker,
            existed,
            done: false,
        })
    }

    pub fn path(&self) -> &Path {
        &self.tmp
    }

    /// Moves the finished folder into place, replacing an older result.
    /// What is there is checked again (a user may have created the folder,
    /// or put a file in it, while the run went on): it is moved aside
    /// first and looked at where it lies, so only what was checked is ever
    /// deleted, and something ecsim did not write is put back and refused.
    pub fn commit(mut self) -> Result<PathBuf> {
        let name = self
            .target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let old = self
            .tmp
            .with_file_name(format!(".{name}.old-{}", std::process::id()));
        if std::fs::symlink_metadata(&self.target).is_ok() {
            if !self.existed {
                return Err(Error::Input(InputError::new(
                    &self.target,
                    "--out",
                    "was created while the run went on; ecsim replaces only an earlier result it wrote, so these results were not kept — remove or rename it, or choose another --out, and run again",
                )));
            }
            check_replaceable(&self.target, self.outputs, self.marker)?;
            std::fs::rename(&self.target, &old)
                .map_err(|e| Error::io(format!("cannot replace {}", self.target.display()), e))?;
            if let Err(why) = problem(&old, self.outputs, self.marker) {
                let _ = std::fs::rename(&old, &self.target);
                return Err(refusal(&self.target, why));
            }
        }
        // The mark is the staging folder's, not the result's.
        let _ = std::fs::remove_file(self.tmp.join(STAGING_MARK));
        std::fs::rename(&self.tmp, &self.target).map_err(|e| {
            // Put back what was there rather than lose it.
            if old.exists() && !self.target.exists() {
                let _ = std::fs::rename(&old, &self.target);
            }
            Error::io(
                format!("cannot move results to {}", self.target.display()),
                e,
            )
        })?;
        if old.exists() {
            let _ = std::fs::remove_dir_all(&old);
        }
        self.done = true;
        live().retain(|d| *d != self.tmp);
        Ok(self.target.clone())
    }
}

/// Removes `.NAME.tmp-PID` / `.NAME.old-PID` folders left beside the
/// target by runs that were killed (SIGKILL, power loss) before they could
/// clean up. Only folders of processes no longer alive go: a concurrent run
/// writing the same target keeps its own. Only ecsim's go: a `.tmp-` folder
/// holding `STAGING_MARK`, an `.old-` folder that is an earlier result
/// (what `problem` accepts). Liveness is read from /proc, so where there
/// is none (not Linux) nothing is removed.
fn remove_stale(parent: &Path, name: &str, outputs: &[&str], marker: &str) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for e in entries.flatten() {
        let file = e.file_name();
        let Some((pid, staging)) = file.to_str().and_then(|f| stale_pid(f, name)) else {
            continue;
        };
        let path = e.path();
        if pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        let ours = match staging {
            true => path.join(STAGING_MARK).is_file(),
            false => problem(&path, outputs, marker).is_ok(),
        };
        if ours {
            let _ = std::fs::remove_dir_all(path);
        } else if staging {
            // A run killed between creating its staging folder and writing
            // the mark in it left it empty: `remove_dir` takes only an
            // empty folder, so nobody's files can go with it.
            let _ = std::fs::remove_dir(path);
        }
    }
}

/// The PID in `.NAME.tmp-PID` (with `true`: a staging folder) or
/// `.NAME.old-PID` (`false`: a result moved aside), if `file` is one.
fn stale_pid(file: &str, name: &str) -> Option<(u32, bool)> {
    let rest = file.strip_prefix('.')?.strip_prefix(name)?;
    if let Some(pid) = rest.strip_prefix(".tmp-") {
        return Some((pid.parse().ok()?, true));
    }
    Some((rest.strip_prefix(".old-")?.parse().ok()?, false))
}

/// Files an ecsim results folder may hold.
const OUTPUTS: &[&str] = &[
    "summary.json",
    "tasks.csv",
    "instances.csv",
    "timeseries.csv",
    "cost.csv",
    "cost_timeseries.csv",
    "scaling.csv",
    "incidents.csv",
    "deployments.csv",
    "refused.csv",
    // `run --format parquet`'s tables.
    "tasks.parquet",
    "instances.parquet",
    "timeseries.parquet",
    "cost.parquet",
    "cost_timeseries.parquet",
    "scaling.parquet",
    "incidents.parquet",
    "deployments.parquet",
    "refused.parquet",
    // Written later by `ecsim report`; replaced with the rest.
    "report.html",
    "report",
];

/// A run replaces an earlier result, never anything else: an existing
/// target must be a folder holding only ecsim outputs.
pub fn check_replaceable(target: &Path, outputs: &[&str], marker: &str) -> Result<()> {
    if std::fs::symlink_metadata(target).is_err() {
        return Ok(());
    }
    problem(target, outputs, marker).map_err(|why| refusal(target, why))
}

fn refusal(target: &Path, why: Problem) -> Error {
    match why {
        Problem::Io(e) => Error::io(format!("cannot read {}", target.display()), e),
        Problem::Not(why) => Error::Input(InputError::new(target, "--out", why)),
    }
}

enum Problem {
    Io(std::io::Error),
    Not(String),
}

/// Folders inside a result, and the files ecsim writes in them: `ecsim
/// report --png` charts, a sweep's run records (and their temp files, left
/// by a killed sweep). Anything else there is the user's.
/// Whether a file name is one ecsim writes in a given folder.
type Ours = fn(&str) -> bool;

const SUBFOLDERS: &[(&str, Ours)] = &[
    ("report", |f| {
        f.strip_suffix(".png").is_some_and(|stem| {
            !stem.is_empty()
                && stem
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        })
    }),
    ("runs", |f| {
        run_record_number(f).is_some()
            || f.strip_prefix('.')
                .and_then(|r| r.split_once(".tmp-"))
                .is_some_and(|(r, pid)| {
                    run_record_number(r).is_some() && pid.bytes().all(|b| b.is_ascii_digit())
                })
    }),
];

/// The run number of a sweep's run record `run-NNNNNN.json`, if `file` is one.
pub fn run_record_number(file: &str) -> Option<u64> {
    let n = file.strip_prefix("run-")?.strip_suffix(".json")?;
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    n.parse().ok()
}

/// Why `dir` is not an earlier ecsim result that may be replaced.
fn problem(dir: &Path, outputs: &[&str], marker: &str) -> std::result::Result<(), Problem> {
    let meta = std::fs::symlink_metadata(dir).map_err(Problem::Io)?;
    if !meta.is_dir() {
        return Err(Problem::Not(
            "exists and is not a folder; choose another --out".into(),
        ));
    }
    let mut has_marker = false;
    let mut any = false;
    for e in std::fs::read_dir(dir).map_err(Problem::Io)? {
        let e = e.map_err(Problem::Io)?;
        let name = e.file_name();
        let name = name.to_string_lossy();
        any = true;
        has_marker |= name == marker;
        if !outputs.contains(&name.as_ref()) {
            return Err(Problem::Not(format!(
                "holds \"{name}\", which is not an ecsim output; a run only replaces an earlier result — choose another --out"
            )));
        }
        if let Some(kind) = SUBFOLDERS.iter().find(|k| k.0 == name) {
            for f in std::fs::read_dir(e.path()).map_err(Problem::Io)? {
                let f = f.map_err(Problem::Io)?;
                let file = f.file_name();
                let file = file.to_string_lossy();
                if !(f.file_type().is_ok_and(|t| t.is_file()) && (kind.1)(&file)) {
                    return Err(Problem::Not(format!(
                        "holds \"{name}/{file}\", which ecsim did not write; a run only replaces an earlier result — move it, or choose another --out"
                    )));
                }
            }
        }
    }
    if !has_marker && any {
        return Err(Problem::Not(format!(
            "is not an ecsim results folder (no {marker}); choose another --out"
        )));
    }
    Ok(())
}

impl Drop for StagedDir {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_dir_all(&self.tmp);
            live().retain(|d| *d != self.tmp);
        }
    }
}

/// Temp file beside the target, then rename: a reader never sees half a file.
pub fn write_atomic(target: &Path, bytes: &[u8]) -> Result<()> {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = target.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let io = |what: &str, e| Error::io(format!("cannot {what} {}", target.display()), e);
    if let Err(e) = std::fs::write(&tmp, bytes) {
        let _ = std::fs::remove_file(&tmp);
        return Err(io("write", e));
    }
    std::fs::rename(&tmp, target).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io("replace", e)
    })
}
