//! Whole simulations, without writing files: the quickstart week, the
//! large week (2,000 instances, 50 services, > 100,000 tasks), the M/M/c
//! peer model (benches/peer/mmc.toml) cut to 27 days, and a cluster that
//! cannot keep up (benches/overload.toml) for 50, 100 and 200 days, whose
//! time must grow linearly with the days.
//! `cargo bench --bench end_to_end`; `-- --test` runs each once as a smoke test.
//! Throughput is reported in events, so criterion prints events/s.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ecsim::model::{Cluster, Task};
use ecsim::scenario::Scenario;
use ecsim::sim::{Recorder, Sample, Sim};
use std::hint::black_box;

struct Null;
impl Recorder for Null {
    fn task_done(&mut self, _: &Cluster, _: &Task) {}
    fn sample(&mut self, _: &Sample) {}
    // As `ecsim price` and `run`: no state change is watched.
    fn wants_transitions(&self) -> bool {
        false
    }
}

fn simulate(sc: &Scenario) -> u64 {
    let mut rec = Null;
    let (o, _) = Sim::new(sc, sc.seed, &mut rec)
        .with_invariant_checks(false)
        .run()
        .unwrap();
    o.events_processed
}

fn end_to_end(c: &mut Criterion) {
    let mut g = c.benchmark_group("end_to_end");
    g.sample_size(10);
    for (id, file) in [("quickstart_7d", "quickstart"), ("large_7d", "large")] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios")
            .join(format!("{file}.toml"));
        let sc = ecsim::scenario::load(&path).unwrap();
        g.throughput(Throughput::Elements(simulate(&sc)));
        g.bench_function(id, |b| b.iter(|| black_box(simulate(&sc))));
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/peer/mmc.toml");
    let mut mmc = ecsim::scenario::load(&path).unwrap();
    mmc.duration = 27 * 24 * 60 * 60 * 1000;
    g.throughput(Throughput::Elements(simulate(&mmc)));
    g.bench_function("mmc_27d", |b| b.iter(|| black_box(simulate(&mmc))));
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/overload.toml");
    let base = ecsim::scenario::load(&path).unwrap();
    for days in [50, 100, 200] {
        let mut sc = base.clone();
        sc.duration = days * 24 * 60 * 60 * 1000;
        g.throughput(Throughput::Elements(simulate(&sc)));
        g.bench_function(format!("overload_{days}d"), |b| {
            b.iter(|| black_box(simulate(&sc)))
        });
    }
    g.finish();
}

// No plots: criterion's plotters backend panics (FontUnavailable) on a
// machine without system fonts; the numbers are what matter here.
criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = end_to_end
}
criterion_main!(benches);
