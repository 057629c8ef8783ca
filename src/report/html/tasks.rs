//! tasks.csv as the placement and cost views need it: only tasks placed on a
//! container instance, a few numbers each, read row by row. A 10-million-task
//! run writes a 1.65 GB tasks.csv; held as text cells it would not fit in
//! memory, held so it takes about 40 bytes a task.

use crate::error::{Error, InputError, Result};
use std::collections::HashMap;
use std::path::Path;

/// One task that held resources on an instance.
pub struct Placed {
    /// Index into [`Tasks::instances`].
    pub instance: u32,
    /// Index into [`Tasks::owners`].
    pub owner: u32,
    pub placed: f64,
    pub stopped: Option<f64>,
    /// CPU units, MiB, GPUs and ENIs reserved.
    pub reserved: [f64; 4],
}

pub struct Tasks {
    pub instances: Vec<String>,
    /// (is a job, name).
    pub owners: Vec<(bool, String)>,
    pub rows: Vec<Placed>,
    /// tasks.csv has `enis_reserved` (written by ecsim since the ENI map).
    pub has_enis: bool,
}

fn bad(file: &Path, path: String, msg: String) -> Error {
    Error::Input(InputError::new(file, path, msg))
}

pub fn read(file: &Path) -> Result<Tasks> {
    let mut r = csv::ReaderBuilder::new()
        .flexible(false)
        .from_path(file)
        .map_err(|e| bad(file, String::new(), format!("cannot read as CSV: {e}")))?;
    let header = r
        .headers()
        .map_err(|e| bad(file, String::new(), format!("cannot read the header: {e}")))?
        .clone();
    let col = |n: &str| header.iter().position(|h| h == n);
    let need = |n: &str| {
        col(n).ok_or_else(|| {
            let why = if n.ends_with("_reserved") || n == "memory_reserved_mib" {
                " (what each task reserved; tasks.csv from an ecsim before it lacks it: run the scenario again)"
            } else {
                "; is this an ecsim output?"
            };
            bad(file, String::new(), format!("no column \"{n}\"{why}"))
        })
    };
    let (inst, owner, kind) = (need("instance_id")?, need("owner")?, need("owner_kind")?);
    let (placed, stopped) = (need("placed_s")?, need("stopped_s")?);
    let res = [
        Some(need("cpu_reserved")?),
        Some(need("memory_reserved_mib")?),
        Some(need("gpus_reserved")?),
        col("enis_reserved"),
    ];
    let mut out = Tasks {
        instances: Vec::new(),
        owners: Vec::new(),
        rows: Vec::new(),
        has_enis: res[3].is_some(),
    };
    let mut inst_ix: HashMap<String, u32> = HashMap::new();
    let mut owner_ix: HashMap<(bool, String), u32> = HashMap::new();
    let mut rec = csv::StringRecord::new();
    let mut line = 1;
    loop {
        line += 1;
        let more = r.read_record(&mut rec).map_err(|e| {
            bad(
                file,
                format!("line {line}"),
                format!("not a valid CSV row: {e}"),
            )
        })?;
        if !more {
            break;
        }
        let id = &rec[inst];
        if id.is_empty() {
            continue;
        }
        let num = |c: usize| -> Result<Option<f64>> {
            let cell = rec[c].trim();
            if cell.is_empty() {
                return Ok(None);
            }
            cell.parse::<f64>().map(Some).map_err(|_| {
                bad(
                    file,
                    format!("line {line}, column {}", &header[c]),
                    format!("expected a number, got \"{cell}\""),
                )
            })
        };
        let Some(at) = num(placed)? else { continue };
        let mut reserved = [0.0; 4];
        for (slot, c) in reserved.iter_mut().zip(res) {
            if let Some(c) = c {
                *slot = num(c)?.unwrap_or(0.0);
            }
        }
        let next = inst_ix.len() as u32;
        let i = *inst_ix.entry(id.to_string()).or_insert_with(|| {
            out.instances.push(id.to_string());
            next
        });
        let key = (&rec[kind] == "job", rec[owner].to_string());
        let next = owner_ix.len() as u32;
        let o = *owner_ix.entry(key.clone()).or_insert_with(|| {
            out.owners.push(key);
            next
        });
        out.rows.push(Placed {
            instance: i,
            owner: o,
            placed: at,
            stopped: num(stopped)?,
            reserved,
        });
    }
    Ok(out)
}
