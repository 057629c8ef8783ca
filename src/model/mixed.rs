//! Mixed-instances Auto Scaling groups: how much of a group is On-Demand
//! and which launch template override (instance type) a new instance gets,
//! as the EC2 Auto Scaling user guide documents it ("Auto Scaling groups
//! with multiple instance types and purchase options", "Allocation
//! strategies for multiple instance types", "Configure instance weighting
//! for Amazon EC2 Auto Scaling"). A single-type group is the special case
//! of one override and 100 % (or 0 %) On-Demand.

use crate::engine::SimTime;

/// `SpotAllocationStrategy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpotStrategy {
    /// The cheapest pools (per unit) of the zone, spread over the
    /// `SpotInstancePools` cheapest (AWS's default: 2).
    LowestPrice,
    /// The pool with the most spare capacity: in ecsim, the pool with the
    /// lowest Spot interruption rate the scenario gives it.
    CapacityOptimized,
    /// The pools with the most spare capacity, then the cheapest of them.
    PriceCapacityOptimized,
}

/// `OnDemandAllocationStrategy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnDemandStrategy {
    /// The overrides in the order given: the first one (ecsim models no
    /// insufficient-capacity errors that would move on to the next).
    Prioritized,
    /// The cheapest type per unit.
    LowestPrice,
}

/// AWS's default `SpotInstancePools` for `lowest-price`.
pub const SPOT_INSTANCE_POOLS: usize = 2;

/// The group's `InstancesDistribution`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Purchase {
    /// `OnDemandBaseCapacity`, in the group's capacity units.
    pub on_demand_base: u32,
    /// `OnDemandPercentageAboveBaseCapacity`, 0-100.
    pub on_demand_percent: u32,
    pub spot: SpotStrategy,
    pub on_demand: OnDemandStrategy,
}

impl Purchase {
    /// A single-market group: all On-Demand, or all Spot.
    pub fn single(spot: bool) -> Purchase {
        Purchase {
            on_demand_base: 0,
            on_demand_percent: if spot { 0 } else { 100 },
            spot: SpotStrategy::PriceCapacityOptimized,
            on_demand: OnDemandStrategy::Prioritized,
        }
    }

    /// How much of `capacity` units is On-Demand: the base first, then the
    /// percentage of the rest, a fraction rounded up "in favor of
    /// On-Demand Instances" (base 4, 25 %, 20 → 4 + ⌈4⌉ = 8).
    pub fn on_demand_part(&self, capacity: u32) -> u32 {
        let base = self.on_demand_base.min(capacity);
        let above = u64::from(capacity - base);
        base + (above * u64::from(self.on_demand_percent)).div_ceil(100) as u32
    }
}

/// What the allocation strategies read of one override.
#[derive(Debug, Clone, Copy)]
pub struct Pool {
    /// Capacity units one instance counts for (`WeightedCapacity`, 1 unless given).
    pub weight: u32,
    /// Pico-dollars per hour for one instance in this market now.
    pub price: i128,
    /// Spot interruptions per instance-hour the scenario gives this
    /// type × zone (0 when none): ecsim's stand-in for spare capacity.
    pub interruption_rate: f64,
    /// The group's instances of this type and market in the zone.
    pub in_zone: u32,
}

/// `a` costs less per unit than `b` (price / weight, compared exactly).
fn cheaper(a: &Pool, b: &Pool) -> std::cmp::Ordering {
    (a.price * i128::from(b.weight)).cmp(&(b.price * i128::from(a.weight)))
}

/// The override (index into `pools`, in priority order) the next instance
/// of this market gets in the zone the group chose first ("Amazon EC2 Auto
/// Scaling first tries to ensure that your instances are evenly balanced
/// across the Availability Zones ... Then, it launches instance types
/// according to the allocation strategy"). Ties go to the higher priority.
pub fn pick(purchase: &Purchase, spot: bool, pools: &[Pool]) -> usize {
    let order: Vec<usize> = (0..pools.len()).collect();
    let by_price =
        |v: &mut Vec<usize>| v.sort_by(|&a, &b| cheaper(&pools[a], &pools[b]).then(a.cmp(&b)));
    let safest = |v: &Vec<usize>| {
        let low = v
            .iter()
            .map(|&i| pools[i].interruption_rate)
            .fold(f64::INFINITY, f64::min);
        v.iter()
            .copied()
            .filter(|&i| pools[i].interruption_rate <= low)
            .collect::<Vec<usize>>()
    };
    if !spot {
        return match purchase.on_demand {
            OnDemandStrategy::Prioritized => 0,
            OnDemandStrategy::LowestPrice => {
                let mut v = order;
                by_price(&mut v);
                v[0]
            }
        };
    }
    match purchase.spot {
        SpotStrategy::CapacityOptimized => safest(&order)[0],
        SpotStrategy::PriceCapacityOptimized => {
            let mut v = safest(&order);
            by_price(&mut v);
            v[0]
        }
        SpotStrategy::LowestPrice => {
            // Spread evenly over the cheapest pools of the zone.
            let mut v = order;
            by_price(&mut v);
            v.truncate(SPOT_INSTANCE_POOLS);
            *v.iter()
                .min_by_key(|&&i| pools[i].in_zone)
                .expect("a group has at least one type")
        }
    }
}

/// Where a count per pool (type × market × zone) sits in a flat list of
/// `kinds × 2 × zones` cells.
pub fn pool_cell(kind: u32, spot: bool, zone: u32, zones: usize) -> usize {
    (kind as usize * 2 + usize::from(spot)) * zones + zone as usize
}

/// The price in force at `now` in a series of (from, pico-dollars per hour).
pub fn price_at(series: &[(SimTime, i128)], now: SimTime) -> i128 {
    series
        .iter()
        .rev()
        .find(|p| p.0 <= now)
        .or(series.first())
        .map_or(0, |p| p.1)
}

impl SpotStrategy {
    pub fn parse(s: &str) -> Option<SpotStrategy> {
        Some(match s {
            "lowest-price" => SpotStrategy::LowestPrice,
            "capacity-optimized" => SpotStrategy::CapacityOptimized,
            "price-capacity-optimized" => SpotStrategy::PriceCapacityOptimized,
            _ => return None,
        })
    }
}

impl OnDemandStrategy {
    pub fn parse(s: &str) -> Option<OnDemandStrategy> {
        Some(match s {
            "prioritized" => OnDemandStrategy::Prioritized,
            "lowest-price" => OnDemandStrategy::LowestPrice,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(base: u32, pct: u32, n: u32) -> (u32, u32) {
        let p = Purchase {
            on_demand_base: base,
            on_demand_percent: pct,
            ..Purchase::single(false)
        };
        let od = p.on_demand_part(n);
        (od, n - od)
    }

    #[test]
    fn on_demand_part_rounds_toward_on_demand() {
        assert_eq!(split(4, 25, 20), (8, 12));
        // 3 above the base at 50 %: 1.5 rounds up to 2.
        assert_eq!(split(1, 50, 4), (3, 1));
        assert_eq!(split(12, 0, 10), (10, 0));
        assert_eq!(split(0, 60, 10), (6, 4));
    }

    fn pool(weight: u32, price: i128, rate: f64, in_zone: u32) -> Pool {
        Pool {
            weight,
            price,
            interruption_rate: rate,
            in_zone,
        }
    }

    #[test]
    fn strategies_pick_as_documented() {
        let p = |spot, od| Purchase {
            spot,
            on_demand: od,
            ..Purchase::single(false)
        };
        // Priced per unit: the second is cheaper per unit (100/2 < 60/1).
        let pools = [
            pool(1, 60, 0.1, 0),
            pool(2, 100, 0.0, 0),
            pool(1, 55, 0.5, 0),
        ];
        let pc = p(
            SpotStrategy::PriceCapacityOptimized,
            OnDemandStrategy::LowestPrice,
        );
        assert_eq!(pick(&pc, false, &pools), 1);
        assert_eq!(
            pick(
                &p(SpotStrategy::LowestPrice, OnDemandStrategy::Prioritized),
                false,
                &pools
            ),
            0
        );
        assert_eq!(pick(&pc, true, &pools), 1);
        assert_eq!(
            pick(
                &p(
                    SpotStrategy::CapacityOptimized,
                    OnDemandStrategy::Prioritized
                ),
                true,
                &pools
            ),
            1
        );
    }
}
