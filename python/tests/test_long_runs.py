"""Long runs release the GIL, report progress and stop on Ctrl-C."""

import os
import signal
import threading

import pytest

import ecsim

QUICKSTART = os.path.join(os.path.dirname(__file__), "..", "..", "scenarios", "quickstart.toml")


def long_scenario():
    # About 2 s in a debug build: long enough for several progress polls.
    s = ecsim.load(QUICKSTART)
    s.duration = "21d"
    return s


def test_other_threads_run_while_a_run_works(monkeypatch):
    counter = {"n": 0, "stop": False}

    def count():
        while not counter["stop"]:
            counter["n"] += 1

    seen = []
    real_bar = ecsim._api._Bar.__call__

    def spy(self, reached, end):
        seen.append((counter["n"], reached, end))
        real_bar(self, reached, end)

    monkeypatch.setattr(ecsim._api._Bar, "__call__", spy)
    t = threading.Thread(target=count)
    t.start()
    try:
        r = ecsim.run(long_scenario(), progress=False)
    finally:
        counter["stop"] = True
        t.join()
    assert r.summary["sim_duration_s"] == 21 * 86400
    assert len(seen) >= 2, "the run reports progress while it works"
    # Python code ran between two polls: the GIL was released.
    assert seen[-1][0] > seen[0][0]
    # Progress goes forward towards the run's end.
    assert seen[-1][1] >= seen[0][1] and seen[-1][2] == 21 * 86400 * 1000


def test_ctrl_c_stops_a_run_and_the_next_run_works():
    s = long_scenario()
    s.duration = "300d"
    timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            ecsim.run(s, progress=False)
    finally:
        timer.cancel()
    s.duration = "1h"
    assert ecsim.run(s, progress=False).summary["sim_duration_s"] == 3600


@pytest.mark.parametrize("limit", [0, "0s"])
def test_a_wall_clock_limit_gives_a_partial_result(limit):
    r = ecsim.run(long_scenario(), max_wall=limit, progress=False)
    assert r.summary["partial"] is True
    assert r.summary["sim_duration_s"] == 0
