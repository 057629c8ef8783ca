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

use super::launch::RequestShape;
use crate::engine::SimTime;
use crate::model::{Cluster, Task};
use rustc_hash::FxHashMap;
use std::collections::VecDeque;

/// The key `next` gives for a dormant task: one a client-side queue holds
/// (`no_capacity = "queue"`) as a `Dormant` record, not a slab task.
pub(super) const DORMANT: u32 = u32::MAX;

/// A job task a client-side queue holds until it is placed: what `launch`
/// drew for it, so the task it becomes is the one it would have been. A
/// year of a queue three times over capacity holds millions of them: as
/// slab tasks (~200 bytes each) that was 1.26 GB; as these, 24 bytes (+16
/// for its place in the queue).
#[derive(Debug, Clone, Copy)]
pub(super) struct Dormant {
    pub created: SimTime,
    /// The job's duration, drawn at arrival; `NO_RUN_FOR` for none.
    pub run_for: SimTime,
    /// Its entry in the job's capacity provider strategy.
    pub share: u8,
}

pub(super) const NO_RUN_FOR: SimTime = SimTime::MAX;

impl Dormant {
    pub fn new(created: SimTime, run_for: Option<SimTime>, share: u8) -> Self {
        Dormant {
            created,
            run_for: run_for.unwrap_or(NO_RUN_FOR),
            share,
        }
    }
}

#[derive(Debug, Default)]
pub(super) struct WaitQueue {
    shape_ids: FxHashMap<RequestShape, u32>,
    shapes: Vec<RequestShape>,
    /// The shape looked up last: consecutive tasks are mostly alike.
    last: Option<(RequestShape, u32)>,
    /// Per shape: its waiting tasks as (serial, slab key), in serial order.
    by_shape: Vec<Serials>,
    /// Per shape: for a shape of dormant tasks (all of a queueing job's
    /// are), their records in the same order as `by_shape`'s entries.
    dormant: Vec<VecDeque<Dormant>>,
    /// Shapes with at least one waiting task (few at a time: a retry looks
    /// at each of them).
    live: Vec<u32>,
    len: usize,
    /// Per capacity provider: waiting tasks' CPU, memory and count, which
    /// managed scaling reads every minute without walking the queue; and
    /// how many of them the group's smallest type could hold.
    per_provider: Vec<(u64, u64, u32, u32)>,
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

    /// Where the task was, if it was there.
    fn remove(&mut self, serial: u64) -> Option<usize> {
        if self.0.front().is_some_and(|f| f.0 == serial) {
            self.0.pop_front();
            return Some(0);
        }
        let i = self.at_or_after(serial);
        if self.0.get(i).is_some_and(|e| e.0 == serial) {
            self.0.remove(i);
            Some(i)
        } else {
            None
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
            self.dormant.push(VecDeque::new());
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

    /// Queues a dormant task (the newest launched) behind every waiting one.
    pub fn push_dormant(&mut self, c: &Cluster, shape: RequestShape, serial: u64, d: Dormant) {
        let s = self.shape_id(shape);
        let map = &mut self.by_shape[s as usize];
        debug_assert!(map.0.back().is_none_or(|b| b.0 < serial));
        if map.is_empty() {
            self.live.push(s);
        }
        map.0.push_back((serial, DORMANT));
        self.dormant[s as usize].push_back(d);
        self.len += 1;
        self.demand(c, s, true);
    }

    /// The record of dormant task `serial` of shape `s`, and the shape.
    pub fn dormant(&self, s: u32, serial: u64) -> (RequestShape, Dormant) {
        // A retry wakes the front task of its shape nearly always.
        let map = &self.by_shape[s as usize];
        let i = if map.0.front().is_some_and(|f| f.0 == serial) {
            0
        } else {
            map.at_or_after(serial)
        };
        (self.shapes[s as usize], self.dormant[s as usize][i])
    }

    /// Every dormant task, (serial, shape, record) in serial order: the
    /// queue, taken apart at the end of a run.
    pub fn into_dormant(self) -> impl Iterator<Item = (u64, RequestShape, Dormant)> {
        // Each shape's tasks are in serial order: a merge of their lists,
        // the earliest head next (few shapes).
        let mut lists: Vec<_> = self
            .by_shape
            .into_iter()
            .zip(self.dormant)
            .zip(self.shapes)
            .filter(|((_, d), _)| !d.is_empty())
            .map(|((map, d), shape)| (map.0.into_iter().zip(d).peekable(), shape))
            .collect();
        std::iter::from_fn(move || {
            let i = (0..lists.len())
                .filter_map(|i| lists[i].0.peek().map(|e| (e.0.0, i)))
                .min()?
                .1;
            let shape = lists[i].1;
            let ((serial, _), d) = lists[i].0.next()?;
            Some((serial, shape, d))
        })
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
        let Some(i) = map.remove(serial) else {
            return;
        };
        let dormant = &mut self.dormant[s as usize];
        if i == 0 {
            // The front, nearly always: `remove(0)` shifts, `pop_front` does not.
            dormant.pop_front();
        } else if !dormant.is_empty() {
            dormant.remove(i);
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
            self.per_provider.resize(p + 1, (0, 0, 0, 0));
            self.per_provider_slots.resize(p + 1, (0, 0));
        }
        let td = &c.taskdefs[taskdef as usize];
        let e = &mut self.per_provider[p];
        if add {
            e.2 += 1;
        } else {
            e.2 -= 1;
        }
        // "If a group of tasks have resource requirements that are greater
        // than the smallest instance type in the Auto Scaling group, then
        // that group of tasks can't run with this capacity provider" and
        // is left out of the scale-out ("Amazon ECS managed scaling
        // behavior"): such a task waits without growing the group.
        let small = c.templates[c.providers[p].group as usize].extent(false);
        if td.cpu > small.cpu
            || td.memory > small.memory
            || u32::from(td.awsvpc) > small.eni_slots
            || td.gpus > small.gpus
        {
            return;
        }
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
            e.3 += 1;
        } else {
            e.0 -= u64::from(td.cpu);
            e.1 -= u64::from(td.memory);
            e.3 -= 1;
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

    /// The request shape `s` stands for.
    pub fn shape(&self, s: u32) -> RequestShape {
        self.shapes[s as usize]
    }

    /// Waiting tasks of capacity provider `p` its smallest type could
    /// hold: (CPU units, MiB, count).
    pub fn provider_demand(&self, p: usize) -> (u64, u64, u32) {
        let e = self.per_provider.get(p).copied().unwrap_or_default();
        (e.0, e.1, e.3)
    }

    /// Waiting tasks of capacity provider `p` by request shape: (owner,
    /// task definition, task group, count), in shape order.
    pub fn provider_shapes(&self, p: u32) -> Vec<(crate::model::Owner, u32, u32, u32)> {
        let mut live = self.live.clone();
        live.sort_unstable();
        live.into_iter()
            .filter_map(|s| {
                let (owner, taskdef, group, asg) = self.shapes[s as usize];
                let n = self.by_shape[s as usize].0.len() as u32;
                (asg == Some(p) && n > 0).then_some((owner, taskdef, group, n))
            })
            .collect()
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
