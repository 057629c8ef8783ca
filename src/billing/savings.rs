//! Compute Savings Plans, applied each hour the way AWS does: the commitment
//! covers the usage with the highest discount first, at the plan's rate;
//! what it cannot cover is billed on demand; an unused commitment is still
//! paid ("How Savings Plans apply to your AWS usage").

use super::ledger::{Class, CostRow, Ledger};
use super::money::{Money, Rate};
use crate::engine::time::HOUR;

/// One hour's outcome: the fee paid and the on-demand cost it covered.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct HourCover {
    pub fee: Money,
    pub covered: Money,
}

/// `usage` is (discount, on-demand cost) per eligible kind of usage.
pub fn apply(commitment: Money, usage: &[(f64, Money)]) -> HourCover {
    let mut order: Vec<&(f64, Money)> = usage.iter().filter(|u| u.1.0 > 0).collect();
    order.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut left = commitment;
    let mut covered = Money(0);
    for &&(discount, cost) in &order {
        if left.0 <= 0 {
            break;
        }
        let at_plan_rate = cost.scaled(1.0 - discount);
        if at_plan_rate <= left {
            covered += cost;
            left = left - at_plan_rate;
        } else {
            covered += left.scaled(1.0 / (1.0 - discount));
            left = Money(0);
        }
    }
    HourCover {
        fee: commitment,
        covered,
    }
}

impl Ledger {
    /// The Compute Savings Plan, hour by hour: each hour's fee and covered
    /// usage into the hourly columns and cost.csv. Returns the fee and the
    /// usage covered over the run.
    pub(super) fn bill_savings_plan(&mut self) -> (Money, Money) {
        let (mut fee, mut covered) = (Money(0), Money(0));
        if let Some(sp) = self.cfg.savings_plan.clone() {
            let n = self.hours.len();
            for h in 0..n {
                let span = self.end.min((h as u64 + 1) * HOUR) - h as u64 * HOUR;
                let commitment = Rate::whole(sp.commitment).for_ms(span);
                let usage = [
                    (sp.ec2_discount, self.hours[h][Class::Ec2OnDemand as usize]),
                    (sp.fargate_discount, self.hours[h][Class::Fargate as usize]),
                ];
                let cover = apply(commitment, &usage);
                self.hours[h][Class::SpFee as usize] = cover.fee;
                // Positive, as in summary.json; the hour's total subtracts it.
                self.hours[h][Class::SpCovered as usize] = cover.covered;
                fee += cover.fee;
                covered += cover.covered;
                let (start, end) = (h as u64 * HOUR, h as u64 * HOUR + span);
                if self.rows.is_some() {
                    for (kind, m) in [
                        ("savings_plan_fee", cover.fee),
                        ("savings_plan_negation", Money(-cover.covered.0)),
                    ] {
                        self.row(CostRow {
                            id: "compute-savings-plan",
                            kind,
                            market: "savings_plan",
                            start,
                            end,
                            billed: span,
                            rate: Rate::whole(sp.commitment).usd_per_hour(),
                            usd: m,
                            owner: "",
                            detail: "",
                            running_at_end: false,
                        });
                    }
                }
            }
        }
        (fee, covered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(x: f64) -> Money {
        Money::from_usd(x)
    }

    #[test]
    fn highest_discount_first_rest_on_demand() {
        // $1/h commitment; EC2 usage $1 (27% off → $0.73 at plan rate),
        // Fargate usage $1 (20% off). EC2 goes first and is fully covered; the
        // remaining $0.27 covers $0.3375 of Fargate; the rest is on demand.
        let h = apply(usd(1.0), &[(0.20, usd(1.0)), (0.27, usd(1.0))]);
        assert!(
            (h.covered.usd() - (1.0 + 0.27 / 0.8)).abs() < 1e-9,
            "{}",
            h.covered.usd()
        );
        assert_eq!(h.fee, usd(1.0));
        // Bill for the hour: 2.0 on-demand - covered + fee.
        let bill = 2.0 - h.covered.usd() + h.fee.usd();
        assert!((bill - (1.0 + 1.0 - 0.3375)).abs() < 1e-9);
    }

    #[test]
    fn unused_commitment_is_still_paid() {
        let h = apply(usd(5.0), &[(0.27, usd(1.0))]);
        assert_eq!(h.covered, usd(1.0));
        assert_eq!(h.fee, usd(5.0));
        let none = apply(usd(0.5), &[]);
        assert_eq!(none.covered, Money(0));
    }
}
