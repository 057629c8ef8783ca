//! A recorder may keep the minute's sample (`Recorder::take_sample`, how
//! `run` hands it to the timeseries' thread without a copy) and leave any
//! other in its place: the simulation rewrites every field of it, so what
//! the recorder is given is the same either way.

mod common;
use ecsim::model::{Cluster, Task};
use ecsim::scaling::Reading;
use ecsim::sim::{JobSample, LoadSample, ProviderSample, Recorder, Sample, ServiceSample, Sim};

/// The samples as read, and (`swap`) a stale sample of another shape left
/// in place of each one taken.
struct Samples {
    seen: Vec<String>,
    swap: bool,
}

impl Recorder for Samples {
    fn task_done(&mut self, _: &Cluster, _: &Task) {}
    fn sample(&mut self, s: &Sample) {
        self.seen.push(format!("{s:?}"));
    }
    fn take_sample(&mut self, s: &mut Sample) {
        self.sample(s);
        if self.swap {
            *s = stale(self.seen.len());
        }
    }
}

/// A sample no minute of these scenarios looks like: every field set,
/// every list longer or shorter than the cluster's.
fn stale(n: usize) -> Sample {
    Sample {
        time: u64::MAX - n as u64,
        instances: 999,
        cpu_reserved: 1,
        cpu_registered: 2,
        memory_reserved: 3,
        memory_registered: 4,
        gpus: Some((5, 6)),
        tasks_running: 7,
        tasks_pending: 8,
        services: vec![ServiceSample::default(); 1 + n % 40],
        jobs: vec![JobSample::default(); n % 5],
        loads: vec![
            LoadSample {
                reading: Reading::default(),
                scaling_actions: 9,
            };
            n % 7
        ],
        providers: vec![ProviderSample::default(); n % 3],
        incidents_open: Some(10),
    }
}

fn samples(file: &str, swap: bool) -> Vec<String> {
    let text = std::fs::read_to_string(common::repo().join("scenarios").join(file)).unwrap();
    // The first duration line is the scenario's: a few hours are enough.
    let (head, tail) = text.split_at(text.find("\nduration = ").unwrap() + 1);
    let tail = &tail[tail.find('\n').unwrap()..];
    let sc = common::scenario(&format!("{head}duration = \"5h\"{tail}"));
    let mut rec = Samples {
        seen: Vec::new(),
        swap,
    };
    Sim::new(&sc, sc.seed, &mut rec).run().unwrap();
    rec.seen
}

#[test]
fn a_sample_taken_is_rewritten_whole_the_next_minute() {
    for file in [
        "outage-spread.toml",
        "batch-wave.toml",
        "web-ec2.toml",
        "spot-heavy.toml",
        "mixed-fleet.toml",
    ] {
        let read = samples(file, false);
        assert!(read.len() >= 5 * 60, "{file}: {} samples", read.len());
        assert_eq!(samples(file, true), read, "{file}");
    }
}
