//! The discrete-event core. It knows about time, events, timers and random
//! streams — nothing about ECS — so it can be tested and benchmarked alone.

pub mod dist;
pub mod progress;
pub mod queue;
pub mod rng;
pub mod stat;
pub mod time;

pub use dist::Dist;
pub use progress::Progress;
pub use queue::{EventQueue, TimerId};
pub use rng::{RngStreams, SimRng};
pub use stat::{Histogram, Level};
pub use time::SimTime;
