//! The JSON form of an offer file:
//! `{"formatVersion", "offerCode", …, "products": {SKU: {"productFamily",
//! "attributes": {…}}}, "terms": {"OnDemand": {SKU: {TERM: {"priceDimensions":
//! {RATE: {"unit", "beginRange", "pricePerUnit": {"USD"}}}}}}, "Reserved": …}}`.
//! Walked with serde seeds so that only the products ecsim prices and
//! their on-demand terms are kept, never the whole document.

use super::{Attr, Collect, Item, check_unit, classify, price};
use crate::error::InputError;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::Read;
use std::path::Path;

#[derive(serde::Deserialize)]
struct Term {
    #[serde(default, rename = "priceDimensions")]
    dims: BTreeMap<String, Dim>,
}

#[derive(serde::Deserialize)]
struct Dim {
    #[serde(default)]
    unit: String,
    #[serde(default, rename = "beginRange")]
    begin: Option<String>,
    #[serde(default, rename = "pricePerUnit")]
    price: BTreeMap<String, String>,
}

/// What the walk keeps, and where it is (for an error).
#[derive(Default)]
struct Walk {
    /// SKU → (its entry number under `products`, region, item).
    products: HashMap<String, (usize, Option<String>, Item)>,
    products_seen: bool,
    /// SKU → its on-demand price dimensions.
    on_demand: HashMap<String, Vec<Dim>>,
    /// The section being read, for error messages (never file content).
    at: String,
}

pub(crate) fn read(file: &Path, r: impl Read, c: &mut Collect) -> Result<(), InputError> {
    let mut w = Walk::default();
    let mut de = serde_json::Deserializer::from_reader(r);
    let parsed = Top(&mut w).deserialize(&mut de).and_then(|()| de.end());
    if let Err(e) = parsed {
        if e.is_io() {
            // The guard's refusal (a string too long) says where itself.
            let io = std::io::Error::from(e);
            return Err(super::guard::refusal(file, &io).unwrap_or_else(|| {
                InputError::new(file, "", format!("cannot read the price file: {io}"))
            }));
        }
        return Err(json_error(file, &e, &w.at));
    }
    let mut skus: Vec<_> = w.products.into_iter().collect();
    skus.sort_by_key(|(_, (n, _, _))| *n);
    for (sku, (n, region, item)) in skus {
        let at = format!("products, entry {n}");
        let Some(region) = region.filter(|r| !r.is_empty()) else {
            return Err(InputError::new(
                file,
                format!("{at}: attributes.regionCode"),
                "missing; expected the region code (such as eu-west-1) of a priced product",
            ));
        };
        let term_at = format!("terms.OnDemand of {at}");
        for d in w.on_demand.get(&sku).into_iter().flatten() {
            // Tiered prices (beginRange above 0) are past ecsim's usage.
            if !matches!(d.begin.as_deref(), None | Some("") | Some("0")) {
                continue;
            }
            let Some(usd) = d.price.get("USD") else {
                return Err(InputError::new(
                    file,
                    format!("{term_at}: pricePerUnit"),
                    "has no USD price; ecsim prices in US dollars",
                ));
            };
            check_unit(file, &format!("{term_at}: unit"), &item, &d.unit)?;
            let pico = price(file, &format!("{term_at}: pricePerUnit.USD"), usd)?;
            c.add(file, &region, &item, pico, term_at.clone())?;
        }
    }
    Ok(())
}

/// serde_json's own messages may quote the text they met; ecsim's say
/// where and what was expected instead.
fn json_error(file: &Path, e: &serde_json::Error, section: &str) -> InputError {
    use serde_json::error::Category;
    let pos = format!("line {} column {}", e.line(), e.column());
    let what = match e.classify() {
        Category::Io => {
            return InputError::new(file, "", format!("cannot read the price file: {e}"));
        }
        Category::Data if e.to_string().starts_with(TOO_MANY) => {
            return super::too_many(file, format!("{pos} (in {section})"));
        }
        Category::Syntax => "not valid JSON".to_string(),
        Category::Eof => "the JSON ends early (a truncated download?)".to_string(),
        Category::Data => format!(
            "not the layout of an AWS offer file{}: expected products.SKU.{{productFamily, attributes}} of strings \
             and terms.OnDemand.SKU.TERM.priceDimensions.RATE.{{unit, beginRange, pricePerUnit.USD}} of strings",
            if section.is_empty() {
                String::new()
            } else {
                format!(" (in {section})")
            }
        ),
    };
    InputError::new(file, pos, what)
}

/// The marker of a walk stopped at `MAX_PRICES` (told apart from other
/// data errors by `json_error`).
const TOO_MANY: &str = "ecsim: too many prices";

struct Top<'a>(&'a mut Walk);

impl<'de> DeserializeSeed<'de> for Top<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Top<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an AWS offer file object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<(), A::Error> {
        while let Some(k) = m.next_key::<String>()? {
            match k.as_str() {
                "products" => {
                    self.0.at = "products".into();
                    m.next_value_seed(Products(self.0))?;
                    self.0.products_seen = true;
                }
                "terms" => {
                    self.0.at = "terms".into();
                    m.next_value_seed(Terms(self.0))?;
                }
                _ => {
                    m.next_value::<IgnoredAny>()?;
                }
            }
            self.0.at.clear();
        }
        Ok(())
    }
}

struct Products<'a>(&'a mut Walk);

impl<'de> DeserializeSeed<'de> for Products<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Products<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("products: an object of SKU → product")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<(), A::Error> {
        let mut n = 0;
        while let Some(sku) = m.next_key::<String>()? {
            n += 1;
            self.0.at = format!("products, entry {n}");
            let attrs = m.next_value_seed(Product)?;
            let get = |a: Attr| attrs[a.index()].as_deref();
            if let Some(item) = classify(get) {
                // Bounded as the prices are: one region's file keeps ~1,000.
                if self.0.products.len() >= super::MAX_PRICES {
                    return Err(serde::de::Error::custom(TOO_MANY));
                }
                let region = attrs[Attr::Region.index()].clone();
                self.0.products.insert(sku, (n, region, item));
            }
        }
        Ok(())
    }
}

/// One product: `productFamily` and the attributes ecsim looks at.
struct Product;

type Attrs = [Option<String>; 10];

impl<'de> DeserializeSeed<'de> for Product {
    type Value = Attrs;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Attrs, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Product {
    type Value = Attrs;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a product object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Attrs, A::Error> {
        let mut attrs: Attrs = Default::default();
        while let Some(k) = m.next_key::<String>()? {
            match k.as_str() {
                "productFamily" => attrs[Attr::Family.index()] = Some(m.next_value()?),
                "attributes" => m.next_value_seed(Attributes(&mut attrs))?,
                _ => {
                    m.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(attrs)
    }
}

struct Attributes<'a>(&'a mut Attrs);

impl<'de> DeserializeSeed<'de> for Attributes<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Attributes<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an attributes object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<(), A::Error> {
        while let Some(k) = m.next_key::<String>()? {
            match Attr::ALL
                .iter()
                .find(|a| **a != Attr::Family && a.json() == k)
            {
                Some(a) => self.0[a.index()] = Some(m.next_value()?),
                None => {
                    m.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

struct Terms<'a>(&'a mut Walk);

impl<'de> DeserializeSeed<'de> for Terms<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Terms<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("terms: an object of term type → SKU → term")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<(), A::Error> {
        while let Some(kind) = m.next_key::<String>()? {
            if kind != "OnDemand" {
                m.next_value::<IgnoredAny>()?;
                continue;
            }
            self.0.at = "terms.OnDemand".into();
            m.next_value_seed(OnDemand(self.0))?;
        }
        Ok(())
    }
}

struct OnDemand<'a>(&'a mut Walk);

impl<'de> DeserializeSeed<'de> for OnDemand<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for OnDemand<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("terms.OnDemand: an object of SKU → term")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<(), A::Error> {
        let mut n = 0;
        while let Some(sku) = m.next_key::<String>()? {
            n += 1;
            // With products read first (as AWS writes them), terms of
            // products ecsim does not price are skipped unread.
            let wanted = !self.0.products_seen || self.0.products.contains_key(&sku);
            if !wanted {
                m.next_value::<IgnoredAny>()?;
                continue;
            }
            // Terms before products (not AWS's order) cannot be sifted
            // yet: they are kept, but no more of them than of products.
            if !self.0.on_demand.contains_key(&sku) && self.0.on_demand.len() >= super::MAX_PRICES {
                return Err(serde::de::Error::custom(TOO_MANY));
            }
            self.0.at = format!("terms.OnDemand, entry {n}");
            let terms: BTreeMap<String, Term> = m.next_value()?;
            let dims = self.0.on_demand.entry(sku).or_default();
            dims.extend(terms.into_values().flat_map(|t| t.dims.into_values()));
        }
        Ok(())
    }
}
