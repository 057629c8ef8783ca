//! Parquet files from the typed cells every table writer gives (`Rows`),
//! and CSV records back from a Parquet file (for `ecsim report`).
//!
//! Row groups hold about `GROUP_BYTES` of buffered cells: a timeseries of
//! a 500-service region has thousands of columns, a tasks table twenty,
//! and both should buffer a few tens of MB at most.
//!
//! Encodings (measured on 60 days of large.toml, see docs/performance.md):
//! zstd level 2 on every page (`zstd_level`); doubles PLAIN (a dictionary only fills up and is dropped;
//! BYTE_STREAM_SPLIT made them 1.8× larger: a value's low mantissa bytes,
//! noise from decimal rounding, repeat together, and split apart they
//! no longer do) except percentages and latency factors, which come from
//! a small set (`few_values`: a dictionary); counts over time and task
//! ids DELTA_BINARY_PACKED; min/max statistics per column chunk, not per
//! page (no column index).

use super::schema::{self, Kind};
use parquet::basic::{Compression, Encoding, LogicalType, Repetition, Type as Physical, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::{ColumnPath, Type};
use std::fs::File;
use std::io;
use std::path::Path;
use std::sync::Arc;

mod encoder;
mod number;
mod read;
use encoder::write_group;
use number::{float, int};
pub use read::for_each_record;

/// 64 MiB of buffered cells a row group, counting a number as its 8 bytes
/// and a text cell as `TEXT_CELL_BYTES`. The more rows a column chunk
/// holds, the more repeats zstd and the dictionaries find: a wide
/// timeseries' chunks of ~2,000 rows were 12% larger than of ~8,000, and
/// those of ~16,000 rows (this size) are 5% smaller again. Counted in
/// cells (4 Mi), the tasks table's groups held 53 MB (its text) where the
/// timeseries' held 32; twice the cells took the peak RSS of a year of
/// large.toml from 283 to 472 MB.
const GROUP_BYTES: usize = 64 << 20;
/// What a buffered text cell costs: its bytes (~11 for the tasks' names)
/// and end offset, and while encoded a 32-byte `ByteArray`. With two
/// groups alive (one filling, one encoding), 20 gave the tasks' groups
/// 258 k rows and the year of large.toml a peak RSS of 581 MB; 40 gives
/// 152 k rows and 450 MB, for a file 0.05% larger.
const TEXT_CELL_BYTES: usize = 40;
const MIN_GROUP_ROWS: usize = 1024;

/// A writer's error; `TableFile` names the file (not the staging path).
fn other(msg: impl std::fmt::Display) -> io::Error {
    io::Error::other(msg.to_string())
}

/// A column's cells of the row group being filled (or, kept in memory, of
/// the whole table): only the values given, nulls in the definition levels.
#[derive(Debug)]
pub enum Values {
    Int(Vec<i64>),
    Float(Vec<f64>),
    /// The UTF-8 bytes of every cell, one after another, and where each ends.
    Text(Vec<u8>, Vec<usize>),
    Bool(Vec<bool>),
}

struct Column {
    name: String,
    values: Values,
    /// 1 for a value, 0 for a null, a row each, once the group has had a
    /// null: most columns never do, and a level per cell was a fifth of a
    /// group's memory and a push per cell.
    defined: Vec<i16>,
    /// Cells given to this group, values and nulls.
    cells: usize,
    /// Some cell of this group was a null (`defined` is kept).
    nulls: bool,
    /// Decimals every number of a DOUBLE column had in the CSV text
    /// (`Some(None)` once they differ), so a reader can give the same text.
    decimals: Option<Option<usize>>,
}

/// The key of the file metadata that holds each column's decimals.
const DECIMALS_KEY: &str = "ecsim.csv_decimals";

impl Values {
    fn empty_like(&self) -> Values {
        match self {
            Values::Int(_) => Values::Int(Vec::new()),
            Values::Float(_) => Values::Float(Vec::new()),
            Values::Text(..) => Values::Text(Vec::new(), Vec::new()),
            Values::Bool(_) => Values::Bool(Vec::new()),
        }
    }

    /// The values so far, leaving an empty buffer of the same type.
    fn take(&mut self) -> Values {
        match self {
            Values::Int(v) => Values::Int(std::mem::take(v)),
            Values::Float(v) => Values::Float(std::mem::take(v)),
            Values::Text(b, e) => Values::Text(std::mem::take(b), std::mem::take(e)),
            Values::Bool(v) => Values::Bool(std::mem::take(v)),
        }
    }
}

impl Column {
    fn new(name: String, values: Values) -> Column {
        Column {
            name,
            values,
            defined: Vec::new(),
            cells: 0,
            nulls: false,
            decimals: None,
        }
    }

    /// A value was pushed.
    #[inline]
    fn given(&mut self) {
        if self.nulls {
            self.defined.push(1);
        }
        self.cells += 1;
    }

    fn null(&mut self) {
        if !self.nulls {
            self.nulls = true;
            self.defined.clear();
            self.defined.resize(self.cells, 1);
        }
        self.defined.push(0);
        self.cells += 1;
    }

    /// Empties the group, keeping the buffers for the next one.
    fn clear(&mut self) {
        match &mut self.values {
            Values::Int(v) => v.clear(),
            Values::Float(v) => v.clear(),
            Values::Text(b, e) => {
                b.clear();
                e.clear();
            }
            Values::Bool(v) => v.clear(),
        }
        self.defined.clear();
        self.cells = 0;
        self.nulls = false;
    }

    fn note_decimals(&mut self, d: usize) {
        self.decimals = match self.decimals {
            None => Some(Some(d)),
            Some(Some(seen)) if seen == d => Some(Some(d)),
            _ => Some(None),
        };
    }

    #[inline]
    fn int(&mut self, v: i64) -> Result<(), String> {
        match &mut self.values {
            Values::Int(vs) => vs.push(v),
            Values::Float(vs) => {
                vs.push(v as f64);
                self.note_decimals(0);
            }
            _ => return self.push(itoa::Buffer::new().format(v).as_bytes()),
        }
        self.given();
        Ok(())
    }

    #[inline]
    fn float(&mut self, x: f64, decimals: usize) -> Result<(), String> {
        match &mut self.values {
            Values::Float(vs) => {
                vs.push(x);
                self.note_decimals(decimals);
            }
            _ => return self.push(format!("{x:.decimals$}").as_bytes()),
        }
        self.given();
        Ok(())
    }

    /// A cell given as text: parsed for a typed column (a value written as
    /// text where the schema says number: the cost table's dollars).
    fn push(&mut self, cell: &[u8]) -> Result<(), String> {
        if cell.is_empty() {
            self.null();
            return Ok(());
        }
        let bad = |what: &str| {
            format!(
                "column {}: expected {what}, got \"{}\"",
                self.name,
                String::from_utf8_lossy(cell)
            )
        };
        match &mut self.values {
            Values::Int(v) => v.push(int(cell).ok_or_else(|| bad("an integer"))?),
            Values::Float(v) => {
                let (x, d) = float(cell).ok_or_else(|| bad("a number"))?;
                v.push(x);
                self.note_decimals(d);
            }
            // The writers' text is a Rust string's, UTF-8 already.
            Values::Text(bytes, ends) => {
                bytes.extend_from_slice(cell);
                ends.push(bytes.len());
            }
            Values::Bool(v) => v.push(match cell {
                b"true" => true,
                b"false" => false,
                _ => return Err(bad("true or false")),
            }),
        }
        self.given();
        Ok(())
    }
}

/// zstd level 2: a year of large.toml 2.5% smaller than level 1 (the tasks'
/// times 5%) for no measurable time; level 3 made the tasks larger again,
/// and 5 and up cost twice the compression time for 2–4% more.
fn zstd_level() -> io::Result<ZstdLevel> {
    ZstdLevel::try_new(2).map_err(other)
}

/// Whether a DOUBLE column's values come from a small set, so that a
/// dictionary (each value once, then a few bits a row) beats PLAIN + zstd:
/// percentages to two decimals (10,001 values at most; a wide timeseries'
/// `cpu_pct` chunk of 8,144 minutes holds ~1,100 of them) and latency
/// factors (~600). Rates and times are mostly distinct: their dictionary
/// only fills up and is dropped (+48% on `demand_rps`).
fn few_values(column: &str) -> bool {
    column.ends_with("_pct") || column.ends_with("latency_factor")
}

/// A table's rows as Parquet column values, filled cell by cell from the
/// writers' typed values (no CSV text in between). Full row groups are
/// encoded on a thread of their own (`encoder`) while the next one fills;
/// a file that never fills one writes it at `finish`, without a thread.
pub struct ParquetRows {
    columns: Vec<Column>,
    /// The column the next cell goes to.
    at: usize,
    rows: usize,
    group_rows: usize,
    /// A row's first bad cell, reported when the row ends.
    error: Option<String>,
    sink: Sink,
    /// A row group's worth of definition levels of 1: those of a column
    /// without nulls.
    ones: Vec<i16>,
}

enum Sink {
    /// No group full yet: the file's writer waits here.
    File(Box<SerializedFileWriter<File>>),
    Encoding(encoder::Encoder),
    /// Instead of a file: the typed columns, every group appended.
    Memory(SharedTable),
    /// After `finish`.
    Closed,
}

/// One column of a table kept in memory: its values (only those given)
/// and per row 1 for a value, 0 for a null.
#[derive(Debug)]
pub struct TypedColumn {
    pub name: String,
    pub values: Values,
    pub defined: Vec<i16>,
}

/// A table's typed columns in memory: what the Python package turns into
/// Arrow arrays without reading any text.
#[derive(Debug, Default)]
pub struct TypedTable {
    pub columns: Vec<TypedColumn>,
}

pub type SharedTable = Arc<std::sync::Mutex<TypedTable>>;

impl Values {
    fn append(&mut self, more: Values) {
        match (self, more) {
            (Values::Int(a), Values::Int(b)) => a.extend(b),
            (Values::Float(a), Values::Float(b)) => a.extend(b),
            (Values::Bool(a), Values::Bool(b)) => a.extend(b),
            (Values::Text(a, ae), Values::Text(b, be)) => {
                let base = a.len();
                a.extend(b);
                ae.extend(be.into_iter().map(|e| e + base));
            }
            _ => unreachable!("a column keeps its type"),
        }
    }
}

impl ParquetRows {
    /// A file at `path` whose columns are `header`, each typed by the
    /// schema of table `stem` (text where the schema does not know one).
    pub fn create<S: AsRef<str>>(path: &Path, stem: &str, header: &[S]) -> io::Result<ParquetRows> {
        let file = File::create(path)?;
        let mut fields = Vec::with_capacity(header.len());
        let mut columns = Vec::with_capacity(header.len());
        for name in header {
            let name = name.as_ref().to_string();
            let kind = schema::kind(stem, &name).unwrap_or(Kind::Text);
            let (physical, logical, values) = match kind {
                Kind::Int => (Physical::INT64, None, Values::Int(Vec::new())),
                Kind::Float => (Physical::DOUBLE, None, Values::Float(Vec::new())),
                Kind::Text => (
                    Physical::BYTE_ARRAY,
                    Some(LogicalType::String),
                    Values::Text(Vec::new(), Vec::new()),
                ),
                Kind::Bool => (Physical::BOOLEAN, None, Values::Bool(Vec::new())),
            };
            let t = Type::primitive_type_builder(&name, physical)
                .with_repetition(Repetition::OPTIONAL)
                .with_logical_type(logical)
                .build()
                .map_err(other)?;
            fields.push(Arc::new(t));
            columns.push(Column::new(name, values));
        }
        let schema = Type::group_type_builder("schema")
            .with_fields(fields)
            .build()
            .map_err(other)?;
        let mut props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(zstd_level()?))
            // Page statistics and the column index they feed cost a
            // min/max per page and footer bytes per chunk; readers prune
            // by row group, which chunk statistics still serve.
            .set_statistics_enabled(EnabledStatistics::Chunk)
            .set_created_by(format!("ecsim {}", env!("CARGO_PKG_VERSION")));
        // Times, dollars and rates rarely repeat: a dictionary only fills
        // up and is dropped, and the file is a third larger than without.
        // A long timeseries is the exception: each time repeats once per
        // series, and its values are mostly small counts.
        let long = columns
            .iter()
            .map(|c| c.name.as_str())
            .eq(schema::TIMESERIES_LONG.iter().map(|c| c.name));
        for c in columns.iter().filter(|_| !long) {
            let path = || ColumnPath::from(c.name.as_str());
            if matches!(c.values, Values::Float(_)) && !few_values(&c.name) {
                props = props.set_column_dictionary_enabled(path(), false);
            }
            // A wide timeseries' counts change by a little from one sample
            // to the next, and task ids are unique: their deltas pack in a
            // few bits (2.3× and 1.9× smaller than a dictionary's). Other
            // integers (reservations) come from a small set: dictionary.
            let deltas =
                (stem == "timeseries" || c.name == "task_id") && matches!(c.values, Values::Int(_));
            if deltas {
                props = props
                    .set_column_dictionary_enabled(path(), false)
                    .set_column_encoding(path(), Encoding::DELTA_BINARY_PACKED);
            }
        }
        let writer = SerializedFileWriter::new(file, Arc::new(schema), Arc::new(props.build()))
            .map_err(other)?;
        Ok(ParquetRows::new(columns, Sink::File(Box::new(writer))))
    }

    fn new(columns: Vec<Column>, sink: Sink) -> ParquetRows {
        let row_bytes: usize = columns
            .iter()
            .map(|c| match c.values {
                Values::Int(_) | Values::Float(_) => 8,
                Values::Text(..) => TEXT_CELL_BYTES,
                Values::Bool(_) => 1,
            })
            .sum();
        let group_rows = (GROUP_BYTES / row_bytes.max(1)).max(MIN_GROUP_ROWS);
        ParquetRows {
            columns,
            at: 0,
            rows: 0,
            group_rows,
            error: None,
            sink,
            ones: Vec::new(),
        }
    }

    /// Typed columns into `table` (in memory, no file) whose columns are
    /// `header`, each typed by the schema of table `stem` as in `create`.
    pub fn in_memory<S: AsRef<str>>(table: SharedTable, stem: &str, header: &[S]) -> ParquetRows {
        let columns: Vec<Column> = header
            .iter()
            .map(|name| {
                let name = name.as_ref().to_string();
                let values = match schema::kind(stem, &name).unwrap_or(Kind::Text) {
                    Kind::Int => Values::Int(Vec::new()),
                    Kind::Float => Values::Float(Vec::new()),
                    Kind::Text => Values::Text(Vec::new(), Vec::new()),
                    Kind::Bool => Values::Bool(Vec::new()),
                };
                Column::new(name, values)
            })
            .collect();
        {
            let mut t = table.lock().unwrap_or_else(|e| e.into_inner());
            t.columns = columns
                .iter()
                .map(|c| TypedColumn {
                    name: c.name.clone(),
                    values: c.values.empty_like(),
                    defined: Vec::new(),
                })
                .collect();
        }
        ParquetRows::new(columns, Sink::Memory(table))
    }

    /// The next cell's column; `None` past the last (an error at the row's end).
    #[inline]
    fn next(&mut self) -> Option<&mut Column> {
        let c = self.columns.get_mut(self.at);
        self.at += 1;
        c
    }

    #[inline]
    fn keep(&mut self, r: Result<(), String>) {
        if let Err(e) = r {
            self.error.get_or_insert(e);
        }
    }

    #[inline]
    pub fn null(&mut self) {
        if let Some(c) = self.next() {
            c.null();
        }
    }

    #[inline]
    pub fn int(&mut self, v: i64) {
        let r = self.next().map_or(Ok(()), |c| c.int(v));
        self.keep(r);
    }

    /// A number that the CSV writes with `decimals` decimals; `x` is the
    /// value that text stands for (what a reader of the CSV would get).
    #[inline]
    pub fn float(&mut self, x: f64, decimals: usize) {
        let r = self.next().map_or(Ok(()), |c| c.float(x, decimals));
        self.keep(r);
    }

    /// Text, or a number or boolean as its CSV text where the column is
    /// typed otherwise.
    pub fn text(&mut self, s: &str) {
        let r = self.next().map_or(Ok(()), |c| c.push(s.as_bytes()));
        self.keep(r);
    }

    pub fn boolean(&mut self, b: bool) {
        let r = self.next().map_or(Ok(()), |c| match &mut c.values {
            Values::Bool(v) => {
                v.push(b);
                c.given();
                Ok(())
            }
            _ => c.push(if b { b"true" } else { b"false" }),
        });
        self.keep(r);
    }

    pub fn end_row(&mut self) -> io::Result<()> {
        let cells = std::mem::replace(&mut self.at, 0);
        if let Some(e) = self.error.take() {
            return Err(other(e));
        }
        if cells != self.columns.len() {
            return Err(other(format!(
                "a row of {cells} fields under {} columns",
                self.columns.len()
            )));
        }
        self.rows += 1;
        if self.rows == self.group_rows {
            self.ship(false)?;
        }
        Ok(())
    }

    /// The buffered rows as one row group: to the encoder's thread, started
    /// with the first full group; the `last` group of a file that has none
    /// is written here.
    fn ship(&mut self, last: bool) -> io::Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        self.rows = 0;
        if !last && let Sink::File(_) = self.sink {
            let Sink::File(w) = std::mem::replace(&mut self.sink, Sink::Closed) else {
                unreachable!()
            };
            self.sink = Sink::Encoding(encoder::Encoder::start(*w, self.group_rows)?);
        }
        match &mut self.sink {
            Sink::Encoding(e) => e.group(&mut self.columns)?,
            Sink::File(w) => {
                if self.ones.len() < self.group_rows {
                    self.ones = vec![1; self.group_rows];
                }
                write_group(w, &mut self.columns, &self.ones)?;
                // The buffers stay for the next group: regrown from empty
                // each group, they were copied as they doubled and their
                // fresh pages faulted in.
                self.columns.iter_mut().for_each(Column::clear);
            }
            Sink::Memory(m) => {
                let mut t = m.lock().unwrap_or_else(|e| e.into_inner());
                for (to, c) in t.columns.iter_mut().zip(&mut self.columns) {
                    match c.nulls {
                        true => to.defined.extend_from_slice(&c.defined),
                        false => to.defined.resize(to.defined.len() + c.cells, 1),
                    }
                    to.values.append(c.values.take());
                    c.clear();
                }
            }
            Sink::Closed => return Err(other("written after its end")),
        }
        Ok(())
    }

    pub fn finish(&mut self) -> io::Result<()> {
        if self.at != 0 {
            return Err(other("the last row was not ended"));
        }
        self.ship(true)?;
        let decimals: Vec<String> = self
            .columns
            .iter()
            .map(|c| match c.decimals {
                Some(Some(d)) => d.to_string(),
                _ => String::new(),
            })
            .collect();
        match std::mem::replace(&mut self.sink, Sink::Closed) {
            Sink::File(mut w) => {
                w.append_key_value_metadata(KeyValue::new(DECIMALS_KEY.into(), decimals.join(",")));
                w.close().map(|_| ()).map_err(other)
            }
            Sink::Encoding(mut e) => e.finish(decimals.join(",")),
            Sink::Memory(_) | Sink::Closed => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests;
