//! Shipped reference data: EC2 instance types, Fargate sizes.

pub mod fargate;
pub mod list;
pub mod requirements;

use crate::model::Arch;
use std::sync::OnceLock;

#[derive(Debug, Clone, PartialEq)]
pub struct InstanceType {
    pub name: String,
    pub vcpu: u32,
    pub memory_mib: u32,
    pub arch: Arch,
    /// GPUs the ECS agent registers (`resourceRequirements` type GPU).
    pub gpus: u32,
    /// ENIs the instance can attach, its primary one included; `None` when
    /// unknown (the type then runs no `awsvpc` task until one is declared).
    pub max_enis: Option<u32>,
    /// `awsvpc` tasks an instance runs with awsvpcTrunking on, as ECS's
    /// trunking table gives them (`eni_trunking.csv`); `None` or 0 when ECS
    /// does not list the type (it then does not support trunking).
    pub trunk_tasks: Option<u32>,
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

    /// How many `awsvpc` tasks one instance runs: each takes an ENI and the
    /// primary ENI is the instance's own ("Amazon ECS task networking options
    /// for EC2"); with trunking, ECS's per-type task limit, which already
    /// leaves out the primary and the trunk ENI ("Supported instances for
    /// increased Amazon ECS container network interfaces"). `None` when
    /// unknown, or with trunking when the type does not support it.
    pub fn awsvpc_tasks(&self, trunking: bool) -> Option<u32> {
        if trunking {
            self.trunk_tasks.filter(|&n| n > 0)
        } else {
            self.max_enis.map(|n| n.saturating_sub(1))
        }
    }
}

const CSV: &str = include_str!("instance_types.csv");
/// ECS's own table of awsvpc tasks per type with ENI trunking; its header
/// gives the page, the commit and what was left out.
const ENI_TRUNKING: &str = include_str!("eni_trunking.csv");
/// Where the trunking limits come from, for messages and `ecsim catalog`.
pub const TRUNKING_SOURCE: &str = "src/catalog/eni_trunking.csv (ECS developer guide, \"Supported instances for increased Amazon ECS container network interfaces\", awsdocs/amazon-ecs-developer-guide at 021abe8c, 2023-04)";
const EC2_US_EAST_1: &str = include_str!("ec2_us_east_1.csv");
/// Where the catalog comes from, for messages and `ecsim catalog`.
pub const SOURCE: &str = "src/catalog/instance_types.csv (EC2 DescribeInstanceTypes via aws/karpenter-provider-aws and aws/amazon-vpc-cni-k8s, 2026-07/08)";

/// The most memory a declared type may have: the largest EC2 type's, which
/// keeps the ledger's sums in u64 (see the test below).
pub const MAX_MEMORY_MIB: u32 = 32 * 1024 * 1024;
/// The most vCPUs a declared type may have (EC2's largest has 896).
pub const MAX_VCPU: u32 = 4096;

struct Catalog {
    /// Sorted by name.
    types: Vec<InstanceType>,
    /// Listed by the sources without vCPU, memory or architecture.
    no_specs: Vec<&'static str>,
}

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let mut types = Vec::new();
        let mut no_specs = Vec::new();
        for l in CSV
            .lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with("instance_type") && !l.is_empty())
        {
            let f: Vec<&str> = l.split(',').collect();
            let num = |i: usize| f.get(i).and_then(|v| v.parse::<u32>().ok());
            let (Some(vcpu), Some(memory_mib), Some(arch)) = (
                num(3),
                num(4),
                match f.get(5) {
                    Some(&"arm64") => Some(Arch::Arm64),
                    Some(&"x86_64") => Some(Arch::X86_64),
                    _ => None,
                },
            ) else {
                no_specs.push(f[0]);
                continue;
            };
            types.push(InstanceType {
                name: f[0].to_string(),
                vcpu,
                memory_mib,
                arch,
                gpus: num(6).unwrap_or(0),
                max_enis: num(12),
                // Column 14 (the VPC CNI's branch-ENI count) is not ECS's
                // figure (c5.large 9 where ECS documents 10): ECS's table wins,
                // and a type it does not list has no trunking.
                trunk_tasks: ecs_trunk_tasks(f[0]),
            });
        }
        types.sort_by(|a, b| a.name.cmp(&b.name));
        no_specs.sort_unstable();
        Catalog { types, no_specs }
    })
}

/// ECS's trunking table, (instance type, awsvpc tasks with trunking), sorted
/// by type. The data is shipped and checked by a test, so a malformed row
/// cannot reach a user; it would be skipped, never guessed.
fn eni_trunking() -> &'static [(&'static str, u32)] {
    static TABLE: OnceLock<Vec<(&'static str, u32)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut v: Vec<(&str, u32)> = ENI_TRUNKING
            .lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with("instance_type") && !l.is_empty())
            .filter_map(|l| {
                let (name, n) = l.split_once(',')?;
                Some((name, n.parse().ok()?))
            })
            .collect();
        v.sort_unstable();
        v
    })
}

/// The awsvpc tasks ECS documents for `name` with trunking; `None` when its
/// table does not list the type (it then does not support trunking). Also
/// for types the catalog has no specs for (mac2.metal, u-18tb1.metal), which
/// a scenario declares with `[[instance_types]]`.
pub fn ecs_trunk_tasks(name: &str) -> Option<u32> {
    let t = eni_trunking();
    t.binary_search_by(|(n, _)| (*n).cmp(name))
        .ok()
        .map(|i| t[i].1)
}

pub fn instance_types() -> &'static [InstanceType] {
    &catalog().types
}

pub fn instance_type(name: &str) -> Option<&'static InstanceType> {
    let types = instance_types();
    types
        .binary_search_by(|t| t.name.as_str().cmp(name))
        .ok()
        .map(|i| &types[i])
}

/// The shipped us-east-1 on-demand prices: (region, instance type, USD per hour).
pub fn shipped_ec2_prices() -> impl Iterator<Item = (&'static str, &'static str, &'static str)> {
    EC2_US_EAST_1
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("region") && !l.is_empty())
        .filter_map(|l| {
            let mut f = l.split(',');
            Some((f.next()?, f.next()?, f.next()?))
        })
}

/// Why `name` is not usable and how to make it so, for error messages.
pub fn unknown_type_help(name: &str) -> String {
    let declare = format!(
        "declare it in the scenario: [[instance_types]] name = \"{name}\", vcpu = 4, memory_mib = 16384, arch = \"x86_64\" (optional: gpus, max_enis, usd_per_hour, registered_memory_mib)"
    );
    if catalog().no_specs.binary_search(&name).is_ok() {
        return format!(
            "the catalog lists instance type \"{name}\" but its sources give no vCPU, memory or architecture for it; {declare}"
        );
    }
    format!(
        "unknown instance type \"{name}\"; {}; or {declare}",
        suggest_instance_types(name)
    )
}

/// Known types of the same family, or families sharing the first letter,
/// for error messages.
pub fn suggest_instance_types(name: &str) -> String {
    let family = name.split('.').next().unwrap_or("");
    let mut same: Vec<&InstanceType> = instance_types()
        .iter()
        .filter(|t| t.name.split('.').next() == Some(family))
        .collect();
    // Smallest first, as AWS lists sizes.
    same.sort_by_key(|t| (t.vcpu, t.memory_mib, t.name.len()));
    let same: Vec<&str> = same.iter().map(|t| t.name.as_str()).collect();
    if !same.is_empty() {
        return format!("known {family} sizes: {}", same.join(", "));
    }
    let first = family.get(..1).unwrap_or("");
    let mut fams: Vec<&str> = instance_types()
        .iter()
        .filter_map(|t| t.name.split('.').next())
        .filter(|f| !first.is_empty() && f.starts_with(first))
        .collect();
    fams.dedup();
    if fams.is_empty() {
        return "`ecsim catalog` lists the known types".into();
    }
    format!(
        "known families starting with \"{first}\": {} (`ecsim catalog` lists all types)",
        fams.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ledger sums each owner's reserved MiB·ms and CPU·ms per instance
    /// in u64 (`billing::ledger`): what an instance reserves never exceeds
    /// what it registers, so its largest type (32 TiB, also the most a
    /// scenario may declare) over the longest run must fit with room to spare.
    #[test]
    fn reservation_areas_fit_in_u64() {
        let max = crate::scenario::MAX_DURATION;
        for t in instance_types() {
            let mib_ms = u128::from(t.memory_mib) * u128::from(max);
            let cpu_ms = u128::from(t.vcpu) * 1024 * u128::from(max);
            assert!(mib_ms.max(cpu_ms) < u128::from(u64::MAX / 8), "{}", t.name);
        }
        assert!(u128::from(MAX_MEMORY_MIB) * u128::from(max) < u128::from(u64::MAX / 8));
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

    /// Every row of ECS's trunking table parses and names a catalog type, so
    /// none is dropped silently; ECS's own examples read back ("Supported
    /// instances for increased Amazon ECS container network interfaces").
    #[test]
    fn eni_trunking_table_is_whole() {
        let rows = ENI_TRUNKING
            .lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with("instance_type") && !l.is_empty())
            .count();
        let table = eni_trunking();
        assert_eq!((rows, table.len()), (413, 413));
        for (name, n) in table {
            assert!(*n > 0, "{name}");
            assert_eq!(ecs_trunk_tasks(name), Some(*n), "{name}");
            // A catalog type, or one listed without specs (declared by hand).
            match instance_type(name) {
                Some(t) => assert_eq!(t.trunk_tasks, Some(*n), "{name}"),
                None => assert!(catalog().no_specs.contains(name), "{name}"),
            }
        }
        let tasks = |n: &str| instance_type(n).unwrap().awsvpc_tasks(true);
        assert_eq!(tasks("c5.large"), Some(10));
        assert_eq!(tasks("m5.4xlarge"), Some(60));
        assert_eq!(tasks("c6i.8xlarge"), Some(90));
        // Not in ECS's table, or excluded by its note: no trunking.
        for n in [
            "t3.medium",
            "m7i.large",
            "c5n.large",
            "m5n.large",
            "c5a.8xlarge",
            "i4i.large",
        ] {
            assert_eq!(tasks(n), None, "{n}");
        }
        // mac2.metal, u-18tb1.metal and u-24tb1.metal have no specs.
        let listed = instance_types()
            .iter()
            .filter(|t| t.trunk_tasks.is_some())
            .count();
        assert_eq!(listed, 410);
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
            gpus: 0,
            max_enis: Some(3),
            trunk_tasks: Some(9),
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
