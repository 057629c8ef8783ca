//! Spreading evenly over zones again after some were lost: ECS's
//! Availability Zone rebalancing of a service ("Balancing an Amazon ECS
//! service across Availability Zones": start tasks in the zones with fewest,
//! stop the excess in the zones with most) and the Auto Scaling group's
//! AZRebalance process (launch in the zone with fewest instances first,
//! then terminate one in the zone with most). Without them a service spread
//! over three zones stays 3/0/3 after an outage ends.

use super::Sim;
use crate::engine::SimTime;
use crate::model::{InstanceStatus, Owner, SchedulingStrategy, StopReason, TaskState};

/// Zones are even when no two differ by more than one.
fn even(counts: &[(u32, u32)]) -> bool {
    let most = counts.iter().map(|c| c.1).max().unwrap_or(0);
    let least = counts.iter().map(|c| c.1).min().unwrap_or(0);
    most <= least + 1
}

impl Sim<'_> {
    /// Once a minute: one step of each rebalancing under way, and the
    /// zone outages whose services and groups are even again.
    pub(super) fn rebalance_tick(&mut self, now: SimTime) {
        for g in 0..self.cluster.templates.len() as u32 {
            self.rebalance_group(g);
        }
        for s in 0..self.cluster.services.len() as u32 {
            self.rebalance_service(s);
        }
        let pending = self
            .incidents
            .iter()
            .any(|i| i.kind == "az_outage" && i.balanced.is_none() && i.end <= now);
        if pending && self.all_even() {
            for inc in self.incidents.iter_mut() {
                if inc.kind == "az_outage" && inc.balanced.is_none() && inc.end <= now {
                    inc.balanced = Some(now);
                }
            }
        }
    }

    /// Every group and every service that spreads over zones (whether or
    /// not it rebalances) is even: what "balanced again" means.
    fn all_even(&self) -> bool {
        use crate::placement::{SpreadField, Strategy};
        let groups = (0..self.cluster.templates.len() as u32).all(|g| even(&self.group_zones(g)));
        let services = (0..self.cluster.services.len() as u32)
            .filter(|&s| {
                let svc = &self.cluster.services[s as usize];
                let spread = svc.capacity.is_fargate()
                    || matches!(svc.strategies.first(),
                        Some(Strategy::Spread(SpreadField::Attribute(a))) if a == "ecs.availability-zone");
                spread && svc.scheduling == SchedulingStrategy::Replica
            })
            .all(|s| even(&self.service_zones(s)));
        groups && services
    }

    /// (zone, instances launching or active) over the group's zones that are up.
    fn group_zones(&self, g: u32) -> Vec<(u32, u32)> {
        let c = &self.cluster;
        c.templates[g as usize]
            .zones
            .iter()
            .filter(|&&z| !self.az_down[z as usize])
            .map(|&z| {
                let n = c
                    .instances
                    .iter()
                    .filter(|i| {
                        i.group == g
                            && i.az == z
                            && matches!(
                                i.status,
                                InstanceStatus::Active | InstanceStatus::Launching
                            )
                    })
                    .count();
                (z, n as u32)
            })
            .collect()
    }

    /// (zone, the service's tasks placed there) over the zones that are up
    /// and can hold its tasks (Fargate: every zone; EC2: a zone with an
    /// active instance).
    fn service_zones(&self, s: u32) -> Vec<(u32, u32)> {
        let c = &self.cluster;
        let svc = &c.services[s as usize];
        let fargate = svc.capacity.is_fargate();
        let mut counts: Vec<(u32, u32)> = (0..c.azs.len() as u32)
            .filter(|&z| !self.az_down[z as usize])
            .filter(|&z| {
                fargate
                    || c.instances
                        .iter()
                        .any(|i| i.az == z && i.status == InstanceStatus::Active)
            })
            .map(|z| (z, 0))
            .collect();
        for &k in &svc.active {
            let t = &c.tasks[k];
            let z = match t.instance {
                Some(i) => Some(c.instances[i as usize].az),
                None => t.az,
            };
            if let Some(e) = z.and_then(|z| counts.iter_mut().find(|e| e.0 == z)) {
                e.1 += 1;
            }
        }
        counts
    }

    /// AZRebalance: launch one instance in the zone with fewest; once it
    /// is up, drain one from the zone with most (the emptiest there).
    fn rebalance_group(&mut self, g: u32) {
        let c = &self.cluster;
        if !c.templates[g as usize].az_rebalance {
            return;
        }
        let launching = c
            .instances
            .iter()
            .any(|i| i.group == g && i.status == InstanceStatus::Launching);
        if launching {
            return;
        }
        let zones = self.group_zones(g);
        if self.group_rebalancing[g as usize] {
            self.group_rebalancing[g as usize] = false;
            let Some(&(most, _)) = zones.iter().max_by_key(|z| (z.1, std::cmp::Reverse(z.0)))
            else {
                return;
            };
            let busy = |i: usize| {
                c.instances[i]
                    .tasks
                    .iter()
                    .filter(|&&t| c.tasks[t].target_instance.is_none())
                    .count()
            };
            let victim = (0..c.instances.len())
                .filter(|&i| {
                    let x = &c.instances[i];
                    x.group == g && x.az == most && x.status == InstanceStatus::Active
                })
                .min_by_key(|&i| (busy(i), std::cmp::Reverse(i)));
            if let Some(i) = victim {
                self.group_desired[g as usize] = self.group_desired[g as usize].saturating_sub(1);
                self.drain(&[i as u32]);
            }
            return;
        }
        if zones.len() > 1 && !even(&zones) {
            // asg_reconcile launches in the up zone with fewest.
            self.group_desired[g as usize] += 1;
            self.group_rebalancing[g as usize] = true;
            self.asg_reconcile(g);
        }
    }

    /// ECS's rebalancing of a service at rest (every task RUNNING, no
    /// deployment): one extra task is started in a zone with fewest, within
    /// maximumPercent; once it runs, the scheduler's scale-in stops one
    /// (the service's strategies in reverse take it from the fullest zone).
    fn rebalance_service(&mut self, s: u32) {
        let c = &self.cluster;
        let svc = &c.services[s as usize];
        if !svc.az_rebalancing
            || svc.scheduling != SchedulingStrategy::Replica
            || svc.deployment.is_some()
        {
            return;
        }
        if let Some((key, serial)) = svc.rebalance {
            let live = c
                .tasks
                .get(key)
                .filter(|t| t.serial == serial && t.desired_running);
            match live {
                Some(t) if t.state != TaskState::Running => {}
                _ => {
                    // Running (the excess goes now) or gone (tried again).
                    self.cluster.services[s as usize].rebalance = None;
                    self.reconcile(s);
                }
            }
            return;
        }
        let desired = svc.desired;
        let at_rest = svc.active.len() as u32 == desired
            && desired > 0
            && svc.active.iter().all(|&k| {
                let t = &c.tasks[k];
                t.state == TaskState::Running
                    && t.instance
                        .is_none_or(|i| c.instances[i as usize].status == InstanceStatus::Active)
            });
        if !at_rest || desired + 1 > svc.deploy_config.max_total(desired) {
            return;
        }
        let zones = self.service_zones(s);
        if zones.len() < 2 || even(&zones) {
            return;
        }
        let least = zones.iter().map(|z| z.1).min().unwrap_or(0);
        let (taskdef, group, fargate) = (svc.taskdef, svc.group, svc.capacity.is_fargate());
        let td = &c.taskdefs[taskdef as usize];
        // Only when a zone with fewest has room: otherwise the new task
        // would land where it does not help (and be stopped every minute).
        let room = fargate
            || zones.iter().filter(|z| z.1 == least).any(|&(z, _)| {
                c.instances.iter().any(|i| {
                    i.az == z
                        && i.status == InstanceStatus::Active
                        && i.fits(td.cpu, td.memory, &td.host_ports)
                })
            });
        if !room {
            return;
        }
        self.launch(Owner::Service(s), taskdef, group, None, None);
        // A service's launch always makes a task, the newest it lists.
        let Some(&key) = self.cluster.services[s as usize].active.last() else {
            return;
        };
        let t = &self.cluster.tasks[key];
        let zone = match t.instance {
            Some(i) => Some(self.cluster.instances[i as usize].az),
            None => t.az,
        };
        let helps = zone.is_some_and(|z| zones.iter().any(|e| e.0 == z && e.1 == least));
        let serial = t.serial;
        if helps {
            self.cluster.services[s as usize].rebalance = Some((key, serial));
        } else {
            self.stop(key, StopReason::ScaleIn);
        }
    }
}
