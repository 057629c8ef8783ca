//! Decimal text of the numbers most cells hold (counts, ids, times below
//! three years in milliseconds), eight digits at a time: a few multiplies
//! and shifts in one 64-bit register instead of a division per digit pair,
//! and one 8-byte store instead of a copy of the text's length. tasks.csv's
//! five times and five counts per row were two thirds of its formatting
//! thread's instructions (the M/M/c model's 2 M rows). Larger numbers are
//! left to `csv_line`'s digit-pair writer.

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

/// `v` in decimal when it is below 10^8 (`false`, nothing written, when not).
#[inline]
pub fn push_small(line: &mut Vec<u8>, v: u64) -> bool {
    let Ok(v) = u32::try_from(v) else {
        return false;
    };
    if v >= 100_000_000 {
        return false;
    }
    let d = eight(v);
    let skip = leading_zeros(d);
    put8(line, (d | ASCII_ZEROS) >> (8 * skip), 8 - skip as usize);
    true
}

/// `units / 10^decimals` with exactly `decimals` decimals (1 to 8), when
/// its whole part is below 10^8 (`false`, nothing written, when not).
#[inline]
pub fn push_scaled_small(line: &mut Vec<u8>, units: u64, decimals: usize) -> bool {
    debug_assert!((1..=8).contains(&decimals));
    let p = POW10[decimals];
    let (whole, frac) = (units / p, units % p);
    if !push_small(line, whole) {
        return false;
    }
    // `frac`'s last `decimals` digits after the point, in one store.
    let d = eight(frac as u32) | ASCII_ZEROS;
    let shift = 8 * (8 - decimals as u32);
    line.push(b'.');
    put8(line, d >> shift, decimals);
    true
}

/// The first `len` bytes of `bytes` (little-endian) onto `line`: all 8
/// are copied, a single store, and the rest cut off again.
#[inline]
fn put8(line: &mut Vec<u8>, bytes: u64, len: usize) {
    let start = line.len();
    line.extend_from_slice(&bytes.to_le_bytes());
    line.truncate(start + len);
}

const POW10: [u64; 9] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
];

#[cfg(test)]
mod tests {
    use super::*;

    fn text(f: impl FnOnce(&mut Vec<u8>) -> bool) -> Option<String> {
        let mut line = b"x".to_vec();
        let wrote = f(&mut line);
        let s = String::from_utf8(line).unwrap();
        wrote.then(|| s[1..].to_string())
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
            let got = text(|l| push_small(l, v));
            assert_eq!(got, small.then(|| v.to_string()), "{v}");
            for d in 1..=8usize {
                let p = 10u64.pow(d as u32);
                let want = (v / p < 100_000_000).then(|| format!("{}.{:0d$}", v / p, v % p));
                assert_eq!(text(|l| push_scaled_small(l, v, d)), want, "{v} / 10^{d}");
            }
        }
    }
}
