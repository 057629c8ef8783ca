//! Replica and job tasks waiting for capacity (PROVISIONING), indexed so a
//! retry costs O(log n) per placement however long the queue grows.
//!
//! A retry walks the waiting tasks in arrival order and skips those whose
//! request shape (owner, task definition, group, capacity provider) already
//! found no instance since the last placement: an identical request finds
//! none again until a placement changes the cluster. Walking the queue to
//! find the next task of another shape cost O(n) per retry, and a cluster
//! that cannot keep up retries after every task that ends: quadratic. Here
//! each shape keeps its own arrival-ordered deque, and the next task to try is
//! the earliest head among the shapes not yet failed: O(shapes × log n).
//!
//! Tasks are ordered by serial: a task joins the queue right after its
//! placement at launch failed, and a failed placement launches nothing, so
//! serials grow in queue order. Keying by serial instead of slab key also
//! means a key reused by a later task never finds an earlier task's entry.

use super::lifecycle::RequestShape;
use crate::model::{Cluster, Task};
use rustc_hash::FxHashMap;
use std::collections::VecDeque;

#[derive(Debug, Default)]
pub(super) struct WaitQueue {
    shape_ids: FxHashMap<RequestShape, u32>,
    shapes: Vec<RequestShape>,
    /// The shape looked up last: consecutive tasks are mostly alike.
    last: Option<(RequestShape, u32)>,
    /// Per shape: its waiting tasks as (serial, slab key), in serial order.
    by_shape: Vec<Serials>,
    /// Shapes with at least one waiting task (few at a time: a retry looks
    /// at each of them).
    live: Vec<u32>,
    len: usize,
    /// Per capacity provider: waiting tasks' CPU, memory and count, which
    /// managed scaling reads every minute without walking the queue.
    per_provider: Vec<(u64, u64, u32)>,
    /// Per capacity provider: the ENIs and GPUs they take.
    per_provider_slots: Vec<(u64, u64)>,
}

/// Waiting tasks of one shape as (serial, key), sorted by serial. Tasks join
/// in serial order (at the back) and a retry takes them from the front, so
/// a deque does in O(1) what a BTreeMap did in O(log n) with an allocation
/// per node (the M/M/c model queues and places a task every few events);
/// a search is a bisection, and a stopped waiting task (rare) is removed
/// where it lies.
#[derive(Debug, Default)]
struct Serials(VecDeque<(u64, u32)>);

impl Serials {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn at_or_after(&self, serial: u64) -> usize {
        self.0.partition_point(|e| e.0 < serial)
    }

    fn insert(&mut self, serial: u64, key: u32) {
        if self.0.back().is_none_or(|b| b.0 < serial) {
            self.0.push_back((serial, key));
        } else {
            let i = self.at_or_after(serial);
            self.0.insert(i, (serial, key));
        }
    }

    fn contains(&self, serial: u64) -> bool {
        self.0
            .get(self.at_or_after(serial))
            .is_some_and(|e| e.0 == serial)
    }

    /// Whether the task was there.
    fn remove(&mut self, serial: u64) -> bool {
        if self.0.front().is_some_and(|f| f.0 == serial) {
            self.0.pop_front();
            return true;
        }
        let i = self.at_or_after(serial);
        if self.0.get(i).is_some_and(|e| e.0 == serial) {
            self.0.remove(i);
            true
        } else {
            false
        }
    }

    /// The first task with a serial of `serial` or more.
    fn from(&self, serial: u64) -> Option<(u64, u32)> {
        self.0.get(self.at_or_after(serial)).copied()
    }
}

fn shape_of(t: &Task) -> RequestShape {
    (t.owner, t.taskdef, t.group, t.asg)
}

impl WaitQueue {
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn shape_id(&mut self, shape: RequestShape) -> u32 {
        if let Some((s, id)) = self.last
            && s == shape
        {
            return id;
        }
        let n = self.shapes.len() as u32;
        let id = *self.shape_ids.entry(shape).or_insert(n);
        if id == n {
            self.shapes.push(shape);
            self.by_shape.push(Serials::default());
        }
        self.last = Some((shape, id));
        id
    }

    /// Queues a task behind every waiting one.
    pub fn push(&mut self, c: &Cluster, key: u32) {
        let t = &c.tasks[key];
        let s = self.shape_id(shape_of(t));
        let map = &mut self.by_shape[s as usize];
        if map.is_empty() {
            self.live.push(s);
        }
        map.insert(t.serial, key);
        self.len += 1;
        self.demand(c, s, true);
    }

    /// Takes a stopped task out of the queue; false when it was not in it.
    pub fn remove(&mut self, c: &Cluster, key: u32) -> bool {
        let t = &c.tasks[key];
        let Some(&s) = self.shape_ids.get(&shape_of(t)) else {
            return false;
        };
        if self.by_shape[s as usize].contains(t.serial) {
            self.placed(c, t.serial, s);
            true
        } else {
            false
        }
    }

    /// Takes out the task of shape `s` with serial `serial`, which a retry
    /// placed (the task itself may be gone already: placed, started and
    /// stopped at once).
    pub fn placed(&mut self, c: &Cluster, serial: u64, s: u32) {
        let map = &mut self.by_shape[s as usize];
        if !map.remove(serial) {
            return;
        }
        if map.is_empty()
            && let Some(i) = self.live.iter().position(|&x| x == s)
        {
            self.live.swap_remove(i);
        }
        self.len -= 1;
        self.demand(c, s, false);
    }

    /// Adds or takes a task of shape `s` to or from its provider's demand.
    fn demand(&mut self, c: &Cluster, s: u32, add: bool) {
        let (_, taskdef, _, asg) = self.shapes[s as usize];
        let Some(p) = asg else {
            return;
        };
        let p = p as usize;
        if self.per_provider.len() <= p {
            self.per_provider.resize(p + 1, (0, 0, 0));
            self.per_provider_slots.resize(p + 1, (0, 0));
        }
        let td = &c.taskdefs[taskdef as usize];
        let (enis, gpus) = (u64::from(td.awsvpc), u64::from(td.gpus));
        let s = &mut self.per_provider_slots[p];
        if add {
            (s.0, s.1) = (s.0 + enis, s.1 + gpus);
        } else {
            (s.0, s.1) = (s.0 - enis, s.1 - gpus);
        }
        let e = &mut self.per_provider[p];
        if add {
            e.0 += u64::from(td.cpu);
            e.1 += u64::from(td.memory);
            e.2 += 1;
        } else {
            e.0 -= u64::from(td.cpu);
            e.1 -= u64::from(td.memory);
            e.2 -= 1;
        }
    }

    /// The earliest waiting task with a serial in `from..end` whose shape
    /// is not in `failed`: (serial, key, shape).
    pub fn next(&self, from: u64, end: u64, failed: &[u32]) -> Option<(u64, u32, u32)> {
        let mut best: Option<(u64, u32, u32)> = None;
        for &s in &self.live {
            if failed.contains(&s) {
                continue;
            }
            let map = &self.by_shape[s as usize];
            // Usually the shape's first task is the one (a retry starts at
            // the front): a walk down the left edge, no bounds to search.
            let found = match map.0.front() {
                Some(&(first, key)) if first >= from => Some((first, key)),
                _ => map.from(from),
            };
            if let Some((serial, key)) = found
                && serial < end
                && best.is_none_or(|b| serial < b.0)
            {
                best = Some((serial, key, s));
            }
        }
        best
    }

    /// Waiting tasks of capacity provider `p`: (CPU units, MiB, count).
    pub fn provider_demand(&self, p: usize) -> (u64, u64, u32) {
        self.per_provider.get(p).copied().unwrap_or_default()
    }

    /// Waiting tasks of capacity provider `p`: (ENIs, GPUs) they take.
    pub fn provider_slots(&self, p: usize) -> (u64, u64) {
        self.per_provider_slots.get(p).copied().unwrap_or_default()
    }

    /// Waiting tasks launched through any Auto Scaling group capacity
    /// provider: what ECS's per-cluster PROVISIONING quota counts.
    pub fn on_providers(&self) -> u32 {
        self.per_provider.iter().map(|e| e.2).sum()
    }
}
