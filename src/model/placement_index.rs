//! An index of the ACTIVE instances by zone and free CPU / free memory, so
//! binpack and spread over zones find their best candidates without looking
//! at every instance (placement cost then grows with log(instances), not
//! with instances).
//!
//! The simulation keeps it in step with every change of an instance's
//! reservations or status (`Cluster::refile`); `check_invariants` verifies
//! that it does. A cluster that was never indexed (hand-built in tests) is
//! placed by scanning, with the same result.

use super::placement_draw::{Counts, DrawPlan, Draws};
use super::placement_rules::Resource;
use crate::model::{Group, Instance};
use rustc_hash::FxHashMap;

type Key = (u32, u32, u32);

/// (zone, free of one resource, free of the other) → the ACTIVE instances
/// with exactly that, in index order: binpack's ties are whole buckets.
///
/// Every placement and stop moves an instance between two buckets. Finding
/// a bucket by hashing and keeping an emptied bucket (its list, and its key
/// in the order the walks read) for when its key comes back makes a move
/// cheap: a cluster's instances go back and forth between a few keys, so
/// the order rarely changes. It is a sorted list per zone, which a walk
/// enters by bisection (a tree's descent was most of a binpack placement).
/// Walks skip empty buckets; they are swept from the order once they are
/// more than a quarter of the others (plus 8), so a walk never pays for
/// many: a small cluster (the quickstart's 6 instances) otherwise walked
/// past dozens, and sweeping that often costs large.toml nothing.
#[derive(Debug, Clone, Default)]
struct Buckets {
    /// Per zone: (free of one resource, free of the other, slot), sorted.
    order: Vec<Vec<(u32, u32, u32)>>,
    slot: FxHashMap<Key, u32>,
    lists: Vec<Vec<u32>>,
    /// Per slot: whether its key is in `order`.
    ordered: Vec<bool>,
    /// Buckets in `order` that are empty, and that are not.
    empty: usize,
    full: usize,
}

impl Buckets {
    /// Files `idx` under `key`; returns the bucket's slot, for `take`.
    fn put(&mut self, key: Key, idx: u32) -> u32 {
        let slot = match self.slot.get(&key) {
            Some(&s) => s,
            None => {
                let s = self.lists.len() as u32;
                self.lists.push(Vec::new());
                self.ordered.push(false);
                self.slot.insert(key, s);
                s
            }
        };
        let v = &mut self.lists[slot as usize];
        if v.is_empty() {
            self.full += 1;
            if self.ordered[slot as usize] {
                self.empty -= 1;
            } else {
                let (z, a, b) = key;
                if self.order.len() <= z as usize {
                    self.order.resize(z as usize + 1, Vec::new());
                }
                let zone = &mut self.order[z as usize];
                let p = zone.partition_point(|e| (e.0, e.1) < (a, b));
                zone.insert(p, (a, b, slot));
                self.ordered[slot as usize] = true;
            }
        }
        let p = v.partition_point(|&x| x < idx);
        v.insert(p, idx);
        slot
    }

    /// Unfiles `idx` from the bucket `put` gave it (slots are never reused,
    /// so the caller's note of it needs no hashing of the key).
    fn take(&mut self, slot: u32, idx: u32) {
        let v = &mut self.lists[slot as usize];
        if let Ok(p) = v.binary_search(&idx) {
            v.remove(p);
            if v.is_empty() {
                self.full -= 1;
                self.empty += 1;
                if self.empty > self.full / 4 + 8 {
                    self.sweep();
                }
            }
        }
    }

    fn sweep(&mut self) {
        let (lists, ordered) = (&self.lists, &mut self.ordered);
        for zone in &mut self.order {
            zone.retain(|&(_, _, s)| {
                let keep = !lists[s as usize].is_empty();
                ordered[s as usize] = keep;
                keep
            });
        }
        self.empty = 0;
    }

    /// A non-empty bucket's list (every non-empty bucket is in the order).
    fn get(&self, key: &Key) -> Option<&[u32]> {
        self.slot
            .get(key)
            .map(|&s| self.lists[s as usize].as_slice())
            .filter(|v| !v.is_empty())
    }

    fn holds(&self, key: Key, idx: u32) -> bool {
        self.get(&key)
            .is_some_and(|v| v.binary_search(&idx).is_ok())
    }

    /// The non-empty buckets of zone `az` with at least `min` free, in key order.
    fn from(&self, (az, min): (u32, u32)) -> impl Iterator<Item = (Key, &[u32])> + '_ {
        let zone = self.order.get(az as usize).map_or(&[][..], Vec::as_slice);
        let start = zone.partition_point(|e| e.0 < min);
        zone[start..]
            .iter()
            .map(move |&(a, b, s)| ((az, a, b), self.lists[s as usize].as_slice()))
            .filter(|(_, v)| !v.is_empty())
    }

    /// Instances filed, and whether every non-empty bucket is in the order.
    fn filed(&self) -> (usize, bool) {
        let ordered = self.order.iter().flatten().count() == self.empty + self.full
            && self
                .lists
                .iter()
                .zip(&self.ordered)
                .all(|(l, &o)| o || l.is_empty());
        (self.lists.iter().map(Vec::len).sum(), ordered)
    }
}

/// Where an ACTIVE instance is filed: (zone, free memory, free CPU).
type Filing = (u32, u32, u32);

#[derive(Debug, Clone, Default)]
pub struct PlacementIndex {
    live: bool,
    /// Whether the orderings by free memory and by free CPU are kept: a run
    /// keeps only those its placement strategies read (a cluster placed
    /// at random needs neither, and their upkeep was a quarter of its run).
    keep: Keep,
    /// Keyed (zone, free memory MiB, free CPU units).
    memory: Buckets,
    /// Keyed (zone, free CPU units, free memory MiB).
    cpu: Buckets,
    /// Per instance, where it is filed now (`None` unless ACTIVE).
    filed: Vec<Option<Filing>>,
    /// Per filed instance, its bucket slots in `memory` and in `cpu`.
    slots: Vec<(u32, u32)>,
    /// Per task shape of the scenario, the ACTIVE instances with room for it.
    shapes: Vec<ShapeSet>,
    /// Counts for random placement's draws, when a run places at random.
    draws: Option<Draws>,
    /// Per zone, the instances filed here at some time that are in it (an
    /// instance never moves), as bit words: spread over zones masks a
    /// shape's words with its best zones' instead of looking at each.
    zones: Vec<Vec<u64>>,
    /// The instances filed at some time, by attribute map (`placement_maps.rs`).
    maps: super::placement_maps::MapWords,
}

/// Which orderings by free amount an index keeps.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Keep {
    pub memory: bool,
    pub cpu: bool,
}

impl Keep {
    pub const ALL: Keep = Keep {
        memory: true,
        cpu: true,
    };

    /// The orderings these strategy lists read (`ordering_read`).
    pub fn for_strategies<'a>(
        lists: impl IntoIterator<Item = &'a [super::placement_rules::Strategy]>,
    ) -> Keep {
        let mut k = Keep::default();
        for r in lists.into_iter().flatten().filter_map(ordering_read) {
            match r {
                Resource::Memory => k.memory = true,
                Resource::Cpu => k.cpu = true,
            }
        }
        k
    }

    fn has(self, r: Resource) -> bool {
        match r {
            Resource::Memory => self.memory,
            Resource::Cpu => self.cpu,
        }
    }
}

/// The ordering by free amount a placement strategy walks through the
/// index, if any: binpack its resource's, spread memory's (it finds the
/// zones with room through it).
pub fn ordering_read(s: &super::placement_rules::Strategy) -> Option<Resource> {
    match s {
        super::placement_rules::Strategy::Binpack(r) => Some(*r),
        super::placement_rules::Strategy::Spread(_) => Some(Resource::Memory),
        _ => None,
    }
}

/// The ACTIVE instances with at least `cpu` and `memory` free, as a bit
/// set: a uniform pick among them needs only their count and the k-th.
#[derive(Debug, Clone)]
pub struct ShapeSet {
    cpu: u32,
    memory: u32,
    bits: Vec<u64>,
    /// Per zone, how many of those instances it has: spread over zones asks
    /// only whether a zone has any.
    per_zone: Vec<u32>,
}

impl ShapeSet {
    /// Bit words of the instances with room (instance i is bit i % 64 of word i / 64).
    pub fn words(&self) -> &[u64] {
        &self.bits
    }

    /// How many ACTIVE instances of zone `az` have room for the shape.
    pub fn in_zone(&self, az: u32) -> u32 {
        self.per_zone.get(az as usize).copied().unwrap_or(0)
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
    inst.takes_tasks()
        .then(|| (inst.az, inst.free_memory(), inst.free_cpu()))
}

impl PlacementIndex {
    /// An index of these instances, kept up to date from now on.
    /// `shapes` are the (CPU, memory) requests tasks will make. With a
    /// `draws` plan, random draws of its shapes are counted, for its groups
    /// (of `groups`, as they are now) under distinctInstance and for any
    /// group without the constraint.
    pub fn build(
        instances: &[Instance],
        shapes: Vec<(u32, u32)>,
        keep: Keep,
        draws: Option<DrawPlan>,
        groups: &[Group],
    ) -> Self {
        let mut ix = PlacementIndex {
            live: true,
            keep,
            draws: draws.map(|p| {
                let drawn = shapes.iter().map(|s| p.shapes.contains(s)).collect();
                let hosts = p
                    .groups
                    .iter()
                    .map(|&g| (g, groups[g as usize].hosts.clone()));
                Draws::new(drawn, hosts.collect(), p.count_from_words)
            }),
            shapes: shapes
                .into_iter()
                .map(|(cpu, memory)| ShapeSet {
                    cpu,
                    memory,
                    bits: Vec::new(),
                    per_zone: Vec::new(),
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

    /// Whether the ordering by free `r` is kept (walks by it may be asked).
    pub fn keeps(&self, r: Resource) -> bool {
        self.live && self.keep.has(r)
    }

    /// Re-files instance `idx` after its reservations or status changed.
    pub fn update(&mut self, idx: u32, inst: &Instance) {
        if !self.live {
            return;
        }
        let i = idx as usize;
        if i >= self.filed.len() {
            self.grow(i);
        }
        let want = filing(inst);
        let had = self.filed[i];
        if had.is_none() {
            self.mark_zone(i, inst.az);
            self.maps.mark(i, &inst.attributes);
        }
        if had == want {
            return;
        }
        if self.keep != Keep::default() {
            self.refile_ordered(i, had, want);
        }
        self.filed[i] = want;
        for (n, s) in self.shapes.iter_mut().enumerate() {
            let room = |f: Option<Filing>| {
                f.filter(|&(_, m, c)| m >= s.memory && c >= s.cpu)
                    .map(|(z, _, _)| z as usize)
            };
            let (before, after) = (room(had), room(want));
            if before != after {
                if let Some(z) = before {
                    s.per_zone[z] -= 1;
                }
                if let Some(z) = after {
                    if z >= s.per_zone.len() {
                        s.per_zone.resize(z + 1, 0);
                    }
                    s.per_zone[z] += 1;
                }
                if let Some(d) = &mut self.draws {
                    d.room_changed(n, idx, after.is_some());
                }
                // The bit says whether the last filing had room: it
                // changes only with that.
                s.set(idx, after.is_some());
            }
        }
    }

    /// Room for instance `i`, the first past the end (placements between
    /// launches keep this out of `update`'s way).
    #[cold]
    fn grow(&mut self, i: usize) {
        self.filed.resize(i + 1, None);
        self.slots.resize(i + 1, (0, 0));
        // Only a new instance makes the index longer: the one place
        // counting of draws may have to start.
        if let Some(d) = &mut self.draws {
            let shapes = &self.shapes;
            d.reached(i / 64 + 1, |s| &shapes[s].bits);
        }
    }

    /// Sets instance `i`'s bit in zone `az`. An instance's first update
    /// finds it unfiled, and it never changes zone: done then (or again
    /// when it was out of service), not on every placement.
    #[cold]
    fn mark_zone(&mut self, i: usize, az: u32) {
        let z = az as usize;
        if z >= self.zones.len() {
            self.zones.resize(z + 1, Vec::new());
        }
        let (w, b) = (i / 64, i % 64);
        let zone = &mut self.zones[z];
        if w >= zone.len() {
            zone.resize(w + 1, 0);
        }
        zone[w] |= 1 << b;
    }

    /// Moves instance `i` in the orderings kept, from `had` to `want`.
    fn refile_ordered(&mut self, i: usize, had: Option<Filing>, want: Option<Filing>) {
        let idx = i as u32;
        let (ms, cs) = self.slots[i];
        if had.is_some() {
            if self.keep.memory {
                self.memory.take(ms, idx);
            }
            if self.keep.cpu {
                self.cpu.take(cs, idx);
            }
        }
        if let Some((z, m, c)) = want {
            if self.keep.memory {
                self.slots[i].0 = self.memory.put((z, m, c), idx);
            }
            if self.keep.cpu {
                self.slots[i].1 = self.cpu.put((z, c, m), idx);
            }
        }
    }

    /// Group `group` now holds a task on instance `idx` (`on`), or no
    /// longer holds any there (what `Group::add` and `remove` report).
    #[inline]
    pub fn host_changed(&mut self, group: u32, idx: u32, on: bool) {
        if let Some(d) = self.draws.as_mut().filter(|d| d.has_groups()) {
            let shapes = &self.shapes;
            d.host_changed(group, idx, on, |s| {
                super::placement_draw::bit(&shapes[s].bits, idx)
            });
        }
    }

    /// Whether no ACTIVE instance has `cpu` units and `memory` MiB free;
    /// `None` when the index cannot tell (not live, or the shape is not one
    /// it files). A retry asks before waking a queued task: placement can
    /// only choose such an instance, so "none" means it would find nothing
    /// (and draw nothing), and the wake and its undoing are saved.
    #[inline]
    pub fn none_with_room(&self, cpu: u32, memory: u32) -> Option<bool> {
        if !self.live {
            return None;
        }
        let s = self
            .shapes
            .iter()
            .find(|s| s.cpu == cpu && s.memory == memory)?;
        Some(s.bits.iter().all(|&w| w == 0))
    }

    /// The instances with room for this shape (`None` if it is not
    /// indexed) and, if the draw is counted, what a uniform draw among them
    /// counts (less those of `group` when given).
    #[inline]
    pub fn draw(
        &self,
        cpu: u32,
        memory: u32,
        group: Option<u32>,
    ) -> Option<(&ShapeSet, Option<&Counts>)> {
        let n = self
            .shapes
            .iter()
            .position(|s| s.cpu == cpu && s.memory == memory)?;
        let counts = self.draws.as_ref().and_then(|d| d.counts(n, group));
        Some((&self.shapes[n], counts))
    }

    /// Whether the index files exactly the ACTIVE instances, as they are
    /// now, and counts draws from these groups as they are.
    pub fn agrees_with(&self, instances: &[Instance], groups: &[Group]) -> bool {
        let draws_agree = self
            .draws
            .as_ref()
            .is_none_or(|d| d.agree_with(|s| &self.shapes[s].bits, |g| &groups[g as usize].hosts));
        let active = instances.iter().filter(|i| filing(i).is_some()).count();
        let filed = |b: &Buckets| b.filed();
        let zone_counts_agree = self.shapes.iter().all(|s| {
            let mut n = vec![0u32; s.per_zone.len()];
            for (z, m, c) in instances.iter().filter_map(filing) {
                if m >= s.memory && c >= s.cpu {
                    match n.get_mut(z as usize) {
                        Some(k) => *k += 1,
                        None => return false,
                    }
                }
            }
            n == s.per_zone
        });
        let expect = |kept: bool| (if kept { active } else { 0 }, true);
        // An instance is in no other zone's words, and in its own once filed.
        let zones_agree = instances.iter().enumerate().all(|(i, inst)| {
            let own = inst.az as usize;
            let in_zone =
                |z: usize| super::placement_draw::bit(self.zone_words(z as u32), i as u32);
            (0..self.zones.len()).all(|z| z == own || !in_zone(z))
                && (filing(inst).is_none() || in_zone(own))
        });
        zones_agree
            && zone_counts_agree
            && self.maps.agrees_with(instances, |i| {
                self.filed.get(i).copied().flatten().is_some()
            })
            && draws_agree
            && filed(&self.memory) == expect(self.keep.memory)
            && filed(&self.cpu) == expect(self.keep.cpu)
            && instances.iter().enumerate().all(|(i, inst)| {
                let want = filing(inst);
                self.filed.get(i).copied().flatten() == want
                    && want.is_none_or(|(z, m, c)| {
                        let (ms, cs) = self.slots[i];
                        (!self.keep.memory
                            || self.memory.holds((z, m, c), i as u32)
                                && self.memory.slot.get(&(z, m, c)) == Some(&ms))
                            && (!self.keep.cpu
                                || self.cpu.holds((z, c, m), i as u32)
                                    && self.cpu.slot.get(&(z, c, m)) == Some(&cs))
                    })
                    && self.shapes.iter().all(|s| {
                        let room = want.is_some_and(|(_, m, c)| m >= s.memory && c >= s.cpu);
                        let bit = super::placement_draw::bit(&s.bits, i as u32);
                        room == bit
                    })
            })
    }

    /// Bit words of the instances of zone `az` the index has seen (instance
    /// i is bit i % 64 of word i / 64; words past the end are empty).
    pub fn zone_words(&self, az: u32) -> &[u64] {
        self.zones.get(az as usize).map_or(&[], Vec::as_slice)
    }

    /// The instances the index has filed, by attribute map.
    pub fn maps(&self) -> &super::placement_maps::MapWords {
        &self.maps
    }

    /// The instances with room for a task of this size, if it is a shape the
    /// index keeps.
    pub fn shape(&self, cpu: u32, memory: u32) -> Option<&ShapeSet> {
        self.shapes
            .iter()
            .find(|s| s.cpu == cpu && s.memory == memory)
    }

    /// ACTIVE instances of zone `az` with at least `min` of the resource
    /// and `other_min` of the other free, as (free, instance), least free
    /// first, ties by instance index. (Ties come by the other resource's
    /// free amount, then index.) Instances short of the other resource are
    /// passed over a bucket at a time, not looked at one by one.
    pub fn by_free(
        &self,
        r: Resource,
        az: u32,
        (min, other_min): (u32, u32),
    ) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.buckets(r)
            .from((az, min))
            .filter(move |(k, _)| k.2 >= other_min)
            .flat_map(|((_, free, _), v)| v.iter().map(move |&i| (free, i)))
    }

    fn buckets(&self, r: Resource) -> &Buckets {
        match r {
            Resource::Cpu => &self.cpu,
            Resource::Memory => &self.memory,
        }
    }

    /// Binpack's ties in zone `az`: the least free amount of `r`, at least
    /// `min`, among the ACTIVE instances with at least `other_min` of the
    /// other resource. Zones are asked in turn with the best amount so far:
    /// a zone with less clears `lists` and sets `best`, a zone with as much
    /// adds its buckets (sorted lists of instances) to `lists`, and a zone
    /// with more adds nothing. One walk per zone, stopped past `best`.
    pub fn tightest_in<'a>(
        &'a self,
        r: Resource,
        az: u32,
        (min, other_min): (u32, u32),
        best: &mut Option<u32>,
        lists: &mut smallvec::SmallVec<[&'a [u32]; 8]>,
    ) {
        for ((_, free, other), v) in self.buckets(r).from((az, min)) {
            if best.is_some_and(|b| free > b) {
                break;
            }
            if other < other_min {
                continue;
            }
            if best.is_none_or(|b| free < b) {
                lists.clear();
                *best = Some(free);
            }
            lists.push(v);
        }
    }
}
