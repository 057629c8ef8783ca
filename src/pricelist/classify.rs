//! Which offer-file products ecsim prices, and under which of its keys.
//! The CSV and JSON forms carry the same product attributes under
//! different names (`Operating System` / `operatingSystem`); one rule
//! serves both.

/// A product attribute ecsim looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attr {
    Family,
    Region,
    Usage,
    InstanceType,
    Tenancy,
    Os,
    PreSw,
    Capacity,
    Market,
    VolumeApi,
}

impl Attr {
    pub const ALL: [Attr; 10] = [
        Attr::Family,
        Attr::Region,
        Attr::Usage,
        Attr::InstanceType,
        Attr::Tenancy,
        Attr::Os,
        Attr::PreSw,
        Attr::Capacity,
        Attr::Market,
        Attr::VolumeApi,
    ];

    /// The column name in the CSV form.
    pub fn csv(self) -> &'static str {
        match self {
            Attr::Family => "Product Family",
            Attr::Region => "Region Code",
            Attr::Usage => "usageType",
            Attr::InstanceType => "Instance Type",
            Attr::Tenancy => "Tenancy",
            Attr::Os => "Operating System",
            Attr::PreSw => "Pre Installed S/W",
            Attr::Capacity => "CapacityStatus",
            Attr::Market => "MarketOption",
            Attr::VolumeApi => "Volume API Name",
        }
    }

    /// The name in the JSON form: `productFamily` sits beside
    /// `attributes`, the rest inside it.
    pub fn json(self) -> &'static str {
        match self {
            Attr::Family => "productFamily",
            Attr::Region => "regionCode",
            Attr::Usage => "usagetype",
            Attr::InstanceType => "instanceType",
            Attr::Tenancy => "tenancy",
            Attr::Os => "operatingSystem",
            Attr::PreSw => "preInstalledSw",
            Attr::Capacity => "capacitystatus",
            Attr::Market => "marketoption",
            Attr::VolumeApi => "volumeApiName",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// A product ecsim prices: its `prices.csv` product and key, and the unit
/// its price must be in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub product: &'static str,
    pub key: String,
    pub unit: Unit,
}

/// The unit a price must be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// EC2 instance hours, "Hrs".
    Hrs,
    /// EBS storage, "GB-Mo".
    GbMonth,
    /// Fargate: "hours" (per vCPU) or "GB-Hours".
    Hours,
}

impl Unit {
    pub fn accepts(self, u: &str) -> bool {
        match self {
            Unit::Hrs => u == "Hrs",
            Unit::GbMonth => u == "GB-Mo",
            Unit::Hours => {
                u.eq_ignore_ascii_case("hrs") || u.to_ascii_lowercase().ends_with("hours")
            }
        }
    }

    pub fn expected(self) -> &'static str {
        match self {
            Unit::Hrs => "Hrs",
            Unit::GbMonth => "GB-Mo",
            Unit::Hours => "hours or GB-Hours",
        }
    }
}

/// The Fargate usage types (after the region prefix such as `USE1-` or
/// `EU-`) and what they price. Windows, Spot and the ECS-on-EC2 / ECS
/// Anywhere meters are not among them, so they are passed over.
const FARGATE: &[(&str, &str, &str)] = &[
    ("Fargate-vCPU-Hours:perCPU", "fargate_vcpu", "x86_64"),
    ("Fargate-GB-Hours", "fargate_gb", "x86_64"),
    ("Fargate-ARM-vCPU-Hours:perCPU", "fargate_vcpu", "arm64"),
    ("Fargate-ARM-GB-Hours", "fargate_gb", "arm64"),
    (
        "Fargate-EphemeralStorage-GB-Hours",
        "fargate_ephemeral_gb",
        "any",
    ),
];

/// The item a product prices, or `None` for the products ecsim does not
/// use. `get` gives an attribute's value (`None` when the file lacks it).
///
/// EC2 instances are kept the way a Linux on-demand price is chosen:
/// operating system Linux, tenancy Shared (not Dedicated or Host),
/// pre-installed software NA (not SQL Server), capacity status Used (not
/// the Unused/Allocated capacity reservation rows); rows with a market
/// option other than OnDemand (Spot, Capacity Blocks) are passed over.
pub fn classify<'a>(get: impl Fn(Attr) -> Option<&'a str>) -> Option<Item> {
    let family = get(Attr::Family).unwrap_or("");
    if family.starts_with("Compute Instance") {
        let is = |a: Attr, v: &str| get(a) == Some(v);
        let market_ok = matches!(get(Attr::Market), None | Some("") | Some("OnDemand"));
        let capacity_ok = matches!(get(Attr::Capacity), None | Some("Used"));
        if is(Attr::Os, "Linux")
            && is(Attr::Tenancy, "Shared")
            && is(Attr::PreSw, "NA")
            && capacity_ok
            && market_ok
        {
            let t = get(Attr::InstanceType).filter(|t| !t.is_empty())?;
            return Some(Item {
                product: "ec2",
                key: t.to_string(),
                unit: Unit::Hrs,
            });
        }
        return None;
    }
    if family == "Storage" && get(Attr::VolumeApi) == Some("gp3") {
        return Some(Item {
            product: "ebs_gp3_gb",
            key: "any".into(),
            unit: Unit::GbMonth,
        });
    }
    let usage = get(Attr::Usage)?;
    if let Some(item) = managed_instances_fee(usage, get(Attr::InstanceType)) {
        return Some(item);
    }
    let at = usage.find("Fargate-")?;
    // The prefix is the region's billing code ("USE1-"); a Spot meter
    // carries "SpotUsage-" there.
    if usage[..at].contains("Spot") {
        return None;
    }
    let tail = &usage[at..];
    FARGATE
        .iter()
        .find(|(u, _, _)| *u == tail)
        .map(|&(_, product, key)| Item {
            product,
            key: key.into(),
            unit: Unit::Hours,
        })
}

/// The ECS Managed Instances management fee of an instance type. The
/// AmazonECS offer file's usage type for it was not in the stored AWS
/// material ecsim was built from, so any usage type naming
/// "ManagedInstances" (not Spot) with an instance type is taken as the
/// fee per instance-hour of that type; the rows read are listed in the
/// price source.
fn managed_instances_fee(usage: &str, instance_type: Option<&str>) -> Option<Item> {
    let lower = usage.to_ascii_lowercase();
    if !lower.contains("managedinstance") || lower.contains("spot") {
        return None;
    }
    let t = instance_type.filter(|t| t.contains('.'))?;
    Some(Item {
        product: "ecs_managed_instances",
        key: t.to_string(),
        unit: Unit::Hours,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with<'a>(pairs: &'a [(Attr, &'a str)]) -> impl Fn(Attr) -> Option<&'a str> {
        move |a| pairs.iter().find(|p| p.0 == a).map(|p| p.1)
    }

    #[test]
    fn keeps_linux_shared_used_only() {
        let linux = [
            (Attr::Family, "Compute Instance"),
            (Attr::InstanceType, "m5.large"),
            (Attr::Os, "Linux"),
            (Attr::Tenancy, "Shared"),
            (Attr::PreSw, "NA"),
            (Attr::Capacity, "Used"),
            (Attr::Market, "OnDemand"),
        ];
        assert_eq!(classify(with(&linux)).unwrap().key, "m5.large");
        for (i, v) in [
            (2, "Windows"),
            (3, "Dedicated"),
            (4, "SQL Std"),
            (5, "UnusedCapacityReservation"),
            (6, "CapacityBlock"),
        ] {
            let mut p = linux;
            p[i].1 = v;
            assert!(classify(with(&p)).is_none(), "{v}");
        }
    }

    #[test]
    fn managed_instances_fee_rows() {
        let fee = classify(with(&[
            (Attr::Family, "Compute"),
            (Attr::Usage, "USE1-ECS-ManagedInstances-c6a.2xlarge"),
            (Attr::InstanceType, "c6a.2xlarge"),
        ]))
        .unwrap();
        assert_eq!(
            (fee.product, fee.key.as_str()),
            ("ecs_managed_instances", "c6a.2xlarge")
        );
        assert!(
            classify(with(&[
                (Attr::Usage, "USE1-ECS-ManagedInstances-SpotUsage"),
                (Attr::InstanceType, "c6a.2xlarge"),
            ]))
            .is_none()
        );
    }

    #[test]
    fn fargate_usage_types() {
        let get = |u: &'static str| move |a| (a == Attr::Usage).then_some(u);
        assert_eq!(
            classify(get("EU-Fargate-ARM-GB-Hours")).unwrap().product,
            "fargate_gb"
        );
        for other in [
            "USE1-Fargate-Windows-vCPU-Hours:perCPU",
            "USE1-SpotUsage-Fargate-vCPU-Hours:perCPU",
            "USE1-ECS-EC2-vCPU-Hours",
        ] {
            assert!(classify(get(other)).is_none(), "{other}");
        }
    }
}
