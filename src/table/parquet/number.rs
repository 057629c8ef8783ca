//! Numbers from the CSV text a writer gives where the schema says number
//! (the cost table's dollars): parsed as `str::parse` would, faster.

/// `-?[0-9]+` as an i64.
pub(super) fn int(cell: &[u8]) -> Option<i64> {
    let (neg, digits) = match cell.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, cell),
    };
    if digits.is_empty() || digits.len() > 18 {
        return std::str::from_utf8(cell).ok()?.parse().ok();
    }
    let mut v: i64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v * 10 + i64::from(b - b'0');
    }
    Some(if neg { -v } else { v })
}

/// A decimal number and how many decimals its text had. Fixed-point text
/// of up to 15 digits is converted as mantissa / 10^d: both exact in an
/// f64, so the one division rounds correctly and gives what `str::parse`
/// gives, at a fraction of its cost. Anything else goes to `str::parse`.
pub(super) fn float(cell: &[u8]) -> Option<(f64, usize)> {
    let (neg, body) = match cell.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, cell),
    };
    let dot = body.iter().position(|&b| b == b'.');
    let decimals = dot.map_or(0, |d| body.len() - d - 1);
    let mut m: u64 = 0;
    let mut digits = 0;
    let mut plain = true;
    for (i, &b) in body.iter().enumerate() {
        if Some(i) == dot {
            continue;
        }
        if !b.is_ascii_digit() {
            plain = false;
            break;
        }
        m = m.wrapping_mul(10).wrapping_add(u64::from(b - b'0'));
        digits += 1;
    }
    if plain && digits > 0 && digits <= 15 && decimals <= 22 {
        let x = m as f64 / POW10[decimals];
        return Some((if neg { -x } else { x }, decimals));
    }
    let x: f64 = std::str::from_utf8(cell).ok()?.parse().ok()?;
    Some((x, decimals))
}

const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_parse_as_the_standard_library_does() {
        let mut texts: Vec<String> = [
            "0",
            "-0",
            "0.000",
            "-0.0000000000",
            "12.345",
            "206.439",
            "99999999999.999",
            "123456789012345",
            "1234567890123456.5",
            "0.1",
            "1e3",
            "-7.25",
            "5.",
            ".5",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for i in 0..20_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let d = (i % 11) as usize;
            let v = (x % 10u64.pow(12)) as f64 / 10f64.powi(d as i32);
            texts.push(format!("{v:.d$}"));
        }
        for t in &texts {
            let want: f64 = t.parse().unwrap();
            let (got, _) = float(t.as_bytes()).unwrap();
            assert_eq!(got.to_bits(), want.to_bits(), "{t}");
        }
        for bad in ["", "-", "1.2.3", "abc", "1,5"] {
            assert!(float(bad.as_bytes()).is_none(), "{bad}");
        }
        assert_eq!(float(b"206.439").unwrap().1, 3);
        for (t, v) in [("0", 0), ("-42", -42), ("9223372036854775807", i64::MAX)] {
            assert_eq!(int(t.as_bytes()), Some(v));
        }
        for bad in ["", "-", "1.5", "12a", "99999999999999999999"] {
            assert_eq!(int(bad.as_bytes()), None, "{bad}");
        }
    }
}
