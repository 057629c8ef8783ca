//! Event queue ordered by (time, insertion sequence): two events at the same
//! millisecond fire in the order they were scheduled, so runs are repeatable.

use super::time::SimTime;
use rustc_hash::FxHashSet;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Handle of a scheduled event, used to cancel it before it fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimerId(u64);

struct Entry<E> {
    /// time << 64 | seq: one integer comparison orders by (time, sequence).
    key: u128,
    event: E,
}

impl<E> Entry<E> {
    fn time(&self) -> SimTime {
        (self.key >> 64) as SimTime
    }
    fn seq(&self) -> u64 {
        self.key as u64
    }
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    // Reversed so the std max-heap yields the earliest (time, seq) first.
    fn cmp(&self, other: &Self) -> Ordering {
        other.key.cmp(&self.key)
    }
}

/// A clock plus a priority queue of typed events with cancellable timers.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
    now: SimTime,
    /// Sequence numbers cancelled but still in the heap; skipped when popped.
    /// Looked up on every pop while any is pending, and the keys are our own
    /// counters, so a multiplicative hash does instead of SipHash.
    cancelled: FxHashSet<u64>,
    popped: u64,
    /// The heap's top was delivered by `pop` but is still in place: the
    /// next `schedule_at` writes its event over it and sifts it down once,
    /// instead of a removal's sift and an insertion's. Most events schedule
    /// one (an arrival the next, a task's end the next task's), so that
    /// saves about a third of the heap's work; anything else that reads the
    /// heap takes the spent top out first (`settle`).
    spent: bool,
}

impl<E: Copy> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Copy> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            next_seq: 0,
            now: 0,
            cancelled: FxHashSet::default(),
            popped: 0,
            spent: false,
        }
    }

    /// Current simulated time: the time of the last event popped.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Events delivered so far (cancelled ones are not counted).
    pub fn delivered(&self) -> u64 {
        self.popped
    }

    /// Events waiting, cancelled ones included until they reach the front.
    pub fn len(&self) -> usize {
        self.heap.len() - usize::from(self.spent)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == self.cancelled.len()
    }

    /// Schedules `event` at absolute time `at`; a time in the past is treated
    /// as now, since time never goes backwards.
    pub fn schedule_at(&mut self, at: SimTime, event: E) -> TimerId {
        let seq = self.next_seq;
        self.next_seq += 1;
        let entry = Entry {
            key: (u128::from(at.max(self.now)) << 64) | u128::from(seq),
            event,
        };
        if self.spent
            && let Some(mut top) = self.heap.peek_mut()
        {
            // Dropping the `PeekMut` sifts the new top down.
            *top = entry;
            self.spent = false;
        } else {
            self.heap.push(entry);
        }
        TimerId(seq)
    }

    /// Schedules `event` after `delay` milliseconds from now.
    pub fn schedule_in(&mut self, delay: SimTime, event: E) -> TimerId {
        self.schedule_at(self.now.saturating_add(delay), event)
    }

    /// Cancels a pending timer. The caller must only cancel timers that have
    /// not fired yet (keep the id in an `Option` and clear it when it fires).
    pub fn cancel(&mut self, id: TimerId) {
        if id.0 < self.next_seq {
            self.settle();
            self.cancelled.insert(id.0);
            // Timers cancelled far ahead of their time (a crash drawn weeks
            // out for a task that stops in an hour) would otherwise pile up
            // for a long run's whole length and make every pop slower.
            // Dropping them when they are half the heap costs O(1) a cancel.
            if self.cancelled.len() >= 1024 && self.cancelled.len() * 2 >= self.heap.len() {
                let cancelled = std::mem::take(&mut self.cancelled);
                self.heap.retain(|e| !cancelled.contains(&e.seq()));
            }
        }
    }

    /// Time of the next live event, if any.
    pub fn peek_time(&mut self) -> Option<SimTime> {
        self.skip_cancelled();
        self.heap.peek().map(|e| e.time())
    }

    /// Removes the next live event and advances the clock to its time.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        self.skip_cancelled();
        self.heap.peek()?;
        Some(self.deliver_top())
    }

    /// `pop`, when the next event comes before `end` (else `None`, and
    /// the event stays): a run's loop asks once per event instead of
    /// `peek_time` and then `pop`, each skipping cancelled timers.
    pub fn pop_before(&mut self, end: SimTime) -> Option<(SimTime, E)> {
        self.skip_cancelled();
        self.heap.peek().filter(|e| e.time() < end)?;
        Some(self.deliver_top())
    }

    /// Delivers the top of a non-empty heap. It stays there, marked spent,
    /// until the next `schedule_at` writes over it (one sift down instead
    /// of a removal's and an insertion's) or `settle` takes it out.
    #[inline]
    fn deliver_top(&mut self) -> (SimTime, E) {
        let e = self.heap.peek().expect("a live event at the top");
        debug_assert!(e.time() >= self.now, "time went backwards");
        self.now = e.time();
        let event = e.event;
        self.spent = true;
        self.popped += 1;
        (self.now, event)
    }

    /// Takes out a top `pop` delivered and no schedule replaced.
    #[inline]
    fn settle(&mut self) {
        if self.spent {
            self.spent = false;
            self.heap.pop();
        }
    }

    fn skip_cancelled(&mut self) {
        self.settle();
        if self.cancelled.is_empty() {
            return;
        }
        while let Some(top) = self.heap.peek() {
            if self.cancelled.remove(&top.seq()) {
                self.heap.pop();
            } else {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_by_time_then_insertion() {
        let mut q = EventQueue::new();
        q.schedule_at(10, "b1");
        q.schedule_at(5, "a");
        q.schedule_at(10, "b2");
        q.schedule_at(10, "b3");
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(order, vec![(5, "a"), (10, "b1"), (10, "b2"), (10, "b3")]);
        assert_eq!(q.now(), 10);
    }

    #[test]
    fn cancelled_timers_never_fire() {
        let mut q = EventQueue::new();
        let a = q.schedule_at(1, 1);
        q.schedule_at(2, 2);
        let c = q.schedule_at(3, 3);
        q.cancel(a);
        q.cancel(c);
        assert_eq!(q.pop(), Some((2, 2)));
        assert_eq!(q.pop(), None);
        assert!(q.is_empty());
        assert_eq!(q.delivered(), 1);
    }

    #[test]
    fn timers_cancelled_far_ahead_do_not_pile_up() {
        let mut q = EventQueue::new();
        let mut live = Vec::new();
        for i in 0..100_000u64 {
            // A short timer that fires, and a long one cancelled soon after.
            let at = q.now() + 10;
            q.schedule_at(at, (i, true));
            let far = q.schedule_at(q.now() + 100_000_000, (i, false));
            if i % 10 == 0 {
                live.push((i, false));
            } else {
                q.cancel(far);
            }
            assert_eq!(q.pop().map(|(_, e)| e), Some((i, true)));
            assert!(q.len() <= 2 * live.len() + 2048, "{} entries", q.len());
        }
        let rest: Vec<_> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(rest, live);
        assert!(q.is_empty());
    }

    #[test]
    fn past_times_clamp_to_now() {
        let mut q = EventQueue::new();
        q.schedule_at(100, 'x');
        q.pop();
        q.schedule_at(50, 'y');
        assert_eq!(q.pop(), Some((100, 'y')));
        q.schedule_in(25, 'z');
        assert_eq!(q.pop(), Some((125, 'z')));
    }

    #[derive(Debug, Clone)]
    enum Op {
        /// Schedule this far from now.
        In(u64),
        /// Schedule at this absolute time (maybe in the past).
        At(u64),
        /// Cancel the n-th timer scheduled, if it has not fired.
        Cancel(usize),
        Pop,
        /// `pop_before(now + d)`.
        PopBefore(u64),
        Peek,
    }

    fn op() -> impl proptest::strategy::Strategy<Value = Op> {
        use proptest::prelude::*;
        prop_oneof![
            3 => (0u64..2_000).prop_map(Op::In),
            2 => (0u64..50_000_000).prop_map(Op::In),
            1 => (0u64..100_000).prop_map(Op::At),
            1 => (0usize..200).prop_map(Op::Cancel),
            3 => Just(Op::Pop),
            2 => (0u64..4_000).prop_map(Op::PopBefore),
            1 => Just(Op::Peek),
        ]
    }

    proptest::proptest! {
        /// Whatever is scheduled, cancelled and popped in any order, events
        /// come out as a plain sorted map of (time, sequence) gives them.
        #[test]
        fn pops_in_time_then_sequence_order(ops in proptest::collection::vec(op(), 1..600)) {
            use std::collections::BTreeMap;
            let mut q = EventQueue::new();
            let mut model: BTreeMap<(u64, usize), usize> = BTreeMap::new();
            let mut ids: Vec<(TimerId, u64, bool)> = Vec::new();
            let mut now = 0;
            for op in ops {
                match op {
                    Op::In(d) | Op::At(d) => {
                        let at = if matches!(op, Op::In(_)) { now + d } else { d.max(now) };
                        let n = ids.len();
                        ids.push((q.schedule_at(at, n), at, false));
                        model.insert((at, n), n);
                    }
                    Op::Cancel(n) => {
                        if let Some((id, at, done)) = ids.get_mut(n)
                            && !*done
                        {
                            q.cancel(*id);
                            model.remove(&(*at, n));
                            *done = true;
                        }
                    }
                    Op::Pop => {
                        let want = model.pop_first();
                        let got = q.pop();
                        proptest::prop_assert_eq!(got, want.map(|((t, _), n)| (t, n)));
                        if let Some((t, n)) = got {
                            now = t;
                            ids[n].2 = true;
                        }
                    }
                    Op::PopBefore(d) => {
                        let end = now + d;
                        let want = match model.first_key_value() {
                            Some((&(t, _), _)) if t < end => model.pop_first(),
                            _ => None,
                        };
                        let got = q.pop_before(end);
                        proptest::prop_assert_eq!(got, want.map(|((t, _), n)| (t, n)));
                        if let Some((t, n)) = got {
                            now = t;
                            ids[n].2 = true;
                        }
                    }
                    Op::Peek => {
                        let want = model.first_key_value().map(|(k, _)| k.0);
                        proptest::prop_assert_eq!(q.peek_time(), want);
                    }
                }
                proptest::prop_assert_eq!(q.is_empty(), model.is_empty());
            }
            while let Some(((t, _), n)) = model.pop_first() {
                proptest::prop_assert_eq!(q.pop(), Some((t, n)));
            }
            proptest::prop_assert_eq!(q.pop(), None);
        }
    }
}
