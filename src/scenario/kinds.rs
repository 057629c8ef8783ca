//! Tables with a `kind` (distributions, arrivals), read as plain tables and
//! then checked per kind: serde's internally tagged enums buffer their
//! content, so a wrong field inside was reported at the table
//! (`jobs[0].arrivals`) instead of at itself (`jobs[0].arrivals.rate_per_hour`).

use super::spec::{ArrivalSpec, DistSpec};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDist {
    kind: String,
    value: Option<String>,
    mean: Option<String>,
    median: Option<String>,
    sigma: Option<f64>,
    min: Option<String>,
    max: Option<String>,
    file: Option<String>,
    shape: Option<f64>,
    scale: Option<String>,
}

/// Takes the fields a kind needs; any other field set is an error.
struct Fields<'a> {
    kind: &'a str,
    set: Vec<(&'static str, bool)>,
    needs: &'static str,
}

impl<'a> Fields<'a> {
    fn need<T>(&mut self, name: &'static str, v: Option<T>) -> Result<T, String> {
        self.set.retain(|(n, _)| *n != name);
        v.ok_or_else(|| format!("kind \"{}\" needs {}", self.kind, self.needs))
    }
    fn maybe<T>(&mut self, name: &'static str, v: Option<T>) -> Option<T> {
        self.set.retain(|(n, _)| *n != name);
        v
    }
    fn done(self) -> Result<(), String> {
        match self.set.iter().find(|(_, set)| *set) {
            Some((name, _)) => Err(format!(
                "{name} is not a field of kind \"{}\", which takes {}",
                self.kind, self.needs
            )),
            None => Ok(()),
        }
    }
}

impl TryFrom<RawDist> for DistSpec {
    type Error = String;
    fn try_from(r: RawDist) -> Result<Self, String> {
        let set = vec![
            ("value", r.value.is_some()),
            ("mean", r.mean.is_some()),
            ("median", r.median.is_some()),
            ("sigma", r.sigma.is_some()),
            ("min", r.min.is_some()),
            ("max", r.max.is_some()),
            ("file", r.file.is_some()),
            ("shape", r.shape.is_some()),
            ("scale", r.scale.is_some()),
        ];
        let needs = match r.kind.as_str() {
            "constant" => "value",
            "exponential" => "mean",
            "lognormal" => "median and sigma",
            "uniform" => "min and max",
            "empirical" => "file",
            "weibull" => "shape and scale",
            other => {
                return Err(format!(
                    "unknown distribution kind \"{other}\"; expected constant, exponential, lognormal, uniform, empirical or weibull"
                ));
            }
        };
        let mut f = Fields {
            kind: &r.kind,
            set,
            needs,
        };
        let d = match r.kind.as_str() {
            "constant" => DistSpec::Constant {
                value: f.need("value", r.value)?,
            },
            "exponential" => DistSpec::Exponential {
                mean: f.need("mean", r.mean)?,
            },
            "lognormal" => DistSpec::Lognormal {
                median: f.need("median", r.median)?,
                sigma: f.need("sigma", r.sigma)?,
            },
            "uniform" => DistSpec::Uniform {
                min: f.need("min", r.min)?,
                max: f.need("max", r.max)?,
            },
            "empirical" => DistSpec::Empirical {
                file: f.need("file", r.file)?,
            },
            _ => DistSpec::Weibull {
                shape: f.need("shape", r.shape)?,
                scale: f.need("scale", r.scale)?,
            },
        };
        f.done()?;
        Ok(d)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawArrivals {
    kind: String,
    rate_per_hour: Option<f64>,
    batch: Option<i64>,
    every: Option<String>,
    count: Option<i64>,
    at: Option<String>,
}

impl TryFrom<RawArrivals> for ArrivalSpec {
    type Error = String;
    fn try_from(r: RawArrivals) -> Result<Self, String> {
        let set = vec![
            ("rate_per_hour", r.rate_per_hour.is_some()),
            ("batch", r.batch.is_some()),
            ("every", r.every.is_some()),
            ("count", r.count.is_some()),
            ("at", r.at.is_some()),
        ];
        let (kind, needs) = match r.kind.as_str() {
            "poisson" => ("poisson", "rate_per_hour (and optionally batch)"),
            "schedule" => ("schedule", "every and count (and optionally at)"),
            other => {
                return Err(format!(
                    "unknown arrivals kind \"{other}\"; expected poisson or schedule"
                ));
            }
        };
        let mut f = Fields { kind, set, needs };
        let a = if kind == "poisson" {
            ArrivalSpec::Poisson {
                rate_per_hour: f.need("rate_per_hour", r.rate_per_hour)?,
                batch: f.maybe("batch", r.batch),
            }
        } else {
            ArrivalSpec::Schedule {
                every: f.need("every", r.every)?,
                count: f.need("count", r.count)?,
                at: f.maybe("at", r.at),
            }
        };
        f.done()?;
        Ok(a)
    }
}
