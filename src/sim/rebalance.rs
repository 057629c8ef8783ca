//! Spreading evenly over zones again after some were lost: ECS's
//! Availability Zone rebalancing of a service ("Balancing an Amazon ECS
//! service across Availability Zones": start tasks in the zones with fewest,
//! stop the excess in the zones with most) and the Auto Scaling group's
//! AZRebalance process (launch in the zone with fewest instances first,
//! then terminate one in the zone with most). Without them a service spread
//! over three zones stays 3/0/3 after an outage ends.

use super::Sim;
use super::parts::{FleetPrint, ServicePrint};
use crate::engine::SimTime;
use crate::engine::time::MINUTE;

/// How often zones are looked at: ECS and the Auto Scaling group rebalance
/// in the background, not within the minute; every minute was 10% of a
/// large, busy run.
pub(super) const EVERY: SimTime = 5 * MINUTE;
use super::launch::request_of;
use crate::model::{InstanceStatus, Owner, SchedulingStrategy, StopReason, TaskState};
use crate::placement;

/// Per group, instances launching or active per zone and whether one is
/// launching.
struct Census {
    per_group: Vec<Vec<u32>>,
    launching: Vec<bool>,
}

/// Zones are even when no two differ by more than one.
fn even(counts: &[(u32, u32)]) -> bool {
    let most = counts.iter().map(|c| c.1).max().unwrap_or(0);
    let least = counts.iter().map(|c| c.1).min().unwrap_or(0);
    most <= least + 1
}

impl Sim<'_> {
    /// Every `EVERY`: one step of each rebalancing under way, and the zone
    /// outages whose services and groups are even again.
    pub(super) fn rebalance_tick(&mut self, now: SimTime) {
        // Zones change only when instances or tasks do: what was found even
        // (or beyond help) is not looked at again until then. A walk over
        // every instance and task each minute tripled a large run.
        let fleet = self.fleet_print();
        let mut census: Option<Census> = None;
        if self.groups.rebalance_seen.fleet != fleet {
            let now_census = self.census();
            let mut settled = true;
            for g in 0..self.cluster.templates.len() as u32 {
                settled &= self.rebalance_group(g, &now_census);
            }
            census = Some(now_census);
            if settled {
                self.groups.rebalance_seen.fleet = fleet;
            }
        }
        self.groups
            .rebalance_seen
            .services
            .resize(self.cluster.services.len(), None);
        for s in 0..self.cluster.services.len() as u32 {
            let stats = &self.cluster.services[s as usize].stats;
            let print = ServicePrint {
                launched: stats.launched,
                stopped: stats.stopped,
                fleet,
            };
            if self.groups.rebalance_seen.services[s as usize] == Some(print) {
                continue;
            }
            if self.rebalance_service(s) {
                self.groups.rebalance_seen.services[s as usize] = Some(print);
            }
        }
        let over = |s: &Self, i: usize| s.fault.incidents[i].end <= now;
        let pending = self.fault.unbalanced.iter().any(|&i| over(self, i));
        if pending && self.all_even(&mut census) {
            let list = std::mem::take(&mut self.fault.unbalanced);
            for i in list {
                if over(self, i) {
                    self.fault.incidents[i].balanced = Some(now);
                } else {
                    self.fault.unbalanced.push(i);
                }
            }
        }
    }

    /// Every group and every service that spreads over zones (whether or
    /// not it rebalances) is even: what "balanced again" means.
    /// What the zones' instances depend on: their number, the capacity
    /// registered (an instance up or gone), draining ones, zones down.
    fn fleet_print(&self) -> FleetPrint {
        let c = &self.cluster;
        let down = self
            .fault
            .az_down
            .iter()
            .enumerate()
            .fold(0u64, |m, (i, &d)| m | (u64::from(d) << (i % 64)));
        FleetPrint {
            instances: c.instances.len() as u64,
            registered_cpu: c.registered_cpu,
            draining: c.draining,
            zones_down: down,
        }
    }

    /// A snapshot of the cluster's counts by status (`StatusCounts`).
    fn census(&self) -> Census {
        let c = &self.cluster;
        let counts = &c.status_counts;
        let (zones, groups) = (c.azs.len() as u32, c.templates.len() as u32);
        Census {
            per_group: (0..groups)
                .map(|g| (0..zones).map(|z| counts.up_in(g, z)).collect())
                .collect(),
            launching: (0..groups).map(|g| counts.launching_in(g) > 0).collect(),
        }
    }

    /// (zone, instances) over the group's zones that are up.
    fn zones_of(&self, g: u32, census: &Census) -> Vec<(u32, u32)> {
        self.cluster.templates[g as usize]
            .zones
            .iter()
            .filter(|&&z| !self.fault.az_down[z as usize])
            .map(|&z| (z, census.per_group[g as usize][z as usize]))
            .collect()
    }

    fn all_even(&self, census: &mut Option<Census>) -> bool {
        use crate::placement::{SpreadField, Strategy};
        let census = census.get_or_insert_with(|| self.census());
        let groups =
            (0..self.cluster.templates.len() as u32).all(|g| even(&self.zones_of(g, census)));
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

    /// (zone, the service's tasks placed there) over the zones that are up
    /// and that it may use (`usable_zones`): a zone its constraints exclude
    /// is no zone to balance over ("Balancing an Amazon ECS service across
    /// Availability Zones").
    fn service_zones(&self, s: u32) -> Vec<(u32, u32)> {
        let c = &self.cluster;
        let svc = &c.services[s as usize];
        let usable = self.usable_zones(s);
        let mut counts: Vec<(u32, u32)> = (0..c.azs.len() as u32)
            .filter(|&z| !self.fault.az_down[z as usize] && usable[z as usize])
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

    /// Per zone, whether the service may run tasks there. Fargate: every
    /// zone (ecsim gives a service no subnets, so the cluster's zones are
    /// its subnets' zones). EC2: a zone with an ACTIVE instance that the
    /// task definition's and the service's constraints accept and its
    /// tasks fit, on the instance groups of its capacity providers.
    fn usable_zones(&self, s: u32) -> Vec<bool> {
        let c = &self.cluster;
        let svc = &c.services[s as usize];
        let zones = c.azs.len();
        if svc.capacity.is_fargate() {
            return vec![true; zones];
        }
        let mut usable = vec![false; zones];
        for i in 0..svc.capacity.len() {
            let share = svc.capacity.share(i);
            if share.capacity.is_fargate() {
                continue;
            }
            let asg_group = share.asg.map(|a| c.providers[a as usize].group);
            let req = request_of(c, Owner::Service(s), svc.taskdef, svc.group, asg_group);
            for t in &c.templates {
                for &z in &t.zones {
                    if !usable[z as usize]
                        && c.status_counts.active_in_group(t.group, z) > 0
                        && placement::group_zone_may_host(c, &req, t.group, z)
                    {
                        usable[z as usize] = true;
                    }
                }
            }
        }
        usable
    }

    /// AZRebalance: launch one instance in the zone with fewest; once it
    /// is up, drain one from the zone with most (the emptiest there).
    /// Whether the group is settled: nothing under way and even (or not
    /// rebalancing).
    fn rebalance_group(&mut self, g: u32, census: &Census) -> bool {
        let c = &self.cluster;
        // Behind a capacity provider ECS managed scaling sets the group's
        // size and picks what goes (from the fullest zone); a rebalance
        // there fought it, launching and draining hundreds of instances a
        // week in large.toml.
        // A weighted group's size is in units, its zones' in instances:
        // ecsim does not rebalance one (said in docs/scenario-format.md).
        let t = &c.templates[g as usize];
        if !t.az_rebalance || t.weighted() || c.providers.iter().any(|p| p.group == g) {
            return true;
        }
        if census.launching[g as usize] {
            return false;
        }
        let zones = self.zones_of(g, census);
        if self.groups.rebalancing[g as usize] {
            self.groups.rebalancing[g as usize] = false;
            let Some(&(most, _)) = zones.iter().max_by_key(|z| (z.1, std::cmp::Reverse(z.0)))
            else {
                return false;
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
                self.groups.desired[g as usize] = self.groups.desired[g as usize].saturating_sub(1);
                self.drain(&[i as u32]);
            }
            return false;
        }
        let have: u32 = census.per_group[g as usize].iter().sum();
        if zones.len() > 1 && !even(&zones) && have == self.groups.desired[g as usize] {
            // In the zone with fewest (a group above its desired size is
            // shrinking: no rebalancing then).
            let Some(&(fewest, _)) = zones.iter().min_by_key(|z| (z.1, z.0)) else {
                return true;
            };
            self.groups.desired[g as usize] += 1;
            self.launch_one(g, fewest);
            self.groups.rebalancing[g as usize] = true;
            return false;
        }
        true
    }

    /// ECS's rebalancing of a service at rest (every task RUNNING, no
    /// deployment): one extra task is started in a zone with fewest, within
    /// maximumPercent; once it runs, the scheduler's scale-in stops one
    /// (the service's strategies in reverse take it from the fullest zone).
    /// Whether the service is settled (even, not rebalancing, or beyond
    /// help until something changes); false while a step is under way or
    /// its tasks are not yet at rest.
    fn rebalance_service(&mut self, s: u32) -> bool {
        let c = &self.cluster;
        let svc = &c.services[s as usize];
        if !svc.az_rebalancing
            || svc.scheduling != SchedulingStrategy::Replica
            || svc.deployment.is_some()
        {
            return svc.deployment.is_none();
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
            return false;
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
        if !at_rest {
            return false;
        }
        if desired + 1 > svc.deploy_config.max_total(desired) {
            return true;
        }
        let zones = self.service_zones(s);
        if zones.len() < 2 || even(&zones) {
            return true;
        }
        let least = zones.iter().map(|z| z.1).min().unwrap_or(0);
        let fewest = |z: u32| zones.iter().any(|e| e.0 == z && e.1 == least);
        // The extra task starts only where it helps: placement is asked
        // first, with the draw it would make, and a task that would land in
        // a zone that is not among the fewest, or nowhere, is not started.
        // Started anyway, it was stopped again every tick (291 tasks a day
        // for a service of 4).
        let (_, share) = self.next_share(Owner::Service(s));
        if !share.capacity.is_fargate() {
            let asg_group = share.asg.map(|a| c.providers[a as usize].group);
            let req = request_of(c, Owner::Service(s), svc.taskdef, svc.group, asg_group);
            let mut draw = self.rng.placement.clone();
            let lands = placement::choose(c, &req, &mut draw).map(|i| c.instances[i as usize].az);
            if !lands.is_some_and(fewest) {
                return true;
            }
        }
        let (taskdef, group) = (svc.taskdef, svc.group);
        // A quota may hold it back: rebalancing tries again next time.
        if self
            .launch(Owner::Service(s), taskdef, group, None, None)
            .is_err()
        {
            return true;
        }
        // A service's launch makes a task, the newest it lists.
        let Some(&key) = self.cluster.services[s as usize].active.last() else {
            return false;
        };
        let t = &self.cluster.tasks[key];
        if self.cluster.task_az(t).is_some_and(fewest) {
            self.cluster.services[s as usize].rebalance = Some((key, t.serial));
            return false;
        }
        // Only a Fargate task of a service that also runs on EC2 can land
        // elsewhere (Fargate spreads its own tasks): it has its zone, so it
        // is stopped placed, and the service is settled until something
        // changes.
        self.stop(key, StopReason::ScaleIn);
        true
    }
}
