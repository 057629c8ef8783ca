//! Parquet files from the CSV text every table writer produces, and CSV
//! records back from a Parquet file (for `ecsim report`).
//!
//! Row groups hold about `GROUP_CELLS` cells: a timeseries of a
//! 500-service region has thousands of columns, a tasks table twenty, and
//! both should buffer a few tens of MB at most.

use super::schema::{self, Kind};
use bytes::Bytes;
use parquet::basic::{Compression, LogicalType, Repetition, Type as Physical, ZstdLevel};
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::file::reader::FileReader;
use parquet::file::serialized_reader::SerializedFileReader;
use parquet::file::writer::SerializedFileWriter;
use parquet::record::Field;
use parquet::schema::types::Type;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const GROUP_CELLS: usize = 2 << 20;
const MIN_GROUP_ROWS: usize = 1024;

fn other(path: &Path, msg: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("{}: {msg}", path.display()))
}

/// A column's cells of the row group being filled.
enum Values {
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

impl Column {
    fn push(&mut self, cell: &[u8]) -> Result<(), String> {
        if cell.is_empty() {
            self.defined.push(0);
            return Ok(());
        }
        let text = std::str::from_utf8(cell).map_err(|_| "not UTF-8".to_string())?;
        let bad = |what: &str| format!("column {}: expected {what}, got \"{text}\"", self.name);
        match &mut self.values {
            Values::Int(v) => v.push(text.parse().map_err(|_| bad("an integer"))?),
            Values::Float(v) => {
                v.push(text.parse().map_err(|_| bad("a number"))?);
                let d = text.find('.').map_or(0, |dot| text.len() - dot - 1);
                self.decimals = match self.decimals {
                    None => Some(Some(d)),
                    Some(Some(seen)) if seen == d => Some(Some(d)),
                    _ => Some(None),
                };
            }
            Values::Text(bytes, ends) => {
                bytes.extend_from_slice(cell);
                ends.push(bytes.len());
            }
            Values::Bool(v) => v.push(match text {
                "true" => true,
                "false" => false,
                _ => return Err(bad("true or false")),
            }),
        }
        self.defined.push(1);
        Ok(())
    }
}

/// Parses CSV text (header first, then rows, in pieces cut anywhere) into
/// a Parquet file's columns.
pub struct ParquetDrain {
    path: PathBuf,
    stem: String,
    writer: Option<SerializedFileWriter<File>>,
    file: Option<File>,
    columns: Vec<Column>,
    rows: usize,
    group_rows: usize,
    /// Text not yet parsed: the start of a record whose end has not come.
    pending: Vec<u8>,
    /// Inside a quoted field at the end of `pending`.
    quoted: bool,
}

impl ParquetDrain {
    pub fn create(path: &Path, stem: &str) -> io::Result<ParquetDrain> {
        Ok(ParquetDrain {
            path: path.to_path_buf(),
            stem: stem.to_string(),
            writer: None,
            file: Some(File::create(path)?),
            columns: Vec::new(),
            rows: 0,
            group_rows: MIN_GROUP_ROWS,
            pending: Vec::new(),
            quoted: false,
        })
    }

    pub fn take(&mut self, bytes: &[u8]) -> io::Result<()> {
        let scanned = self.pending.len();
        self.pending.extend_from_slice(bytes);
        // Where the last whole record ends: a line break outside quotes
        // (a doubled quote inside a field toggles twice).
        let mut end = None;
        for (i, &b) in self.pending[scanned..].iter().enumerate() {
            match b {
                b'"' => self.quoted = !self.quoted,
                b'\n' if !self.quoted => end = Some(scanned + i + 1),
                _ => {}
            }
        }
        let Some(end) = end else { return Ok(()) };
        let whole: Vec<u8> = self.pending.drain(..end).collect();
        self.records(&whole)
    }

    fn records(&mut self, text: &[u8]) -> io::Result<()> {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text);
        let mut rec = csv::ByteRecord::new();
        while r
            .read_byte_record(&mut rec)
            .map_err(|e| other(&self.path, e))?
        {
            if self.writer.is_none() {
                self.start(&rec)?;
                continue;
            }
            if rec.len() != self.columns.len() {
                return Err(other(
                    &self.path,
                    format!(
                        "a row of {} fields under {} columns",
                        rec.len(),
                        self.columns.len()
                    ),
                ));
            }
            for (c, cell) in self.columns.iter_mut().zip(rec.iter()) {
                c.push(cell).map_err(|m| other(&self.path, m))?;
            }
            self.rows += 1;
            if self.rows == self.group_rows {
                self.flush()?;
            }
        }
        Ok(())
    }

    /// The header: the schema, and the file's writer.
    fn start(&mut self, header: &csv::ByteRecord) -> io::Result<()> {
        let mut fields = Vec::with_capacity(header.len());
        for name in header.iter() {
            let name = String::from_utf8_lossy(name).into_owned();
            let kind = schema::kind(&self.stem, &name).unwrap_or(Kind::Text);
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
                .map_err(|e| other(&self.path, e))?;
            fields.push(Arc::new(t));
            self.columns.push(Column {
                name,
                values,
                defined: Vec::new(),
                decimals: None,
            });
        }
        let schema = Type::group_type_builder("schema")
            .with_fields(fields)
            .build()
            .map_err(|e| other(&self.path, e))?;
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::default()))
            .set_created_by(format!("ecsim {}", env!("CARGO_PKG_VERSION")))
            .build();
        let file = self.file.take().expect("the header comes once");
        self.writer = Some(
            SerializedFileWriter::new(file, Arc::new(schema), Arc::new(props))
                .map_err(|e| other(&self.path, e))?,
        );
        self.group_rows = (GROUP_CELLS / self.columns.len().max(1)).max(MIN_GROUP_ROWS);
        Ok(())
    }

    /// Writes the buffered rows as one row group.
    fn flush(&mut self) -> io::Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        let path = self.path.clone();
        let err = |e: parquet::errors::ParquetError| other(&path, e);
        let w = self.writer.as_mut().expect("started");
        let mut group = w.next_row_group().map_err(err)?;
        for c in &mut self.columns {
            let mut col = group
                .next_column()
                .map_err(err)?
                .expect("a writer per column");
            let def = Some(&c.defined[..]);
            match &mut c.values {
                Values::Int(v) => {
                    col.typed::<Int64Type>()
                        .write_batch(v, def, None)
                        .map_err(err)?;
                    v.clear();
                }
                Values::Float(v) => {
                    col.typed::<DoubleType>()
                        .write_batch(v, def, None)
                        .map_err(err)?;
                    v.clear();
                }
                Values::Bool(v) => {
                    col.typed::<BoolType>()
                        .write_batch(v, def, None)
                        .map_err(err)?;
                    v.clear();
                }
                Values::Text(bytes, ends) => {
                    // One buffer shared by the cells' slices: no allocation a cell.
                    let all = Bytes::from(std::mem::take(bytes));
                    let mut start = 0;
                    let cells: Vec<ByteArray> = ends
                        .iter()
                        .map(|&e| {
                            let a = ByteArray::from(all.slice(start..e));
                            start = e;
                            a
                        })
                        .collect();
                    col.typed::<ByteArrayType>()
                        .write_batch(&cells, def, None)
                        .map_err(err)?;
                    ends.clear();
                }
            }
            c.defined.clear();
            col.close().map_err(err)?;
        }
        group.close().map_err(err)?;
        self.rows = 0;
        Ok(())
    }

    pub fn finish(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            let rest = std::mem::take(&mut self.pending);
            self.records(&rest)?;
        }
        if self.writer.is_none() {
            return Err(other(&self.path, "no header was written"));
        }
        self.flush()?;
        let mut w = self.writer.take().expect("started");
        let decimals: Vec<String> = self
            .columns
            .iter()
            .map(|c| match c.decimals {
                Some(Some(d)) => d.to_string(),
                _ => String::new(),
            })
            .collect();
        w.append_key_value_metadata(KeyValue::new(DECIMALS_KEY.into(), decimals.join(",")));
        w.close().map_err(|e| other(&self.path, e))?;
        Ok(())
    }
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
