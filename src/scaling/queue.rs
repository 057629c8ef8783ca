//! A queue that feeds a service's tasks (an SQS queue of worker tasks):
//! messages arrive at the service's demand rate, wait while every task is
//! busy, and the backlog is the metric the service scales on
//! (ApproximateNumberOfMessagesVisible, or per task).

use super::{Reading, Workload};

#[derive(Debug, Clone, PartialEq)]
pub struct Queue {
    pub name: String,
    /// Messages visible at time 0.
    pub initial_backlog: f64,
}

/// The minute's reading of a queue-fed service: `arrivals` messages a
/// second come on top of `backlog` waiting; `running` tasks process up to
/// `capacity_per_task` a second each; what they cannot take stays visible.
pub fn read(w: &Workload, arrivals: f64, backlog: f64, running: u64) -> Reading {
    let offered = backlog + arrivals * 60.0;
    let capacity = running as f64 * w.capacity_per_task * 60.0;
    let processed = offered.min(capacity);
    // CPU, memory and requests as for a service taking `processed` a minute.
    let mut r = w.read(processed / 60.0, running);
    r.demand_rps = arrivals;
    // Waiting grows with the backlog: a message waits for the ones ahead.
    r.latency_factor = if capacity > 0.0 {
        (1.0 + (offered - processed) / capacity).min(100.0)
    } else if offered > 0.0 {
        100.0
    } else {
        1.0
    };
    r.backlog = offered - processed;
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scaling::{Demand, demand::Shape};

    fn worker(rate: f64) -> Workload {
        Workload {
            demand: Demand {
                shape: Shape::Constant(0.0),
                spikes: vec![],
                poisson_noise: false,
            },
            capacity_per_task: rate,
            memory_idle_pct: 30.0,
            memory_full_pct: 60.0,
            queue: None,
        }
    }

    /// 10 msg/s arrive, 2 tasks take 3/s each: 240 a minute pile up; with
    /// 400 waiting, 4 tasks (720 a minute) clear them and the minute's 600.
    #[test]
    fn backlog_piles_up_and_drains() {
        let w = worker(3.0);
        let r = read(&w, 10.0, 0.0, 2);
        assert_eq!(r.backlog, 240.0);
        assert_eq!(r.cpu_pct, 100.0);
        assert_eq!(r.served_rps, 6.0);
        let r = read(&w, 10.0, 400.0, 4);
        assert_eq!(r.backlog, 280.0);
        let r = read(&w, 1.0, 30.0, 4);
        assert_eq!(r.backlog, 0.0);
        assert!((r.cpu_pct - 90.0 / 720.0 * 100.0).abs() < 1e-9);
        // No task: everything waits.
        assert_eq!(read(&w, 1.0, 5.0, 0).backlog, 65.0);
    }
}
