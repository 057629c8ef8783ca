//! `ecsim merge`: shard folders, each written by `ecsim sweep --shard K/N`
//! on its own machine, joined into the folder one machine would have written.

use super::run::{
    Manifest, OUTPUTS, checked_record, read_json, run_file, write_json, write_tables,
};
use crate::error::{Error, InputError, Result};
use crate::report;
use std::path::{Path, PathBuf};

/// Joins shard folders into the folder an unsharded sweep writes.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<Manifest> {
    let mut base: Option<Manifest> = None;
    let mut paths = (String::new(), String::new());
    let mut found: std::collections::BTreeMap<u64, (PathBuf, Vec<u8>)> = Default::default();
    for d in dirs {
        let mf = d.join("sweep.json");
        if !mf.exists() {
            return Err(Error::Input(InputError::new(
                d,
                "",
                "is not a sweep folder (no sweep.json)",
            )));
        }
        let m: Manifest = read_json(&mf)?;
        // What defines the sweep; paths may differ between machines.
        let bare = Manifest {
            shard: None,
            runs_done: 0,
            complete: false,
            sweep_file: String::new(),
            base_scenario_file: String::new(),
            ..m.clone()
        };
        match &base {
            None => {
                base = Some(bare);
                paths = (m.sweep_file.clone(), m.base_scenario_file.clone());
            }
            Some(b) if *b != bare => {
                return Err(Error::Input(InputError::new(
                    d,
                    "",
                    format!(
                        "belongs to a different sweep (\"{}\", fingerprint {}) than {} (\"{}\", fingerprint {}); merge shards of one sweep only",
                        m.sweep,
                        m.fingerprint,
                        dirs[0].display(),
                        b.sweep,
                        b.fingerprint
                    ),
                )));
            }
            Some(_) => {}
        }
        let total = m.runs_total;
        for r in 0..total {
            let f = run_file(d, r);
            if let Ok(bytes) = std::fs::read(&f) {
                if let Some((other, prev)) = found.get(&r) {
                    if *prev != bytes {
                        return Err(Error::Input(InputError::new(
                            &f,
                            "",
                            format!(
                                "differs from the same run in {}; were the shards run by different ecsim builds?",
                                other.display()
                            ),
                        )));
                    }
                } else {
                    found.insert(r, (f, bytes));
                }
            }
        }
    }
    let Some(mut m) = base else {
        return Err(Error::Input(InputError::new(
            out,
            "",
            "give at least one shard folder to merge",
        )));
    };
    let missing: Vec<String> = (0..m.runs_total)
        .filter(|r| !found.contains_key(r))
        .map(|r| r.to_string())
        .collect();
    if !missing.is_empty() {
        let shown = missing
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        return Err(Error::Input(InputError::new(
            out,
            "",
            format!(
                "{} of {} runs are missing from the shards (runs {shown}{}); finish or rerun those shards first",
                missing.len(),
                m.runs_total,
                if missing.len() > 20 { ", …" } else { "" }
            ),
        )));
    }
    let staged = report::StagedDir::replacing(out, OUTPUTS, "sweep.json")?;
    let dir = staged.path().to_path_buf();
    std::fs::create_dir(dir.join("runs")).map_err(|e| Error::io("creating runs/", e))?;
    let mut records = Vec::with_capacity(found.len());
    for (r, (f, bytes)) in &found {
        std::fs::write(run_file(&dir, *r), bytes)
            .map_err(|e| Error::io(format!("copying {}", f.display()), e))?;
        records.push(checked_record(&m, *r, f)?);
    }
    (m.sweep_file, m.base_scenario_file) = paths;
    m.runs_done = m.runs_total;
    write_tables(&dir, &m, &records)?;
    m.complete = true;
    write_json(&dir.join("sweep.json"), &m)?;
    staged.commit()?;
    Ok(m)
}
