//! The placement fast paths: what the leading strategies and constraints
//! leave, answered from the placement index instead of a scan over every
//! instance, giving exactly the candidates the scan would.

use super::*;

/// The candidates the leading strategies leave, found through the index
/// instead of a scan, and how many strategies that applied: binpack, spread
/// over zones, and spread over zones then binpack. They are exactly the
/// instances a scan followed by those strategies would keep, in index order,
/// so the remaining strategies and the random pick see the same list.
/// `None` when the index cannot answer (not built, or another strategy first).
pub(super) fn indexed(
    cluster: &Cluster,
    req: &Request,
    fits: &dyn Fn(u32) -> bool,
    rejected: &dyn Fn(usize) -> u64,
) -> Option<(Vec<u32>, usize)> {
    let ix = &cluster.index;
    if !ix.is_live() || !orderings_kept(ix, req.strategies) {
        return None;
    }
    match req.strategies {
        [Strategy::Binpack(r), ..] => {
            let all: PerZone<u32> = (0..cluster.azs.len() as u32).collect();
            Some((tightest(cluster, *r, req, &all, fits, None), 1))
        }
        [Strategy::Spread(f), rest @ ..] if is_zone(f) => {
            let mut firsts = PerZone::new();
            let best = least_used_zones_found(cluster, req, fits, Some(&mut firsts));
            if let [Strategy::Binpack(r), ..] = rest {
                // Binpack by memory walks each zone as the spread just did:
                // it starts at what that walk found.
                let known = (*r == Resource::Memory).then_some(&firsts[..]);
                return Some((tightest(cluster, *r, req, &best, fits, known), 2));
            }
            if let Some(cands) = with_room(cluster, req, Some(&best), fits, rejected) {
                return Some((cands, 1));
            }
            let mut cands: Vec<u32> = best
                .iter()
                .flat_map(|&z| ix.by_free(Resource::Memory, z, (req.memory, req.cpu)))
                .map(|(_, i)| i)
                .filter(|&i| fits(i))
                .collect();
            cands.sort();
            Some((cands, 1))
        }
        _ => None,
    }
}

/// The instances of `zones` (every zone when `None`) that `fits` keeps,
/// in index order, read from the index's set of the ACTIVE instances with
/// room for the request's CPU and memory: the instances a scan, or a walk
/// of those zones by free amount, would pass to `fits`, without visiting
/// the others or sorting. `None` when the index does not keep the shape.
/// Word `j` of `rejected` holds instances `fits` surely refuses (their
/// attribute map fails a `memberOf`): they are dropped a word at a time.
pub(super) fn with_room(
    cluster: &Cluster,
    req: &Request,
    zones: Option<&[u32]>,
    fits: &dyn Fn(u32) -> bool,
    rejected: &dyn Fn(usize) -> u64,
) -> Option<Vec<u32>> {
    let ix = &cluster.index;
    if !ix.is_live() {
        return None;
    }
    let shape = ix.shape(req.cpu, req.memory)?;
    let mut out = Vec::new();
    for (j, &word) in shape.words().iter().enumerate() {
        let mut w = match zones {
            Some(zs) => word & zones_word(ix, zs, j),
            None => word,
        };
        if w != 0 {
            w &= !rejected(j);
        }
        while w != 0 {
            let i = (j * 64) as u32 + w.trailing_zeros();
            w &= w - 1;
            if fits(i) {
                out.push(i);
            }
        }
    }
    Some(out)
}

/// Word `j` of the instances of these zones.
fn zones_word(ix: &index::PlacementIndex, zones: &[u32], j: usize) -> u64 {
    zones
        .iter()
        .map(|&z| ix.zone_words(z).get(j).copied().unwrap_or(0))
        .fold(0, |a, b| a | b)
}

/// The service scheduler's default, spread over zones then over instances
/// (optionally ending in random), when only resources and distinctInstance
/// decide: the instances of the best zones with room are the shape's bit
/// words masked by those zones' (less the group's hosts under
/// distinctInstance), and spread over instances keeps those holding none
/// of the group whenever there is one. Counted and the k-th drawn from
/// the words, exactly as `rank` and `pick` would from the list `indexed`
/// builds. `None` when this does not apply, or when every candidate holds
/// one of the group's tasks (then the list is built and counted).
pub(super) fn spread_zones_then_instances(
    cluster: &Cluster,
    req: &Request,
    fits: &dyn Fn(u32) -> bool,
    rng: &mut SimRng,
) -> Option<Option<u32>> {
    let ix = &cluster.index;
    let [
        Strategy::Spread(f),
        Strategy::Spread(SpreadField::InstanceId),
        rest @ ..,
    ] = req.strategies
    else {
        return None;
    };
    if !is_zone(f)
        || !matches!(rest.first(), None | Some(Strategy::Random))
        || !ix.is_live()
        || !orderings_kept(ix, req.strategies)
    {
        return None;
    }
    let distinct = distinct_only(req)?;
    let shape = ix.shape(req.cpu, req.memory)?;
    let best = least_used_zones(cluster, req, fits);
    let hosts = &cluster.groups[req.group as usize].hosts;
    let host = |j: usize| hosts.get(j).copied().unwrap_or(0);
    let room = shape.words();
    // The candidates `indexed` lists: room in the best zones (and, under
    // distinctInstance, not a host: what `fits` asks beyond room).
    let cand = |j: usize| {
        let w = room[j] & zones_word(ix, &best, j);
        if distinct { w & !host(j) } else { w }
    };
    let (mut n, mut none_held) = (0usize, 0usize);
    for j in 0..room.len() {
        let w = cand(j);
        n += w.count_ones() as usize;
        none_held += (w & !host(j)).count_ones() as usize;
    }
    let keep: &dyn Fn(usize) -> u64 = match n {
        0 => return Some(None),
        // `rank` stops at one candidate, whatever it holds.
        1 => &cand,
        _ if none_held == 0 => return None,
        _ => &|j| cand(j) & !host(j),
    };
    let m = if n == 1 { 1 } else { none_held };
    let mut k = if m > 1 { rng.random_range(0..m) } else { 0 };
    for j in 0..room.len() {
        let mut w = keep(j);
        let ones = w.count_ones() as usize;
        if k >= ones {
            k -= ones;
            continue;
        }
        while k > 0 {
            w &= w - 1;
            k -= 1;
        }
        return Some(Some((j * 64) as u32 + w.trailing_zeros()));
    }
    unreachable!("the k-th of {m} candidates is among them")
}

/// Whether the index keeps every ordering these strategies would walk;
/// when not, placement scans.
fn orderings_kept(ix: &index::PlacementIndex, strategies: &[Strategy]) -> bool {
    strategies
        .iter()
        .filter_map(index::ordering_read)
        .all(|r| ix.keeps(r))
}

/// Whether only CPU and memory decide where the task fits (no ports,
/// architecture, Auto Scaling group or constraint to check per instance).
fn resources_only(req: &Request) -> bool {
    req.ports.is_empty()
        && req.enis == 0
        && req.gpus == 0
        && req.arch.is_none()
        && req.instance_group.is_none()
        && req.constraints.iter().all(|cs| cs.is_empty())
}

/// Binpack, or spread over zones then binpack, ending in a random pick,
/// when only resources decide: binpack's ties are whole index buckets, so
/// they are counted and the k-th drawn without looking at each tied
/// instance (a uniform cluster at steady fill ties on thousands). Draws
/// exactly as `pick` would from the scan's list. `None` when this does not apply.
pub(super) fn counted(
    cluster: &Cluster,
    req: &Request,
    fits: &dyn Fn(u32) -> bool,
    rng: &mut SimRng,
) -> Option<Option<u32>> {
    let ix = &cluster.index;
    if !ix.is_live()
        || req.only_instance.is_some()
        || !resources_only(req)
        || !orderings_kept(ix, req.strategies)
    {
        return None;
    }
    let ends = |rest: &[Strategy]| matches!(rest.first(), None | Some(Strategy::Random));
    let (r, zones) = match req.strategies {
        [Strategy::Binpack(r), rest @ ..] if ends(rest) => {
            (*r, (0..cluster.azs.len() as u32).collect())
        }
        [Strategy::Spread(f), Strategy::Binpack(r), rest @ ..] if is_zone(f) && ends(rest) => {
            (*r, least_used_zones(cluster, req, fits))
        }
        _ => return None,
    };
    let (need, other) = match r {
        Resource::Cpu => (req.cpu, req.memory),
        Resource::Memory => (req.memory, req.cpu),
    };
    let (mut best, mut lists) = (None, SmallVec::<[&[u32]; 8]>::new());
    for &z in &zones {
        ix.tightest_in(r, z, (need, other), &mut best, &mut lists);
    }
    if best.is_none() {
        return Some(None);
    }
    let n: usize = lists.iter().map(|l| l.len()).sum();
    let k = if n > 1 { rng.random_range(0..n) } else { 0 };
    Some(Some(kth(&lists, k)))
}

/// The k-th smallest (from 0) of the values in sorted, disjoint lists.
fn kth(lists: &[&[u32]], k: usize) -> u32 {
    if let [only] = lists {
        return only[k];
    }
    // Bisect on the value for the least x with more than k values at or
    // below it. Per list, the positions that bracket the answer narrow with
    // the value range, so each step searches only what is left.
    let (mut lo, mut hi) = (
        0u32,
        lists
            .iter()
            .filter_map(|l| l.last())
            .copied()
            .max()
            .unwrap_or(0),
    );
    let m = lists.len();
    let mut positions: SmallVec<[usize; 24]> = smallvec::smallvec![0; 3 * m];
    let (below, rest) = positions.split_at_mut(m); // per list: values < lo
    let (upto, at) = rest.split_at_mut(m); // values <= hi; values <= mid
    for (u, l) in upto.iter_mut().zip(lists) {
        *u = l.len();
    }
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let mut n = 0;
        for (i, l) in lists.iter().enumerate() {
            at[i] = below[i] + l[below[i]..upto[i]].partition_point(|&v| v <= mid);
            n += at[i];
        }
        if n > k {
            hi = mid;
            upto.copy_from_slice(at);
        } else {
            lo = mid + 1;
            below.copy_from_slice(at);
        }
    }
    lo
}

/// Spread over zones through the index: the zones with the fewest of the
/// group's tasks among those where the task fits at all.
fn least_used_zones(cluster: &Cluster, req: &Request, fits: &dyn Fn(u32) -> bool) -> PerZone<u32> {
    least_used_zones_found(cluster, req, fits, None)
}

/// `least_used_zones`, noting in `firsts` (when given) per zone chosen the
/// first instance (free memory, index) its walk by free memory found to
/// fit (`None` when the zone was answered by the shape's count): the
/// instances before it in that walk were asked and do not fit.
fn least_used_zones_found(
    cluster: &Cluster,
    req: &Request,
    fits: &dyn Fn(u32) -> bool,
    mut firsts: Option<&mut PerZone<Option<(u32, u32)>>>,
) -> PerZone<u32> {
    let per_zone = zone_counts(cluster, req.group);
    // With only resources to check, the shape's per-zone count answers
    // "does the task fit anywhere in this zone" without visiting instances.
    let room = resources_only(req)
        .then(|| cluster.index.shape(req.cpu, req.memory))
        .flatten();
    let mut order: PerZone<u32> = (0..cluster.azs.len() as u32).collect();
    order.sort_by_key(|&z| (per_zone[z as usize], z));
    let mut best = PerZone::new();
    for z in order {
        if best
            .first()
            .is_some_and(|&b| per_zone[z as usize] > per_zone[b as usize])
        {
            break;
        }
        let (any, first) = match room {
            Some(s) => (s.in_zone(z) > 0, None),
            None => {
                let first = cluster
                    .index
                    .by_free(Resource::Memory, z, (req.memory, req.cpu))
                    .find(|&(_, i)| fits(i));
                (first.is_some(), first)
            }
        };
        if any {
            best.push(z);
            if let Some(f) = firsts.as_deref_mut() {
                f.push(first);
            }
        }
    }
    best
}

/// Whether a request that only resources and distinctInstance decide fits
/// nowhere: the shape's room less the group's instances is empty (from the
/// draw counts, or a pass over the bit words). A task that can never be
/// placed (more tasks than instances) is retried after every stop in the
/// cluster, and this answers it without walking the index: no candidate
/// means no draw either way, so the result is the same.
pub(super) fn no_distinct_room(cluster: &Cluster, req: &Request) -> bool {
    if !cluster.index.is_live() || distinct_only(req) != Some(true) {
        return false;
    }
    let Some((shape, counted)) = cluster.index.draw(req.cpu, req.memory, Some(req.group)) else {
        return false;
    };
    if let Some(counts) = counted {
        return counts.total() == 0;
    }
    let hosts = &cluster.groups[req.group as usize].hosts;
    let free = |(j, w): (usize, &u64)| w & !hosts.get(j).copied().unwrap_or(0) != 0;
    !shape.words().iter().enumerate().any(free)
}

/// When only resources and distinctInstance decide where the task fits
/// (no ports, architecture, Auto Scaling group or other constraint),
/// whether distinctInstance is among them; `None` otherwise.
fn distinct_only(req: &Request) -> Option<bool> {
    let mut constraints = req.constraints.iter().flat_map(|cs| cs.iter());
    let plain = req.ports.is_empty()
        && req.enis == 0
        && req.gpus == 0
        && req.arch.is_none()
        && req.instance_group.is_none()
        && constraints
            .clone()
            .all(|c| matches!(c, Constraint::DistinctInstance));
    plain.then(|| constraints.next().is_some())
}

/// Random placement (or none given) through the index: a uniform pick
/// among every instance the task fits on, drawn exactly as `pick` draws
/// from a scan's list, from the shape's bit set less (for
/// distinctInstance) the group's instances: counted in log(instances)
/// steps when the index counts the draw (`draw.rs`), else by a pass over
/// the bit words. `None` when the index cannot
/// answer: not built, an unknown shape, ports, architecture, Auto Scaling
/// group or `memberOf` to check.
pub(super) fn indexed_random(
    cluster: &Cluster,
    req: &Request,
    rng: &mut SimRng,
) -> Option<Option<u32>> {
    if !cluster.index.is_live() || !matches!(req.strategies.first(), None | Some(Strategy::Random))
    {
        return None;
    }
    let distinct = distinct_only(req)?;
    let group = distinct.then_some(req.group);
    let used: &[u64] = if distinct {
        &cluster.groups[req.group as usize].hosts
    } else {
        &[]
    };
    let (shape, counted) = cluster.index.draw(req.cpu, req.memory, group)?;
    let room = shape.words();
    let word = |j: usize| room[j] & !used.get(j).copied().unwrap_or(0);
    let n = match counted {
        Some(counts) => counts.total() as usize,
        None => (0..room.len()).map(|j| word(j).count_ones() as usize).sum(),
    };
    let k = match n {
        0 => return Some(None),
        1 => 0,
        n => rng.random_range(0..n),
    };
    // The k-th instance, in index order: its word from the counts, or by
    // walking the words when the draw is not counted.
    let (j, mut k) = match counted {
        Some(counts) => {
            let (j, before) = counts.select(k as u32);
            (j, before as usize)
        }
        None => {
            let mut k = k;
            let mut j = 0;
            loop {
                let ones = word(j).count_ones() as usize;
                if k < ones {
                    break (j, k);
                }
                k -= ones;
                j += 1;
            }
        }
    };
    let mut w = word(j);
    while k > 0 {
        w &= w - 1;
        k -= 1;
    }
    Some(Some((j * 64) as u32 + w.trailing_zeros()))
}

/// Binpack through the index: the instances of `zones` the task fits on
/// with the least of the resource free, in index order. `known` (walks by
/// free memory only) gives per zone the first instance of this same walk
/// that fits, found by `least_used_zones_found`: those before it are
/// passed over without asking `fits` again.
fn tightest(
    cluster: &Cluster,
    r: Resource,
    req: &Request,
    zones: &[u32],
    fits: &dyn Fn(u32) -> bool,
    known: Option<&[Option<(u32, u32)>]>,
) -> Vec<u32> {
    let need = match r {
        Resource::Cpu => (req.cpu, req.memory),
        Resource::Memory => (req.memory, req.cpu),
    };
    let mut least: Option<u32> = None;
    let mut out = Vec::new();
    for (n, &z) in zones.iter().enumerate() {
        let mut walk = cluster.index.by_free(r, z, need);
        if let Some((free, i)) = known.and_then(|k| k.get(n).copied().flatten()) {
            // The instances before it do not fit; it does.
            let found = walk.by_ref().any(|x| x == (free, i));
            debug_assert!(found, "the spread's walk found {i} in zone {z}");
            if least.is_some_and(|l| free > l) {
                continue;
            }
            if least.is_none_or(|l| free < l) {
                out.clear();
                least = Some(free);
            }
            out.push(i);
        }
        // (As before the known instance: this loop is binpack's cost.)
        for (free, i) in walk {
            // Walking up from the least free: past the best value, stop.
            if least.is_some_and(|l| free > l) {
                break;
            }
            if fits(i) {
                if least.is_none_or(|l| free < l) {
                    out.clear();
                    least = Some(free);
                }
                out.push(i);
            }
        }
    }
    // A few runs already in index order (a zone's buckets each are): the
    // run-detecting stable sort merges them in near-linear time.
    out.sort();
    out
}
