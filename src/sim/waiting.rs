//! Replica and job tasks waiting for capacity (PROVISIONING), indexed so a
//! retry costs O(log n) per placement however long the queue grows.
//!
//! A retry walks the waiting tasks in arrival order and skips those whose
//! request shape (owner, task definition, group, capacity provider) already
//! found no instance since the last placement: an identical request finds
//! none again until a placement changes the cluster. Walking the queue to
//! find the next task of another shape cost O(n) per retry, and a cluster
//! that cannot keep up retries after every task that ends: quadratic. Here
//! each shape keeps its own arrival-ordered map, and the next task to try is
//! the earliest head among the shapes not yet failed: O(shapes × log n).

use super::lifecycle::RequestShape;
use crate::model::Cluster;
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;

#[derive(Debug, Default)]
pub(super) struct WaitQueue {
    /// Arrival position of the next task queued; positions only grow.
    next_pos: u64,
    shape_ids: FxHashMap<RequestShape, u32>,
    /// Per shape: its waiting tasks by arrival position.
    by_shape: Vec<BTreeMap<u64, u32>>,
    /// Shapes with at least one waiting task (few at a time: a retry looks
    /// at each of them).
    live: Vec<u32>,
    /// Per waiting task key: its position and shape. A key is removed before
    /// its task is finalized, so a reused slab key never finds a stale entry.
    at: FxHashMap<u32, (u64, u32)>,
    /// Per capacity provider: waiting tasks' CPU, memory and count, which
    /// managed scaling reads every minute without walking the queue.
    per_provider: Vec<(u64, u64, u32)>,
}

impl WaitQueue {
    pub fn is_empty(&self) -> bool {
        self.at.is_empty()
    }

    /// The position the next queued task gets: a retry that starts now
    /// leaves tasks queued while it runs for the next one.
    pub fn end(&self) -> u64 {
        self.next_pos
    }

    /// Queues a task behind every waiting one.
    pub fn push(&mut self, c: &Cluster, key: u32) {
        let pos = self.next_pos;
        self.next_pos += 1;
        self.insert(c, key, pos);
    }

    /// Queues a task at `pos` (its place before a retry took it out).
    pub fn insert(&mut self, c: &Cluster, key: u32, pos: u64) {
        let t = &c.tasks[key];
        let shape = (t.owner, t.taskdef, t.group, t.asg);
        let n = self.shape_ids.len() as u32;
        let s = *self.shape_ids.entry(shape).or_insert(n);
        if s as usize == self.by_shape.len() {
            self.by_shape.push(BTreeMap::new());
        }
        let map = &mut self.by_shape[s as usize];
        if map.is_empty() {
            self.live.push(s);
        }
        map.insert(pos, key);
        self.at.insert(key, (pos, s));
        if let Some(p) = t.asg {
            let p = p as usize;
            if self.per_provider.len() <= p {
                self.per_provider.resize(p + 1, (0, 0, 0));
            }
            let td = &c.taskdefs[t.taskdef as usize];
            let e = &mut self.per_provider[p];
            e.0 += u64::from(td.cpu);
            e.1 += u64::from(td.memory);
            e.2 += 1;
        }
    }

    /// Takes a task out of the queue; returns its position, or `None` when
    /// it was not waiting here.
    pub fn remove(&mut self, c: &Cluster, key: u32) -> Option<u64> {
        let (pos, s) = self.at.remove(&key)?;
        let map = &mut self.by_shape[s as usize];
        map.remove(&pos);
        if map.is_empty()
            && let Some(i) = self.live.iter().position(|&x| x == s)
        {
            self.live.swap_remove(i);
        }
        let t = &c.tasks[key];
        if let Some(p) = t.asg {
            let td = &c.taskdefs[t.taskdef as usize];
            let e = &mut self.per_provider[p as usize];
            e.0 -= u64::from(td.cpu);
            e.1 -= u64::from(td.memory);
            e.2 -= 1;
        }
        Some(pos)
    }

    /// The earliest waiting task at a position in `from..end` whose shape is
    /// not in `failed`: (position, key, shape).
    pub fn next(&self, from: u64, end: u64, failed: &[u32]) -> Option<(u64, u32, u32)> {
        let mut best: Option<(u64, u32, u32)> = None;
        for &s in &self.live {
            if failed.contains(&s) {
                continue;
            }
            if let Some((&pos, &key)) = self.by_shape[s as usize].range(from..end).next()
                && best.is_none_or(|b| pos < b.0)
            {
                best = Some((pos, key, s));
            }
        }
        best
    }

    /// Waiting tasks of capacity provider `p`: (CPU units, MiB, count).
    pub fn provider_demand(&self, p: usize) -> (u64, u64, u32) {
        self.per_provider.get(p).copied().unwrap_or_default()
    }

    /// Waiting tasks launched through any Auto Scaling group capacity
    /// provider: what ECS's per-cluster PROVISIONING quota counts.
    pub fn on_providers(&self) -> u32 {
        self.per_provider.iter().map(|e| e.2).sum()
    }
}
