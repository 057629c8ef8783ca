//! `ecsim catalog`: the instance types of the catalog that match, each with
//! its On-Demand price (billing sits above the catalog, so the priced
//! table is billing's).

use super::{PriceBook, prices};
use crate::catalog::list;
use crate::catalog::requirements::Requirements;
use std::fmt::Write;
use std::path::Path;

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
    let list = list::rows(pattern, filter);
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
            crate::catalog::SOURCE,
            crate::catalog::TRUNKING_SOURCE
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::list::no_filter;

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
