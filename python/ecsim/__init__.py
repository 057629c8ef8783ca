"""ecsim from Python: scenarios in, tables out.

    import ecsim
    s = ecsim.load("scenarios/quickstart.toml")
    s.services["web"].desired_count = 12
    r = ecsim.run(s, seed=1)
    r.summary["cost"]["total_cost_usd"], r.tasks.to_pandas()

The simulator is the ecsim Rust library; this package only carries
scenarios to it and its results back. See docs/python.md.
"""

from ._api import Result, Runs, catalog, import_export, plan, price, run, sweep
from ._ecsim import __version__
from ._errors import EcsimError, InputError, Note
from ._scenario import Scenario, load

__all__ = [
    "EcsimError",
    "InputError",
    "Note",
    "Result",
    "Runs",
    "Scenario",
    "catalog",
    "import_export",
    "load",
    "plan",
    "price",
    "run",
    "sweep",
    "__version__",
]
