//! AWS Price List bulk offer files (the AmazonEC2 and AmazonECS files of a
//! region, CSV or JSON, as AWS publishes them) read into price rows for the
//! `PriceBook`. The files are hundreds of MB, so both forms are read
//! streaming and only the few thousand rows ecsim can use are kept.

mod classify;
mod guard;
mod offer_csv;
mod offer_json;

pub mod pico;
pub use classify::{Attr, Item, Unit, classify};
pub use guard::MAX_TOKEN_BYTES;
pub use pico::parse_pico;

use crate::error::InputError;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

/// The largest offer file ecsim reads. A region's AmazonEC2 file is
/// 300–500 MB as CSV and larger as JSON; the all-regions file (several GB)
/// is refused: the per-region file is the one to fetch.
pub const MAX_OFFER_BYTES: u64 = 2 << 30;

/// The most distinct prices (instance types, Fargate and EBS prices) one
/// offer file may give. A region's AmazonEC2 file prices about 1,000
/// instance types today; what is kept while streaming is bounded by this,
/// not by the file: a file of millions of made-up types is refused at the
/// first one past it, before it costs memory.
pub const MAX_PRICES: usize = 20_000;

/// Where AWS publishes the current offer file of a service for a region.
pub fn offer_url(service: &str, region: &str) -> String {
    format!(
        "https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/{service}/current/{region}/index.csv"
    )
}

/// The shell command that fetches a region's offer file of a service.
pub fn fetch_command(service: &str, region: &str) -> String {
    let short = if service == "AmazonECS" { "ecs" } else { "ec2" };
    format!(
        "curl -o {short}-{region}.csv {}",
        offer_url(service, region)
    )
}

/// What a price file is, told from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// ecsim's own `region,product,key,unit,usd` rows.
    Ecsim,
    /// An AWS offer file, CSV form (five metadata rows, then a header row).
    OfferCsv,
    /// An AWS offer file, JSON form.
    OfferJson,
}

/// One price ecsim can use: `product` and `key` as in `prices.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceRow {
    pub region: String,
    pub product: &'static str,
    pub key: String,
    pub pico: i128,
}

/// Opens `path` for streaming: a regular file, at most `MAX_OFFER_BYTES`
/// (the cap of `crate::input::open`, the one opener of input files).
fn open(path: &Path) -> Result<BufReader<std::io::Take<File>>, InputError> {
    let fail = |m: String| InputError::new(path, "", format!("cannot read the price file: {m}"));
    let (f, _) = crate::input::open(path, MAX_OFFER_BYTES).map_err(|e| match e {
        crate::input::Refused::Other(m) => fail(m),
        crate::input::Refused::TooBig => fail(format!(
            "is larger than {} MiB, the most ecsim reads from an AWS offer file; fetch the file of one region ({})",
            MAX_OFFER_BYTES >> 20,
            offer_url("AmazonEC2", "REGION")
        )),
    })?;
    Ok(BufReader::with_capacity(1 << 16, f))
}

/// Tells the kind of a price file from its first bytes, without reading
/// the rest: an offer CSV starts with `"FormatVersion"`, an offer JSON
/// with `{`.
pub fn detect(path: &Path) -> Result<Kind, InputError> {
    let mut r = open(path)?;
    let head = r
        .fill_buf()
        .map_err(|e| InputError::new(path, "", format!("cannot read the price file: {e}")))?;
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = head.iter().position(|b| !b.is_ascii_whitespace());
    let head = &head[start.unwrap_or(head.len())..];
    Ok(if head.starts_with(b"{") {
        Kind::OfferJson
    } else if head.starts_with(b"\"FormatVersion\"") || head.starts_with(b"FormatVersion,") {
        Kind::OfferCsv
    } else {
        Kind::Ecsim
    })
}

/// Reads the prices ecsim uses from an AWS offer file of either form.
pub fn read(path: &Path, kind: Kind) -> Result<Vec<PriceRow>, InputError> {
    let r = open(path)?;
    let mut c = Collect::default();
    match kind {
        Kind::OfferCsv => offer_csv::read(path, guard::Guard::new(r, guard::Mode::CsvRow), &mut c)?,
        Kind::OfferJson => {
            offer_json::read(path, guard::Guard::new(r, guard::Mode::JsonString), &mut c)?
        }
        Kind::Ecsim => unreachable!("ecsim's own price rows are read by PriceBook"),
    }
    if c.rows.is_empty() {
        return Err(InputError::new(
            path,
            "",
            "has no price ecsim uses: expected the AmazonEC2 offer file of a region (Linux, Shared tenancy, \
             pre-installed software NA, capacity status Used, on-demand) or the AmazonECS one (Fargate usage types)",
        ));
    }
    Ok(c.rows
        .into_iter()
        .map(|((region, product, key), (pico, _))| PriceRow {
            region,
            product,
            key,
            pico,
        })
        .collect())
}

/// Prices kept so far, each with where it was read (for a conflict).
#[derive(Default)]
pub(crate) struct Collect {
    rows: BTreeMap<(String, &'static str, String), (i128, String)>,
}

impl Collect {
    /// Adds a price; the same price twice is fine (AWS repeats some
    /// products), two different ones for one item are refused: ecsim would
    /// otherwise pick one silently.
    pub(crate) fn add(
        &mut self,
        file: &Path,
        region: &str,
        item: &Item,
        pico: i128,
        at: String,
    ) -> Result<(), InputError> {
        let k = (region.to_string(), item.product, item.key.clone());
        if let Some((old, old_at)) = self.rows.get(&k) {
            if *old != pico {
                return Err(InputError::new(
                    file,
                    at,
                    format!(
                        "a second, different on-demand price for {} {} in {region} (the first is at {old_at}); \
                         expected one price per item after keeping Linux, Shared, NA, Used, OnDemand rows",
                        item.product, item.key
                    ),
                ));
            }
            return Ok(());
        }
        if self.rows.len() >= MAX_PRICES {
            return Err(too_many(file, at));
        }
        self.rows.insert(k, (pico, at));
        Ok(())
    }
}

/// Past `MAX_PRICES`: the file is not one region's offer file.
pub(crate) fn too_many(file: &Path, at: String) -> InputError {
    InputError::new(
        file,
        at,
        format!(
            "more than {MAX_PRICES} distinct prices (instance types, Fargate, EBS) ecsim would keep; a region's AmazonEC2 \
             offer file has about 1,000: expected the offer file of one region ({})",
            offer_url("AmazonEC2", "REGION")
        ),
    )
}

/// Reads a decimal USD price of an offer file exactly.
pub(crate) fn price(file: &Path, at: &str, usd: &str) -> Result<i128, InputError> {
    parse_pico(usd).map_err(|e| InputError::new(file, at.to_string(), e))
}

/// Refuses a unit the product is not priced in (a changed file layout
/// would otherwise bill, say, per month as per hour).
pub(crate) fn check_unit(file: &Path, at: &str, item: &Item, unit: &str) -> Result<(), InputError> {
    if item.unit.accepts(unit) {
        return Ok(());
    }
    Err(InputError::new(
        file,
        at.to_string(),
        format!(
            "unit of {} {}: expected {}",
            item.product,
            item.key,
            item.unit.expected()
        ),
    ))
}

/// Reads any offer file, telling its form from its content.
pub fn read_any(path: &Path) -> Result<Vec<PriceRow>, InputError> {
    match detect(path)? {
        Kind::Ecsim => Err(InputError::new(
            path,
            "",
            "expected an AWS offer file (CSV starting \"FormatVersion\", or JSON)",
        )),
        kind => read(path, kind),
    }
}
