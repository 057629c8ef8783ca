//! The instances `check_fits` asks whether a task could ever fit: one of
//! each class of instances that `placement::could_ever_fit` cannot tell
//! apart, found once per scenario instead of walking the whole cluster for
//! each service and job (a region of 5,000 instances and 500 services, many
//! with a `memberOf` that most instances fail, walked millions).

use crate::model::{Cluster, Instance, InstanceStatus};
use crate::placement::{self, Request};
use std::collections::{BTreeMap, HashSet};

/// What `could_ever_fit` reads of an instance when the request's
/// constraints read only attributes (`placement::reads_only_attributes`):
/// its registered CPU, memory, ENI slots and GPUs, its architecture and its
/// attribute map (a `memberOf` reads nothing else of it; `agentConnected`
/// is always "true" there). Two instances alike in these get the same
/// answer for every such request. `group` is read by `check_fits` to keep
/// a provider's own group, and the type (with the figures above) names the
/// instances in its error. `kind` and `az` are read by neither (the zone
/// reaches a `memberOf` only through the map) but cost no classes: a
/// group's instances of one type in one zone share one map. Registered
/// ports are not modelled (`could_ever_fit` ignores the task's ports), nor
/// is status read: a launching instance could hold the task later.
#[derive(PartialEq, Eq, Hash)]
struct Class<'a> {
    group: u32,
    kind: u16,
    az: u32,
    instance_type: &'a str,
    arch: &'static str,
    cpu: u32,
    memory: u32,
    eni_slots: u32,
    gpus: u32,
    /// The map itself, not its content: instances made from a template
    /// share it, and different maps only make more classes, never fewer.
    attributes: *const BTreeMap<String, String>,
}

impl<'a> Class<'a> {
    fn of(i: &'a Instance) -> Self {
        Class {
            group: i.group,
            kind: i.kind,
            az: i.az,
            instance_type: &i.instance_type,
            arch: i.arch.as_str(),
            cpu: i.cpu,
            memory: i.memory,
            eni_slots: i.eni_slots,
            gpus: i.gpus,
            attributes: std::sync::Arc::as_ptr(&i.attributes),
        }
    }
}

/// The instances there are, plus one of each group's kind in each of its
/// zones (a group may start empty and grow) and of each type a Managed
/// Instances provider may launch in each of its zones; and one of each
/// class of these. The cluster's instances and
/// templates are all made before the services and jobs are checked.
pub(super) struct FitPool<'a> {
    kinds: Vec<Instance>,
    mi_kinds: &'a [Instance],
    classes: Vec<Instance>,
    /// The cluster's instances and templates when found (checked in debug builds).
    sizes: (usize, usize),
}

impl<'a> FitPool<'a> {
    pub(super) fn new(cluster: &Cluster, mi_kinds: &'a [Instance]) -> Self {
        let kinds: Vec<Instance> = cluster
            .templates
            .iter()
            .flat_map(|t| {
                // In each of its zones: a task held to one zone (a
                // `memberOf` on ecs.availability-zone) may fit a group that
                // starts empty through any zone it launches in.
                (0..t.kinds.len() as u32).flat_map(move |k| {
                    t.zones
                        .iter()
                        .map(move |&z| t.instance(0, z, 0, InstanceStatus::Active, k, false))
                })
            })
            .collect();
        let mut seen = HashSet::new();
        let classes = cluster
            .instances
            .iter()
            .chain(&kinds)
            .chain(mi_kinds)
            .filter(|i| seen.insert(Class::of(i)))
            .cloned()
            .collect();
        FitPool {
            kinds,
            mi_kinds,
            classes,
            sizes: (cluster.instances.len(), cluster.templates.len()),
        }
    }

    /// The instances of `groups` (all when empty) to ask about `req`: one
    /// of each class when its constraints read only attributes, else every
    /// one (a `memberOf` on the instance's id or its tasks).
    pub(super) fn pool<'s>(
        &'s self,
        cluster: &'s Cluster,
        req: &Request,
        groups: &[u32],
    ) -> Vec<&'s Instance> {
        debug_assert_eq!(
            self.sizes,
            (cluster.instances.len(), cluster.templates.len())
        );
        let in_groups = |i: &&Instance| groups.is_empty() || groups.contains(&i.group);
        if placement::reads_only_attributes(req) {
            self.classes.iter().filter(in_groups).collect()
        } else {
            cluster
                .instances
                .iter()
                .chain(&self.kinds)
                .chain(self.mi_kinds)
                .filter(in_groups)
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimRng;
    use crate::model::Arch;
    use crate::placement::{Constraint, could_ever_fit, query::Expr};
    use rand::{RngExt, SeedableRng};
    use std::sync::Arc;

    /// An instance off `template` with one field (or none) changed at
    /// random, so that instances alike in all but one field abound.
    fn variant(
        template: &Instance,
        maps: &[Arc<BTreeMap<String, String>>],
        rng: &mut SimRng,
    ) -> Instance {
        let mut i = template.clone();
        match rng.random_range(0..10) {
            0 => i.group = rng.random_range(0..3),
            1 => {
                i.instance_type =
                    ["m5.large", "c5.xlarge", "r5.large"][rng.random_range(0..3)].into()
            }
            2 => {
                i.arch = if i.arch == Arch::X86_64 {
                    Arch::Arm64
                } else {
                    Arch::X86_64
                }
            }
            3 => i.cpu = [1024, 2048, 4096][rng.random_range(0..3)],
            4 => i.memory = [2048, 4096, 8192][rng.random_range(0..3)],
            5 => i.eni_slots = rng.random_range(0..3),
            6 => i.gpus = rng.random_range(0..2),
            // Another map, or a copy of its own (alike, not the same map).
            7 => i.attributes = maps[rng.random_range(0..maps.len())].clone(),
            8 => i.attributes = Arc::new((*i.attributes).clone()),
            _ => {}
        }
        i
    }

    fn maps() -> Vec<Arc<BTreeMap<String, String>>> {
        let mut out = Vec::new();
        for pool in ["general", "compute", "memory"] {
            for az in ["us-east-1a", "us-east-1b"] {
                let m = [("pool", pool), ("ecs.availability-zone", az)];
                out.push(Arc::new(
                    m.iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                ));
            }
        }
        out
    }

    fn constraints(rng: &mut SimRng) -> Vec<Constraint> {
        const EXPRS: [&str; 7] = [
            "attribute:pool == compute",
            "attribute:pool != general",
            "attribute:ecs.availability-zone == us-east-1b",
            "attribute:pool in [memory, general] and attribute:ecs.availability-zone == us-east-1a",
            "agentConnected == true",
            // Read the instance itself: every instance asked.
            "ec2InstanceId == i-3",
            "runningTasksCount == 0",
        ];
        (0..rng.random_range(0..3))
            .map(|_| match rng.random_range(0..8) {
                7 => Constraint::DistinctInstance,
                n => Constraint::MemberOf(Box::new(Expr::parse(EXPRS[n]).unwrap())),
            })
            .collect()
    }

    /// What `check_fits` makes of a pool: whether the task fits, whether
    /// each architecture is there, and the instances its error names.
    fn verdict(
        cluster: &Cluster,
        pool: &[&Instance],
        req: &Request,
    ) -> (bool, [bool; 2], Vec<String>) {
        (
            pool.iter().any(|i| could_ever_fit(cluster, i, req)),
            [Arch::X86_64, Arch::Arm64].map(|a| pool.iter().any(|i| i.arch == a)),
            super::super::build::instance_names(pool)
                .into_iter()
                .collect(),
        )
    }

    /// Over many generated clusters of instances that differ in one field
    /// or none, and requests with and without a `memberOf`: one of each
    /// class answers as every instance does. Drop a field from `Class`
    /// (other than `kind` and `az`, which nothing reads) and this fails.
    #[test]
    fn one_of_each_class_answers_as_every_instance() {
        let maps = maps();
        let mut rng = SimRng::seed_from_u64(32);
        let (mut fits, mut refused, mut fewer) = (0, 0, 0);
        for _ in 0..300 {
            let mut cluster = Cluster::default();
            let mut all = Vec::new();
            for _ in 0..rng.random_range(1..5) {
                let mut t = base_instance(&maps, &mut rng);
                for _ in 0..rng.random_range(1..12) {
                    t = variant(&t, &maps, &mut rng);
                    t.id = format!("i-{}", all.len());
                    all.push(t.clone());
                }
            }
            let mi_kinds = all.split_off(all.len() * 3 / 4);
            cluster.instances = all;
            let pool = FitPool::new(&cluster, &mi_kinds);
            for _ in 0..40 {
                let cons = constraints(&mut rng);
                let req = Request {
                    cpu: [512, 2048, 4096][rng.random_range(0..3)],
                    memory: [1024, 4096, 8192][rng.random_range(0..3)],
                    ports: &[],
                    enis: rng.random_range(0..2),
                    gpus: rng.random_range(0..2),
                    arch: [None, Some(Arch::X86_64), Some(Arch::Arm64)][rng.random_range(0..3)],
                    group: 0,
                    constraints: [&cons, &[]],
                    strategies: &[],
                    only_instance: None,
                    instance_group: None,
                };
                let groups: Vec<u32> = (0..3).filter(|_| rng.random_range(0..3) == 0).collect();
                let every: Vec<&Instance> = cluster
                    .instances
                    .iter()
                    .chain(&mi_kinds)
                    .filter(|i| groups.is_empty() || groups.contains(&i.group))
                    .collect();
                let asked = pool.pool(&cluster, &req, &groups);
                let want = verdict(&cluster, &every, &req);
                assert_eq!(
                    verdict(&cluster, &asked, &req),
                    want,
                    "{:?}",
                    req.constraints
                );
                if want.0 {
                    fits += 1
                } else {
                    refused += 1
                }
                fewer += usize::from(asked.len() < every.len());
            }
        }
        // The cases are not all alike: some fit, some do not, and the
        // classes are fewer than the instances in many.
        assert!(
            fits > 1000 && refused > 1000 && fewer > 1000,
            "{fits} {refused} {fewer}"
        );
    }

    fn base_instance(maps: &[Arc<BTreeMap<String, String>>], rng: &mut SimRng) -> Instance {
        let mut i = Instance {
            id: String::new(),
            group: 0,
            kind: 0,
            instance_type: "m5.large".into(),
            arch: Arch::X86_64,
            az: 0,
            attributes: maps[0].clone(),
            cpu: 2048,
            memory: 4096,
            used_cpu: 0,
            used_memory: 0,
            used_ports: Vec::new(),
            eni_slots: 1,
            used_enis: 0,
            gpus: 0,
            used_gpus: 0,
            tasks: Vec::new(),
            status: InstanceStatus::Active,
            launched: 0,
            running: 0,
            registered: Some(0),
            terminated: None,
            tasks_placed: 0,
            spot: false,
            terminate_when_empty: false,
            spot_reclaim: false,
            reclaimed: false,
            agent_connected: true,
            cpu_level: Default::default(),
            memory_level: Default::default(),
            gpu_level: Default::default(),
        };
        for _ in 0..12 {
            i = variant(&i, maps, rng);
        }
        i
    }
}
