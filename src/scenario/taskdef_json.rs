//! Import of the task-definition JSON users already pass to
//! `aws ecs register-task-definition --cli-input-json`. Fields ecsim does not
//! model are ignored; the ones it does are honoured.

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
