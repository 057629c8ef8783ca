//! Work handed to a thread of its own in chunks: the kernel's `write`
//! calls of a results file, and the formatting of task rows and samples.
//!
//! Measured on `benches/peer/mmc.toml` (2 M tasks, a 350 MB `tasks.csv`):
//! the `write` calls were 0.15–0.3 s of system time when the kernel reused
//! pages it had freed, and 1.2 s when it had to hand out fresh memory (a
//! new machine, or a page cache still holding earlier results) — more than
//! the 0.85 s the simulation and the formatting took. Handed over in
//! chunks, that time overlaps the simulation instead of adding to it. Work
//! that never fills a chunk is done at `finish` without a thread (most runs'
//! scaling.csv, the quickstart's files).
//!
//! Items reach the drain exactly in the order given: the thread only moves
//! where the work happens, never what it produces.

use std::io;
use std::sync::mpsc::{Receiver, SyncSender, channel, sync_channel};
use std::thread::JoinHandle;

/// What consumes a spool's items, on its thread once one is started.
pub trait Drain<T>: Send + 'static {
    /// Consumes the items of one chunk, in order.
    fn take(&mut self, items: &mut Vec<T>) -> io::Result<()>;
    /// After the last chunk.
    fn finish(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Items gathered in chunks of `cap` (in weight units the caller gives:
/// bytes, rows, fields) and handed to a drain. At most three
/// chunks exist (one filling, one queued, one being drained), so memory
/// stays bounded however many items pass.
pub struct Spool<T: Send + 'static, D: Drain<T>> {
    buf: Vec<T>,
    /// Weight of the items in `buf`.
    weight: usize,
    cap: usize,
    /// Every chunk drained on the caller's thread (`write_here`).
    here: bool,
    state: State<T, D>,
}

enum State<T, D> {
    /// No chunk filled yet: the drain waits here.
    Idle(D),
    Running(Worker<T>),
    Finished,
}

struct Worker<T> {
    full: SyncSender<Vec<T>>,
    empty: Receiver<Vec<T>>,
    thread: JoinHandle<io::Result<()>>,
}

impl<T: Send + 'static, D: Drain<T>> Spool<T, D> {
    pub fn new(drain: D, cap: usize) -> Self {
        Spool {
            buf: Vec::new(),
            weight: 0,
            cap,
            here: false,
            state: State::Idle(drain),
        }
    }

    /// Drains each chunk on the caller's thread as it fills, never
    /// starting a thread: for a spool fed from a thread that is itself not
    /// the simulation's (the file of the rows a spool thread formats). A
    /// handover per chunk was a wake-up and a context switch on each side:
    /// on 2 cores those cost more than the `write` they moved.
    pub fn write_here(&mut self) {
        self.here = true;
    }

    /// The chunk being filled, for a caller that puts its items there
    /// itself and then calls `filled`.
    #[inline]
    pub fn chunk(&mut self) -> &mut Vec<T> {
        &mut self.buf
    }

    /// After items were put in `chunk`: hands it over once it holds `cap`
    /// items (it may hold more: those put in since the last call).
    #[inline]
    pub fn filled(&mut self) -> io::Result<()> {
        if self.buf.len() < self.cap {
            return Ok(());
        }
        let r = self.ship();
        self.reserve_chunk();
        r
    }

    /// Room in `chunk` for a whole chunk and a last item or so past it
    /// (a row of text), so that filling it in place never reallocates.
    pub fn reserve_chunk(&mut self) {
        self.buf.reserve(self.cap + self.cap / 4);
    }

    /// The chunk being filled, handed over first if `weight` more would
    /// not fit in it; the caller adds that much.
    pub fn room(&mut self, weight: usize) -> io::Result<&mut Vec<T>> {
        if self.weight + weight > self.cap && !self.buf.is_empty() {
            self.ship()?;
        }
        self.weight += weight;
        Ok(&mut self.buf)
    }

    pub fn push(&mut self, item: T, weight: usize) -> io::Result<()> {
        self.room(weight)?.push(item);
        Ok(())
    }

    fn ship(&mut self) -> io::Result<()> {
        if let (true, State::Idle(d)) = (self.here, &mut self.state) {
            d.take(&mut self.buf)?;
            self.buf.clear();
            self.weight = 0;
            return Ok(());
        }
        self.state = match std::mem::replace(&mut self.state, State::Finished) {
            State::Idle(drain) => State::Running(Worker::start(drain)?),
            other => other,
        };
        let State::Running(w) = &self.state else {
            return Err(io::Error::other("written after it was finished"));
        };
        let full = std::mem::take(&mut self.buf);
        self.weight = 0;
        if w.full.send(full).is_err() {
            // The thread stopped on an error: report it now.
            return self.join();
        }
        self.buf = w.empty.try_recv().unwrap_or_default();
        Ok(())
    }

    fn join(&mut self) -> io::Result<()> {
        match std::mem::replace(&mut self.state, State::Finished) {
            State::Running(w) => {
                drop(w.full);
                match w.thread.join() {
                    Ok(r) => r,
                    Err(_) => Err(io::Error::other("a writer thread panicked")),
                }
            }
            State::Idle(_) | State::Finished => Ok(()),
        }
    }

    /// Drains what is left and waits until the drain has finished; its
    /// first error, if any.
    pub fn finish(&mut self) -> io::Result<()> {
        if let State::Idle(d) = &mut self.state {
            d.take(&mut self.buf)?;
            self.buf.clear();
            self.weight = 0;
            let r = d.finish();
            self.state = State::Finished;
            return r;
        }
        if !self.buf.is_empty() {
            self.ship()?;
        }
        self.join()
    }
}

impl<T: Send + 'static> Worker<T> {
    fn start<D: Drain<T>>(mut drain: D) -> io::Result<Worker<T>> {
        // One chunk may wait while another is drained: the producer blocks
        // only when the drain is two chunks behind.
        let (full, todo) = sync_channel::<Vec<T>>(1);
        let (done, empty) = channel();
        let thread = std::thread::Builder::new()
            .name("ecsim-write".into())
            .spawn(move || {
                for mut chunk in todo {
                    drain.take(&mut chunk)?;
                    chunk.clear();
                    // The run may be over and the buffers no longer wanted.
                    let _ = done.send(chunk);
                }
                drain.finish()
            })?;
        Ok(Worker {
            full,
            empty,
            thread,
        })
    }
}

impl<T: Send + 'static, D: Drain<T>> Drop for Spool<T, D> {
    /// A spool dropped unfinished (an interrupted run) still stops its
    /// thread before the results folder its files are in is removed.
    fn drop(&mut self) {
        let _ = self.join();
    }
}

impl<T: Send + 'static, D: Drain<T>> Spool<T, D> {
    /// A thread has taken over the drain (a chunk was filled).
    pub fn threaded(&self) -> bool {
        matches!(self.state, State::Running(_))
    }
}
