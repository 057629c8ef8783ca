//! Task placement as ECS does it ("Amazon ECS task placement"): keep the
//! instances with enough CPU, memory and ports, then those that satisfy every
//! constraint, then let each strategy in order narrow the choice; a later
//! strategy only breaks the ties an earlier one left. Remaining ties are
//! broken at random from the placement stream.

mod fast;
use fast::{
    counted, indexed, indexed_random, no_distinct_room, spread_zones_then_instances, with_room,
};
mod refusal;

// The types a task definition and a service carry, the index the Cluster
// owns and the query language of `memberOf` are the model's (placement uses
// the model, not the reverse); kept at their old paths here for callers.
pub use crate::model::placement_rules::{Constraint, Resource, SpreadField, Strategy};
pub use crate::model::{placement_draw as draw, placement_index as index, query};

pub use refusal::refusal_reason;

use crate::engine::SimRng;
use crate::model::{Arch, Cluster, Instance};
use query::{Expr, Facts};
use rand::RngExt;
use smallvec::SmallVec;
use std::sync::Arc;

/// Zones, or per-zone figures: a region has a handful, so a placement keeps
/// them on the stack instead of allocating for each task.
type PerZone<T> = SmallVec<[T; 8]>;

/// What one task needs from an instance.
pub struct Request<'a> {
    pub cpu: u32,
    pub memory: u32,
    pub ports: &'a [u16],
    /// ENIs (`awsvpc`) and GPUs the task takes: checked per instance, as
    /// the index files instances by CPU and memory only.
    pub enis: u32,
    pub gpus: u32,
    pub arch: Option<Arch>,
    pub group: u32,
    /// Constraint lists that all apply (task definition's and the launcher's).
    pub constraints: [&'a [Constraint]; 2],
    pub strategies: &'a [Strategy],
    /// DAEMON tasks go to one given instance or nowhere.
    pub only_instance: Option<u32>,
    /// Tasks of an Auto Scaling group capacity provider use only its instances.
    pub instance_group: Option<u32>,
}

/// The facts an instance offers to the query language.
pub struct InstanceFacts<'a> {
    pub cluster: &'a Cluster,
    pub instance: &'a Instance,
}

impl Facts for InstanceFacts<'_> {
    fn attribute(&self, name: &str) -> Option<&str> {
        self.instance.attributes.get(name).map(String::as_str)
    }
    fn instance_id(&self) -> &str {
        &self.instance.id
    }
    fn running_tasks(&self) -> u64 {
        self.instance.tasks.len() as u64
    }
    fn has_group(&self, name: &str) -> bool {
        self.instance
            .tasks
            .iter()
            .any(|&t| self.cluster.groups[self.cluster.tasks[t].group as usize].name == name)
    }
}

/// Whether an expression reads only an instance's attributes (and the
/// agent's connection, always up): the same for every instance sharing
/// an attribute map, which a group's instances in a zone do.
fn reads_attributes_only(e: &Expr) -> bool {
    match e {
        Expr::And(a, b) | Expr::Or(a, b) => reads_attributes_only(a) && reads_attributes_only(b),
        Expr::Not(a) => reads_attributes_only(a),
        Expr::Cmp(s, _) => matches!(
            s,
            query::Subject::Attribute(_) | query::Subject::AgentConnected
        ),
    }
}

/// The constraints of a request split for `choose`: the `memberOf`
/// expressions that read only attributes, answered once per instance group
/// and zone (whose instances share one attribute map) instead of once per
/// instance, and the others, asked per instance. A placement among
/// thousands of instances otherwise looked attributes up by name in each.
struct Constraints<'a> {
    cluster: &'a Cluster,
    by_attributes: SmallVec<[&'a Expr; 2]>,
    others: SmallVec<[&'a Constraint; 2]>,
    zones: usize,
    /// Per instance group, the cell row of its first type.
    first_kind: SmallVec<[usize; 8]>,
    /// Per (instance group, type, zone): the attribute map its template
    /// gives the instances there, and the verdict on that map (0 not asked
    /// yet, 1 unsatisfied, 2 satisfied). The map is read off the template
    /// once a placement, not on each instance asked: the walks of a
    /// constrained placement ask thousands that fail.
    cells: SmallVec<[MapVerdict<'a>; 64]>,
    /// The instances whose map the attribute-only expressions reject, as
    /// bit words (from the index's instances by map), when first asked.
    rejected: std::cell::OnceCell<Vec<u64>>,
    /// Instances asked one by one so far (up to `ASKS_BEFORE_WORDS`).
    asks: std::cell::Cell<u32>,
}

/// Instances a placement asks one by one before it finds the rejected
/// words (one eval per map and a pass over the words): most placements
/// ask a few, but a walk past the instances of another pool asks hundreds.
const ASKS_BEFORE_WORDS: u32 = 32;

/// A template's attribute map (none when it has none for the zone), and the verdict on it.
type MapVerdict<'a> = (Option<&'a Arc<Attributes>>, std::cell::Cell<u8>);

use crate::model::placement_maps::Attributes;

/// An attribute map alone, as the query language sees it: what an
/// expression that reads only attributes (and the agent's connection,
/// always up for a candidate) is asked of.
struct MapFacts<'a>(&'a Attributes);

impl Facts for MapFacts<'_> {
    fn attribute(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
    // Not read by such an expression (`reads_attributes_only`).
    fn instance_id(&self) -> &str {
        ""
    }
    fn running_tasks(&self) -> u64 {
        0
    }
    fn has_group(&self, _: &str) -> bool {
        false
    }
}

impl<'a> Constraints<'a> {
    fn new(cluster: &'a Cluster, req: &Request<'a>) -> Self {
        let mut by_attributes = SmallVec::new();
        let mut others = SmallVec::new();
        for c in req.constraints.iter().flat_map(|cs| cs.iter()) {
            match c {
                Constraint::MemberOf(e) if reads_attributes_only(e) => by_attributes.push(&**e),
                _ => others.push(c),
            }
        }
        let zones = cluster.azs.len();
        // One cell per (group, type, zone): the types' attribute maps differ.
        // (Only then: a placement without such a constraint allocates nothing.)
        let mut first_kind = SmallVec::new();
        let mut cells = SmallVec::new();
        if !by_attributes.is_empty() {
            for t in &cluster.templates {
                first_kind.push(cells.len() / zones.max(1));
                for k in &t.kinds {
                    cells
                        .extend((0..zones).map(|z| (k.attributes.get(z), std::cell::Cell::new(0))));
                }
            }
        }
        Constraints {
            cluster,
            by_attributes,
            others,
            zones,
            first_kind,
            cells,
            rejected: std::cell::OnceCell::new(),
            asks: std::cell::Cell::new(0),
        }
    }

    /// Word `j` of the instances the attribute-only expressions reject
    /// (none without such an expression): `hold` is false for each, so a
    /// walk of bit words may drop them without asking.
    fn rejected_word(&self, j: usize) -> u64 {
        if self.by_attributes.is_empty() {
            return 0;
        }
        let words = self.rejected.get_or_init(|| {
            let mut out = Vec::new();
            for (map, words) in self.cluster.index.maps().iter() {
                let facts = MapFacts(map);
                if self.by_attributes.iter().all(|e| e.eval(&facts)) {
                    continue;
                }
                if out.len() < words.len() {
                    out.resize(words.len(), 0);
                }
                for (o, w) in out.iter_mut().zip(words) {
                    *o |= w;
                }
            }
            out
        });
        words.get(j).copied().unwrap_or(0)
    }

    /// Whether `hold` is surely false for instance `idx` from its map alone,
    /// read from the rejected words once the placement has asked
    /// `ASKS_BEFORE_WORDS` instances (false until then: asked in full).
    #[inline]
    fn surely_rejected(&self, idx: u32) -> bool {
        if self.by_attributes.is_empty() {
            return false;
        }
        let n = self.asks.get();
        if n < ASKS_BEFORE_WORDS {
            self.asks.set(n + 1);
            return false;
        }
        self.rejected_word(idx as usize / 64) >> (idx % 64) & 1 == 1
    }

    /// Whether instance `idx` satisfies every constraint (`satisfies` each).
    #[inline]
    fn hold(&self, idx: u32, group: u32) -> bool {
        self.attributes_hold(idx)
            && self
                .others
                .iter()
                .all(|c| satisfies(self.cluster, idx, c, group))
    }

    #[inline]
    fn attributes_hold(&self, idx: u32) -> bool {
        if self.by_attributes.is_empty() {
            return true;
        }
        let inst = &self.cluster.instances[idx as usize];
        // Instances come from their group's template, sharing its map for
        // their zone; one that does not (its map replaced, `MiType::apply`)
        // is asked on its own. A verdict is of the map it was found on (the
        // expressions read nothing else), so the same map is all that
        // matters: even a cell reached from an out-of-range type or zone
        // answers rightly when its map is this instance's.
        let cell = self.first_kind.get(inst.group as usize).and_then(|&row| {
            self.cells
                .get((row + inst.kind as usize) * self.zones + inst.az as usize)
        });
        match cell {
            Some((Some(map), v)) if Arc::ptr_eq(map, &inst.attributes) => match v.get() {
                0 => {
                    let ok = self.eval(inst);
                    v.set(1 + u8::from(ok));
                    ok
                }
                n => n == 2,
            },
            _ => self.eval(inst),
        }
    }

    /// The attribute-only expressions asked of one instance.
    fn eval(&self, inst: &Instance) -> bool {
        let facts = InstanceFacts {
            cluster: self.cluster,
            instance: inst,
        };
        self.by_attributes.iter().all(|e| e.eval(&facts))
    }
}

fn satisfies(cluster: &Cluster, idx: u32, c: &Constraint, group: u32) -> bool {
    match c {
        // The group's host bits say whether it has a task there.
        Constraint::DistinctInstance => !draw::bit(&cluster.groups[group as usize].hosts, idx),
        Constraint::MemberOf(e) => e.eval(&InstanceFacts {
            cluster,
            instance: &cluster.instances[idx as usize],
        }),
    }
}

/// Whether an instance could ever host the task, ignoring what is in use now
/// (used to reject scenarios whose tasks fit nowhere).
pub fn could_ever_fit(cluster: &Cluster, inst: &Instance, req: &Request) -> bool {
    inst.cpu >= req.cpu
        && inst.memory >= req.memory
        && inst.eni_slots >= req.enis
        && inst.gpus >= req.gpus
        && req.arch.is_none_or(|a| a == inst.arch)
        && req
            .constraints
            .iter()
            .flat_map(|cs| cs.iter())
            .all(|c| match c {
                Constraint::DistinctInstance => true,
                Constraint::MemberOf(e) => e.eval(&InstanceFacts {
                    cluster,
                    instance: inst,
                }),
            })
}

/// Whether `could_ever_fit` reads of an instance, for `req`, only its size,
/// architecture and attribute map: no `memberOf` reads its id or its tasks
/// (`distinctInstance` it ignores).
pub fn reads_only_attributes(req: &Request) -> bool {
    req.constraints
        .iter()
        .flat_map(|cs| cs.iter())
        .all(|c| match c {
            Constraint::MemberOf(e) => reads_attributes_only(e),
            Constraint::DistinctInstance => true,
        })
}

/// Whether the ACTIVE instances of instance group `g` in zone `z` could
/// ever host the task: their size, architecture and attributes against the
/// request (its capacity provider's group, `memberOf`), not what they run
/// now nor `distinctInstance`. The zones where this holds for some group
/// are the ones a service may use ("Amazon ECS task placement constraints").
pub fn group_zone_may_host(cluster: &Cluster, req: &Request, g: u32, z: u32) -> bool {
    if req.instance_group.is_some_and(|only| only != g) {
        return false;
    }
    let Some(t) = cluster.templates.get(g as usize) else {
        return false;
    };
    let attributes_only = reads_only_attributes(req);
    let no_member_of = req
        .constraints
        .iter()
        .flat_map(|cs| cs.iter())
        .all(|c| matches!(c, Constraint::DistinctInstance));
    if no_member_of {
        // `could_ever_fit` without a memberOf reads only what the template
        // gives every instance: no instance need be made to ask (zone
        // rebalancing asks for every service every tick).
        return t.kinds.iter().any(|k| {
            k.cpu >= req.cpu
                && k.memory >= req.memory
                && k.eni_slots >= req.enis
                && k.gpus >= req.gpus
                && req.arch.is_none_or(|a| a == k.arch)
        });
    }
    if attributes_only && z < cluster.azs.len() as u32 {
        // Every instance of the group in the zone is made from its template:
        // one of each type made the same way answers for all of them (its
        // id unread: the constraints read attributes only).
        return (0..t.kinds.len() as u32).any(|k| {
            let like = t.stand_in(z, k);
            could_ever_fit(cluster, &like, req)
        });
    }
    // A constraint on the instance itself (id, tasks it runs): ask each.
    cluster
        .instances
        .iter()
        .any(|i| i.group == g && i.az == z && i.takes_tasks() && could_ever_fit(cluster, i, req))
}

/// The value of the spread field on an instance.
fn field_value<'a>(inst: &'a Instance, field: &SpreadField) -> Option<&'a str> {
    match field {
        SpreadField::InstanceId => Some(&inst.id),
        SpreadField::Attribute(name) => inst.attributes.get(name).map(String::as_str),
    }
}

/// The attribute every instance has and whose value is its zone.
const ZONE_ATTRIBUTE: &str = "ecs.availability-zone";

fn is_zone(field: &SpreadField) -> bool {
    matches!(field, SpreadField::Attribute(a) if a == ZONE_ATTRIBUTE)
}

/// How many of the group's tasks sit on the instances of each zone.
fn zone_counts(cluster: &Cluster, group: u32) -> PerZone<u32> {
    let g = &cluster.groups[group as usize];
    (0..cluster.azs.len() as u32)
        .map(|z| g.in_zone(z))
        .collect()
}

/// How many of the group's tasks sit on instances with each candidate's field value.
fn spread_counts(cluster: &Cluster, group: u32, field: &SpreadField, cands: &[u32]) -> Vec<u32> {
    let g = &cluster.groups[group as usize];
    if *field == SpreadField::InstanceId {
        // Most candidates hold none of the group: `on_instance` reads its
        // host bit before any lookup.
        return cands.iter().map(|&c| g.on_instance(c)).collect();
    }
    if is_zone(field) {
        // The zone attribute is the instance's zone: count by index, not by text.
        let per_zone = zone_counts(cluster, group);
        return cands
            .iter()
            .map(|&c| per_zone[cluster.instances[c as usize].az as usize])
            .collect();
    }
    let mut by_value: std::collections::HashMap<Option<&str>, u32> = Default::default();
    for (i, n) in g.per_instance() {
        *by_value
            .entry(field_value(&cluster.instances[i as usize], field))
            .or_insert(0) += n;
    }
    cands
        .iter()
        .map(|&c| {
            let v = field_value(&cluster.instances[c as usize], field);
            by_value.get(&v).copied().unwrap_or(0)
        })
        .collect()
}

/// Keeps the candidates whose score is best (lowest), preserving order.
fn keep_best<T: Copy>(cands: &mut Vec<T>, scores: &[u64]) {
    let Some(&best) = scores.iter().min() else {
        return;
    };
    let mut i = 0;
    cands.retain(|_| {
        let keep = scores[i] == best;
        i += 1;
        keep
    });
}

fn pick<T: Copy>(cands: &[T], rng: &mut SimRng) -> Option<T> {
    match cands.len() {
        0 => None,
        1 => Some(cands[0]),
        n => Some(cands[rng.random_range(0..n)]),
    }
}

/// Chooses an instance for the task, or `None` when none qualifies now.
pub fn choose(cluster: &Cluster, req: &Request, rng: &mut SimRng) -> Option<u32> {
    // Sorted out when first asked: most placements are answered from the
    // index without asking any instance.
    let constraints = std::cell::OnceCell::new();
    let member_of = req
        .constraints
        .iter()
        .any(|cs| cs.iter().any(|c| matches!(c, Constraint::MemberOf(_))));
    let fits_each = |idx: u32| {
        let inst = &cluster.instances[idx as usize];
        inst.fits(req.cpu, req.memory, req.ports)
            && inst.has_slots(req.enis, req.gpus)
            && req.instance_group.is_none_or(|g| g == inst.group)
            && req.arch.is_none_or(|a| a == inst.arch)
            && constraints
                .get_or_init(|| Constraints::new(cluster, req))
                .hold(idx, req.group)
    };
    // The walks by free amount pass many instances of another pool (a
    // memberOf on an attribute): dropped by a bit, not by asking. Without
    // a memberOf, placement asks as before (no check added to each ask).
    let fits_member = |idx: u32| {
        !constraints
            .get_or_init(|| Constraints::new(cluster, req))
            .surely_rejected(idx)
            && fits_each(idx)
    };
    let fits: &dyn Fn(u32) -> bool = if member_of { &fits_member } else { &fits_each };
    let rejected = |j: usize| {
        if !member_of {
            return 0;
        }
        constraints
            .get_or_init(|| Constraints::new(cluster, req))
            .rejected_word(j)
    };
    if req.only_instance.is_none() {
        // A random draw through the index answers "nowhere" itself (no
        // candidate: no draw), so it is asked before `no_distinct_room`,
        // which would only find the same.
        if let Some(choice) = indexed_random(cluster, req, rng) {
            return choice;
        }
        if no_distinct_room(cluster, req) {
            return None;
        }
        if let Some(choice) = counted(cluster, req, fits, rng)
            .or_else(|| spread_zones_then_instances(cluster, req, fits, rng))
        {
            return choice;
        }
    }
    let (cands, done): (Vec<u32>, usize) = match req.only_instance {
        Some(i) => (vec![i].into_iter().filter(|&i| fits(i)).collect(), 0),
        None => match indexed(cluster, req, fits, &rejected) {
            Some(found) => found,
            None => match with_room(cluster, req, None, fits, &rejected) {
                Some(cands) => (cands, 0),
                None => (
                    (0..cluster.instances.len() as u32)
                        .filter(|&i| fits(i))
                        .collect(),
                    0,
                ),
            },
        },
    };
    rank(
        cluster,
        req.group,
        cands,
        |i| i,
        &req.strategies[done..],
        false,
        rng,
    )
}

/// Chooses which of a service's placed tasks to stop on scale-in. The same
/// strategies run in reverse ("Amazon ECS task placement strategies"): spread
/// removes from the value with the most tasks, binpack from the instance that
/// will have the most free resource left, random at random.
pub fn choose_to_stop(
    cluster: &Cluster,
    group: u32,
    tasks: &[u32],
    strategies: &[Strategy],
    rng: &mut SimRng,
) -> Option<u32> {
    let inst_of = |t: u32| cluster.tasks[t].instance.unwrap_or(0);
    rank(
        cluster,
        group,
        tasks.to_vec(),
        inst_of,
        strategies,
        true,
        rng,
    )
}

/// Runs the strategies in order over the candidates, each keeping only its
/// best-scored ones, and picks among the rest at random. Placement wants the
/// least free resource and the least-used spread value; scale-in (`reverse`)
/// wants the most of each.
fn rank<T: Copy>(
    cluster: &Cluster,
    group: u32,
    mut cands: Vec<T>,
    inst_of: impl Fn(T) -> u32,
    strategies: &[Strategy],
    reverse: bool,
    rng: &mut SimRng,
) -> Option<T> {
    let orient = |v: u64| if reverse { u64::MAX - v } else { v };
    for s in strategies {
        if cands.len() <= 1 {
            break;
        }
        let scores: Vec<u64> = match s {
            Strategy::Binpack(r) => cands
                .iter()
                .map(|&c| {
                    let inst = &cluster.instances[inst_of(c) as usize];
                    orient(u64::from(match r {
                        Resource::Cpu => inst.free_cpu(),
                        Resource::Memory => inst.free_memory(),
                    }))
                })
                .collect(),
            Strategy::Spread(f) => {
                let insts: Vec<u32> = cands.iter().map(|&c| inst_of(c)).collect();
                spread_counts(cluster, group, f, &insts)
                    .into_iter()
                    .map(|n| orient(u64::from(n)))
                    .collect()
            }
            Strategy::Random => return pick(&cands, rng),
        };
        keep_best(&mut cands, &scores);
    }
    pick(&cands, rng)
}
