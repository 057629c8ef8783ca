//! A results folder that only appears under its real name once complete.

use crate::error::{Error, InputError, Result};
use std::path::{Path, PathBuf};

pub struct StagedDir {
    tmp: PathBuf,
    target: PathBuf,
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
    pub fn replacing(target: &Path, outputs: &[&str], marker: &str) -> Result<Self> {
        check_replaceable(target, outputs, marker)?;
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
        remove_stale(parent, &name);
        let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
        if tmp.exists() {
            let _ = std::fs::remove_dir_all(&tmp);
        }
        std::fs::create_dir(&tmp)
            .map_err(|e| Error::io(format!("cannot create {}", tmp.display()), e))?;
        Ok(StagedDir {
            tmp,
            target: target.to_path_buf(),
            done: false,
        })
    }

    pub fn path(&self) -> &Path {
        &self.tmp
    }

    /// Moves the finished folder into place, replacing an older result.
    pub fn commit(mut self) -> Result<PathBuf> {
        let name = self
            .target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let old = self
            .tmp
            .with_file_name(format!(".{name}.old-{}", std::process::id()));
        if self.target.exists() {
            std::fs::rename(&self.target, &old)
                .map_err(|e| Error::io(format!("cannot replace {}", self.target.display()), e))?;
        }
        std::fs::rename(&self.tmp, &self.target).map_err(|e| {
            Error::io(
                format!("cannot move results to {}", self.target.display()),
                e,
            )
        })?;
        if old.exists() {
            let _ = std::fs::remove_dir_all(&old);
        }
        self.done = true;
        Ok(self.target.clone())
    }
}

/// Removes `.NAME.tmp-PID` / `.NAME.old-PID` folders left beside the
/// target by runs that were killed (SIGKILL, power loss) before they could
/// clean up. Only folders of processes no longer alive go: a concurrent run
/// writing the same target keeps its own. Liveness is read from /proc, so
/// where there is none (not Linux) nothing is removed.
fn remove_stale(parent: &Path, name: &str) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for e in entries.flatten() {
        let file = e.file_name();
        let Some(pid) = file.to_str().and_then(|f| stale_pid(f, name)) else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// The PID in `.NAME.tmp-PID` or `.NAME.old-PID`, if `file` is one.
fn stale_pid(file: &str, name: &str) -> Option<u32> {
    let rest = file.strip_prefix('.')?.strip_prefix(name)?;
    let pid = rest
        .strip_prefix(".tmp-")
        .or_else(|| rest.strip_prefix(".old-"))?;
    pid.parse().ok()
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
    // Written later by `ecsim report`; replaced with the rest.
    "report.html",
    "report",
];

/// A run replaces an earlier result, never anything else: an existing
/// target must be a folder holding only ecsim outputs.
pub fn check_replaceable(target: &Path, outputs: &[&str], marker: &str) -> Result<()> {
    if !target.exists() {
        return Ok(());
    }
    let refuse = |why: String| Error::Input(InputError::new(target, "--out", why));
    if !target.is_dir() {
        return Err(refuse(
            "exists and is not a folder; choose another --out".into(),
        ));
    }
    let entries = std::fs::read_dir(target)
        .map_err(|e| Error::io(format!("cannot read {}", target.display()), e))?;
    let mut has_summary = false;
    for e in entries {
        let name = e
            .map_err(|e| Error::io(format!("cannot read {}", target.display()), e))?
            .file_name();
        let name = name.to_string_lossy();
        has_summary |= name == marker;
        if !outputs.contains(&name.as_ref()) {
            return Err(refuse(format!(
                "holds \"{name}\", which is not an ecsim output; a run only replaces an earlier result — choose another --out"
            )));
        }
    }
    if !has_summary
        && target
            .read_dir()
            .map(|mut d| d.next().is_some())
            .unwrap_or(false)
    {
        return Err(refuse(format!(
            "is not an ecsim results folder (no {marker}); choose another --out"
        )));
    }
    Ok(())
}

impl Drop for StagedDir {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_dir_all(&self.tmp);
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
