//! The files written once, at the end of a run: `instances`,
//! `deployments`, `refused` and `incidents` (CSV or Parquet; columns from
//! `table::schema`).

use crate::engine::SimTime;
use crate::model::Cluster;
use crate::table::schema::{self, Present};
use crate::table::{Place, Rows};
use std::io;

fn table(place: Place, stem: &str, cols: &[schema::Col], present: Present) -> io::Result<Rows> {
    place.rows(stem, &schema::header(cols, present))
}

/// `instances`, written once at the end.
pub fn write_instances(place: Place, c: &Cluster, end: SimTime) -> io::Result<()> {
    let present = Present {
        gpus: c.has_gpus(),
        enis: c.taskdefs.iter().any(|t| t.awsvpc),
        faults: false,
        markets: c
            .templates
            .iter()
            .any(|t| t.purchase.on_demand_percent < 100),
    };
    let mut w = table(place, "instances", schema::INSTANCES, present)?;
    for i in &c.instances {
        // Means over the time it was registered: reservations happen only then.
        let life = u128::from(i.registered_for(end));
        w.str(&i.id);
        w.str(&c.instance_groups[i.group as usize]);
        w.str(&i.instance_type);
        w.str(&c.azs[i.az as usize]);
        w.uint(u64::from(i.cpu));
        w.uint(u64::from(i.memory));
        w.secs(i.launched);
        w.opt_secs(i.terminated);
        w.uint(i.tasks_placed);
        w.pct(i.cpu_level.area(end), life * u128::from(i.cpu));
        w.pct(i.memory_level.area(end), life * u128::from(i.memory));
        w.str(&format!("{:?}", i.status).to_uppercase());
        w.secs(i.running);
        w.opt_secs(i.registered);
        if present.gpus {
            w.uint(u64::from(i.gpus));
            w.pct(i.gpu_level.area(end), life * u128::from(i.gpus));
        }
        if present.enis {
            w.uint(u64::from(i.eni_slots));
        }
        if present.markets {
            w.str(if i.spot { "spot" } else { "on-demand" });
        }
        w.end_row()?;
    }
    w.finish()
}

/// `deployments`: every deployment and how it ended.
pub fn write_deployments(
    place: Place,
    list: &[crate::model::deployment::DeploymentRecord],
) -> io::Result<()> {
    let mut w = table(
        place,
        "deployments",
        schema::DEPLOYMENTS,
        Present::default(),
    )?;
    for d in list {
        w.uint(u64::from(d.id));
        w.str(&d.service);
        w.str(&d.from);
        w.str(&d.to);
        w.str(d.strategy);
        w.secs(d.started);
        w.opt_secs(d.ended);
        w.str(d.status);
        w.uint(u64::from(d.failed_tasks));
        w.opt_uint(d.rollback_of.map(u64::from));
        w.end_row()?;
    }
    w.finish()
}

/// `refused`: every job launch refused for want of capacity, in the
/// order it happened (written even when empty, so scripts can rely on it).
pub fn write_refused(
    place: Place,
    cluster: &Cluster,
    refused: &[crate::sim::Refused],
) -> io::Result<()> {
    let mut w = table(place, "refused", schema::REFUSED, Present::default())?;
    for r in refused {
        let td = &cluster.taskdefs[r.taskdef as usize];
        w.secs(r.time);
        w.str(&cluster.jobs[r.job as usize].name);
        w.str(&td.family);
        match r.provider {
            Some(p) => w.str(&cluster.providers[p as usize].name),
            None => w.null(),
        }
        w.str(r.reason.as_str());
        w.end_row()?;
    }
    w.finish()
}

/// `incidents`: every fault and its impact.
pub fn write_incidents(place: Place, incidents: &[crate::faults::Incident]) -> io::Result<()> {
    let mut w = table(place, "incidents", schema::INCIDENTS, Present::default())?;
    for i in incidents {
        w.uint(u64::from(i.id));
        w.str(i.kind);
        w.str(&i.target);
        w.secs(i.start);
        w.secs(i.end);
        w.uint(u64::from(i.tasks_lost));
        w.opt_secs(i.recovered);
        w.opt_secs(i.recovered.map(|r| r - i.start));
        w.fixed(i.unserved_requests, 0);
        w.opt_secs(i.balanced);
        w.end_row()?;
    }
    w.finish()
}
