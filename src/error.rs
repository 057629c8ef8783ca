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

// Reading input files and their CSV rows is `crate::input`'s; kept here
// under the old path for callers outside the crate (python/).

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
