"""What an admin verb leaves to broadcast after the caller's commit, and the diff of a change."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...domain.events import DomainEvent
from ..hall import Hall


@dataclass(frozen=True)
class ConfigChanged:
    """The hall's set-up changed (a service, a counter or the site's settings): boards, kiosks
    and counter terminals take a fresh look at it (realtime.broadcast.publish_config)."""

    site_id: int
    seq: int
    what: str


@dataclass
class Applied:
    """What an admin verb leaves to broadcast after the commit: queue news (a counter's new
    state, tickets admitted under a raised cap) and whether the set-up changed."""

    events: list[DomainEvent] = field(default_factory=list)
    config: ConfigChanged | None = None


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Field → [before, after] for the fields that changed."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def config_changed(hall: Hall, what: str) -> ConfigChanged:
    """The set-up news of a change to `what` (an audit entity), under the hall's next `seq`."""
    return ConfigChanged(site_id=hall.site.id, seq=hall.next_seq(), what=what)
