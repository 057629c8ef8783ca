//! A file whose bytes the kernel takes on a thread of its own.
//!
//! Measured on `benches/peer/mmc.toml` (2 M tasks, a 350 MB `tasks.csv`):
//! the `write` calls were 0.15–0.3 s of system time when the kernel reused
//! pages it had freed, and 1.2 s when it had to hand out fresh memory (a
//! new machine, or a page cache still holding earlier results) — more than
//! the 0.85 s the simulation and the formatting take. Handed to a second
//! thread in chunks, that time overlaps the simulation instead of adding to
//! it. A file that never fills a chunk is written at `finish` without a
//! thread (most runs' scaling.csv, the quickstart's files).
//!
//! What lands in the file is exactly the bytes given, in order: the thread
//! only moves where the `write` calls happen.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, channel, sync_channel};
use std::thread::JoinHandle;

/// Bytes handed over at a time. At most three chunks of a file exist (one
/// filling, one queued, one being written), so memory stays bounded however
/// large the file grows; 64 KiB keeps that under the 1 KiB per task and
/// instance the large scenario is held to.
const CHUNK: usize = 64 << 10;

pub struct SpoolFile {
    buf: Vec<u8>,
    /// The file until the first chunk starts the writer, which then owns it.
    file: Option<File>,
    writer: Option<Writer>,
}

struct Writer {
    full: SyncSender<Vec<u8>>,
    empty: Receiver<Vec<u8>>,
    thread: JoinHandle<io::Result<()>>,
}

impl SpoolFile {
    pub fn create(path: &Path) -> io::Result<SpoolFile> {
        Ok(SpoolFile {
            buf: Vec::with_capacity(CHUNK),
            file: Some(File::create(path)?),
            writer: None,
        })
    }

    pub fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        if self.buf.len() + bytes.len() > CHUNK && !self.buf.is_empty() {
            self.ship()?;
        }
        self.buf.extend_from_slice(bytes);
        Ok(())
    }

    fn ship(&mut self) -> io::Result<()> {
        let w = match self.writer.take() {
            Some(w) => w,
            None => {
                let file = self
                    .file
                    .take()
                    .ok_or_else(|| io::Error::other("file already finished"))?;
                Writer::start(file)?
            }
        };
        let w = self.writer.insert(w);
        let full = std::mem::take(&mut self.buf);
        if w.full.send(full).is_err() {
            // The thread stopped on a write error: report it now.
            return self.join();
        }
        self.buf = w
            .empty
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(CHUNK));
        Ok(())
    }

    fn join(&mut self) -> io::Result<()> {
        let Some(w) = self.writer.take() else {
            return Ok(());
        };
        drop(w.full);
        match w.thread.join() {
            Ok(r) => r,
            Err(_) => Err(io::Error::other("the file writer thread panicked")),
        }
    }

    /// Writes what is left and waits until every byte is with the kernel;
    /// the first write error of the file, if any.
    pub fn finish(&mut self) -> io::Result<()> {
        if let Some(f) = &mut self.file {
            f.write_all(&self.buf)?;
            self.buf.clear();
            return Ok(());
        }
        if !self.buf.is_empty() {
            self.ship()?;
        }
        self.join()
    }
}

impl Writer {
    fn start(mut file: File) -> io::Result<Writer> {
        // One chunk may wait while another is written: the simulation
        // blocks only when the kernel is two chunks behind.
        let (full, todo) = sync_channel::<Vec<u8>>(1);
        let (done, empty) = channel();
        let thread = std::thread::Builder::new()
            .name("ecsim-write".into())
            .spawn(move || {
                for mut chunk in todo {
                    file.write_all(&chunk)?;
                    chunk.clear();
                    // The run may be over and the buffers no longer wanted.
                    let _ = done.send(chunk);
                }
                Ok(())
            })?;
        Ok(Writer {
            full,
            empty,
            thread,
        })
    }
}

impl Drop for SpoolFile {
    /// A file dropped unfinished (an interrupted run) still stops its
    /// thread before the results folder it is in is removed.
    fn drop(&mut self) {
        let _ = self.join();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_arrive_in_order_across_many_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.txt");
        let mut f = SpoolFile::create(&path).unwrap();
        let mut want = Vec::new();
        for i in 0..200_000u32 {
            // Lines of varying length, one longer than a chunk.
            let line = if i == 777 {
                vec![b'x'; CHUNK * 2 + 5]
            } else {
                format!("{i},{}\n", "y".repeat((i % 97) as usize)).into_bytes()
            };
            f.write_all(&line).unwrap();
            want.extend_from_slice(&line);
        }
        assert!(
            f.writer.is_some(),
            "a file this size is written by the thread"
        );
        f.finish().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), want);
    }

    #[test]
    fn a_small_file_needs_no_thread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.txt");
        let mut f = SpoolFile::create(&path).unwrap();
        f.write_all(b"a,b\n").unwrap();
        assert!(f.writer.is_none());
        f.finish().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"a,b\n");
    }

    #[test]
    fn a_write_error_is_reported() {
        // /dev/full takes no bytes: every write fails with ENOSPC.
        let Ok(mut f) = SpoolFile::create(Path::new("/dev/full")) else {
            return;
        };
        let chunk = vec![b'z'; CHUNK];
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
