//! Errors and exit codes: 2 for anything the user can fix in their input,
//! 1 for everything else.

use std::fmt;
use std::path::{Path, PathBuf};

/// A problem with user input, located by file and field path.
#[derive(Debug, Clone, PartialEq)]
pub struct InputError {
    pub file: PathBuf,
    /// Dotted field path such as `services[0].desired_count`; empty for the whole file.
    pub path: String,
    pub message: String,
}

impl InputError {
    pub fn new(file: &Path, path: impl Into<String>, message: impl Into<String>) -> Self {
        InputError {
            file: file.to_path_buf(),
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}: {}", self.file.display(), self.message)
        } else {
            write!(
                f,
                "{}: {}: {}",
                self.file.display(),
                self.path,
                self.message
            )
        }
    }
}

impl std::error::Error for InputError {}

/// The largest input file ecsim reads (scenarios, sweeps, task definitions,
/// traces, price lists): a year of per-minute CloudWatch points is ~20 MB.
pub const MAX_INPUT_BYTES: u64 = 256 << 20;

/// The rows of a user's CSV as Excel or a script writes it: a UTF-8 BOM,
/// quoted cells (commas inside), CRLF line ends, blank lines and `#`
/// comment lines are all fine; cells are trimmed. Each row comes with its
/// line number, for errors that say where without repeating the cell.
pub fn csv_rows(
    file: &Path,
    text: &str,
) -> std::result::Result<Vec<(u64, Vec<String>)>, InputError> {
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

/// Reads a text input file; the error is a phrase for an `InputError`
/// ("No such file or directory", "not UTF-8 text (byte 7)"). Only regular
/// files are read, up to `MAX_INPUT_BYTES`: `/dev/zero` would fill memory
/// and a named pipe would wait forever for a writer.
pub fn read_text(path: &Path) -> std::result::Result<String, String> {
    use std::io::Read;
    // Asked before opening: opening a FIFO blocks until a writer comes.
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        let what = if meta.is_dir() {
            "a folder"
        } else {
            "not a regular file (a device, pipe or socket)"
        };
        return Err(format!("is {what}; input files are regular files"));
    }
    let too_big = || {
        format!(
            "is larger than {} MiB, the most ecsim reads from an input file",
            MAX_INPUT_BYTES >> 20
        )
    };
    if meta.len() > MAX_INPUT_BYTES {
        return Err(too_big());
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_INPUT_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| e.to_string())?;
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

/// A number as an error message shows it: 1e308 in 4 characters, not 309.
pub fn show_number(x: f64) -> String {
    if x.is_finite() && x.abs() < 1e15 {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Input(#[from] InputError),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("internal error: {0}")]
    Internal(String),
    #[error("interrupted; no results were written (an earlier result, if any, is untouched)")]
    Interrupted,
    /// A many-run command stopped at its wall-clock limit, keeping finished runs.
    #[error("{0}")]
    Partial(String),
    /// `ecsim plan`: the search finished but nothing met the targets.
    #[error("{0}")]
    NoPlan(String),
    /// Interrupted, with what was kept.
    #[error("{0}")]
    Stopped(String),
}

impl Error {
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input(_) => 2,
            Error::Interrupted | Error::Stopped(_) => 130,
            Error::NoPlan(_) => 4,
            Error::Partial(_) => 3,
            _ => 1,
        }
    }

    /// One error of every kind, so a test can check that `ecsim --help`
    /// lists each one's exit code. The match makes a new variant a compile
    /// error here until it is added to the list.
    pub fn one_of_each() -> Vec<Error> {
        let all = vec![
            Error::Input(InputError::new(Path::new("s.toml"), "f", "bad")),
            Error::io("reading", std::io::Error::other("gone")),
            Error::Internal(String::new()),
            Error::Interrupted,
            Error::Partial(String::new()),
            Error::NoPlan(String::new()),
            Error::Stopped(String::new()),
        ];
        for e in &all {
            match e {
                Error::Input(_)
                | Error::Io { .. }
                | Error::Internal(_)
                | Error::Interrupted
                | Error::Partial(_)
                | Error::NoPlan(_)
                | Error::Stopped(_) => {}
            }
        }
        all
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
