//! The CSV form of an offer file: five metadata rows ("FormatVersion",
//! "Disclaimer", "Publication Date", "Version", "OfferCode"), a header row
//! starting "SKU", then one row per product, term and price dimension.
//! Read a record at a time; only matching rows are decoded.

use super::guard::{self, Guard};
use super::{Attr, Collect, check_unit, classify, price};
use crate::error::InputError;
use std::io::Read;
use std::path::Path;

/// Columns every offer file has; the EC2 ones are required of an AmazonEC2
/// file, which the filter reads.
const PRICE_COLUMNS: [&str; 4] = ["TermType", "Unit", "PricePerUnit", "Currency"];
const EC2_COLUMNS: [Attr; 6] = [
    Attr::Family,
    Attr::InstanceType,
    Attr::Tenancy,
    Attr::Os,
    Attr::PreSw,
    Attr::Capacity,
];

pub(crate) fn read<R: Read>(file: &Path, r: Guard<R>, c: &mut Collect) -> Result<(), InputError> {
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(r);
    let mut rec = csv::ByteRecord::new();
    let mut offer_code = String::new();
    let mut header: Option<Header> = None;
    loop {
        let more = rd
            .read_byte_record(&mut rec)
            .map_err(|e| csv_error(file, &e))?;
        if !more {
            break;
        }
        let line = rec.position().map_or(0, |p| p.line());
        let at = |col: &str| format!("line {line}: {col}");
        let Some(h) = &header else {
            match rec.get(0) {
                Some(b"OfferCode") => {
                    offer_code = String::from_utf8_lossy(rec.get(1).unwrap_or(b"")).into();
                }
                Some(b"SKU") => header = Some(Header::new(file, line, &rec, &offer_code)?),
                _ if line > 10 => {
                    return Err(InputError::new(
                        file,
                        format!("line {line}"),
                        "expected the header row of an AWS offer file (\"SKU\",\"OfferTermCode\",…) within the first 10 lines",
                    ));
                }
                _ => {}
            }
            continue;
        };
        // AWS's rows all have the header's columns: fewer is a row cut
        // short (a truncated download), whatever it would price.
        if rec.len() != h.columns {
            return Err(InputError::new(
                file,
                format!("line {line}"),
                format!(
                    "has {} columns where the header row has {}; expected AWS's offer file whole (a truncated download? fetch it again)",
                    rec.len(),
                    h.columns
                ),
            ));
        }
        if rec.get(h.term) != Some(b"OnDemand") {
            continue;
        }
        let field = |a: Attr| -> Option<&str> {
            let i = h.attrs[a.index()]?;
            std::str::from_utf8(rec.get(i)?).ok()
        };
        let Some(item) = classify(field) else {
            continue;
        };
        // Tiered prices (StartingRange above 0) are past ecsim's usage.
        if let Some(i) = h.starting
            && !matches!(rec.get(i), None | Some(b"") | Some(b"0"))
        {
            continue;
        }
        let text = |i: usize, col: &str| -> Result<&str, InputError> {
            std::str::from_utf8(rec.get(i).unwrap_or(b""))
                .map_err(|_| InputError::new(file, at(col), "not UTF-8 text"))
        };
        let region = field(Attr::Region).unwrap_or("");
        if region.is_empty() {
            return Err(InputError::new(
                file,
                at("Region Code"),
                "empty; expected the region code (such as eu-west-1) of a priced product",
            ));
        }
        if text(h.currency, "Currency")? != "USD" {
            return Err(InputError::new(
                file,
                at("Currency"),
                "expected USD; ecsim prices in US dollars",
            ));
        }
        check_unit(file, &at("Unit"), &item, text(h.unit, "Unit")?)?;
        let pico = price(file, &at("PricePerUnit"), text(h.price, "PricePerUnit")?)?;
        c.add(file, region, &item, pico, format!("line {line}"))?;
    }
    if rd.get_ref().last.is_some_and(|b| b != b'\n') {
        let line = rd.position().line();
        return Err(InputError::new(
            file,
            format!("line {line}"),
            "ends mid-row (no line break after the last row): a truncated download? fetch the file again",
        ));
    }
    if header.is_none() {
        return Err(InputError::new(
            file,
            "",
            "has no header row (\"SKU\",\"OfferTermCode\",…): expected an AWS offer file, five metadata rows then the header",
        ));
    }
    Ok(())
}

/// Column positions, found by name: AWS adds and reorders columns.
struct Header {
    columns: usize,
    term: usize,
    unit: usize,
    price: usize,
    currency: usize,
    starting: Option<usize>,
    attrs: [Option<usize>; 10],
}

impl Header {
    fn new(
        file: &Path,
        line: u64,
        rec: &csv::ByteRecord,
        offer_code: &str,
    ) -> Result<Header, InputError> {
        let find = |name: &str| rec.iter().position(|c| c == name.as_bytes());
        let need = |name: &str| {
            find(name).ok_or_else(|| {
                InputError::new(
                    file,
                    format!("line {line}"),
                    format!(
                        "the header row has no \"{name}\" column; expected AWS's offer file layout"
                    ),
                )
            })
        };
        let mut attrs = [None; 10];
        for a in Attr::ALL {
            attrs[a.index()] = find(a.csv());
        }
        need(Attr::Region.csv())?;
        need(Attr::Family.csv())?;
        if offer_code == "AmazonEC2" {
            for a in EC2_COLUMNS {
                need(a.csv())?;
            }
        }
        let [term, unit, price, currency] = PRICE_COLUMNS.map(need);
        Ok(Header {
            columns: rec.len(),
            term: term?,
            unit: unit?,
            price: price?,
            currency: currency?,
            starting: find("StartingRange"),
            attrs,
        })
    }
}

fn csv_error(file: &Path, e: &csv::Error) -> InputError {
    let at = e
        .position()
        .map_or(String::new(), |p| format!("line {}", p.line()));
    let what = match e.kind() {
        csv::ErrorKind::Io(io) => match guard::refusal(file, io) {
            Some(refused) => return refused,
            None => format!("cannot read the price file: {io}"),
        },
        _ => {
            "not valid CSV; expected an AWS offer file (quoted comma-separated fields)".to_string()
        }
    };
    InputError::new(file, at, what)
}
