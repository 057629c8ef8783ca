import os
import shutil

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCENARIOS = os.path.join(ROOT, "scenarios")


def ecsim_binary():
    """The `ecsim` CLI built from this checkout: $ECSIM_BIN, else the
    cargo target folder's, else one on PATH."""
    if os.environ.get("ECSIM_BIN"):
        return os.environ["ECSIM_BIN"]
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    for profile in ("debug", "release"):
        p = os.path.join(target, profile, "ecsim")
        if os.path.isfile(p):
            return p
    return shutil.which("ecsim")


@pytest.fixture(scope="session")
def cli():
    exe = ecsim_binary()
    if exe is None:
        # CI builds the CLI before these tests: there, a missing one is a failure.
        if os.environ.get("CI"):
            pytest.fail("no ecsim CLI found (set ECSIM_BIN or build with cargo)")
        pytest.skip("no ecsim CLI built (cargo build, or set ECSIM_BIN)")
    return exe


@pytest.fixture
def scenario_path():
    return lambda name: os.path.join(SCENARIOS, name)
