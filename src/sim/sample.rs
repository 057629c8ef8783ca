//! The per-minute sample: what the timeseries table and the tests read of
//! the cluster each minute, typed (a struct per service, job, load and
//! provider, in the cluster's order).

use super::Sim;
use crate::engine::SimTime;

/// One per-minute reading of the cluster.
#[derive(Debug, Clone, Default)]
pub struct Sample {
    pub time: SimTime,
    pub instances: u32,
    pub cpu_reserved: u64,
    pub cpu_registered: u64,
    pub memory_reserved: u64,
    pub memory_registered: u64,
    /// (reserved, registered) GPUs; `None` when no instance group has any.
    pub gpus: Option<(u64, u64)>,
    pub tasks_running: u64,
    pub tasks_pending: u64,
    /// Per service, in the cluster's order.
    pub services: Vec<ServiceSample>,
    /// Per job.
    pub jobs: Vec<JobSample>,
    /// Per service with demand: its reading this minute and scaling actions so far.
    pub loads: Vec<LoadSample>,
    /// Per Auto Scaling group provider.
    pub providers: Vec<ProviderSample>,
    /// Incidents not yet recovered from; `None` when the scenario has no faults.
    pub incidents_open: Option<u32>,
}

/// A service's counts in a sample (timeseries' `<service>_…` columns).
#[derive(Debug, Clone, Copy, Default)]
pub struct ServiceSample {
    pub desired: u32,
    pub running: u64,
    pub pending: u32,
    /// Tasks of the desired count not created yet: a quota or the
    /// throttle holding them back.
    pub waiting_to_launch: u32,
}

/// A job's counts in a sample.
#[derive(Debug, Clone, Copy, Default)]
pub struct JobSample {
    pub running: u64,
    pub pending: u32,
}

/// A service with demand in a sample.
#[derive(Debug, Clone, Copy)]
pub struct LoadSample {
    pub reading: crate::scaling::Reading,
    pub scaling_actions: u64,
}

/// An Auto Scaling group provider in a sample.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProviderSample {
    pub instances: u32,
    /// CapacityProviderReservation, percent.
    pub reservation_pct: f64,
}

impl Sim<'_> {
    pub(super) fn take_sample(&mut self) {
        let c = &self.cluster;
        let s = &mut self.sample;
        s.time = self.queue.now();
        s.instances = c.live_instances.iter().sum();
        s.cpu_reserved = c.used_cpu;
        s.cpu_registered = c.registered_cpu;
        s.memory_reserved = c.used_memory;
        s.memory_registered = c.registered_memory;
        s.gpus = c.has_gpus().then_some((c.used_gpus, c.registered_gpus));
        s.services.clear();
        s.services.extend(c.services.iter().map(|x| ServiceSample {
            desired: x.desired,
            running: x.stats.running.get(),
            pending: x.stats.starting,
            waiting_to_launch: x.desired.saturating_sub(x.active.len() as u32),
        }));
        s.incidents_open = (!self.fault.list.is_empty()).then(|| {
            self.fault.incidents[self.fault.first_open..]
                .iter()
                .filter(|i| i.recovered.is_none())
                .count() as u32
        });
        s.providers.clear();
        s.providers
            .extend(c.providers.iter().map(|p| ProviderSample {
                instances: c.live_instances.get(p.group as usize).copied().unwrap_or(0),
                reservation_pct: p.reservation,
            }));
        s.loads.clear();
        s.loads.extend(
            c.services
                .iter()
                .filter(|x| x.workload.is_some())
                .map(|x| LoadSample {
                    reading: x.load.last,
                    scaling_actions: x.load.scaling_actions,
                }),
        );
        s.jobs.clear();
        s.jobs.extend(c.jobs.iter().map(|x| JobSample {
            running: x.stats.running.get(),
            pending: x.stats.starting,
        }));
        s.tasks_running = s.services.iter().map(|x| x.running).sum::<u64>()
            + s.jobs.iter().map(|x| x.running).sum::<u64>();
        s.tasks_pending = s.services.iter().map(|x| u64::from(x.pending)).sum::<u64>()
            + s.jobs.iter().map(|x| u64::from(x.pending)).sum::<u64>();
        self.rec.take_sample(&mut self.sample);
    }
}
