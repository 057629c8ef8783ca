//! The placement index must never change a decision: on the same cluster
//! state and the same random stream, placing through the index and placing
//! by scanning every instance choose the same instance and consume the same
//! draws. Clusters here churn (tasks placed and freed, instances drained and
//! back) so the index is checked through many states, ties included.

use ecsim::engine::{RngStreams, SimRng};
use ecsim::model::{Cluster, InstanceStatus};
use ecsim::placement::draw::{COUNT_FROM_WORDS, DrawPlan};
use ecsim::placement::index::Keep;
use ecsim::placement::query::Expr;
use ecsim::placement::{Constraint, Request, Resource, SpreadField, Strategy, choose};
use rand::{Rng, RngExt};
use std::path::Path;

const SHAPES: [(u32, u32); 5] = [
    (256, 512),
    (512, 1024),
    (1024, 2048),
    (2048, 4096),
    (700, 900),
];

/// 60 instances of four types over three zones; task definitions of the
/// first four shapes (the index keeps those; 700/900 is placed by scan).
fn cluster() -> Cluster {
    let mut text =
        String::from("name = \"t\"\n[cluster]\navailability_zones = [\"a\", \"b\", \"c\"]\n");
    for (n, (ty, count, zones)) in [
        ("m5.xlarge", 24, "\"a\", \"b\", \"c\""),
        ("c5.2xlarge", 18, "\"a\", \"b\", \"c\""),
        ("r5.large", 12, "\"a\", \"b\""),
        ("m5.large", 6, "\"c\""),
    ]
    .iter()
    .enumerate()
    {
        text += &format!(
            "[[instance_groups]]\nname = \"g{n}\"\ninstance_type = \"{ty}\"\ncount = {count}\navailability_zones = [{zones}]\n"
        );
    }
    for (n, (cpu, mem)) in SHAPES[..4].iter().enumerate() {
        text += &format!("[[task_definitions]]\nfamily = \"t{n}\"\ncpu = {cpu}\nmemory = {mem}\n");
        text += &format!(
            "[[services]]\nname = \"s{n}\"\ntask_definition = \"t{n}\"\ndesired_count = 0\n"
        );
    }
    ecsim::scenario::parse(Path::new("t.toml"), &text)
        .unwrap_or_else(|e| panic!("{e}"))
        .cluster
}

fn strategies() -> Vec<Vec<Strategy>> {
    let az = || Strategy::Spread(SpreadField::Attribute("ecs.availability-zone".into()));
    let mem = Strategy::Binpack(Resource::Memory);
    let cpu = Strategy::Binpack(Resource::Cpu);
    vec![
        vec![mem.clone()],
        vec![cpu.clone()],
        vec![az(), mem.clone()],
        vec![az(), cpu.clone()],
        vec![az()],
        vec![az(), Strategy::Spread(SpreadField::InstanceId)],
        vec![Strategy::Random],
        vec![],
        vec![mem.clone(), Strategy::Random],
        vec![cpu, Strategy::Spread(SpreadField::InstanceId)],
    ]
}

/// Books (or frees) a task of `group` on `inst` in a cluster, as the simulation does.
fn book(c: &mut Cluster, inst: u32, group: u32, (cpu, mem): (u32, u32), on: bool) {
    if on {
        c.instances[inst as usize].reserve(0, 0, cpu, mem, &[]);
        c.join_group(group, inst);
    } else {
        c.instances[inst as usize].release(0, 0, cpu, mem, &[]);
        c.leave_group(group, inst);
    }
    c.refile(inst);
}

#[test]
fn indexed_placement_chooses_as_a_scan_does() {
    chooses_as_a_scan_does(Keep::ALL);
}

/// A run keeps only the orderings by free amount its strategies read; a
/// request whose strategies need one that is not kept is placed by the
/// scan, and the rest of the index still answers as the scan does.
#[test]
fn an_index_without_some_orderings_chooses_as_a_scan_does() {
    let mut c = cluster();
    c.index_instances_for_strategies();
    assert!(c.index.is_live());
    // The services give no strategy: ECS's default spreads over zones
    // (then instances), which reads the ordering by free memory only.
    assert!(c.index.keeps(Resource::Memory) && !c.index.keeps(Resource::Cpu));
    for (memory, cpu) in [(true, false), (false, true), (false, false)] {
        chooses_as_a_scan_does(Keep { memory, cpu });
    }
}

/// Random draws are counted (`placement/draw.rs`) for some groups, for
/// none, or not at all: each way picks as the scan does.
#[test]
fn counted_and_uncounted_draws_choose_as_a_scan_does() {
    let plan = |shapes: &[(u32, u32)], groups: Vec<u32>, count_from_words| DrawPlan {
        shapes: shapes.to_vec(),
        groups,
        count_from_words,
    };
    // Counted from the first instance (the cluster has one word of them),
    // or never: below the threshold a run keeps no counts.
    for plan in [
        Some(plan(&SHAPES, vec![1, 3], 0)),
        Some(plan(&SHAPES[1..3], vec![0, 1, 2, 3], 0)),
        Some(plan(&SHAPES, vec![], 0)),
        Some(plan(&SHAPES, vec![0, 1, 2, 3], COUNT_FROM_WORDS)),
        None,
    ] {
        chooses_as_a_scan_does_with(Keep::ALL, plan);
    }
}

#[test]
fn kept_orderings_follow_the_strategies() {
    let az = Strategy::Spread(SpreadField::Attribute("ecs.availability-zone".into()));
    let cpu = [Strategy::Binpack(Resource::Cpu)];
    let keep = |lists: &[&[Strategy]]| Keep::for_strategies(lists.iter().copied());
    assert_eq!(keep(&[&[Strategy::Random], &[]]), Keep::default());
    assert_eq!(
        keep(&[&cpu]),
        Keep {
            memory: false,
            cpu: true
        }
    );
    assert_eq!(
        keep(&[std::slice::from_ref(&az)]),
        Keep {
            memory: true,
            cpu: false
        }
    );
    assert_eq!(keep(&[&[az, Strategy::Binpack(Resource::Cpu)]]), Keep::ALL);
    assert_eq!(
        keep(&[&[Strategy::Binpack(Resource::Memory)], &cpu]),
        Keep::ALL
    );
}

fn chooses_as_a_scan_does(keep: Keep) {
    chooses_as_a_scan_does_with(keep, Some(all_drawn()));
}

fn all_drawn() -> DrawPlan {
    DrawPlan {
        shapes: SHAPES.to_vec(),
        groups: vec![0, 1, 2, 3],
        count_from_words: 0,
    }
}

/// An instance whose attribute map was replaced before it joined the
/// cluster (as a managed instance's is when it launches as another type)
/// shares no template's: `memberOf` is asked of its own map, not answered
/// by the verdict on its group, type and zone's (nor dropped with the
/// instances of a map it rejects).
#[test]
fn instances_with_replaced_attributes_choose_as_a_scan_does() {
    chooses_as_a_scan_does_replacing(Keep::ALL, Some(all_drawn()), true);
}

fn chooses_as_a_scan_does_with(keep: Keep, draws: Option<DrawPlan>) {
    chooses_as_a_scan_does_replacing(keep, draws, false);
}

/// Gives instance `i` a new map in which its type attribute says the
/// other family (m5 or not), as `MiType::apply` would.
fn replace_attributes(c: &mut Cluster, i: usize) {
    let mut map = (*c.instances[i].attributes).clone();
    let ty = map
        .get_mut("ecs.instance-type")
        .expect("every instance has a type");
    *ty = if ty.starts_with("m5") {
        "r5.large"
    } else {
        "m5.large"
    }
    .into();
    c.instances[i].attributes = std::sync::Arc::new(map);
}

fn chooses_as_a_scan_does_replacing(keep: Keep, draws: Option<DrawPlan>, replace: bool) {
    let mut scan = cluster();
    if replace {
        for i in (0..60).step_by(7) {
            replace_attributes(&mut scan, i);
        }
    }
    let mut indexed = scan.clone();
    // The scan's instances each get their own copy of their attributes, so
    // memberOf is asked of each there, and once per group and zone (whose
    // instances share a map) in the indexed cluster.
    for inst in &mut scan.instances {
        inst.attributes = std::sync::Arc::new((*inst.attributes).clone());
    }
    indexed.index_instances_with(keep, draws);
    assert!(indexed.index.is_live() && !scan.index.is_live());
    let mut clusters = [scan, indexed];
    let mut drive = RngStreams::new(3).stream("drive");
    let (mut a, mut b): (SimRng, SimRng) = (
        RngStreams::new(9).stream("p"),
        RngStreams::new(9).stream("p"),
    );
    let all = strategies();
    let member = |e: &str| Constraint::MemberOf(Box::new(Expr::parse(e).unwrap()));
    let constraint_lists: Vec<Vec<Constraint>> = vec![
        vec![Constraint::DistinctInstance],
        vec![member("attribute:ecs.instance-type =~ m5.*")],
        vec![
            Constraint::DistinctInstance,
            member("attribute:ecs.availability-zone in [a, c] and agentConnected == true"),
        ],
        // Asked per instance: it reads the instance's tasks.
        vec![member(
            "attribute:ecs.instance-type != r5.large and runningTasksCount < 6",
        )],
    ];
    let mut placed: Vec<(u32, u32, (u32, u32))> = Vec::new();
    let (mut some, mut none) = (0, 0);
    for step in 0..4_000 {
        let shape = SHAPES[drive.random_range(0..SHAPES.len())];
        let ss = &all[drive.random_range(0..all.len())];
        let group = drive.random_range(0..4u32);
        let cs: &[Constraint] = if drive.random_bool(0.4) {
            &constraint_lists[drive.random_range(0..constraint_lists.len())]
        } else {
            &[]
        };
        let req = Request {
            cpu: shape.0,
            memory: shape.1,
            ports: &[],
            enis: 0,
            gpus: 0,
            arch: None,
            group,
            constraints: [cs, &[]],
            strategies: ss,
            only_instance: None,
            instance_group: None,
        };
        let got = choose(&clusters[0], &req, &mut a);
        assert_eq!(
            choose(&clusters[1], &req, &mut b),
            got,
            "step {step}: {ss:?} {shape:?} {cs:?}"
        );
        // What a retry asks before waking a queued task: "no instance has
        // the room" from the index, as a scan of the instances finds it
        // (and never "none" when a placement found one).
        let room = |c: &Cluster| {
            c.instances
                .iter()
                .any(|i| i.takes_tasks() && i.free_cpu() >= shape.0 && i.free_memory() >= shape.1)
        };
        assert_eq!(clusters[0].index.none_with_room(shape.0, shape.1), None);
        // 700/900 is no task definition's shape: the index cannot tell.
        let filed = SHAPES[..4].contains(&shape);
        assert_eq!(
            clusters[1].index.none_with_room(shape.0, shape.1),
            filed.then(|| !room(&clusters[1])),
            "step {step}: {shape:?}"
        );
        assert!(got.is_none() || room(&clusters[1]));
        assert_eq!(
            a.clone().next_u64(),
            b.clone().next_u64(),
            "step {step}: same draws"
        );
        match got {
            Some(i) => {
                some += 1;
                placed.push((i, group, shape));
                for c in &mut clusters {
                    book(c, i, group, shape, true);
                }
            }
            None => none += 1,
        }
        // Churn: free tasks (more when the cluster is full), drain and restore instances.
        let frees = if got.is_none() {
            5
        } else {
            drive.random_range(0..2)
        };
        for _ in 0..frees.min(placed.len()) {
            let (i, g, sh) = placed.swap_remove(drive.random_range(0..placed.len()));
            for c in &mut clusters {
                book(c, i, g, sh, false);
            }
        }
        if drive.random_bool(0.02) {
            let i = drive.random_range(0..60u32);
            for c in &mut clusters {
                let inst = &mut c.instances[i as usize];
                inst.status = match inst.status {
                    InstanceStatus::Active => InstanceStatus::Draining,
                    _ => InstanceStatus::Active,
                };
                c.refile(i);
            }
        }
    }
    assert!(
        clusters[1]
            .index
            .agrees_with(&clusters[1].instances, &clusters[1].groups)
    );
    assert!(some > 1_000 && none > 50, "placed {some}, refused {none}");
}

/// The index notes an instance under its attribute map when first filed
/// and drops it from placements by that map: one replaced afterwards (the
/// simulation sets a map before the instance joins) is caught by the check.
#[test]
fn a_map_replaced_after_filing_is_caught() {
    let mut c = cluster();
    c.index_instances_with(Keep::ALL, None);
    assert!(c.index.agrees_with(&c.instances, &c.groups));
    replace_attributes(&mut c, 5);
    assert!(!c.index.agrees_with(&c.instances, &c.groups));
}
