//! The run report's overview: the answer on one screen (cost per month,
//! Spot share, availability, unserved demand, waits, incidents and
//! rolled-back deployments), the same figures `ecsim run` prints.

use super::page::{Grid, Section};
use super::run::money;
use crate::report::headline::{Headline, duration, waits};

fn pct(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.3} %")).unwrap_or_else(|| "–".into())
}

fn grid(header: &[&str], rows: Vec<Vec<String>>) -> Grid {
    Grid {
        header: header.iter().map(|h| h.to_string()).collect(),
        rows,
    }
}

pub fn section(h: &Headline) -> Section {
    let mut s = Section::new(
        "Overview",
        &format!("Figures from summary.json. {}", h.warm_up_note()),
    );
    let mut rows = vec![
        vec![
            "cost per month (730 h)".to_string(),
            h.monthly_cost_usd.map(money).unwrap_or_else(|| "–".into()),
        ],
        vec![
            "cost of the simulated period".into(),
            h.total_cost_usd.map(money).unwrap_or_else(|| "–".into()),
        ],
        vec![
            "Spot share of compute (Spot EC2 + Fargate Spot)".into(),
            h.spot_share_pct
                .map(|v| format!("{v:.1} %"))
                .unwrap_or_else(|| "–".into()),
        ],
    ];
    if let Some(n) = h.incidents {
        let recover = h
            .max_time_to_recover_s
            .filter(|_| n > 0.0)
            .map(|t| format!(" (longest recovery {})", duration(t)))
            .unwrap_or_default();
        rows.push(vec!["incidents".into(), format!("{n:.0}{recover}")]);
    }
    if let Some((n, rolled)) = h.deployments {
        rows.push(vec![
            "deployments rolled back".into(),
            format!("{rolled} of {n}"),
        ]);
    }
    rows.push(vec![
        "warm-up (left out of the figures below)".into(),
        match h.warm_up_end_s {
            Some(e) => format!("{}: the first {}", h.warm_up, duration(e)),
            None => format!("{}: never ended, nothing measured", h.warm_up),
        },
    ]);
    s.grids.push(grid(&["figure", "value"], rows));
    if !h.services.is_empty() {
        let rows = h
            .services
            .iter()
            .map(|v| {
                let n = |x: Option<f64>, d: usize| {
                    x.map(|x| format!("{x:.d$}")).unwrap_or_else(|| "–".into())
                };
                vec![
                    v.name.clone(),
                    n(v.desired_count, 0),
                    n(v.mean_running, 2),
                    n(v.min_running, 0),
                    pct(v.availability_pct),
                    pct(v.request_availability_pct),
                    pct(v.unserved_pct),
                    waits(v.wait_p50_s, v.wait_p95_s),
                ]
            })
            .collect();
        s.grids.push(grid(
            &[
                "service",
                "desired at end",
                "mean running",
                "min running",
                "availability",
                "requests served",
                "unserved demand",
                "provisioning wait",
            ],
            rows,
        ));
    }
    if !h.jobs.is_empty() {
        let rows = h
            .jobs
            .iter()
            .map(|j| {
                vec![
                    j.name.clone(),
                    j.mean_running
                        .map(|x| format!("{x:.2}"))
                        .unwrap_or_else(|| "–".into()),
                    waits(j.wait_p50_s, j.wait_p95_s),
                ]
            })
            .collect();
        s.grids
            .push(grid(&["job", "mean running", "provisioning wait"], rows));
    }
    s
}
