//! Shipped reference data: EC2 instance types, Fargate sizes.

pub mod fargate;

use crate::model::Arch;
use std::sync::OnceLock;

#[derive(Debug, Clone, PartialEq)]
pub struct InstanceType {
    pub name: String,
    pub vcpu: u32,
    pub memory_mib: u32,
    pub arch: Arch,
}

impl InstanceType {
    /// CPU units the agent registers: 1024 per vCPU, none held back.
    pub fn registered_cpu(&self) -> u32 {
        self.vcpu * 1024
    }

    /// MiB the agent registers before `ECS_RESERVED_MEMORY`. The kernel and
    /// platform keep part of the nominal memory ("Reserving Amazon ECS Linux
    /// container instance memory": an m4.large's 8 GiB registers as 7985 MiB).
    /// The overhead is modelled as 80 MiB + 1.57% of nominal, a fit to published
    /// registrations (m4.large 7985, m4.xlarge 16048, m4.2xlarge 32176,
    /// t2.medium 3952); set `registered_memory_mib` on a group to use a
    /// measured figure instead.
    pub fn registered_memory(&self) -> u32 {
        let overhead = 80 + (u64::from(self.memory_mib) * 157).div_ceil(10_000) as u32;
        self.memory_mib.saturating_sub(overhead)
    }
}

const CSV: &str = include_str!("instance_types.csv");

pub fn instance_types() -> &'static [InstanceType] {
    static TYPES: OnceLock<Vec<InstanceType>> = OnceLock::new();
    TYPES.get_or_init(|| {
        CSV.lines()
            .filter(|l| {
                !l.starts_with('#') && !l.starts_with("instance_type") && !l.trim().is_empty()
            })
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                let gib: f64 = f[2].parse().expect("catalog memory is a number");
                InstanceType {
                    name: f[0].to_string(),
                    vcpu: f[1].parse().expect("catalog vcpu is a number"),
                    memory_mib: (gib * 1024.0) as u32,
                    arch: if f[3] == "arm64" {
                        Arch::Arm64
                    } else {
                        Arch::X86_64
                    },
                }
            })
            .collect()
    })
}

pub fn instance_type(name: &str) -> Option<&'static InstanceType> {
    instance_types().iter().find(|t| t.name == name)
}

/// Known types of the same family, or all families, for error messages.
pub fn suggest_instance_types(name: &str) -> String {
    let family = name.split('.').next().unwrap_or("");
    let same: Vec<&str> = instance_types()
        .iter()
        .filter(|t| t.name.split('.').next() == Some(family))
        .map(|t| t.name.as_str())
        .collect();
    if !same.is_empty() {
        return format!("known {family} sizes: {}", same.join(", "));
    }
    let mut fams: Vec<&str> = instance_types()
        .iter()
        .filter_map(|t| t.name.split('.').next())
        .collect();
    fams.dedup();
    format!("known families: {}", fams.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ledger sums each owner's reserved MiB·ms and CPU·ms per instance
    /// in u64 (`billing::ledger`): what an instance reserves never exceeds
    /// what it registers, so its largest type over the longest run must fit
    /// with room to spare.
    #[test]
    fn reservation_areas_fit_in_u64() {
        let max = crate::scenario::MAX_DURATION;
        for t in instance_types() {
            let mib_ms = u128::from(t.memory_mib) * u128::from(max);
            let cpu_ms = u128::from(t.vcpu) * 1024 * u128::from(max);
            assert!(mib_ms.max(cpu_ms) < u128::from(u64::MAX / 16), "{}", t.name);
        }
    }

    #[test]
    fn catalog_covers_common_types() {
        for t in [
            "m5.xlarge",
            "m6i.large",
            "m6g.large",
            "m7i.large",
            "c5.large",
            "c6i.large",
            "c7g.large",
            "r5.large",
            "r6i.large",
            "t3.medium",
        ] {
            assert!(instance_type(t).is_some(), "{t}");
        }
        let m5 = instance_type("m5.xlarge").unwrap();
        assert_eq!(
            (m5.vcpu, m5.memory_mib, m5.registered_cpu()),
            (4, 16384, 4096)
        );
        assert_eq!(instance_type("c7g.large").unwrap().arch, Arch::Arm64);
    }

    /// Registered memory is below nominal, matching the published m4.large
    /// figure (7985 MiB of 8192) within a few MiB.
    #[test]
    fn registered_memory_model() {
        let m4_large = InstanceType {
            name: "m4.large".into(),
            vcpu: 2,
            memory_mib: 8192,
            arch: Arch::X86_64,
        };
        assert!(
            (m4_large.registered_memory() as i64 - 7985).abs() <= 5,
            "{}",
            m4_large.registered_memory()
        );
        let m4_2xl = InstanceType {
            memory_mib: 32768,
            ..m4_large.clone()
        };
        assert!(
            (m4_2xl.registered_memory() as i64 - 32176).abs() <= 5,
            "{}",
            m4_2xl.registered_memory()
        );
        assert!(suggest_instance_types("m5.huge").contains("m5.xlarge"));
    }
}
