//! Reading the CSV and JSON files of a results folder back, with errors that
//! name the file, the line and the column.

use crate::error::{Error, InputError, Result};
use std::path::{Path, PathBuf};

/// A CSV file held as text cells, looked up by column name.
pub struct Table {
    pub file: PathBuf,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

fn bad(file: &Path, path: impl Into<String>, msg: impl Into<String>) -> Error {
    Error::Input(InputError::new(file, path, msg))
}

impl Table {
    /// A CSV or Parquet table.
    pub fn read(file: &Path) -> Result<Table> {
        let mut header = Vec::new();
        let mut rows = Vec::new();
        each_record(file, |line, rec| {
            let cells = rec.iter().map(str::to_string).collect();
            match line {
                1 => header = cells,
                _ => rows.push(cells),
            }
            Ok(())
        })?;
        let t = Table {
            file: file.to_path_buf(),
            header,
            rows,
        };
        Ok(if t.header == ["time_s", "series", "value"] {
            t.widened()
        } else {
            t
        })
    }

    /// A long timeseries (`time_s, series, value`: `run --timeseries
    /// long`) as the wide one: a row per time, a column per series in the
    /// order the series first appear.
    fn widened(self) -> Table {
        let mut header = vec!["time_s".to_string()];
        let mut column: std::collections::HashMap<String, usize> = Default::default();
        let mut rows: Vec<Vec<String>> = Vec::new();
        for r in self.rows {
            let [time, series, value]: [String; 3] = match r.try_into() {
                Ok(cells) => cells,
                Err(_) => continue,
            };
            if rows.last().is_none_or(|last| last[0] != time) {
                rows.push(vec![time]);
            }
            let j = *column.entry(series).or_insert_with_key(|name| {
                header.push(name.clone());
                header.len() - 1
            });
            let row = rows.last_mut().expect("pushed above");
            if row.len() <= j {
                row.resize(j + 1, String::new());
            }
            row[j] = value;
        }
        for r in &mut rows {
            r.resize(header.len(), String::new());
        }
        Table {
            file: self.file,
            header,
            rows,
        }
    }

    pub fn col(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// The index of a column the report cannot do without.
    pub fn need(&self, name: &str) -> Result<usize> {
        self.col(name).ok_or_else(|| {
            bad(
                &self.file,
                "",
                format!("no column \"{name}\"; is this an ecsim output?"),
            )
        })
    }

    /// A number; an empty cell is `None` (ecsim writes "did not happen" so).
    pub fn num(&self, row: usize, col: usize) -> Result<Option<f64>> {
        let cell = self.rows[row][col].trim();
        if cell.is_empty() {
            return Ok(None);
        }
        cell.parse::<f64>().map(Some).map_err(|_| {
            bad(
                &self.file,
                format!("line {}, column {}", row + 2, self.header[col]),
                format!("expected a number, got \"{cell}\""),
            )
        })
    }

    /// A whole column as (x, y) points, skipping empty cells.
    pub fn points(&self, x: usize, y: usize, scale_x: f64) -> Result<Vec<(f64, f64)>> {
        let mut out = Vec::with_capacity(self.rows.len());
        for r in 0..self.rows.len() {
            if let (Some(a), Some(b)) = (self.num(r, x)?, self.num(r, y)?) {
                out.push((a / scale_x, b));
            }
        }
        Ok(out)
    }
}

/// Every record of a CSV or Parquet (by its extension) table, header
/// first, with its line number in the CSV (1 for the header).
pub fn each_record(
    file: &Path,
    mut each: impl FnMut(usize, &csv::StringRecord) -> Result<()>,
) -> Result<()> {
    if file.extension().is_some_and(|e| e == "parquet") {
        return crate::table::parquet::for_each_record(file, each, |m| bad(file, "", m));
    }
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(false)
        .from_path(file)
        .map_err(|e| bad(file, "", format!("cannot read as CSV: {e}")))?;
    let mut rec = csv::StringRecord::new();
    for line in 1.. {
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
        each(line, &rec)?;
    }
    Ok(())
}

/// Table `name` (`tasks.csv`) of a results folder: the CSV, or the Parquet
/// file of the same stem a `run --format parquet` wrote.
pub fn table_file(dir: &Path, name: &str) -> PathBuf {
    name.strip_suffix(".csv")
        .and_then(|stem| crate::table::find(dir, stem))
        .unwrap_or_else(|| dir.join(name))
}

/// `summary.json` or `sweep.json` as a JSON value.
pub fn read_json(file: &Path) -> Result<serde_json::Value> {
    // read_text drops a byte order mark an editor may have added.
    let text =
        crate::input::read_text(file).map_err(|e| bad(file, "", format!("cannot read: {e}")))?;
    serde_json::from_str(&text).map_err(|e| {
        bad(
            file,
            "",
            format!("not valid JSON: {}", crate::scenario::json_message(&e)),
        )
    })
}

/// A JSON field as display text ("unknown" when absent).
pub fn text(v: &serde_json::Value, key: &str) -> String {
    match v.get(key) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Null) | None => "unknown".into(),
        Some(other) => other.to_string(),
    }
}

/// Checks that `dir` holds every file in `files`, naming the missing ones.
pub fn require(dir: &Path, kind: &str, files: &[&str]) -> Result<()> {
    let missing: Vec<&str> = files
        .iter()
        .copied()
        .filter(|f| !table_file(dir, f).is_file())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(bad(
        dir,
        "",
        format!(
            "incomplete ecsim {kind} result: missing {} (expected {})",
            missing.join(", "),
            files.join(", ")
        ),
    ))
}
