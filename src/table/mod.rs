//! The tables a run writes (tasks, timeseries, cost, …), as CSV or as
//! Parquet. Every writer produces CSV text; a Parquet file is that text
//! parsed on the writer's thread into typed columns (`schema`), so both
//! formats always hold the same rows and one code path formats them.

pub mod parquet;
pub mod schema;
pub mod spool;

use spool::{Drain, Spool};
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

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

/// Where a run's tables go: a folder and a format, or memory.
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    pub dir: &'a Path,
    pub format: Format,
    /// Tables kept in memory instead of files (`dir` and `format` unused):
    /// the Python package hands them over without a folder.
    pub memory: Option<&'a Memory>,
}

impl<'a> Place<'a> {
    /// Files in `dir`.
    pub fn files(dir: &'a Path, format: Format) -> Self {
        Place {
            dir,
            format,
            memory: None,
        }
    }

    /// CSV text in `memory`.
    pub fn memory(memory: &'a Memory) -> Self {
        Place {
            dir: Path::new(""),
            format: Format::Csv,
            memory: Some(memory),
        }
    }

    pub fn create(&self, stem: &str) -> io::Result<TableFile> {
        match self.memory {
            Some(m) => Ok(m.create(stem)),
            None => TableFile::create(self.dir, stem, self.format),
        }
    }
}

/// A run's tables as CSV text in memory, by stem, in the order they were
/// opened; each has exactly the bytes its `.csv` file would have.
#[derive(Debug, Default)]
pub struct Memory {
    tables: std::sync::Mutex<Vec<(String, SharedBytes)>>,
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
    Csv(File),
    Parquet(Box<parquet::ParquetDrain>),
    Memory(SharedBytes),
}

impl Drain<u8> for Sink {
    fn take(&mut self, bytes: &mut Vec<u8>) -> io::Result<()> {
        match self {
            Sink::Csv(f) => f.write_all(bytes),
            Sink::Parquet(p) => p.take(bytes),
            Sink::Memory(m) => {
                m.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .extend_from_slice(bytes);
                Ok(())
            }
        }
    }
    fn finish(&mut self) -> io::Result<()> {
        match self {
            Sink::Csv(_) | Sink::Memory(_) => Ok(()),
            Sink::Parquet(p) => p.finish(),
        }
    }
}

/// One table's file, given CSV text (header first) in any pieces; its
/// writing (and, for Parquet, parsing and encoding) happens on a thread of
/// its own once the text fills a chunk.
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

fn named(name: &str) -> impl Fn(io::Error) -> io::Error + '_ {
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
    pub fn create(dir: &Path, stem: &str, format: Format) -> io::Result<TableFile> {
        let name = format.file(stem);
        let path = dir.join(&name);
        let sink = match format {
            Format::Csv => Sink::Csv(File::create(&path).map_err(named(&name))?),
            Format::Parquet => Sink::Parquet(Box::new(
                parquet::ParquetDrain::create(&path, stem).map_err(named(&name))?,
            )),
        };
        Ok(TableFile {
            spool: Spool::new(sink, FILE_CHUNK),
            name,
        })
    }

    /// A CSV file at exactly `path` (no stem, no Parquet).
    pub fn csv_at(path: &Path) -> io::Result<TableFile> {
        let name = path.display().to_string();
        Ok(TableFile {
            spool: Spool::new(
                Sink::Csv(File::create(path).map_err(named(&name))?),
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

    /// Writes what is left; the file's first error, if any.
    pub fn finish(&mut self) -> io::Result<()> {
        self.spool.finish().map_err(named(&self.name))
    }
}

/// For `csv::Writer`; `finish` must still be called.
impl Write for TableFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Ends a table written through a `csv::Writer`.
pub fn finish_csv(w: csv::Writer<TableFile>) -> io::Result<()> {
    w.into_inner().map_err(|e| e.into_error())?.finish()
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
