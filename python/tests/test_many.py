"""sweep, plan, import_export and catalog: the CLI's commands, the same files."""

import os
import subprocess

import ecsim
from ecsim import _tables

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))


def short(name, duration="6h"):
    s = ecsim.load(os.path.join(ROOT, "scenarios", name))
    s.duration = duration
    return s


def test_sweep_equals_the_cli_sweep(cli, tmp_path):
    s = short("autoscale-50.toml")
    # The same sweep as files, for the CLI.
    (tmp_path / "base.toml").write_text(s.to_toml())
    (tmp_path / "t.sweep.toml").write_text(
        'name = "t"\nscenario = "base.toml"\nreplications = 2\nseed = 4\n'
        "[grid]\nservices.web.autoscaling.target = [40, 70]\n"
    )
    subprocess.run(
        [cli, "sweep", str(tmp_path / "t.sweep.toml"), "--out", str(tmp_path / "cli"), "-q"],
        check=True,
    )
    r = ecsim.sweep(s, grid={"services.web.autoscaling.target": [40, 70]}, replications=2, seed=4,
                    name="t", threads=2)
    assert r.runs.num_rows == 4 and r.aggregate.num_rows == 2
    assert r.out is None  # a temporary folder, removed
    for stem, table in (("runs", r.runs), ("aggregate", r.aggregate)):
        want = _tables.read(stem, tmp_path / "cli" / f"{stem}.csv")
        # Wall-clock columns differ from machine to machine.
        keep = [c for c in want.column_names if "wall" not in c and "events_per_s" not in c]
        assert table.select(keep).equals(want.select(keep)), stem
    # A lower target means more tasks, so a higher bill.
    cost = dict(zip(r.aggregate["services.web.autoscaling.target"].to_pylist(),
                    r.aggregate["total_cost_usd.mean"].to_pylist()))
    assert cost[40] > cost[70]


def test_sweep_keeps_its_folder_with_out(tmp_path):
    r = ecsim.sweep(short("quickstart.toml", "1h"), grid={"services.web.desired_count": [2, 4]},
                    replications=1, out=tmp_path / "kept")
    assert r.out == str(tmp_path / "kept")
    assert (tmp_path / "kept" / "runs.csv").is_file()


def test_plan_finds_the_cheapest_configuration():
    p = ecsim.plan(
        short("web-ec2.toml", "12h"),
        choices={"instance_groups.web.instance_type": ["m5.large", "c5.large"],
                 "instance_groups.web.count": [3]},
        targets={"availability_pct": ">= 99.9"},
    )
    rows = p.plan.to_pandas()
    assert len(rows) == 2
    # c5.large (3,951 MiB registered) holds one 2,048 MiB task: 3 of 6 run.
    ok = rows[rows["why_not"].isna()]
    assert list(ok["instance_groups.web.instance_type"]) == ["m5.large"]
    assert p.cheapest is not None


def test_import_export_gives_a_scenario_that_runs(tmp_path):
    s = ecsim.import_export(os.path.join(ROOT, "tests", "fixtures", "import", "cluster"),
                            out=tmp_path / "imported.toml")
    assert (tmp_path / "imported.toml").is_file()
    assert s.file == str(tmp_path / "imported.toml")
    s.duration = "1h"
    assert ecsim.run(s, progress=False).summary["sim_duration_s"] == 3600


def test_catalog_equals_the_cli_listing(cli):
    csv = subprocess.run([cli, "catalog", "m7g.*", "--csv"], check=True, capture_output=True).stdout
    t = ecsim.catalog("m7g.*")
    assert t.equals(_tables.from_csv("catalog", csv))
    assert t.num_rows > 3 and all(n.startswith("m7g.") for n in t["instance_type"].to_pylist())
    try:
        ecsim.catalog("m5.large", region="xx-nowhere-1")
    except ecsim.InputError as e:
        assert "no prices for region" in e.message
    else:
        raise AssertionError("an unknown region is refused")


def test_catalog_filters_as_the_cli_does(cli):
    flags = ["--vcpu", "2-4", "--memory-min", "8192", "--arch", "arm64"]
    csv = subprocess.run([cli, "catalog", "m7g.*", "--csv", *flags],
                         check=True, capture_output=True).stdout
    t = ecsim.catalog("m7g.*", vcpu="2-4", memory_min=8192, arch="arm64")
    assert t.equals(_tables.from_csv("catalog", csv))
    # m7g.large (2 vCPU, 8 GiB) and m7g.xlarge (4, 16): not medium, not 2xlarge.
    assert t["instance_type"].to_pylist() == ["m7g.large", "m7g.xlarge"]
    try:
        ecsim.catalog("m7g.*", vcpu="lots")
    except ecsim.InputError as e:
        assert e.file == "vcpu" and "not a vCPU count" in e.message
    else:
        raise AssertionError("a bad vcpu filter is refused")


def test_a_sweep_reports_runs_finished_of_all(monkeypatch):
    seen = []
    real = ecsim._api._Bar.__call__

    def spy(self, reached, end):
        seen.append((reached, end))
        real(self, reached, end)

    monkeypatch.setattr(ecsim._api._Bar, "__call__", spy)
    # Long enough (about a second in a debug build) for several polls.
    ecsim.sweep(short("quickstart.toml", "3d"), grid={"services.web.desired_count": [2, 3, 4, 5]},
                replications=2, threads=1)
    assert seen, "progress was polled"
    assert all(end == 8 for _, end in seen)
    counts = [r for r, _ in seen]
    assert counts == sorted(counts) and counts[-1] <= 8
