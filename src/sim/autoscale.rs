//! Each minute: every service with demand gets its reading, publishes a
//! datapoint, and its scaling policies may change its desired count. A
//! service whose target tracking follows a HighResolution metric is also
//! read every 20 s in between.

use super::{Ev, Sim};
use crate::engine::SimTime;
use crate::engine::time::MINUTE;
use crate::scaling::policy::Ask;
use crate::scaling::{Decision, HIGH_RESOLUTION_PERIOD};

impl Sim<'_> {
    /// Arms the scheduled scaling actions.
    pub(super) fn schedule_scaling(&mut self) {
        for (s, svc) in self.cluster.services.iter().enumerate() {
            let Some(a) = &svc.autoscaling else { continue };
            for (i, act) in a.scheduled.iter().enumerate() {
                if act.first < self.cfg.duration {
                    self.queue
                        .schedule_at(act.first, Ev::ScheduledScaling(s as u32, i as u32));
                }
            }
        }
    }

    pub(super) fn on_scheduled_scaling(&mut self, s: u32, i: u32) {
        let now = self.now();
        let svc = &mut self.cluster.services[s as usize];
        let Some(a) = &svc.autoscaling else { return };
        let act = a.scheduled[i as usize].clone();
        if let Some(every) = act.every
            && now + every < self.cfg.duration
        {
            self.queue
                .schedule_at(now + every, Ev::ScheduledScaling(s, i));
        }
        let from = svc.desired;
        let to = svc.scaling.apply_schedule(&act, from);
        let reason = format!(
            "scheduled action: min {} max {}",
            svc.scaling.min, svc.scaling.max
        );
        let target = self.cluster.services[s as usize].name.clone();
        self.change_desired(
            s,
            Decision {
                time: now,
                target_kind: "service",
                target,
                policy: "scheduled",
                from,
                to,
                metric: None,
                value: 0.0,
                threshold: 0.0,
                reason,
            },
        );
    }

    /// Tasks that take the service's traffic: behind a load balancer only
    /// those whose target passed its health checks (`healthy_threshold` ×
    /// `health_check_interval` after RUNNING, "Health checks for
    /// Application Load Balancer target groups"), so a scale-out serves
    /// once its targets are healthy, not at RUNNING; without one, every
    /// RUNNING task.
    fn serving(&self, s: u32) -> u64 {
        let svc = &self.cluster.services[s as usize];
        if svc.load_balancer.is_none() {
            return svc.stats.running.get();
        }
        svc.active.iter().filter(|&&k| self.healthy(s, k)).count() as u64
    }

    /// The minute starting `now`.
    pub(super) fn scaling_tick(&mut self, now: SimTime) {
        let explain = self.rec.wants_reasons();
        let measured = self.measure.counts(now);
        let mut high_resolution = false;
        for s in 0..self.cluster.services.len() {
            if self.cluster.services[s].workload.is_none() {
                continue;
            }
            let serving = self.serving(s as u32);
            let svc = &mut self.cluster.services[s];
            let Some(w) = &svc.workload else { continue };
            let running = serving;
            let demand = w.demand.minute(now, &mut self.rng.demand[s]);
            let r = match &w.queue {
                Some(q) => super::queues::minute(w, q, &svc.load, demand, running),
                None => w.read(demand, running),
            };
            let load = &mut svc.load;
            load.last = r;
            load.minutes += 1;
            load.cpu_pct_sum += r.cpu_pct;
            // Demand during the warm-up is not counted as served or not.
            if measured {
                load.demand_requests += r.demand_rps * 60.0;
                load.served_requests += r.served_rps * 60.0;
                if r.served_rps + 1e-9 < r.demand_rps {
                    load.minutes_overloaded += 1;
                }
            }
            let Some(a) = &svc.autoscaling else {
                // Deployment alarms read the service's datapoints too,
                // published a minute after the minute ends.
                if svc.deploy_config.alarms.is_some() && (running > 0 || w.queue.is_some()) {
                    svc.scaling.publish(now, MINUTE, r);
                }
                continue;
            };
            // ECS publishes service metrics only while a task is RUNNING;
            // a queue's metrics come from SQS, tasks or not.
            if running > 0 || w.queue.is_some() {
                svc.scaling.publish(now, a.publication_delay, r);
                // The minute's first 20 s read as the minute does.
                if a.high_resolution() {
                    svc.scaling.publish_high_resolution(
                        now,
                        a.high_resolution_publication_delay,
                        r,
                    );
                }
            }
            high_resolution |= a.high_resolution();
            let desired = svc.desired;
            if let Some(ask) = svc.scaling.evaluate(a, now, desired, explain) {
                self.decide(s as u32, desired, ask);
            }
        }
        self.watch_deployment_alarms(now);
        // The 20-second readings in between, only while such a service
        // exists: every other run keeps its one event a minute.
        if high_resolution {
            let mut t = now + HIGH_RESOLUTION_PERIOD;
            while t < now + MINUTE && t < self.cfg.duration {
                self.queue.schedule_at(t, Ev::HighResolution);
                t += HIGH_RESOLUTION_PERIOD;
            }
        }
    }

    /// A 20-second period starting `now`, inside a minute: services whose
    /// target tracking follows a HighResolution metric are read with the
    /// tasks serving now ("Faster auto scaling with high-resolution
    /// metrics": their metric is published every 20 s) and their target
    /// tracking evaluated. The demand is the rate at `now`; with Poisson
    /// noise, the minute's drawn rate (a draw per 20 s would shift every
    /// later minute's draws).
    pub(super) fn high_resolution_tick(&mut self, now: SimTime) {
        let explain = self.rec.wants_reasons();
        for s in 0..self.cluster.services.len() {
            let svc = &self.cluster.services[s];
            if !svc
                .autoscaling
                .as_ref()
                .is_some_and(|a| a.high_resolution())
            {
                continue;
            }
            let running = self.serving(s as u32);
            let svc = &mut self.cluster.services[s];
            let (Some(w), Some(a)) = (&svc.workload, &svc.autoscaling) else {
                continue;
            };
            let demand = if w.demand.poisson_noise {
                svc.load.last.demand_rps
            } else {
                w.demand.rate_at(now)
            };
            if running > 0 {
                // A queue-fed service reads as its minute did: the backlog
                // is counted once a minute.
                let r = if w.queue.is_some() {
                    svc.load.last
                } else {
                    w.read(demand, running)
                };
                svc.scaling
                    .publish_high_resolution(now, a.high_resolution_publication_delay, r);
            }
            let desired = svc.desired;
            if let Some(ask) = svc
                .scaling
                .evaluate_high_resolution(a, now, desired, explain)
            {
                self.decide(s as u32, desired, ask);
            }
        }
    }

    /// Applies what a policy of service `s` asked for.
    fn decide(&mut self, s: u32, desired: u32, ask: Ask) {
        let d = Decision {
            time: self.now(),
            target_kind: "service",
            target: self.cluster.services[s as usize].name.clone(),
            policy: ask.policy,
            from: desired,
            to: ask.to,
            metric: Some(ask.metric),
            value: ask.value,
            threshold: ask.threshold,
            reason: ask.reason,
        };
        self.change_desired(s, d);
    }

    fn change_desired(&mut self, s: u32, d: Decision) {
        let svc = &mut self.cluster.services[s as usize];
        if d.to == svc.desired {
            return;
        }
        let now = self.queue.now();
        svc.load.desired_changed(now, svc.desired, d.to);
        svc.desired = d.to;
        svc.load.scaling_actions += 1;
        self.rec.scaling(&self.cluster, &d);
        self.reconcile(s);
    }
}
