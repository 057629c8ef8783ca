//! CSV records back from a Parquet file (for `ecsim report`).

use super::DECIMALS_KEY;
use parquet::file::reader::FileReader;
use parquet::file::serialized_reader::SerializedFileReader;
use parquet::record::Field;
use std::fs::File;
use std::path::Path;

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
