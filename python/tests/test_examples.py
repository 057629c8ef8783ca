"""The what-if example: its script runs, and the notebook is its twin."""

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.join(HERE, "..", "examples")


def cells_of_script(text):
    """The notebook cells a script twin stands for: (kind, source) pairs.
    A `# %% words` line starts a markdown cell (its words) and a code cell;
    the imports before the first one are the first code cell; lines marked
    `script only` and the opening comment block are left out."""
    cells, code = [], []
    lines = text.splitlines()
    while lines and (lines[0].startswith("#") or not lines[0].strip()):
        lines.pop(0)

    def flush():
        src = "\n".join(code).strip("\n")
        if src:
            cells.append(("code", src))
        code.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("# %%"):
            flush()
            words = [line[4:].strip()]
            while i + 1 < len(lines) and lines[i + 1].startswith("# ") and not lines[i + 1].startswith("# %%"):
                i += 1
                words.append(lines[i][2:].strip())
            cells.append(("markdown", " ".join(words)))
        elif "# script only" not in line:
            code.append(line)
        i += 1
    flush()
    return cells


def notebook(cells):
    return {
        "cells": [
            {"cell_type": k, "metadata": {}, "source": src.splitlines(keepends=True),
             **({"execution_count": None, "outputs": []} if k == "code" else {})}
            for k, src in cells
        ],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def test_notebook_is_the_scripts_twin():
    with open(os.path.join(EXAMPLES, "what_if.py"), encoding="utf-8") as f:
        want = cells_of_script(f.read())
    with open(os.path.join(EXAMPLES, "what-if.ipynb"), encoding="utf-8") as f:
        nb = json.load(f)
    got = [(c["cell_type"], "".join(c["source"])) for c in nb["cells"]]
    assert got == want, "regenerate: python tests/test_examples.py > examples/what-if.ipynb"


def test_what_if_script_plots_cost_against_availability(tmp_path):
    png = tmp_path / "what-if.png"
    out = subprocess.run(
        [sys.executable, os.path.join(EXAMPLES, "what_if.py"), str(png)],
        capture_output=True, text=True, check=True,
    ).stdout
    # Nine configurations (3 types × 3 targets), cost falling as the target rises.
    rows = [l.split() for l in out.splitlines() if l.split()[:1] in (["m5.large"], ["c5.xlarge"], ["m5.2xlarge"])]
    assert len(rows) == 9
    for t in ("m5.large", "c5.xlarge", "m5.2xlarge"):
        costs = [float(r[2]) for r in rows if r[0] == t]
        assert costs == sorted(costs, reverse=True), (t, costs)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


if __name__ == "__main__":
    with open(os.path.join(EXAMPLES, "what_if.py"), encoding="utf-8") as f:
        print(json.dumps(notebook(cells_of_script(f.read())), indent=1))
