//! A price as text into exact pico-dollars: the one parser of a price, for
//! AWS offer files (this module's callers), ecsim's own price rows
//! (`billing::prices`) and prices a scenario gives.

/// Pico-dollars in a dollar.
pub const PICO: i128 = 1_000_000_000_000;

/// Parses a decimal price such as `0.004445` into pico-dollars exactly.
pub fn parse_pico(text: &str) -> Result<i128, String> {
    let t = text.trim();
    // Read from files: the text itself is not repeated (see `crate::input::read_text`).
    let bad =
        || "expected a price, a number like 0.0416 (0 or more, at most 12 decimals)".to_string();
    if t.starts_with('-') {
        return Err("a price is negative; prices are 0 or more".into());
    }
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    if int.is_empty() && frac.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 12
        || int.len() > 9
    {
        return Err(bad());
    }
    let i: i128 = if int.is_empty() {
        0
    } else {
        int.parse().map_err(|_| bad())?
    };
    let f: i128 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<12}").parse().map_err(|_| bad())?
    };
    Ok(i * PICO + f)
}
