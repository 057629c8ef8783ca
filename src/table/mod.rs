//! The tables a run writes (tasks, timeseries, cost, …), as CSV or as
//! Parquet. Every writer gives typed cells to a `Rows`, which puts them
//! down as CSV text or as Parquet column values; the columns of each table
//! and their types are in `schema`, once.

pub mod csv_line;
mod digits;
pub mod parquet;
pub mod rows;
pub mod schema;
pub mod spool;

pub use rows::Rows;
use spool::{Drain, Spool};
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// `v` with `decimals` decimals onto `out`: exactly the text of
/// `format!("{v:.decimals$}")`, without `fmt`'s machinery (auto scaling's
/// reasons, half a million of them in a month of region-scale).
pub(crate) fn push_fixed(out: &mut Vec<u8>, v: f64, decimals: usize) {
    digits::push_fixed(out, v, decimals);
}

/// How a run's tables are stored (`run --format`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Format {
    #[default]
    Csv,
    Parquet,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "csv" => Some(Format::Csv),
            "parquet" => Some(Format::Parquet),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Parquet => "parquet",
        }
    }

    /// `tasks` → `tasks.csv` or `tasks.parquet`.
    pub fn file(self, stem: &str) -> String {
        format!("{stem}.{}", self.extension())
    }
}

/// How the per-minute timeseries is laid out (`run --timeseries`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A row a minute, a column per series (`<service>_running`, …).
    Wide,
    /// A row per minute and series: `time_s, series, value`, what polars,
    /// DuckDB and pandas group by: its width does not grow with the
    /// services.
    Long,
}

impl Shape {
    pub fn parse(s: &str) -> Option<Shape> {
        match s {
            "wide" => Some(Shape::Wide),
            "long" => Some(Shape::Long),
            _ => None,
        }
    }

    /// Without `--timeseries`: wide in both formats. Long Parquet is
    /// larger (a year of large.toml: 318 MB against 285 MB) and slower to
    /// write (+14 s of CPU: every row's series name is hashed into the
    /// dictionary), so it is asked for, not the default.
    pub fn default_for(format: Format) -> Shape {
        match format {
            Format::Csv | Format::Parquet => Shape::Wide,
        }
    }
}

/// Where a run's tables go: a folder, a format and the timeseries' shape.
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    pub dir: &'a Path,
    pub format: Format,
    pub series: Shape,
    /// Tables kept in memory instead of files (`dir`, `format` and
    /// `series` unused: CSV text, wide): the Python package hands them over
    /// without a folder.
    pub memory: Option<&'a Memory>,
}

impl<'a> Place<'a> {
    /// Typed columns in `memory` (`Memory::into_typed`): cells as the
    /// Parquet files type them, no text in between.
    pub fn typed(memory: &'a Memory) -> Self {
        Place {
            format: Format::Parquet,
            ..Place::memory(memory)
        }
    }

    /// CSV text in `memory`.
    pub fn memory(memory: &'a Memory) -> Self {
        Place {
            dir: Path::new(""),
            format: Format::Csv,
            series: Shape::Wide,
            memory: Some(memory),
        }
    }

    /// Table `stem`'s file (or memory), its columns `header`.
    pub fn rows<S: AsRef<str>>(&self, stem: &str, header: &[S]) -> io::Result<Rows> {
        match self.memory {
            Some(m) if self.format == Format::Parquet => {
                Ok(Rows::typed(m.create_typed(stem), stem, header))
            }
            Some(m) => Rows::csv(m.create(stem), header),
            None => Rows::create(self.dir, stem, self.format, header),
        }
    }
}

/// A run's tables as CSV text in memory, by stem, in the order they were
/// opened; each has exactly the bytes its `.csv` file would have.
#[derive(Debug, Default)]
pub struct Memory {
    tables: std::sync::Mutex<Vec<(String, SharedBytes)>>,
    typed: std::sync::Mutex<Vec<(String, parquet::SharedTable)>>,
}

type SharedBytes = std::sync::Arc<std::sync::Mutex<Vec<u8>>>;

impl Memory {
    fn create(&self, stem: &str) -> TableFile {
        let bytes = SharedBytes::default();
        let mut tables = self.tables.lock().unwrap_or_else(|e| e.into_inner());
        tables.retain(|(s, _)| s != stem);
        tables.push((stem.to_string(), bytes.clone()));
        TableFile {
            spool: Spool::new(Sink::Memory(bytes), FILE_CHUNK),
            name: format!("{stem} (in memory)"),
        }
    }

    fn create_typed(&self, stem: &str) -> parquet::SharedTable {
        let table = parquet::SharedTable::default();
        let mut typed = self.typed.lock().unwrap_or_else(|e| e.into_inner());
        typed.retain(|(s, _)| s != stem);
        typed.push((stem.to_string(), table.clone()));
        table
    }

    /// Every table written typed (`Place::typed`), once its writer has
    /// finished.
    pub fn into_typed(&self) -> Vec<(String, parquet::TypedTable)> {
        let mut typed = self.typed.lock().unwrap_or_else(|e| e.into_inner());
        std::mem::take(&mut *typed)
            .into_iter()
            .map(|(stem, t)| {
                let t = std::mem::take(&mut *t.lock().unwrap_or_else(|e| e.into_inner()));
                (stem, t)
            })
            .collect()
    }

    /// Every table, once its writer has finished.
    pub fn into_tables(self) -> Vec<(String, Vec<u8>)> {
        let tables = self.tables.into_inner().unwrap_or_else(|e| e.into_inner());
        tables
            .into_iter()
            .map(|(stem, b)| {
                let bytes = std::mem::take(&mut *b.lock().unwrap_or_else(|e| e.into_inner()));
                (stem, bytes)
            })
            .collect()
    }
}

/// The file of table `stem` in a results folder, whichever format it was
/// written in (CSV when both exist; `None` when neither does).
pub fn find(dir: &Path, stem: &str) -> Option<PathBuf> {
    [Format::Csv, Format::Parquet]
        .into_iter()
        .map(|f| dir.join(f.file(stem)))
        .find(|p| p.is_file())
}

/// Bytes of a file per chunk. 32 KiB keeps a file's three chunks small
/// beside the 1 KiB per task and instance the large scenario is held to;
/// the kernel takes 32 KiB writes as cheaply as larger ones.
const FILE_CHUNK: usize = 32 << 10;

enum Sink {
    File(File),
    Memory(SharedBytes),
}

impl Drain<u8> for Sink {
    fn take(&mut self, bytes: &mut Vec<u8>) -> io::Result<()> {
        match self {
            Sink::File(f) => f.write_all(bytes),
            Sink::Memory(m) => {
                m.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .extend_from_slice(bytes);
                Ok(())
            }
        }
    }
}

/// One CSV file, given its text in any pieces; its writing happens on a
/// thread of its own once the text fills a chunk.
pub struct TableFile {
    spool: Spool<u8, Sink>,
    /// The file's name, for its errors: a run writes several tables at
    /// once, and its caller cannot tell which one failed.
    name: String,
}

/// A table file's failed write, naming the file (`tasks.parquet`).
#[derive(Debug)]
pub struct WriteError {
    pub file: String,
    pub source: io::Error,
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "{}: {}", self.file, self.source)
    }
}

impl std::error::Error for WriteError {}

impl WriteError {
    /// The `WriteError` inside an I/O error, if it carries one.
    pub fn of(e: &io::Error) -> Option<&WriteError> {
        e.get_ref()?.downcast_ref::<WriteError>()
    }
}

pub(crate) fn named(name: &str) -> impl Fn(io::Error) -> io::Error + '_ {
    move |e| {
        if WriteError::of(&e).is_some() {
            return e;
        }
        io::Error::new(
            e.kind(),
            WriteError {
                file: name.to_string(),
                source: e,
            },
        )
    }
}

impl TableFile {
    /// A CSV file at `path`, named in its errors by its file name.
    pub fn csv_at(path: &Path) -> io::Result<TableFile> {
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        Ok(TableFile {
            spool: Spool::new(
                Sink::File(File::create(path).map_err(named(&name))?),
                FILE_CHUNK,
            ),
            name,
        })
    }

    pub fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.spool
            .room(bytes.len())
            .map_err(named(&self.name))?
            .extend_from_slice(bytes);
        Ok(())
    }

    /// Writes each chunk on the caller's thread (`Spool::write_here`).
    pub fn write_here(&mut self) {
        self.spool.write_here();
    }

    /// Writes what is left; the file's first error, if any.
    pub fn finish(&mut self) -> io::Result<()> {
        self.spool.finish().map_err(named(&self.name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_arrive_in_order_across_many_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.txt");
        let mut f = TableFile::csv_at(&path).unwrap();
        let mut want = Vec::new();
        for i in 0..200_000u32 {
            // Lines of varying length, one longer than a chunk.
            let line = if i == 777 {
                vec![b'x'; FILE_CHUNK * 2 + 5]
            } else {
                format!("{i},{}\n", "y".repeat((i % 97) as usize)).into_bytes()
            };
            f.write_all(&line).unwrap();
            want.extend_from_slice(&line);
        }
        assert!(
            f.spool.threaded(),
            "a file this size is written by the thread"
        );
        f.finish().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), want);
    }

    #[test]
    fn a_file_written_here_takes_no_thread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.txt");
        let mut f = TableFile::csv_at(&path).unwrap();
        f.write_here();
        let mut want = Vec::new();
        for i in 0..50_000u32 {
            let line = format!("{i},{}\n", "z".repeat((i % 31) as usize));
            f.write_all(line.as_bytes()).unwrap();
            want.extend_from_slice(line.as_bytes());
        }
        assert!(want.len() > 8 * FILE_CHUNK);
        assert!(!f.spool.threaded(), "every chunk is written by the caller");
        // Written as each chunk filled, not held until the end.
        assert!(std::fs::metadata(&path).unwrap().len() >= (want.len() - FILE_CHUNK) as u64);
        f.finish().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), want);
    }

    #[test]
    fn a_small_file_needs_no_thread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.txt");
        let mut f = TableFile::csv_at(&path).unwrap();
        f.write_all(b"a,b\n").unwrap();
        assert!(!f.spool.threaded());
        f.finish().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"a,b\n");
    }

    #[test]
    fn a_write_error_is_reported() {
        // /dev/full takes no bytes: every write fails with ENOSPC.
        let Ok(mut f) = TableFile::csv_at(Path::new("/dev/full")) else {
            return;
        };
        let chunk = vec![b'z'; FILE_CHUNK];
        let mut failed = false;
        for _ in 0..8 {
            if f.write_all(&chunk).is_err() {
                failed = true;
                break;
            }
        }
        assert!(failed || f.finish().is_err());
    }
}
