"""Online registration's read model (issue 16): a service day's availability, built once per
committed booking change and shared by every reader of this process, the way the hall's
snapshots are (snapshots.py). The crowd that opens /daftar at 06:00 polls
`GET /api/v1/booking/availability`; none of them recomputes it.

What it is made of, per process:
- **The service's rules** (site, service, booking settings and closed days, walk-in policy),
  per (site, service id or code): read once, kept `RULES_MAX_AGE_S`, dropped at once when
  this process commits a change to any of those tables.
- **The day's places** (each session's id, start, end, places and taken), per (service, day):
  one indexed statement (services.bookings.day_places) makes it. Kept while it is *fresh*:
  no booking change of that day committed in this process since the statement began, and
  checked at most `stale_s` ago. A stale entry is checked again by one reader (the others wait
  for it and share the result); when the rows are unchanged, the same answer is served on.
- **The answer**: the JSON body, made once per (places, open-or-not, opening) and shared.
  Whether booking is open now, and when it opens next, come from the kept rules and the clock,
  with no statement (they change with time, not with bookings).

How it learns of changes (the equivalent of the hall's `seq` check):
- This process's own commits: SQLAlchemy session events note which booking sessions a flush
  touched (a booking, a cancel, an admin's places, a day's cut) and which rule tables; after
  the commit, those entries stop being fresh, so the next read shows the change. A reader
  whose statement began before such a commit never marks its result fresh (a generation per
  entry), so no read started after a booking's 201 can show its place as still free.
- Other processes' commits (several gunicorn processes): the entry's age. A read makes no
  statement for `stale_s` after a check, then checks the rows again: another process's booking
  shows here at most `stale_s` after its commit (`BOOKING_AVAILABILITY_STALE_S`, 1 s by default;
  0 checks on every read, one statement). Another process's change of the rules shows within
  `RULES_MAX_AGE_S`.
- `left` is only ever a hint: a booking locks its session's row and counts there, so a stale
  `left` can make a 409 `session_full`, never an overbooking.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy import inspect as orm_inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import ORMExecuteState, Session

from ..contract import booking as contract
from ..contract import payloads
from ..extensions import READ_ONLY, db
from ..models import Agency, BookingSession, BookingSettings, ClosedDay, Service, Site
from ..services import bookings
from ..services.read import ticket_service

#: Seconds the kept rules of a service serve readers (another process's change of the booking
#: settings, closed days, a service or its agency shows within this).
RULES_MAX_AGE_S = 10.0
#: The default of `BOOKING_AVAILABILITY_STALE_S`: seconds a day's places serve readers after
#: a check (another process's booking shows within this; this process's own at once).
STALE_S = 1.0

#: The tables of a service's rules, and a site's columns that matter to them.
RULE_MODELS = (BookingSettings, ClosedDay, Service, Agency)
SITE_COLUMNS = ("opens_at", "closes_at", "timezone")

DayKey = tuple[int, date]  # (service id, day)


@dataclass(frozen=True)
class ServiceRules:
    """A service's booking rules as the read model keeps them (no ORM rows: they outlive
    the session that read them)."""

    service_id: int
    service: payloads.TicketService
    rules: bookings.Rules
    walk_in: bool
    made_at: float
    generation: int


@dataclass
class DayPlaces:
    """A service day's sessions and their places, as one statement saw them."""

    rows: tuple[bookings.SessionCount, ...]
    checked_at: float
    generation: int
    slots: list[contract.SessionSlot]
    #: (booking open, opens at) → the answer's JSON body, made once each.
    bodies: dict[tuple[bool, str | None], bytes] = field(default_factory=dict)


class AvailabilityCache:
    """This process's availability read model of one app (see the module docstring)."""

    def __init__(self, stale_s: float = STALE_S, rules_max_age_s: float = RULES_MAX_AGE_S) -> None:
        self.stale_s = stale_s
        self.rules_max_age_s = rules_max_age_s
        self._guard = threading.Lock()
        self._rules: dict[tuple[int, int | str], ServiceRules] = {}
        self._rules_generation = 0
        self._days: dict[DayKey, DayPlaces] = {}
        self._day_generation: dict[DayKey, int] = {}
        self._checking: dict[DayKey, threading.Lock] = {}
        self._engine: Engine | None = None
        #: How many times the day's places were read, and how many answers were made from
        #: changed rows (tests check one per change).
        self.checks = 0
        self.builds = 0

    # -- what this process committed --------------------------------------------------------

    def changed(self, days: Iterable[DayKey], rules: bool) -> None:
        """Committed here: these days' places changed (and the rules, when `rules`)."""
        with self._guard:
            for key in days:
                self._day_generation[key] = self._day_generation.get(key, 0) + 1
            if rules:
                self._rules_generation += 1

    def known_days(self) -> list[DayKey]:
        with self._guard:
            return list(self._days)

    # -- reading --------------------------------------------------------------------------

    def rules_of(self, session: Session, site_id: int, ref: int | str) -> ServiceRules:
        """The kept rules of a service (read again when too old or changed here)."""
        key = (site_id, ref.upper() if isinstance(ref, str) else ref)
        kept = self._rules.get(key)
        now = time.monotonic()
        if (
            kept is not None
            and kept.generation == self._rules_generation
            and now - kept.made_at < self.rules_max_age_s
        ):
            return kept
        generation = self._rules_generation
        _, service, book, walk_in = bookings.bookable_service(session, site_id, ref)
        made = ServiceRules(service.id, ticket_service(service), book, walk_in, now, generation)
        self._rules[key] = made
        return made

    def day(self, service_id: int, day: date) -> DayPlaces:
        """A service day's places: the kept ones while fresh, else checked (one statement)
        by one reader while the others wait for it."""
        key = (service_id, day)
        kept = self._days.get(key)
        if kept is not None and self._fresh(key, kept):
            return kept
        with self._check_lock(key):
            kept = self._days.get(key)
            if kept is not None and self._fresh(key, kept):
                return kept  # another reader checked while this one waited
            generation = self._day_generation.get(key, 0)
            began = time.monotonic()
            rows = self._read(lambda session: bookings.day_places(session, service_id, day))
            self.checks += 1
            if kept is not None and kept.rows == rows:
                made = DayPlaces(rows, began, generation, kept.slots, kept.bodies)
            else:
                made = DayPlaces(rows, began, generation, [_slot(row) for row in rows])
                self.builds += 1
            self._days[key] = made
            return made

    def _fresh(self, key: DayKey, kept: DayPlaces) -> bool:
        return (
            kept.generation == self._day_generation.get(key, 0)
            and time.monotonic() - kept.checked_at < self.stale_s
        )

    def _check_lock(self, key: DayKey) -> threading.Lock:
        with self._guard:
            lock = self._checking.get(key)
            if lock is None:
                lock = self._checking[key] = threading.Lock()
            return lock

    def _read(self, reader: Any) -> Any:
        """`reader` in a read-only transaction of its own, begun now (never the request's,
        which may have begun earlier and see an older database)."""
        if self._engine is None:
            self._engine = db.engine.execution_options(**{READ_ONLY: True})
        session = Session(bind=self._engine, expire_on_commit=False)
        try:
            return reader(session)
        finally:
            try:
                session.close()
            except SQLAlchemyError:
                session.invalidate()


def _iso(at: datetime) -> str:
    return at.isoformat()


def _slot(row: bookings.SessionCount) -> contract.SessionSlot:
    session_id, starts_at, ends_at, places, taken = row
    return contract.SessionSlot(
        id=session_id,
        starts_at=_iso(starts_at),
        ends_at=_iso(ends_at),
        capacity=places,
        left=max(0, places - taken),
    )


def body(kept: ServiceRules, day: date, places: DayPlaces | None, now: datetime) -> bytes:
    """The availability answer's JSON body (made once per places, openness and opening)."""
    opening = bookings.opens_at(kept.rules, now)
    is_open = opening is not None and opening <= now
    opens = opening.isoformat() if opening is not None else None
    if places is None:  # walk-ins only: no sessions, never open
        is_open, opens = False, None
    known = places.bodies.get((is_open, opens)) if places is not None else None
    if known is not None:
        return known
    answer = contract.Availability(
        service=kept.service,
        date=day.isoformat(),
        booking_open=is_open,
        opens_at=opens,
        sessions=places.slots if places is not None else [],
    )
    made: bytes = (current_app.json.dumps(answer) + "\n").encode()
    if places is not None:
        if len(places.bodies) > 8:  # the opening moves with the clock while booking is shut
            places.bodies.clear()
        places.bodies[(is_open, opens)] = made
    return made


def cache() -> AvailabilityCache:
    """The availability read model of the current app (made on first use)."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.extensions.get("loket.availability")
    if found is None:
        stale = float(app.config.get("BOOKING_AVAILABILITY_STALE_S", STALE_S))
        found = app.extensions.setdefault("loket.availability", AvailabilityCache(stale))
    assert isinstance(found, AvailabilityCache)
    return found


# -- what a session's flushes changed -------------------------------------------------------

_DAYS = "loket_availability_days"
_RULES = "loket_availability_rules"
_EVERY = "loket_availability_every_day"


def _note_flush(session: Session, _context: Any) -> None:
    days: set[DayKey] | None = None
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, BookingSession):
            if days is None:
                days = session.info.setdefault(_DAYS, set())
            days.add((obj.service_id, obj.day))
        elif isinstance(obj, RULE_MODELS) or (
            isinstance(obj, Site)
            and any(orm_inspect(obj).attrs[name].history.has_changes() for name in SITE_COLUMNS)
        ):
            session.info[_RULES] = True


def _note_bulk(state: ORMExecuteState) -> None:
    """An ORM `update()`/`delete()` of a booking session or a rule table: every entry of this
    process stops being fresh (a bulk statement does not say which days it touched)."""
    if not (state.is_update or state.is_delete) or state.bind_mapper is None:
        return
    if issubclass(state.bind_mapper.class_, (BookingSession, Site, *RULE_MODELS)):
        state.session.info[_RULES] = True
        state.session.info[_EVERY] = True


def _after_commit(session: Session) -> None:
    days = session.info.pop(_DAYS, None)
    rules = session.info.pop(_RULES, False)
    every = session.info.pop(_EVERY, False)
    if not (days or rules) or not has_app_context():
        return
    kept = cache()
    kept.changed(kept.known_days() if every else days or (), rules)


# A rolled-back transaction's notes are left for the session's next commit: they can only make
# an entry checked once more, never kept when it should not be.
_listening = False


def init_app(app: Flask) -> None:
    """Listen to every session's flushes and commits (once per process)."""
    global _listening
    if _listening:
        return
    event.listen(Session, "after_flush", _note_flush)
    event.listen(Session, "do_orm_execute", _note_bulk)
    event.listen(Session, "after_commit", _after_commit)
    _listening = True
