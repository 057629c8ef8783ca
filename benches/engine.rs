//! Engine ceiling and a whole quickstart run. `cargo bench --bench engine`;
//! `cargo bench --bench engine -- --test` runs each once as a smoke test.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use ecsim::engine::EventQueue;
use ecsim::model::{Cluster, Task};
use ecsim::sim::{Recorder, Sample, Sim};
use std::hint::black_box;

struct Null;
impl Recorder for Null {
    fn task_done(&mut self, _: &Cluster, _: &Task) {}
    fn sample(&mut self, _: &Sample) {}
}

fn engine(c: &mut Criterion) {
    const N: u64 = 100_000;
    let mut g = c.benchmark_group("engine");
    g.throughput(Throughput::Elements(N));
    g.bench_function("schedule_pop_100k", |b| {
        b.iter_batched(
            EventQueue::<u64>::new,
            |mut q| {
                // A steady-state queue of 1,000 pending timers, as in a busy cluster.
                for i in 0..1_000 {
                    q.schedule_in(i * 7 % 1_000, i);
                }
                for i in 0..N {
                    let (_, e) = q.pop().unwrap();
                    q.schedule_in((e * 7919 + i) % 10_000, e);
                }
                black_box(q.now())
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

fn quickstart(c: &mut Criterion) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.toml");
    let sc = ecsim::scenario::load(&path).unwrap();
    let mut g = c.benchmark_group("end_to_end");
    g.sample_size(20);
    g.bench_function("quickstart_7d", |b| {
        b.iter(|| {
            let mut rec = Null;
            let (o, _) = Sim::new(&sc, sc.seed, &mut rec)
                .with_invariant_checks(false)
                .run()
                .unwrap();
            black_box(o.events_processed)
        })
    });
    g.finish();
}

criterion_group!(benches, engine, quickstart);
criterion_main!(benches);
