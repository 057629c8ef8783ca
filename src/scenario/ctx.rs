//! The checking context: the file being read and helpers that turn raw
//! fields into model values with errors naming their field path.

use super::spec::*;
use crate::engine::Dist;
use crate::engine::time::{SECOND, SimTime, parse_duration};
use crate::error::InputError;
use crate::placement::query::Expr;
use crate::placement::{Constraint, Resource, SpreadField, Strategy};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

pub(super) struct Ctx<'a> {
    pub file: &'a Path,
    pub dir: &'a Path,
}

pub(super) type R<T> = Result<T, InputError>;

impl Ctx<'_> {
    pub fn err(&self, path: impl Into<String>, msg: impl Into<String>) -> InputError {
        InputError::new(self.file, path, msg)
    }

    pub fn duration(&self, path: &str, text: &str) -> R<SimTime> {
        parse_duration(text).map_err(|e| self.err(path, e))
    }

    pub fn count(&self, path: &str, v: i64, max: i64) -> R<u32> {
        if v < 0 {
            return Err(self.err(path, format!("must be 0 or more, got {v}")));
        }
        if v > max {
            return Err(self.err(path, format!("must be at most {max}, got {v}")));
        }
        Ok(v as u32)
    }

    pub fn dist(&self, path: &str, d: &DistSpec) -> R<Dist> {
        let p = |f: &str| format!("{path}.{f}");
        let r = match d {
            DistSpec::Constant { value } => Ok(Dist::Constant(self.duration(&p("value"), value)?)),
            DistSpec::Exponential { mean } => Dist::exponential(self.duration(&p("mean"), mean)?),
            DistSpec::Lognormal { median, sigma } => {
                Dist::lognormal(self.duration(&p("median"), median)?, *sigma)
            }
            DistSpec::Uniform { min, max } => Dist::uniform(
                self.duration(&p("min"), min)?,
                self.duration(&p("max"), max)?,
            ),
            DistSpec::Empirical { file } => return self.empirical(&p("file"), file),
            DistSpec::Weibull { shape, scale } => {
                Dist::weibull(*shape, self.duration(&p("scale"), scale)?)
            }
        };
        r.map_err(|e| self.err(path, e))
    }

    /// A CSV (or plain list) of durations, one per line: `"90s"` or plain seconds.
    fn empirical(&self, path: &str, file: &str) -> R<Dist> {
        let (full, values) = self.durations_file(path, file)?;
        Dist::empirical(values)
            .map_err(|e| InputError::new(&full, "", format!("{e} (read for {path})")))
    }

    /// Reads a file the scenario names (relative to the scenario's folder);
    /// an unreadable one is reported at the scenario field that names it.
    pub fn read(&self, path: &str, file: &str) -> R<(PathBuf, String)> {
        let full = self.dir.join(file);
        let text = crate::input::read_text(&full)
            .map_err(|e| self.err(path, format!("cannot read {}: {e}", full.display())))?;
        Ok((full, text))
    }

    /// A file of times or durations, one per line (first column of a CSV).
    pub fn durations_file(&self, path: &str, file: &str) -> R<(PathBuf, Vec<SimTime>)> {
        let (full, text) = self.read(path, file)?;
        let values = durations_text(&full, path, &text)?;
        Ok((full, values))
    }
    pub fn strategies(&self, path: &str, specs: &[StrategySpec]) -> R<Vec<Strategy>> {
        specs
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let p = format!("{path}[{i}]");
                let field = s.field.as_deref().map(str::trim);
                match (s.kind.as_str(), field) {
                    ("binpack", Some(f)) => match f.to_ascii_lowercase().as_str() {
                        "cpu" => Ok(Strategy::Binpack(Resource::Cpu)),
                        "memory" => Ok(Strategy::Binpack(Resource::Memory)),
                        _ => Err(self.err(format!("{p}.field"), format!("binpack takes field \"cpu\" or \"memory\", got \"{f}\""))),
                    },
                    ("binpack", None) => Err(self.err(format!("{p}.field"), "binpack needs field = \"cpu\" or \"memory\"")),
                    ("spread", Some(f)) => {
                        if f == "instanceId" || f == "host" {
                            Ok(Strategy::Spread(SpreadField::InstanceId))
                        } else if let Some(a) = f.strip_prefix("attribute:").filter(|a| !a.is_empty()) {
                            Ok(Strategy::Spread(SpreadField::Attribute(a.to_string())))
                        } else {
                            Err(self.err(format!("{p}.field"), format!("spread takes \"instanceId\", \"host\" or \"attribute:NAME\", got \"{f}\"")))
                        }
                    }
                    ("spread", None) => Err(self.err(format!("{p}.field"), "spread needs a field such as \"attribute:ecs.availability-zone\"")),
                    ("random", None) => Ok(Strategy::Random),
                    ("random", Some(_)) => Err(self.err(format!("{p}.field"), "random takes no field")),
                    (other, _) => Err(self.err(format!("{p}.type"), format!("unknown strategy \"{other}\"; expected binpack, spread or random"))),
                }
            })
            .collect()
    }

    pub fn constraints(
        &self,
        path: &str,
        specs: &[(String, Option<String>)],
    ) -> R<Vec<Constraint>> {
        specs
            .iter()
            .enumerate()
            .map(|(i, (kind, expr))| {
                let p = format!("{path}[{i}]");
                match (kind.as_str(), expr) {
                    ("distinctInstance", None) => Ok(Constraint::DistinctInstance),
                    ("distinctInstance", Some(_)) => Err(self.err(format!("{p}.expression"), "distinctInstance takes no expression")),
                    ("memberOf", Some(e)) => Expr::parse(e)
                        .map(|e| Constraint::MemberOf(Box::new(e)))
                        .map_err(|m| self.err(format!("{p}.expression"), m)),
                    ("memberOf", None) => Err(self.err(format!("{p}.expression"), "memberOf needs an expression, e.g. \"attribute:ecs.instance-type =~ m5.*\"")),
                    (other, _) => Err(self.err(format!("{p}.type"), format!("unknown constraint \"{other}\"; expected distinctInstance or memberOf"))),
                }
            })
            .collect()
    }
}

pub(super) fn pairs(specs: &[ConstraintSpec]) -> Vec<(String, Option<String>)> {
    specs
        .iter()
        .map(|c| (c.kind.clone(), c.expression.clone()))
        .collect()
}

pub(super) fn unique<'a>(
    ctx: &Ctx,
    path: &str,
    names: impl Iterator<Item = &'a str>,
    seen: &mut HashSet<String>,
) -> R<()> {
    for (i, n) in names.enumerate() {
        if n.trim().is_empty() {
            return Err(ctx.err(format!("{path}[{i}].name"), "must not be empty"));
        }
        if !seen.insert(n.to_string()) {
            return Err(ctx.err(
                format!("{path}[{i}].name"),
                format!("\"{n}\" is used twice; names must be unique"),
            ));
        }
    }
    Ok(())
}

/// Times or durations, one per line (first column of a CSV): `"90s"`-style
/// or plain seconds; a header line and `#` comments are skipped. Errors name
/// `file`, the line and the scenario field (`path`) that read it.
pub fn durations_text(file: &Path, path: &str, text: &str) -> Result<Vec<SimTime>, InputError> {
    let mut values = Vec::new();
    for (k, (n, cells)) in crate::input::csv_rows(file, text)?.into_iter().enumerate() {
        let cell = cells[0].as_str();
        let header = k == 0
            && cell.starts_with(|c: char| c.is_ascii_alphabetic())
            && parse_duration(cell).is_err();
        if cell.is_empty() || header {
            continue;
        }
        // The file may be anything the scenario names (a typo can point at
        // a secret): say where and what was expected, never what is there.
        let v = file_time_cell(cell).map_err(|e| {
            InputError::new(
                file,
                format!("line {n}, column 1"),
                format!("{e} (read for {path})"),
            )
        })?;
        values.push(v);
    }
    Ok(values)
}

/// A JSON error as one phrase: what was wrong in JSON terms (never the
/// value found, which may be a secret, nor a Rust type name), with its
/// position written "(line L, column C)" like the TOML errors.
pub fn json_message(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let msg = match full.rfind(" at line ") {
        Some(i) if e.line() > 0 => &full[..i],
        _ => full.as_str(),
    };
    let msg = plain_message(msg, "an object");
    if e.line() > 0 {
        format!("{msg} (line {}, column {})", e.line(), e.column())
    } else {
        msg
    }
}

/// serde's message with the value it quotes replaced by its kind and Rust
/// type names replaced by the kind a file holds (`object` is "an object"
/// for JSON, "a table" for TOML). "invalid type: string \"AKIA…\",
/// expected i64" becomes "invalid type: found a string, expected an integer".
pub fn plain_message(msg: &str, object: &str) -> String {
    let msg = msg.trim();
    if let Some(e) = msg.strip_prefix("data did not match any variant of untagged enum ") {
        return match e.trim() {
            "StrOrNum" => "expected a string or a number".into(),
            _ => "is none of the forms this field takes".into(),
        };
    }
    for (head, say) in [
        ("invalid type: ", "invalid type: found"),
        ("invalid value: ", "invalid value: found"),
    ] {
        if let Some(rest) = msg.strip_prefix(head) {
            let (found, expected) = match rest.rfind(", expected ") {
                Some(i) => (&rest[..i], Some(&rest[i + ", expected ".len()..])),
                None => (rest, None),
            };
            let mut out = format!("{say} {}", kind_of(found, object));
            if let Some(x) = expected {
                out += &format!(", expected {}", expected_kind(x, object));
            }
            return out;
        }
    }
    // "unknown variant `X`, expected one of …": the choices, not what was written.
    if let Some(rest) = msg.strip_prefix("unknown variant `") {
        return match rest.split_once("`, ") {
            Some((_, tail)) => format!("unknown name, {tail}"),
            None => "unknown name".into(),
        };
    }
    msg.to_string()
}

/// The kind of a value serde quoted ("string \"x\"", "integer `5`").
fn kind_of(found: &str, object: &str) -> String {
    const KINDS: [(&str, &str); 10] = [
        ("string", "a string"),
        ("integer", "an integer"),
        ("floating point", "a number"),
        ("boolean", "true or false"),
        ("character", "a string"),
        ("sequence", "a list"),
        ("map", "OBJECT"),
        ("unit", "null"),
        ("Option value", "null"),
        ("byte array", "bytes"),
    ];
    KINDS
        .iter()
        .find(|(k, _)| found.starts_with(k))
        .map_or("a value of another kind", |(_, say)| say)
        .replace("OBJECT", object)
}

/// What serde said it expected, in a file's terms.
fn expected_kind(x: &str, object: &str) -> String {
    let x = x.trim();
    match x {
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "an integer".into(),
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => "an integer 0 or more".into(),
        "f32" | "f64" => "a number".into(),
        "a boolean" | "bool" => "true or false".into(),
        "a sequence" => "a list".into(),
        "a map" => object.to_string(),
        "a string" | "char" => "a string".into(),
        _ if x.starts_with("struct ") || x.starts_with("map") => object.to_string(),
        _ if x.starts_with("enum ") || x.starts_with("variant ") => "one of its names".into(),
        // "a string or a number", "a duration like \"90s\"": already words.
        _ if x.contains(' ') => x.to_string(),
        _ => "another kind of value".into(),
    }
}

/// `time_cell` for a cell of a data file: the error says what was expected,
/// not what was there.
pub(super) fn file_time_cell(cell: &str) -> Result<SimTime, String> {
    time_cell(cell).map_err(|_| {
        "expected a time or duration from 0 to 400 days, \"36h\"-style or plain seconds".into()
    })
}

/// One time or duration: `"36h"`-style or plain seconds, at most 400 days.
pub(super) fn time_cell(cell: &str) -> Result<SimTime, String> {
    let v = match cell.parse::<f64>() {
        Ok(s) if s.is_finite() && (0.0..=400.0 * 86_400.0).contains(&s) => {
            (s * SECOND as f64).round() as SimTime
        }
        Ok(_) => return Err(format!("{cell} seconds is not a time from 0 to 400 days")),
        Err(_) => parse_duration(cell).map_err(|e| format!("{e}, or plain seconds"))?,
    };
    if v > 400 * 86_400_000 {
        return Err(format!("\"{cell}\" is beyond 400 days"));
    }
    Ok(v)
}
