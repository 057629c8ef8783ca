//! Services, jobs and task groups: who asks for tasks and how many.

use super::placement_rules::{Constraint, Strategy};
use super::task::Capacity;
use crate::engine::{Dist, Level, SimTime};
use crate::scaling::{AutoScaling, Reading, ScalingState, Workload};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchedulingStrategy {
    Replica,
    Daemon,
}

/// A set of tasks that spread and distinctInstance count together
/// ("service:NAME" for services, "family:NAME" by default for RunTask).
#[derive(Debug, Clone, Default)]
pub struct Group {
    pub name: String,
    /// Tasks of the group past the first on each instance that holds two or
    /// more (the first is `hosts`' bit): a group whose instances hold one
    /// task each (distinctInstance, an M/M/c server) never hashes. Hashed:
    /// it changes with placements and stops, and nothing reads it in order.
    more: rustc_hash::FxHashMap<u32, u32>,
    /// Fargate tasks of the group meant to keep running, per zone.
    pub fargate_per_az: BTreeMap<u32, u32>,
    /// Bit i set when instance i holds a task of the group that is placed
    /// and meant to keep running (words distinctInstance can mask with).
    /// Kept by `add` and `remove`, which only `Cluster::join_group` and
    /// `leave_group` call: the placement index counts draws from it.
    pub hosts: Vec<u64>,
    /// Tasks counted on instances, per zone of their instance (what
    /// spread over zones compares). Kept by `add` and `remove`.
    pub per_zone: Vec<u32>,
}

impl Group {
    /// A group of that name with no task yet.
    pub fn named(name: String) -> Group {
        Group {
            name,
            ..Default::default()
        }
    }

    /// The group's tasks placed on `instance` and meant to keep running.
    pub fn on_instance(&self, instance: u32) -> u32 {
        if !super::placement_draw::bit(&self.hosts, instance) {
            return 0;
        }
        1 + self.more.get(&instance).copied().unwrap_or(0)
    }

    /// (instance, tasks of the group on it) for every instance holding
    /// any, in instance order.
    pub fn per_instance(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.hosts.iter().enumerate().flat_map(move |(j, &w)| {
            let mut w = w;
            std::iter::from_fn(move || {
                if w == 0 {
                    return None;
                }
                let i = (j * 64) as u32 + w.trailing_zeros();
                w &= w - 1;
                Some((i, 1 + self.more.get(&i).copied().unwrap_or(0)))
            })
        })
    }

    /// A task of the group placed on `instance`, in `zone`. True if it is
    /// the group's first task there.
    pub(crate) fn add(&mut self, instance: u32, zone: u32) -> bool {
        let first = !super::placement_draw::bit(&self.hosts, instance);
        if first {
            self.mark(instance, true);
        } else {
            *self.more.entry(instance).or_insert(0) += 1;
        }
        if zone as usize >= self.per_zone.len() {
            self.per_zone.resize(zone as usize + 1, 0);
        }
        self.per_zone[zone as usize] += 1;
        first
    }

    /// A task of the group on `instance` is gone. True if it was the
    /// group's last task there.
    pub(crate) fn remove(&mut self, instance: u32, zone: u32) -> bool {
        if !super::placement_draw::bit(&self.hosts, instance) {
            return false;
        }
        self.per_zone[zone as usize] -= 1;
        // Most groups never hold two tasks on one instance: no hashing then.
        if !self.more.is_empty()
            && let Some(n) = self.more.get_mut(&instance)
        {
            *n -= 1;
            if *n == 0 {
                self.more.remove(&instance);
            }
            return false;
        }
        self.mark(instance, false);
        true
    }

    /// Tasks counted on instances in `zone`.
    pub fn in_zone(&self, zone: u32) -> u32 {
        self.per_zone.get(zone as usize).copied().unwrap_or(0)
    }

    fn mark(&mut self, instance: u32, on: bool) {
        let (w, b) = (instance as usize / 64, instance % 64);
        if w >= self.hosts.len() {
            self.hosts.resize(w + 1, 0);
        }
        if on {
            self.hosts[w] |= 1 << b;
        } else {
            self.hosts[w] &= !(1 << b);
        }
    }

    /// Whether every instance with more than one task also has its bit.
    pub fn hosts_agree(&self) -> bool {
        self.more
            .iter()
            .all(|(&i, &n)| n > 0 && super::placement_draw::bit(&self.hosts, i))
    }

    pub fn add_zone(&mut self, az: u32) {
        bump(&mut self.fargate_per_az, az, true);
    }

    pub fn remove_zone(&mut self, az: u32) {
        bump(&mut self.fargate_per_az, az, false);
    }
}

fn bump(map: &mut BTreeMap<u32, u32>, key: u32, up: bool) {
    if up {
        *map.entry(key).or_insert(0) += 1;
    } else if let Some(n) = map.get_mut(&key) {
        *n -= 1;
        if *n == 0 {
            map.remove(&key);
        }
    }
}

/// Counters every task owner keeps for the summary and time series.
#[derive(Debug, Clone, Default)]
pub struct OwnerStats {
    pub running: Level,
    /// Launched, not yet RUNNING (PROVISIONING, PENDING, ACTIVATING).
    pub starting: u32,
    /// Of those, still waiting for capacity (PROVISIONING).
    pub provisioning: u32,
    pub launched: u64,
    pub placed: u64,
    pub started: u64,
    pub stopped: u64,
    pub failed: u64,
    /// Placed tasks whose wait the figures count (placed after the warm-up).
    pub waits_counted: u64,
    /// Launches a launch-rate quota held back, by quota (`sim::Quota`).
    pub throttled: [u64; 4],
    pub provisioning_wait_total: u64,
    /// Tasks launched per entry of the capacity provider strategy.
    pub launched_on: Vec<u64>,
    pub provisioning_wait_max: u64,
    /// Every wait for capacity, for its percentiles.
    pub provisioning_waits: crate::engine::Histogram,
}

/// One entry of a capacity provider strategy.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderShare {
    pub capacity: Capacity,
    /// For an Auto Scaling group provider, its index.
    pub asg: Option<u32>,
    pub base: u32,
    pub weight: u32,
}

/// Where an owner's tasks run.
#[derive(Debug, Clone, PartialEq)]
pub enum CapacityChoice {
    /// `launch_type = "EC2"`: on the cluster's container instances.
    Ec2,
    /// A capacity provider strategy (or `launch_type = "FARGATE"`, which is
    /// one provider with weight 1).
    Providers(Vec<ProviderShare>),
}

impl CapacityChoice {
    /// ECS's split: the provider with a `base` gets tasks until it has that
    /// many, then each task goes where it keeps the counts closest to the
    /// weights. `counts[i]` is how many tasks entry `i` has now; returns the
    /// entry for the next task.
    pub fn next(&self, counts: &[u32]) -> usize {
        let list = match self {
            CapacityChoice::Ec2 => return 0,
            CapacityChoice::Providers(list) => list,
        };
        if let Some((i, _)) = list.iter().enumerate().find(|(i, p)| counts[*i] < p.base) {
            return i;
        }
        // Smallest (count beyond base + 1) / weight, compared exactly by cross-multiplying.
        let mut best: Option<(usize, u64, u64)> = None;
        for (i, p) in list.iter().enumerate().filter(|(_, p)| p.weight > 0) {
            let num = u64::from(counts[i].saturating_sub(p.base)) + 1;
            let den = u64::from(p.weight);
            if best.is_none_or(|(_, bn, bd)| num * bd < bn * den) {
                best = Some((i, num, den));
            }
        }
        best.map_or(0, |b| b.0)
    }

    /// Entry `i` of the strategy.
    pub fn share(&self, i: usize) -> ProviderShare {
        match self {
            CapacityChoice::Ec2 => ProviderShare {
                capacity: Capacity::Ec2,
                asg: None,
                base: 0,
                weight: 1,
            },
            CapacityChoice::Providers(l) => l[i].clone(),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            CapacityChoice::Ec2 => 1,
            CapacityChoice::Providers(l) => l.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether tasks run on Fargate.
    pub fn is_fargate(&self) -> bool {
        self.share(0).capacity.is_fargate()
    }
}

#[derive(Debug, Clone)]
pub struct Service {
    pub name: String,
    pub scheduling: SchedulingStrategy,
    pub taskdef: u32,
    pub capacity: CapacityChoice,
    pub desired: u32,
    pub strategies: Vec<Strategy>,
    pub constraints: Vec<Constraint>,
    pub group: u32,
    /// Tasks launched and meant to keep running (any state before STOPPED).
    pub active: Vec<u32>,
    pub stats: OwnerStats,
    /// Time the service first had `desired` tasks RUNNING.
    pub reached_desired: Option<SimTime>,
    /// End of the start-up ramp: the first time every launched task was
    /// either RUNNING or waiting for capacity. `min_running` counts from here.
    pub ramp_done: Option<SimTime>,
    pub workload: Option<Workload>,
    pub autoscaling: Option<AutoScaling>,
    pub scaling: ScalingState,
    pub load: LoadStats,
    pub health: Health,
    pub deploy_config: super::deployment::DeploymentConfig,
    pub deployment: Option<super::deployment::Deployment>,
    /// Availability Zone rebalancing (the service's
    /// `availabilityZoneRebalancing`): uneven zones are evened out.
    pub az_rebalancing: bool,
    /// The extra task a rebalancing started (key, serial): one task in the
    /// fullest zone stops once it runs.
    pub rebalance: Option<(u32, u64)>,
    /// The target group the service's tasks register with, if any.
    pub load_balancer: Option<LoadBalancer>,
}

/// The health check of the target group a service's tasks register with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadBalancer {
    /// Consecutive passing checks before a target is healthy (ELB default 5).
    pub healthy_threshold: u32,
    /// Between checks (ELB default 30 s).
    pub interval: SimTime,
    /// A deregistering target's connections drain this long before ECS
    /// stops the task (ELB default 300 s).
    pub deregistration_delay: SimTime,
}

/// Without a container health check or a load balancer, the service
/// scheduler counts a task towards minimumHealthyPercent 40 s after it
/// reaches RUNNING (DeploymentConfiguration `minimumHealthyPercent`).
pub const DEFAULT_HEALTHY_AFTER: SimTime = 40_000;

/// How long after RUNNING a task of a service counts as healthy: behind a
/// load balancer its target must pass `healthy_threshold` checks, and every
/// essential container's health check must have passed once; with neither,
/// ECS's fixed 40 s.
pub fn healthy_after(lb: Option<LoadBalancer>, td: &super::TaskDef) -> SimTime {
    let lb = lb.map(|l| SimTime::from(l.healthy_threshold) * l.interval);
    match (lb, td.health_check_delay()) {
        (None, None) => DEFAULT_HEALTHY_AFTER,
        (a, b) => a.unwrap_or(0).max(b.unwrap_or(0)),
    }
}

/// How whole a service stayed, and the scheduler's throttle state.
#[derive(Debug, Clone, Default)]
pub struct Health {
    /// Minutes (sampled each minute) with fewer RUNNING tasks than desired, after the start-up ramp.
    pub minutes_below_desired: u64,
    /// Lowest RUNNING / desired seen after the start-up ramp.
    pub min_healthy_fraction: Option<f64>,
    /// The desired count the healthy floor is taken from: the current one
    /// once RUNNING reached it, the one before while the service's own
    /// scale-out is on its way (a lower count applies at once).
    pub floor_desired: Option<u32>,
    /// Minutes (after the start-up ramp) with fewer RUNNING tasks than
    /// minimumHealthyPercent of `floor_desired`.
    pub minutes_below_floor: u64,
    /// Per-minute samples taken after the start-up ramp.
    pub minutes_after_ramp: u64,
    /// Failed starts since the last task reached RUNNING.
    pub failed_in_row: u32,
    /// The scheduler launches nothing before this time (service throttle).
    pub launch_after: SimTime,
    pub retry_armed: bool,
}

/// What a service's demand did over the run.
#[derive(Debug, Clone, Default)]
pub struct LoadStats {
    /// The last minute's reading.
    pub last: Reading,
    pub demand_requests: f64,
    pub served_requests: f64,
    pub minutes: u64,
    pub minutes_overloaded: u64,
    pub cpu_pct_sum: f64,
    pub scaling_actions: u64,
    /// Scale-outs under way: (decided at, the desired count they asked).
    pub pending_scale_outs: Vec<(SimTime, u32)>,
    /// Each scale-out's time from the decision to all its tasks RUNNING.
    pub scale_out_times: Vec<SimTime>,
}

impl LoadStats {
    /// The desired count went from `from` to `to` at `now`: a raise is a
    /// scale-out to time; a cut drops those it makes unreachable.
    pub fn desired_changed(&mut self, now: SimTime, from: u32, to: u32) {
        if to > from {
            self.pending_scale_outs.push((now, to));
        } else {
            self.pending_scale_outs.retain(|p| p.1 <= to);
        }
    }

    /// `running` tasks RUNNING at `now`: scale-outs that asked no more are done.
    pub fn running_now(&mut self, now: SimTime, running: u64) {
        let done = &mut self.scale_out_times;
        self.pending_scale_outs.retain(|&(at, target)| {
            let reached = running >= u64::from(target);
            if reached {
                done.push(now - at);
            }
            !reached
        });
    }
}

/// When standalone tasks are launched.
#[derive(Debug, Clone)]
pub enum Arrivals {
    /// Gaps drawn from `gap` (exponential for a Poisson process).
    Random { gap: Dist, batch: u32 },
    /// `count` tasks at `first`, then every `every`.
    Schedule {
        first: SimTime,
        every: SimTime,
        count: u32,
    },
}

/// What a job does with a task that finds no capacity at launch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NoCapacity {
    /// As ECS's RunTask: refused at once on the EC2 launch type; through an
    /// Auto Scaling group capacity provider it waits in PROVISIONING while
    /// the cluster's PROVISIONING quota has room.
    #[default]
    Fail,
    /// A client-side FIFO queue (AWS Batch, a retrying client): the task
    /// waits until capacity frees, however long that takes.
    Queue,
}

#[derive(Debug, Clone)]
pub struct Job {
    pub name: String,
    pub taskdef: u32,
    pub capacity: CapacityChoice,
    pub group: u32,
    pub arrivals: Arrivals,
    pub duration: Dist,
    pub strategies: Vec<Strategy>,
    pub constraints: Vec<Constraint>,
    pub stats: OwnerStats,
    pub no_capacity: NoCapacity,
    /// Launches refused, by reason.
    pub refused: std::collections::BTreeMap<crate::model::Refusal, u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(choice: &CapacityChoice, n: usize) -> Vec<u32> {
        let mut counts = vec![0u32; choice.len()];
        for _ in 0..n {
            let i = choice.next(&counts);
            counts[i] += 1;
        }
        counts
    }

    /// "Amazon ECS capacity provider strategies": the base is placed first,
    /// then the rest follows the weights (the documented example: base 1 on
    /// FARGATE, weights 1 and 1 → the others alternate; weights 1:3 → one in four).
    #[test]
    fn base_then_weights() {
        let p = |capacity, base, weight| ProviderShare {
            asg: None,
            capacity,
            base,
            weight,
        };
        let even = CapacityChoice::Providers(vec![
            p(Capacity::Fargate, 1, 1),
            p(Capacity::FargateSpot, 0, 1),
        ]);
        assert_eq!(split(&even, 1), vec![1, 0]);
        assert_eq!(split(&even, 5), vec![3, 2]);
        let spot_heavy = CapacityChoice::Providers(vec![
            p(Capacity::Fargate, 2, 1),
            p(Capacity::FargateSpot, 0, 3),
        ]);
        assert_eq!(split(&spot_heavy, 2), vec![2, 0]);
        assert_eq!(split(&spot_heavy, 10), vec![4, 6]);
        assert_eq!(split(&spot_heavy, 102), vec![27, 75]);
        // Weight 0 gets only its base.
        let base_only = CapacityChoice::Providers(vec![
            p(Capacity::Fargate, 3, 0),
            p(Capacity::FargateSpot, 0, 1),
        ]);
        assert_eq!(split(&base_only, 10), vec![3, 7]);
        assert_eq!(CapacityChoice::Ec2.next(&[]), 0);
    }
}
