//! A table written a typed cell at a time, into whichever sink its format
//! has: CSV text (`CsvLines`) or Parquet column values (`ParquetRows`).
//! Every writer (tasks, timeseries, cost, instances, …) gives its cells
//! once, as numbers, times and text; neither format is made from the other.

use super::csv_line::{CsvLines, pct_hundredths, unquote};
use super::digits::scaled_exact;
use super::parquet::ParquetRows;
use super::{Format, TableFile, named};
use crate::engine::SimTime;
use std::io;
use std::path::Path;

pub struct Rows {
    out: Out,
    /// The file's name, for its errors.
    name: String,
}

enum Out {
    Csv(CsvLines),
    Parquet(Box<ParquetRows>),
}

/// 10^d for d ≤ 22: exact in an f64.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// `units / 10^decimals` as the nearest f64: what parsing its text gives
/// (both numbers exact, one correctly rounded division) while `units` is
/// below 2^53.
fn scaled_value(units: u64, decimals: usize) -> Option<f64> {
    (units < 1 << 53 && decimals < POW10.len()).then(|| units as f64 / POW10[decimals])
}

/// The cells of a writer run for every row of a large table (tasks',
/// timeseries'),
/// written once against this: made for `CsvLines` it puts down CSV text
/// with no choice of format per cell (a tenth of each cell's instructions),
/// for `Rows` any table.
pub trait Cells {
    fn uint(&mut self, v: u64);
    /// An empty cell (a null in Parquet).
    fn null(&mut self);
    /// Milliseconds as seconds with three decimals.
    fn secs(&mut self, ms: SimTime);
    /// A field already in its CSV form (`csv_line::field_text`).
    fn raw(&mut self, field: &str);
    /// `v` with `decimals` decimals, the text of `format!("{v:.decimals$}")`.
    fn fixed(&mut self, v: f64, decimals: usize);
    /// `part / whole` in percent with two decimals.
    fn pct(&mut self, part: u128, whole: u128);
    fn end_row(&mut self) -> io::Result<()>;
    fn opt_secs(&mut self, ms: Option<SimTime>) {
        match ms {
            Some(ms) => self.secs(ms),
            None => self.null(),
        }
    }
}

impl Cells for Rows {
    fn uint(&mut self, v: u64) {
        Rows::uint(self, v);
    }
    fn null(&mut self) {
        Rows::null(self);
    }
    fn secs(&mut self, ms: SimTime) {
        Rows::secs(self, ms);
    }
    fn raw(&mut self, field: &str) {
        Rows::raw(self, field);
    }
    fn fixed(&mut self, v: f64, decimals: usize) {
        Rows::fixed(self, v, decimals);
    }
    fn pct(&mut self, part: u128, whole: u128) {
        Rows::pct(self, part, whole);
    }
    fn end_row(&mut self) -> io::Result<()> {
        Rows::end_row(self)
    }
}

impl Cells for CsvLines {
    #[inline]
    fn uint(&mut self, v: u64) {
        CsvLines::uint(self, v);
    }
    #[inline]
    fn null(&mut self) {
        CsvLines::str(self, "");
    }
    #[inline]
    fn secs(&mut self, ms: SimTime) {
        CsvLines::secs(self, ms);
    }
    #[inline]
    fn raw(&mut self, field: &str) {
        CsvLines::raw(self, field);
    }
    #[inline]
    fn fixed(&mut self, v: f64, decimals: usize) {
        CsvLines::fixed(self, v, decimals);
    }
    #[inline]
    fn pct(&mut self, part: u128, whole: u128) {
        CsvLines::pct(self, part, whole);
    }
    fn end_row(&mut self) -> io::Result<()> {
        CsvLines::end_row(self)
    }
}

impl Rows {
    /// The CSV text writer, when the table is CSV (for `Cells`).
    pub fn csv_lines(&mut self) -> Option<&mut CsvLines> {
        match &mut self.out {
            Out::Csv(w) => Some(w),
            Out::Parquet(_) => None,
        }
    }

    /// Table `stem` in `dir` with columns `header`.
    pub fn create<S: AsRef<str>>(
        dir: &Path,
        stem: &str,
        format: Format,
        header: &[S],
    ) -> io::Result<Rows> {
        let name = format.file(stem);
        let path = dir.join(&name);
        let out = match format {
            Format::Csv => return Rows::csv(TableFile::csv_at(&path)?, header),
            Format::Parquet => Out::Parquet(Box::new(
                ParquetRows::create(&path, stem, header).map_err(named(&name))?,
            )),
        };
        Ok(Rows { out, name })
    }

    /// Typed columns into `table` (in memory) with columns `header`.
    pub fn typed<S: AsRef<str>>(
        table: super::parquet::SharedTable,
        stem: &str,
        header: &[S],
    ) -> Rows {
        Rows {
            out: Out::Parquet(Box::new(ParquetRows::in_memory(table, stem, header))),
            name: format!("{stem} (in memory)"),
        }
    }

    /// CSV text into `file` with columns `header`.
    pub fn csv<S: AsRef<str>>(file: TableFile, header: &[S]) -> io::Result<Rows> {
        let name = file.name.clone();
        let mut w = CsvLines::new(file);
        w.record(header).map_err(named(&name))?;
        Ok(Rows {
            out: Out::Csv(w),
            name,
        })
    }

    /// Rows written from a thread of their own (a spool's) write their
    /// CSV file from it too, rather than hand it to a third thread
    /// (`Spool::write_here`); Parquet keeps its encoding thread.
    pub fn write_here(&mut self) {
        if let Out::Csv(w) = &mut self.out {
            w.write_here();
        }
    }

    pub fn uint(&mut self, v: u64) {
        match &mut self.out {
            Out::Csv(w) => w.uint(v),
            Out::Parquet(p) => match i64::try_from(v) {
                Ok(v) => p.int(v),
                Err(_) => p.text(itoa::Buffer::new().format(v)),
            },
        }
    }

    pub fn opt_uint(&mut self, v: Option<u64>) {
        match v {
            Some(v) => self.uint(v),
            None => self.null(),
        }
    }

    /// An empty cell (a null in Parquet).
    pub fn null(&mut self) {
        match &mut self.out {
            Out::Csv(w) => w.str(""),
            Out::Parquet(p) => p.null(),
        }
    }

    /// Milliseconds as seconds with three decimals.
    pub fn secs(&mut self, ms: SimTime) {
        match &mut self.out {
            Out::Csv(w) => w.secs(ms),
            Out::Parquet(p) => match scaled_value(ms, 3) {
                Some(x) => p.float(x, 3),
                None => p.text(&crate::engine::time::format_secs(ms)),
            },
        }
    }

    pub fn opt_secs(&mut self, ms: Option<SimTime>) {
        match ms {
            Some(ms) => self.secs(ms),
            None => self.null(),
        }
    }

    /// `v` with `decimals` decimals, the text of `format!("{v:.decimals$}")`.
    pub fn fixed(&mut self, v: f64, decimals: usize) {
        match &mut self.out {
            Out::Csv(w) => w.fixed(v, decimals),
            Out::Parquet(p) => {
                match scaled_exact(v, decimals).and_then(|u| scaled_value(u, decimals)) {
                    Some(x) => p.float(x, decimals),
                    None => p.text(&format!("{v:.decimals$}")),
                }
            }
        }
    }

    /// `part / whole` in percent with two decimals (`csv_line::pct_wide`).
    pub fn pct(&mut self, part: u128, whole: u128) {
        match &mut self.out {
            Out::Csv(w) => w.pct(part, whole),
            Out::Parquet(p) => {
                let h = pct_hundredths(part, whole);
                match u64::try_from(h).ok().and_then(|h| scaled_value(h, 2)) {
                    Some(x) => p.float(x, 2),
                    None => p.text(&super::csv_line::pct_wide(part, whole)),
                }
            }
        }
    }

    /// Text (quoted in the CSV when it must be).
    pub fn str(&mut self, s: &str) {
        match &mut self.out {
            Out::Csv(w) => w.str(s),
            Out::Parquet(p) => p.text(s),
        }
    }

    /// A field already in its CSV form (`csv_line::field_text`), or text
    /// known to need no quotes: the CSV takes it without a scan.
    pub fn raw(&mut self, field: &str) {
        match &mut self.out {
            Out::Csv(w) => w.raw(field),
            Out::Parquet(p) => p.text(&unquote(field)),
        }
    }

    /// A number already written as decimal text (the bill's dollars, ten
    /// decimals of an exact amount).
    pub fn number_text(&mut self, text: &str) {
        match &mut self.out {
            Out::Csv(w) => w.raw(text),
            Out::Parquet(p) => p.text(text),
        }
    }

    pub fn boolean(&mut self, b: bool) {
        match &mut self.out {
            Out::Csv(w) => w.boolean(b),
            Out::Parquet(p) => p.boolean(b),
        }
    }

    pub fn end_row(&mut self) -> io::Result<()> {
        match &mut self.out {
            Out::Csv(w) => w.end_row(),
            Out::Parquet(p) => p.end_row(),
        }
        .map_err(named(&self.name))
    }

    /// Writes what is left; the file's first error, if any.
    pub fn finish(&mut self) -> io::Result<()> {
        match &mut self.out {
            Out::Csv(w) => w.finish(),
            Out::Parquet(p) => p.finish(),
        }
        .map_err(named(&self.name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes the same typed rows as CSV and as Parquet.
    fn both(
        dir: &Path,
        stem: &str,
        header: &[&str],
        rows: impl Fn(&mut Rows),
    ) -> (String, Vec<Vec<String>>) {
        for f in [Format::Csv, Format::Parquet] {
            let mut r = Rows::create(dir, stem, f, header).unwrap();
            rows(&mut r);
            r.finish().unwrap();
        }
        let csv = std::fs::read_to_string(dir.join(format!("{stem}.csv"))).unwrap();
        let mut back = Vec::new();
        super::super::parquet::for_each_record(
            &dir.join(format!("{stem}.parquet")),
            |_, r| -> Result<(), String> {
                back.push(r.iter().map(str::to_string).collect());
                Ok(())
            },
            |m| m,
        )
        .unwrap();
        (csv, back)
    }

    #[test]
    fn parquet_reads_back_as_the_csv_text() {
        let dir = tempfile::tempdir().unwrap();
        let (csv, back) = both(
            dir.path(),
            "scaling",
            &["time_s", "target", "from", "value", "threshold", "reason"],
            |r| {
                for i in 0..3000u64 {
                    r.secs(i * 1_001);
                    r.raw(&super::super::csv_line::field_text("a, \"b\""));
                    r.uint(i);
                    r.fixed(i as f64 / 7.0, 3);
                    if i % 2 == 0 {
                        r.pct(u128::from(i), 3);
                    } else {
                        r.pct(1, 3);
                    }
                    if i % 5 == 0 {
                        r.null();
                    } else {
                        r.str("say \"hi\", there");
                    }
                    r.end_row().unwrap();
                }
            },
        );
        let mut want = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(csv.as_bytes());
        let want: Vec<Vec<String>> = want
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect();
        assert_eq!(back.len(), 3001);
        assert_eq!(back, want);
    }

    #[test]
    fn a_cell_of_the_wrong_type_is_an_error_naming_file_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let mut r =
            Rows::create(dir.path(), "tasks", Format::Parquet, &["task_id", "owner"]).unwrap();
        r.str("1.5");
        r.str("web");
        let e = r.end_row().unwrap_err().to_string();
        assert!(
            e.contains("tasks.parquet")
                && e.contains("column task_id: expected an integer, got \"1.5\""),
            "{e}"
        );
    }

    #[test]
    fn a_row_with_too_few_cells_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut r =
            Rows::create(dir.path(), "tasks", Format::Parquet, &["task_id", "owner"]).unwrap();
        r.uint(1);
        let e = r.end_row().unwrap_err().to_string();
        assert!(e.contains("a row of 1 fields under 2 columns"), "{e}");
    }
}
