//! The instances the placement index has filed, by attribute map: the
//! instances of a group, type and zone share one map (`InstanceKind`), so a
//! `memberOf` that reads only attributes is answered per map, and the
//! instances of every map it rejects are taken out of a placement's
//! candidate words at once instead of being asked one by one.
//!
//! An instance's map is set before it joins the cluster (a managed
//! instance's by `MiType::apply` at launch) and never changes after, so an
//! instance is noted under its map when first filed and stays there;
//! `agrees_with` checks that it does.

use super::Instance;
use std::collections::BTreeMap;
use std::sync::Arc;

pub type Attributes = BTreeMap<String, String>;

#[derive(Debug, Clone, Default)]
pub struct MapWords {
    /// Per distinct map (by identity), the instances filed with it as bit
    /// words (instance i is bit i % 64 of word i / 64).
    maps: Vec<(Arc<Attributes>, Vec<u64>)>,
}

impl MapWords {
    /// Notes instance `i` under its map (a first filing: not on every placement).
    pub fn mark(&mut self, i: usize, map: &Arc<Attributes>) {
        let n = match self.maps.iter().position(|(m, _)| Arc::ptr_eq(m, map)) {
            Some(n) => n,
            None => {
                self.maps.push((Arc::clone(map), Vec::new()));
                self.maps.len() - 1
            }
        };
        let words = &mut self.maps[n].1;
        let (w, b) = (i / 64, i % 64);
        if w >= words.len() {
            words.resize(w + 1, 0);
        }
        words[w] |= 1 << b;
    }

    /// Each map and the instances noted under it.
    pub fn iter(&self) -> impl Iterator<Item = (&Arc<Attributes>, &[u64])> {
        self.maps.iter().map(|(m, w)| (m, w.as_slice()))
    }

    /// Whether every instance noted under a map carries it, and each
    /// instance `filed` says was filed is noted (under its own map).
    pub fn agrees_with(&self, instances: &[Instance], filed: impl Fn(usize) -> bool) -> bool {
        let bit = |w: &[u64], i: usize| w.get(i / 64).is_some_and(|x| x >> (i % 64) & 1 == 1);
        instances.iter().enumerate().all(|(i, inst)| {
            let mut under = self.maps.iter().filter(|(_, w)| bit(w, i));
            match under.next() {
                Some((m, _)) => Arc::ptr_eq(m, &inst.attributes) && under.next().is_none(),
                None => !filed(i),
            }
        })
    }
}
