//! Parquet files from the typed cells every table writer gives (`Rows`),
//! and CSV records back from a Parquet file (for `ecsim report`).
//!
//! Row groups hold about `GROUP_CELLS` cells: a timeseries of a
//! 500-service region has thousands of columns, a tasks table twenty, and
//! both should buffer a few tens of MB at most.
//!
//! Encodings (measured on 60 days of large.toml, see docs/performance.md):
//! zstd level 1 on every page; doubles PLAIN (a dictionary only fills up
//! and is dropped; BYTE_STREAM_SPLIT made them 1.8× larger, their low
//! mantissa bytes being noise from decimal rounding); counts over time
//! and task ids DELTA_BINARY_PACKED; min/max statistics per column chunk,
//! not per page (no column index).

use super::schema::{self, Kind};
use super::spool::Drain;
use bytes::Bytes;
use parquet::basic::{Compression, Encoding, LogicalType, Repetition, Type as Physical, ZstdLevel};
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::file::reader::FileReader;
use parquet::file::serialized_reader::SerializedFileReader;
use parquet::file::writer::SerializedFileWriter;
use parquet::record::Field;
use parquet::schema::types::{ColumnPath, Type};
use std::fs::File;
use std::io;
use std::path::Path;
use std::sync::Arc;

/// 4 Mi cells, 32 MB of values: a wide timeseries' column chunks of 1 Mi
/// cells held ~2,000 rows each, too few for zstd to find the repeats
/// (4× the cells: the year of large.toml 10% smaller and faster).
pub const GROUP_CELLS: usize = 1 << 22;
const MIN_GROUP_ROWS: usize = 1024;

/// A writer's error; `TableFile` names the file (not the staging path).
fn other(msg: impl std::fmt::Display) -> io::Error {
    io::Error::other(msg.to_string())
}

/// A column's cells of the row group being filled (or, kept in memory, of
/// the whole table): only the values given, nulls in `defined`.
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
    /// 1 for a value, 0 for a null, a row each.
    defined: Vec<i16>,
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
    fn note_decimals(&mut self, d: usize) {
        self.decimals = match self.decimals {
            None => Some(Some(d)),
            Some(Some(seen)) if seen == d => Some(Some(d)),
            _ => Some(None),
        };
    }

    fn int(&mut self, v: i64) -> Result<(), String> {
        match &mut self.values {
            Values::Int(vs) => vs.push(v),
            Values::Float(vs) => {
                vs.push(v as f64);
                self.note_decimals(0);
            }
            _ => return self.push(itoa::Buffer::new().format(v).as_bytes()),
        }
        self.defined.push(1);
        Ok(())
    }

    fn float(&mut self, x: f64, decimals: usize) -> Result<(), String> {
        match &mut self.values {
            Values::Float(vs) => {
                vs.push(x);
                self.note_decimals(decimals);
            }
            _ => return self.push(format!("{x:.decimals$}").as_bytes()),
        }
        self.defined.push(1);
        Ok(())
    }

    /// A cell given as text: parsed for a typed column (a value written as
    /// text where the schema says number: the cost table's dollars).
    fn push(&mut self, cell: &[u8]) -> Result<(), String> {
        if cell.is_empty() {
            self.defined.push(0);
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
        self.defined.push(1);
        Ok(())
    }
}

/// `-?[0-9]+` as an i64.
pub(super) fn int(cell: &[u8]) -> Option<i64> {
    let (neg, digits) = match cell.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, cell),
    };
    if digits.is_empty() || digits.len() > 18 {
        return std::str::from_utf8(cell).ok()?.parse().ok();
    }
    let mut v: i64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v * 10 + i64::from(b - b'0');
    }
    Some(if neg { -v } else { v })
}

/// A decimal number and how many decimals its text had. Fixed-point text
/// of up to 15 digits is converted as mantissa / 10^d: both exact in an
/// f64, so the one division rounds correctly and gives what `str::parse`
/// gives, at a fraction of its cost. Anything else goes to `str::parse`.
pub(super) fn float(cell: &[u8]) -> Option<(f64, usize)> {
    let (neg, body) = match cell.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, cell),
    };
    let dot = body.iter().position(|&b| b == b'.');
    let decimals = dot.map_or(0, |d| body.len() - d - 1);
    let mut m: u64 = 0;
    let mut digits = 0;
    let mut plain = true;
    for (i, &b) in body.iter().enumerate() {
        if Some(i) == dot {
            continue;
        }
        if !b.is_ascii_digit() {
            plain = false;
            break;
        }
        m = m.wrapping_mul(10).wrapping_add(u64::from(b - b'0'));
        digits += 1;
    }
    if plain && digits > 0 && digits <= 15 && decimals <= 22 {
        let x = m as f64 / POW10[decimals];
        return Some((if neg { -x } else { x }, decimals));
    }
    let x: f64 = std::str::from_utf8(cell).ok()?.parse().ok()?;
    Some((x, decimals))
}

const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// A table's rows as Parquet column values, filled cell by cell from the
/// writers' typed values (no CSV text in between). A full row group is
/// encoded where it was filled: the task and sample writers already run on
/// threads of their own, and a further thread per table held up to three
/// groups at once (+110 MB peak on a year of large.toml) for no time saved.
pub struct ParquetRows {
    columns: Vec<Column>,
    /// The column the next cell goes to.
    at: usize,
    rows: usize,
    group_rows: usize,
    /// A row's first bad cell, reported when the row ends.
    error: Option<String>,
    groups: GroupWriter,
}

/// What the encoder is handed.
enum Part {
    /// A row group: each column's values and definition levels.
    Group(Vec<(Values, Vec<i16>)>),
    /// After the last group: each column's decimals, for the metadata.
    Decimals(String),
}

struct GroupWriter {
    writer: Option<SerializedFileWriter<File>>,
    /// Instead of a file: the typed columns, every group appended.
    memory: Option<SharedTable>,
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
            columns.push(Column {
                name,
                values,
                defined: Vec::new(),
                decimals: None,
            });
        }
        let schema = Type::group_type_builder("schema")
            .with_fields(fields)
            .build()
            .map_err(other)?;
        let mut props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::default()))
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
            if matches!(c.values, Values::Float(_)) {
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
        let group_rows = (GROUP_CELLS / columns.len().max(1)).max(MIN_GROUP_ROWS);
        Ok(ParquetRows {
            columns,
            at: 0,
            rows: 0,
            group_rows,
            error: None,
            groups: GroupWriter {
                writer: Some(writer),
                memory: None,
            },
        })
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
                Column {
                    name,
                    values,
                    defined: Vec::new(),
                    decimals: None,
                }
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
        let group_rows = (GROUP_CELLS / columns.len().max(1)).max(MIN_GROUP_ROWS);
        ParquetRows {
            columns,
            at: 0,
            rows: 0,
            group_rows,
            error: None,
            groups: GroupWriter {
                writer: None,
                memory: Some(table),
            },
        }
    }

    /// The next cell's column; `None` past the last (an error at the row's end).
    fn next(&mut self) -> Option<&mut Column> {
        let c = self.columns.get_mut(self.at);
        self.at += 1;
        c
    }

    fn keep(&mut self, r: Result<(), String>) {
        if let Err(e) = r {
            self.error.get_or_insert(e);
        }
    }

    pub fn null(&mut self) {
        if let Some(c) = self.next() {
            c.defined.push(0);
        }
    }

    pub fn int(&mut self, v: i64) {
        let r = self.next().map_or(Ok(()), |c| c.int(v));
        self.keep(r);
    }

    /// A number that the CSV writes with `decimals` decimals; `x` is the
    /// value that text stands for (what a reader of the CSV would get).
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
                c.defined.push(1);
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
            self.ship()?;
        }
        Ok(())
    }

    /// Encodes and writes the buffered rows as one row group.
    fn ship(&mut self) -> io::Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        let group = self
            .columns
            .iter_mut()
            .map(|c| (c.values.take(), std::mem::take(&mut c.defined)))
            .collect();
        self.rows = 0;
        self.groups.take(&mut vec![Part::Group(group)])
    }

    pub fn finish(&mut self) -> io::Result<()> {
        if self.at != 0 {
            return Err(other("the last row was not ended"));
        }
        self.ship()?;
        let decimals: Vec<String> = self
            .columns
            .iter()
            .map(|c| match c.decimals {
                Some(Some(d)) => d.to_string(),
                _ => String::new(),
            })
            .collect();
        self.groups
            .take(&mut vec![Part::Decimals(decimals.join(","))])?;
        self.groups.finish()
    }
}

impl Drain<Part> for GroupWriter {
    fn take(&mut self, parts: &mut Vec<Part>) -> io::Result<()> {
        if let Some(m) = &self.memory {
            let mut t = m.lock().unwrap_or_else(|e| e.into_inner());
            for p in parts.drain(..) {
                let Part::Group(group) = p else { continue };
                for (c, (values, defined)) in t.columns.iter_mut().zip(group) {
                    c.values.append(values);
                    c.defined.extend(defined);
                }
            }
            return Ok(());
        }
        for p in parts.drain(..) {
            let w = self
                .writer
                .as_mut()
                .ok_or_else(|| other("written after its end"))?;
            match p {
                Part::Group(columns) => write_group(w, columns)?,
                Part::Decimals(d) => {
                    w.append_key_value_metadata(KeyValue::new(DECIMALS_KEY.into(), d));
                }
            }
        }
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        match self.writer.take() {
            Some(w) => w.close().map(|_| ()).map_err(other),
            None => Ok(()),
        }
    }
}

/// Encodes one row group.
fn write_group(
    w: &mut SerializedFileWriter<File>,
    columns: Vec<(Values, Vec<i16>)>,
) -> io::Result<()> {
    let err = |e: parquet::errors::ParquetError| other(e);
    let mut group = w.next_row_group().map_err(err)?;
    for (values, defined) in columns {
        let mut col = group
            .next_column()
            .map_err(err)?
            .expect("a writer per column");
        let def = Some(&defined[..]);
        match values {
            Values::Int(v) => col.typed::<Int64Type>().write_batch(&v, def, None),
            Values::Float(v) => col.typed::<DoubleType>().write_batch(&v, def, None),
            Values::Bool(v) => col.typed::<BoolType>().write_batch(&v, def, None),
            Values::Text(bytes, ends) => {
                // One buffer shared by the cells' slices: no allocation a cell.
                let all = Bytes::from(bytes);
                let mut start = 0;
                let cells: Vec<ByteArray> = ends
                    .iter()
                    .map(|&e| {
                        let a = ByteArray::from(all.slice(start..e));
                        start = e;
                        a
                    })
                    .collect();
                col.typed::<ByteArrayType>().write_batch(&cells, def, None)
            }
        }
        .map_err(err)?;
        col.close().map_err(err)?;
    }
    group.close().map_err(err)?;
    Ok(())
}

/// A Parquet file's rows as CSV records (header first), the cells as the
/// CSV would hold them: a null is an empty cell. `each` sees the record
/// number (1 for the header) and the record, and may stop the reading
/// with an error.
pub fn for_each_record<E>(
    path: &Path,
    mut each: impl FnMut(usize, &csv::StringRecord) -> Result<(), E>,
    wrap: impl Fn(String) -> E,
) -> Result<(), E> {
    let file = File::open(path).map_err(|e| wrap(format!("cannot open: {e}")))?;
    let reader =
        SerializedFileReader::new(file).map_err(|e| wrap(format!("not a Parquet file: {e}")))?;
    let meta = reader.metadata().file_metadata();
    let schema = meta.schema_descr();
    // Doubles as the CSV wrote them, where the writer saw one way.
    let decimals: Vec<Option<usize>> = meta
        .key_value_metadata()
        .and_then(|kv| kv.iter().find(|k| k.key == DECIMALS_KEY))
        .and_then(|k| k.value.as_deref())
        .map(|v| v.split(',').map(|d| d.parse().ok()).collect())
        .unwrap_or_default();
    let mut rec = csv::StringRecord::new();
    for c in schema.columns() {
        rec.push_field(c.name());
    }
    each(1, &rec)?;
    let rows = reader
        .get_row_iter(None)
        .map_err(|e| wrap(format!("cannot read the rows: {e}")))?;
    let mut cell = String::new();
    for (i, row) in rows.enumerate() {
        let row = row.map_err(|e| wrap(format!("row {}: {e}", i + 1)))?;
        rec.clear();
        for (c, (_, f)) in row.get_column_iter().enumerate() {
            cell.clear();
            use std::fmt::Write;
            let _ = match f {
                Field::Null => Ok(()),
                Field::Str(s) => cell.write_str(s),
                Field::Double(v) => match decimals.get(c).copied().flatten() {
                    Some(d) => write!(cell, "{v:.d$}"),
                    None => write!(cell, "{v}"),
                },
                Field::Long(v) => write!(cell, "{v}"),
                Field::Bool(b) => write!(cell, "{b}"),
                other => write!(cell, "{other}"),
            };
            rec.push_field(&cell);
        }
        each(i + 2, &rec)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_parse_as_the_standard_library_does() {
        let mut texts: Vec<String> = [
            "0",
            "-0",
            "0.000",
            "-0.0000000000",
            "12.345",
            "206.439",
            "99999999999.999",
            "123456789012345",
            "1234567890123456.5",
            "0.1",
            "1e3",
            "-7.25",
            "5.",
            ".5",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for i in 0..20_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let d = (i % 11) as usize;
            let v = (x % 10u64.pow(12)) as f64 / 10f64.powi(d as i32);
            texts.push(format!("{v:.d$}"));
        }
        for t in &texts {
            let want: f64 = t.parse().unwrap();
            let (got, _) = float(t.as_bytes()).unwrap();
            assert_eq!(got.to_bits(), want.to_bits(), "{t}");
        }
        for bad in ["", "-", "1.2.3", "abc", "1,5"] {
            assert!(float(bad.as_bytes()).is_none(), "{bad}");
        }
        assert_eq!(float(b"206.439").unwrap().1, 3);
        for (t, v) in [("0", 0), ("-42", -42), ("9223372036854775807", i64::MAX)] {
            assert_eq!(int(t.as_bytes()), Some(v));
        }
        for bad in ["", "-", "1.5", "12a", "99999999999999999999"] {
            assert_eq!(int(bad.as_bytes()), None, "{bad}");
        }
    }
}
