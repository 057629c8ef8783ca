//! One EC2 instance on the bill: its compute (per second from `running`,
//! Spot's free first hour when EC2 interrupts it), the Managed Instances
//! fee, its root volume and public IPv4 address, and its cost split between
//! the services and jobs that reserved it.

use super::ledger::{Class, Ledger, Totals};
use super::money::{Money, Rate};
use crate::engine::time::HOUR;
use crate::model::{Cluster, Instance};

impl Ledger {
    /// Bills instance `idx` into `t`.
    pub(super) fn bill_instance(
        &mut self,
        c: &Cluster,
        idx: usize,
        inst: &Instance,
        mi_groups: &[u32],
        t: &mut Totals,
    ) {
        let end = inst.terminated.unwrap_or(self.end).min(self.end);
        let segs = self.instance_segments(inst, inst.spot);
        let (class, market) = if inst.spot {
            (Class::Ec2Spot, "spot")
        } else {
            (Class::Ec2OnDemand, "on_demand")
        };
        let group = &c.instance_groups[inst.group as usize];
        // Billed from `running`; one that never left `pending` costs nothing.
        let start = inst.running;
        let cost = if end <= start && inst.terminated.is_some() {
            Money(0)
        } else {
            // "Billing for interrupted Spot Instances": interrupted by
            // EC2 within its first instance-hour, no charge.
            let free = inst.spot && inst.reclaimed && end - start < HOUR;
            let (detail, segs) = if free {
                let detail = format!(
                    "{}; interrupted by EC2 in its first hour",
                    inst.instance_type
                );
                (detail, vec![(start, Rate::default())])
            } else {
                (inst.instance_type.clone(), segs)
            };
            let (id, end) = (&inst.id, end.max(start));
            self.bill(
                id,
                "ec2_instance",
                market,
                class,
                group,
                &detail,
                start,
                end,
                &segs,
            )
        };
        t.ec2 += cost;
        if mi_groups.contains(&inst.group) {
            let m = self.bill_mi_fee(inst, group, end);
            t.mi_fee += m;
            t.on_demand += m;
        }
        if inst.spot {
            t.spot += cost
        } else {
            t.on_demand += cost
        }
        if self.cfg.ebs_root_gib > 0 {
            let rate = Rate::whole(self.rates.ebs_gb * i128::from(self.cfg.ebs_root_gib));
            let detail = format!("gp3 {} GiB", self.cfg.ebs_root_gib);
            let m = self.bill(
                &format!("{}-root", inst.id),
                "ebs_volume",
                "on_demand",
                Class::Ebs,
                group,
                &detail,
                inst.launched,
                end,
                &[(inst.launched, rate)],
            );
            t.ebs += m;
            t.on_demand += m;
        }
        // Listed apart from compute, as `ecsim price` shows it.
        if self.cfg.network.group_has_ipv4(inst.group) && end > start {
            let rate = self.cfg.network.ipv4;
            let m = self.bill(
                &format!("{}-ipv4", inst.id),
                "public_ipv4",
                "on_demand",
                Class::PublicIpv4,
                group,
                "instance public IPv4",
                start,
                end,
                &[(start, rate)],
            );
            self.ipv4 += m;
            t.on_demand += m;
        }
        // Split the instance's cost between CPU and memory at 9:1 per vCPU
        // vs GB, then between owners by what they reserved.
        let life = end.saturating_sub(start) as f64;
        let (w_cpu, w_mem) = (9.0 * f64::from(inst.cpu), f64::from(inst.memory));
        let mut used = 0.0;
        for &(owner, (cpu_ms, mem_ms)) in &self.areas[idx] {
            if life <= 0.0 {
                break;
            }
            let share = (w_cpu * cpu_ms as f64 / (f64::from(inst.cpu) * life)
                + w_mem * mem_ms as f64 / (f64::from(inst.memory) * life))
                / (w_cpu + w_mem);
            let usd = cost.usd() * share;
            *t.alloc.entry(owner).or_default() += usd;
            used += usd;
        }
        t.idle += cost.usd() - used;
    }
}
