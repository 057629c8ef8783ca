//! The M/M/c model as a simcore component: an arrival event schedules the
//! next arrival and takes a free server or joins a FIFO queue; a completion
//! frees its server for the queue's head. The idiomatic simcore shape
//! (events are typed messages delivered to a handler).
use ecsim_peer::{Counts, Params};
use rand::SeedableRng;
use rand_distr::{Distribution, Exp};
use serde::Serialize;
use simcore::{cast, Event, EventHandler, Simulation, SimulationContext};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

#[derive(Clone, Serialize)]
struct Arrival {}
#[derive(Clone, Serialize)]
struct Done {}

struct Station {
    ctx: SimulationContext,
    free: usize,
    queue: VecDeque<f64>,
    rng: rand::rngs::StdRng,
    arrive: Exp<f64>,
    serve: Exp<f64>,
    counts: Counts,
}

impl Station {
    fn start(&mut self, arrived: f64) {
        self.counts.starts += 1;
        self.counts.delay_sum += self.ctx.time() - arrived;
        let d = self.serve.sample(&mut self.rng);
        self.ctx.emit_self(Done {}, d);
    }
}

impl EventHandler for Station {
    fn on(&mut self, event: Event) {
        cast!(match event.data {
            Arrival {} => {
                self.counts.arrivals += 1;
                let next = self.arrive.sample(&mut self.rng);
                self.ctx.emit_self(Arrival {}, next);
                if self.free > 0 {
                    self.free -= 1;
                    self.start(self.ctx.time());
                } else {
                    self.queue.push_back(self.ctx.time());
                }
            }
            Done {} => {
                self.counts.completions += 1;
                match self.queue.pop_front() {
                    Some(arrived) => self.start(arrived),
                    None => self.free += 1,
                }
            }
        })
    }
}

fn main() {
    let p = Params::from_args();
    let mut sim = Simulation::new(p.seed);
    let mut rng = rand::rngs::StdRng::seed_from_u64(p.seed);
    let arrive = Exp::new(p.lambda).expect("lambda > 0");
    let first = arrive.sample(&mut rng);
    let station = Rc::new(RefCell::new(Station {
        ctx: sim.create_context("station"),
        free: p.c,
        queue: VecDeque::new(),
        rng,
        arrive,
        serve: Exp::new(p.mu).expect("mu > 0"),
        counts: Counts::default(),
    }));
    sim.add_handler("station", station.clone());
    station.borrow().ctx.emit_self(Arrival {}, first);
    let t0 = std::time::Instant::now();
    sim.step_until_time(p.horizon);
    let wall = t0.elapsed().as_secs_f64();
    station.borrow().counts.print("simcore 0.1.0", wall);
}
