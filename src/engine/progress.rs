//! How far a run has got, written by the simulation thread now and then and
//! read by whoever shows it (a progress bar drawn on another thread).

use super::SimTime;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Default)]
pub struct Progress {
    reached: AtomicU64,
    end: AtomicU64,
    events: AtomicU64,
    /// Runs finished (a sweep's), for the reader.
    pub finished: AtomicU64,
}

impl Progress {
    /// A run to `end` begins.
    pub fn start(&self, end: SimTime) {
        self.end.store(end, Ordering::Relaxed);
        self.reached.store(0, Ordering::Relaxed);
        self.events.store(0, Ordering::Relaxed);
    }

    pub fn set(&self, reached: SimTime, events: u64) {
        self.reached.store(reached, Ordering::Relaxed);
        self.events.store(events, Ordering::Relaxed);
    }

    pub fn reached(&self) -> SimTime {
        self.reached.load(Ordering::Relaxed)
    }

    pub fn end(&self) -> SimTime {
        self.end.load(Ordering::Relaxed)
    }

    pub fn events(&self) -> u64 {
        self.events.load(Ordering::Relaxed)
    }

    /// The share of the run done, 0 to 1 (0 before it starts).
    pub fn fraction(&self) -> f64 {
        match self.end() {
            0 => 0.0,
            end => (self.reached() as f64 / end as f64).min(1.0),
        }
    }
}
