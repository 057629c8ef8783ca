//! The imported scenario as text: the `ScenarioSpec` the import built,
//! serialised by serde (so it says what the reader reads, in the reader's
//! shapes), laid out as a person writes a scenario (tables and arrays of
//! tables for the lists, inline tables for the small values), with the
//! import's remarks — what was inferred, where a figure came from — in the
//! document's decor, since a serializer alone drops comments.

use crate::error::{Error, Result};
use crate::scenario::spec::ScenarioSpec;
use toml_edit::visit_mut::{VisitMut, visit_value_mut};
use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, Value};

/// Where a remark goes, in the table at its path.
#[derive(Debug, Clone, PartialEq)]
enum Place {
    /// Above the table's header.
    Above,
    /// Before a key, then a blank line: the head of the file.
    Head(String),
    /// On the lines before a key.
    Before(String),
    /// After a key's value, on its line.
    After(String),
}

#[derive(Debug, Clone)]
struct Remark {
    /// Dotted, from the scenario's root: `services.2.autoscaling` (a
    /// number indexes an array of tables).
    path: String,
    place: Place,
    text: String,
}

/// Comments for the written scenario, each at a table or a key.
#[derive(Debug, Clone, Default)]
pub struct Remarks(Vec<Remark>);

fn join(prefix: &str, path: &str) -> String {
    match (prefix.is_empty(), path.is_empty()) {
        (true, _) => path.to_string(),
        (_, true) => prefix.to_string(),
        _ => format!("{prefix}.{path}"),
    }
}

impl Remarks {
    fn push(&mut self, path: &str, place: Place, text: &str) {
        self.0.push(Remark {
            path: path.to_string(),
            place,
            text: text.to_string(),
        });
    }
    /// Lines of `text` above the header of the table at `path`.
    pub fn above(&mut self, path: &str, text: &str) {
        self.push(path, Place::Above, text);
    }
    /// Lines of `text` before `key` of the table at `path`.
    pub fn before(&mut self, path: &str, key: &str, text: &str) {
        self.push(path, Place::Before(key.into()), text);
    }
    /// Lines of `text` and a blank line before `key` of the root table.
    pub fn head(&mut self, key: &str, text: &str) {
        self.push("", Place::Head(key.into()), text);
    }
    /// `text` (one line) after the value of `key` of the table at `path`.
    pub fn after(&mut self, path: &str, key: &str, text: &str) {
        self.push(path, Place::After(key.into()), text);
    }
    /// `other`'s remarks, their paths taken from the table at `prefix`.
    pub fn nest(&mut self, prefix: &str, other: Remarks) {
        for mut r in other.0 {
            r.path = join(prefix, &r.path);
            self.0.push(r);
        }
    }
}

/// `text` as `# ` comment lines.
fn comment_lines(text: &str) -> String {
    text.lines()
        .map(|l| match one_line(l) {
            l if l.is_empty() => "#\n".to_string(),
            l => format!("# {l}\n"),
        })
        .collect()
}

/// `text` fit for one comment line: TOML allows no control character but
/// tab in a comment, and names in an export (an Auto Scaling group's) may
/// hold a line break.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() && c != '\t' { ' ' } else { c })
        .collect()
}

/// The scenario's text: `spec` with `remarks` in place.
pub fn render(spec: &ScenarioSpec, remarks: &Remarks) -> Result<String> {
    let mut doc: DocumentMut = toml_edit::ser::to_document(spec)
        .map_err(|e| Error::Internal(format!("the imported scenario does not serialise: {e}")))?;
    layout(doc.as_table_mut());
    WholeNumbers.visit_document_mut(&mut doc);
    let mut homeless = String::new();
    for r in &remarks.0 {
        let placed = table_at(doc.as_table_mut(), &r.path).is_some_and(|t| place(t, r));
        // A remark whose key the spec left out is the import's bug: the
        // tests build every fixture in debug, where it stops them. A
        // release build keeps its words at the end of the file rather
        // than drop what the import meant to say.
        debug_assert!(placed, "remark at {} {:?} has no place", r.path, r.place);
        if !placed {
            homeless.push_str(&comment_lines(&format!("(about {}) {}", r.path, r.text)));
        }
    }
    let mut text = doc.to_string();
    if !homeless.is_empty() {
        text.push('\n');
        text.push_str(&homeless);
    }
    Ok(text)
}

/// The lists of the scenario as arrays of tables, its sections and a
/// service's autoscaling and deployment alarms as tables; every other
/// table stays inline, on its key's line.
fn layout(root: &mut Table) {
    for (_, item) in root.iter_mut() {
        explode(item);
    }
    // One entry per service and instance: kept together, as a list.
    if let Some(tasks) = root
        .get_mut("initial_tasks")
        .and_then(Item::as_array_of_tables_mut)
    {
        for t in tasks.iter_mut().skip(1) {
            t.decor_mut().set_prefix("");
        }
    }
    let Some(services) = root
        .get_mut("services")
        .and_then(Item::as_array_of_tables_mut)
    else {
        return;
    };
    for s in services.iter_mut() {
        for key in ["autoscaling", "deployment_alarms"] {
            if let Some(item) = s.get_mut(key) {
                explode(item);
            }
        }
        if let Some(a) = s.get_mut("autoscaling").and_then(Item::as_table_mut) {
            for key in ["target_tracking", "step_scaling", "scheduled"] {
                if let Some(item) = a.get_mut(key) {
                    explode(item);
                }
            }
        }
    }
}

/// A whole figure as an integer (`target = 60`, not `60.0`), as scenarios
/// are written: the reader takes an integer for a float field.
struct WholeNumbers;

impl VisitMut for WholeNumbers {
    fn visit_value_mut(&mut self, node: &mut Value) {
        if let Value::Float(f) = node {
            let x = *f.value();
            // Within 2^53 every whole double is an exact integer.
            if x.fract() == 0.0 && x.abs() < 9.0e15 {
                *node = Value::from(x as i64);
            }
        }
        visit_value_mut(self, node);
    }
}

/// An inline table as a table, an array of inline tables as an array of
/// tables; anything else as it is.
fn explode(item: &mut Item) {
    *item = match std::mem::take(item) {
        Item::Value(Value::InlineTable(t)) => Item::Table(t.into_table()),
        Item::Value(Value::Array(a)) if !a.is_empty() && a.iter().all(Value::is_inline_table) => {
            let mut aot = ArrayOfTables::new();
            for v in a {
                if let Value::InlineTable(t) = v {
                    aot.push(t.into_table());
                }
            }
            Item::ArrayOfTables(aot)
        }
        other => other,
    };
}

fn table_at<'a>(root: &'a mut Table, path: &str) -> Option<&'a mut Table> {
    let mut at = root;
    let mut parts = path.split('.').filter(|p| !p.is_empty()).peekable();
    while let Some(key) = parts.next() {
        let item = at.get_mut(key)?;
        at = match item {
            Item::Table(t) => t,
            Item::ArrayOfTables(a) => {
                let i: usize = parts.next()?.parse().ok()?;
                a.get_mut(i)?
            }
            _ => return None,
        };
    }
    Some(at)
}

/// Puts `r` in `t`; false when `t` has no such key.
fn place(t: &mut Table, r: &Remark) -> bool {
    let lines = comment_lines(&r.text);
    match &r.place {
        Place::Above => {
            // Tables are a blank line apart; the remark sits between.
            let old = t.decor().prefix().and_then(|p| p.as_str()).unwrap_or("\n");
            let old = if old.is_empty() { "\n" } else { old };
            let new = format!("{old}{lines}");
            t.decor_mut().set_prefix(new);
            true
        }
        Place::Before(key) | Place::Head(key) => {
            let lines = match r.place {
                Place::Head(_) => lines + "\n",
                _ => lines,
            };
            let Some(mut k) = t.key_mut(key) else {
                return false;
            };
            let old = k
                .leaf_decor()
                .prefix()
                .and_then(|p| p.as_str())
                .unwrap_or("")
                .to_string();
            k.leaf_decor_mut().set_prefix(old + &lines);
            true
        }
        Place::After(key) => match t.get_mut(key).and_then(Item::as_value_mut) {
            Some(v) => {
                v.decor_mut()
                    .set_suffix(format!("  # {}", one_line(&r.text)));
                true
            }
            None => false,
        },
    }
}

/// `x` to 6 decimal places, as the scenario shows a figure the import
/// derived: rounded before it goes into the spec, so that the value read
/// back is the one written (`27.911401`, not its 17 digits).
pub fn round6(x: f64) -> f64 {
    if x.fract() == 0.0 || !x.is_finite() {
        return x + 0.0;
    }
    // Through the decimal text: the same digits as `{x:.6}` prints, the
    // nearest double to them (and +0 for -0).
    format!("{x:.6}").parse::<f64>().map_or(x, |r| r + 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remarks_go_where_they_explain_and_stay_comments() {
        let spec: ScenarioSpec = toml::from_str(
            "name = \"x\"\n[cluster]\navailability_zones = [\"a\"]\n[[instance_groups]]\nname = \"g\"\ninstance_type = \"m5.large\"\ncount = 1\nregistered_memory_mib = 7680\n",
        )
        .unwrap();
        let mut r = Remarks::default();
        r.head("name", "head\n\nsecond");
        r.above("instance_groups.0", "group\r\nof two lines");
        r.after(
            "instance_groups.0",
            "registered_memory_mib",
            "from a\nbroken\rname",
        );
        let text = render(&spec, &r).unwrap();
        assert!(
            text.starts_with("# head\n#\n# second\n\nname = \"x\"\n"),
            "{text}"
        );
        assert!(
            text.contains("\n\n# group\n# of two lines\n[[instance_groups]]\n"),
            "{text}"
        );
        assert!(
            text.contains("registered_memory_mib = 7680  # from a broken name\n"),
            "{text}"
        );
        // Still the same scenario.
        let back: ScenarioSpec = toml::from_str(&text).unwrap();
        assert_eq!(format!("{back:?}"), format!("{spec:?}"));
    }

    #[test]
    fn round6_keeps_six_decimals_and_whole_numbers() {
        assert_eq!(round6(27.911_401_234), 27.911401);
        assert_eq!(round6(166.666_666_666_7).to_string(), "166.666667");
        assert_eq!(round6(60.0), 60.0);
        assert_eq!(round6(-0.0).to_string(), "0");
        assert_eq!(round6(1e-7), 0.0);
    }
}
