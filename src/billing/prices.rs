//! The price catalog: shipped as `src/catalog/prices.csv` (us-east-1),
//! overridable row by row with `--prices FILE`: rows in the same format, or
//! AWS's own offer files of any region (see `crate::pricelist`).

use super::money::Rate;
use crate::error::InputError;
use crate::model::Arch;
use crate::pricelist::parse_pico;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const SHIPPED: &str = include_str!("../catalog/prices.csv");
const PRODUCTS: &[(&str, &str)] = &[
    ("ec2", "hour"),
    ("fargate_vcpu", "hour"),
    ("fargate_gb", "hour"),
    ("fargate_ephemeral_gb", "hour"),
    ("ebs_gp3_gb", "month"),
    ("ecs_managed_instances", "hour"),
];

#[derive(Debug, Clone)]
pub struct PriceBook {
    /// (region, product, key) → pico-dollars per unit.
    entries: BTreeMap<(String, String, String), i128>,
    /// Where the prices come from, for reports.
    pub source: String,
    /// The file that would need a missing row.
    pub file: PathBuf,
    /// The override rows as ecsim reads them (a `--prices` CSV's text, the
    /// prices taken from an offer file), for fingerprints of sweeps.
    pub overrides: String,
    /// Each `--prices` file and the regions it prices.
    pub files: Vec<(PathBuf, std::collections::BTreeSet<String>)>,
}

impl PriceBook {
    pub fn shipped() -> PriceBook {
        // Parsed once per process: sweeps and the fuzzer ask for it per run.
        static SHIPPED_BOOK: std::sync::OnceLock<PriceBook> = std::sync::OnceLock::new();
        SHIPPED_BOOK
            .get_or_init(|| {
                let mut b = PriceBook {
                    entries: BTreeMap::new(),
                    source: "ecsim price catalog (src/catalog/prices.csv, AWS public prices read 2026-11)"
                        .into(),
                    file: PathBuf::from("src/catalog/prices.csv"),
                    overrides: String::new(),
                    files: Vec::new(),
                };
                b.merge(Path::new("src/catalog/prices.csv"), SHIPPED)
                    .expect("the shipped catalog is valid");
                b.add_missing_ec2(crate::catalog::shipped_ec2_prices());
                b
            })
            .clone()
    }

    /// The shipped catalog with the rows of `path` replacing or adding to it.
    pub fn with_overrides(path: &Path) -> Result<PriceBook, InputError> {
        Self::with_overrides_all(&[path.to_path_buf()])
    }

    /// The shipped catalog with the rows of each file in turn replacing or
    /// adding to it: ecsim price CSVs and AWS offer files (told apart by
    /// their content), such as a region's AmazonEC2 and AmazonECS files.
    pub fn with_overrides_all(paths: &[PathBuf]) -> Result<PriceBook, InputError> {
        let mut b = PriceBook::shipped();
        for path in paths {
            let mut regions = std::collections::BTreeSet::new();
            match crate::pricelist::detect(path)? {
                crate::pricelist::Kind::Ecsim => {
                    let text = crate::input::read_text(path).map_err(|e| {
                        InputError::new(path, "", format!("cannot read the price file: {e}"))
                    })?;
                    regions = b.merge(path, &text)?;
                    b.overrides.push_str(&text);
                }
                kind => {
                    for r in crate::pricelist::read(path, kind)? {
                        if !regions.contains(&r.region) {
                            regions.insert(r.region.clone());
                        }
                        let unit = PRODUCTS
                            .iter()
                            .find(|p| p.0 == r.product)
                            .map_or("", |p| p.1);
                        b.overrides.push_str(&format!(
                            "{},{},{},{unit},{}\n",
                            r.region, r.product, r.key, r.pico
                        ));
                        b.entries
                            .insert((r.region, r.product.into(), r.key), r.pico);
                    }
                }
            }
            b.files.push((path.clone(), regions));
        }
        if let Some(last) = paths.last() {
            let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            b.source = format!("{} with overrides from {}", b.source, names.join(", "));
            b.file = last.clone();
        }
        Ok(b)
    }

    /// As `with_overrides`, from an ecsim price CSV's text; `path` names it
    /// in errors.
    pub fn with_overrides_text(path: &Path, text: &str) -> Result<PriceBook, InputError> {
        let mut b = PriceBook::shipped();
        let regions = b.merge(path, text)?;
        b.files.push((path.to_path_buf(), regions));
        b.source = format!("{} with overrides from {}", b.source, path.display());
        b.file = path.to_path_buf();
        b.overrides = text.to_string();
        Ok(b)
    }

    /// Reads an ecsim price CSV's rows into the book; returns the regions
    /// they price.
    fn merge(
        &mut self,
        file: &Path,
        text: &str,
    ) -> Result<std::collections::BTreeSet<String>, InputError> {
        let mut regions = std::collections::BTreeSet::new();
        // Rows of this file by item: a second row for one item would win
        // silently over the first (later files do override earlier ones).
        let mut seen: BTreeMap<(String, String, String), u64> = BTreeMap::new();
        let mut header_seen = false;
        for (n, cells) in crate::input::csv_rows(file, text)? {
            let at = format!("line {n}");
            let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
            if !header_seen && cells.first() == Some(&"region") {
                header_seen = true;
                continue;
            }
            if cells.len() != 5 {
                return Err(InputError::new(
                    file,
                    at,
                    format!(
                        "expected 5 columns region,product,key,unit,usd, found {}",
                        cells.len()
                    ),
                ));
            }
            let (region, product, key, unit, usd) =
                (cells[0], cells[1], cells[2], cells[3], cells[4]);
            let Some(&(_, want_unit)) = PRODUCTS.iter().find(|(p, _)| *p == product) else {
                let known: Vec<&str> = PRODUCTS.iter().map(|p| p.0).collect();
                return Err(InputError::new(
                    file,
                    at,
                    format!("column 2 (product) is none of: {}", known.join(", ")),
                ));
            };
            if unit != want_unit {
                return Err(InputError::new(
                    file,
                    at,
                    format!("column 4 (unit): {product} is priced per {want_unit}"),
                ));
            }
            if region.is_empty() || key.is_empty() {
                return Err(InputError::new(
                    file,
                    at,
                    "region and key must not be empty",
                ));
            }
            let pico =
                parse_pico(usd).map_err(|e| InputError::new(file, format!("{at}: usd"), e))?;
            if !regions.contains(region) {
                regions.insert(region.to_string());
            }
            let item = (region.to_string(), product.to_string(), key.to_string());
            if let Some(first) = seen.insert(item, n) {
                return Err(InputError::new(
                    file,
                    at,
                    format!(
                        "a second row for {product} {key} in {region} (the first is at line {first}); expected one row per region, product and key"
                    ),
                ));
            }
            self.entries
                .insert((region.into(), product.into(), key.into()), pico);
        }
        Ok(regions)
    }

    /// A `--prices` file that prices no row of the run's region was meant
    /// for another run: pricing with it would quietly bill the shipped
    /// prices of `region` instead.
    pub fn check_region(&self, region: &str) -> Result<(), InputError> {
        for (file, regions) in &self.files {
            if !regions.contains(region) {
                let theirs: Vec<&str> = regions.iter().map(String::as_str).collect();
                let hint = match theirs.first() {
                    Some(r) => format!(
                        "run with --region {r} (or set `region = \"{r}\"`), or pass {region}'s price list instead"
                    ),
                    None => format!("pass {region}'s price list instead"),
                };
                return Err(InputError::new(
                    file,
                    "",
                    format!(
                        "has no price for region {region}, the region this run is priced for (the scenario's `region`, or --region); it prices {}; {hint}",
                        if theirs.is_empty() {
                            "nothing".to_string()
                        } else {
                            format!("region {}", theirs.join(", "))
                        },
                    ),
                ));
            }
        }
        Ok(())
    }

    /// EC2 prices for types `prices.csv` does not price; its rows win.
    fn add_missing_ec2<'a>(&mut self, rows: impl Iterator<Item = (&'a str, &'a str, &'a str)>) {
        for (region, t, usd) in rows {
            let pico = parse_pico(usd).expect("the shipped EC2 prices are valid");
            self.entries
                .entry((region.into(), "ec2".into(), t.into()))
                .or_insert(pico);
        }
    }

    pub fn regions(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.entries.keys().map(|k| k.0.as_str()).collect();
        v.dedup();
        v
    }

    /// The on-demand hourly price of an instance type, pico-dollars.
    pub fn ec2(&self, region: &str, instance_type: &str) -> Option<i128> {
        self.get(region, "ec2", instance_type)
    }

    pub fn get(&self, region: &str, product: &str, key: &str) -> Option<i128> {
        self.entries
            .get(&(region.to_string(), product.to_string(), key.to_string()))
            .copied()
    }
}

/// The prices one scenario needs, checked up front.
#[derive(Debug, Clone)]
pub struct Rates {
    pub region: String,
    pub source: String,
    /// Per instance type, on-demand.
    pub ec2: BTreeMap<String, Rate>,
    /// Pico-dollars per vCPU-hour and per GB-hour, by architecture.
    pub fargate_vcpu: [i128; 2],
    pub fargate_gb: [i128; 2],
    pub fargate_ephemeral_gb: i128,
    /// Pico-dollars per GB-hour (the monthly price over 730 hours).
    pub ebs_gb: i128,
    /// ECS Managed Instances management fee per instance type, per hour,
    /// and whether ecsim estimated it (`billing::mi_fee`).
    pub mi_fee: BTreeMap<String, Rate>,
    pub mi_fee_estimated: std::collections::BTreeSet<String>,
    /// Where the fees come from, for cost.csv and the summary.
    pub mi_fee_source: String,
}

fn arch_key(a: Arch) -> (&'static str, usize) {
    match a {
        Arch::X86_64 => ("x86_64", 0),
        Arch::Arm64 => ("arm64", 1),
    }
}

impl Rates {
    /// Fargate's hourly rate for a task size; ARM when the task asks for it.
    pub fn fargate(
        &self,
        arch: Option<Arch>,
        cpu_units: u32,
        memory_mib: u32,
        ephemeral_gib: u32,
    ) -> Rate {
        let (_, i) = arch_key(arch.unwrap_or(Arch::X86_64));
        Rate::per_1024(self.fargate_vcpu[i], u64::from(cpu_units))
            .plus(Rate::per_1024(self.fargate_gb[i], u64::from(memory_mib)))
            .plus(Rate::whole(
                self.fargate_ephemeral_gb * i128::from(ephemeral_gib.saturating_sub(20)),
            ))
    }
}

/// Looks up every price the scenario will need; a missing one is an error
/// naming the scenario field that asks for it (an instance group's type,
/// the service or job that runs on Fargate, `[pricing]`'s EBS volume), never
/// the price file, which is not where the need comes from.
pub fn resolve(
    book: &PriceBook,
    scenario_file: &Path,
    region: &str,
    instance_types: &[&str],
    fargate: Option<&str>,
    ebs: bool,
) -> Result<Rates, InputError> {
    let file = scenario_file;
    use crate::pricelist::fetch_command;
    if !book.regions().contains(&region) {
        let mut fetch = fetch_command("AmazonEC2", region);
        let mut flags = format!("--prices ec2-{region}.csv");
        if fargate.is_some() {
            fetch = format!("{fetch} && {}", fetch_command("AmazonECS", region));
            flags = format!("{flags} --prices ecs-{region}.csv");
        }
        return Err(InputError::new(
            file,
            "region",
            format!(
                "no prices for region \"{region}\" in {}; regions with prices: {}; fetch AWS's price list for the region with `{fetch}` and run with `{flags}`",
                book.source,
                book.regions().join(", ")
            ),
        ));
    }
    let missing = |field: &str, what: String, service: &str| {
        InputError::new(
            file,
            field,
            format!(
                "needs the {what} for region {region}, which {} lacks; pass the region's {service} offer file with --prices (`{}`), or add a row to a --prices file",
                book.source,
                fetch_command(service, region)
            ),
        )
    };
    let mut ec2 = BTreeMap::new();
    for t in instance_types {
        let p = book.get(region, "ec2", t).ok_or_else(|| {
            missing(
                "instance_groups",
                format!("on-demand price of instance type {t}"),
                "AmazonEC2",
            )
        })?;
        ec2.insert(t.to_string(), Rate::whole(p));
    }
    let mut rates = Rates {
        region: region.into(),
        source: book.source.clone(),
        ec2,
        fargate_vcpu: [0; 2],
        fargate_gb: [0; 2],
        fargate_ephemeral_gb: 0,
        ebs_gb: 0,
        mi_fee: BTreeMap::new(),
        mi_fee_estimated: Default::default(),
        mi_fee_source: String::new(),
    };
    if let Some(field) = fargate {
        let need = |product: &str, key: &str, what: &str| {
            book.get(region, product, key)
                .ok_or_else(|| missing(field, format!("{what} (runs on Fargate)"), "AmazonECS"))
        };
        for a in [Arch::X86_64, Arch::Arm64] {
            let (k, i) = arch_key(a);
            rates.fargate_vcpu[i] = need("fargate_vcpu", k, &format!("Fargate vCPU price ({k})"))?;
            rates.fargate_gb[i] = need("fargate_gb", k, &format!("Fargate GB price ({k})"))?;
        }
        rates.fargate_ephemeral_gb = need(
            "fargate_ephemeral_gb",
            "any",
            "Fargate ephemeral storage price",
        )?;
    }
    if ebs {
        let month = book.get(region, "ebs_gp3_gb", "any").ok_or_else(|| {
            missing(
                "pricing.ebs_root_volume_gib",
                "EBS gp3 price (root volumes are billed)".into(),
                "AmazonEC2",
            )
        })?;
        // AWS turns monthly storage prices into hourly ones over 730 hours.
        rates.ebs_gb = (month + 365) / 730;
    }
    Ok(rates)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_catalog_has_the_documented_prices() {
        let b = PriceBook::shipped();
        let r = resolve(
            &b,
            Path::new("s.toml"),
            "us-east-1",
            &["m5.xlarge", "t3.medium", "c7g.large"],
            Some("services[0]"),
            true,
        )
        .unwrap();
        assert_eq!(r.ec2["m5.xlarge"].usd_per_hour(), 0.192);
        assert_eq!(r.ec2["t3.medium"].usd_per_hour(), 0.0416);
        assert_eq!(r.ec2["c7g.large"].usd_per_hour(), 0.0725);
        assert_eq!(r.fargate_vcpu, [40_480_000_000, 32_380_000_000]);
        assert_eq!(r.fargate_gb, [4_445_000_000, 3_560_000_000]);
        assert_eq!(r.fargate_ephemeral_gb, 111_000_000);
        // Every catalogued instance type the sources price has its price.
        for (_, t, usd) in crate::catalog::shipped_ec2_prices() {
            let want = parse_pico(usd).unwrap();
            let got = b.get("us-east-1", "ec2", t).unwrap();
            assert_eq!(got, want, "{t}");
        }
        assert_eq!(
            b.get("us-east-1", "ec2", "g5.xlarge"),
            Some(1_006_000_000_000)
        );
    }

    #[test]
    fn errors_name_what_is_missing() {
        let b = PriceBook::shipped();
        let e = resolve(&b, Path::new("s.toml"), "mars-1", &[], None, false).unwrap_err();
        assert!(e.message.contains("us-east-1"), "{e}");
        let mut partial = PriceBook {
            entries: BTreeMap::new(),
            source: "test".into(),
            file: PathBuf::from("p.csv"),
            overrides: String::new(),
            files: Vec::new(),
        };
        partial
            .merge(
                Path::new("p.csv"),
                "region,product,key,unit,usd\nus-east-1,ec2,m5.large,hour,0.096\n",
            )
            .unwrap();
        let e = resolve(
            &partial,
            Path::new("s.toml"),
            "us-east-1",
            &["m5.xlarge"],
            None,
            false,
        )
        .unwrap_err();
        assert!(e.message.contains("m5.xlarge"), "{e}");
        let e = partial
            .merge(Path::new("p.csv"), "us-east-1,ec2,m5.large,hour,-1\n")
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("p.csv: line 1: usd: a price is negative"),
            "{e}"
        );
        let e = partial
            .merge(Path::new("p.csv"), "us-east-1,gpu,x,hour,1\n")
            .unwrap_err();
        assert!(e.message.contains("column 2 (product)"), "{e}");
    }
}
