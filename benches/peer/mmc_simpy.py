"""The M/M/c model of benches/peer/mmc.toml, in SimPy.

Reads lambda, mu, c and the horizon from the ecsim scenario itself, so the two
cannot drift apart: lambda = jobs[0].arrivals.rate_per_hour / 3600 per second,
mu = 1 / jobs[0].duration.mean, c = instance_groups[0].count, horizon =
duration. Customers are served first come, first served by a
simpy.Resource of capacity c (the idiomatic SimPy M/M/c).

Only env.run() is timed (wall and process CPU time). Each task's queueing delay (arrival to start) is
appended to a list in start order (= arrival order, FCFS) and written as a
binary file of float64 for benches/peer/compare.py.

Usage: python mmc_simpy.py SCENARIO.toml --seed N --json OUT.json [--delays OUT.f64]
"""

import argparse
import array
import json
import random
import re
import sys
import time
import tomllib
from importlib.metadata import version

UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}


def seconds(text):
    """An ecsim duration string ("100s", "136d", "1h30m", "1.5h") in seconds."""
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)", text)
    if not parts or "".join(n + u for n, u in parts) != text.replace(" ", ""):
        sys.exit(f"error: cannot read duration {text!r}")
    return sum(float(n) * UNITS[u] for n, u in parts)


def params(path):
    with open(path, "rb") as f:
        sc = tomllib.load(f)
    job = sc["jobs"][0]
    if job["arrivals"]["kind"] != "poisson" or job["duration"]["kind"] != "exponential":
        sys.exit(f"error: {path}: jobs[0] must have poisson arrivals and exponential durations")
    lam = job["arrivals"]["rate_per_hour"] / 3600.0
    mu = 1.0 / seconds(job["duration"]["mean"])
    c = sc["instance_groups"][0]["count"]
    horizon = seconds(sc["duration"])
    return lam, mu, c, horizon


def simulate(lam, mu, c, horizon, seed):
    import simpy

    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=c)
    exp = random.Random(seed).expovariate
    delays = array.array("d")
    counts = {"arrivals": 0, "completions": 0}

    def task(arrived):
        with servers.request() as req:
            yield req
            delays.append(env.now - arrived)
            yield env.timeout(exp(mu))
        counts["completions"] += 1

    def source():
        while True:
            yield env.timeout(exp(lam))
            counts["arrivals"] += 1
            env.process(task(env.now))

    env.process(source())
    t0, c0 = time.perf_counter(), time.process_time()
    env.run(until=horizon)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    # SimPy numbers every event it schedules (timeouts, process starts,
    # requests, releases, ...) with env._eid: its own count of events.
    scheduled = next(env._eid) if hasattr(env, "_eid") else None
    return {
        "arrivals": counts["arrivals"],
        "starts": len(delays),
        "completions": counts["completions"],
        "simpy_events_scheduled": scheduled,
        "sim_loop_wall_s": wall,
        "sim_loop_cpu_s": cpu,
    }, delays


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", required=True)
    ap.add_argument("--delays")
    a = ap.parse_args()
    lam, mu, c, horizon = params(a.scenario)
    out, delays = simulate(lam, mu, c, horizon, a.seed)
    out.update(
        {
            "simpy_version": version("simpy"),
            "python": sys.version.split()[0],
            "lambda_per_s": lam,
            "mu_per_s": mu,
            "c": c,
            "horizon_s": horizon,
            "seed": a.seed,
        }
    )
    if a.delays:
        with open(a.delays, "wb") as f:
            delays.tofile(f)
    with open(a.json, "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
