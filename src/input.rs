//! Reading the user's input files: one guarded opener for every file ecsim
//! reads (scenarios, sweeps, task definitions, traces, price lists), text
//! read whole, and the rows of a CSV as a spreadsheet writes it.

use crate::error::InputError;
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// The largest input file ecsim reads (scenarios, sweeps, task definitions,
/// traces, price lists): a year of per-minute CloudWatch points is ~20 MB.
pub const MAX_INPUT_BYTES: u64 = 256 << 20;

/// Nesting of arrays and objects, as serde_json caps it: the most any
/// JSON or YAML input may nest.
pub const MAX_DEPTH: usize = 128;

/// Why an input file was not opened.
#[derive(Debug)]
pub enum Refused {
    /// A phrase for an `InputError` ("No such file or directory", "is a folder; …").
    Other(String),
    /// Larger than the cap the caller gave; the caller says which cap.
    TooBig,
}

/// Opens a regular file of at most `max` bytes for reading, never past
/// `max + 1` bytes (the file may grow after the size check; reading one
/// byte more tells the caller it did). Only regular files: `/dev/zero`
/// would fill memory and a named pipe would wait forever for a writer.
pub fn open(path: &Path, max: u64) -> Result<(std::io::Take<File>, u64), Refused> {
    // Asked before opening: opening a FIFO blocks until a writer comes.
    let meta = std::fs::metadata(path).map_err(|e| Refused::Other(e.to_string()))?;
    if !meta.is_file() {
        let what = if meta.is_dir() {
            "a folder"
        } else {
            "not a regular file (a device, pipe or socket)"
        };
        return Err(Refused::Other(format!(
            "is {what}; input files are regular files"
        )));
    }
    if meta.len() > max {
        return Err(Refused::TooBig);
    }
    let f = File::open(path).map_err(|e| Refused::Other(e.to_string()))?;
    Ok((f.take(max + 1), meta.len()))
}

/// Reads a text input file; the error is a phrase for an `InputError`
/// ("No such file or directory", "not UTF-8 text (byte 7)"), at most
/// `MAX_INPUT_BYTES` (see `open`).
pub fn read_text(path: &Path) -> Result<String, String> {
    let too_big = || {
        format!(
            "is larger than {} MiB, the most ecsim reads from an input file",
            MAX_INPUT_BYTES >> 20
        )
    };
    let (mut f, len) = open(path, MAX_INPUT_BYTES).map_err(|e| match e {
        Refused::Other(m) => m,
        Refused::TooBig => too_big(),
    })?;
    let mut bytes = Vec::with_capacity(len as usize);
    f.read_to_end(&mut bytes).map_err(|e| e.to_string())?;
    // A file may grow between the size check and the read.
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(too_big());
    }
    // A UTF-8 byte order mark (Notepad, PowerShell's Out-File) is not
    // content: no JSON, TOML or CSV reader expects it.
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "not UTF-8 text (byte {}); input files are text: TOML, CSV or JSON",
            e.utf8_error().valid_up_to() + 1
        )
    })
}

/// The rows of a user's CSV as Excel or a script writes it: a UTF-8 BOM,
/// quoted cells (commas inside), CRLF line ends, blank lines and `#`
/// comment lines are all fine; cells are trimmed. Each row comes with its
/// line number, for errors that say where without repeating the cell.
pub fn csv_rows(file: &Path, text: &str) -> Result<Vec<(u64, Vec<String>)>, InputError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for r in rd.records() {
        let r = r.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            InputError::new(
                file,
                format!("line {line}"),
                "is not valid CSV (a quote left open?)",
            )
        })?;
        if r.iter().all(str::is_empty) {
            continue;
        }
        let line = r.position().map_or(0, |p| p.line());
        rows.push((line, r.iter().map(str::to_string).collect()));
    }
    Ok(rows)
}
