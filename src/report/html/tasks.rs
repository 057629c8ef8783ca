//! tasks.csv as the placement and cost views need it: only tasks placed on a
//! container instance, a few numbers each, read row by row. A 10-million-task
//! run writes a 1.65 GB tasks.csv; held as text cells it would not fit in
//! memory, held so it takes about 40 bytes a task.

use crate::error::{Error, InputError, Result};
use std::collections::{HashMap, HashSet};
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

/// One task of a service the ramp charts follow (on Fargate too).
pub struct Run {
    pub created: f64,
    /// When it became RUNNING; None if it never did.
    pub started: Option<f64>,
    pub stopped: Option<f64>,
}

pub struct Tasks {
    pub instances: Vec<String>,
    /// (is a job, name).
    pub owners: Vec<(bool, String)>,
    pub rows: Vec<Placed>,
    /// The tasks of each service [`read`] was asked to follow, in file order.
    pub runs: HashMap<String, Vec<Run>>,
    /// tasks.csv has `enis_reserved` (written by ecsim since the ENI map).
    pub has_enis: bool,
}

fn bad(file: &Path, path: String, msg: String) -> Error {
    Error::Input(InputError::new(file, path, msg))
}

/// Columns of tasks.csv the views read.
struct Cols {
    inst: usize,
    owner: usize,
    kind: usize,
    placed: usize,
    created: usize,
    started: usize,
    stopped: usize,
    res: [Option<usize>; 4],
}

fn columns(file: &Path, header: &csv::StringRecord) -> Result<Cols> {
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
    Ok(Cols {
        inst: need("instance_id")?,
        owner: need("owner")?,
        kind: need("owner_kind")?,
        placed: need("placed_s")?,
        created: need("created_s")?,
        started: need("started_s")?,
        stopped: need("stopped_s")?,
        res: [
            Some(need("cpu_reserved")?),
            Some(need("memory_reserved_mib")?),
            Some(need("gpus_reserved")?),
            col("enis_reserved"),
        ],
    })
}

/// tasks.csv or tasks.parquet; also every task of the services in `follow`
/// (the ramp charts'), wherever it ran.
pub fn read(file: &Path, follow: &HashSet<String>) -> Result<Tasks> {
    let mut out = Tasks {
        instances: Vec::new(),
        owners: Vec::new(),
        rows: Vec::new(),
        runs: HashMap::new(),
        has_enis: false,
    };
    let mut header = csv::StringRecord::new();
    let mut cols: Option<Cols> = None;
    let mut inst_ix: HashMap<String, u32> = HashMap::new();
    let mut owner_ix: HashMap<(bool, String), u32> = HashMap::new();
    super::table::each_record(file, |line, rec| {
        let Some(c) = &cols else {
            let c = columns(file, rec)?;
            out.has_enis = c.res[3].is_some();
            header = rec.clone();
            cols = Some(c);
            return Ok(());
        };
        let num = |i: usize| -> Result<Option<f64>> {
            let cell = rec[i].trim();
            if cell.is_empty() {
                return Ok(None);
            }
            cell.parse::<f64>().map(Some).map_err(|_| {
                bad(
                    file,
                    format!("line {line}, column {}", &header[i]),
                    format!("expected a number, got \"{cell}\""),
                )
            })
        };
        if &rec[c.kind] == "service" && follow.contains(&rec[c.owner]) {
            let run = Run {
                created: num(c.created)?.unwrap_or(0.0),
                started: num(c.started)?,
                stopped: num(c.stopped)?,
            };
            out.runs
                .entry(rec[c.owner].to_string())
                .or_default()
                .push(run);
        }
        let id = &rec[c.inst];
        if id.is_empty() {
            return Ok(());
        }
        let Some(at) = num(c.placed)? else {
            return Ok(());
        };
        let mut reserved = [0.0; 4];
        for (slot, i) in reserved.iter_mut().zip(c.res) {
            if let Some(i) = i {
                *slot = num(i)?.unwrap_or(0.0);
            }
        }
        let next = inst_ix.len() as u32;
        let i = *inst_ix.entry(id.to_string()).or_insert_with(|| {
            out.instances.push(id.to_string());
            next
        });
        let key = (&rec[c.kind] == "job", rec[c.owner].to_string());
        let next = owner_ix.len() as u32;
        let o = *owner_ix.entry(key.clone()).or_insert_with(|| {
            out.owners.push(key);
            next
        });
        out.rows.push(Placed {
            instance: i,
            owner: o,
            placed: at,
            stopped: num(c.stopped)?,
            reserved,
        });
        Ok(())
    })?;
    if cols.is_none() {
        return Err(bad(
            file,
            String::new(),
            "no header: is this an ecsim output?".into(),
        ));
    }
    Ok(out)
}
