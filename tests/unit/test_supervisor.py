"""The supervisor of `taskflow dev`: real child processes, a clock the test moves."""

from __future__ import annotations

import sys
import time

from taskflow.entrypoints.processes import Child, spawn
from taskflow.entrypoints.supervisor import STABLE_SECONDS, Supervisor

CRASH = [sys.executable, "-c", "import sys; sys.exit(3)"]
STAY = [sys.executable, "-c", "import time; time.sleep(60)"]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _exited(child: Child) -> None:
    deadline = time.monotonic() + 10
    while child.running() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not child.running()


def test_a_child_that_exits_is_restarted_after_a_delay_that_doubles_up_to_thirty_seconds() -> None:
    clock, said = Clock(), list[str]()
    crashing = spawn("worker", CRASH, port=0, url="")
    supervisor = Supervisor([crashing], clock=clock, say=said.append)
    delays = []
    for _ in range(7):
        _exited(crashing)
        supervisor.tick()  # notices the exit, schedules the restart
        first = crashing.process
        clock.now += 0.5
        supervisor.tick()
        assert crashing.process is first  # not yet
        delay = float(said[-1].split("restarting it in ")[1].split(" s")[0])
        delays.append(delay)
        clock.now += delay
        supervisor.tick()
        assert crashing.process is not first  # started again
    assert delays == [1, 2, 4, 8, 16, 30, 30]
    assert said[0] == "taskflow: worker exited (3); restarting it in 1 s (restart 1)"
    assert supervisor.restarts == {"worker": 7}
    _exited(crashing)


def test_a_child_that_stayed_up_starts_its_backoff_again_and_others_are_left_alone() -> None:
    clock, said = Clock(), list[str]()
    crashing, steady = spawn("mail", CRASH, port=0, url=""), spawn("redis", STAY, port=0, url="")
    try:
        supervisor = Supervisor([crashing, steady], clock=clock, say=said.append)
        for _ in range(3):
            _exited(crashing)
            supervisor.tick()
            clock.now += 30
            supervisor.tick()
        assert "in 4 s" in said[-1]
        _exited(crashing)  # its third restart exited too; this time it is replaced by one that stays up
        crashing.process = spawn("mail", STAY, port=0, url="").process
        clock.now += STABLE_SECONDS
        supervisor.tick()  # up for a minute: recovered
        crashing.process.kill()
        _exited(crashing)
        supervisor.tick()
        assert "in 1 s" in said[-1]
        assert steady.running()
        assert supervisor.restarts["redis"] == 0
    finally:
        steady.stop()
        crashing.stop()


def test_a_planned_replacement_is_started_again_at_once_and_is_no_failure() -> None:
    clock, said = Clock(), list[str]()
    api = spawn("API 1", STAY, port=0, url="")
    try:
        supervisor = Supervisor([api], clock=clock, say=said.append)
        first = api.process
        supervisor.replace(api)
        _exited(api)
        assert first.returncode == -15  # asked with SIGTERM, so an API process drains first
        supervisor.tick()
        assert api.running()
        assert api.process is not first  # no backoff: started again on the same tick
        assert said == ["taskflow: API 1 stopped and was started again"]
        assert supervisor.restarts == {"API 1": 0}
        api.process.kill()
        _exited(api)
        supervisor.tick()
        assert "in 1 s" in said[-1]  # a crash after it still starts the backoff from the beginning
    finally:
        api.stop()
