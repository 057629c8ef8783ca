//! The EC2 side of an export: instance groups (one per Auto Scaling group,
//! else one per type, zone and custom attributes), capacity providers, and
//! which group instance each registered container instance becomes.

use super::doc::Remarks;
use super::read::Export;
use super::shapes::*;
use crate::error::InputError;
use crate::scenario::MAX_INSTANCES;
use crate::scenario::spec::{CapacityProviderSpec, InstanceGroupSpec};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

#[derive(Debug)]
pub struct Group {
    pub name: String,
    pub instance_type: String,
    pub count: u32,
    pub min_max: Option<(i64, i64)>,
    pub zones: Vec<String>,
    pub spot: bool,
    pub az_rebalance: bool,
    pub attributes: BTreeMap<String, String>,
    /// MiB the agent registered (describe-container-instances
    /// registeredResources MEMORY), with ecsim's model of the type.
    pub registered_memory: Option<(u32, u32)>,
    /// Slots of the instances describe-container-instances shows DRAINING.
    pub draining: Vec<u32>,
    pub comment: String,
    /// A MixedInstancesPolicy's types and On-Demand/Spot split.
    pub mixed: Option<super::mixed::Mixed>,
    /// The Auto Scaling group it was read from (file, field path), for errors.
    pub origin: Option<(PathBuf, String)>,
}

/// Instances outside Auto Scaling groups group by (type, zone, custom attributes).
type LooseKey = (String, String, BTreeMap<String, String>);

/// Where a container instance (by ARN) sits in the scenario: (group, index).
pub type Slots = BTreeMap<String, (String, u32)>;

#[derive(Debug, Default)]
pub struct Fleet {
    pub zones: Vec<String>,
    pub groups: Vec<Group>,
    pub providers: Vec<super::providers::Provider>,
    /// Managed Instances providers, as the scenario's.
    pub managed: Vec<CapacityProviderSpec>,
    pub slots: Slots,
    /// Registered memory per type of the mixed groups' instances, for
    /// `[[instance_types]]`: (type, exported MiB, ecsim's model, group).
    pub registered_types: Vec<(String, u32, u32, String)>,
}

pub(super) fn asg_name(arn: &str) -> &str {
    arn.rsplit_once("autoScalingGroupName/")
        .map_or(arn, |x| x.1)
}

/// The most common value (ties: the first in order), with how many differ.
pub(super) fn most_common(values: &[String]) -> Option<(String, usize)> {
    let mut counts: BTreeMap<&String, usize> = BTreeMap::new();
    for v in values {
        *counts.entry(v).or_default() += 1;
    }
    let best = counts
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))?;
    Some(((*best.0).clone(), values.len() - best.1))
}

fn custom_attributes(ci: &ContainerInstance) -> BTreeMap<String, String> {
    ci.attributes
        .iter()
        .filter(|a| !a.name.starts_with("ecs.") && !a.name.starts_with("com.amazonaws."))
        .filter_map(|a| a.value.clone().map(|v| (a.name.clone(), v)))
        .collect()
}

pub fn fleet(
    ex: &Export,
    cluster: Option<&EcsCluster>,
    notes: &mut Vec<String>,
) -> Result<Fleet, InputError> {
    let mut f = Fleet::default();
    let mut zones = BTreeSet::new();
    // Managed Instances are ECS's to launch: the simulation starts them
    // from the tasks that wait, so they are not imported as a group.
    let managed: BTreeSet<&str> = ex
        .providers
        .iter()
        .filter(|(_, p)| p.managed_instances_provider.is_some())
        .map(|(_, p)| p.name.as_str())
        .collect();
    let mut on_managed = 0;
    for ci in ex.instances.iter().filter(|ci| {
        ci.capacity_provider_name
            .as_deref()
            .is_some_and(|n| managed.contains(n))
    }) {
        on_managed += 1;
        // Their zones are the cluster's too.
        if let Some(z) = ci.attribute("ecs.availability-zone") {
            zones.insert(z.to_string());
        }
    }
    if on_managed > 0 {
        notes.push(format!("{on_managed} container instances of Managed Instances providers: not imported; ECS launches them in the simulation for the tasks that wait"));
    }
    let live: Vec<&ContainerInstance> = ex
        .instances
        .iter()
        .filter(|ci| {
            !ci.capacity_provider_name
                .as_deref()
                .is_some_and(|n| managed.contains(n))
        })
        .filter(|ci| match ci.status.as_deref() {
            None | Some("ACTIVE" | "DRAINING") => true,
            Some(s) => {
                notes.push(format!(
                    "container instance {} is {s}: left out",
                    ci.ec2_instance_id
                        .as_deref()
                        .unwrap_or(&ci.container_instance_arn)
                ));
                false
            }
        })
        .collect();
    for ci in &live {
        if let Some(z) = ci.attribute("ecs.availability-zone") {
            zones.insert(z.to_string());
        }
    }
    // Only the Auto Scaling groups of this cluster: those behind the capacity
    // providers attached to it or holding its container instances. The
    // export lists every provider of the Region, other clusters' too.
    let attached =
        |p: &CapacityProvider| cluster.is_none_or(|c| c.capacity_providers.contains(&p.name));
    let provider_asgs: BTreeSet<&str> = ex
        .providers
        .iter()
        .filter(|(_, p)| attached(p))
        .filter_map(|(_, p)| p.auto_scaling_group_provider.as_ref())
        .map(|a| asg_name(&a.auto_scaling_group_arn))
        .collect();
    let elsewhere: BTreeMap<&str, &str> = ex
        .providers
        .iter()
        .filter(|(_, p)| !attached(p))
        .filter_map(|(_, p)| {
            p.auto_scaling_group_provider
                .as_ref()
                .map(|a| (asg_name(&a.auto_scaling_group_arn), p.name.as_str()))
        })
        .collect();
    let ec2_ids: BTreeSet<&str> = live
        .iter()
        .filter_map(|c| c.ec2_instance_id.as_deref())
        .collect();
    let ours = Ours {
        provider_asgs,
        elsewhere,
        ec2_ids,
        live: &live,
    };
    let mut in_asg: BTreeSet<&str> = BTreeSet::new();
    let mut asgs: Vec<&Asg> = ex.asgs.iter().collect();
    asgs.sort_by(|a, b| a.auto_scaling_group_name.cmp(&b.auto_scaling_group_name));
    for asg in asgs {
        asg_group(asg, &ours, &mut f, &mut zones, &mut in_asg, notes)?;
    }
    loose_groups(&live, &in_asg, &mut f, notes);
    f.zones = zones.into_iter().collect();
    super::providers::providers(ex, cluster, &mut f, notes)?;
    Ok(f)
}

/// Which Auto Scaling groups are the cluster's, and its live instances.
struct Ours<'a> {
    /// Groups behind the capacity providers attached to the cluster.
    provider_asgs: BTreeSet<&'a str>,
    /// Groups behind other clusters' providers: group → provider.
    elsewhere: BTreeMap<&'a str, &'a str>,
    ec2_ids: BTreeSet<&'a str>,
    live: &'a [&'a ContainerInstance],
}

/// One Auto Scaling group as an instance group of `f`, if it is the
/// cluster's and can be modelled (else said in `notes`); its registered
/// instances go to `in_asg`.
fn asg_group<'a>(
    asg: &'a Asg,
    ours: &Ours<'a>,
    f: &mut Fleet,
    zones: &mut BTreeSet<String>,
    in_asg: &mut BTreeSet<&'a str>,
    notes: &mut Vec<String>,
) -> Result<(), InputError> {
    let name = &asg.auto_scaling_group_name;
    let of_cluster = ours.provider_asgs.contains(name.as_str())
        || asg
            .instances
            .iter()
            .any(|i| ours.ec2_ids.contains(i.instance_id.as_str()));
    if !of_cluster {
        let why = match ours.elsewhere.get(name.as_str()) {
            Some(p) => format!(
                "behind capacity provider {p}, which is not attached to the cluster (another cluster's)"
            ),
            None => "no capacity provider of the cluster uses it".into(),
        };
        notes.push(format!("Auto Scaling group {name}: {why}, and none of the cluster's container instances is in it; left out"));
        return Ok(());
    }
    let members: Vec<&ContainerInstance> = ours
        .live
        .iter()
        .copied()
        .filter(|c| {
            c.ec2_instance_id
                .as_deref()
                .is_some_and(|id| asg.instances.iter().any(|i| i.instance_id == id))
        })
        .collect();
    for m in &members {
        if let Some(id) = &m.ec2_instance_id {
            in_asg.insert(id);
        }
    }
    let mut types: Vec<String> = members
        .iter()
        .filter_map(|c| c.attribute("ecs.instance-type").map(str::to_string))
        .collect();
    if types.is_empty() {
        types = asg
            .instances
            .iter()
            .filter_map(|i| i.instance_type.clone())
            .collect();
    }
    let mixed = asg.mixed_instances_policy.as_ref().and_then(|p| {
        super::mixed::mixed(name, p, ours.provider_asgs.contains(name.as_str()), notes)
    });
    let itype = match (&mixed, most_common(&types)) {
        (Some(m), _) => m.single.clone().unwrap_or_default(),
        (None, None) => {
            notes.push(format!("Auto Scaling group {name}: no instance tells its type (ecs.instance-type attribute or Instances[].InstanceType); left out"));
            return Ok(());
        }
        (None, Some((itype, others))) => {
            if others > 0 {
                notes.push(format!("Auto Scaling group {name}: {others} of {} instances are not {itype}; ecsim gives a group without MixedInstancesPolicy one type, so all are modelled as {itype}", types.len()));
            }
            if crate::catalog::instance_type(&itype).is_none() {
                notes.push(format!("Auto Scaling group {name}: instance type {itype} is not in ecsim's catalog; left out (declare it with [[instance_types]] and add the group by hand)"));
                return Ok(());
            }
            itype
        }
    };
    let mut gz: Vec<String> = asg.availability_zones.clone();
    gz.extend(
        asg.instances
            .iter()
            .filter_map(|i| i.availability_zone.clone()),
    );
    gz.sort();
    gz.dedup();
    if gz.is_empty() {
        notes.push(format!(
            "Auto Scaling group {name}: no AvailabilityZones; left out"
        ));
        return Ok(());
    }
    zones.extend(gz.iter().cloned());
    // A mixed policy whose types were mapped says its split itself.
    let spot = match &mixed {
        Some(_) => false,
        None => {
            super::mixed::fallback_spot(name, asg.mixed_instances_policy.as_ref(), &itype, notes)
        }
    };
    let attributes = members
        .first()
        .map(|c| custom_attributes(c))
        .unwrap_or_default();
    if members.iter().any(|c| custom_attributes(c) != attributes) {
        notes.push(format!("Auto Scaling group {name}: its instances carry different custom attributes; the group takes those of the first"));
    }
    let (count, min, max) = asg_sizes(asg)?;
    let registered_memory = if itype.is_empty() {
        super::registered::per_type_memory(&members, name, &mut f.registered_types, notes);
        None
    } else {
        super::registered::registered(&members, &itype, name, notes)
    };
    let group = Group {
        name: name.clone(),
        mixed,
        registered_memory,
        draining: Vec::new(),
        instance_type: itype,
        count,
        min_max: Some((i64::from(min), i64::from(max))),
        origin: Some(asg.origin.clone()),
        zones: gz,
        spot,
        az_rebalance: !asg
            .suspended_processes
            .iter()
            .any(|p| p.process_name == "AZRebalance"),
        attributes,
        comment: format!(
            "Auto Scaling group {name}: {} container instances registered now",
            members.len()
        ),
    };
    let mut group = group;
    assign_slots(&mut group, &members, &mut f.slots, notes);
    f.groups.push(group);
    Ok(())
}

/// An Auto Scaling group's DesiredCapacity, MinSize and MaxSize, checked
/// before anything is sized by them: the group's slots are allocated at its
/// count.
fn asg_sizes(asg: &Asg) -> Result<(u32, u32, u32), InputError> {
    let (file, at) = &asg.origin;
    let size = |field: &str, v: i64| {
        super::budget::count(file, &format!("{at}.{field}"), v, MAX_INSTANCES)
    };
    let count = size("DesiredCapacity", asg.desired_capacity)?;
    let (min, max) = (
        size("MinSize", asg.min_size)?,
        size("MaxSize", asg.max_size)?,
    );
    if min > max {
        return Err(InputError::new(
            file,
            format!("{at}.MinSize"),
            format!(
                "MinSize {min} is above MaxSize {max}; AWS never prints that — was the file edited?"
            ),
        ));
    }
    if !(min..=max).contains(&count) {
        return Err(InputError::new(
            file,
            format!("{at}.DesiredCapacity"),
            format!(
                "DesiredCapacity {count} lies outside MinSize {min} and MaxSize {max}; AWS keeps it within — was the file edited?"
            ),
        ));
    }
    Ok((count, min, max))
}

/// Instances outside any Auto Scaling group (`in_asg`), as groups by type,
/// zone and custom attributes.
fn loose_groups(
    live: &[&ContainerInstance],
    in_asg: &BTreeSet<&str>,
    f: &mut Fleet,
    notes: &mut Vec<String>,
) {
    let mut loose: BTreeMap<LooseKey, Vec<&ContainerInstance>> = BTreeMap::new();
    for ci in live.iter().copied() {
        if ci
            .ec2_instance_id
            .as_deref()
            .is_some_and(|id| in_asg.contains(id))
        {
            continue;
        }
        let id = ci
            .ec2_instance_id
            .as_deref()
            .unwrap_or(&ci.container_instance_arn);
        let (Some(t), Some(z)) = (
            ci.attribute("ecs.instance-type"),
            ci.attribute("ecs.availability-zone"),
        ) else {
            notes.push(format!("container instance {id}: no ecs.instance-type or ecs.availability-zone attribute; left out"));
            continue;
        };
        if crate::catalog::instance_type(t).is_none() {
            notes.push(format!(
                "container instance {id}: instance type {t} is not in ecsim's catalog; left out"
            ));
            continue;
        }
        loose
            .entry((t.to_string(), z.to_string(), custom_attributes(ci)))
            .or_default()
            .push(ci);
    }
    for ((t, z, attributes), members) in loose {
        let mut name = format!("{t}-{z}");
        let mut n = 2;
        while f.groups.iter().any(|g| g.name == name) {
            name = format!("{t}-{z}-{n}");
            n += 1;
        }
        let registered_memory = super::registered::registered(&members, &t, &name, notes);
        let group = Group {
            name,
            mixed: None,
            registered_memory,
            draining: Vec::new(),
            instance_type: t,
            count: u32::try_from(members.len()).unwrap_or(u32::MAX),
            min_max: None,
            origin: None,
            zones: vec![z],
            spot: false,
            az_rebalance: true,
            attributes,
            comment: "container instances in no Auto Scaling group of the export (fixed count)"
                .into(),
        };
        let mut group = group;
        assign_slots(&mut group, &members, &mut f.slots, notes);
        f.groups.push(group);
    }
}

/// Gives each registered instance the group slot in its zone (instance n
/// of a group is in zone n modulo the zone count), so tasks start where
/// they run now.
fn assign_slots(
    g: &mut Group,
    members: &[&ContainerInstance],
    slots: &mut Slots,
    notes: &mut Vec<String>,
) {
    let mut free: Vec<bool> = vec![true; g.count as usize];
    let zone_of = |n: usize| &g.zones[n % g.zones.len()];
    let mut sorted = members.to_vec();
    sorted.sort_by(|a, b| a.ec2_instance_id.cmp(&b.ec2_instance_id));
    for ci in sorted {
        let z = ci.attribute("ecs.availability-zone");
        let pick = (0..free.len())
            .find(|&n| free[n] && Some(zone_of(n).as_str()) == z)
            .or_else(|| (0..free.len()).find(|&n| free[n]));
        let id = ci
            .ec2_instance_id
            .as_deref()
            .unwrap_or(&ci.container_instance_arn);
        match pick {
            Some(n) => {
                free[n] = false;
                if Some(zone_of(n).as_str()) != z {
                    notes.push(format!("container instance {id} ({}) starts in {} in the simulation: the group's zones are filled in turn", z.unwrap_or("zone unknown"), zone_of(n)));
                }
                slots.insert(ci.container_instance_arn.clone(), (g.name.clone(), n as u32));
                if ci.status.as_deref() == Some("DRAINING") {
                    g.draining.push(n as u32);
                    // Said: the real one may still run its DAEMON task.
                    notes.push(format!("container instance {id} is DRAINING: it starts DRAINING (draining_instances), its service tasks are replaced elsewhere and no DAEMON task starts on it"));
                }
            }
            None => notes.push(format!(
                "container instance {id}: group {} has DesiredCapacity {}, fewer than its registered instances; its tasks start wherever the scheduler puts them",
                g.name, g.count
            )),
        }
    }
}

impl Group {
    /// The group as the scenario's, with where its figures came from;
    /// `agent_disconnected`: its instances whose agent is not connected.
    pub fn spec(&self, agent_disconnected: Vec<u32>) -> (InstanceGroupSpec, Remarks) {
        let mut r = Remarks::default();
        r.above("", &self.comment);
        let mut g = InstanceGroupSpec {
            name: self.name.clone(),
            count: i64::from(self.count),
            // Checked on reading: min ≤ count ≤ max.
            min_size: self.min_max.map(|m| m.0),
            max_size: self.min_max.map(|m| m.1),
            availability_zones: Some(self.zones.clone()),
            market: self.spot.then(|| "spot".into()),
            az_rebalance: (!self.az_rebalance).then_some(false),
            draining_instances: self.draining.iter().map(|&n| i64::from(n)).collect(),
            agent_disconnected: agent_disconnected.iter().map(|&n| i64::from(n)).collect(),
            registered_memory_mib: self.registered_memory.map(|m| i64::from(m.0)),
            attributes: self.attributes.clone(),
            ..Default::default()
        };
        match &self.mixed {
            Some(m) => m.apply(&mut g, &mut r),
            None => g.instance_type = Some(self.instance_type.clone()),
        }
        if !self.az_rebalance {
            r.after("", "az_rebalance", "AZRebalance is suspended");
        }
        if !g.draining_instances.is_empty() {
            r.after(
                "",
                "draining_instances",
                "DRAINING in describe-container-instances",
            );
        }
        if !g.agent_disconnected.is_empty() {
            r.after(
                "",
                "agent_disconnected",
                "agentConnected: false; ECS places no task on them",
            );
        }
        if let Some((_, modelled)) = self.registered_memory {
            let why = format!("registeredResources MEMORY (ecsim's model of the type: {modelled})");
            r.after("", "registered_memory_mib", &why);
        }
        (g, r)
    }
}
