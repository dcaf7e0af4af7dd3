"""The set-up watchdog (tests/watchdog.py): a hung step fails soon, naming where it waited."""

from __future__ import annotations

import socket
import time

import pytest

from .watchdog import StepHung, bounded, twice


def test_a_step_blocked_in_a_system_call_fails_at_its_bound_naming_the_line() -> None:
    left, right = socket.socketpair()
    with left, right:
        started = time.monotonic()
        with pytest.raises(StepHung) as hung, bounded("reading nothing", 0.5):
            left.recv(1)  # nothing is ever sent
    assert time.monotonic() - started < 5
    first = str(hung.value).splitlines()[0]
    assert first.startswith("reading nothing hung for")
    assert "test_watchdog.py" in first and "left.recv" not in first  # a file:line, not code


def test_a_step_that_hangs_once_gets_a_second_try_and_a_quick_one_no_signal() -> None:
    tries: list[float] = []

    def attempt() -> str:
        tries.append(time.monotonic())
        if len(tries) == 1:
            time.sleep(30)
        return "up"

    assert twice("starting", 0.5, attempt) == "up"
    assert len(tries) == 2 and tries[1] - tries[0] < 5
    with bounded("quick", 0.2):
        pass
    time.sleep(0.5)  # a timer left running would interrupt this sleep
