//! The warm-up the quality figures leave out (`warm_up` in a scenario):
//! every service starts from nothing at time 0, which a real cluster
//! being planned does not, so availability, unserved demand, minutes below
//! the floor and waits for capacity are measured from its end. Costs cover
//! the whole run.

use super::Sim;
use crate::engine::SimTime;
use crate::scenario::WarmUp;

/// The scenario's `warm_up` and when it ended (`None`: not yet).
#[derive(Debug, Clone, Copy)]
pub(super) struct Measure {
    mode: WarmUp,
    end: Option<SimTime>,
}

impl Measure {
    pub(super) fn new(mode: WarmUp) -> Self {
        let end = match mode {
            WarmUp::Auto => None,
            WarmUp::For(d) => Some(d),
        };
        Measure { mode, end }
    }

    /// Whether what happens at `at` counts towards the quality figures.
    pub(super) fn counts(&self, at: SimTime) -> bool {
        self.end.is_some_and(|e| at >= e)
    }

    pub(super) fn end(&self) -> Option<SimTime> {
        self.end
    }
}

impl Sim<'_> {
    /// At each minute's sample, before anything is measured: with
    /// `warm_up = "auto"` the warm-up ends once every service has come up
    /// (`ramp_done`; a service with nothing to run is up).
    pub(super) fn warm_up_tick(&mut self, now: SimTime) {
        if self.measure.end.is_some() || self.measure.mode != WarmUp::Auto {
            return;
        }
        let up = self
            .cluster
            .services
            .iter()
            .all(|s| s.ramp_done.is_some() || (s.desired == 0 && s.active.is_empty()));
        if up {
            self.measure.end = Some(now);
        }
    }
}
