//! What a command prints on success: a run's summary, an import's, and
//! the warning of a run cut short.

use crate::error::{Error, Result};
use crate::report;
use std::path::Path;

/// Exit code of a run cut short by `--max-wall`: results written, but partial.
pub const EXIT_PARTIAL: i32 = 3;

/// Tells a script (stderr) that a run was cut short; returns its exit code.
pub(super) fn partial_code(reason: Option<&str>) -> i32 {
    match reason {
        Some(why) => {
            eprintln!("warning: results are partial: {why}");
            EXIT_PARTIAL
        }
        None => 0,
    }
}

/// `ecsim run`'s summary on stdout: what ran, what it cost, the headline
/// figures, and notes on tasks left waiting or refused.
pub(super) fn print_run(s: &report::Summary, out: &Path) -> Result<()> {
    say!(
        "{}: simulated {} s in {:.3} s wall ({} events, {:.0} events/s); {} tasks started, {} stopped, {} failed",
        s.scenario,
        s.sim_duration_s,
        s.wall_time_s,
        s.events_processed,
        s.events_per_s,
        s.tasks_started,
        s.tasks_stopped,
        s.tasks_failed
    );
    say!(
        "  cost: {:.2} USD ({:.2} USD idle EC2 capacity), {:.2} USD per 1,000 task-hours; {:.2} USD per month, Spot {:.1} % of compute",
        s.cost.total_cost_usd,
        s.cost.idle_capacity_cost_usd,
        s.cost.cost_per_1000_task_hours,
        s.cost.monthly_cost_usd,
        s.cost.spot_share_pct
    );
    // The same figures as the report's overview, from the same keys.
    let v = serde_json::to_value(s).map_err(|e| Error::Internal(e.to_string()))?;
    for line in report::headline::run_lines(&report::headline::Headline::from_summary(&v)) {
        say!("{line}");
    }
    if s.tasks_provisioning_at_end > 0 {
        say!(
            "  note: {} tasks were still waiting for capacity (PROVISIONING) at the end; see tasks.csv rows with last_status PROVISIONING",
            s.tasks_provisioning_at_end
        );
    }
    for (why, n) in &s.tasks_provisioning_eni_gpu_by_reason {
        say!(
            "  note: {n} of them take an ENI (awsvpc) or GPUs and no instance passes {why}: {}",
            match *why {
                "RESOURCE:ENI" =>
                    "every instance's ENIs are taken (max_enis - 1 awsvpc tasks each; awsvpc_trunking = true on a group raises it)",
                "RESOURCE:GPU" => "no instance has enough free GPUs",
                "ATTRIBUTE:ecs.cpu-architecture" =>
                    "the instances with room are of another CPU architecture than the task's runtime_platform",
                _ => "see tasks.csv",
            }
        );
    }
    if s.tasks_refused > 0 {
        say!(
            "  note: {} job launches were refused for want of capacity (as ECS's RunTask does: {}); see refused.csv, or set no_capacity = \"queue\" on the job to queue them",
            s.tasks_refused,
            s.tasks_refused_by_reason
                .iter()
                .map(|(why, n)| format!("{why} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    say!("results in {}/", out.display());
    Ok(())
}

/// `ecsim import`'s summary on stdout: what was imported, and where.
pub(super) fn print_import(r: &crate::import::Imported) {
    say!(
        "imported {} from {} AWS CLI outputs: {} instance groups ({} instances), {} capacity providers, {} task definitions, {} services (desired {} tasks), {} scaling policies and scheduled actions, {} tasks placed where they run now, {} demand traces; {} things not mapped",
        r.name,
        r.files_read,
        r.instance_groups,
        r.instances,
        r.capacity_providers,
        r.task_definitions,
        r.services,
        r.desired_total,
        r.scaling_policies,
        r.initial_tasks,
        r.demand_traces,
        r.notes.len()
    );
    say!(
        "wrote {}; try: ecsim run {}",
        r.scenario.display(),
        r.scenario.display()
    );
}
