//! The answer on one screen: the figures `ecsim run` prints under its first
//! line and the report's overview shows, read from summary.json's keys so
//! both say the same thing (the report only has the file).

use serde_json::Value;

/// One service's quality figures (measured after the warm-up).
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceLine {
    pub name: String,
    pub desired_count: Option<f64>,
    pub mean_running: Option<f64>,
    pub min_running: Option<f64>,
    pub availability_pct: Option<f64>,
    /// Services with demand only.
    pub request_availability_pct: Option<f64>,
    pub unserved_pct: Option<f64>,
    pub wait_p50_s: Option<f64>,
    pub wait_p95_s: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct JobLine {
    pub name: String,
    pub mean_running: Option<f64>,
    pub wait_p50_s: Option<f64>,
    pub wait_p95_s: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Headline {
    pub total_cost_usd: Option<f64>,
    pub monthly_cost_usd: Option<f64>,
    pub spot_share_pct: Option<f64>,
    /// `warm_up` as the scenario gave it, and when it ended (None: never,
    /// so no quality figure measured anything).
    pub warm_up: String,
    pub warm_up_end_s: Option<f64>,
    pub services: Vec<ServiceLine>,
    pub jobs: Vec<JobLine>,
    /// Present when the scenario injects faults.
    pub incidents: Option<f64>,
    pub max_time_to_recover_s: Option<f64>,
    /// Present when the scenario deploys: how many, and how many rolled back.
    pub deployments: Option<(usize, usize)>,
}

fn num(v: &Value, path: &[&str]) -> Option<f64> {
    path.iter().try_fold(v, |cur, p| cur.get(p))?.as_f64()
}

fn names(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

impl Headline {
    pub fn from_summary(v: &Value) -> Headline {
        let services = names(v, "services")
            .into_iter()
            .map(|s| {
                let f = |p: &[&str]| {
                    let mut path = vec!["services", s.as_str()];
                    path.extend_from_slice(p);
                    num(v, &path)
                };
                ServiceLine {
                    desired_count: f(&["desired_count"]),
                    mean_running: f(&["mean_running"]),
                    min_running: f(&["min_running"]),
                    availability_pct: f(&["availability", "availability_pct"]),
                    request_availability_pct: f(&["availability", "request_availability_pct"]),
                    unserved_pct: f(&["load", "unserved_pct"]),
                    wait_p50_s: f(&["provisioning_wait_p50_s"]),
                    wait_p95_s: f(&["provisioning_wait_p95_s"]),
                    name: s,
                }
            })
            .collect();
        let jobs = names(v, "jobs")
            .into_iter()
            .map(|j| {
                let f = |k: &str| num(v, &["jobs", j.as_str(), k]);
                JobLine {
                    mean_running: f("mean_running"),
                    wait_p50_s: f("provisioning_wait_p50_s"),
                    wait_p95_s: f("provisioning_wait_p95_s"),
                    name: j,
                }
            })
            .collect();
        let deployments = v.get("deployments").and_then(Value::as_object).map(|m| {
            let rolled = m
                .values()
                .filter(|s| s.as_str() == Some("ROLLED_BACK"))
                .count();
            (m.len(), rolled)
        });
        Headline {
            total_cost_usd: num(v, &["total_cost_usd"]),
            monthly_cost_usd: num(v, &["monthly_cost_usd"]),
            spot_share_pct: num(v, &["spot_share_pct"]),
            warm_up: v
                .get("warm_up")
                .and_then(Value::as_str)
                .unwrap_or("auto")
                .to_string(),
            warm_up_end_s: num(v, &["warm_up_end_s"]),
            services,
            jobs,
            incidents: num(v, &["incidents"]),
            max_time_to_recover_s: num(v, &["max_time_to_recover_s"]),
            deployments,
        }
    }

    /// What the quality figures leave out, in a sentence.
    pub fn warm_up_note(&self) -> String {
        match self.warm_up_end_s {
            None => format!(
                "The warm-up ({}) never ended: availability, unserved demand and waits measured nothing.",
                self.warm_up
            ),
            Some(e) if e > 0.0 => format!(
                "Availability, unserved demand and waits leave out the warm-up ({}, the first {}).",
                self.warm_up,
                duration(e)
            ),
            Some(_) => {
                "Availability, unserved demand and waits cover the whole run (no warm-up).".into()
            }
        }
    }
}

/// A wait or recovery time: seconds below two minutes, then minutes, then hours.
pub fn duration(secs: f64) -> String {
    if secs < 120.0 {
        let d = if secs > 0.0 && secs < 10.0 { 1 } else { 0 };
        format!("{secs:.d$} s")
    } else if secs < 7200.0 {
        format!("{:.1} min", secs / 60.0)
    } else {
        format!("{:.2} h", secs / 3600.0)
    }
}

/// "p50 X / p95 Y", or a dash when the summary predates the keys.
pub fn waits(p50: Option<f64>, p95: Option<f64>) -> String {
    match (p50, p95) {
        (Some(a), Some(b)) => format!("p50 {} / p95 {}", duration(a), duration(b)),
        _ => "–".into(),
    }
}

/// The lines `ecsim run` prints after its first line and `cost:` line
/// (whose beginnings scripts read and which stay as they were).
pub fn run_lines(h: &Headline) -> Vec<String> {
    let mut out = Vec::new();
    for s in &h.services {
        let mut line = format!(
            "  service {}: desired {:.0}, mean running {:.2}, min running {:.0}",
            s.name,
            s.desired_count.unwrap_or(0.0),
            s.mean_running.unwrap_or(0.0),
            s.min_running.unwrap_or(0.0)
        );
        if let Some(a) = s.availability_pct {
            line += &format!("; availability {a:.3} %");
        }
        if let (Some(r), Some(u)) = (s.request_availability_pct, s.unserved_pct) {
            line += &format!(", requests served {r:.3} % (unserved {u:.3} %)");
        }
        line += &format!("; waits {}", waits(s.wait_p50_s, s.wait_p95_s));
        out.push(line);
    }
    for j in &h.jobs {
        out.push(format!(
            "  job {}: mean running {:.2}; waits {}",
            j.name,
            j.mean_running.unwrap_or(0.0),
            waits(j.wait_p50_s, j.wait_p95_s)
        ));
    }
    let mut events = Vec::new();
    if let Some(n) = h.incidents {
        let mut s = format!("incidents {n:.0}");
        if let Some(t) = h.max_time_to_recover_s.filter(|_| n > 0.0) {
            s += &format!(" (longest recovery {})", duration(t));
        }
        events.push(s);
    }
    if let Some((n, rolled)) = h.deployments {
        events.push(format!("deployments {n}, {rolled} rolled back"));
    }
    if !events.is_empty() {
        out.push(format!("  {}", events.join("; ")));
    }
    // Only when nothing was measured: a warm-up that ended is the report's
    // to explain (the run line stays short).
    if h.warm_up_end_s.is_none() {
        out.push(format!("  note: {}", h.warm_up_note()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rolled_back_deployments_are_counted() {
        let v = serde_json::json!({
            "deployments": {"1": "COMPLETED", "2": "ROLLED_BACK", "3": "FAILED"},
            "incidents": 2, "max_time_to_recover_s": 90.0, "warm_up": "auto",
            "warm_up_end_s": 0.0, "services": {}, "jobs": {}
        });
        let h = Headline::from_summary(&v);
        assert_eq!(h.deployments, Some((3, 1)));
        assert_eq!(
            run_lines(&h),
            vec!["  incidents 2 (longest recovery 90 s); deployments 3, 1 rolled back"]
        );
    }

    #[test]
    fn a_warm_up_that_never_ended_is_said() {
        let v = serde_json::json!({"warm_up": "2h", "warm_up_end_s": null});
        let h = Headline::from_summary(&v);
        assert!(
            run_lines(&h)[0].contains("never ended"),
            "{:?}",
            run_lines(&h)
        );
    }
}
