//! Fault injection: what can go wrong, drawn from its own random streams so
//! adding a fault never shifts the workload's numbers.

use crate::engine::{Dist, SimTime};
use crate::model::Owner;

#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// Instances fail after a time-to-failure drawn at registration.
    InstanceFailure {
        group: Option<u32>,
        time_to_failure: Dist,
    },
    /// Every instance and Fargate task in the zone is lost at `at`; nothing
    /// is placed there until `at + duration`.
    AzOutage {
        az: u32,
        at: SimTime,
        duration: SimTime,
    },
    /// Spot capacity reclaimed with a 2-minute warning: at a rate per
    /// instance-hour / task-hour, and/or at listed times.
    SpotInterruption {
        rate_per_hour: Option<f64>,
        times: Vec<SimTime>,
        ec2: bool,
        fargate: bool,
        /// Only EC2 Spot instances of this type and/or zone: one Spot pool
        /// (type × zone) when both are given.
        pool: SpotPool,
    },
    /// RUNNING tasks crash at a rate per task-hour.
    TaskCrash {
        owner: Option<Owner>,
        taskdef: Option<u32>,
        rate_per_task_hour: f64,
    },
    /// A fraction of start-ups fail (health checks, or the image pull).
    StartFailure {
        owner: Option<Owner>,
        taskdef: Option<u32>,
        fraction: f64,
        image_pull: bool,
    },
}

/// Which EC2 Spot instances an interruption fault reaches: all by default.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SpotPool {
    pub instance_type: Option<String>,
    pub az: Option<u32>,
}

impl SpotPool {
    pub fn holds(&self, instance_type: &str, az: u32) -> bool {
        self.instance_type
            .as_deref()
            .is_none_or(|t| t == instance_type)
            && self.az.is_none_or(|z| z == az)
    }

    /// Whether it narrows the fault to some instances.
    pub fn narrows(&self) -> bool {
        self.instance_type.is_some() || self.az.is_some()
    }
}

/// The warning EC2 Spot and Fargate Spot give before reclaiming capacity.
pub const SPOT_WARNING: SimTime = 120_000;

/// ECS's service throttle: after failed starts the scheduler waits longer
/// before the next launch, up to 15 minutes.
pub fn throttle_delay(failures_in_a_row: u32) -> SimTime {
    if failures_in_a_row == 0 {
        return 0;
    }
    let base: SimTime = 15_000;
    base.saturating_mul(1 << (failures_in_a_row - 1).min(10))
        .min(15 * 60_000)
}

/// One fault that happened, and what it did.
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    pub id: u32,
    pub kind: &'static str,
    pub target: String,
    pub start: SimTime,
    /// When the fault itself ended (outages); `start` for instant faults.
    pub end: SimTime,
    pub tasks_lost: u32,
    /// First minute every service was back at its desired count.
    pub recovered: Option<SimTime>,
    pub unserved_requests: f64,
    /// Zone outages: the first minute after it ended that every service
    /// with Availability Zone rebalancing was spread evenly again.
    pub balanced: Option<SimTime>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_backs_off_to_15_minutes() {
        assert_eq!(throttle_delay(0), 0);
        assert_eq!(throttle_delay(1), 15_000);
        assert_eq!(throttle_delay(2), 30_000);
        assert_eq!(throttle_delay(7), 900_000);
        assert_eq!(throttle_delay(40), 900_000);
    }
}
