//! ECS Managed Instances in an export: a capacity provider with a
//! `managedInstancesProvider` (describe-capacity-providers; API reference
//! "ManagedInstancesProvider", "InstanceLaunchTemplate",
//! "InstanceRequirementsRequest", "InfrastructureOptimization") becomes a
//! `[[capacity_providers]] kind = "managed_instances"` block. Its container
//! instances are not imported as a group: ECS launches them again in the
//! simulation from the tasks that wait.

use super::toml_out::toml_str;
use serde_json::Value;

/// The provider's scenario block; what cannot be mapped is noted.
pub fn provider_toml(name: &str, mi: &Value, notes: &mut Vec<String>) -> String {
    let mut s = format!(
        "# ECS Managed Instances (managedInstancesProvider)\n[[capacity_providers]]\nname = {}\nkind = \"managed_instances\"\n",
        toml_str(name)
    );
    let lt = &mi["instanceLaunchTemplate"];
    match lt["capacityOptionType"].as_str() {
        Some("SPOT") => s += "capacity_option = \"spot\"\n",
        None | Some("ON_DEMAND") => {}
        Some(o) => notes.push(format!(
            "capacity provider {name}: capacityOptionType {o} is not modelled (on-demand used)"
        )),
    }
    if let Some(n) = mi["infrastructureOptimization"]["scaleInAfter"].as_i64() {
        match n {
            -1 => s += "scale_in_after = \"off\"\n",
            0..=3600 => s += &format!("scale_in_after = \"{n}s\"\n"),
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
    s + &format!(
        "instance_requirements = {}\n",
        requirements(
            &format!("capacity provider {name}"),
            &lt["instanceRequirements"],
            notes
        )
    )
}

/// InstanceRequirementsRequest (camelCase, as ECS prints it) as the
/// scenario's inline table; `who` names its owner in notes. The keys
/// ecsim models are kept; others are noted. AWS requires vCpuCount and
/// memoryMiB: when the export lacks them, the smallest a Managed Instance
/// may be (2 vCPUs; any memory) stands in, and a note says so.
pub(super) fn requirements(who: &str, r: &Value, notes: &mut Vec<String>) -> String {
    let range = |v: &Value| -> Option<String> {
        let min = v["min"].as_u64();
        let max = v["max"].as_u64();
        if min.is_none() && max.is_none() {
            return None;
        }
        let mut parts = Vec::new();
        if let Some(m) = min {
            parts.push(format!("min = {m}"));
        }
        if let Some(m) = max {
            parts.push(format!("max = {m}"));
        }
        Some(format!("{{ {} }}", parts.join(", ")))
    };
    let list = |v: &Value| -> Option<String> {
        let items: Vec<String> = v
            .as_array()?
            .iter()
            .filter_map(|x| x.as_str())
            .map(toml_str)
            .collect();
        Some(format!("[{}]", items.join(", ")))
    };
    let mut keys = Vec::new();
    let vcpu = range(&r["vCpuCount"]).unwrap_or_else(|| {
        notes.push(format!(
            "{who}: instanceRequirements has no vCpuCount; vcpu_count = {{ min = 2 }} stands in"
        ));
        "{ min = 2 }".into()
    });
    keys.push(format!("vcpu_count = {vcpu}"));
    let mem = range(&r["memoryMiB"]).unwrap_or_else(|| {
        notes.push(format!(
            "{who}: instanceRequirements has no memoryMiB; memory_mib = {{ min = 0 }} stands in"
        ));
        "{ min = 0 }".into()
    });
    keys.push(format!("memory_mib = {mem}"));
    for (aws, ours) in [
        ("cpuManufacturers", "cpu_manufacturers"),
        ("instanceGenerations", "instance_generations"),
        ("allowedInstanceTypes", "allowed_instance_types"),
        ("excludedInstanceTypes", "excluded_instance_types"),
    ] {
        if let Some(l) = list(&r[aws]) {
            keys.push(format!("{ours} = {l}"));
        }
    }
    for (aws, ours) in [
        ("burstablePerformance", "burstable_performance"),
        ("bareMetal", "bare_metal"),
    ] {
        if let Some(v) = r[aws].as_str() {
            keys.push(format!("{ours} = {}", toml_str(v)));
        }
    }
    if let Some(a) = range(&r["acceleratorCount"]) {
        keys.push(format!("accelerator_count = {a}"));
    }
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
    format!("{{ {} }}", keys.join(", "))
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
        let t = provider_toml("mi", &v, &mut notes);
        assert!(t.contains("kind = \"managed_instances\""), "{t}");
        assert!(t.contains("capacity_option = \"spot\""), "{t}");
        assert!(t.contains("scale_in_after = \"600s\""), "{t}");
        assert!(
            t.contains("instance_requirements = { vcpu_count = { min = 2, max = 8 }, memory_mib = { min = 4096 }, cpu_manufacturers = [\"amd\"] }"),
            "{t}"
        );
        assert!(
            notes.iter().any(|n| n.contains("localStorage")),
            "{notes:?}"
        );
    }
}
