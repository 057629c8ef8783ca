//! Billing: prices, the per-second billing rules of EC2 and Fargate, Spot
//! markets and Compute Savings Plans. A new price model is one file here.

mod alb;
pub mod catalog_table;
mod instance_bill;
pub mod ledger;
pub mod mi_fee;
pub mod money;
pub mod network;
pub mod prices;
pub mod savings;
mod split;

pub use ledger::{CostSummary, Ledger};
pub use money::{Money, Rate};
pub use prices::{PriceBook, Rates};

use crate::engine::SimTime;
use std::collections::BTreeMap;

/// How the scenario buys capacity, beyond list prices.
#[derive(Debug, Clone, PartialEq)]
pub struct PricingConfig {
    /// Fraction off on-demand for EC2 Spot instances when no price series is given.
    pub ec2_spot_discount: f64,
    /// Fraction off Fargate for FARGATE_SPOT tasks.
    pub fargate_spot_discount: f64,
    /// Per instance type: (from time, pico-dollars per hour), sorted by time.
    pub ec2_spot_series: BTreeMap<String, Vec<(SimTime, i128)>>,
    /// A gp3 root volume of this size is billed with every instance (0 = none).
    pub ebs_root_gib: u32,
    pub savings_plan: Option<SavingsPlan>,
    /// Public IPv4 addresses and load balancers.
    pub network: network::Network,
}

/// Defaults: EC2 Spot typically trades 60–70% below on-demand; AWS states
/// Fargate Spot "up to 70%" off. Both are only defaults — set your own.
impl Default for PricingConfig {
    fn default() -> Self {
        PricingConfig {
            ec2_spot_discount: 0.65,
            fargate_spot_discount: 0.70,
            ec2_spot_series: BTreeMap::new(),
            ebs_root_gib: 0,
            savings_plan: None,
            network: network::Network::default(),
        }
    }
}

/// A Compute Savings Plan: a commitment in dollars per hour, bought at a
/// discount that differs between EC2 and Fargate usage.
#[derive(Debug, Clone, PartialEq)]
pub struct SavingsPlan {
    /// Pico-dollars per hour.
    pub commitment: i128,
    pub ec2_discount: f64,
    pub fargate_discount: f64,
}

/// Typical 1-year, no-upfront Compute Savings Plan discounts.
pub const DEFAULT_SP_EC2_DISCOUNT: f64 = 0.27;
pub const DEFAULT_SP_FARGATE_DISCOUNT: f64 = 0.20;
