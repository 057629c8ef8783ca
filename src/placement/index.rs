//! An index of the ACTIVE instances by zone and free CPU / free memory, so
//! binpack and spread over zones find their best candidates without looking
//! at every instance (placement cost then grows with log(instances), not
//! with instances).
//!
//! The simulation keeps it in step with every change of an instance's
//! reservations or status (`Cluster::refile`); `check_invariants` verifies
//! that it does. A cluster that was never indexed (hand-built in tests) is
//! placed by scanning, with the same result.

use super::Resource;
use crate::model::{Instance, InstanceStatus};
use std::collections::BTreeSet;

/// Where an ACTIVE instance is filed: (zone, free memory, free CPU).
type Filing = (u32, u32, u32);

#[derive(Debug, Clone, Default)]
pub struct PlacementIndex {
    live: bool,
    /// (zone, free memory MiB, instance) of every ACTIVE instance.
    memory: BTreeSet<(u32, u32, u32)>,
    /// (zone, free CPU units, instance) of every ACTIVE instance.
    cpu: BTreeSet<(u32, u32, u32)>,
    /// Per instance, where it is filed now (`None` unless ACTIVE).
    filed: Vec<Option<Filing>>,
    /// Per task shape of the scenario, the ACTIVE instances with room for it.
    shapes: Vec<ShapeSet>,
}

/// The ACTIVE instances with at least `cpu` and `memory` free, as a bit
/// set: a uniform pick among them needs only their count and the k-th.
#[derive(Debug, Clone)]
pub struct ShapeSet {
    cpu: u32,
    memory: u32,
    bits: Vec<u64>,
}

impl ShapeSet {
    /// Bit words of the instances with room (instance i is bit i % 64 of word i / 64).
    pub fn words(&self) -> &[u64] {
        &self.bits
    }

    fn set(&mut self, idx: u32, on: bool) {
        let (w, b) = (idx as usize / 64, idx % 64);
        if w >= self.bits.len() {
            self.bits.resize(w + 1, 0);
        }
        if on {
            self.bits[w] |= 1 << b;
        } else {
            self.bits[w] &= !(1 << b);
        }
    }
}

fn filing(inst: &Instance) -> Option<Filing> {
    (inst.status == InstanceStatus::Active).then(|| (inst.az, inst.free_memory(), inst.free_cpu()))
}

impl PlacementIndex {
    /// An index of these instances, kept up to date from now on.
    /// `shapes` are the (CPU, memory) requests tasks will make.
    pub fn build(instances: &[Instance], shapes: Vec<(u32, u32)>) -> Self {
        let mut ix = PlacementIndex {
            live: true,
            shapes: shapes
                .into_iter()
                .map(|(cpu, memory)| ShapeSet {
                    cpu,
                    memory,
                    bits: Vec::new(),
                })
                .collect(),
            ..Default::default()
        };
        for (i, inst) in instances.iter().enumerate() {
            ix.update(i as u32, inst);
        }
        ix
    }

    pub fn is_live(&self) -> bool {
        self.live
    }

    /// Re-files instance `idx` after its reservations or status changed.
    pub fn update(&mut self, idx: u32, inst: &Instance) {
        if !self.live {
            return;
        }
        let i = idx as usize;
        if i >= self.filed.len() {
            self.filed.resize(i + 1, None);
        }
        let want = filing(inst);
        let had = self.filed[i];
        if had == want {
            return;
        }
        if let Some((z, m, c)) = had {
            self.memory.remove(&(z, m, idx));
            self.cpu.remove(&(z, c, idx));
        }
        if let Some((z, m, c)) = want {
            self.memory.insert((z, m, idx));
            self.cpu.insert((z, c, idx));
        }
        self.filed[i] = want;
        for s in &mut self.shapes {
            let room = want.is_some_and(|(_, m, c)| m >= s.memory && c >= s.cpu);
            s.set(idx, room);
        }
    }

    /// Whether the index files exactly the ACTIVE instances, as they are now.
    pub fn agrees_with(&self, instances: &[Instance]) -> bool {
        let active = instances.iter().filter(|i| filing(i).is_some()).count();
        self.memory.len() == active
            && self.cpu.len() == active
            && instances.iter().enumerate().all(|(i, inst)| {
                let want = filing(inst);
                self.filed.get(i).copied().flatten() == want
                    && want.is_none_or(|(z, m, c)| {
                        self.memory.contains(&(z, m, i as u32))
                            && self.cpu.contains(&(z, c, i as u32))
                    })
                    && self.shapes.iter().all(|s| {
                        let room = want.is_some_and(|(_, m, c)| m >= s.memory && c >= s.cpu);
                        let bit = s.bits.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0);
                        room == bit
                    })
            })
    }

    /// The instances with room for a task of this size, if it is a shape the
    /// index keeps.
    pub fn shape(&self, cpu: u32, memory: u32) -> Option<&ShapeSet> {
        self.shapes
            .iter()
            .find(|s| s.cpu == cpu && s.memory == memory)
    }

    /// ACTIVE instances of zone `az` with at least `min` of the resource
    /// free, as (free, instance), least free first, ties by instance index.
    pub fn by_free(&self, r: Resource, az: u32, min: u32) -> impl Iterator<Item = (u32, u32)> + '_ {
        let set = match r {
            Resource::Cpu => &self.cpu,
            Resource::Memory => &self.memory,
        };
        set.range((az, min, 0)..=(az, u32::MAX, u32::MAX))
            .map(|&(_, free, i)| (free, i))
    }
}
