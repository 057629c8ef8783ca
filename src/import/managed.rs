//! ECS Managed Instances in an export: a capacity provider with a
//! `managedInstancesProvider` (describe-capacity-providers; API reference
//! "ManagedInstancesProvider", "InstanceLaunchTemplate",
//! "InstanceRequirementsRequest", "InfrastructureOptimization") becomes a
//! `[[capacity_providers]] kind = "managed_instances"` entry. Its container
//! instances are not imported as a group: ECS launches them again in the
//! simulation from the tasks that wait.

use crate::catalog::requirements::{Range, Requirements};
use crate::scenario::spec::CapacityProviderSpec;
use serde_json::Value;

/// The provider as the scenario's; what cannot be mapped is noted.
pub fn provider_spec(name: &str, mi: &Value, notes: &mut Vec<String>) -> CapacityProviderSpec {
    let mut s = CapacityProviderSpec {
        name: name.into(),
        kind: Some("managed_instances".into()),
        ..Default::default()
    };
    let lt = &mi["instanceLaunchTemplate"];
    match lt["capacityOptionType"].as_str() {
        Some("SPOT") => s.capacity_option = Some("spot".into()),
        None | Some("ON_DEMAND") => {}
        Some(o) => notes.push(format!(
            "capacity provider {name}: capacityOptionType {o} is not modelled (on-demand used)"
        )),
    }
    if let Some(n) = mi["infrastructureOptimization"]["scaleInAfter"].as_i64() {
        match n {
            -1 => s.scale_in_after = Some("off".into()),
            0..=3600 => s.scale_in_after = Some(format!("{n}s")),
            _ => notes.push(format!(
                "capacity provider {name}: scaleInAfter {n} is outside -1 and 0-3600; ecsim's default used"
            )),
        }
    }
    if lt["networkConfiguration"]["subnets"].is_array() {
        notes.push(format!(
            "capacity provider {name}: subnets are not mapped to zones (the export has no describe-subnets); it launches in every cluster zone"
        ));
    }
    s.instance_requirements = Some(requirements(
        &format!("capacity provider {name}"),
        &lt["instanceRequirements"],
        notes,
    ));
    s
}

/// InstanceRequirementsRequest (camelCase, as ECS prints it) as the
/// scenario's; `who` names its owner in notes. The keys ecsim models are
/// kept; others are noted. AWS requires vCpuCount and memoryMiB: when the
/// export lacks them, the smallest a Managed Instance may be (2 vCPUs; any
/// memory) stands in, and a note says so.
pub(super) fn requirements(who: &str, r: &Value, notes: &mut Vec<String>) -> Requirements {
    let mut bound = |v: &Value, end: &str, path: &str| -> Option<u32> {
        let n = v[end].as_u64()?;
        // No instance has 2^32 of anything: beyond it, the bound holds for all.
        u32::try_from(n).ok().or_else(|| {
            notes.push(format!(
                "{who}: instanceRequirements.{path}.{end} {n} is beyond any instance; read as {}",
                u32::MAX
            ));
            Some(u32::MAX)
        })
    };
    let mut range = |v: &Value, path: &str| -> Option<Range> {
        let (min, max) = (bound(v, "min", path), bound(v, "max", path));
        (min.is_some() || max.is_some()).then_some(Range { min, max })
    };
    let vcpu = range(&r["vCpuCount"], "vCpuCount");
    let mem = range(&r["memoryMiB"], "memoryMiB");
    let accelerators = range(&r["acceleratorCount"], "acceleratorCount");
    let list = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default()
    };
    let vcpu_count = vcpu.or_else(|| {
        notes.push(format!(
            "{who}: instanceRequirements has no vCpuCount; vcpu_count = {{ min = 2 }} stands in"
        ));
        Some(Range {
            min: Some(2),
            max: None,
        })
    });
    let memory_mib = mem.or_else(|| {
        notes.push(format!(
            "{who}: instanceRequirements has no memoryMiB; memory_mib = {{ min = 0 }} stands in"
        ));
        Some(Range {
            min: Some(0),
            max: None,
        })
    });
    let modelled = [
        "vCpuCount",
        "memoryMiB",
        "cpuManufacturers",
        "instanceGenerations",
        "allowedInstanceTypes",
        "excludedInstanceTypes",
        "burstablePerformance",
        "bareMetal",
        "acceleratorCount",
    ];
    if let Some(obj) = r.as_object() {
        for k in obj.keys().filter(|k| !modelled.contains(&k.as_str())) {
            notes.push(format!(
                "{who}: instanceRequirements.{k} is not modelled (the catalog has no such attribute)"
            ));
        }
    }
    Requirements {
        vcpu_count,
        memory_mib,
        cpu_manufacturers: list(&r["cpuManufacturers"]),
        instance_generations: list(&r["instanceGenerations"]),
        burstable_performance: r["burstablePerformance"].as_str().map(String::from),
        bare_metal: r["bareMetal"].as_str().map(String::from),
        accelerator_count: accelerators,
        allowed_instance_types: list(&r["allowedInstanceTypes"]),
        excluded_instance_types: list(&r["excludedInstanceTypes"]),
        arch: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_the_documented_shape() {
        let v: Value = serde_json::json!({
            "infrastructureRoleArn": "arn:aws:iam::1:role/infra",
            "instanceLaunchTemplate": {
                "ec2InstanceProfileArn": "arn:aws:iam::1:instance-profile/p",
                "networkConfiguration": { "subnets": ["subnet-1"] },
                "capacityOptionType": "SPOT",
                "instanceRequirements": {
                    "vCpuCount": { "min": 2, "max": 8 },
                    "memoryMiB": { "min": 4096 },
                    "cpuManufacturers": ["amd"],
                    "localStorage": "excluded"
                }
            },
            "infrastructureOptimization": { "scaleInAfter": 600 }
        });
        let mut notes = Vec::new();
        let t = provider_spec("mi", &v, &mut notes);
        assert_eq!(t.kind.as_deref(), Some("managed_instances"));
        assert_eq!(t.capacity_option.as_deref(), Some("spot"));
        assert_eq!(t.scale_in_after.as_deref(), Some("600s"));
        let want: Requirements = toml::from_str(
            "vcpu_count = { min = 2, max = 8 }\nmemory_mib = { min = 4096 }\ncpu_manufacturers = [\"amd\"]",
        )
        .unwrap();
        assert_eq!(t.instance_requirements, Some(want));
        assert!(
            notes.iter().any(|n| n.contains("localStorage")),
            "{notes:?}"
        );
    }
}
