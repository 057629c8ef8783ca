//! The discrete-event core. It knows about time, events, timers and random
//! streams — nothing about ECS — so it can be tested and benchmarked alone.

pub mod digest;
pub mod dist;
pub mod queue;
pub mod rng;
pub mod stat;
pub mod time;

pub use dist::Dist;
// The cell is `crate::progress`'s (one progress module); kept at this path
// for the simulation's callers.
pub use crate::progress::Progress;
pub use queue::{EventQueue, TimerId};
pub use rng::{RngStreams, SimRng};
pub use stat::{Histogram, Level};
pub use time::SimTime;
