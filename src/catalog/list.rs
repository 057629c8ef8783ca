//! `ecsim catalog`: the instance types matching a pattern, with what a
//! planner compares — size, architecture, GPUs, how many `awsvpc` tasks fit
//! and the hourly price in a region.

use super::requirements::Requirements;
use super::{InstanceType, instance_types};
use crate::billing::{PriceBook, prices};
use std::fmt::Write;
use std::path::Path;

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

/// The table (or CSV) `ecsim catalog` prints; an unknown region is an error
/// naming the regions the book prices.
pub fn render(
    pattern: &str,
    filter: &Requirements,
    region: &str,
    book: &PriceBook,
    csv: bool,
) -> Result<String, String> {
    if !book.regions().contains(&region) {
        return Err(format!(
            "no prices for region \"{region}\" in {}; regions with prices: {}; fetch AWS's price list for the region with `{}` and list with `--prices ec2-{region}.csv`",
            book.source,
            book.regions().join(", "),
            crate::pricelist::fetch_command("AmazonEC2", region)
        ));
    }
    let price = |t: &str| {
        prices::resolve(book, Path::new(""), region, &[t], None, false)
            .ok()
            .and_then(|r| r.ec2.get(t).map(|r| r.usd_per_hour()))
    };
    let opt = |v: Option<u32>| v.map_or("?".to_string(), |n| n.to_string());
    let mut out = String::new();
    let head = [
        "instance_type",
        "vcpu",
        "memory_mib",
        "arch",
        "gpus",
        "awsvpc_tasks",
        "awsvpc_tasks_trunking",
        "usd_per_hour",
    ];
    let list = rows(pattern, filter);
    if csv {
        let _ = writeln!(out, "{}", head.join(","));
    } else {
        let _ = writeln!(
            out,
            "{:<22} {:>5} {:>10} {:<6} {:>4} {:>12} {:>21} {:>12}",
            head[0], head[1], head[2], head[3], head[4], head[5], head[6], head[7]
        );
    }
    for t in &list {
        let usd = price(&t.name).map_or("-".to_string(), |p| format!("{p}"));
        let cells = [
            t.name.clone(),
            t.vcpu.to_string(),
            t.memory_mib.to_string(),
            t.arch.as_str().to_string(),
            t.gpus.to_string(),
            opt(t.awsvpc_tasks(false)),
            t.awsvpc_tasks(true)
                .map_or("-".to_string(), |n| n.to_string()),
            usd,
        ];
        if csv {
            let _ = writeln!(out, "{}", cells.join(","));
        } else {
            let _ = writeln!(
                out,
                "{:<22} {:>5} {:>10} {:<6} {:>4} {:>12} {:>21} {:>12}",
                cells[0], cells[1], cells[2], cells[3], cells[4], cells[5], cells[6], cells[7]
            );
        }
    }
    if !csv {
        let _ = writeln!(
            out,
            "{} types; prices: {region}, {}; awsvpc_tasks = max ENIs - 1 (? = unknown); awsvpc_tasks_trunking = ECS's task limit with awsvpcTrunking (- = ECS does not list the type: no trunking); sources: {}; {}",
            list.len(),
            book.source,
            super::SOURCE,
            super::TRUNKING_SOURCE
        );
    }
    Ok(out)
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

    #[test]
    fn g5_row_has_its_gpu_and_price() {
        let t = render(
            "g5.xlarge",
            &no_filter(),
            "us-east-1",
            &PriceBook::shipped(),
            true,
        )
        .unwrap();
        let row = t.lines().nth(1).unwrap();
        // ECS documents 6 awsvpc tasks with trunking for a g5.xlarge.
        assert_eq!(row, "g5.xlarge,4,16384,x86_64,1,3,6,1.006");
        assert!(render("m5", &no_filter(), "mars-1", &PriceBook::shipped(), false).is_err());
    }
}
