//! Named random streams derived from one scenario seed. Each concern (arrivals,
//! durations, placement, faults, ...) draws from its own stream, so adding a
//! new source of randomness does not shift the numbers any other one sees.

use rand::SeedableRng;
use rand_pcg::Pcg64Mcg;

/// The generator every stream uses; PCG is fast and its output is fixed by
/// its algorithm, so results do not change when `rand` is upgraded.
pub type SimRng = Pcg64Mcg;

#[derive(Debug, Clone, Copy)]
pub struct RngStreams {
    seed: u64,
}

impl RngStreams {
    pub fn new(seed: u64) -> Self {
        RngStreams { seed }
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// A generator for the stream `name` (e.g. `"arrivals/etl"`).
    pub fn stream(&self, name: &str) -> SimRng {
        SimRng::seed_from_u64(derive(self.seed, name))
    }
}

/// FNV-1a over the name, mixed with the seed through splitmix64's finalizer:
/// stable across platforms and releases, unlike `std`'s hasher.
pub fn derive(seed: u64, name: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    splitmix(seed ^ splitmix(h))
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    const PINNED_DERIVE: u64 = 4_148_783_422_840_402_124;
    const PINNED_FIRST: u64 = 3_761_970_160_586_073_934;

    #[test]
    fn streams_are_independent_and_repeatable() {
        let s = RngStreams::new(42);
        let a1: Vec<u64> = (0..4)
            .map(|_| 0)
            .scan(s.stream("a"), |r, _| Some(r.random()))
            .collect();
        let a2: Vec<u64> = (0..4)
            .map(|_| 0)
            .scan(s.stream("a"), |r, _| Some(r.random()))
            .collect();
        let b: Vec<u64> = (0..4)
            .map(|_| 0)
            .scan(s.stream("b"), |r, _| Some(r.random()))
            .collect();
        assert_eq!(a1, a2);
        assert_ne!(a1, b);
        assert_ne!(derive(1, "a"), derive(2, "a"));
    }

    #[test]
    fn derivation_is_pinned() {
        // Changing these values changes every user's results for a given seed:
        // only do it on purpose, and bless the golden outputs with it.
        assert_eq!(derive(42, "placement"), PINNED_DERIVE);
        let first: u64 = RngStreams::new(42).stream("placement").random();
        assert_eq!(first, PINNED_FIRST);
    }
}
