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
use parquet::schema::types::{ColumnPath, Type};
use std::fs::File;
use std::io;
use std::path::Path;
use std::sync::Arc;

const GROUP_CELLS: usize = 1 << 20;
const MIN_GROUP_ROWS: usize = 1024;

/// A writer's error; `TableFile` names the file (not the staging path).
fn other(msg: impl std::fmt::Display) -> io::Error {
    io::Error::other(msg.to_string())
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
                self.decimals = match self.decimals {
                    None => Some(Some(d)),
                    Some(Some(seen)) if seen == d => Some(Some(d)),
                    _ => Some(None),
                };
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
fn int(cell: &[u8]) -> Option<i64> {
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
fn float(cell: &[u8]) -> Option<(f64, usize)> {
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

/// Parses CSV text (header first, then rows, in pieces cut anywhere) into
/// a Parquet file's columns.
pub struct ParquetDrain {
    stem: String,
    writer: Option<SerializedFileWriter<File>>,
    file: Option<File>,
    columns: Vec<Column>,
    rows: usize,
    group_rows: usize,
    /// The record being read: its fields' bytes one after another, and
    /// where each field ends.
    record: Vec<u8>,
    ends: Vec<usize>,
    /// Inside a quoted field; `quote` when its last byte was a quote
    /// (the field's end, or the first of a doubled quote).
    quoted: bool,
    quote: bool,
}

impl ParquetDrain {
    pub fn create(path: &Path, stem: &str) -> io::Result<ParquetDrain> {
        Ok(ParquetDrain {
            stem: stem.to_string(),
            writer: None,
            file: Some(File::create(path)?),
            columns: Vec::new(),
            rows: 0,
            group_rows: MIN_GROUP_ROWS,
            record: Vec::new(),
            ends: Vec::new(),
            quoted: false,
            quote: false,
        })
    }

    /// The writers' CSV (fields quoted only when they must be, quotes
    /// doubled, `\n` after each record), read a byte at a time so a record
    /// may be cut between chunks anywhere.
    pub fn take(&mut self, bytes: &[u8]) -> io::Result<()> {
        let mut i = 0;
        while i < bytes.len() {
            if self.quoted {
                let b = bytes[i];
                i += 1;
                if self.quote {
                    self.quote = false;
                    if b == b'"' {
                        self.record.push(b'"');
                        continue;
                    }
                    self.quoted = false;
                    // `b` ends the field: read it below as unquoted text.
                    i -= 1;
                } else {
                    if b == b'"' {
                        self.quote = true;
                    } else {
                        self.record.push(b);
                    }
                    continue;
                }
            }
            // Unquoted: copy up to the next separator in one go.
            let rest = &bytes[i..];
            let n = rest
                .iter()
                .position(|&b| b == b',' || b == b'\n' || b == b'"')
                .unwrap_or(rest.len());
            self.record.extend_from_slice(&rest[..n]);
            i += n;
            let Some(&b) = bytes.get(i) else { break };
            i += 1;
            match b {
                b',' => self.ends.push(self.record.len()),
                b'\n' => {
                    self.ends.push(self.record.len());
                    self.end_record()?;
                }
                _ => self.quoted = true,
            }
        }
        Ok(())
    }

    fn end_record(&mut self) -> io::Result<()> {
        if self.writer.is_none() {
            self.start()?;
        } else {
            if self.ends.len() != self.columns.len() {
                return Err(other(format!(
                    "a row of {} fields under {} columns",
                    self.ends.len(),
                    self.columns.len()
                )));
            }
            let mut start = 0;
            for (c, &end) in self.columns.iter_mut().zip(&self.ends) {
                c.push(&self.record[start..end]).map_err(other)?;
                start = end;
            }
            self.rows += 1;
            if self.rows == self.group_rows {
                self.flush()?;
            }
        }
        self.record.clear();
        self.ends.clear();
        Ok(())
    }

    /// The header: the schema, and the file's writer.
    fn start(&mut self) -> io::Result<()> {
        let mut fields = Vec::with_capacity(self.ends.len());
        let mut start = 0;
        for &end in &self.ends {
            let name = String::from_utf8_lossy(&self.record[start..end]).into_owned();
            start = end;
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
                .map_err(other)?;
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
            .map_err(other)?;
        let mut props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::default()))
            .set_created_by(format!("ecsim {}", env!("CARGO_PKG_VERSION")));
        // Times, dollars and rates rarely repeat: a dictionary only fills
        // up and is dropped, and the file is a third larger than without.
        for c in &self.columns {
            if matches!(c.values, Values::Float(_)) {
                props =
                    props.set_column_dictionary_enabled(ColumnPath::from(c.name.as_str()), false);
            }
        }
        let props = props.build();
        let file = self.file.take().expect("the header comes once");
        self.writer = Some(
            SerializedFileWriter::new(file, Arc::new(schema), Arc::new(props)).map_err(other)?,
        );
        self.group_rows = (GROUP_CELLS / self.columns.len().max(1)).max(MIN_GROUP_ROWS);
        Ok(())
    }

    /// Writes the buffered rows as one row group.
    fn flush(&mut self) -> io::Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        let err = |e: parquet::errors::ParquetError| other(e);
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
        if !self.record.is_empty() || !self.ends.is_empty() {
            return Err(other("the last record has no line end"));
        }
        if self.writer.is_none() {
            return Err(other("no header was written"));
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
        w.close().map_err(other)?;
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

    #[test]
    fn records_cut_anywhere_read_back_whole() {
        // Quoted commas, doubled quotes and a line break inside a field, an
        // empty cell (null) and a lone empty field.
        let text = "time_s,reason,task_id\n\
                    1.500,\"a, b\",7\n\
                    2.000,\"say \"\"hi\"\"\nthere\",\n\
                    3.250,,9\n";
        let dir = tempfile::tempdir().unwrap();
        for cut in 1..text.len() {
            let path = dir.path().join(format!("s{cut}.parquet"));
            let mut d = ParquetDrain::create(&path, "scaling").unwrap();
            for piece in text.as_bytes().chunks(cut) {
                d.take(piece).unwrap();
            }
            d.finish().unwrap();
            let mut rows = Vec::new();
            for_each_record(
                &path,
                |_, r| -> Result<(), String> {
                    rows.push(r.iter().map(str::to_string).collect::<Vec<_>>());
                    Ok(())
                },
                |m| m,
            )
            .unwrap();
            assert_eq!(
                rows,
                [
                    vec!["time_s", "reason", "task_id"],
                    vec!["1.500", "a, b", "7"],
                    vec!["2.000", "say \"hi\"\nthere", ""],
                    vec!["3.250", "", "9"],
                ],
                "cut every {cut} bytes"
            );
        }
    }

    #[test]
    fn a_cell_of_the_wrong_type_is_an_error_naming_the_column() {
        let dir = tempfile::tempdir().unwrap();
        let mut d = ParquetDrain::create(&dir.path().join("t.parquet"), "tasks").unwrap();
        let e = d.take(b"task_id,owner\n1.5,web\n").unwrap_err();
        assert!(
            e.to_string()
                .contains("column task_id: expected an integer, got \"1.5\""),
            "{e}"
        );
    }
}
