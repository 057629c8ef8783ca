//! The cost-vs-availability chart of a sweep report and its Pareto frontier.

use super::chart::{Chart, Marker, Series, Style};
use super::sweep::{Param, short};
use super::table::Table;
use crate::error::Result;

/// The cost-vs-availability chart, when aggregate.csv has both figures.
pub(super) fn frontier(
    agg: &Table,
    params: &[Param],
    agg_params: &[usize],
    point: usize,
) -> Result<Option<Chart>> {
    let Some(cost) = agg.col("total_cost_usd.mean") else {
        return Ok(None);
    };
    // The served share of demand where a service has a demand model (what
    // scaling policies trade against cost), else availability (every
    // service has it: minutes with fewer RUNNING tasks than desired).
    let pick = |suffix: &str| {
        agg.header
            .iter()
            .position(|h| h.starts_with("services.") && h.ends_with(suffix))
    };
    let (ycol, served, label) = match pick(".load.unserved_pct.mean") {
        Some(c) => (
            c,
            true,
            format!("100 − {}", agg.header[c].trim_end_matches(".mean")),
        ),
        None => match pick(".availability.availability_pct.mean") {
            Some(c) => (
                c,
                false,
                agg.header[c].trim_end_matches(".mean").to_string(),
            ),
            None => return Ok(None),
        },
    };
    let mut pts: Vec<(f64, f64, String, String)> = Vec::new();
    for r in 0..agg.rows.len() {
        if let (Some(x), Some(y)) = (agg.num(r, cost)?, agg.num(r, ycol)?) {
            let y = if served { 100.0 - y } else { y };
            let vals: Vec<String> = params
                .iter()
                .zip(agg_params)
                .map(|(p, &c)| format!("{}={}", short(&p.path), agg.rows[r][c]))
                .collect();
            pts.push((x, y, format!("#{}", agg.rows[r][point]), vals.join(", ")));
        }
    }
    // Points with the same figures share one marker and one label ("#0, #2"),
    // or the labels would print over each other.
    let mut markers: Vec<(f64, f64, String)> = Vec::new();
    for p in &pts {
        match markers.iter_mut().find(|m| m.0 == p.0 && m.1 == p.1) {
            Some(m) => {
                m.2.push_str(", ");
                m.2.push_str(&p.2);
            }
            None => markers.push((p.0, p.1, p.2.clone())),
        }
    }
    let on = pareto(&markers.iter().map(|p| (p.0, p.1)).collect::<Vec<_>>());
    let mut c = Chart::new(
        "frontier",
        "Cost vs availability",
        "total cost (USD, mean)",
        &format!("{label} (%)"),
    );
    c.zero_baseline = false;
    // Labels on the chart are point numbers (long parameter lists overlap);
    // the caption spells each one out.
    let legend: Vec<String> = pts.iter().map(|p| format!("{} = {}", p.2, p.3)).collect();
    let optimal: Vec<&str> = on.iter().map(|&i| markers[i].2.as_str()).collect();
    c.caption = format!(
        "x: mean total_cost_usd; y: mean {label}. Red: Pareto-optimal ({}). Points: {}.",
        optimal.join(", "),
        legend.join("; ")
    );
    let mut line: Vec<(f64, f64)> = on.iter().map(|&i| (markers[i].0, markers[i].1)).collect();
    line.sort_by(|a, b| a.0.total_cmp(&b.0));
    c.series.push(Series {
        name: "Pareto frontier".into(),
        color: 3,
        style: Style::Line,
        points: line,
    });
    for (i, (x, y, label)) in markers.into_iter().enumerate() {
        c.markers.push(Marker {
            x,
            y,
            label,
            strong: on.contains(&i),
        });
    }
    Ok(Some(c))
}

/// Indices of the points no other point beats on both cost (lower) and
/// availability (higher).
pub fn pareto(pts: &[(f64, f64)]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..pts.len()).collect();
    order.sort_by(|&a, &b| {
        pts[a]
            .0
            .total_cmp(&pts[b].0)
            .then(pts[b].1.total_cmp(&pts[a].1))
    });
    let mut best = f64::NEG_INFINITY;
    let mut out = Vec::new();
    for i in order {
        if pts[i].1 > best {
            best = pts[i].1;
            out.push(i);
        }
    }
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn pareto_keeps_only_undominated_points() {
        // (cost, availability)
        let pts = [
            (10.0, 99.0),
            (12.0, 99.5),
            (11.0, 98.0),
            (15.0, 99.5),
            (9.0, 90.0),
        ];
        assert_eq!(super::pareto(&pts), vec![0, 1, 4]);
    }
}
