//! What a service pays for beyond compute, when the scenario opts in:
//! public IPv4 addresses (per address-hour, in use or not) and, per service
//! behind one, an Application Load Balancer (per hour or partial hour, plus
//! load balancer capacity units from the requests it served). What ecsim
//! still leaves out of every bill is said with it (`NOT_PRICED`).

use super::money::Rate;
use crate::model::Owner;

/// us-east-1 list prices, USD per hour (aws.amazon.com/vpc/pricing: public
/// IPv4; aws.amazon.com/elasticloadbalancing/pricing: ALB-hour, LCU-hour).
pub const PUBLIC_IPV4_USD_PER_HOUR: f64 = 0.005;
pub const ALB_USD_PER_HOUR: f64 = 0.0225;
pub const ALB_LCU_USD_PER_HOUR: f64 = 0.008;

/// Charges a real bill has that no run of ecsim adds up.
pub const NOT_PRICED: &[&str] = &[
    "NAT gateways",
    "data transfer",
    "CloudWatch metrics and logs",
    "ECR image storage",
    "EBS beyond root volumes",
];

/// The scenario's opt-ins and their prices.
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    pub ipv4: Rate,
    /// Instance groups whose instances hold a public IPv4 address.
    pub ipv4_groups: Vec<u32>,
    /// Services and jobs whose Fargate tasks get one (`assignPublicIp`).
    pub ipv4_owners: Vec<Owner>,
    pub alb_hour: Rate,
    pub lcu_hour: Rate,
}

impl Default for Network {
    fn default() -> Self {
        Network {
            ipv4: usd_per_hour(PUBLIC_IPV4_USD_PER_HOUR),
            ipv4_groups: Vec::new(),
            ipv4_owners: Vec::new(),
            alb_hour: usd_per_hour(ALB_USD_PER_HOUR),
            lcu_hour: usd_per_hour(ALB_LCU_USD_PER_HOUR),
        }
    }
}

pub fn usd_per_hour(usd: f64) -> Rate {
    Rate::whole((usd * 1e12).round() as i128)
}

impl Network {
    pub fn group_has_ipv4(&self, group: u32) -> bool {
        self.ipv4_groups.binary_search(&group).is_ok()
    }

    pub fn owner_has_ipv4(&self, owner: Owner) -> bool {
        self.ipv4_owners.binary_search(&owner).is_ok()
    }
}
