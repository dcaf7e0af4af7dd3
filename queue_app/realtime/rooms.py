"""Every Socket.IO room name, in one place."""

from __future__ import annotations


def board_room(site_id: int) -> str:
    """Lobby boards and kiosks of a site: public news only."""
    return f"board:{site_id}"


def counter_room(counter_id: int) -> str:
    """The terminals signed in at one counter."""
    return f"counter:{counter_id}"


def service_room(service_id: int) -> str:
    """Screens following one service's queue."""
    return f"service:{service_id}"


def ticket_room(token: str) -> str:
    """The phone status pages of one ticket (the holder knows the token; nobody else is told)."""
    return f"ticket:{token}"


def overview_room(site_id: int) -> str:
    """Supervisors' and admins' hall overview pages of a site (staff only)."""
    return f"overview:{site_id}"


def survey_room(counter_id: int) -> str:
    """The survey tablets of one counter: only the finishes there (a ticket's id and public
    code, never its token)."""
    return f"survey:{counter_id}"


def zone_room(zone_id: int) -> str:
    """The boards of one zone (a floor, a room): that zone's public news only (its counters'
    calls, its services' queue figures, its admission line)."""
    return f"zone:{zone_id}"


def entrance_room(site_id: int) -> str:
    """The boards at a building's door: every zone's admission line and room figures."""
    return f"entrance:{site_id}"
