//! A short stable digest of bytes (no ECS knowledge): the same on every
//! platform and release, unlike `std`'s hasher, as fingerprints are saved.

/// A 64-bit FNV-1a digest in hex: sweep fingerprints, short file names.
pub fn fnv(parts: &[&[u8]]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.iter().chain(&[0xff]) {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}
