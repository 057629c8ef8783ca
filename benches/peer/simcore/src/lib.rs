//! What both peers share: the model's parameters from the command line and
//! the JSON line each prints (counts, mean queueing delay, wall time of the
//! simulation loop).

pub struct Params {
    /// Arrivals per second, completions per second per server, servers,
    /// horizon in seconds, seed.
    pub lambda: f64,
    pub mu: f64,
    pub c: usize,
    pub horizon: f64,
    pub seed: u64,
}

impl Params {
    /// `LAMBDA MU C HORIZON_S [SEED]`, as run.sh passes them.
    pub fn from_args() -> Params {
        let a: Vec<String> = std::env::args().skip(1).collect();
        if a.len() < 4 {
            eprintln!("usage: PEER LAMBDA_PER_S MU_PER_S C HORIZON_S [SEED]");
            std::process::exit(2);
        }
        let num = |i: usize| -> f64 {
            a[i].parse().unwrap_or_else(|_| {
                eprintln!("error: argument {}: not a number: {:?}", i + 1, a[i]);
                std::process::exit(2)
            })
        };
        Params {
            lambda: num(0),
            mu: num(1),
            c: num(2) as usize,
            horizon: num(3),
            seed: a.get(4).and_then(|s| s.parse().ok()).unwrap_or(1),
        }
    }
}

#[derive(Default)]
pub struct Counts {
    pub arrivals: u64,
    pub starts: u64,
    pub completions: u64,
    pub delay_sum: f64,
}

impl Counts {
    pub fn print(&self, peer: &str, wall_s: f64) {
        println!(
            "{{\"peer\": \"{peer}\", \"arrivals\": {}, \"starts\": {}, \"completions\": {}, \
             \"mean_delay_s\": {}, \"sim_loop_wall_s\": {wall_s:.6}}}",
            self.arrivals,
            self.starts,
            self.completions,
            self.delay_sum / self.starts.max(1) as f64
        );
    }
}
