//! The simulation's listener: what a run reports as it goes (the CSV
//! writers, the bill, tests).

use super::Sample;
use crate::engine::SimTime;
use crate::model::{Cluster, Task, TaskState};

/// Where the simulation reports what happened. Implemented by the CSV
/// writers and by tests.
pub trait Recorder {
    fn task_transition(&mut self, _task: &Task, _from: TaskState, _at: SimTime) {}
    /// A task reached STOPPED, or the run ended with it still alive (a
    /// stopped task is still among the cluster's tasks while reported).
    fn task_done(&mut self, cluster: &Cluster, task: &Task);
    fn sample(&mut self, sample: &Sample);
    /// The minute's sample, the recorder's to keep: it may swap another
    /// `Sample` in (the simulation rewrites every field of it each minute,
    /// reusing its vectors), so that a writer thread is handed the sample
    /// instead of a copy. By default it is only read (`sample`).
    fn take_sample(&mut self, sample: &mut Sample) {
        self.sample(sample);
    }
    /// An auto scaling decision changed a service's desired count.
    fn scaling(&mut self, _cluster: &Cluster, _decision: &crate::scaling::Decision) {}
    /// Whether `scaling` records a decision's reason; when not, auto
    /// scaling's reasons are left empty instead of formatted.
    fn wants_reasons(&self) -> bool {
        true
    }
    /// Whether `task_transition` does anything with what it is given; when
    /// not, the simulation does not call it.
    fn wants_transitions(&self) -> bool {
        true
    }
    /// Called after every event when invariant checking is on.
    fn after_event(&mut self, _cluster: &Cluster, _at: SimTime) {}
    /// The run stops early at `end` (a wall-clock limit): called before the
    /// tasks still alive are reported, so they are closed at `end`.
    fn cut(&mut self, _end: SimTime) {}
}
