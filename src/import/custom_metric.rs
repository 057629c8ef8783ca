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
    if v.get("Metrics").is_some() {
        return Err("a metric math expression (Metrics)".into());
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
        _ => Err(format!("{what} is not a metric ecsim simulates")),
    }
}
