//! A CloudWatch metric named by namespace, name, statistic and dimensions
//! (a customized target tracking metric, a deployment alarm's metric) as
//! the ecsim metric that reads the same figure, when ecsim simulates it.

use serde_json::Value;

/// The ecsim metric name and, when the statistic is read another way, why.
pub type Mapped = (&'static str, Option<String>);

/// A metric in the form CloudWatch prints it (`MetricName`, `Namespace`,
/// `Statistic`, `Dimensions`), for `service`: `Err` says why ecsim does not
/// simulate it.
pub fn map(v: &Value, service: &str) -> Result<Mapped, String> {
    let s = |k: &str| v.get(k).and_then(Value::as_str);
    if let Some(ms) = v.get("Metrics").and_then(Value::as_array) {
        return math(ms);
    }
    let (Some(ns), Some(name)) = (s("Namespace"), s("MetricName")) else {
        return Err("no Namespace and MetricName".into());
    };
    let stat = s("Statistic").unwrap_or("Average");
    let dims: Vec<(&str, &str)> = v
        .get("Dimensions")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|d| Some((d.get("Name")?.as_str()?, d.get("Value")?.as_str()?)))
                .collect()
        })
        .unwrap_or_default();
    simulated(ns, name, stat, &dims, service)
}

/// See [`map`]; the same from the fields themselves.
pub fn simulated(
    ns: &str,
    name: &str,
    stat: &str,
    dims: &[(&str, &str)],
    service: &str,
) -> Result<Mapped, String> {
    let what = format!("{ns} {name} ({stat})");
    match (ns, name) {
        ("AWS/ECS", "CPUUtilization" | "MemoryUtilization") => {
            if let Some((_, other)) = dims
                .iter()
                .find(|(k, v)| *k == "ServiceName" && *v != service)
            {
                return Err(format!("{what} of another service, {other}"));
            }
            let m = if name == "CPUUtilization" {
                "ECSServiceAverageCPUUtilization"
            } else {
                "ECSServiceAverageMemoryUtilization"
            };
            match stat {
                "Average" => Ok((m, None)),
                // Every task of a service carries the same load in ecsim.
                "Maximum" | "Minimum" => Ok((
                    m,
                    Some(format!(
                        "{what}: every task of a service carries the same share of its load in ecsim, so its {stat} is its Average"
                    )),
                )),
                _ => Err(format!(
                    "{what}: ecsim reads utilization as Average, Maximum or Minimum"
                )),
            }
        }
        ("AWS/ApplicationELB", "RequestCountPerTarget") if stat == "Sum" => {
            Ok(("ALBRequestCountPerTarget", None))
        }
        ("AWS/ApplicationELB", "RequestCount") if stat == "Sum" => Ok(("RequestCount", None)),
        ("AWS/ApplicationELB", "RequestCount" | "RequestCountPerTarget") => Err(format!(
            "{what}: the load balancer's request counts are read as Sum"
        )),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible") => {
            Ok(("ApproximateNumberOfMessagesVisible", None))
        }
        _ => Err(format!("{what} is not a metric ecsim simulates")),
    }
}

/// Metric math ecsim simulates: a queue's visible messages divided by the
/// service's RunningTaskCount, the backlog per task ("Scaling policy based
/// on Amazon SQS", Amazon EC2 Auto Scaling User Guide).
fn math(ms: &[Value]) -> Result<Mapped, String> {
    let metric = |m: &Value| {
        let x = m.get("MetricStat")?.get("Metric")?;
        Some((
            m.get("Id")?.as_str()?.to_string(),
            x.get("Namespace")?.as_str()?.to_string(),
            x.get("MetricName")?.as_str()?.to_string(),
        ))
    };
    let named: Vec<(String, String, String)> = ms.iter().filter_map(metric).collect();
    let id_of = |ns: &str, name: &str| {
        named
            .iter()
            .find(|(_, n, m)| n == ns && m == name)
            .map(|(id, ..)| id.clone())
    };
    let expr = ms
        .iter()
        .find(|m| m.get("ReturnData").and_then(Value::as_bool) == Some(true))
        .and_then(|m| m.get("Expression"))
        .and_then(Value::as_str)
        .map(|e| e.replace(' ', ""));
    if let (Some(visible), Some(tasks), Some(e)) = (
        id_of("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
        id_of("ECS/ContainerInsights", "RunningTaskCount"),
        &expr,
    ) && *e == format!("{visible}/{tasks}")
    {
        return Ok(("BacklogPerTask", None));
    }
    Err(format!(
        "the metric math {} is not one ecsim simulates (it does ApproximateNumberOfMessagesVisible / RunningTaskCount)",
        expr.unwrap_or_else(|| "with no expression returned".into())
    ))
}

/// The SQS queue a metric specification or alarm names (dimension
/// QueueName), anywhere in it.
pub fn queue_name(v: &Value) -> Option<String> {
    match v {
        Value::Object(o) => {
            if o.get("Name").and_then(Value::as_str) == Some("QueueName") {
                return o.get("Value").and_then(Value::as_str).map(String::from);
            }
            o.values().find_map(queue_name)
        }
        Value::Array(a) => a.iter().find_map(queue_name),
        _ => None,
    }
}
