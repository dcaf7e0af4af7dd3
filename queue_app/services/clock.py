"""The one place services read the time (tests freeze it; the busy-day simulation drives it)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

# A per-context source of "now": set only by `driven_by`, so a simulation in one thread never
# moves the clock of requests served by another.
_source: ContextVar[Callable[[], datetime] | None] = ContextVar("loket_clock", default=None)


def utcnow() -> datetime:
    """Now, timezone-aware, in UTC."""
    source = _source.get()
    if source is not None:
        return source()
    return datetime.now(UTC)


@contextmanager
def driven_by(source: Callable[[], datetime]) -> Iterator[None]:
    """Within the block, `utcnow()` in this thread (context) returns `source()`.

    The simulation of a busy day uses it to replay hours in seconds through the real services.
    """
    token = _source.set(source)
    try:
        yield
    finally:
        _source.reset(token)
