"""What an admin verb leaves to broadcast after the caller's commit, and the diff of a change."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...domain.events import ConfigChanged, DomainEvent
from ..hall import Hall


@dataclass
class Applied:
    """What an admin verb leaves to broadcast after the commit: its events (a counter's new
    state, tickets admitted under a raised cap, `ConfigChanged` when the set-up changed)."""

    events: list[DomainEvent] = field(default_factory=list)


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Field → [before, after] for the fields that changed."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def config_changed(hall: Hall, what: str) -> list[DomainEvent]:
    """Record the set-up news of a change to `what` (an audit entity) under the hall's next
    `seq`, among the hall's events; returns them."""
    hall.stamp(ConfigChanged(site_id=hall.site.id, seq=0, what=what))
    return hall.events
