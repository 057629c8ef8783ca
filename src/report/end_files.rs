//! The files written once, at the end of a run: `instances.csv`,
//! `deployments.csv`, `refused.csv` and `incidents.csv`.

use super::csv_out::pct_wide;
use crate::engine::SimTime;
use crate::engine::time::format_secs;
use crate::model::Cluster;
use crate::table::{TableFile, finish_csv};

fn opt_secs(t: Option<SimTime>) -> String {
    t.map(format_secs).unwrap_or_default()
}

/// `instances.csv`, written once at the end.
pub fn write_instances(out: TableFile, c: &Cluster, end: SimTime) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(out);
    let gpus = c.has_gpus();
    let mut header = vec![
        "instance_id",
        "group",
        "instance_type",
        "availability_zone",
        "cpu_registered",
        "memory_registered_mib",
        "launched_s",
        "terminated_s",
        "tasks_placed",
        "cpu_reserved_mean_pct",
        "memory_reserved_mean_pct",
        "status",
        "running_s",
        "registered_s",
    ];
    if gpus {
        header.extend(["gpus_registered", "gpus_reserved_mean_pct"]);
    }
    // Only where some task can take an ENI, as the GPU columns.
    let enis = c.taskdefs.iter().any(|t| t.awsvpc);
    if enis {
        header.push("eni_slots");
    }
    // Only where some group can launch Spot: else every instance is On-Demand.
    let markets = c
        .templates
        .iter()
        .any(|t| t.purchase.on_demand_percent < 100);
    if markets {
        header.push("market");
    }
    w.write_record(header)?;
    for i in &c.instances {
        // Means over the time it was registered: reservations happen only then.
        let life = u128::from(i.registered_for(end));
        let mean = |area: u128, cap: u32| pct_wide(area, life * u128::from(cap));
        let mut row = vec![
            i.id.clone(),
            c.instance_groups[i.group as usize].clone(),
            i.instance_type.clone(),
            c.azs[i.az as usize].clone(),
            i.cpu.to_string(),
            i.memory.to_string(),
            format_secs(i.launched),
            opt_secs(i.terminated),
            i.tasks_placed.to_string(),
            mean(i.cpu_level.area(end), i.cpu),
            mean(i.memory_level.area(end), i.memory),
            format!("{:?}", i.status).to_uppercase(),
            format_secs(i.running),
            opt_secs(i.registered),
        ];
        if gpus {
            row.push(i.gpus.to_string());
            row.push(mean(i.gpu_level.area(end), i.gpus));
        }
        if enis {
            row.push(i.eni_slots.to_string());
        }
        if markets {
            row.push(if i.spot { "spot" } else { "on-demand" }.to_string());
        }
        w.write_record(row)?;
    }
    Ok(finish_csv(w)?)
}

/// `deployments.csv`: every deployment and how it ended.
pub fn write_deployments(
    out: TableFile,
    list: &[crate::model::deployment::DeploymentRecord],
) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "id",
        "service",
        "from",
        "to",
        "strategy",
        "started_s",
        "ended_s",
        "status",
        "failed_tasks",
        "rollback_of",
    ])?;
    for d in list {
        w.write_record([
            d.id.to_string(),
            d.service.clone(),
            d.from.clone(),
            d.to.clone(),
            d.strategy.to_string(),
            format_secs(d.started),
            opt_secs(d.ended),
            d.status.to_string(),
            d.failed_tasks.to_string(),
            d.rollback_of.map(|r| r.to_string()).unwrap_or_default(),
        ])?;
    }
    Ok(finish_csv(w)?)
}

/// `incidents.csv`: every fault and its impact.
/// `refused.csv`: every job launch refused for want of capacity, in the
/// order it happened (written even when empty, so scripts can rely on it).
pub fn write_refused(
    out: TableFile,
    cluster: &Cluster,
    refused: &[crate::sim::Refused],
) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "time_s",
        "job",
        "task_definition",
        "capacity_provider",
        "reason",
    ])?;
    for r in refused {
        let td = &cluster.taskdefs[r.taskdef as usize];
        w.write_record([
            format_secs(r.time),
            cluster.jobs[r.job as usize].name.clone(),
            td.family.clone(),
            r.provider
                .map(|p| cluster.providers[p as usize].name.clone())
                .unwrap_or_default(),
            r.reason.as_str().to_string(),
        ])?;
    }
    Ok(finish_csv(w)?)
}

pub fn write_incidents(
    out: TableFile,
    incidents: &[crate::faults::Incident],
) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "id",
        "kind",
        "target",
        "start_s",
        "end_s",
        "tasks_lost",
        "recovered_s",
        "time_to_recover_s",
        "unserved_requests",
        "balanced_s",
    ])?;
    for i in incidents {
        w.write_record([
            i.id.to_string(),
            i.kind.to_string(),
            i.target.clone(),
            format_secs(i.start),
            format_secs(i.end),
            i.tasks_lost.to_string(),
            opt_secs(i.recovered),
            opt_secs(i.recovered.map(|r| r - i.start)),
            format!("{:.0}", i.unserved_requests),
            opt_secs(i.balanced),
        ])?;
    }
    Ok(finish_csv(w)?)
}
