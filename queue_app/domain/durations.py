"""Durations of one ticket, derived from its event log only.

wait = first call − issue; walk = start − last call before the start;
service = finish − start, or finish − last call when the clerk finished without starting.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from .states import Action


@dataclass(frozen=True)
class LoggedEvent:
    """One row of the event log, as far as durations care."""

    action: Action
    at: datetime


@dataclass(frozen=True)
class Durations:
    """Seconds, or None where the ticket never got that far."""

    wait_s: float | None
    walk_s: float | None
    service_s: float | None


def durations(events: Iterable[LoggedEvent]) -> Durations:
    """Compute wait, walk and service time from a ticket's events (in log order)."""
    issued_at: datetime | None = None
    first_call: datetime | None = None
    last_call: datetime | None = None
    call_before_start: datetime | None = None
    started: datetime | None = None
    finished: datetime | None = None
    for event in events:
        if event.action is Action.ISSUE:
            issued_at = event.at
        elif event.action in (Action.CALL, Action.RECALL):
            first_call = first_call or event.at
            last_call = event.at
        elif event.action is Action.START:
            started = event.at
            call_before_start = last_call
        elif event.action is Action.FINISH:
            finished = event.at
        elif event.action in (Action.REQUEUE, Action.TRANSFER, Action.REINSTATE):
            # A new round at a counter: the service clock restarts with the next call.
            last_call = started = call_before_start = None
    wait = _seconds(issued_at, first_call)
    walk = _seconds(call_before_start, started)
    service_from = started or last_call
    service = _seconds(service_from, finished)
    return Durations(wait, walk, service)


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return (end - start).total_seconds()
