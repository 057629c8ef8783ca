//! Service deployments: a new task definition revision rolled out with the
//! rolling-update bounds, or blue/green with traffic shifting.

use crate::engine::SimTime;

/// `deploymentConfiguration` of a service.
#[derive(Debug, Clone, PartialEq)]
pub struct DeploymentConfig {
    /// Percent of desired that must stay RUNNING (REPLICA default 100).
    pub minimum_healthy_percent: u32,
    /// Percent of desired that may be RUNNING or PENDING (REPLICA default 200).
    pub maximum_percent: u32,
    /// Deployment circuit breaker: `Some(rollback)` when enabled.
    pub circuit_breaker: Option<bool>,
    /// Failing health checks of a new task are ignored this long after it starts.
    pub health_check_grace: SimTime,
    /// `deploymentConfiguration.alarms`: CloudWatch alarms that fail a
    /// deployment when one goes into ALARM while it runs.
    pub alarms: Option<DeploymentAlarms>,
}

/// "How CloudWatch alarms detect Amazon ECS deployment failures": ECS sets
/// the deployment to failed when a named alarm goes into ALARM, and rolls
/// back to the last completed deployment when `rollback` is set.
#[derive(Debug, Clone, PartialEq)]
pub struct DeploymentAlarms {
    pub rollback: bool,
    pub alarms: Vec<crate::scaling::alarm::AlarmRule>,
}

impl DeploymentConfig {
    /// Lower bound on RUNNING tasks: min healthy % of desired, rounded up.
    pub fn min_healthy(&self, desired: u32) -> u32 {
        (u64::from(desired) * u64::from(self.minimum_healthy_percent)).div_ceil(100) as u32
    }

    /// Upper bound on RUNNING + PENDING tasks: max % of desired, rounded down.
    pub fn max_total(&self, desired: u32) -> u32 {
        (u64::from(desired) * u64::from(self.maximum_percent) / 100) as u32
    }
}

/// The circuit breaker's failure threshold: half the desired count, at
/// least 3 and at most 200 ("Amazon ECS deployment circuit breaker").
pub fn failure_threshold(desired: u32) -> u32 {
    desired.div_ceil(2).clamp(3, 200)
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Traffic {
    AllAtOnce,
    /// `percent` first, the rest after `interval`.
    Canary {
        percent: f64,
        interval: SimTime,
    },
    /// `percent` more every `interval`.
    Linear {
        percent: f64,
        interval: SimTime,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Strategy {
    Rolling,
    BlueGreen {
        traffic: Traffic,
        bake_time: SimTime,
    },
}

/// A deployment the scenario schedules.
#[derive(Debug, Clone, PartialEq)]
pub struct DeploymentPlan {
    pub service: u32,
    pub at: SimTime,
    pub taskdef: u32,
    pub strategy: Strategy,
    /// Under way when the run starts: it goes on from the tasks both
    /// revisions run at time 0, before the scheduler first looks.
    pub in_flight: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlueGreenPhase {
    /// Starting the replacement (green) tasks.
    Provisioning,
    /// Moving traffic to green.
    Shifting,
    /// All traffic on green; blue kept for a quick rollback.
    Baking,
}

/// A deployment in progress.
#[derive(Debug, Clone, PartialEq)]
pub struct Deployment {
    pub id: u32,
    pub target: u32,
    pub previous: u32,
    pub strategy: Strategy,
    pub failed_tasks: u32,
    pub threshold: u32,
    pub is_rollback: bool,
    pub phase: BlueGreenPhase,
    /// Percent of traffic on the new tasks (blue/green).
    pub traffic_pct: f64,
}

/// How a deployment ended, for `deployments.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct DeploymentRecord {
    pub id: u32,
    pub service: String,
    pub from: String,
    pub to: String,
    pub strategy: &'static str,
    pub started: SimTime,
    pub ended: Option<SimTime>,
    /// COMPLETED, FAILED, ROLLED_BACK (this one failed and a rollback started) or IN_PROGRESS.
    pub status: &'static str,
    pub failed_tasks: u32,
    pub rollback_of: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// "Deployment circuit breaker": threshold = 0.5 × desired, min 3, max 200.
    #[test]
    fn threshold_formula() {
        assert_eq!(failure_threshold(1), 3);
        assert_eq!(failure_threshold(6), 3);
        assert_eq!(failure_threshold(7), 4);
        assert_eq!(failure_threshold(100), 50);
        assert_eq!(failure_threshold(1000), 200);
    }

    /// Min healthy rounds up, maximum rounds down.
    #[test]
    fn bounds_round_as_ecs_does() {
        let c = DeploymentConfig {
            minimum_healthy_percent: 50,
            maximum_percent: 150,
            circuit_breaker: None,
            health_check_grace: 0,
            alarms: None,
        };
        assert_eq!(c.min_healthy(5), 3);
        assert_eq!(c.max_total(5), 7);
        let d = DeploymentConfig {
            minimum_healthy_percent: 100,
            maximum_percent: 200,
            ..c
        };
        assert_eq!((d.min_healthy(4), d.max_total(4)), (4, 8));
    }
}
