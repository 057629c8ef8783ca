//! The capacity providers of an export's cluster: an Auto Scaling group
//! provider as the scenario's, tied to the instance group of its group;
//! Managed Instances providers through `managed.rs`.

use super::fleet::{Fleet, asg_name};
use super::read::Export;
use super::shapes::*;
use crate::error::InputError;
use crate::scenario::spec::CapacityProviderSpec;
use std::collections::BTreeSet;
use std::path::PathBuf;

#[derive(Debug)]
pub struct Provider {
    pub name: String,
    pub group: String,
    pub scaling: Option<ManagedScaling>,
    pub termination_protection: bool,
    /// The file and field path it was read from, for errors.
    pub origin: (PathBuf, String),
}

impl Provider {
    /// The provider as the scenario's: its managed scaling as exported.
    pub fn spec(&self) -> CapacityProviderSpec {
        let m = self.scaling.as_ref();
        CapacityProviderSpec {
            name: self.name.clone(),
            instance_group: Some(self.group.clone()),
            target_capacity: m.and_then(|m| m.target_capacity),
            minimum_scaling_step_size: m.and_then(|m| m.minimum_scaling_step_size),
            maximum_scaling_step_size: m.and_then(|m| m.maximum_scaling_step_size),
            instance_warmup_period: m
                .and_then(|m| m.instance_warmup_period)
                .map(|v| format!("{v}s")),
            managed_termination_protection: Some(self.termination_protection),
            ..Default::default()
        }
    }
}

pub(super) fn providers(
    ex: &Export,
    cluster: Option<&EcsCluster>,
    f: &mut Fleet,
    notes: &mut Vec<String>,
) -> Result<(), InputError> {
    let wanted: Option<BTreeSet<&str>> =
        cluster.map(|c| c.capacity_providers.iter().map(String::as_str).collect());
    // One line for them all: a Region may hold many clusters' providers.
    let mut unattached = Vec::new();
    for (file, p) in &ex.providers {
        let Some(a) = &p.auto_scaling_group_provider else {
            if let Some(mi) = &p.managed_instances_provider {
                if wanted
                    .as_ref()
                    .is_some_and(|w| !w.contains(p.name.as_str()))
                {
                    notes.push(format!(
                        "capacity provider {}: not attached to the cluster; left out",
                        p.name
                    ));
                    continue;
                }
                f.managed
                    .push(super::managed::provider_spec(&p.name, mi, notes));
            }
            continue;
        };
        if wanted
            .as_ref()
            .is_some_and(|w| !w.contains(p.name.as_str()))
        {
            unattached.push(p.name.as_str());
            continue;
        }
        let asg = asg_name(&a.auto_scaling_group_arn);
        if !f.groups.iter().any(|g| g.name == asg) {
            if ex.asgs.iter().any(|g| g.auto_scaling_group_name == asg) {
                notes.push(format!("capacity provider {}: its Auto Scaling group {asg} was left out; so is the provider", p.name));
                continue;
            }
            let i = ex
                .providers
                .iter()
                .filter(|(f2, _)| f2 == file)
                .position(|(_, q)| q.name == p.name)
                .unwrap_or(0);
            return Err(InputError::new(
                file,
                format!("capacityProviders[{i}].autoScalingGroupProvider.autoScalingGroupArn"),
                format!(
                    "Auto Scaling group {asg} is in no describe-auto-scaling-groups output of the folder; add `aws autoscaling describe-auto-scaling-groups --auto-scaling-group-names {asg}`"
                ),
            ));
        }
        let scaling = a
            .managed_scaling
            .clone()
            .filter(|m| m.status.as_deref() != Some("DISABLED"));
        if scaling.is_none() {
            notes.push(format!("capacity provider {}: managed scaling is DISABLED; ecsim always scales a provider's group (modelled ENABLED at target 100%)", p.name));
        }
        let i = ex
            .providers
            .iter()
            .filter(|(f2, _)| f2 == file)
            .position(|(_, q)| q.name == p.name)
            .unwrap_or(0);
        f.providers.push(Provider {
            origin: (file.clone(), format!("capacityProviders[{i}]")),
            name: p.name.clone(),
            group: asg.to_string(),
            scaling,
            termination_protection: a.managed_termination_protection.as_deref() == Some("ENABLED"),
        });
    }
    match unattached.as_slice() {
        [] => {}
        [one] => notes.push(format!(
            "capacity provider {one}: not attached to the cluster; left out"
        )),
        many => notes.push(format!(
            "capacity providers {}: not attached to the cluster; left out",
            many.join(", ")
        )),
    }
    Ok(())
}
