//! Application Load Balancers on the bill: LCUs are metered hour by hour
//! from the requests each service served (an hour is charged once it is
//! over), ALB-hours for every hour or partial hour of the run.

use super::money::{Money, Rate};
use super::network::{Alb, Network};
use crate::engine::SimTime;
use crate::engine::time::HOUR;
use crate::model::Cluster;
use std::collections::BTreeMap;

/// The load balancers' meter: requests each served in the hour under way
/// (an hour's LCUs are known, and charged, once it is over), and the
/// LCU-hours so far. The ledger feeds it minutes and is handed back each
/// hour's charge and, at the end, the cost.csv rows: neither reads the
/// other's fields.
#[derive(Debug, Default)]
pub struct AlbMeter {
    albs: Vec<Alb>,
    alb_hour: Rate,
    lcu_hour: Rate,
    hour: usize,
    served: Vec<f64>,
    /// Per load balancer: LCU-hours and what they cost, so far.
    lcu_hours: Vec<f64>,
    lcu_cost: Vec<Money>,
}

/// A load balancer's cost.csv row, for the ledger to write: On-Demand,
/// from 0 to the run's end, running at the end.
pub struct AlbRow {
    pub id: String,
    pub kind: &'static str,
    pub billed: SimTime,
    /// USD per hour.
    pub rate: f64,
    pub usd: Money,
    pub owner: String,
    pub detail: String,
}

/// The load balancers' part of the bill, for the ledger to record.
pub struct AlbBill {
    /// cost.csv rows, two per load balancer (hours, then LCUs).
    pub rows: Vec<AlbRow>,
    pub total: Money,
    pub by_service: BTreeMap<String, f64>,
}

impl AlbMeter {
    pub fn new(network: &Network) -> AlbMeter {
        let n = network.albs.len();
        AlbMeter {
            albs: network.albs.clone(),
            alb_hour: network.alb_hour,
            lcu_hour: network.lcu_hour,
            hour: 0,
            served: vec![0.0; n],
            lcu_hours: vec![0.0; n],
            lcu_cost: vec![Money(0); n],
        }
    }

    /// One minute of served requests in hour `h`, `served(l)` for the
    /// `l`-th service with demand; the hours before `h` are closed first,
    /// each charge handed to `charge(hour, amount)`. `end`: the run's end.
    pub fn served_minute(
        &mut self,
        h: usize,
        end: SimTime,
        served: impl Fn(u32) -> f64,
        mut charge: impl FnMut(usize, Money),
    ) {
        if self.albs.is_empty() {
            return;
        }
        while self.hour < h {
            self.close(end, &mut charge);
        }
        for (i, a) in self.albs.iter().enumerate() {
            if let Some(l) = a.load {
                self.served[i] += served(l);
            }
        }
    }

    /// Charges the hour under way (up to `end`) and starts the next.
    fn close(&mut self, end: SimTime, charge: &mut impl FnMut(usize, Money)) {
        let h = self.hour;
        let start = h as u64 * HOUR;
        let span = end.min(start + HOUR).saturating_sub(start);
        let mut total = Money(0);
        for (i, a) in self.albs.iter().enumerate() {
            let lcus = a.lcus(self.served[i], span as f64 / 1000.0);
            let m = self.lcu_hour.for_ms(span).scaled(lcus);
            self.lcu_hours[i] += lcus * span as f64 / HOUR as f64;
            self.lcu_cost[i] += m;
            total += m;
            self.served[i] = 0.0;
        }
        self.hour += 1;
        charge(h, total);
    }

    /// Each load balancer over a run of `hours` hours ending at `end`: an
    /// ALB-hour for every hour or partial hour, and the LCU-hours its
    /// traffic used. Every charge by hour goes to `charge(hour, amount)`.
    pub fn bill(
        &mut self,
        c: &Cluster,
        hours: usize,
        end: SimTime,
        mut charge: impl FnMut(usize, Money),
    ) -> AlbBill {
        let mut bill = AlbBill {
            rows: Vec::new(),
            total: Money(0),
            by_service: BTreeMap::new(),
        };
        if self.albs.is_empty() {
            return bill;
        }
        while self.hour < hours {
            self.close(end, &mut charge);
        }
        let rate = self.alb_hour;
        for i in 0..self.albs.len() {
            let name = c.services[self.albs[i].service as usize].name.clone();
            let fixed = rate.for_ms(HOUR);
            for h in 0..hours {
                charge(h, fixed);
            }
            let hourly = Money(fixed.0 * hours as i128);
            let (lcu_hours, lcu) = (self.lcu_hours[i], self.lcu_cost[i]);
            let id = format!("alb-{name}");
            bill.rows.push(AlbRow {
                id: id.clone(),
                kind: "load_balancer",
                billed: hours as u64 * HOUR,
                rate: rate.usd_per_hour(),
                usd: hourly,
                owner: name.clone(),
                detail: "Application Load Balancer, per hour or partial hour".into(),
            });
            // LCUs are billed for what was used: the whole run.
            bill.rows.push(AlbRow {
                id,
                kind: "load_balancer_lcu",
                billed: end,
                rate: self.lcu_hour.usd_per_hour(),
                usd: lcu,
                owner: name.clone(),
                detail: format!("{lcu_hours:.6} LCU-hours"),
            });
            bill.total += hourly + lcu;
            bill.by_service.insert(name, (hourly + lcu).usd());
        }
        bill
    }
}
