//! The M/M/c model as a bare loop over a BinaryHeap of (time, kind): the
//! floor any event-driven simulator of it pays (heap push/pop, two random
//! draws per task, a FIFO queue). Times in integer milliseconds with a
//! sequence number for ties, as ecsim keeps them.
use ecsim_peer::{Counts, Params};
use rand::SeedableRng;
use rand_distr::{Distribution, Exp};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

const ARRIVAL: u8 = 0;
const DONE: u8 = 1;

fn main() {
    let p = Params::from_args();
    let mut rng = rand::rngs::StdRng::seed_from_u64(p.seed);
    let arrive = Exp::new(p.lambda).expect("lambda > 0");
    let serve = Exp::new(p.mu).expect("mu > 0");
    let ms = |s: f64| (s * 1000.0).round() as u64;
    let horizon = ms(p.horizon);
    let t0 = std::time::Instant::now();
    let mut heap = BinaryHeap::new();
    let mut seq = 0u64;
    heap.push(Reverse((ms(arrive.sample(&mut rng)), seq, ARRIVAL)));
    let mut free = p.c;
    let mut queue: VecDeque<u64> = VecDeque::new();
    let mut n = Counts::default();
    while let Some(Reverse((now, _, kind))) = heap.pop() {
        if now > horizon {
            break;
        }
        let mut start = |arrived: u64, heap: &mut BinaryHeap<_>, n: &mut Counts| {
            n.starts += 1;
            n.delay_sum += (now - arrived) as f64 / 1000.0;
            seq += 1;
            heap.push(Reverse((now + ms(serve.sample(&mut rng)), seq, DONE)));
        };
        if kind == ARRIVAL {
            n.arrivals += 1;
            if free > 0 {
                free -= 1;
                start(now, &mut heap, &mut n);
            } else {
                queue.push_back(now);
            }
            seq += 1;
            heap.push(Reverse((now + ms(arrive.sample(&mut rng)), seq, ARRIVAL)));
        } else {
            n.completions += 1;
            match queue.pop_front() {
                Some(a) => start(a, &mut heap, &mut n),
                None => free += 1,
            }
        }
    }
    n.print("BinaryHeap loop", t0.elapsed().as_secs_f64());
}
