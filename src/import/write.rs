//! Writing what an import made: every target checked first (an existing
//! file is replaced only with `--force`, never an export file, never
//! through a symbolic link), then everything written into a hidden folder
//! beside the scenario and loaded there, and only a scenario that loads is
//! moved into place. A failure leaves nothing behind.

use super::fleet::Fleet;
use super::services::Services;
use crate::error::{Error, InputError, Result};
use std::path::{Path, PathBuf};

/// The files of one import, relative to `base` (the scenario's folder).
pub struct Output<'a> {
    pub base: &'a Path,
    pub scenario: &'a Path,
    pub files: Vec<(String, &'a str)>,
}

/// Removes the staging folder however the import ends.
struct Stage(PathBuf);

impl Drop for Stage {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn write(o: &Output, export: &Path, force: bool, fleet: &Fleet, svcs: &Services) -> Result<()> {
    check_targets(o, export, force)?;
    let name = o.scenario.file_name().map_or_else(
        || "imported.toml".into(),
        |n| n.to_string_lossy().into_owned(),
    );
    std::fs::create_dir_all(o.base)
        .map_err(|e| Error::io(format!("creating {}", o.base.display()), e))?;
    let stage = Stage(
        o.base
            .join(format!(".{name}.import-tmp-{}", std::process::id())),
    );
    let _ = std::fs::remove_dir_all(&stage.0);
    let put = |path: &Path, body: &str| -> Result<()> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Error::io(format!("creating {}", parent.display()), e))?;
        }
        std::fs::write(path, body).map_err(|e| Error::io(format!("writing {}", path.display()), e))
    };
    for (rel, body) in &o.files {
        put(&stage.0.join(rel), body)?;
    }
    // What is written must load: checked where nobody looks yet.
    if let Err(e) = crate::scenario::load(&stage.0.join(&name)) {
        return Err(blame(e, &stage.0, o.base, fleet, svcs).into());
    }
    // The scenario last: it names the others.
    let mut order: Vec<&(String, &str)> = o.files.iter().collect();
    order.sort_by_key(|(rel, _)| *rel == name);
    for (rel, _) in order {
        let to = o.base.join(rel);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Error::io(format!("creating {}", parent.display()), e))?;
        }
        std::fs::rename(stage.0.join(rel), &to)
            .map_err(|e| Error::io(format!("writing {}", to.display()), e))?;
    }
    Ok(())
}

/// Refuses before anything is written: a target that exists (without
/// `--force`), one that is a file of the export, a folder, or a symbolic
/// link (or under one of the folders the import creates).
fn check_targets(o: &Output, export: &Path, force: bool) -> Result<()> {
    let export = std::fs::canonicalize(export).ok();
    let refuse = |p: &Path, why: String| -> Error { InputError::new(p, "--out", why).into() };
    let mut existing: Vec<PathBuf> = Vec::new();
    for (rel, _) in &o.files {
        // Each component the import creates below the scenario's folder.
        let mut at = o.base.to_path_buf();
        for part in Path::new(rel).components() {
            at.push(part);
            let Ok(meta) = std::fs::symlink_metadata(&at) else {
                break;
            };
            if meta.file_type().is_symlink() {
                return Err(refuse(
                    &at,
                    "is a symbolic link; ecsim import never writes through one — remove it or choose another --out".into(),
                ));
            }
        }
        let Ok(meta) = std::fs::symlink_metadata(&at) else {
            continue;
        };
        if meta.is_dir() {
            return Err(refuse(
                &at,
                "is a folder where import writes a file; choose another --out".into(),
            ));
        }
        let parent = std::fs::canonicalize(&at)
            .ok()
            .and_then(|c| c.parent().map(Path::to_path_buf));
        if parent.is_some() && parent == export {
            return Err(refuse(
                &at,
                "is a file of the export being imported; ecsim import never replaces its input — choose another --out".into(),
            ));
        }
        existing.push(at);
    }
    if let (false, Some(first)) = (force, existing.first()) {
        let others = match existing.len() - 1 {
            0 => String::new(),
            n => format!(" (and {n} other files import would write)"),
        };
        return Err(refuse(
            first,
            format!(
                "exists{others}; ecsim import replaces files only with --force — choose another --out, or pass --force"
            ),
        ));
    }
    Ok(())
}

/// The scenario's fields as the export spells them.
const FIELDS: [(&str, &str, &str); 11] = [
    ("services", "desired_count", "desiredCount"),
    (
        "services",
        "deployment_configuration.maximum_percent",
        "deploymentConfiguration.maximumPercent",
    ),
    (
        "services",
        "deployment_configuration.minimum_healthy_percent",
        "deploymentConfiguration.minimumHealthyPercent",
    ),
    (
        "services",
        "health_check_grace_period",
        "healthCheckGracePeriodSeconds",
    ),
    ("services", "placement_strategy", "placementStrategy"),
    ("services", "placement_constraints", "placementConstraints"),
    (
        "services",
        "capacity_provider_strategy",
        "capacityProviderStrategy",
    ),
    ("instance_groups", "count", "DesiredCapacity"),
    ("instance_groups", "min_size", "MinSize"),
    ("instance_groups", "max_size", "MaxSize"),
    (
        "capacity_providers",
        "",
        "autoScalingGroupProvider.managedScaling",
    ),
];

/// A check of the written scenario that failed, said of the export file
/// and field it came from where the import knows them.
fn blame(e: InputError, stage: &Path, base: &Path, fleet: &Fleet, svcs: &Services) -> InputError {
    let file = e
        .file
        .strip_prefix(stage)
        .map_or_else(|_| e.file.clone(), |rel| base.join(rel));
    let origin = e.path.split_once('[').and_then(|(list, rest)| {
        let (i, field) = rest.split_once(']')?;
        let i: usize = i.parse().ok()?;
        let o = match list {
            "services" => svcs.origins.get(i).cloned(),
            "instance_groups" => fleet.groups.get(i).and_then(|g| g.origin.clone()),
            "capacity_providers" => fleet.providers.get(i).map(|p| p.origin.clone()),
            _ => None,
        }?;
        Some((list, o, field.trim_start_matches('.')))
    });
    let Some((list, (export, at), field)) = origin else {
        return InputError::new(
            &file,
            e.path,
            format!(
                "{} — the scenario ecsim import would write does not load, a gap in the import (please report it); nothing was written",
                e.message
            ),
        );
    };
    let aws = FIELDS
        .iter()
        .filter(|(l, ours, _)| *l == list && field.starts_with(ours))
        .max_by_key(|(_, ours, _)| ours.len())
        .map(|(_, ours, theirs)| {
            let rest = &field[ours.len()..];
            let rest = if ours.is_empty() { "" } else { rest };
            format!("{at}.{theirs}{rest}")
        })
        .unwrap_or(at);
    InputError::new(
        &export,
        aws,
        format!(
            "{} (as the scenario's {}); nothing was written",
            e.message, e.path
        ),
    )
}
