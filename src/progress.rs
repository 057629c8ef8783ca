//! Progress on stderr while a long run or a sweep works: the simulation
//! thread writes how far it got into a `Progress` cell now and then, and a
//! thread of its own draws the bar from it. Only
//! when stderr is a terminal and the user did not ask for quiet, and only
//! once the work has taken half a second, so quick runs print nothing.

use crate::engine::SimTime;
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How far a run has got, written by the simulation thread and read by
/// the thread drawing the bar.
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

const QUIET_FOR: Duration = Duration::from_millis(500);
const EVERY: Duration = Duration::from_millis(150);

/// A bar being drawn; dropping it clears it.
pub struct Bar {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn wanted(show: bool) -> bool {
    show && std::io::stderr().is_terminal()
}

fn style(bar: &indicatif::ProgressBar, template: &str) {
    if let Ok(s) = indicatif::ProgressStyle::with_template(template) {
        bar.set_style(s.progress_chars("=> "));
    }
}

/// Draws `draw` every `EVERY` on its own thread until the bar is dropped.
fn spawn(
    show: bool,
    len: u64,
    template: &'static str,
    draw: impl Fn(&indicatif::ProgressBar) + Send + 'static,
) -> Bar {
    let stop = Arc::new(AtomicBool::new(false));
    if !wanted(show) {
        return Bar { stop, thread: None };
    }
    let flag = Arc::clone(&stop);
    let thread = std::thread::spawn(move || {
        let began = Instant::now();
        let mut bar: Option<indicatif::ProgressBar> = None;
        while !flag.load(Ordering::Relaxed) {
            std::thread::sleep(EVERY);
            if began.elapsed() < QUIET_FOR {
                continue;
            }
            let b = bar.get_or_insert_with(|| {
                let b = indicatif::ProgressBar::new(len);
                style(&b, template);
                b
            });
            draw(b);
        }
        if let Some(b) = bar {
            b.finish_and_clear();
        }
    });
    Bar {
        stop,
        thread: Some(thread),
    }
}

/// Simulated days as `d.d` or, under two days, hours.
fn span(ms: u64) -> String {
    let h = ms as f64 / 3_600_000.0;
    if h < 48.0 {
        format!("{h:.1} h")
    } else {
        format!("{:.1} d", h / 24.0)
    }
}

/// A single run's bar: simulated time reached of the whole, events per
/// second, ETA. Returns the cell the run reports to.
pub fn run(show: bool) -> (Option<Arc<Progress>>, Bar) {
    if !wanted(show) {
        return (None, spawn(false, 0, "", |_| {}));
    }
    let cell = Arc::new(Progress::default());
    let seen = Arc::clone(&cell);
    let began = Instant::now();
    let bar = spawn(
        true,
        1000,
        "{wide_bar} {msg}, ETA {eta}",
        move |b: &indicatif::ProgressBar| {
            b.set_position((seen.fraction() * 1000.0) as u64);
            let rate = seen.events() as f64 / began.elapsed().as_secs_f64().max(1e-3);
            b.set_message(format!(
                "simulated {} of {}, {:.2} M events/s",
                span(seen.reached()),
                span(seen.end()),
                rate / 1e6
            ));
        },
    );
    (Some(cell), bar)
}

/// A sweep's bar: runs done, counting the share of each run under way
/// (one cell per worker thread).
pub fn sweep(show: bool, runs: u64, done: u64, cells: &[Arc<Progress>]) -> Bar {
    let cells: Vec<Arc<Progress>> = cells.to_vec();
    let shared = Arc::clone(&cells[0]);
    shared.finished.store(done, Ordering::Relaxed);
    spawn(
        show,
        runs * 1000,
        "{wide_bar} {msg}, {elapsed_precise} elapsed, ETA {eta_precise}",
        move |b: &indicatif::ProgressBar| {
            let finished = shared.finished.load(Ordering::Relaxed);
            let under_way: f64 = cells.iter().map(|c| c.fraction()).sum();
            let pos = finished as f64 + under_way;
            b.set_position((pos * 1000.0) as u64);
            b.set_message(format!("{pos:.1}/{runs} runs"));
        },
    )
}
