//! A CSV file written one line at a time into its file's chunk, for the
//! files that get a row per task or per minute. It writes exactly what the
//! csv crate writes (fields quoted only when they hold a comma, a quote or
//! a line break, quotes doubled, a lone empty field as `""`, `\n` after each
//! record), without the crate's per-byte scan and `fmt` machinery: those
//! were over half of a run that writes its files.

use super::TableFile;
use super::digits::{self, Text, push_fixed, push_scaled, push_uint, scaled_exact};
use crate::engine::SimTime;
use std::io;

pub struct CsvLines {
    out: TableFile,
    /// Where the row being written starts in the file's chunk: rows are
    /// put down straight into it, not copied there from a line buffer.
    row_start: usize,
    fields: usize,
}

impl CsvLines {
    pub fn new(out: TableFile) -> CsvLines {
        let mut w = CsvLines {
            out,
            row_start: 0,
            fields: 0,
        };
        w.out.spool.reserve_chunk();
        w
    }

    /// The file written on the caller's thread (`TableFile::write_here`).
    pub fn write_here(&mut self) {
        self.out.write_here();
    }

    /// The file's chunk, which the row is written into.
    #[inline]
    fn line(&mut self) -> &mut Vec<u8> {
        self.out.spool.chunk()
    }

    /// A CSV file at `path`.
    #[cfg(test)]
    pub fn create(path: &std::path::Path) -> io::Result<CsvLines> {
        Ok(CsvLines::new(TableFile::csv_at(path)?))
    }

    /// The chunk, after the separator a field other than the row's first
    /// needs.
    #[inline]
    fn sep(&mut self) -> &mut Vec<u8> {
        let first = self.fields == 0;
        self.fields += 1;
        let line = self.out.spool.chunk();
        if !first {
            line.push(b',');
        }
        line
    }

    pub fn str(&mut self, s: &str) {
        push_quoted(self.sep(), s.as_bytes());
    }

    /// A field already in its CSV form (`field_text`), or text known to need
    /// no quotes (the simulator's own words): written without a scan.
    pub fn raw(&mut self, text: &str) {
        debug_assert!(
            !needs_quotes(text.as_bytes()) || text.starts_with('"'),
            "{text:?} needs quotes"
        );
        self.sep().extend_from_slice(text.as_bytes());
    }

    /// A number's text and its separator, in one store.
    #[inline]
    fn put(&mut self, text: Text) {
        let first = self.fields == 0;
        self.fields += 1;
        let text = if first { text } else { text.after_comma() };
        text.put(self.out.spool.chunk());
    }

    #[inline]
    pub fn uint(&mut self, v: u64) {
        match digits::small(v) {
            Some(t) => self.put(t),
            None => push_uint(self.sep(), v),
        }
    }

    /// Milliseconds as seconds with three decimals (`format_secs`'s text).
    #[inline]
    pub fn secs(&mut self, ms: SimTime) {
        match digits::scaled(ms, 3) {
            Some(t) => self.put(t),
            None => push_scaled(self.sep(), ms, 3),
        }
    }

    pub fn opt_secs(&mut self, ms: Option<SimTime>) {
        match ms {
            Some(ms) => self.secs(ms),
            None => self.str(""),
        }
    }

    /// `v` with `decimals` decimals, the text of `format!("{v:.decimals$}")`.
    pub fn fixed(&mut self, v: f64, decimals: usize) {
        if let Some(t) = scaled_exact(v, decimals).and_then(|u| digits::scaled(u, decimals)) {
            return self.put(t);
        }
        push_fixed(self.sep(), v, decimals);
    }

    /// `part / whole` in percent with two decimals (`pct_wide`'s text).
    pub fn pct(&mut self, part: u128, whole: u128) {
        let h = pct_hundredths(part, whole);
        if let Some(t) = u64::try_from(h).ok().and_then(|h| digits::scaled(h, 2)) {
            return self.put(t);
        }
        let line = self.sep();
        match u64::try_from(h) {
            Ok(h) => push_scaled(line, h, 2),
            Err(_) => push_quoted(line, pct_wide(part, whole).as_bytes()),
        }
    }

    pub fn boolean(&mut self, b: bool) {
        self.raw(if b { "true" } else { "false" });
    }

    /// Ends the record; the file takes the chunk once it is full.
    pub fn end_row(&mut self) -> io::Result<()> {
        let start = self.row_start;
        let line = self.line();
        if line.len() == start {
            // A record of one empty field, which would otherwise read as no record.
            line.extend_from_slice(b"\"\"");
        }
        line.push(b'\n');
        self.fields = 0;
        let r = self
            .out
            .spool
            .filled()
            .map_err(super::named(&self.out.name));
        self.row_start = self.line().len();
        r
    }

    /// Writes a whole record of text fields.
    pub fn record<S: AsRef<str>>(&mut self, fields: impl IntoIterator<Item = S>) -> io::Result<()> {
        for f in fields {
            self.str(f.as_ref());
        }
        self.end_row()
    }

    /// Writes what is left; the file's first write error, if any.
    pub fn finish(&mut self) -> io::Result<()> {
        self.out.finish()
    }
}

/// `part / whole` in percent with two decimals, rounded half up. Integer
/// arithmetic, so the text never depends on float printing.
pub fn pct_wide(part: u128, whole: u128) -> String {
    let hundredths = pct_hundredths(part, whole);
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

/// `part / whole` in hundredths of a percent, rounded half up (0 when `whole` is 0).
pub fn pct_hundredths(part: u128, whole: u128) -> u128 {
    if whole == 0 {
        return 0;
    }
    (part * 10_000 + whole / 2) / whole
}

/// Eight bytes at a time: a byte at a time, the scan of scaling.csv's
/// reasons (70–90 bytes each) was three quarters of writing its rows, on
/// the simulation's thread (region-scale: half a million rows a month).
fn needs_quotes(s: &[u8]) -> bool {
    let mut words = s.chunks_exact(8);
    for w in &mut words {
        let w = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
        if has_byte(w, b',') | has_byte(w, b'"') | has_byte(w, b'\n') | has_byte(w, b'\r') {
            return true;
        }
    }
    words
        .remainder()
        .iter()
        .any(|&b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
}

/// Whether any of `w`'s eight bytes is `b`: a byte of `w ^ b…b` is zero
/// exactly there, and (x − 0x01…01) & !x & 0x80…80 is nonzero exactly when
/// some byte of x is zero.
#[inline]
fn has_byte(w: u64, b: u8) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let x = w ^ (ONES * u64::from(b));
    x.wrapping_sub(ONES) & !x & (ONES << 7) != 0
}

/// A field of `field_text` back as the text it holds.
pub fn unquote(field: &str) -> std::borrow::Cow<'_, str> {
    match field.strip_prefix('"').and_then(|f| f.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\"").into(),
        None => field.into(),
    }
}

/// `s` as a CSV field: quoted when it needs to be (for `CsvLines::raw`).
pub fn field_text(s: &str) -> String {
    if needs_quotes(s.as_bytes()) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn push_quoted(line: &mut Vec<u8>, s: &[u8]) {
    if !needs_quotes(s) {
        line.extend_from_slice(s);
        return;
    }
    line.push(b'"');
    for &b in s {
        if b == b'"' {
            line.push(b'"');
        }
        line.push(b);
    }
    line.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_quotes_finds_every_special_byte_anywhere() {
        for len in 0..40 {
            for at in 0..len {
                for b in 0..=255u8 {
                    let mut s = vec![b'a'; len];
                    s[at] = b;
                    let want = matches!(b, b',' | b'"' | b'\n' | b'\r');
                    assert_eq!(needs_quotes(&s), want, "{b} at {at} of {len}");
                }
            }
            assert!(!needs_quotes(&vec![0x80 | b','; len]));
        }
    }

    #[test]
    fn percent_is_exact_text() {
        assert_eq!(pct_wide(1, 3), "33.33");
        assert_eq!(pct_wide(2, 3), "66.67");
        assert_eq!(pct_wide(0, 0), "0.00");
        assert_eq!(pct_wide(5, 5), "100.00");
    }

    #[test]
    fn unquote_reverses_field_text() {
        for s in ["plain", "a,b", "say \"hi\"", "", "\"", "x\ny"] {
            assert_eq!(unquote(&field_text(s)), s);
        }
    }

    #[test]
    fn quoting_is_the_csv_crate_s() {
        let rows: Vec<Vec<&str>> = vec![
            vec!["a", "b,c", "say \"hi\"", "line\nbreak", "cr\r", ""],
            vec![""],
            vec!["", ""],
            vec!["plain"],
        ];
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.csv");
        let mut w = CsvLines::create(&path).unwrap();
        for r in &rows {
            w.record(r).unwrap();
        }
        for r in &rows {
            for f in r {
                w.raw(&field_text(f));
            }
            w.end_row().unwrap();
        }
        w.finish().unwrap();
        let mut theirs = csv::WriterBuilder::new().flexible(true).from_writer(vec![]);
        for r in rows.iter().chain(&rows) {
            theirs.write_record(r).unwrap();
        }
        assert_eq!(std::fs::read(&path).unwrap(), theirs.into_inner().unwrap());
    }

    #[test]
    fn numbers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("n.csv");
        let mut w = CsvLines::create(&path).unwrap();
        w.uint(0);
        w.uint(u64::MAX);
        w.secs(0);
        w.secs(1_234_567);
        w.opt_secs(None);
        w.fixed(2.5, 1);
        w.pct(1, 3);
        w.pct(0, 0);
        w.pct(u64::MAX.into(), 1);
        w.end_row().unwrap();
        w.finish().unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            format!(
                "0,{},0.000,1234.567,,2.5,33.33,0.00,{}\n",
                u64::MAX,
                pct_wide(u64::MAX.into(), 1)
            )
        );
    }

    /// Every cell writer's fast path (`digits::Text`, with or without its
    /// comma) against the standard library's text, across chunk handovers.
    #[test]
    fn cells_read_as_std_formats_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.csv");
        let mut w = CsvLines::create(&path).unwrap();
        let mut want = String::new();
        let mut s: u64 = 0x2545_F491_4F6C_DD1D;
        for k in 0..60_000u64 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            // Every size, those around 10^8 (the fast paths' end) most.
            let v = match k % 3 {
                0 => s >> (s % 64),
                1 => s % 300_000_000_000,
                _ => s % 1_000,
            };
            let f = (s % 10_000_000_000) as f64 / 1024.0;
            let (part, whole) = (u128::from(s % 5_000), u128::from(s % 7 + 1));
            let d = (k % 5) as usize;
            if k % 2 == 0 {
                // A row that starts with a number: no comma before it.
                w.secs(v);
                want += &format!("{}.{:03},", v / 1000, v % 1000);
            } else {
                w.uint(v);
                want += &format!("{v},");
            }
            w.fixed(f, d);
            w.pct(part, whole);
            w.uint(v % 100);
            w.end_row().unwrap();
            want += &format!("{f:.d$},{},{}\n", pct_wide(part, whole), v % 100);
        }
        w.finish().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), want);
    }
}
