//! Counts behind random placement's uniform draw. A draw needs how many
//! instances it picks among and which one is the k-th in index order; over
//! bit words that is a pass over every word, 157 of them at 10,000
//! instances. Kept as Fenwick trees over per-word counts, both take
//! log(words) steps: per task shape, the instances with room; per task
//! group placed at random under distinctInstance, those less the group's.

/// How many bits of each word of an instance bit set are counted (64
/// instances a word), as a Fenwick tree: the total, and the word holding
/// the k-th counted bit, in log(words) steps.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    /// 1-based; node i sums the words (i - lowbit(i), i]. Its length less
    /// one, the capacity in words, is a power of two (or the tree is empty).
    tree: Vec<u32>,
    total: u32,
}

impl Counts {
    fn cap(&self) -> usize {
        self.tree.len().saturating_sub(1)
    }

    pub fn total(&self) -> u32 {
        self.total
    }

    /// One more (`up`) or one fewer counted bit in `word`.
    pub fn add(&mut self, word: usize, up: bool) {
        if self.tree.is_empty() {
            self.tree = vec![0, 0];
        }
        // Doubling keeps every node: the new top node covers all words,
        // the others only words past the old capacity, which count nothing.
        while word >= self.cap() {
            let c = self.cap();
            self.tree.resize(2 * c + 1, 0);
            self.tree[2 * c] = self.total;
        }
        let cap = self.cap();
        let mut i = word + 1;
        while i <= cap {
            if up {
                self.tree[i] += 1;
            } else {
                self.tree[i] -= 1;
            }
            i += i & i.wrapping_neg();
        }
        if up {
            self.total += 1;
        } else {
            self.total -= 1;
        }
    }

    /// The word holding counted bit `k` (from 0, in index order) and how
    /// many counted bits come before it in that word. `k < total()`.
    pub fn select(&self, mut k: u32) -> (usize, u32) {
        debug_assert!(k < self.total);
        let cap = self.cap();
        let (mut pos, mut step) = (0, cap);
        while step > 0 {
            let next = pos + step;
            if next <= cap && self.tree[next] <= k {
                pos = next;
                k -= self.tree[next];
            }
            step >>= 1;
        }
        (pos, k)
    }

    /// The tree `add` would have built for these per-word counts, at
    /// capacity `cap` (a power of two, or 0 for none); `None` if a word
    /// past it counts any.
    fn at_cap(cap: usize, words: impl Iterator<Item = u32>) -> Option<Counts> {
        let mut tree = vec![0u32; cap + 1];
        let mut total = 0;
        for (w, n) in words.enumerate() {
            if n > 0 {
                *tree.get_mut(w + 1)? = n;
                total += n;
            }
        }
        for i in 1..=cap {
            let j = i + (i & i.wrapping_neg());
            if j <= cap {
                tree[j] += tree[i];
            }
        }
        if cap == 0 {
            tree.clear();
        }
        Some(Counts { tree, total })
    }

    /// The counts of these per-word counts, at the capacity they need.
    pub fn built(words: impl ExactSizeIterator<Item = u32>) -> Counts {
        let cap = words.len().next_power_of_two();
        Counts::at_cap(cap, words).expect("capacity covers every word")
    }

    /// Whether these counts are those of `words`.
    pub fn agrees_with(&self, words: impl Iterator<Item = u32>) -> bool {
        Counts::at_cap(self.cap(), words).as_ref() == Some(self)
    }
}

/// A group drawn from under distinctInstance: its own copy of which
/// instances hold one of its tasks, and per shape drawn the instances with
/// room it is not on.
#[derive(Debug, Clone, Default)]
struct Counted {
    hosts: Vec<u64>,
    free: Vec<Option<Counts>>,
}

/// Whether bit `idx` of an instance bit set is set.
pub(crate) fn bit(words: &[u64], idx: u32) -> bool {
    words
        .get(idx as usize / 64)
        .is_some_and(|w| w & (1 << (idx % 64)) != 0)
}

/// Per word, the bits of `a` not in `b`.
fn less<'b>(a: &'b [u64], b: &'b [u64]) -> impl ExactSizeIterator<Item = u32> + 'b {
    a.iter()
        .enumerate()
        .map(move |(j, w)| (w & !b.get(j).copied().unwrap_or(0)).count_ones())
}

/// What a run draws at random: the (CPU, memory) shapes its random owners
/// ask for and the groups they draw under distinctInstance; counting
/// starts once the index holds more than `count_from_words` words of
/// instances (`COUNT_FROM_WORDS` in a run).
#[derive(Debug, Clone, Default)]
pub struct DrawPlan {
    pub shapes: Vec<(u32, u32)>,
    pub groups: Vec<u32>,
    pub count_from_words: usize,
}

/// Below this many words of instances a pass over the bits is cheaper
/// than keeping the counts (each change of room costs a tree update):
/// counting starts once the cluster has more instances.
pub const COUNT_FROM_WORDS: usize = 8;

/// The counts a run keeps for its random placements: for the shapes its
/// random owners ask for, and for the groups they draw under
/// distinctInstance.
#[derive(Debug, Clone, Default)]
pub struct Draws {
    /// Per shape (in the index's order), whether it is drawn.
    drawn: Vec<bool>,
    /// Whether the counts are kept yet (the index has passed `from_words`
    /// words); until then only the hosts copies are.
    active: bool,
    from_words: usize,
    /// Per shape drawn, once active, the ACTIVE instances with room.
    room: Vec<Option<Counts>>,
    /// By group id, the groups counted.
    groups: Vec<Option<Counted>>,
}

impl Draws {
    /// Counts for the shapes `drawn` says and these groups, as (group, the
    /// instances holding its tasks now), before any instance is filed;
    /// counting starts past `from_words` words.
    pub fn new(drawn: Vec<bool>, groups: Vec<(u32, Vec<u64>)>, from_words: usize) -> Draws {
        let mut d = Draws {
            drawn,
            from_words,
            ..Draws::default()
        };
        for (g, hosts) in groups {
            if d.groups.len() <= g as usize {
                d.groups.resize(g as usize + 1, None);
            }
            d.groups[g as usize] = Some(Counted {
                hosts,
                free: Vec::new(),
            });
        }
        d
    }

    /// Starts counting, from the shapes' room bits as they are now, once
    /// the index holds `words` words of instances.
    #[inline]
    pub fn reached<'a>(&mut self, words: usize, room: impl Fn(usize) -> &'a [u64]) {
        if !self.active && words > self.from_words {
            self.start(room);
        }
    }

    #[cold]
    fn start<'a>(&mut self, room: impl Fn(usize) -> &'a [u64]) {
        self.active = true;
        let drawn = &self.drawn;
        let count = |b: &[u64]| -> Vec<Option<Counts>> {
            (0..drawn.len())
                .map(|s| drawn[s].then(|| Counts::built(less(room(s), b))))
                .collect()
        };
        self.room = count(&[]);
        for c in self.groups.iter_mut().flatten() {
            c.free = count(&c.hosts);
        }
    }

    /// Whether the counts are kept yet (else only the groups' hosts are).
    #[inline]
    pub fn counting(&self) -> bool {
        self.active
    }

    /// Whether any group is counted.
    #[inline]
    pub fn has_groups(&self) -> bool {
        !self.groups.is_empty()
    }

    /// Instance `idx` gained (`on`) or lost room for shape `s`.
    #[inline]
    pub fn room_changed(&mut self, s: usize, idx: u32, on: bool) {
        if !self.active {
            return;
        }
        let Some(Some(room)) = self.room.get_mut(s) else {
            return;
        };
        let w = idx as usize / 64;
        room.add(w, on);
        for c in self.groups.iter_mut().flatten() {
            if !bit(&c.hosts, idx)
                && let Some(f) = &mut c.free[s]
            {
                f.add(w, on);
            }
        }
    }

    /// Group `g` now holds a task on instance `idx` (`on`), or no longer;
    /// `room(s)` says whether the instance has room for shape `s`.
    #[inline]
    pub fn host_changed(&mut self, g: u32, idx: u32, on: bool, room: impl Fn(usize) -> bool) {
        let Some(Some(c)) = self.groups.get_mut(g as usize) else {
            return;
        };
        let (w, b) = (idx as usize / 64, idx % 64);
        if c.hosts.len() <= w {
            c.hosts.resize(w + 1, 0);
        }
        if on {
            c.hosts[w] |= 1 << b;
        } else {
            c.hosts[w] &= !(1 << b);
        }
        for (s, free) in c.free.iter_mut().enumerate() {
            if let Some(f) = free
                && room(s)
            {
                f.add(w, !on);
            }
        }
    }

    /// What a draw for shape `s` counts: the instances with room, less
    /// those of `group` when it is given. `None` if that is not counted
    /// (not a shape drawn, not a group counted, or not counting yet).
    pub fn counts(&self, s: usize, group: Option<u32>) -> Option<&Counts> {
        match group {
            None => self.room.get(s)?.as_ref(),
            Some(g) => self.groups.get(g as usize)?.as_ref()?.free.get(s)?.as_ref(),
        }
    }

    /// Whether every count agrees with the shapes' room bits and the
    /// groups' hosts (`hosts(g)`, the group's own bit words).
    pub fn agree_with<'a>(
        &self,
        room: impl Fn(usize) -> &'a [u64],
        hosts: impl Fn(u32) -> &'a [u64],
    ) -> bool {
        let same_bits = |a: &[u64], b: &[u64]| {
            (0..a.len().max(b.len()))
                .all(|j| a.get(j).copied().unwrap_or(0) == b.get(j).copied().unwrap_or(0))
        };
        let agree = |counts: &[Option<Counts>], b: &[u64]| {
            let kept = |s: usize| self.active && self.drawn[s];
            counts.len() == if self.active { self.drawn.len() } else { 0 }
                && counts.iter().enumerate().all(|(s, n)| match n {
                    Some(n) => kept(s) && n.agrees_with(less(room(s), b)),
                    None => !kept(s),
                })
        };
        agree(&self.room, &[])
            && self.groups.iter().enumerate().all(|(g, c)| {
                c.as_ref().is_none_or(|c| {
                    same_bits(&c.hosts, hosts(g as u32)) && agree(&c.free, &c.hosts)
                })
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The k-th set bit, found by walking every word.
    fn kth(words: &[u64], mut k: u32) -> (usize, u32) {
        for (j, w) in words.iter().enumerate() {
            let n = w.count_ones();
            if k < n {
                return (j, k);
            }
            k -= n;
        }
        unreachable!()
    }

    #[test]
    fn counts_follow_bits_through_growth_and_removal() {
        let mut words = vec![0u64; 300];
        let mut c = Counts::default();
        // A fixed pseudo-random walk: set and clear bits over 300 words.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for step in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Early steps stay in the first words, so the tree must grow.
            let span = (64 * (1 + step / 50)).min(64 * 300) as u64;
            let i = (x % span) as usize;
            let (w, b) = (i / 64, i % 64);
            let on = words[w] & (1 << b) == 0;
            words[w] ^= 1 << b;
            c.add(w, on);
            if step % 97 == 0 {
                assert!(c.agrees_with(words.iter().map(|w| w.count_ones())));
                for k in (0..c.total()).step_by(37) {
                    assert_eq!(c.select(k), kth(&words, k));
                }
            }
        }
        let n: u32 = words.iter().map(|w| w.count_ones()).sum();
        assert_eq!(c.total(), n);
        assert!(!c.agrees_with(words.iter().map(|w| w.count_ones() + 1)));
    }

    #[test]
    fn a_group_counts_room_it_is_not_on() {
        let mut d = Draws::new(vec![true, false], vec![(3, vec![])], COUNT_FROM_WORDS);
        let mut room = vec![0u64; 4];
        for i in [1u32, 70, 130, 200] {
            room[i as usize / 64] |= 1 << (i % 64);
            d.room_changed(0, i, true);
        }
        let r = room.clone();
        d.host_changed(3, 70, true, |_| bit(&r, 70));
        // Nothing is counted until the index is large enough.
        assert!(d.counts(0, None).is_none() && d.counts(0, Some(3)).is_none());
        d.reached(COUNT_FROM_WORDS, |_| &room);
        assert!(d.counts(0, None).is_none());
        d.reached(COUNT_FROM_WORDS + 1, |_| &room);
        d.host_changed(3, 5, true, |_| bit(&r, 5));
        let free = d.counts(0, Some(3)).unwrap();
        assert_eq!((d.counts(0, None).unwrap().total(), free.total()), (4, 3));
        // Draw 1 among {1, 130, 200} is instance 130: word 2, first bit there.
        assert_eq!(free.select(1), (2, 0));
        assert!(d.counts(1, None).is_none() && d.counts(0, Some(2)).is_none());
        let hosts = [(1u64 << 5) | (1 << 6), 0];
        assert!(!d.agree_with(|_| &room, |_| &hosts[..]));
        let hosts = [1u64 << 5, 1 << 6];
        assert!(d.agree_with(|_| &room, |_| &hosts[..]));
        d.room_changed(0, 200, false);
        assert!(!d.agree_with(|_| &room, |_| &hosts[..]));
        room[3] = 0;
        assert!(d.agree_with(|_| &room, |_| &hosts[..]));
    }
}
