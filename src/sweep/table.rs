//! The sweep's tables: `runs.csv` (one row per run) and `aggregate.csv`
//! (per point: mean, standard deviation and 95 % confidence interval).

use serde_json::Value;
use std::collections::BTreeSet;

/// Wall-clock figures differ between identical runs; a sweep's files must not.
pub const WALL_FIELDS: &[&str] = &["wall_time_s", "events_per_s"];

/// Every numeric figure of a summary, by flattened path
/// (`services.web.load.unserved_pct`), in sorted order.
pub fn metrics(summary: &Value) -> Vec<(String, f64)> {
    fn walk(v: &Value, path: &str, out: &mut Vec<(String, f64)>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    walk(v, &p, out);
                }
            }
            Value::Number(n) => {
                if let Some(x) = n.as_f64() {
                    out.push((path.to_string(), x));
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(summary, "", &mut out);
    out.retain(|(k, _)| !WALL_FIELDS.contains(&k.as_str()) && k != "seed");
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// How a parameter value appears in a CSV cell: strings bare, the rest as
/// compact JSON.
pub fn cell(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

/// One finished run, as the tables need it.
pub struct Row<'a> {
    pub run: u64,
    pub point: u32,
    pub replication: u32,
    pub seed: u64,
    pub params: Vec<String>,
    pub metrics: &'a [(String, f64)],
}

fn num(x: f64) -> String {
    // Rust prints the shortest text that reads back as the same f64.
    format!("{x}")
}

/// A figure's column name: its path, or `summary.PATH` where a parameter
/// has the same path (the figure is the run's outcome, e.g. the desired
/// count at the end, not the value set).
fn header(name: &str, parameters: &[String]) -> String {
    if parameters.iter().any(|p| p == name) {
        format!("summary.{name}")
    } else {
        name.to_string()
    }
}

/// The union of metric names over all rows, sorted.
pub fn metric_names(rows: &[Row]) -> Vec<String> {
    let set: BTreeSet<&str> = rows
        .iter()
        .flat_map(|r| r.metrics.iter().map(|(k, _)| k.as_str()))
        .collect();
    set.into_iter().map(str::to_string).collect()
}

fn lookup(m: &[(String, f64)], name: &str) -> Option<f64> {
    m.binary_search_by(|(k, _)| k.as_str().cmp(name))
        .ok()
        .map(|i| m[i].1)
}

pub fn runs_csv(parameters: &[String], rows: &[Row]) -> Result<Vec<u8>, csv::Error> {
    let names = metric_names(rows);
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut head: Vec<String> = ["run", "point", "replication", "seed"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    head.extend(parameters.iter().cloned());
    head.extend(names.iter().map(|n| header(n, parameters)));
    w.write_record(&head)?;
    for r in rows {
        let mut rec = vec![
            r.run.to_string(),
            r.point.to_string(),
            r.replication.to_string(),
            r.seed.to_string(),
        ];
        rec.extend(r.params.iter().cloned());
        rec.extend(
            names
                .iter()
                .map(|n| lookup(r.metrics, n).map(num).unwrap_or_default()),
        );
        w.write_record(&rec)?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// Mean, sample standard deviation and the 95 % confidence interval of the
/// mean (Student's t); the spread is empty for a single value.
pub struct Stats {
    pub n: usize,
    pub mean: f64,
    pub std: Option<f64>,
    pub ci95: Option<(f64, f64)>,
}

pub fn stats(xs: &[f64]) -> Option<Stats> {
    let n = xs.len();
    if n == 0 {
        return None;
    }
    // Equal values: exactly that value (a sum would leave rounding noise,
    // e.g. 0.5384620000000007 for a hundred 0.538462).
    if xs.iter().all(|&x| x == xs[0]) {
        return Some(Stats {
            n,
            mean: xs[0],
            std: (n > 1).then_some(0.0),
            ci95: (n > 1).then_some((xs[0], xs[0])),
        });
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return Some(Stats {
            n,
            mean,
            std: None,
            ci95: None,
        });
    }
    let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64;
    let std = var.sqrt();
    let half = t975(n - 1) * std / (n as f64).sqrt();
    Some(Stats {
        n,
        mean,
        std: Some(std),
        ci95: Some((mean - half, mean + half)),
    })
}

/// The 97.5 % quantile of Student's t with `df` degrees of freedom: the
/// table for small samples, a Cornish–Fisher expansion beyond (error < 1e-4).
pub fn t975(df: usize) -> f64 {
    const T: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    if (1..=30).contains(&df) {
        return T[df - 1];
    }
    let z: f64 = 1.959_963_985;
    let d = df.max(1) as f64;
    z + (z.powi(3) + z) / (4.0 * d)
        + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * d * d)
}

/// Rows grouped by point (rows must be in run order, points contiguous).
pub fn aggregate_csv(
    parameters: &[String],
    point_params: &[Vec<String>],
    rows: &[Row],
) -> Result<Vec<u8>, csv::Error> {
    let names = metric_names(rows);
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = vec!["point".into()];
    header.extend(parameters.iter().cloned());
    header.push("runs".into());
    for n in &names {
        let n = self::header(n, parameters);
        for s in ["mean", "std", "ci95_low", "ci95_high"] {
            header.push(format!("{n}.{s}"));
        }
    }
    w.write_record(&header)?;
    for (p, params) in point_params.iter().enumerate() {
        let of_point: Vec<&Row> = rows.iter().filter(|r| r.point as usize == p).collect();
        let mut rec = vec![p.to_string()];
        rec.extend(params.iter().cloned());
        rec.push(of_point.len().to_string());
        for n in &names {
            let xs: Vec<f64> = of_point
                .iter()
                .filter_map(|r| lookup(r.metrics, n))
                .collect();
            match stats(&xs) {
                Some(s) => {
                    rec.push(num(s.mean));
                    rec.push(s.std.map(num).unwrap_or_default());
                    rec.push(s.ci95.map(|c| num(c.0)).unwrap_or_default());
                    rec.push(s.ci95.map(|c| num(c.1)).unwrap_or_default());
                }
                None => rec.extend(std::iter::repeat_n(String::new(), 4)),
            }
        }
        w.write_record(&rec)?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confidence_interval_matches_hand_computation() {
        // 1, 2, 3: mean 2, s = 1, half-width t(2) · 1/√3 = 4.303 / 1.732.
        let s = stats(&[1.0, 2.0, 3.0]).unwrap();
        assert_eq!(s.mean, 2.0);
        assert_eq!(s.std, Some(1.0));
        let (lo, hi) = s.ci95.unwrap();
        assert!((hi - 2.0 - 4.303 / 3f64.sqrt()).abs() < 1e-12 && (lo + hi - 4.0).abs() < 1e-12);
        assert!(stats(&[5.0]).unwrap().ci95.is_none());
        let same = stats(&[0.538462; 100]).unwrap();
        assert_eq!(
            (same.mean, same.std, same.ci95),
            (0.538462, Some(0.0), Some((0.538462, 0.538462)))
        );
        assert!((t975(60) - 2.000).abs() < 1e-3 && (t975(120) - 1.980).abs() < 1e-3);
        assert!((t975(31) - 2.040).abs() < 1e-3);
    }

    #[test]
    fn metrics_flatten_numbers_and_drop_wall_clock() {
        let v: Value = serde_json::from_str(
            r#"{"wall_time_s": 1.5, "seed": 3, "total_cost_usd": 2.5, "scenario": "x",
                "services": {"web": {"load": {"unserved_pct": 0.25}, "ramp_done_s": null}}}"#,
        )
        .unwrap();
        let m = metrics(&v);
        assert_eq!(
            m,
            vec![
                ("services.web.load.unserved_pct".to_string(), 0.25),
                ("total_cost_usd".to_string(), 2.5)
            ]
        );
    }
}
