//! Application Load Balancers on the bill: LCUs are metered hour by hour
//! from the requests each service served (an hour is charged once it is
//! over), ALB-hours for every hour or partial hour of the run.

use super::ledger::{Class, CostRow, Ledger, hour_of};
use super::money::{Money, Rate};
use super::network::Alb;
use crate::engine::SimTime;
use crate::engine::time::HOUR;
use crate::model::Cluster;
use std::collections::BTreeMap;

/// Requests each load balancer served in the hour under way: an hour's
/// LCUs are known, and charged, once it is over.
#[derive(Debug, Default)]
pub struct AlbMeter {
    pub hour: usize,
    served: Vec<f64>,
    /// Per load balancer: LCU-hours and what they cost, so far.
    pub lcu_hours: Vec<f64>,
    pub lcu_cost: Vec<Money>,
}

impl AlbMeter {
    pub fn new(albs: usize) -> AlbMeter {
        AlbMeter {
            hour: 0,
            served: vec![0.0; albs],
            lcu_hours: vec![0.0; albs],
            lcu_cost: vec![Money(0); albs],
        }
    }

    /// One minute's served requests of each load balancer's service.
    pub fn add(&mut self, albs: &[Alb], served: impl Fn(u32) -> f64) {
        for (i, a) in albs.iter().enumerate() {
            if let Some(l) = a.load {
                self.served[i] += served(l);
            }
        }
    }

    /// Charges the hour under way, `span` ms of it run, and starts the next.
    pub fn close(&mut self, albs: &[Alb], span: SimTime, lcu_hour: Rate) -> Money {
        let mut total = Money(0);
        for (i, a) in albs.iter().enumerate() {
            let lcus = a.lcus(self.served[i], span as f64 / 1000.0);
            let m = lcu_hour.for_ms(span).scaled(lcus);
            self.lcu_hours[i] += lcus * span as f64 / HOUR as f64;
            self.lcu_cost[i] += m;
            total += m;
            self.served[i] = 0.0;
        }
        self.hour += 1;
        total
    }
}

impl Ledger {
    /// One minute of served requests, `served(l)` for the `l`-th service
    /// with demand: what load balancers' LCUs are made of.
    pub fn served_minute(&mut self, t: SimTime, served: impl Fn(u32) -> f64) {
        if self.cfg.network.albs.is_empty() {
            return;
        }
        let h = hour_of(t, self.hours.len());
        while self.meter.hour < h {
            self.close_alb_hour();
        }
        self.meter.add(&self.cfg.network.albs, served);
    }

    fn close_alb_hour(&mut self) {
        let h = self.meter.hour;
        let start = h as u64 * HOUR;
        let span = self.end.min(start + HOUR).saturating_sub(start);
        let m = self
            .meter
            .close(&self.cfg.network.albs, span, self.cfg.network.lcu_hour);
        if let Some(cols) = self.hours.get_mut(h) {
            cols[Class::LoadBalancer as usize] += m;
        }
    }

    /// Each load balancer: an ALB-hour for every hour or partial hour of the
    /// run, and the LCU-hours its traffic used. Returns the total and the
    /// amount per service.
    pub(super) fn bill_albs(&mut self, c: &Cluster) -> (Money, BTreeMap<String, f64>) {
        let mut by_service = BTreeMap::new();
        if self.cfg.network.albs.is_empty() {
            return (Money(0), by_service);
        }
        while self.meter.hour < self.hours.len() {
            self.close_alb_hour();
        }
        let hours = self.hours.len();
        let rate = self.cfg.network.alb_hour;
        let mut total = Money(0);
        for i in 0..self.cfg.network.albs.len() {
            let name = c.services[self.cfg.network.albs[i].service as usize]
                .name
                .clone();
            let fixed = rate.for_ms(HOUR);
            for h in 0..hours {
                self.hours[h][Class::LoadBalancer as usize] += fixed;
            }
            let hourly = Money(fixed.0 * hours as i128);
            let (lcu_hours, lcu) = (self.meter.lcu_hours[i], self.meter.lcu_cost[i]);
            let id = format!("alb-{name}");
            let detail = format!("{lcu_hours:.6} LCU-hours");
            self.row(CostRow {
                id: &id,
                kind: "load_balancer",
                market: "on_demand",
                start: 0,
                end: self.end,
                billed: hours as u64 * HOUR,
                rate: rate.usd_per_hour(),
                usd: hourly,
                owner: &name,
                detail: "Application Load Balancer, per hour or partial hour",
                running_at_end: true,
            });
            // LCUs are billed for what was used: the whole run.
            self.row(CostRow {
                id: &id,
                kind: "load_balancer_lcu",
                market: "on_demand",
                start: 0,
                end: self.end,
                billed: self.end,
                rate: self.cfg.network.lcu_hour.usd_per_hour(),
                usd: lcu,
                owner: &name,
                detail: &detail,
                running_at_end: true,
            });
            total += hourly + lcu;
            by_service.insert(name, (hourly + lcu).usd());
        }
        (total, by_service)
    }
}
