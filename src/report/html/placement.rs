//! The placement view: each container instance's reserved share of its CPU,
//! memory (and GPUs) over time, rebuilt from tasks.csv (which instance, what
//! it reserved, placed to stopped) and instances.csv (zone, group, life).

use super::chart::Chart;
use super::heat::{self, Heat};
use super::table::Table;
use super::tasks::Tasks;
use crate::error::Result;
use std::collections::HashMap;

/// Rows a heat map draws at most; beyond, each zone / group keeps its share.
pub const MAX_ROWS: usize = 240;
/// Time columns: finer than a 700-pixel-wide plot would only add rectangles.
const BUCKETS: usize = 150;

struct Inst {
    id: String,
    block: String,
    launched: f64,
    end: f64,
    caps: [f64; 4],
}

pub struct Placement {
    pub charts: Vec<Chart>,
    /// Which instances were left out, when there were too many to draw.
    pub note: Option<String>,
}

/// `dur` in seconds; `scale` divides seconds into the time axis' unit.
pub fn build(
    tasks: &Tasks,
    instances: &Table,
    dur: f64,
    scale: f64,
    x_label: &str,
) -> Result<Placement> {
    let mut all = read_instances(instances, dur)?;
    if all.is_empty() {
        return Ok(Placement {
            charts: Vec::new(),
            note: None,
        });
    }
    // Grouped by zone, then instance group; launch order within.
    all.sort_by(|a, b| {
        a.block
            .cmp(&b.block)
            .then(a.launched.total_cmp(&b.launched))
    });
    let (shown, blocks, note) = choose_rows(&all);

    // Heat-map row of each instance tasks.csv names (None: not drawn).
    let index: HashMap<&str, usize> = shown
        .iter()
        .enumerate()
        .map(|(row, &i)| (all[i].id.as_str(), row))
        .collect();
    let row_of: Vec<Option<usize>> = tasks
        .instances
        .iter()
        .map(|id| index.get(id.as_str()).copied())
        .collect();
    let width = dur.max(1.0) / BUCKETS as f64;
    let mut area = vec![[0.0f64; 4]; shown.len() * BUCKETS];
    for t in &tasks.rows {
        let Some(row) = row_of[t.instance as usize] else {
            continue;
        };
        let (a, b) = (t.placed, t.stopped.unwrap_or(dur).min(dur));
        if b <= a {
            continue;
        }
        let first = ((a / width) as usize).min(BUCKETS - 1);
        let last = ((b / width).ceil() as usize).clamp(first + 1, BUCKETS);
        for k in first..last {
            let o = overlap(a, b, k as f64 * width, (k + 1) as f64 * width);
            let cell = &mut area[row * BUCKETS + k];
            for (slot, amount) in cell.iter_mut().zip(t.reserved) {
                *slot += amount * o;
            }
        }
    }

    let mut charts = Vec::new();
    // GPUs and ENIs only where instances have them and tasks can take them.
    let has = |m: usize| shown.iter().any(|&i| all[i].caps[m] > 0.0);
    let enis_used = tasks.has_enis && has(3);
    for (m, key, what) in [
        (0, "cpu", "CPU"),
        (1, "memory", "memory"),
        (2, "gpu", "GPUs"),
        (3, "eni", "ENIs"),
    ] {
        if (m == 2 && !has(2)) || (m == 3 && !enis_used) {
            continue;
        }
        let (cells, alive) = heat_cells(&shown, &all, &area, m, width, scale);
        let mut c = Chart::new(
            &format!("placement-{key}"),
            &format!("Placement: {what} reserved per instance"),
            x_label,
            "instances",
        );
        let whole = if m == 3 {
            "ENI slots (the awsvpc tasks it can hold)".to_string()
        } else {
            format!("registered {what}")
        };
        c.caption = format!(
            "One row per container instance, grouped by zone / instance group (launch order within); colour: the share of the instance's {whole} that tasks reserved in each of {BUCKETS} time slices (from tasks.csv and instances.csv). Binpack fills a few rows dark and leaves the rest pale; spread colours every row alike."
        );
        c.height = heat::height_for(shown.len());
        c.heat = Some(Heat {
            rows: shown.len(),
            alive,
            cells,
            blocks: blocks.clone(),
            measure: format!("{what} reserved"),
            x_range: (0.0, dur / scale),
        });
        charts.push(c);
    }
    Ok(Placement { charts, note })
}

/// instances.csv's instances, each with its capacity and lifetime.
fn read_instances(instances: &Table, dur: f64) -> Result<Vec<Inst>> {
    let ic = |n: &str| instances.need(n);
    let (id, group, zone) = (ic("instance_id")?, ic("group")?, ic("availability_zone")?);
    let (cpu, mem, launched, term) = (
        ic("cpu_registered")?,
        ic("memory_registered_mib")?,
        ic("launched_s")?,
        ic("terminated_s")?,
    );
    let gpu = instances.col("gpus_registered");
    let eni = instances.col("eni_slots");
    let mut all = Vec::with_capacity(instances.rows.len());
    for r in 0..instances.rows.len() {
        let row = &instances.rows[r];
        let opt = |c: Option<usize>| -> Result<f64> {
            Ok(match c {
                Some(c) => instances.num(r, c)?.unwrap_or(0.0),
                None => 0.0,
            })
        };
        let (g, e) = (opt(gpu)?, opt(eni)?);
        all.push(Inst {
            id: row[id].clone(),
            block: format!("{} / {}", row[zone], row[group]),
            launched: instances.num(r, launched)?.unwrap_or(0.0),
            end: instances.num(r, term)?.unwrap_or(dur).min(dur),
            caps: [
                instances.num(r, cpu)?.unwrap_or(0.0),
                instances.num(r, mem)?.unwrap_or(0.0),
                g,
                e,
            ],
        });
    }
    Ok(all)
}

/// Cell type of a heat map: (row, from, to, level).
type Cell = (usize, f64, f64, u8);

/// One measure's heat-map cells (runs of equal level merged) and each
/// shown instance's lifetime row.
fn heat_cells(
    shown: &[usize],
    all: &[Inst],
    area: &[[f64; 4]],
    m: usize,
    width: f64,
    scale: f64,
) -> (Vec<Cell>, Vec<(usize, f64, f64)>) {
    let mut cells = Vec::new();
    let mut alive = Vec::new();
    for (row, &i) in shown.iter().enumerate() {
        let inst = &all[i];
        if inst.end > inst.launched && inst.caps[m] > 0.0 {
            alive.push((row, inst.launched / scale, inst.end / scale));
        }
        // (from, to, level) of the cell being extended.
        let mut open: Option<(f64, f64, u8)> = None;
        for k in 0..BUCKETS {
            let (s, e) = (k as f64 * width, (k + 1) as f64 * width);
            let alive = overlap(inst.launched, inst.end, s, e);
            let share = if alive > 0.0 && inst.caps[m] > 0.0 {
                area[row * BUCKETS + k][m] / (inst.caps[m] * alive)
            } else {
                0.0
            };
            let cell = (share > 0.0).then(|| {
                (
                    s.max(inst.launched) / scale,
                    e.min(inst.end) / scale,
                    heat::level(share),
                )
            });
            open = match (open, cell) {
                (Some(o), Some(c)) if o.2 == c.2 && o.1 == c.0 => Some((o.0, c.1, o.2)),
                (o, c) => {
                    if let Some(o) = o {
                        cells.push((row, o.0, o.1, o.2));
                    }
                    c
                }
            };
        }
        if let Some(o) = open {
            cells.push((row, o.0, o.1, o.2));
        }
    }
    (cells, alive)
}

fn overlap(a: f64, b: f64, s: f64, e: f64) -> f64 {
    (b.min(e) - a.max(s)).max(0.0)
}

/// The instances drawn (indices into `all`, in order), the blocks as
/// (first row, label), and a note naming what was left out.
fn choose_rows(all: &[Inst]) -> (Vec<usize>, Vec<(usize, String)>, Option<String>) {
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for (i, inst) in all.iter().enumerate() {
        match spans.last_mut() {
            Some(s) if all[s.0].block == inst.block => s.1 = i + 1,
            _ => spans.push((i, i + 1)),
        }
    }
    let total = all.len();
    let capped = total > MAX_ROWS;
    let mut shown = Vec::new();
    let mut blocks = Vec::new();
    let mut left = Vec::new();
    for &(a, b) in &spans {
        let n = b - a;
        // Each block keeps its share of the rows, at least one.
        let keep = if capped {
            (n * MAX_ROWS / total).max(1)
        } else {
            n
        };
        let label = if keep < n {
            left.push(format!(
                "{} {} of {n} (launched after {})",
                all[a].block,
                n - keep,
                all[a + keep - 1].id
            ));
            format!("{} ({keep} of {n})", all[a].block)
        } else {
            format!("{} ({n})", all[a].block)
        };
        blocks.push((shown.len(), label));
        shown.extend(a..a + keep);
    }
    let note = capped.then(|| {
        format!(
            "The placement heat maps draw {} of {total} instances: in each zone / instance group the earliest launched, in proportion to the group's size. Left out: {}.",
            shown.len(),
            left.join("; ")
        )
    });
    (shown, blocks, note)
}
