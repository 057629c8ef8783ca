//! Import of the task-definition JSON users already pass to
//! `aws ecs register-task-definition --cli-input-json`. Fields that do not
//! change where or whether a task runs (environment, logging, secrets, …)
//! are accepted and ignored; those that would and that ecsim does not model
//! are refused (`check_unmodelled`), so no placement is silently optimistic.

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AwsTaskDef {
    pub family: Option<String>,
    #[serde(default)]
    pub cpu: Option<StrOrNum>,
    #[serde(default)]
    pub memory: Option<StrOrNum>,
    #[serde(default)]
    pub network_mode: Option<String>,
    #[serde(default)]
    pub container_definitions: Vec<AwsContainer>,
    #[serde(default)]
    pub runtime_platform: Option<AwsRuntimePlatform>,
    #[serde(default)]
    pub placement_constraints: Vec<AwsConstraint>,
    #[serde(default)]
    pub ephemeral_storage: Option<AwsEphemeralStorage>,
    #[serde(default)]
    pub inference_accelerators: Vec<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
pub struct AwsEphemeralStorage {
    #[serde(rename = "sizeInGiB", default)]
    pub size_in_gib: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum StrOrNum {
    Num(i64),
    Str(String),
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AwsContainer {
    pub name: Option<String>,
    #[serde(default)]
    pub cpu: Option<i64>,
    #[serde(default)]
    pub memory: Option<i64>,
    #[serde(default)]
    pub memory_reservation: Option<i64>,
    #[serde(default)]
    pub essential: Option<bool>,
    /// Seconds.
    #[serde(default)]
    pub stop_timeout: Option<i64>,
    #[serde(default)]
    pub port_mappings: Vec<AwsPortMapping>,
    #[serde(default)]
    pub resource_requirements: Vec<AwsResourceRequirement>,
    #[serde(default)]
    pub health_check: Option<AwsHealthCheck>,
}

/// ContainerDefinition `healthCheck`; times in seconds.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AwsHealthCheck {
    #[serde(default)]
    pub command: Vec<String>,
    #[serde(default)]
    pub interval: Option<i64>,
    #[serde(default)]
    pub timeout: Option<i64>,
    #[serde(default)]
    pub retries: Option<i64>,
    #[serde(default)]
    pub start_period: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct AwsResourceRequirement {
    #[serde(rename = "type")]
    pub kind: String,
    pub value: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AwsPortMapping {
    #[serde(default)]
    pub container_port: Option<i64>,
    #[serde(default)]
    pub host_port: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AwsRuntimePlatform {
    #[serde(default)]
    pub cpu_architecture: Option<String>,
    #[serde(default)]
    pub operating_system_family: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct AwsConstraint {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub expression: Option<String>,
}

/// Task-level CPU: units ("1024") or vCPUs ("1 vCPU", "0.5 vcpu").
pub fn parse_cpu(v: &StrOrNum) -> Result<i64, String> {
    parse_with_unit(
        v,
        &["vcpu"],
        1024.0,
        "CPU units like \"1024\" or vCPUs like \"1 vCPU\"",
    )
}

/// Task-level memory: MiB ("2048") or GB ("2 GB", "2GB"), 1 GB = 1024 MiB.
pub fn parse_memory(v: &StrOrNum) -> Result<i64, String> {
    parse_with_unit(
        v,
        &["gb", "gib"],
        1024.0,
        "MiB like \"2048\" or GB like \"2 GB\"",
    )
}

fn parse_with_unit(v: &StrOrNum, units: &[&str], scale: f64, forms: &str) -> Result<i64, String> {
    let s = match v {
        StrOrNum::Num(n) => return Ok(*n),
        StrOrNum::Str(s) => s.trim().to_ascii_lowercase(),
    };
    if let Ok(n) = s.parse::<i64>() {
        return Ok(n);
    }
    for u in units {
        if let Some(x) = s.strip_suffix(u).and_then(|n| n.trim().parse::<f64>().ok())
            && x.is_finite()
            && x >= 0.0
        {
            return Ok((x * scale).round() as i64);
        }
    }
    Err(format!("cannot read \"{s}\"; expected {forms}"))
}

/// Static host ports the task needs: containerPort in host mode, a non-zero
/// hostPort in bridge mode, none in awsvpc (each task has its own ENI).
pub fn host_ports(network_mode: Option<&str>, c: &AwsContainer) -> Vec<i64> {
    match network_mode.unwrap_or("bridge") {
        "host" => c
            .port_mappings
            .iter()
            .filter_map(|p| p.host_port.or(p.container_port))
            .collect(),
        "bridge" => c
            .port_mappings
            .iter()
            .filter_map(|p| p.host_port)
            .filter(|&p| p != 0)
            .collect(),
        _ => Vec::new(),
    }
}

/// The GPUs the task reserves, summed over containers ("Specifying GPUs in
/// an Amazon ECS task definition": the agent pins that many physical GPUs);
/// or the field path and why a field that changes placement cannot be
/// simulated.
pub fn check_unmodelled(aws: &AwsTaskDef) -> Result<u32, (String, String)> {
    if !aws.inference_accelerators.is_empty() {
        return Err((
            "inferenceAccelerators".into(),
            "Elastic Inference accelerators are not modelled (and AWS has retired the service); remove them, or use GPUs (resourceRequirements type GPU)".into(),
        ));
    }
    if let Some(os) = aws
        .runtime_platform
        .as_ref()
        .and_then(|r| r.operating_system_family.as_deref())
        && os != "LINUX"
    {
        return Err((
            "runtimePlatform.operatingSystemFamily".into(),
            format!("\"{os}\": ecsim models Linux container instances only (LINUX)"),
        ));
    }
    let mut gpus: u32 = 0;
    for (k, c) in aws.container_definitions.iter().enumerate() {
        for (n, r) in c.resource_requirements.iter().enumerate() {
            let path = format!("containerDefinitions[{k}].resourceRequirements[{n}]");
            match r.kind.as_str() {
                "GPU" => {
                    let g = r.value.trim().parse::<u32>().ok().filter(|&g| g <= 64).ok_or_else(|| {
                        (
                            format!("{path}.value"),
                            format!("\"{}\": ecsim models whole GPUs, 0 to 64 (not ALL or fractions)", r.value),
                        )
                    })?;
                    gpus = gpus.saturating_add(g);
                }
                "InferenceAccelerator" => {
                    return Err((
                        format!("{path}.type"),
                        "Elastic Inference accelerators are not modelled; only GPU is".into(),
                    ));
                }
                other => {
                    return Err((
                        format!("{path}.type"),
                        format!("\"{other}\" is not GPU or InferenceAccelerator"),
                    ));
                }
            }
        }
    }
    Ok(gpus)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_and_memory_strings() {
        assert_eq!(parse_cpu(&StrOrNum::Str("1024".into())), Ok(1024));
        assert_eq!(parse_cpu(&StrOrNum::Str("1 vCPU".into())), Ok(1024));
        assert_eq!(parse_cpu(&StrOrNum::Str("0.5 vcpu".into())), Ok(512));
        assert_eq!(parse_memory(&StrOrNum::Str("2 GB".into())), Ok(2048));
        assert_eq!(parse_memory(&StrOrNum::Str("3GB".into())), Ok(3072));
        assert_eq!(parse_memory(&StrOrNum::Num(512)), Ok(512));
        assert!(parse_memory(&StrOrNum::Str("lots".into())).is_err());
    }
}
