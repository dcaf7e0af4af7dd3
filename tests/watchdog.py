"""A bound on a test set-up step that may hang, which fails it with where it hung.

pytest-timeout (300 s) says only "Timeout" on the short summary line and dumps the other
threads' stacks, not the one that hung: a CI run that hung at the first browser test's set-up
told nothing of where. `bounded` fails the step sooner, naming the step and the line it was
waiting on, and `twice` gives a step a second chance when its first try hung.
"""

from __future__ import annotations

import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TypeVar

_T = TypeVar("_T")


class StepHung(Exception):
    """A bounded step ran past its bound."""


def _where(frame: FrameType | None) -> str:
    """The innermost frames, the last first: `file:line function` each."""
    stack = traceback.extract_stack(frame)[-4:]
    return " < ".join(f"{f.filename.rsplit('/', 2)[-1]}:{f.lineno} {f.name}" for f in stack[::-1])


@contextmanager
def bounded(step: str, seconds: float) -> Iterator[None]:
    """Raise StepHung in this (the main) thread when the block runs past `seconds`. SIGUSR1,
    sent to the main thread itself, carries the interrupt: it also breaks a blocking system
    call, and pytest-timeout's SIGALRM keeps its own timer. Outside the main thread, the block
    runs unbounded."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    state = {"running": True}
    started = time.monotonic()

    def interrupted(signum: int, frame: FrameType | None) -> None:
        if state["running"]:
            state["running"] = False
            stack = "".join(traceback.format_stack(frame))
            raise StepHung(
                f"{step} hung for {time.monotonic() - started:.0f} s at {_where(frame)}\n{stack}"
            )

    previous = signal.signal(signal.SIGUSR1, interrupted)
    main = threading.main_thread().ident
    assert main is not None
    timer = threading.Timer(seconds, signal.pthread_kill, args=(main, signal.SIGUSR1))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        state["running"] = False
        timer.cancel()
        signal.signal(signal.SIGUSR1, previous)


def twice(step: str, seconds: float, attempt: Callable[[], _T]) -> _T:
    """`attempt()` bounded by `seconds`; when it hangs, once more (what the first try left
    behind is the attempt's own to clean up: its `finally` runs as StepHung passes)."""
    try:
        with bounded(step, seconds):
            return attempt()
    except StepHung as hung:
        print(f"watchdog: {str(hung).splitlines()[0]}; trying once more", flush=True)
    with bounded(f"{step} (second try)", seconds):
        return attempt()
