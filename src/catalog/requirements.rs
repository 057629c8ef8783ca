//! Attribute-based instance type selection: AWS's InstanceRequirements (as
//! the EC2 and Auto Scaling APIs and ECS Managed Instances take them, keys
//! in snake_case) resolved against the catalog. Shared by
//! `[[capacity_providers]] kind = "managed_instances"`, mixed-instances
//! groups and `ecsim catalog`'s filters.
//!
//! Semantics follow the EC2 API reference "InstanceRequirementsRequest":
//! every attribute given must hold; a list matches when any of its values
//! does; `allowed_instance_types` and `excluded_instance_types` take `*`
//! wildcards and may not both be given; `burstable_performance` and
//! `bare_metal` default to "excluded". The catalog knows no CPU maker or
//! generation, so both are derived from the type name (see `manufacturer`
//! and `generation`); a filter on them is only as good as that rule.

use super::InstanceType;
use crate::model::Arch;
use serde::{Deserialize, Serialize};

/// An inclusive range; either end may be left open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Range {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<u32>,
}

impl Range {
    pub fn holds(&self, v: u32) -> bool {
        self.min.is_none_or(|m| v >= m) && self.max.is_none_or(|m| v <= m)
    }
}

/// AWS's InstanceRequirements, the attributes ecsim's catalog can answer.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Requirements {
    /// Required by AWS (VCpuCount); `min` at least 1 there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vcpu_count: Option<Range>,
    /// Required by AWS (MemoryMiB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_mib: Option<Range>,
    /// "intel", "amd", "amazon-web-services", "apple".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cpu_manufacturers: Vec<String>,
    /// "current", "previous".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub instance_generations: Vec<String>,
    /// "included", "excluded" (AWS's default), "required".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub burstable_performance: Option<String>,
    /// "included", "excluded" (AWS's default), "required".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bare_metal: Option<String>,
    /// GPUs (the catalog counts NVIDIA/Gaudi GPUs as accelerators).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accelerator_count: Option<Range>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_instance_types: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excluded_instance_types: Vec<String>,
    /// Not an AWS attribute: `ecsim catalog --arch` (AWS implies it by
    /// the CPU maker and the AMI).
    #[serde(skip)]
    pub arch: Option<Arch>,
}

const MAKERS: [&str; 4] = ["intel", "amd", "amazon-web-services", "apple"];
const GENERATIONS: [&str; 2] = ["current", "previous"];
const INCLUSION: [&str; 3] = ["included", "excluded", "required"];

/// Families EC2's "Previous generation instances" page lists as such
/// (ecsim's reading; the catalog itself has no generation column).
const PREVIOUS: &[&str] = &[
    "c1", "c3", "c4", "cc2", "cr1", "d2", "g2", "g3", "g3s", "hs1", "i2", "m1", "m2", "m3", "m4",
    "p2", "r3", "r4", "t1", "x1", "x1e",
];

/// The family of a type name: "c6a" of "c6a.2xlarge".
fn family(name: &str) -> &str {
    name.split('.').next().unwrap_or(name)
}

/// The CPU maker, from the name as EC2 forms it: Graviton types are arm64,
/// `mac` families Apple, an `a` among the letters after the generation
/// digit AMD ("c6a", "m5ad"), any other x86 type Intel.
pub fn manufacturer(t: &InstanceType) -> &'static str {
    let fam = family(&t.name);
    if fam.starts_with("mac") {
        return "apple";
    }
    if t.arch == Arch::Arm64 {
        return "amazon-web-services";
    }
    let after_digit = fam.find(|c: char| c.is_ascii_digit()).map(|i| &fam[i..]);
    match after_digit {
        Some(rest)
            if rest
                .trim_start_matches(|c: char| c.is_ascii_digit())
                .contains('a') =>
        {
            "amd"
        }
        _ => "intel",
    }
}

/// "previous" for the families of `PREVIOUS`, else "current".
pub fn generation(t: &InstanceType) -> &'static str {
    if PREVIOUS.contains(&family(&t.name)) {
        "previous"
    } else {
        "current"
    }
}

/// Burstable performance instances: the T families.
pub fn burstable(t: &InstanceType) -> bool {
    family(&t.name).starts_with('t')
}

/// Bare metal: the `metal` sizes.
pub fn bare_metal(t: &InstanceType) -> bool {
    t.name.contains("metal")
}

/// Whether `name` matches an allowed/excluded entry: a glob with `*`, an
/// exact type name, or a bare family ("g5", as ECS's API reference allows).
pub fn type_matches(pattern: &str, name: &str) -> bool {
    if pattern.contains('*') {
        // A whole-name glob: "c6a.*" is not "c6an.large".
        return super::list::matches(pattern, name);
    }
    if pattern.contains('.') {
        return pattern == name;
    }
    family(name) == pattern
}

impl Requirements {
    /// Checks the values; an error names the key (relative to the table).
    pub fn check(&self) -> Result<(), (String, String)> {
        let one_of = |key: &str, v: &str, ok: &[&str]| -> Result<(), (String, String)> {
            if ok.contains(&v) {
                Ok(())
            } else {
                Err((
                    key.to_string(),
                    format!("\"{v}\" is not one of {}", ok.join(", ")),
                ))
            }
        };
        for (i, m) in self.cpu_manufacturers.iter().enumerate() {
            one_of(&format!("cpu_manufacturers[{i}]"), m, &MAKERS)?;
        }
        for (i, g) in self.instance_generations.iter().enumerate() {
            one_of(&format!("instance_generations[{i}]"), g, &GENERATIONS)?;
        }
        if let Some(b) = &self.burstable_performance {
            one_of("burstable_performance", b, &INCLUSION)?;
        }
        if let Some(b) = &self.bare_metal {
            one_of("bare_metal", b, &INCLUSION)?;
        }
        for (key, r) in [
            ("vcpu_count", self.vcpu_count),
            ("memory_mib", self.memory_mib),
            ("accelerator_count", self.accelerator_count),
        ] {
            if let Some(Range {
                min: Some(a),
                max: Some(b),
            }) = r
                && a > b
            {
                return Err((format!("{key}.max"), format!("{b} is below min {a}")));
            }
        }
        if !self.allowed_instance_types.is_empty() && !self.excluded_instance_types.is_empty() {
            return Err((
                "excluded_instance_types".into(),
                "give allowed_instance_types or excluded_instance_types, not both (EC2 rejects both together)".into(),
            ));
        }
        for (key, list) in [
            ("allowed_instance_types", &self.allowed_instance_types),
            ("excluded_instance_types", &self.excluded_instance_types),
        ] {
            if list.len() > 400 {
                return Err((key.into(), "at most 400 entries (EC2's limit)".into()));
            }
            if let Some(i) = list.iter().position(|p| p.is_empty()) {
                return Err((
                    format!("{key}[{i}]"),
                    "an empty entry matches nothing".into(),
                ));
            }
        }
        Ok(())
    }

    /// VCpuCount and MemoryMiB are required, each with a min
    /// (InstanceRequirementsRequest, and the Auto Scaling API's
    /// InstanceRequirements); the error names the key.
    pub fn check_minimums(&self) -> Result<(), (String, String)> {
        for (key, given) in [
            ("vcpu_count", self.vcpu_count),
            ("memory_mib", self.memory_mib),
        ] {
            if given.is_none_or(|r| r.min.is_none()) {
                return Err((
                    key.into(),
                    format!("{key} with at least a min is required (InstanceRequirementsRequest)"),
                ));
            }
        }
        Ok(())
    }

    /// Whether type `t` meets every requirement given.
    pub fn admits(&self, t: &InstanceType) -> bool {
        let inclusion = |setting: &Option<String>, is: bool| match setting.as_deref() {
            Some("included") => true,
            Some("required") => is,
            _ => !is,
        };
        self.vcpu_count.is_none_or(|r| r.holds(t.vcpu))
            && self.memory_mib.is_none_or(|r| r.holds(t.memory_mib))
            && self.accelerator_count.is_none_or(|r| r.holds(t.gpus))
            && (self.cpu_manufacturers.is_empty()
                || self.cpu_manufacturers.iter().any(|m| m == manufacturer(t)))
            && (self.instance_generations.is_empty()
                || self.instance_generations.iter().any(|g| g == generation(t)))
            && inclusion(&self.burstable_performance, burstable(t))
            && inclusion(&self.bare_metal, bare_metal(t))
            && self.arch.is_none_or(|a| a == t.arch)
            && (self.allowed_instance_types.is_empty()
                || self
                    .allowed_instance_types
                    .iter()
                    .any(|p| type_matches(p, &t.name)))
            && !self
                .excluded_instance_types
                .iter()
                .any(|p| type_matches(p, &t.name))
    }
}

/// The types of `types` that meet `req`, cheapest first by `price` (USD
/// per hour; unpriced types last), then fewest vCPUs, least memory, name.
/// An empty result is an error saying which requirement emptied the list.
pub fn resolve<'a>(
    req: &Requirements,
    types: impl IntoIterator<Item = &'a InstanceType>,
    price: impl Fn(&str) -> Option<f64>,
) -> Result<Vec<&'a InstanceType>, String> {
    let all: Vec<&InstanceType> = types.into_iter().collect();
    let mut out: Vec<(&InstanceType, Option<f64>)> = all
        .iter()
        .filter(|t| req.admits(t))
        .map(|t| (*t, price(&t.name)))
        .collect();
    if out.is_empty() {
        return Err(why_empty(req, &all));
    }
    out.sort_by(|a, b| {
        let p = |x: Option<f64>| x.unwrap_or(f64::INFINITY);
        p(a.1)
            .total_cmp(&p(b.1))
            .then(a.0.vcpu.cmp(&b.0.vcpu))
            .then(a.0.memory_mib.cmp(&b.0.memory_mib))
            .then(a.0.name.cmp(&b.0.name))
    });
    Ok(out.into_iter().map(|x| x.0).collect())
}

/// Names the first requirement that, added to those before it, leaves no
/// type: the one to loosen.
fn why_empty(req: &Requirements, all: &[&InstanceType]) -> String {
    let mut partial = Requirements {
        burstable_performance: Some("included".into()),
        bare_metal: Some("included".into()),
        ..Default::default()
    };
    type Step<'a> = (&'a str, Box<dyn Fn(&mut Requirements) + 'a>);
    let steps: Vec<Step> = vec![
        ("vcpu_count", Box::new(|p| p.vcpu_count = req.vcpu_count)),
        ("memory_mib", Box::new(|p| p.memory_mib = req.memory_mib)),
        ("arch", Box::new(|p| p.arch = req.arch)),
        (
            "cpu_manufacturers",
            Box::new(|p| p.cpu_manufacturers = req.cpu_manufacturers.clone()),
        ),
        (
            "instance_generations",
            Box::new(|p| p.instance_generations = req.instance_generations.clone()),
        ),
        (
            "accelerator_count",
            Box::new(|p| p.accelerator_count = req.accelerator_count),
        ),
        (
            "burstable_performance",
            Box::new(|p| p.burstable_performance = req.burstable_performance.clone()),
        ),
        (
            "bare_metal",
            Box::new(|p| p.bare_metal = req.bare_metal.clone()),
        ),
        (
            "allowed_instance_types",
            Box::new(|p| p.allowed_instance_types = req.allowed_instance_types.clone()),
        ),
        (
            "excluded_instance_types",
            Box::new(|p| p.excluded_instance_types = req.excluded_instance_types.clone()),
        ),
    ];
    for (key, add) in steps {
        add(&mut partial);
        if !all.iter().any(|t| partial.admits(t)) {
            return format!(
                "no instance type in the catalog meets these requirements; {key} leaves none (with the keys before it); loosen it (`ecsim catalog --vcpu MIN-MAX --memory-min MIB` lists what matches)"
            );
        }
    }
    "no instance type in the catalog meets these requirements".into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{instance_type, instance_types};

    fn t(n: &str) -> &'static InstanceType {
        instance_type(n).unwrap()
    }

    #[test]
    fn makers_generations_and_patterns() {
        assert_eq!(manufacturer(t("c6a.2xlarge")), "amd");
        assert_eq!(manufacturer(t("m5ad.large")), "amd");
        assert_eq!(manufacturer(t("m6i.large")), "intel");
        assert_eq!(manufacturer(t("c7g.large")), "amazon-web-services");
        assert_eq!(generation(t("m4.large")), "previous");
        assert_eq!(generation(t("m5.large")), "current");
        assert!(burstable(t("t3.medium")) && !burstable(t("m5.large")));
        assert!(type_matches("c6a.*", "c6a.large"));
        assert!(!type_matches("c6a.*", "c6an.large"));
        assert!(type_matches("g5", "g5.xlarge"));
        assert!(!type_matches("g5", "g5g.xlarge"));
        assert!(type_matches("m5.large", "m5.large"));
        assert!(type_matches("*.metal", "m5.metal"));
    }

    /// 2-4 vCPUs, 4-8 GiB, AMD, c6a only: c6a.large and c6a.xlarge, the
    /// cheaper first ($0.0765 and $0.153 an hour in us-east-1).
    #[test]
    fn resolves_cheapest_first() {
        let req = Requirements {
            vcpu_count: Some(Range {
                min: Some(2),
                max: Some(4),
            }),
            memory_mib: Some(Range {
                min: Some(4096),
                max: Some(8192),
            }),
            cpu_manufacturers: vec!["amd".into()],
            allowed_instance_types: vec!["c6a.*".into()],
            ..Default::default()
        };
        let price = |n: &str| match n {
            "c6a.large" => Some(0.0765),
            "c6a.xlarge" => Some(0.153),
            _ => None,
        };
        let got: Vec<&str> = resolve(&req, instance_types(), price)
            .unwrap()
            .iter()
            .map(|t| t.name.as_str())
            .collect();
        assert_eq!(got, ["c6a.large", "c6a.xlarge"]);
    }

    #[test]
    fn empty_results_name_the_key() {
        let req = Requirements {
            vcpu_count: Some(Range {
                min: Some(2),
                max: Some(2),
            }),
            memory_mib: Some(Range {
                min: Some(1_000_000),
                max: None,
            }),
            ..Default::default()
        };
        let e = resolve(&req, instance_types(), |_| None).unwrap_err();
        assert!(e.contains("memory_mib leaves none"), "{e}");
        let both = Requirements {
            allowed_instance_types: vec!["m5.*".into()],
            excluded_instance_types: vec!["m5.large".into()],
            ..Default::default()
        };
        assert_eq!(both.check().unwrap_err().0, "excluded_instance_types");
        let bad = Requirements {
            cpu_manufacturers: vec!["via".into()],
            ..Default::default()
        };
        assert_eq!(bad.check().unwrap_err().0, "cpu_manufacturers[0]");
    }
}
