//! Numbers' decimal text for the CSV writer (`csv_line`), exactly as the
//! standard library formats them.
//!
//! Most cells (counts, ids, times below three years in milliseconds) take
//! `small` and `scaled`: eight digits at a time, a few multiplies and
//! shifts in one 64-bit register instead of a division per digit pair, and
//! the cell with its comma put down in one 16-byte store instead of a copy
//! of its length. tasks.csv's five times and five counts per row were two
//! thirds of its formatting thread's instructions (the M/M/c model's 2 M
//! rows). Larger numbers take `NumBuf`, two digits at a time.

/// `v < 10^8` as eight ASCII digits, leading zeros included, the first
/// digit in the lowest byte (so `to_le_bytes` reads in order).
#[inline]
fn eight(v: u32) -> u64 {
    debug_assert!(v < 100_000_000);
    // Four digits in each 32-bit half: the high ones in the low half.
    let v = u64::from(v);
    let x = (v / 10_000) | ((v % 10_000) << 32);
    // Each half h < 10,000 into h / 100 and h % 100, 16 bits each:
    // h × 10,486 / 2^20 is h / 100 rounded down for every such h, and no
    // half's product (below 2^27) reaches the next half.
    let hundreds = ((x * 10_486) >> 20) & 0x0000_007F_0000_007F;
    let x = hundreds | ((x - hundreds * 100) << 16);
    // Each 16-bit t < 100 into t / 10 and t % 10, a byte each: t × 103 /
    // 2^10 is t / 10 rounded down below 100 (products below 2^14).
    let tens = ((x * 103) >> 10) & 0x000F_000F_000F_000F;
    tens | ((x - tens * 10) << 8)
}

/// How many of `eight`'s digits are leading zeros (0 to 7: zero keeps one).
#[inline]
fn leading_zeros(digits: u64) -> u32 {
    (digits | (1 << 56)).trailing_zeros() / 8
}

const ASCII_ZEROS: u64 = 0x3030_3030_3030_3030;

/// A cell's text in the low bytes of a register (first byte lowest) and
/// its length: put down with one 16-byte store (`put`), its separator
/// shifted in first (`after_comma`).
#[derive(Clone, Copy)]
pub struct Text {
    bytes: u128,
    len: usize,
}

impl Text {
    /// `,` and then the text.
    #[inline]
    pub fn after_comma(self) -> Text {
        Text {
            bytes: (self.bytes << 8) | u128::from(b','),
            len: self.len + 1,
        }
    }

    /// The text onto `line`: all 16 bytes are copied and the rest cut off
    /// again, rather than a copy of the text's length (a `memcpy` call).
    #[inline]
    pub fn put(self, line: &mut Vec<u8>) {
        let start = line.len();
        line.extend_from_slice(&self.bytes.to_le_bytes());
        line.truncate(start + self.len);
    }
}

/// `v` in decimal, when it is below 10^8.
#[inline]
pub fn small(v: u64) -> Option<Text> {
    if v < 100 {
        // Most cells of a timeseries row (each service's desired, running,
        // pending and waiting counts: 2,000 of region-scale's 3,500) have
        // one or two digits: no need for all eight.
        let (tens, ones) = ((v / 10) as u8, (v % 10) as u8);
        let two = u128::from(u16::from_le_bytes([b'0' + tens, b'0' + ones]));
        let wide = v >= 10;
        return Some(Text {
            bytes: if wide { two } else { u128::from(b'0' + ones) },
            len: 1 + usize::from(wide),
        });
    }
    let v = u32::try_from(v).ok().filter(|&v| v < 100_000_000)?;
    let d = eight(v);
    let skip = leading_zeros(d);
    Some(Text {
        bytes: u128::from((d | ASCII_ZEROS) >> (8 * skip)),
        len: 8 - skip as usize,
    })
}

/// `units / 10^decimals` with exactly `decimals` decimals, when there
/// are 1 to 6 of them and the whole part is below 10^8 (at most 15 bytes:
/// room for a comma).
#[inline]
pub fn scaled(units: u64, decimals: usize) -> Option<Text> {
    if !(1..=6).contains(&decimals) {
        return None;
    }
    let (whole, frac) = split(units, decimals);
    let whole = small(whole)?;
    // `frac`'s last `decimals` digits, after the point.
    let frac = (eight(frac as u32) | ASCII_ZEROS) >> (8 * (8 - decimals));
    let tail = (u128::from(frac) << 8) | u128::from(b'.');
    Some(Text {
        bytes: whole.bytes | (tail << (8 * whole.len)),
        len: whole.len + 1 + decimals,
    })
}

/// `units` divided by 10^decimals (1 to 6) and the remainder: a constant
/// divisor each, which the compiler turns into a multiply, rather than a
/// division instruction by `POW10[decimals]` (tens of cycles a cell).
#[inline]
fn split(units: u64, decimals: usize) -> (u64, u64) {
    match decimals {
        1 => (units / 10, units % 10),
        2 => (units / 100, units % 100),
        3 => (units / 1_000, units % 1_000),
        4 => (units / 10_000, units % 10_000),
        5 => (units / 100_000, units % 100_000),
        _ => (units / 1_000_000, units % 1_000_000),
    }
}

/// 10^0 to 10^12.
const POW10: [u64; 13] = {
    let mut p = [1u64; 13];
    let mut i = 1;
    while i < 13 {
        p[i] = p[i - 1] * 10;
        i += 1;
    }
    p
};

/// "00" to "99": the writers below put down two digits at a time.
const PAIRS: [u8; 200] = {
    let mut t = [0u8; 200];
    let mut i = 0;
    while i < 100 {
        t[2 * i] = b'0' + (i / 10) as u8;
        t[2 * i + 1] = b'0' + (i % 10) as u8;
        i += 1;
    }
    t
};

/// Where `NumBuf` numbers end: written backwards from here, at most 33
/// bytes (20 digits, the point, 12 decimals).
const NUM_END: usize = 40;

/// A number's text, written backwards from `NUM_END`.
struct NumBuf {
    buf: [u8; NUM_END + NUM_END],
    at: usize,
}

impl NumBuf {
    #[inline]
    fn new() -> NumBuf {
        NumBuf {
            buf: [0; NUM_END + NUM_END],
            at: NUM_END,
        }
    }

    /// `n` more digits of `v` (leading zeros as needed), two at a time;
    /// what is left of `v`.
    #[inline]
    fn digits(&mut self, mut v: u64, mut n: usize) -> u64 {
        while n >= 2 {
            let p = 2 * (v % 100) as usize;
            self.at -= 2;
            self.buf[self.at..self.at + 2].copy_from_slice(&PAIRS[p..p + 2]);
            v /= 100;
            n -= 2;
        }
        if n == 1 {
            self.at -= 1;
            self.buf[self.at] = b'0' + (v % 10) as u8;
            v /= 10;
        }
        v
    }

    /// All the digits of `v` (one for 0).
    #[inline]
    fn whole(&mut self, mut v: u64) {
        while v >= 100 {
            v = self.digits(v, 2);
        }
        self.digits(v, if v >= 10 { 2 } else { 1 });
    }

    /// The text onto `line`. A fixed `NUM_END` bytes are copied (a few
    /// vector moves) and the rest cut off again, rather than a copy of the
    /// text's length, which is a `memcpy` call: numbers are most of the
    /// cells of a timeseries row, and those calls were a tenth of writing
    /// region-scale's 130 million cells.
    #[inline]
    fn push_to(&self, line: &mut Vec<u8>) {
        let start = line.len();
        line.extend_from_slice(&self.buf[self.at..self.at + NUM_END]);
        line.truncate(start + NUM_END - self.at);
    }
}

/// `v` in decimal: itoa's text.
#[inline]
pub(super) fn push_uint(line: &mut Vec<u8>, v: u64) {
    if v < 10 {
        // Most counts of a timeseries row are single digits.
        line.push(b'0' + v as u8);
        return;
    }
    let mut b = NumBuf::new();
    b.whole(v);
    b.push_to(line);
}

/// `units / 10^decimals` written with exactly `decimals` decimals.
pub(super) fn push_scaled(line: &mut Vec<u8>, units: u64, decimals: usize) {
    if decimals == 0 {
        return push_uint(line, units);
    }
    if decimals > 12 {
        return push_scaled_long(line, units, decimals);
    }
    let mut b = NumBuf::new();
    let whole = b.digits(units, decimals);
    b.at -= 1;
    b.buf[b.at] = b'.';
    b.whole(whole);
    b.push_to(line);
}

/// `push_scaled` for more than 12 decimals, a digit at a time.
fn push_scaled_long(line: &mut Vec<u8>, mut units: u64, decimals: usize) {
    let mut text = Vec::with_capacity(decimals + 22);
    for _ in 0..decimals {
        text.push(b'0' + (units % 10) as u8);
        units /= 10;
    }
    text.push(b'.');
    loop {
        text.push(b'0' + (units % 10) as u8);
        units /= 10;
        if units == 0 {
            break;
        }
    }
    line.extend(text.iter().rev());
}

/// The text `format!("{v:.decimals$}")` gives. The common case (a finite,
/// non-negative value that is not exactly halfway between two outputs) is
/// rounded here from the float's exact binary value, as the standard
/// library does; the rest is left to the standard library.
pub(super) fn push_fixed(line: &mut Vec<u8>, v: f64, decimals: usize) {
    match scaled_exact(v, decimals) {
        Some(units) => push_scaled(line, units, decimals),
        None => {
            // Writing into a Vec cannot fail.
            let _ = std::io::Write::write_fmt(line, format_args!("{v:.decimals$}"));
        }
    }
}

/// `v × 10^decimals` rounded to the nearest integer, when that is certain:
/// `None` for negative, non-finite and huge values, and for exact ties.
#[inline]
pub(super) fn scaled_exact(v: f64, decimals: usize) -> Option<u64> {
    // Fast path: `y`, the product rounded to an f64, is within half an ulp
    // (≤ 2^-14 below 2^40) of the exact `v × 10^decimals`; when `y` is
    // further than 2^-12 from every half-integer, both round to the same
    // integer, and `y`'s fraction is exact below 2^52. Sample values (rates,
    // percentages) almost always take it; the rest take the exact path.
    if decimals < POW10.len() && v.is_sign_positive() {
        let y = v * POW10[decimals] as f64;
        if y < TWO_40 {
            // In i64's range: one conversion instruction, where u64's
            // takes a dozen.
            let t = y as i64 as u64;
            let off = y - t as f64 - 0.5;
            if off.abs() > 1.0 / 4096.0 {
                return Some(t + u64::from(off > 0.0));
            }
        }
    }
    scaled_exact_slow(v, decimals)
}

/// 2^40: below it an f64's ulp is at most 2^-12.
const TWO_40: f64 = 1_099_511_627_776.0;

/// `scaled_exact` from the float's exact binary value.
fn scaled_exact_slow(v: f64, decimals: usize) -> Option<u64> {
    if !v.is_finite() || v.is_sign_negative() || v >= 9.007_199_254_740_992e15 || decimals > 12 {
        return None;
    }
    let bits = v.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    let frac = bits & ((1u64 << 52) - 1);
    // v = m × 2^e exactly.
    let (m, e) = if exp == 0 {
        (frac, -1074)
    } else {
        (frac | (1u64 << 52), exp - 1075)
    };
    // Below 2^53 × 10^12 < 2^93: fits.
    let num = u128::from(m) * u128::from(POW10[decimals]);
    if e >= 0 {
        return u64::try_from(num << e).ok();
    }
    let s = e.unsigned_abs();
    if s >= 128 {
        // num < 2^93 is below half of 2^s: rounds to 0.
        return Some(0);
    }
    let (q, r, half) = (num >> s, num & ((1u128 << s) - 1), 1u128 << (s - 1));
    let q = match r.cmp(&half) {
        std::cmp::Ordering::Less => q,
        std::cmp::Ordering::Greater => q + 1,
        std::cmp::Ordering::Equal => return None,
    };
    u64::try_from(q).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(t: Option<Text>) -> Option<String> {
        let mut line = b"x".to_vec();
        t?.put(&mut line);
        let mut comma = b"y".to_vec();
        t?.after_comma().put(&mut comma);
        assert_eq!(comma[2..], line[1..]);
        assert_eq!(&comma[..2], b"y,");
        Some(String::from_utf8(line).unwrap()[1..].to_string())
    }

    #[test]
    fn every_digit_position_and_boundary() {
        let mut vals: Vec<u64> = (0..100_000).collect();
        for k in 0..=9u32 {
            let p = 10u64.pow(k);
            vals.extend([p.saturating_sub(1), p, p + 1, p * 5, p * 9 + 9]);
        }
        // Random values of every size up to past 10^8.
        let mut s: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..300_000 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            vals.push(s % 200_000_000);
            vals.push(s >> (s % 64));
        }
        for v in vals {
            let small = v < 100_000_000;
            assert_eq!(text(super::small(v)), small.then(|| v.to_string()), "{v}");
            for d in 0..=8usize {
                let p = 10u64.pow(d as u32);
                let want = (v / p < 100_000_000 && (1..=6).contains(&d))
                    .then(|| format!("{}.{:0d$}", v / p, v % p));
                assert_eq!(text(scaled(v, d)), want, "{v} / 10^{d}");
            }
        }
    }

    fn fixed(v: f64, d: usize) -> String {
        let mut b = Vec::new();
        push_fixed(&mut b, v, d);
        String::from_utf8(b).unwrap()
    }

    #[test]
    fn fixed_matches_std_formatting() {
        let mut vals = vec![
            0.0,
            -0.0,
            0.0005,
            0.0015,
            0.125,
            0.375,
            1.0005,
            2.675,
            1e-300,
            5e-324,
            0.1,
            0.7,
            99.995,
            100.0,
            123456.789,
            9.007e15,
            1e17,
            -1.5,
            -0.0004,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MAX,
            f64::MIN_POSITIVE,
        ];
        // Values on and around every step of a few decimals.
        for k in 0..20_000u32 {
            let x = f64::from(k) / 1000.0;
            vals.extend([x, x + 0.0005, x - 0.0005, x / 7.0, x * 1.000_000_1]);
        }
        let mut s: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..50_000 {
            // Random bit patterns of every magnitude.
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            vals.push(f64::from_bits(s));
            vals.push((s % 10_000_000) as f64 / 64.0);
        }
        for v in vals {
            for d in [0, 1, 2, 3, 10] {
                assert_eq!(fixed(v, d), format!("{v:.d$}"), "{v:e} with {d} decimals");
            }
        }
    }

    #[test]
    fn fast_scaling_agrees_with_the_exact_one() {
        let mut s: u64 = 0x2545_F491_4F6C_DD1D;
        for k in 0..400_000u64 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            // Decimal-looking values near halves, and values of every size.
            let d = (k % 4) as usize;
            let near_half = ((s % 100_000_000) as f64 + 0.5) / POW10[d] as f64;
            let v = match k % 3 {
                0 => near_half,
                1 => f64::from_bits(s >> 2),
                _ => (s % 1_000_000_000) as f64 / 1024.0,
            };
            for d in [0, 1, 2, 3, 6, 12] {
                assert_eq!(
                    scaled_exact(v, d),
                    scaled_exact_slow(v, d),
                    "{v:e} × 10^{d}"
                );
            }
        }
    }

    #[test]
    fn numbers_are_written_as_std_writes_them() {
        let mut x: u64 = 7;
        let cases = (0..200_000u64)
            .map(|i| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                // Every magnitude, from 0 to u64::MAX.
                x >> (i % 64)
            })
            .chain((0..10u32).flat_map(|k| {
                let p = 10u64.pow(k);
                [p - 1, p, p + 1]
            }))
            .chain([0, 9, 99, 1001, 99_999, 100_000, u64::MAX]);
        for v in cases {
            let mut a = Vec::new();
            push_uint(&mut a, v);
            assert_eq!(String::from_utf8(a).unwrap(), v.to_string());
            for d in [1, 2, 3, 5, 12, 13, 19, 20, 25] {
                let mut a = Vec::new();
                push_scaled(&mut a, v, d);
                let p = 10u128.pow(d as u32);
                let (whole, frac) = (u128::from(v) / p, u128::from(v) % p);
                let want = format!("{whole}.{frac:0d$}");
                assert_eq!(String::from_utf8(a).unwrap(), want, "{v} with {d} decimals");
            }
        }
    }
}
