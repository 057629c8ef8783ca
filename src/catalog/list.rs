//! `ecsim catalog`'s selection: the instance types matching a pattern and
//! instance requirements. The table it prints, with each type's hourly
//! price in a region, is `billing::catalog_table`'s.

use super::requirements::Requirements;
use super::{InstanceType, instance_types};

/// Whether `name` matches `pattern`: a glob with `*` (any run of
/// characters), or else a substring.
pub fn matches(pattern: &str, name: &str) -> bool {
    if !pattern.contains('*') {
        return name.contains(pattern);
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !name.starts_with(first) || name.len() < first.len() + last.len() || !name.ends_with(last) {
        return false;
    }
    let mut rest = &name[first.len()..name.len() - last.len()];
    for p in &parts[1..parts.len() - 1] {
        match rest.find(p) {
            Some(i) => rest = &rest[i + p.len()..],
            None => return false,
        }
    }
    true
}

/// One row per type matching the pattern and the filter, smallest first
/// within a family.
pub fn rows<'a>(pattern: &str, filter: &Requirements) -> Vec<&'a InstanceType> {
    let mut v: Vec<&InstanceType> = instance_types()
        .iter()
        .filter(|t| matches(pattern, &t.name) && filter.admits(t))
        .collect();
    let family = |t: &InstanceType| t.name.split('.').next().unwrap_or("").to_string();
    v.sort_by_key(|t| (family(t), t.vcpu, t.memory_mib, t.name.clone()));
    v
}

/// Every type: the filter `ecsim catalog` starts from (burstable and bare
/// metal types included, unlike AWS's defaults for a fleet).
pub fn no_filter() -> Requirements {
    Requirements {
        burstable_performance: Some("included".into()),
        bare_metal: Some("included".into()),
        ..Default::default()
    }
}

/// `ecsim catalog`'s filters as InstanceRequirements (the same code that
/// resolves a Managed Instances provider's types).
pub fn filter(
    vcpu: Option<&str>,
    memory_min: Option<u32>,
    memory_max: Option<u32>,
    arch: Option<&str>,
) -> Result<Requirements, (&'static str, String)> {
    use super::requirements::Range;
    let bad = |flag: &'static str, m: String| (flag, m);
    let mut f = no_filter();
    if let Some(v) = vcpu {
        let num = |s: &str| {
            s.trim().parse::<u32>().map_err(|_| {
                bad(
                    "--vcpu",
                    format!("\"{v}\" is not a vCPU count (\"4\") or range (\"2-8\")"),
                )
            })
        };
        let (min, max) = match v.split_once('-') {
            Some((a, b)) => (num(a)?, num(b)?),
            None => (num(v)?, num(v)?),
        };
        if min > max {
            return Err(bad(
                "--vcpu",
                format!("{min}-{max}: the minimum is above the maximum"),
            ));
        }
        f.vcpu_count = Some(Range {
            min: Some(min),
            max: Some(max),
        });
    }
    if memory_min.is_some() || memory_max.is_some() {
        if let (Some(a), Some(b)) = (memory_min, memory_max)
            && a > b
        {
            return Err(bad(
                "--memory-max",
                format!("{b} is below --memory-min {a}"),
            ));
        }
        f.memory_mib = Some(Range {
            min: memory_min,
            max: memory_max,
        });
    }
    f.arch = match arch {
        None => None,
        Some("x86_64") => Some(crate::model::Arch::X86_64),
        Some("arm64") => Some(crate::model::Arch::Arm64),
        Some(o) => return Err(bad("--arch", format!("\"{o}\" is not x86_64 or arm64"))),
    };
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        assert!(matches("m5", "m5.large"));
        assert!(matches("m5.*", "m5.large"));
        assert!(!matches("m5.*", "m5a.large"));
        assert!(matches("*.large", "c7i.large"));
        assert!(matches("c*i.x*", "c7i.xlarge"));
        assert!(!matches("c*i.x*", "c7g.xlarge"));
        assert!(matches("*", "a"));
    }
}
