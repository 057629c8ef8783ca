//! A reader that bounds what one token of an offer file may cost. The CSV
//! and JSON parsers buffer a whole record or string before ecsim sees it,
//! so a single 2 GB field or key would be held (and copied) whole: the
//! guard counts bytes as they stream past and fails the read first.

use crate::error::InputError;
use std::io::Read;
use std::path::Path;

/// The longest CSV row or JSON string ecsim reads from an offer file. AWS's
/// rows are 1–2 KB and its strings (descriptions, the disclaimer) a few
/// hundred bytes; a million is far past any, and small beside memory.
pub const MAX_TOKEN_BYTES: usize = 1 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Bounds a record: the bytes between line breaks outside quotes.
    CsvRow,
    /// Bounds a string (key or value): the bytes between its quotes.
    JsonString,
}

pub(crate) struct Guard<R> {
    inner: R,
    mode: Mode,
    quoted: bool,
    escaped: bool,
    /// Bytes of the current row or string.
    run: usize,
    /// Line (1-based) the reader has reached, for the message.
    line: u64,
    /// The last byte read: a CSV that does not end with a line break was
    /// cut mid-row.
    pub(crate) last: Option<u8>,
}

/// Why the guard stopped a read; carried inside an `io::Error`.
#[derive(Debug)]
struct TooLong {
    line: u64,
    mode: Mode,
}

impl std::fmt::Display for TooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        let what = match self.mode {
            Mode::CsvRow => "a row",
            Mode::JsonString => "a string",
        };
        write!(
            f,
            "{what} longer than {} MiB, far past any of an AWS offer file; expected AWS's offer file, unedited",
            MAX_TOKEN_BYTES >> 20
        )
    }
}

impl std::error::Error for TooLong {}

impl<R: Read> Guard<R> {
    pub(crate) fn new(inner: R, mode: Mode) -> Self {
        Guard {
            inner,
            mode,
            quoted: false,
            escaped: false,
            run: 0,
            line: 1,
            last: None,
        }
    }

    /// JSON: walks `buf` from one quote, backslash or line end to the next
    /// (found with memchr: the plain bytes between are only counted).
    fn scan(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if self.mode == Mode::CsvRow {
            return self.scan_csv(buf);
        }
        let mut i = 0;
        // A backslash ended the last read: this read's first byte is the
        // escaped one.
        if self.escaped && !buf.is_empty() {
            self.escaped = false;
            if buf[0] == b'\n' {
                self.line += 1;
            }
            self.count(1)?;
            i = 1;
        }
        while i < buf.len() {
            let rest = &buf[i..];
            let hit = match self.quoted {
                true => memchr::memchr3(b'"', b'\\', b'\n', rest),
                false => memchr::memchr2(b'"', b'\n', rest),
            };
            let Some(at) = hit else {
                self.count(rest.len())?;
                break;
            };
            self.count(at)?;
            i += at + 1;
            match rest[at] {
                b'\n' => {
                    self.line += 1;
                    self.count(1)?;
                }
                b'"' => {
                    self.quoted = !self.quoted;
                    self.run = 0;
                }
                // A backslash in a JSON string: the next byte is escaped
                // (an escaped quote does not end the string).
                _ => {
                    self.count(1)?;
                    if let Some(&next) = buf.get(i) {
                        if next == b'\n' {
                            self.line += 1;
                        }
                        self.count(1)?;
                        i += 1;
                    } else {
                        self.escaped = true;
                    }
                }
            }
        }
        if let Some(&b) = buf.last() {
            self.last = Some(b);
        }
        Ok(())
    }

    /// CSV: line ends are rare, quotes are not (AWS quotes every field), so
    /// the quotes of each line are counted, not stepped through: an odd
    /// count flips whether the line end is inside a quoted field.
    fn scan_csv(&mut self, buf: &[u8]) -> std::io::Result<()> {
        let quotes = |seg: &[u8]| seg.iter().filter(|&&b| b == b'"').count() % 2 == 1;
        let mut rest = buf;
        while let Some(at) = memchr::memchr(b'\n', rest) {
            self.quoted ^= quotes(&rest[..at]);
            self.count(at)?;
            self.line += 1;
            match self.quoted {
                true => self.count(1)?,
                false => self.run = 0,
            }
            rest = &rest[at + 1..];
        }
        self.quoted ^= quotes(rest);
        self.count(rest.len())?;
        if let Some(&b) = buf.last() {
            self.last = Some(b);
        }
        Ok(())
    }

    /// Adds `n` bytes to the current row (CSV) or string (JSON; bytes
    /// outside strings are the parser's).
    fn count(&mut self, n: usize) -> std::io::Result<()> {
        if self.mode == Mode::JsonString && !self.quoted {
            return Ok(());
        }
        self.run += n;
        if self.run > MAX_TOKEN_BYTES {
            return Err(std::io::Error::other(TooLong {
                line: self.line,
                mode: self.mode,
            }));
        }
        Ok(())
    }
}

impl<R: Read> Read for Guard<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.scan(&buf[..n])?;
        Ok(n)
    }
}

/// The error of a read the guard stopped, naming file and line; `None` for
/// any other I/O error.
pub(crate) fn refusal(file: &Path, e: &std::io::Error) -> Option<InputError> {
    let t = e.get_ref()?.downcast_ref::<TooLong>()?;
    Some(InputError::new(
        file,
        format!("line {}", t.line),
        t.to_string(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(text: &[u8], mode: Mode) -> std::io::Result<()> {
        let mut g = Guard::new(text, mode);
        std::io::copy(&mut g, &mut std::io::sink()).map(|_| ())
    }

    #[test]
    fn long_tokens_are_stopped_short_ones_pass() {
        let long = "x".repeat(MAX_TOKEN_BYTES + 1);
        let ok = "y".repeat(MAX_TOKEN_BYTES - 10);
        // Many short rows/strings add up past the limit without tripping it.
        let rows = format!("\"a\",\"{ok}\"\n").repeat(3);
        assert!(read_all(rows.as_bytes(), Mode::CsvRow).is_ok());
        let strings = format!("{{\"k\": \"{ok}\", \"k2\": \"{ok}\"}}");
        assert!(read_all(strings.as_bytes(), Mode::JsonString).is_ok());
        // A line break inside quotes does not end a CSV row.
        let quoted = format!("\"a\n{long}\"\n");
        assert!(read_all(quoted.as_bytes(), Mode::CsvRow).is_err());
        // An escaped quote does not end a JSON string.
        let key = format!("{{\"\\\"{long}\": 1}}");
        let e = read_all(key.as_bytes(), Mode::JsonString).unwrap_err();
        let r = refusal(Path::new("o.json"), &e).unwrap().to_string();
        assert!(
            r.contains("o.json: line 1: a string longer than 1 MiB"),
            "{r}"
        );
        // Read a byte at a time, an escape split across reads still escapes.
        let mut g = Guard::new(key.as_bytes(), Mode::JsonString);
        let mut byte = [0u8; 1];
        let stopped = loop {
            match g.read(&mut byte) {
                Ok(0) => break false,
                Ok(_) => {}
                Err(_) => break true,
            }
        };
        assert!(stopped);
        let split = "{\"a\\\"\": \"b\"}";
        let mut g = Guard::new(split.as_bytes(), Mode::JsonString);
        while g.read(&mut byte).unwrap() > 0 {}
        assert!(!g.quoted, "{split}");
        // Outside strings, long runs (whitespace, numbers) are the parser's.
        let spaces = format!("{{{}}}", " ".repeat(MAX_TOKEN_BYTES + 1));
        assert!(read_all(spaces.as_bytes(), Mode::JsonString).is_ok());
    }
}
