//! The engine ceiling: schedule and pop trivial events (whole runs are in
//! `end_to_end.rs`). `cargo bench --bench engine`;
//! `cargo bench --bench engine -- --test` runs each once as a smoke test.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use ecsim::engine::EventQueue;
use std::hint::black_box;

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

// No plots: criterion's plotters backend panics (FontUnavailable) on a
// machine without system fonts; the numbers are what matter here.
criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = engine
}
criterion_main!(benches);
