//! Deployment alarms ("How CloudWatch alarms detect Amazon ECS deployment
//! failures"): while a deployment of a service runs, ECS watches the
//! CloudWatch alarms of its `deploymentConfiguration.alarms`; one in ALARM
//! sets the deployment to failed, and with `rollback` ECS rolls back to
//! the last completed deployment. A rollback is not watched (no rollback
//! of a rollback). AWS also watches for a bake time after the rollout,
//! computed from the alarms and not published: ecsim watches the rollout.

use super::Sim;
use crate::engine::SimTime;

impl Sim<'_> {
    /// Checks, at the minute `now`, every deployment in progress whose
    /// service names alarms.
    pub(super) fn watch_deployment_alarms(&mut self, now: SimTime) {
        for s in 0..self.cluster.services.len() {
            let svc = &self.cluster.services[s];
            let (Some(d), Some(alarms)) = (&svc.deployment, &svc.deploy_config.alarms) else {
                continue;
            };
            if d.is_rollback {
                continue;
            }
            let fired = alarms
                .alarms
                .iter()
                .any(|a| svc.scaling.in_alarm(a, now).is_some());
            if fired {
                let rollback = alarms.rollback;
                self.fail_deployment(s as u32, rollback);
            }
        }
    }
}
