"""The commands: run, price, sweep, plan, import_export, catalog."""

import json
import os
import shutil
import tempfile

from . import _ecsim, _tables
from ._scenario import Scenario, _say, load

# The tables a run result offers as attributes (all of them are in .tables).
_NAMED = ("tasks", "instances", "timeseries", "cost", "scaling", "incidents")


def _scenario(s):
    """A Scenario, or a path to load one from."""
    return s if isinstance(s, Scenario) else load(s)


def _paths(prices):
    if isinstance(prices, (str, os.PathLike)):
        prices = [prices]
    return [os.fspath(p) for p in prices]


class Result:
    """A run: ``summary`` (summary.json as a dict) and its tables as
    pyarrow Tables (``tasks``, ``instances``, ``timeseries``, ``cost``,
    ``scaling``, ``incidents``; every table in ``tables``)."""

    def __init__(self, summary, tables):
        self.summary = summary
        self.tables = {stem: _tables.from_columns(cols) for stem, cols in tables}

    def __getattr__(self, name):
        if name in _NAMED:
            try:
                return self.tables[name]
            except KeyError:
                raise AttributeError(f"{name} was not written (see outputs=)") from None
        raise AttributeError(name)

    def to_pandas(self, table=None):
        """One table as a pandas DataFrame, or a dict of all of them."""
        if table is not None:
            return self.tables[table].to_pandas()
        return {k: t.to_pandas() for k, t in self.tables.items()}

    def to_polars(self, table=None):
        """As ``to_pandas``, with polars DataFrames (polars must be installed)."""
        import polars as pl

        if table is not None:
            return pl.from_arrow(self.tables[table])
        return {k: pl.from_arrow(t) for k, t in self.tables.items()}

    def __repr__(self):
        s = self.summary
        return f"Result({s.get('scenario')!r}, seed={s.get('seed')}, tables={list(self.tables)})"


class _Bar:
    """A tqdm bar over simulated hours (a run) or runs (a sweep), once the
    work has taken half a second (as the CLI's); nothing when tqdm is not
    installed."""

    def __init__(self, show, unit="h", per=3_600_000, desc="simulated"):
        self.bar = None
        self.show = show
        self.calls = 0
        self.unit, self.per, self.desc = unit, per, desc
        try:
            from tqdm.auto import tqdm

            self.tqdm = tqdm
        except ImportError:
            self.tqdm = None

    def __call__(self, reached_ms, end_ms):
        self.calls += 1
        if not self.show or self.tqdm is None or self.calls < 5 or not end_ms:
            return
        if self.bar is None:
            self.bar = self.tqdm(total=round(end_ms / self.per, 1), unit=self.unit, desc=self.desc)
        self.bar.n = round(reached_ms / self.per, 1)
        self.bar.refresh()

    def close(self, finished=False):
        if self.bar is not None:
            if finished:
                self.bar.n = self.bar.total
                self.bar.refresh()
            self.bar.close()


def run(s, seed=None, prices=(), region=None, force=False, max_wall=None, outputs=None, progress=True):
    """Simulates a scenario (``ecsim run``) and returns a Result, the
    same figures and rows ``ecsim run`` writes. ``seed`` overrides the
    scenario's; ``outputs`` ("tasks,cost", …) limits the tables. The GIL
    is released while it runs; Ctrl-C stops it (KeyboardInterrupt)."""
    s = _scenario(s)
    text, doc = s._source()
    bar = _Bar(progress)
    finished = False
    try:
        summary, tables, notes = _ecsim.run(
            s.file, text, doc, seed, _paths(prices), region, force, max_wall, outputs, bar
        )
        finished = True
    finally:
        bar.close(finished)
    _say(notes)
    return Result(json.loads(summary), tables)


def price(s, seed=None, prices=(), region=None, force=False, max_wall=None):
    """The bill (``ecsim price``) as a table: item, kind, capacity,
    simulated_usd, monthly_usd; the whole estimate (totals, the period
    simulated, the price source) in the table's ``ecsim.estimate`` schema
    metadata as JSON."""
    s = _scenario(s)
    text, doc = s._source()
    csv, estimate, notes = _ecsim.price(
        s.file, text, doc, seed, _paths(prices), region, force, max_wall
    )
    _say(notes)
    t = _tables.from_csv("price", csv.encode())
    return t.replace_schema_metadata({"ecsim.estimate": estimate})


def _nest(flat):
    """{"services.web.autoscaling.target": [..]} → nested tables, as TOML
    reads dotted keys in a sweep file."""
    out = {}
    for key, value in (flat or {}).items():
        node = out
        parts = key.split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = value
    return out


class Runs:
    """A sweep's or plan's results: ``runs`` (one row per run, runs.csv),
    ``aggregate`` (per point: mean, std, 95 % CI, aggregate.csv), for a
    plan also ``plan`` (plan.csv) and ``cheapest`` (plan.json); ``out`` is
    the results folder (None when it was a temporary one)."""

    def __init__(self, folder, keep):
        self.out = folder if keep else None
        self.runs = _tables.read("runs", os.path.join(folder, "runs.csv"))
        self.aggregate = _tables.read("aggregate", os.path.join(folder, "aggregate.csv"))
        plan = os.path.join(folder, "plan.csv")
        self.plan = _tables.read("plan", plan) if os.path.exists(plan) else None
        self.cheapest = None
        if os.path.exists(os.path.join(folder, "plan.json")):
            with open(os.path.join(folder, "plan.json"), encoding="utf-8") as f:
                self.result = json.load(f)
            self.cheapest = self.result.get("cheapest")

    def __repr__(self):
        return f"Runs({self.runs.num_rows} runs, {self.aggregate.num_rows} points)"


def _many(kind, s, table, replications, seed, name, out, threads, prices, region, force, max_wall,
          progress):
    s = _scenario(s)
    text, doc = s._source()
    table = dict(table)
    table["name"] = name or f"{s._doc.get('name', 'scenario')}-{kind}"
    table["scenario"] = os.path.basename(s.file)
    table["replications"] = replications
    if seed is not None:
        table["seed"] = seed
    folder = os.fspath(out) if out is not None else tempfile.mkdtemp(prefix=f"ecsim-{kind}-")
    try:
        if out is None:
            # The sweep writes a folder of its own; it must not exist yet.
            os.rmdir(folder)
        bar = _Bar(progress, unit="run", per=1, desc=kind)
        finished = False
        try:
            _ecsim.many(
                kind, s.file, text, doc, json.dumps(table), folder, threads,
                _paths(prices), region, force, max_wall, bar,
            )
            finished = True
        finally:
            bar.close(finished)
        return Runs(folder, out is not None)
    finally:
        if out is None:
            shutil.rmtree(folder, ignore_errors=True)


def sweep(s, grid=None, points=None, replications=5, seed=None, threads=None, name=None, out=None,
          prices=(), region=None, force=False, max_wall=None, progress=True):
    """Runs a scenario over a grid (every combination) or a list of
    points × replications, in parallel (``ecsim sweep``). ``grid`` maps
    field paths to values: ``{"services.web.autoscaling.target": [50, 60]}``.
    With ``out`` the folder is kept (and a sweep interrupted there resumes)."""
    table = {}
    if grid is not None:
        table["grid"] = _nest(grid)
    if points is not None:
        table["points"] = [_nest(p) for p in points]
    return _many("sweep", s, table, replications, seed, name, out, threads, prices, region, force,
                 max_wall, progress)


def plan(s, choices=None, targets=None, points=None, replications=2, seed=None, threads=None, name=None,
         out=None, prices=(), region=None, force=False, max_wall=None, progress=True):
    """The cheapest configurations of ``choices`` whose every replication
    meets every target (``ecsim plan``): ``targets`` such as
    ``{"availability_pct": ">= 99.9"}``."""
    table = {"targets": dict(targets or {})}
    if choices is not None:
        table["choices"] = _nest(choices)
    if points is not None:
        table["points"] = [_nest(p) for p in points]
    return _many("plan", s, table, replications, seed, name, out, threads, prices, region, force,
                 max_wall, progress)


def import_export(dir, out=None, name=None, force=False):
    """A scenario from a cluster's AWS CLI outputs (``ecsim import``): the
    scenario, its task definitions and traces are written as the CLI
    writes them (``out``, default ``<cluster name>.toml``) and loaded."""
    path, notes = _ecsim.import_export(
        os.fspath(dir), None if out is None else os.fspath(out), name, force
    )
    _say([f"not mapped: {n}" for n in notes])
    return load(path)


def catalog(pattern="", region=None, prices=(), vcpu=None, memory_min=None,
            memory_max=None, arch=None):
    """The EC2 instance types ecsim knows (``ecsim catalog``) as a table,
    filtered as the CLI's ``--vcpu 2-8 --memory-min 4096 --arch arm64``."""
    csv = _ecsim.catalog(pattern, region or "us-east-1", _paths(prices),
                         None if vcpu is None else str(vcpu), memory_min,
                         memory_max, arch)
    return _tables.from_csv("catalog", csv.encode())
