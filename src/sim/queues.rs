//! Queue-fed services (`[[queues]]`): each minute the messages that arrived
//! join those still visible, the RUNNING tasks process what they can, and
//! the rest stays for the next minute. The backlog lives in the service's
//! last reading; the first minute starts from the queue's own.

use crate::model::service::LoadStats;
use crate::scaling::queue::{self, Queue};
use crate::scaling::{Reading, Workload};

/// The minute's reading of a service that `q` feeds, `arrivals` messages a
/// second coming in, `running` tasks taking them.
pub(super) fn minute(
    w: &Workload,
    q: &Queue,
    load: &LoadStats,
    arrivals: f64,
    running: u64,
) -> Reading {
    let backlog = if load.minutes == 0 {
        q.initial_backlog
    } else {
        load.last.backlog
    };
    queue::read(w, arrivals, backlog, running)
}
