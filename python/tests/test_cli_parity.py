"""Same results as the CLI: quickstart run through Python equals `ecsim run`
cell by cell, and a seed gives the same run every time."""

import json
import os
import subprocess

import pytest

import ecsim
from ecsim import _tables

# Figures of the machine, not of the simulation.
WALL = {"wall_time_s", "events_per_s"}


def figures(summary):
    return {k: v for k, v in summary.items() if k not in WALL}


@pytest.fixture(scope="module")
def both(cli, tmp_path_factory):
    path = os.path.join(os.path.dirname(__file__), "..", "..", "scenarios", "quickstart.toml")
    path = os.path.normpath(path)
    out = tmp_path_factory.mktemp("cli") / "quickstart"
    subprocess.run([cli, "run", path, "--seed", "3", "--out", str(out), "-q"], check=True)
    return out, ecsim.run(ecsim.load(path), seed=3, progress=False)


def test_summary_equals_the_cli_summary(both):
    out, r = both
    with open(out / "summary.json", encoding="utf-8") as f:
        cli_summary = json.load(f)
    assert r.summary["seed"] == 3
    assert r.summary["tasks_started"] > 0
    assert figures(r.summary) == figures(cli_summary)


def test_every_table_equals_the_cli_file_cell_by_cell(both):
    out, r = both
    files = sorted(f[:-4] for f in os.listdir(out) if f.endswith(".csv"))
    assert sorted(r.tables) == files
    for stem in files:
        data = (out / f"{stem}.csv").read_bytes()
        # The CLI's file, typed as the schema types it, column by column.
        cli_table = _tables.from_csv(stem, data)
        assert r.tables[stem].schema == cli_table.schema, stem
        for name in cli_table.column_names:
            assert r.tables[stem][name].to_pylist() == cli_table[name].to_pylist(), (stem, name)
    assert r.tasks.num_rows > 1000
    assert set(ecsim._api._NAMED) <= set(r.tables)


def test_every_table_equals_the_cli_parquet_file(cli, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    path = os.path.join(os.path.dirname(__file__), "..", "..", "scenarios", "quickstart.toml")
    out = tmp_path / "pq"
    subprocess.run([cli, "run", path, "--seed", "3", "--format", "parquet", "--out", str(out), "-q"],
                   check=True)
    s = ecsim.load(path)
    r = ecsim.run(s, seed=3, progress=False)
    files = sorted(f[:-8] for f in os.listdir(out) if f.endswith(".parquet"))
    assert sorted(r.tables) == files
    for stem in files:
        cli_table = pq.read_table(out / f"{stem}.parquet")
        assert r.tables[stem].column_names == cli_table.column_names, stem
        for name in cli_table.column_names:
            assert r.tables[stem][name].to_pylist() == cli_table[name].to_pylist(), (stem, name)


def test_columns_are_typed_as_the_parquet_files():
    r = ecsim.run(_short("quickstart.toml"), seed=1, progress=False)
    t = r.tasks.schema
    assert str(t.field("task_id").type) == "int64"
    assert str(t.field("started_s").type) == "double"
    assert str(t.field("owner").type) == "string"
    assert str(r.cost.schema.field("running_at_end").type) == "bool"
    # An empty cell is a null, as in the Parquet file ("did not happen").
    assert r.tasks["stopped_s"].null_count > 0
    df = r.tasks.to_pandas()
    assert len(df) == r.tasks.num_rows


def _short(name, duration="1d"):
    s = ecsim.load(os.path.join(os.path.dirname(__file__), "..", "..", "scenarios", name))
    s.duration = duration
    return s


def test_same_seed_same_run_other_seed_other_run():
    s = _short("quickstart.toml")
    a = ecsim.run(s, seed=5, progress=False)
    b = ecsim.run(s, seed=5, progress=False)
    c = ecsim.run(s, seed=6, progress=False)
    assert figures(a.summary) == figures(b.summary)
    assert sorted(a.tables) == sorted(b.tables)
    assert all(a.tables[k].equals(b.tables[k]) for k in a.tables)
    assert not a.tasks.equals(c.tasks)


def test_the_scenario_seed_is_the_default():
    s = _short("quickstart.toml")
    assert ecsim.run(s, progress=False).summary["seed"] == 42


def test_outputs_limits_the_tables():
    r = ecsim.run(_short("quickstart.toml"), outputs="cost,instances", progress=False)
    assert sorted(r.tables) == ["cost", "instances"]
    with pytest.raises(AttributeError, match="not written"):
        r.tasks


def test_price_is_the_cli_bill(cli, scenario_path):
    path = scenario_path("web-ec2.toml")
    csv = subprocess.run(
        [cli, "price", path, "--format", "csv"], check=True, capture_output=True
    ).stdout
    t = ecsim.price(path)
    assert t.equals(_tables.from_csv("price", csv))
    est = json.loads(t.schema.metadata[b"ecsim.estimate"])
    assert est["scenario"] == "web-ec2"
