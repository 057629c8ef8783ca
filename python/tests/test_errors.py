"""Bad input is a Python exception with the CLI's words, never a crash."""

import os
import re
import subprocess

import pytest

import ecsim

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
QUICKSTART = os.path.normpath(os.path.join(ROOT, "scenarios", "quickstart.toml"))


def cli_error(cli, path):
    """`ecsim validate PATH`: it must refuse with exit code 2; its message."""
    p = subprocess.run([cli, "validate", str(path)], capture_output=True, text=True)
    assert p.returncode == 2, p.stderr
    line = [l for l in p.stderr.splitlines() if l.startswith("error: ")][0]
    return line[len("error: "):]


def without_place(msg):
    """A TOML type error from text also says where: (line L, column C)."""
    return re.sub(r" \(line \d+, column \d+\)", "", msg)


# Nonsense set from Python, each refused by `ecsim validate` too.
EDITS = [
    ("negative count", lambda s: setattr(s.services["web"], "desired_count", -3)),
    ("duration unit", lambda s: setattr(s, "duration", "14x")),
    ("unknown type", lambda s: setattr(s.instance_groups["general"], "instance_type", "m5.nonsense")),
    ("misspelt key", lambda s: setattr(s.services["web"], "desird_count", 3)),
    ("text for a number", lambda s: setattr(s.task_definitions["web"], "cpu", "lots")),
    ("no zones", lambda s: setattr(s.cluster, "availability_zones", [])),
]


@pytest.mark.parametrize("what,edit", EDITS, ids=[e[0] for e in EDITS])
def test_nonsense_set_in_python_is_refused_as_the_cli_refuses_it(cli, tmp_path, what, edit):
    s = ecsim.load(QUICKSTART)
    edit(s)
    with pytest.raises(ecsim.InputError) as e:
        s.validate()
    # The same scenario as a file, checked by the CLI.
    path = tmp_path / "edited.toml"
    path.write_text(s.to_toml())
    want = cli_error(cli, path)
    got = e.value
    assert got.file == QUICKSTART
    assert got.path, "the field is named"
    assert without_place(f"{path}: {got.path}: {got.message}") == without_place(want)
    # run refuses it too, before any work.
    with pytest.raises(ecsim.InputError):
        ecsim.run(s, progress=False)


def test_a_file_is_refused_with_the_cli_message_exactly(cli, tmp_path):
    bad = tmp_path / "bad.toml"
    with open(QUICKSTART, encoding="utf-8") as f:
        bad.write_text(f.read().replace("desired_count = 8", "desired_count = \"eight\""))
    with pytest.raises(ecsim.InputError) as e:
        ecsim.load(bad)
    assert str(e.value) == cli_error(cli, bad)
    assert "line" in e.value.message  # the text is checked: line and column


def test_from_dict_refuses_nonsense_at_once():
    with pytest.raises(ecsim.InputError) as e:
        ecsim.Scenario.from_dict({
            "name": "x",
            "cluster": {"availability_zones": ["us-east-1a"]},
            "services": [{"name": "w", "task_definition": "nope"}],
        })
    assert e.value.file == "<dict>"
    assert e.value.path == "services[0].task_definition"
    assert "unknown task definition" in e.value.message


def test_values_toml_cannot_hold_are_input_errors_naming_the_field():
    s = ecsim.load(QUICKSTART)
    for value, words in [(None, "None"), (float("nan"), "nan"), (object(), "no TOML form"),
                         (2**64, "64 bits")]:
        s.services["web"].desired_count = value
        with pytest.raises(ecsim.InputError, match=words) as e:
            s.validate()
        assert e.value.path == "services[0].desired_count"
    s.services["web"].desired_count = 8
    s.services["web"].placement_strategy[0]["weight"] = float("inf")
    with pytest.raises(ecsim.InputError) as e:
        s.validate()
    assert e.value.path == "services[0].placement_strategy[0].weight"


def test_missing_and_unreadable_files(tmp_path):
    with pytest.raises(ecsim.InputError) as e:
        ecsim.load(tmp_path / "nope.toml")
    assert "cannot read the scenario" in e.value.message
    with pytest.raises(ecsim.InputError, match="a folder"):
        ecsim.load(tmp_path)


def test_edits_reach_the_run():
    s = ecsim.load(QUICKSTART)
    s.duration = "6h"
    s.services["web"].desired_count = 3
    s.instance_groups[0].count = 2
    r = ecsim.run(s, progress=False)
    assert r.summary["sim_duration_s"] == 6 * 3600
    assert r.summary["services"]["web"]["desired_count"] == 3
    assert r.instances.num_rows == 2
    # The file is untouched, and a copy is independent.
    c = s.copy()
    c.services["web"].desired_count = 5
    assert s.services["web"].desired_count == 3
    with pytest.raises(KeyError, match="there are: web"):
        s.services["api"]


def test_an_unchanged_scenario_round_trips_through_toml():
    s = ecsim.load(QUICKSTART)
    with open(QUICKSTART, encoding="utf-8") as f:
        assert s.to_toml() == f.read()
    s.seed = 9
    again = ecsim.Scenario.from_toml(s.to_toml())
    assert again.seed == 9 and again.to_dict() == s.to_dict()


def test_bad_arguments_are_refused():
    s = ecsim.load(QUICKSTART)
    with pytest.raises(ecsim.InputError, match="outputs"):
        ecsim.run(s, outputs="tasks,nonsense", progress=False)
    with pytest.raises(ecsim.InputError) as e:
        ecsim.run(s, region=" ", progress=False)
    assert e.value.file == "--region"
    with pytest.raises(ecsim.InputError) as e:
        ecsim.run(s, max_wall="soon", progress=False)
    assert e.value.file == "max_wall"
    with pytest.raises(ecsim.InputError, match="0 seconds or more"):
        ecsim.run(s, max_wall=-1, progress=False)
