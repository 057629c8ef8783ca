//! A CSV file written one line at a time into a reused buffer, for the
//! files that get a row per task or per minute. It writes exactly what the
//! csv crate writes (fields quoted only when they hold a comma, a quote or
//! a line break, quotes doubled, a lone empty field as `""`, `\n` after each
//! record), without the crate's per-byte scan and `fmt` machinery: those
//! were over half of a run that writes its files.

use super::TableFile;
use crate::engine::SimTime;
use std::io::{self, Write};

pub struct CsvLines {
    out: TableFile,
    /// Where the row being written starts in the file's chunk: rows are
    /// put down straight into it, not copied there from a line buffer.
    row_start: usize,
    fields: usize,
}

const POW10: [u64; 13] = {
    let mut p = [1u64; 13];
    let mut i = 1;
    while i < 13 {
        p[i] = p[i - 1] * 10;
        i += 1;
    }
    p
};

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

    pub fn uint(&mut self, v: u64) {
        push_uint(self.sep(), v);
    }

    /// Milliseconds as seconds with three decimals (`format_secs`'s text).
    pub fn secs(&mut self, ms: SimTime) {
        push_scaled(self.sep(), ms, 3);
    }

    pub fn opt_secs(&mut self, ms: Option<SimTime>) {
        match ms {
            Some(ms) => self.secs(ms),
            None => self.str(""),
        }
    }

    /// `v` with `decimals` decimals, the text of `format!("{v:.decimals$}")`.
    pub fn fixed(&mut self, v: f64, decimals: usize) {
        push_fixed(self.sep(), v, decimals);
    }

    /// `part / whole` in percent with two decimals (`pct_wide`'s text).
    pub fn pct(&mut self, part: u128, whole: u128) {
        let line = self.sep();
        let h = pct_hundredths(part, whole);
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

fn needs_quotes(s: &[u8]) -> bool {
    s.iter().any(|&b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
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

/// "00" to "99": the writers below put down two digits at a time.
const PAIRS: [u8; 200] = {
    let mut t = [0u8; 200];
    let mut i = 0;
    while i < 100 {
        t[2 * i] = b'0' + (i / 10) as u8;
        t[2 * i + 1] = b'0' + (i % 10) as u8;
        i += 1;
    }
    t
};

/// Where `NumBuf` numbers end: written backwards from here, at most 33
/// bytes (20 digits, the point, 12 decimals).
const NUM_END: usize = 40;

/// A number's text, written backwards from `NUM_END`.
struct NumBuf {
    buf: [u8; NUM_END + NUM_END],
    at: usize,
}

impl NumBuf {
    #[inline]
    fn new() -> NumBuf {
        NumBuf {
            buf: [0; NUM_END + NUM_END],
            at: NUM_END,
        }
    }

    /// `n` more digits of `v` (leading zeros as needed), two at a time;
    /// what is left of `v`.
    #[inline]
    fn digits(&mut self, mut v: u64, mut n: usize) -> u64 {
        while n >= 2 {
            let p = 2 * (v % 100) as usize;
            self.at -= 2;
            self.buf[self.at..self.at + 2].copy_from_slice(&PAIRS[p..p + 2]);
            v /= 100;
            n -= 2;
        }
        if n == 1 {
            self.at -= 1;
            self.buf[self.at] = b'0' + (v % 10) as u8;
            v /= 10;
        }
        v
    }

    /// All the digits of `v` (one for 0).
    #[inline]
    fn whole(&mut self, mut v: u64) {
        while v >= 100 {
            v = self.digits(v, 2);
        }
        self.digits(v, if v >= 10 { 2 } else { 1 });
    }

    /// The text onto `line`. A fixed `NUM_END` bytes are copied (a few
    /// vector moves) and the rest cut off again, rather than a copy of the
    /// text's length, which is a `memcpy` call: numbers are most of the
    /// cells of a timeseries row, and those calls were a tenth of writing
    /// region-scale's 130 million cells.
    #[inline]
    fn push_to(&self, line: &mut Vec<u8>) {
        let start = line.len();
        line.extend_from_slice(&self.buf[self.at..self.at + NUM_END]);
        line.truncate(start + NUM_END - self.at);
    }
}

/// `v` in decimal: itoa's text.
#[inline]
fn push_uint(line: &mut Vec<u8>, v: u64) {
    if v < 10 {
        // Most counts of a timeseries row are single digits.
        line.push(b'0' + v as u8);
        return;
    }
    if super::digits::push_small(line, v) {
        return;
    }
    let mut b = NumBuf::new();
    b.whole(v);
    b.push_to(line);
}

/// `units / 10^decimals` written with exactly `decimals` decimals.
fn push_scaled(line: &mut Vec<u8>, units: u64, decimals: usize) {
    if decimals == 0 {
        return push_uint(line, units);
    }
    if decimals <= 8 && super::digits::push_scaled_small(line, units, decimals) {
        return;
    }
    if decimals > 12 {
        return push_scaled_long(line, units, decimals);
    }
    let mut b = NumBuf::new();
    let whole = b.digits(units, decimals);
    b.at -= 1;
    b.buf[b.at] = b'.';
    b.whole(whole);
    b.push_to(line);
}

/// `push_scaled` for more than 12 decimals, a digit at a time.
fn push_scaled_long(line: &mut Vec<u8>, mut units: u64, decimals: usize) {
    let mut text = Vec::with_capacity(decimals + 22);
    for _ in 0..decimals {
        text.push(b'0' + (units % 10) as u8);
        units /= 10;
    }
    text.push(b'.');
    loop {
        text.push(b'0' + (units % 10) as u8);
        units /= 10;
        if units == 0 {
            break;
        }
    }
    line.extend(text.iter().rev());
}

/// The text `format!("{v:.decimals$}")` gives. The common case (a finite,
/// non-negative value that is not exactly halfway between two outputs) is
/// rounded here from the float's exact binary value, as the standard
/// library does; the rest is left to the standard library.
fn push_fixed(line: &mut Vec<u8>, v: f64, decimals: usize) {
    match scaled_exact(v, decimals) {
        Some(units) => push_scaled(line, units, decimals),
        None => {
            // Writing into a Vec cannot fail.
            let _ = write!(line, "{v:.decimals$}");
        }
    }
}

/// `v × 10^decimals` rounded to the nearest integer, when that is certain:
/// `None` for negative, non-finite and huge values, and for exact ties.
#[inline]
pub fn scaled_exact(v: f64, decimals: usize) -> Option<u64> {
    // Fast path: `y`, the product rounded to an f64, is within half an ulp
    // (≤ 2^-14 below 2^40) of the exact `v × 10^decimals`; when `y` is
    // further than 2^-12 from every half-integer, both round to the same
    // integer, and `y`'s fraction is exact below 2^52. Sample values (rates,
    // percentages) almost always take it; the rest take the exact path.
    if decimals < POW10.len() && v.is_sign_positive() {
        let y = v * POW10[decimals] as f64;
        if y < TWO_40 {
            // In i64's range: one conversion instruction, where u64's
            // takes a dozen.
            let t = y as i64 as u64;
            let off = y - t as f64 - 0.5;
            if off.abs() > 1.0 / 4096.0 {
                return Some(t + u64::from(off > 0.0));
            }
        }
    }
    scaled_exact_slow(v, decimals)
}

/// 2^40: below it an f64's ulp is at most 2^-12.
const TWO_40: f64 = 1_099_511_627_776.0;

/// `scaled_exact` from the float's exact binary value.
fn scaled_exact_slow(v: f64, decimals: usize) -> Option<u64> {
    if !v.is_finite() || v.is_sign_negative() || v >= 9.007_199_254_740_992e15 || decimals > 12 {
        return None;
    }
    let bits = v.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    let frac = bits & ((1u64 << 52) - 1);
    // v = m × 2^e exactly.
    let (m, e) = if exp == 0 {
        (frac, -1074)
    } else {
        (frac | (1u64 << 52), exp - 1075)
    };
    // Below 2^53 × 10^12 < 2^93: fits.
    let num = u128::from(m) * u128::from(POW10[decimals]);
    if e >= 0 {
        return u64::try_from(num << e).ok();
    }
    let s = e.unsigned_abs();
    if s >= 128 {
        // num < 2^93 is below half of 2^s: rounds to 0.
        return Some(0);
    }
    let (q, r, half) = (num >> s, num & ((1u128 << s) - 1), 1u128 << (s - 1));
    let q = match r.cmp(&half) {
        std::cmp::Ordering::Less => q,
        std::cmp::Ordering::Greater => q + 1,
        std::cmp::Ordering::Equal => return None,
    };
    u64::try_from(q).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

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

    fn fixed(v: f64, d: usize) -> String {
        let mut b = Vec::new();
        push_fixed(&mut b, v, d);
        String::from_utf8(b).unwrap()
    }

    #[test]
    fn fixed_matches_std_formatting() {
        let mut vals = vec![
            0.0,
            -0.0,
            0.0005,
            0.0015,
            0.125,
            0.375,
            1.0005,
            2.675,
            1e-300,
            5e-324,
            0.1,
            0.7,
            99.995,
            100.0,
            123456.789,
            9.007e15,
            1e17,
            -1.5,
            -0.0004,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MAX,
            f64::MIN_POSITIVE,
        ];
        // Values on and around every step of a few decimals.
        for k in 0..20_000u32 {
            let x = f64::from(k) / 1000.0;
            vals.extend([x, x + 0.0005, x - 0.0005, x / 7.0, x * 1.000_000_1]);
        }
        let mut s: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..50_000 {
            // Random bit patterns of every magnitude.
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            vals.push(f64::from_bits(s));
            vals.push((s % 10_000_000) as f64 / 64.0);
        }
        for v in vals {
            for d in [0, 1, 2, 3, 10] {
                assert_eq!(fixed(v, d), format!("{v:.d$}"), "{v:e} with {d} decimals");
            }
        }
    }

    #[test]
    fn fast_scaling_agrees_with_the_exact_one() {
        let mut s: u64 = 0x2545_F491_4F6C_DD1D;
        for k in 0..400_000u64 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            // Decimal-looking values near halves, and values of every size.
            let d = (k % 4) as usize;
            let near_half = ((s % 100_000_000) as f64 + 0.5) / POW10[d] as f64;
            let v = match k % 3 {
                0 => near_half,
                1 => f64::from_bits(s >> 2),
                _ => (s % 1_000_000_000) as f64 / 1024.0,
            };
            for d in [0, 1, 2, 3, 6, 12] {
                assert_eq!(
                    scaled_exact(v, d),
                    scaled_exact_slow(v, d),
                    "{v:e} × 10^{d}"
                );
            }
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
    fn numbers_are_written_as_std_writes_them() {
        let mut x: u64 = 7;
        let cases = (0..200_000u64)
            .map(|i| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                // Every magnitude, from 0 to u64::MAX.
                x >> (i % 64)
            })
            .chain((0..10u32).flat_map(|k| {
                let p = 10u64.pow(k);
                [p - 1, p, p + 1]
            }))
            .chain([0, 9, 99, 1001, 99_999, 100_000, u64::MAX]);
        for v in cases {
            let mut a = Vec::new();
            push_uint(&mut a, v);
            assert_eq!(String::from_utf8(a).unwrap(), v.to_string());
            for d in [1, 2, 3, 5, 12, 13, 19, 20, 25] {
                let mut a = Vec::new();
                push_scaled(&mut a, v, d);
                let p = 10u128.pow(d as u32);
                let (whole, frac) = (u128::from(v) / p, u128::from(v) % p);
                let want = format!("{whole}.{frac:0d$}");
                assert_eq!(String::from_utf8(a).unwrap(), want, "{v} with {d} decimals");
            }
        }
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
}
