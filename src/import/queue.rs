//! A service its scaling policies tie to an SQS queue (an alarm or metric
//! on the queue's ApproximateNumberOfMessagesVisible, or the backlog per
//! task) is the queue's worker: a `[[queues]]` entry whose arrivals are the
//! queue's exported NumberOfMessagesSent (Sum per period ÷ period), and
//! whose backlog at time 0 is its first ApproximateNumberOfMessagesVisible.

use super::demand::{Series, csv, trace};
use super::doc::round6;
use super::names::file_name;
use super::shapes::EcsService;
use crate::scenario::queues::QueueSpec;
use crate::scenario::spec::DemandSpec;
use std::collections::BTreeMap;

#[derive(Debug)]
pub struct QueueOut {
    /// How it was inferred, for a comment above the service.
    pub how: String,
    /// The `[[queues]]` entry.
    pub spec: QueueSpec,
    pub trace: Option<(String, String)>,
    pub span_ms: i64,
    pub start_ms: Option<i64>,
}

pub fn infer(
    service: &str,
    queue: &str,
    metrics: Option<&BTreeMap<&'static str, Series>>,
    s: &EcsService,
    desired: i64,
    sub: &str,
) -> QueueOut {
    let running = s.running_count.unwrap_or(desired).max(1) as f64;
    let get = |m: &str| metrics.and_then(|x| x.get(m));
    let first_visible =
        get("ApproximateNumberOfMessagesVisible").and_then(|v| v.values.first().copied());
    // Said in both comments: a queue without the metric starts empty.
    let backlog_how = match first_visible {
        Some(_) => "its first ApproximateNumberOfMessagesVisible (exported)",
        None => "none exported: the queue starts empty (0)",
    };
    let backlog = first_visible.unwrap_or(0.0);
    let head = |arrivals: DemandSpec, rate: f64| QueueSpec {
        name: queue.into(),
        service: service.into(),
        arrivals,
        messages_per_task: round6(rate),
        backlog: Some(round6(backlog.max(0.0))),
    };
    let Some(sent) = get("NumberOfMessagesSent") else {
        // No arrivals exported: a steady flow that keeps the running tasks
        // half busy, one message a second each at full load.
        let rate = 1.0;
        return QueueOut {
            how: format!(
                "{service} works SQS queue {queue} (its scaling policies read it); no NumberOfMessagesSent in the export: a constant {} messages a second, the running tasks half busy at messages_per_task = 1 (a guess; export \"{service} NumberOfMessagesSent\" for a trace); backlog: {backlog_how}.",
                round6(running * 0.5)
            ),
            spec: head(
                DemandSpec {
                    kind: "constant".into(),
                    value: Some(round6(running * 0.5)),
                    ..Default::default()
                },
                rate,
            ),
            trace: None,
            span_ms: 0,
            start_ms: None,
        };
    };
    let step_s = sent.step_ms as f64 / 1000.0;
    let rates: Vec<f64> = sent.values.iter().map(|v| v / step_s).collect();
    let peak = rates.iter().cloned().fold(0.0, f64::max);
    // Messages a task processes a second: measured against CPU when it is
    // exported (the tasks keep up on average), else the peak taken as the
    // running tasks at full load.
    let (rate, how_rate) = match get("CPUUtilization") {
        Some(cpu) => {
            let (mut m, mut busy) = (0.0, 0.0);
            for (i, r) in rates.iter().enumerate() {
                if let Some(c) = cpu.at(sent.t0_ms + i as i64 * sent.step_ms) {
                    m += r;
                    busy += c / 100.0 * running;
                }
            }
            if m > 0.0 && busy > 0.0 {
                (m / busy, "messages a second over CPUUtilization/100 × the running tasks, summed over the trace".to_string())
            } else {
                ((peak / running).max(1e-6), "the peak of the trace taken as the running tasks at full load".to_string())
            }
        }
        None => ((peak / running).max(1e-6), "no CPUUtilization in the export: the peak of the trace taken as the running tasks at full load (a guess)".to_string()),
    };
    let file = format!(
        "{sub}/traces/{}-{}.csv",
        file_name(service),
        file_name(queue)
    );
    QueueOut {
        how: format!(
            "{service} works SQS queue {queue} (its scaling policies read it): arrivals are its NumberOfMessagesSent (Sum per {} s ÷ {} s), {file}; messages_per_task: {how_rate}; backlog: {backlog_how}.",
            round6(step_s),
            round6(step_s),
        ),
        spec: head(trace(&file), rate),
        trace: Some((file, csv(sent, |i, _| rates[i]))),
        span_ms: sent.values.len() as i64 * sent.step_ms,
        start_ms: Some(sent.t0_ms),
    }
}
