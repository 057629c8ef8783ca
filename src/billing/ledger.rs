//! The bill of one run: one row per billed resource in `cost.csv`, hourly
//! totals in `cost_timeseries.csv`, and the summary figures. EC2 instances are
//! billed per second with a 60-second minimum from `running` (after
//! `pending`) to termination, busy or idle, and EBS volumes from launch; Fargate tasks per second from the start of the
//! image pull (PENDING) to STOPPED, rounded up to the second, 1-minute minimum.

use super::PricingConfig;
use super::money::{Money, Rate};
use super::prices::Rates;
use crate::engine::SimTime;
use crate::engine::time::{HOUR, SECOND};
use crate::model::{Capacity, Cluster, Instance, Owner, Task};
use crate::table::schema;
use crate::table::{Place, Rows};
use serde::Serialize;
use std::collections::BTreeMap;

/// What each hourly column adds up: `Class as usize` indexes an hour's
/// amounts, in cost_timeseries' order (`schema::cost_timeseries`).
pub(super) use crate::table::schema::CostClass as Class;
/// The classes, so an hour's amounts are `[Money; CLASSES]`.
pub(super) const CLASSES: usize = Class::ALL.len();

/// One row of `cost`, typed: the columns are `schema::COST`.
pub(super) struct CostRow<'a> {
    pub id: &'a str,
    pub kind: &'a str,
    pub market: &'a str,
    pub start: SimTime,
    pub end: SimTime,
    pub billed: SimTime,
    /// USD per hour, written with 10 decimals.
    pub rate: f64,
    pub usd: Money,
    pub owner: &'a str,
    pub detail: &'a str,
    pub running_at_end: bool,
}

/// The run's sums over its instances, as `Ledger::finish` bills them.
#[derive(Default)]
pub(super) struct Totals {
    pub ec2: Money,
    pub ebs: Money,
    pub on_demand: Money,
    pub spot: Money,
    pub mi_fee: Money,
    /// EC2 cost no task reserved, USD.
    pub idle: f64,
    /// Each owner's share of the instances' cost, USD.
    pub alloc: BTreeMap<Owner, f64>,
}

pub struct Ledger {
    pub(super) rates: Rates,
    pub(super) cfg: PricingConfig,
    pub(super) end: SimTime,
    /// The run was cut short at `end` (a wall-clock limit).
    pub(super) cut: bool,
    pub(super) hours: Vec<[Money; CLASSES]>,
    pub(super) rows: Option<Rows>,
    pub(super) error: Option<std::io::Error>,
    pub(super) fargate_by_owner: BTreeMap<Owner, Money>,
    /// Per instance: each owner's reserved CPU·ms and MiB·ms, by owner (a
    /// sorted list: an instance sees few owners, and a map's node each was
    /// a tenth of a large run's memory). u64 is enough and half the size of
    /// u128: what an instance reserves at once never exceeds what it
    /// registers (at most 1 TiB and 192 vCPUs in the catalog), so a sum is
    /// below 2^20 MiB × 400 days (MAX_DURATION) ≈ 3.6e16, 500 times short
    /// of u64::MAX.
    pub(super) areas: Vec<Vec<(Owner, (u64, u64))>>,
    /// Public IPv4 addresses billed so far.
    pub(super) ipv4: Money,
    meter: super::alb::AlbMeter,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct CostSummary {
    pub total_cost_usd: f64,
    pub region: String,
    pub price_source: String,
    pub cost_by_launch_type: BTreeMap<&'static str, f64>,
    pub cost_by_market: BTreeMap<&'static str, f64>,
    /// The bill split by how capacity was bought, adding up to the total:
    /// ec2_on_demand, ec2_spot, fargate, fargate_spot (before the plan),
    /// savings_plan (its fee less the usage it covered) and other (EBS,
    /// public IPv4 addresses, load balancers).
    pub cost_by_purchase_option: BTreeMap<&'static str, f64>,
    /// The total scaled to a month of 730 hours (AWS's convention).
    pub monthly_cost_usd: f64,
    /// Spot EC2 and Fargate Spot as a share of compute cost (EC2 instances
    /// and Fargate tasks, before the Savings Plan), percent.
    pub spot_share_pct: f64,
    /// EC2 cost allocated by reserved CPU and memory (9:1 per vCPU vs GB, as
    /// AWS's split cost allocation does) plus Fargate cost, before Savings Plans.
    pub cost_by_service: BTreeMap<String, f64>,
    pub cost_by_job: BTreeMap<String, f64>,
    /// EC2 instance cost not reserved by any task (minimum charges included).
    pub idle_capacity_cost_usd: f64,
    pub ebs_cost_usd: f64,
    /// Public IPv4 addresses of instances and Fargate tasks that opted in.
    pub public_ipv4_cost_usd: f64,
    /// Application Load Balancers (hours and LCUs), in all and by service.
    pub load_balancer_cost_usd: f64,
    pub load_balancer_cost_by_service: BTreeMap<String, f64>,
    /// Charges ecsim does not model (NAT gateways, data transfer, …).
    pub not_priced: Vec<&'static str>,
    pub savings_plan_fee_usd: f64,
    pub savings_plan_covered_usd: f64,
    /// The ECS Managed Instances management fee, and where it comes from
    /// (only when a Managed Instances provider runs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub managed_instances_fee_usd: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub managed_instances_fee_source: Option<String>,
    pub task_hours: f64,
    pub cost_per_1000_task_hours: f64,
}

fn hour_of(t: SimTime, n: usize) -> usize {
    ((t / HOUR) as usize).min(n - 1)
}

impl Ledger {
    /// `dir` is where `cost.csv` and `cost_timeseries.csv` go; `None` keeps
    /// only the figures (for `ecsim price`).
    pub fn new(
        rates: Rates,
        cfg: PricingConfig,
        end: SimTime,
        place: Option<Place>,
    ) -> std::io::Result<Ledger> {
        let rows = match place {
            Some(p) => Some(p.rows("cost", &schema::header(schema::COST, Default::default()))?),
            None => None,
        };
        let meter = super::alb::AlbMeter::new(&cfg.network);
        let n = end.div_ceil(HOUR).max(1) as usize;
        Ok(Ledger {
            rates,
            cfg,
            end,
            cut: false,
            hours: vec![[Money(0); CLASSES]; n],
            rows,
            error: None,
            fargate_by_owner: BTreeMap::new(),
            areas: Vec::new(),
            ipv4: Money(0),
            meter,
        })
    }

    /// Bills [start, end) under a rate that may change at given times
    /// (`segments`: (from, rate), sorted, the first applying from `start`).
    /// Returns the amount billed.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn bill(
        &mut self,
        id: &str,
        kind: &str,
        market: &str,
        class: Class,
        owner: &str,
        detail: &str,
        start: SimTime,
        end: SimTime,
        segments: &[(SimTime, Rate)],
    ) -> Money {
        // After a cut, what started at the cut instant is still running too.
        let ongoing = end >= self.end && (start < self.end || self.cut);
        let actual = end - start;
        // Per-second billing; the minimum applies once the resource's life is over.
        let billed = if ongoing {
            actual
        } else {
            actual.div_ceil(SECOND).max(60) * SECOND
        };
        let n = self.hours.len();
        let ci = class as usize;
        let mut total = Money(0);
        let mut t = start;
        let mut last_rate = segments.first().map(|s| s.1).unwrap_or_default();
        for (k, &(from, rate)) in segments.iter().enumerate() {
            if k > 0 && from >= end {
                break;
            }
            let seg_end = segments.get(k + 1).map_or(end, |s| s.0.clamp(start, end));
            last_rate = rate;
            while t < seg_end {
                let h = hour_of(t, n);
                let piece_end = seg_end.min((h as u64 + 1) * HOUR).max(t + 1).min(seg_end);
                let m = rate.for_ms(piece_end - t);
                self.hours[h][ci] += m;
                total += m;
                t = piece_end;
            }
        }
        if billed > actual {
            let m = last_rate.for_ms(billed - actual);
            self.hours[hour_of(end, n)][ci] += m;
            total += m;
        }
        let hours = billed as f64 / HOUR as f64;
        let rate = if billed > 0 {
            total.usd() / hours
        } else {
            last_rate.usd_per_hour()
        };
        if self.rows.is_some() {
            self.row(CostRow {
                id,
                kind,
                market,
                start,
                end,
                billed,
                rate,
                usd: total,
                owner,
                detail,
                running_at_end: ongoing,
            });
        }
        total
    }

    /// One cost row (when the table is written); the first error is kept.
    pub(super) fn row(&mut self, r: CostRow) {
        let Some(w) = &mut self.rows else { return };
        w.str(r.id);
        w.str(r.kind);
        w.str(r.market);
        w.secs(r.start);
        w.secs(r.end);
        w.secs(r.billed);
        w.fixed(r.rate, 10);
        w.number_text(&r.usd.to_string());
        w.str(r.owner);
        w.str(r.detail);
        w.boolean(r.running_at_end);
        if let Err(e) = w.end_row() {
            self.error.get_or_insert(e);
        }
    }

    /// The run was cut short at `end`: what is still running is billed up
    /// to there, and the hourly series stops there.
    /// One minute of served requests, `served(l)` for the `l`-th service
    /// with demand: what load balancers' LCUs are made of.
    pub fn served_minute(&mut self, t: SimTime, served: impl Fn(u32) -> f64) {
        let h = hour_of(t, self.hours.len());
        let hours = &mut self.hours;
        self.meter.served_minute(h, self.end, served, |h, m| {
            if let Some(cols) = hours.get_mut(h) {
                cols[Class::LoadBalancer as usize] += m;
            }
        });
    }

    /// The load balancers' rows and hourly charges; their total and the
    /// amount per service.
    fn bill_albs(&mut self, c: &Cluster) -> (Money, BTreeMap<String, f64>) {
        let hours = &mut self.hours;
        let n = hours.len();
        let bill = self.meter.bill(c, n, self.end, |h, m| {
            if let Some(cols) = hours.get_mut(h) {
                cols[Class::LoadBalancer as usize] += m;
            }
        });
        for r in &bill.rows {
            self.row(CostRow {
                id: &r.id,
                kind: r.kind,
                market: "on_demand",
                start: 0,
                end: self.end,
                billed: r.billed,
                rate: r.rate,
                usd: r.usd,
                owner: &r.owner,
                detail: &r.detail,
                running_at_end: true,
            });
        }
        (bill.total, bill.by_service)
    }

    pub fn cut(&mut self, end: SimTime) {
        self.end = end;
        self.cut = true;
        self.hours.truncate(end.div_ceil(HOUR).max(1) as usize);
    }

    /// Called when a task stops (or the run ends with it alive).
    pub fn task_done(&mut self, c: &Cluster, t: &Task) {
        let Some(placed) = t.placed else { return };
        let end = t.stopped.unwrap_or(self.end).min(self.end);
        let td = &c.taskdefs[t.taskdef as usize];
        match t.capacity {
            Capacity::Ec2 => {
                let Some(i) = t.instance else { return };
                if self.areas.len() < c.instances.len() {
                    self.areas.resize(c.instances.len(), Vec::new());
                }
                let ms = end - placed;
                let list = &mut self.areas[i as usize];
                let p = match list.binary_search_by_key(&t.owner, |e| e.0) {
                    Ok(p) => p,
                    Err(p) => {
                        list.insert(p, (t.owner, (0, 0)));
                        p
                    }
                };
                let a = &mut list[p].1;
                a.0 += ms * u64::from(td.cpu);
                a.1 += ms * u64::from(td.memory);
            }
            cap => self.fargate_task_done(c, t, cap, (placed, end)),
        }
    }

    /// A Fargate task's bill: its own line at its size's rate (and its
    /// public IPv4 address). Out of `task_done`, whose EC2 case runs for
    /// every task of a cluster of instances and stays a small function.
    #[inline(never)]
    fn fargate_task_done(
        &mut self,
        c: &Cluster,
        t: &Task,
        cap: Capacity,
        (placed, end): (SimTime, SimTime),
    ) {
        let td = &c.taskdefs[t.taskdef as usize];
        let mut rate = self.rates.fargate(
            td.arch,
            td.task_cpu.unwrap_or(td.cpu),
            td.task_memory.unwrap_or(td.memory),
            td.ephemeral_gib,
        );
        let (class, market) = if cap == Capacity::FargateSpot {
            rate = rate.discounted(self.cfg.fargate_spot_discount);
            (Class::FargateSpot, "spot")
        } else {
            (Class::Fargate, "on_demand")
        };
        // The row's words only when cost.csv is written: `price`
        // and sweeps bill every Fargate task without one.
        let (id, detail) = if self.rows.is_some() {
            let detail = format!(
                "{} vCPU / {} GB {}",
                f64::from(td.task_cpu.unwrap_or(td.cpu)) / 1024.0,
                f64::from(td.task_memory.unwrap_or(td.memory)) / 1024.0,
                td.arch.unwrap_or(crate::model::Arch::X86_64).as_str()
            );
            (format!("task-{}", t.serial), detail)
        } else {
            Default::default()
        };
        let m = self.bill(
            &id,
            cap.provider(),
            market,
            class,
            c.owner_name(t.owner),
            &detail,
            placed,
            end,
            &[(placed, rate)],
        );
        *self.fargate_by_owner.entry(t.owner).or_default() += m;
        if self.cfg.network.owner_has_ipv4(t.owner) {
            // assignPublicIp: the task's ENI holds an address while it runs.
            let rate = self.cfg.network.ipv4;
            let m = self.bill(
                &id,
                "public_ipv4",
                "on_demand",
                Class::PublicIpv4,
                c.owner_name(t.owner),
                "Fargate task ENI",
                placed,
                end,
                &[(placed, rate)],
            );
            self.ipv4 += m;
        }
    }

    pub(super) fn instance_segments(&self, inst: &Instance, spot: bool) -> Vec<(SimTime, Rate)> {
        // `run::rates_for` prices every type a group can launch before the
        // run starts, so a type without a rate here is a bug, not a $0 bill.
        let od = match self.rates.ec2.get(&inst.instance_type) {
            Some(r) => *r,
            None if cfg!(debug_assertions) => {
                panic!("no rate for {}: rates_for missed it", inst.instance_type)
            }
            None => Rate::default(),
        };
        if !spot {
            return vec![(inst.running, od)];
        }
        match self.cfg.ec2_spot_series.get(&inst.instance_type) {
            Some(series) if !series.is_empty() => {
                // The price in force at launch, then every later change.
                let at_launch = series
                    .iter()
                    .rev()
                    .find(|p| p.0 <= inst.running)
                    .unwrap_or(&series[0])
                    .1;
                let mut v = vec![(inst.running, Rate::whole(at_launch))];
                v.extend(
                    series
                        .iter()
                        .filter(|p| p.0 > inst.running)
                        .map(|p| (p.0, Rate::whole(p.1))),
                );
                v
            }
            _ => vec![(inst.running, od.discounted(self.cfg.ec2_spot_discount))],
        }
    }

    /// Bills the instances, volumes and Savings Plan, writes the hourly
    /// series, and returns the figures. `task_ms` is the RUNNING time of all tasks.
    pub fn finish(
        mut self,
        c: &Cluster,
        task_ms: u128,
        place: Option<Place>,
    ) -> std::io::Result<CostSummary> {
        let mut s = CostSummary {
            region: self.rates.region.clone(),
            price_source: self.rates.source.clone(),
            ..Default::default()
        };
        self.areas.resize(c.instances.len(), Vec::new());
        let task_ipv4 = self.ipv4;
        let mi_groups: Vec<u32> = c
            .providers
            .iter()
            .filter(|p| p.managed_instances)
            .map(|p| p.group)
            .collect();
        let mut t = Totals::default();
        for (idx, inst) in c.instances.iter().enumerate() {
            self.bill_instance(c, idx, inst, &mi_groups, &mut t);
        }
        let Totals {
            ec2,
            ebs,
            mut on_demand,
            mut spot,
            mi_fee,
            idle,
            mut alloc,
        } = t;
        let mut fargate = (Money(0), Money(0));
        for (owner, m) in &self.fargate_by_owner {
            *alloc.entry(*owner).or_default() += m.usd();
        }
        for h in &self.hours {
            fargate.0 += h[Class::Fargate as usize];
            fargate.1 += h[Class::FargateSpot as usize];
        }
        // The tasks' addresses, billed as they stopped.
        on_demand += fargate.0 + task_ipv4;
        let (albs, alb_by_service) = self.bill_albs(c);
        on_demand += albs;
        spot += fargate.1;
        // Savings Plan, hour by hour.
        let (fee, covered) = self.bill_savings_plan();
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        if let Some(mut w) = self.rows.take() {
            w.finish()?;
        }
        if let Some(p) = place {
            self.write_hourly(p)?;
        }
        let total: Money = self.hours.iter().map(hour_total).sum();
        s.total_cost_usd = total.usd();
        s.cost_by_launch_type
            .insert("EC2", (ec2 + ebs + mi_fee).usd());
        if !mi_groups.is_empty() {
            s.managed_instances_fee_usd = Some(mi_fee.usd());
            s.managed_instances_fee_source = Some(self.rates.mi_fee_source.clone());
        }
        s.cost_by_launch_type
            .insert("FARGATE", (fargate.0 + fargate.1).usd());
        s.cost_by_market.insert("on_demand", on_demand.usd());
        s.cost_by_market.insert("spot", spot.usd());
        s.cost_by_market
            .insert("savings_plan", (fee - covered).usd());
        super::split::purchase_options(&self, &mut s);
        for (owner, usd) in alloc {
            let name = c.owner_name(owner).to_string();
            match owner {
                Owner::Service(_) => s.cost_by_service.insert(name, usd),
                Owner::Job(_) => s.cost_by_job.insert(name, usd),
            };
        }
        for sv in &c.services {
            s.cost_by_service.entry(sv.name.clone()).or_insert(0.0);
        }
        for j in &c.jobs {
            s.cost_by_job.entry(j.name.clone()).or_insert(0.0);
        }
        s.idle_capacity_cost_usd = idle;
        s.ebs_cost_usd = ebs.usd();
        s.public_ipv4_cost_usd = self.ipv4.usd();
        s.load_balancer_cost_usd = albs.usd();
        s.load_balancer_cost_by_service = alb_by_service;
        s.not_priced = super::network::NOT_PRICED.to_vec();
        s.savings_plan_fee_usd = fee.usd();
        s.savings_plan_covered_usd = covered.usd();
        s.task_hours = task_ms as f64 / HOUR as f64;
        s.cost_per_1000_task_hours = if task_ms > 0 {
            s.total_cost_usd / s.task_hours * 1000.0
        } else {
            0.0
        };
        Ok(s)
    }

    fn write_hourly(&self, place: Place) -> std::io::Result<()> {
        let mi_fee = !self.rates.mi_fee.is_empty();
        let mut w = place.rows("cost_timeseries", &schema::cost_timeseries(mi_fee))?;
        let mut cumulative = Money(0);
        for (h, cols) in self.hours.iter().enumerate() {
            let total = hour_total(cols);
            cumulative += total;
            w.uint(h as u64);
            w.secs(h as u64 * HOUR);
            let classes = Class::ALL.iter().zip(cols);
            let classes = classes.filter(|(k, _)| k.written(mi_fee));
            for (_, m) in classes.clone().filter(|(k, _)| k.before_totals()) {
                w.number_text(&m.to_string());
            }
            w.number_text(&total.to_string());
            w.number_text(&cumulative.to_string());
            for (_, m) in classes.filter(|(k, _)| !k.before_totals()) {
                w.number_text(&m.to_string());
            }
            w.end_row()?;
        }
        w.finish()
    }
}

/// An hour's bill: every class, less the usage the Savings Plan covered
/// (kept positive, as summary.json's figure is).
fn hour_total(cols: &[Money; CLASSES]) -> Money {
    let sp = Class::SpCovered as usize;
    cols.iter().copied().sum::<Money>() - cols[sp] - cols[sp]
}
