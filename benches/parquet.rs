//! Writing Parquet through the typed writers (`table::Rows`), without a
//! simulation: a wide timeseries like large.toml's (50 services with
//! demand, 515 columns) for two of its row groups' worth of minutes, and
//! tasks rows like its (text names, times, reservations). Each writes a
//! file into a temporary folder: cells into column buffers, encodings,
//! zstd. `cargo bench --bench parquet`; `-- --test` runs each once.
//! Throughput is in cells, so criterion prints cells/s.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ecsim::table::schema::{self, Present};
use ecsim::table::{Format, Rows};
use std::path::Path;

const SERVICES: usize = 50;
const MINUTES: u64 = 32_768;
const TASKS: u64 = 400_000;

/// A deterministic, noisy walk: the values a sample's series take.
fn noise(i: u64, j: u64) -> u64 {
    let mut x = i.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ j.wrapping_mul(0xc2b2_ae3d_27d4_eb4f);
    x ^= x >> 29;
    x % 200
}

fn timeseries_header() -> Vec<String> {
    let mut h = vec!["time_s".to_string(), "instances".to_string()];
    for s in 0..SERVICES {
        for c in schema::PER_SERVICE.iter().chain(schema::PER_LOAD) {
            h.push(format!("svc{s:02}_{}", c.name));
        }
    }
    h
}

fn timeseries(dir: &Path, header: &[String]) {
    let mut w = Rows::create(dir, "timeseries", Format::Parquet, header).unwrap();
    for i in 0..MINUTES {
        w.secs(i * 60_000);
        w.uint(2000 + noise(i, 0) / 50);
        for s in 0..SERVICES as u64 {
            let n = noise(i, s);
            for v in [10 + n / 40, 10 + n / 40, n % 3, 0] {
                w.uint(v);
            }
            let demand = 400.0 + 50.0 * ((i as f64) / 240.0).sin() + n as f64 / 60.0;
            w.fixed(demand, 3);
            w.fixed(demand, 3);
            w.fixed(40.0 + n as f64 / 20.0, 2);
            w.fixed(30.0 + n as f64 / 50.0, 2);
            w.fixed(1.0 + n as f64 / 400.0, 3);
            w.uint(n / 190);
        }
        w.end_row().unwrap();
    }
    w.finish().unwrap();
}

fn tasks(dir: &Path) {
    let header = schema::header(schema::TASKS, Present::default());
    let mut w = Rows::create(dir, "tasks", Format::Parquet, &header).unwrap();
    let names: Vec<String> = (0..SERVICES).map(|s| format!("svc{s:02}")).collect();
    let instances: Vec<String> = (0..2000).map(|i| format!("i-{i:017x}")).collect();
    for t in 0..TASKS {
        let n = noise(t, 1);
        let created = t * 3_700 + n * 1_000;
        w.uint(t + 1);
        w.raw(&names[(n % 50) as usize]);
        w.raw(["small", "medium", "large"][(n % 3) as usize]);
        w.raw("EC2");
        w.raw(&instances[(t * 7 % 2000) as usize]);
        w.raw(["us-east-1a", "us-east-1b", "us-east-1c"][(n % 3) as usize]);
        w.secs(created);
        w.secs(created + 9_000 + n * 17);
        w.secs(created + 600_000 + n * 4_001);
        w.raw("ServiceSchedulerInitiated");
        w.secs(0);
        w.raw("service");
        w.secs(created);
        w.raw("ServiceSchedulerInitiated");
        w.raw("STOPPED");
        w.uint(256 << (n % 3));
        w.uint(512 << (n % 3));
        w.uint(0);
        w.uint(0);
        w.end_row().unwrap();
    }
    w.finish().unwrap();
}

fn parquet(c: &mut Criterion) {
    let mut g = c.benchmark_group("parquet");
    g.sample_size(10);
    let header = timeseries_header();
    g.throughput(Throughput::Elements(MINUTES * header.len() as u64));
    g.bench_function("timeseries_wide", |b| {
        b.iter(|| timeseries(tempfile::tempdir().unwrap().path(), &header))
    });
    g.throughput(Throughput::Elements(
        TASKS * schema::header(schema::TASKS, Present::default()).len() as u64,
    ));
    g.bench_function("tasks", |b| {
        b.iter(|| tasks(tempfile::tempdir().unwrap().path()))
    });
    g.finish();
}

// No plots: criterion's plotters backend panics on a machine without fonts.
criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = parquet
}
criterion_main!(benches);
