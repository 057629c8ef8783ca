//! One placement decision on clusters of 100, 1,000 and 10,000 instances at
//! about 70% fill, for binpack, spread(AZ)+binpack and distinctInstance.
//! `cargo bench --bench placement`; `-- --test` runs each once.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ecsim::engine::RngStreams;
use ecsim::model::Cluster;
use ecsim::placement::{self, Constraint, Request, Resource, SpreadField, Strategy};
use std::hint::black_box;

/// A cluster of `n` m5.xlarge over 3 zones, each instance ~70% reserved by
/// tasks of group 0, booked directly, then indexed as a simulation indexes
/// its cluster.
fn cluster(n: usize) -> Cluster {
    let text = format!(
        "name = \"b\"\nduration = \"1h\"\n[cluster]\navailability_zones = [\"a\", \"b\", \"c\"]\n[[instance_groups]]\nname = \"g\"\ninstance_type = \"m5.xlarge\"\ncount = {n}\n[[task_definitions]]\nfamily = \"t\"\ncpu = 512\nmemory = 1024\n[[services]]\nname = \"s\"\ntask_definition = \"t\"\ndesired_count = 0\n[[services]]\nname = \"fresh\"\ntask_definition = \"t\"\ndesired_count = 0\n"
    );
    let sc = ecsim::scenario::parse(std::path::Path::new("b.toml"), &text).unwrap();
    let mut c = sc.cluster;
    for i in 0..n {
        // 5 or 6 tasks of 512 units on 4096: 62-75% of CPU.
        let k = 5 + (i % 2) as u32;
        let inst = &mut c.instances[i];
        inst.used_cpu = 512 * k;
        inst.used_memory = 1024 * k;
        for _ in 0..k {
            c.join_group(0, i as u32);
        }
    }
    c.index_instances();
    c
}

fn bench(c: &mut Criterion) {
    let binpack = [Strategy::Binpack(Resource::Memory)];
    let spread = [
        Strategy::Spread(SpreadField::Attribute("ecs.availability-zone".into())),
        Strategy::Binpack(Resource::Memory),
    ];
    let distinct = [Constraint::DistinctInstance];
    let mut g = c.benchmark_group("placement");
    for n in [100usize, 1_000, 10_000] {
        let cl = cluster(n);
        let mut rng = RngStreams::new(1).stream("bench");
        // distinct_instance: group 0 already holds every instance, so the
        // answer is "nowhere"; distinct_instance_fresh: a group with no
        // task yet, so a uniform draw among every instance with room.
        for (name, group, strategies, constraints) in [
            ("binpack", 0, &binpack[..], &[][..]),
            ("spread_az_binpack", 0, &spread[..], &[][..]),
            ("distinct_instance", 0, &[][..], &distinct[..]),
            ("distinct_instance_fresh", 1, &[][..], &distinct[..]),
        ] {
            let req = Request {
                cpu: 512,
                memory: 1024,
                ports: &[],
                enis: 0,
                gpus: 0,
                arch: None,
                group,
                constraints: [constraints, &[]],
                strategies,
                only_instance: None,
                instance_group: None,
            };
            g.bench_with_input(BenchmarkId::new(name, n), &n, |b, _| {
                b.iter(|| black_box(placement::choose(&cl, &req, &mut rng)))
            });
        }
    }
    g.finish();
}

// No plots: criterion's plotters backend panics (FontUnavailable) on a
// machine without system fonts; the numbers are what matter here.
criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = bench
}
criterion_main!(benches);
