//! A mixed-instances Auto Scaling group in an export (describe-auto-scaling-
//! groups `MixedInstancesPolicy`, as botocore's autoscaling model shapes
//! it: `LaunchTemplate.Overrides` with `InstanceType` or
//! `InstanceRequirements` and `WeightedCapacity`, and
//! `InstancesDistribution`) becomes the fleet keys of one
//! `[[instance_groups]]` table: `instance_types` (or
//! `instance_requirements`) and the On-Demand/Spot split with its
//! allocation strategies, instead of one type all On-Demand.

use super::doc::Remarks;
use super::shapes::{InstancesDistribution, MixedInstancesPolicy};
use crate::scenario::spec::InstanceGroupSpec;
use serde_json::Value;

/// What the group's table says of its types and markets.
#[derive(Debug)]
pub struct Mixed {
    /// The group's keys in place of `instance_type` (`instance_types` or
    /// `instance_requirements`) and the InstancesDistribution keys; the
    /// others unset.
    pub keys: InstanceGroupSpec,
    /// Where the types came from, said after them.
    pub source: &'static str,
    /// The one type of a one-override group; `None` for several types or
    /// requirements, whose registered memory is the catalog's per type.
    pub single: Option<String>,
}

impl Mixed {
    /// Sets the group's types and markets in `g`, with where they came from.
    pub fn apply(&self, g: &mut InstanceGroupSpec, remarks: &mut Remarks) {
        let k = &self.keys;
        g.instance_types.clone_from(&k.instance_types);
        g.instance_requirements.clone_from(&k.instance_requirements);
        g.on_demand_base_capacity = k.on_demand_base_capacity;
        g.on_demand_percentage_above_base_capacity = k.on_demand_percentage_above_base_capacity;
        g.spot_allocation_strategy
            .clone_from(&k.spot_allocation_strategy);
        g.on_demand_allocation_strategy
            .clone_from(&k.on_demand_allocation_strategy);
        let key = match k.instance_types {
            Some(_) => "instance_types",
            None => "instance_requirements",
        };
        remarks.after("", key, self.source);
    }
}

/// `policy`'s fleet keys; `None` when its overrides name no type ecsim
/// knows (the caller then falls back to the instances' most common type).
pub fn mixed(
    group: &str,
    policy: &MixedInstancesPolicy,
    behind_provider: bool,
    notes: &mut Vec<String>,
) -> Option<Mixed> {
    let overrides = policy
        .launch_template
        .as_ref()
        .map(|l| l.overrides.as_slice())
        .unwrap_or_default();
    let who = format!("Auto Scaling group {group}");
    let mut keys = InstanceGroupSpec::default();
    distribution(
        &who,
        policy.instances_distribution.as_ref(),
        notes,
        &mut keys,
    );
    let with_req: Vec<&Value> = overrides
        .iter()
        .filter_map(|o| o.instance_requirements.as_ref())
        .collect();
    if let Some(first) = with_req.first() {
        if with_req.len() > 1 || overrides.iter().any(|o| o.instance_type.is_some()) {
            notes.push(format!("{who}: {} overrides; ecsim's group takes one InstanceRequirements, the first (the others left out)", overrides.len()));
        }
        let req = super::managed::requirements(&who, &camel(first), notes);
        // The group's field is a plain table (the scenario checks it when
        // it reads it); the same keys as the provider's.
        keys.instance_requirements = toml::Value::try_from(&req).ok();
        return Some(Mixed {
            keys,
            source: "MixedInstancesPolicy LaunchTemplate Overrides[0].InstanceRequirements",
            single: None,
        });
    }
    let mut types: Vec<(String, u32)> = Vec::new();
    for (k, o) in overrides.iter().enumerate() {
        let Some(t) = &o.instance_type else { continue };
        if crate::catalog::instance_type(t).is_none() {
            notes.push(format!("{who}: override {k} ({t}) is not in ecsim's catalog; left out (declare it with [[instance_types]] and add it by hand)"));
            continue;
        }
        let weight = match o.weighted_capacity.as_deref().map(str::parse::<u32>) {
            None => 1,
            Some(Ok(w)) if (1..=999).contains(&w) => w,
            Some(_) => {
                notes.push(format!(
                    "{who}: override {k} has WeightedCapacity {:?}, not 1-999; weighted 1",
                    o.weighted_capacity.as_deref().unwrap_or("")
                ));
                1
            }
        };
        types.push((t.clone(), weight));
    }
    if types.is_empty() {
        return None;
    }
    let weighted = types.iter().any(|t| t.1 != 1);
    if weighted && behind_provider {
        // "The Auto Scaling group that's used with your capacity provider
        // can't use instance weighting settings" ("Amazon ECS cluster auto
        // scaling"): the scenario refuses weights there.
        notes.push(format!("{who}: WeightedCapacity behind an ECS capacity provider, which ECS does not support; weights dropped (each instance counts 1)"));
    }
    let list: Vec<toml::Value> = types
        .iter()
        .map(|(t, w)| {
            if weighted && !behind_provider {
                let mut item = toml::Table::new();
                item.insert("type".into(), t.clone().into());
                item.insert("weighted_capacity".into(), i64::from(*w).into());
                toml::Value::Table(item)
            } else {
                t.clone().into()
            }
        })
        .collect();
    keys.instance_types = Some(list);
    Some(Mixed {
        keys,
        source: "MixedInstancesPolicy LaunchTemplate Overrides, in order",
        single: (types.len() == 1).then(|| types[0].0.clone()),
    })
}

/// A policy whose overrides name no type ecsim knows: the group is its
/// instances' most common type, all Spot when the distribution is, else
/// On-Demand (said when it mixes).
pub fn fallback_spot(
    group: &str,
    policy: Option<&MixedInstancesPolicy>,
    itype: &str,
    notes: &mut Vec<String>,
) -> bool {
    let Some(d) = policy.and_then(|m| m.instances_distribution.as_ref()) else {
        return false;
    };
    let pct = d.on_demand_percentage_above_base_capacity.unwrap_or(100);
    let base = d.on_demand_base_capacity.unwrap_or(0);
    if pct < 100 && !(pct == 0 && base == 0) {
        notes.push(format!("Auto Scaling group {group}: mixes On-Demand (base {base}, {pct}% above) and Spot, but none of its overrides is a type ecsim knows; modelled On-Demand as {itype}"));
    }
    pct == 0 && base == 0
}

/// InstancesDistribution's keys into `s`, as exported; AWS prints every
/// one, and an absent one takes AWS's default in the scenario too.
fn distribution(
    who: &str,
    d: Option<&InstancesDistribution>,
    notes: &mut Vec<String>,
    s: &mut InstanceGroupSpec,
) {
    let Some(d) = d else {
        return;
    };
    s.on_demand_base_capacity = d.on_demand_base_capacity;
    s.on_demand_percentage_above_base_capacity = d.on_demand_percentage_above_base_capacity;
    match d.spot_allocation_strategy.as_deref() {
        None => {}
        Some(a @ ("lowest-price" | "capacity-optimized" | "price-capacity-optimized")) => {
            s.spot_allocation_strategy = Some(a.into());
        }
        Some("capacity-optimized-prioritized") => {
            notes.push(format!("{who}: SpotAllocationStrategy capacity-optimized-prioritized is modelled as capacity-optimized (the overrides' order is not a tie-break in ecsim)"));
            s.spot_allocation_strategy = Some("capacity-optimized".into());
        }
        Some(a) => notes.push(format!(
            "{who}: SpotAllocationStrategy {a} is not modelled; ecsim's default (price-capacity-optimized) used"
        )),
    }
    match d.on_demand_allocation_strategy.as_deref() {
        None => {}
        Some(a @ ("prioritized" | "lowest-price")) => {
            s.on_demand_allocation_strategy = Some(a.into());
        }
        Some(a) => notes.push(format!(
            "{who}: OnDemandAllocationStrategy {a} is not modelled; AWS's default used"
        )),
    }
    if let Some(n) = d.spot_instance_pools.filter(|&n| {
        n != crate::model::mixed::SPOT_INSTANCE_POOLS as i64
            && d.spot_allocation_strategy.as_deref() == Some("lowest-price")
    }) {
        notes.push(format!("{who}: SpotInstancePools {n}; ecsim spreads lowest-price Spot over AWS's default of 2 pools"));
    }
    if d.spot_max_price.as_deref().is_some_and(|p| !p.is_empty()) {
        notes.push(format!(
            "{who}: SpotMaxPrice is not modelled (Spot is never outbid in ecsim)"
        ));
    }
}

/// Auto Scaling prints InstanceRequirements in PascalCase (`VCpuCount`,
/// `Min`), ECS in camelCase: the first letter of every key lowered.
fn camel(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let mut c = k.chars();
                    let key = c
                        .next()
                        .map(|f| f.to_lowercase().chain(c).collect())
                        .unwrap_or_default();
                    (key, camel(v))
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(camel).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(v: Value) -> MixedInstancesPolicy {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn maps_weights_requirements_and_strategies() {
        let weighted = policy(serde_json::json!({
            "LaunchTemplate": { "Overrides": [
                { "InstanceType": "m5.xlarge", "WeightedCapacity": "2" },
                { "InstanceType": "m5.2xlarge", "WeightedCapacity": "4" } ] },
            "InstancesDistribution": { "OnDemandBaseCapacity": 0,
                "OnDemandPercentageAboveBaseCapacity": 0,
                "SpotAllocationStrategy": "capacity-optimized-prioritized" }
        }));
        let mut notes = Vec::new();
        let types = |m: &Mixed| toml::Value::Array(m.keys.instance_types.clone().unwrap());
        let m = mixed("g", &weighted, false, &mut notes).unwrap();
        let want: toml::Value = toml::from_str::<toml::Table>(
            "v = [{ type = \"m5.xlarge\", weighted_capacity = 2 }, { type = \"m5.2xlarge\", weighted_capacity = 4 }]",
        )
        .unwrap()["v"]
            .clone();
        assert_eq!(types(&m), want);
        assert_eq!(
            m.keys.spot_allocation_strategy.as_deref(),
            Some("capacity-optimized")
        );
        assert!(
            notes
                .iter()
                .any(|n| n.contains("capacity-optimized-prioritized"))
        );
        // Behind a capacity provider ECS takes no weights: dropped, said.
        let m = mixed("g", &weighted, true, &mut notes).unwrap();
        assert_eq!(
            types(&m),
            toml::Value::from(vec!["m5.xlarge", "m5.2xlarge"])
        );
        assert!(notes.iter().any(|n| n.contains("weights dropped")));
        let req = policy(serde_json::json!({
            "LaunchTemplate": { "Overrides": [ { "InstanceRequirements": {
                "VCpuCount": { "Min": 2, "Max": 4 }, "MemoryMiB": { "Min": 4096 },
                "CpuManufacturers": ["amd"] } } ] }
        }));
        let m = mixed("g", &req, false, &mut notes).unwrap();
        let want: toml::Value = toml::from_str::<toml::Table>(
            "v = { vcpu_count = { min = 2, max = 4 }, memory_mib = { min = 4096 }, cpu_manufacturers = [\"amd\"] }",
        )
        .unwrap()["v"]
            .clone();
        assert_eq!(m.keys.instance_requirements, Some(want));
        assert_eq!(m.single, None);
    }
}
