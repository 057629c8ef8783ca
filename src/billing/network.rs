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
    /// One Application Load Balancer per service that declares one.
    pub albs: Vec<Alb>,
    /// `[pricing]` keys in use whose value is us-east-1's list price, the
    /// scenario giving none.
    pub us_east_1_prices: Vec<&'static str>,
}

/// A service's Application Load Balancer and what its traffic looks like
/// to the LCU dimensions.
#[derive(Debug, Clone, PartialEq)]
pub struct Alb {
    pub service: u32,
    /// The service's place among those with demand (`Sample::loads`).
    pub load: Option<u32>,
    pub requests_per_connection: f64,
    pub bytes_per_request: f64,
    /// Listener rules a request is evaluated against.
    pub rules: u32,
}

/// One LCU: 25 new connections a second, 1 GB processed an hour (EC2, IP
/// and container targets), 1,000 rule evaluations a second beyond the 10
/// free rules per request; the hour is charged on the largest.
const NEW_CONNECTIONS_PER_LCU: f64 = 25.0;
const BYTES_PER_LCU_HOUR: f64 = 1e9;
const RULE_EVALUATIONS_PER_LCU: f64 = 1000.0;
const FREE_RULES: u32 = 10;

impl Alb {
    /// The LCUs of an hour (or its first `secs` seconds) that served
    /// `requests`. Active connections, the fourth dimension, need how long
    /// connections stay open, which ecsim does not model.
    pub fn lcus(&self, requests: f64, secs: f64) -> f64 {
        if secs <= 0.0 || requests <= 0.0 {
            return 0.0;
        }
        let rps = requests / secs;
        let new_connections = rps / self.requests_per_connection / NEW_CONNECTIONS_PER_LCU;
        let bytes = rps * 3600.0 * self.bytes_per_request / BYTES_PER_LCU_HOUR;
        let rules =
            rps * f64::from(self.rules.saturating_sub(FREE_RULES)) / RULE_EVALUATIONS_PER_LCU;
        new_connections.max(bytes).max(rules)
    }
}

impl Default for Network {
    fn default() -> Self {
        Network {
            ipv4: usd_per_hour(PUBLIC_IPV4_USD_PER_HOUR),
            ipv4_groups: Vec::new(),
            ipv4_owners: Vec::new(),
            alb_hour: usd_per_hour(ALB_USD_PER_HOUR),
            lcu_hour: usd_per_hour(ALB_LCU_USD_PER_HOUR),
            albs: Vec::new(),
            us_east_1_prices: Vec::new(),
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
