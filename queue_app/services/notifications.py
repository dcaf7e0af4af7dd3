"""The notifications outbox: the messages a change of the queue sends its holders, written in
the change's own transaction (a rollback sends nothing, a commit always sends).

The ticket verbs (services/tickets.py, decorated `@notifying`) hand their events here before
they return; this module flushes and never commits. Delivery is queue_app/notify/, which reads
the outbox after the commit. Nothing here decrypts a number: a `Contact` arrives sealed.
"""

from __future__ import annotations

import functools
import uuid
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Concatenate, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ..domain import notify
from ..domain.errors import InvalidInput, NotFound
from ..domain.events import DomainEvent, TicketChanged
from ..domain.notify import Kind
from ..domain.numbering import site_zone
from ..domain.states import Action
from ..models import (
    Booking,
    BookingContact,
    BookingSession,
    Notification,
    NotificationSettings,
    Service,
    Site,
    Ticket,
    TicketContact,
)
from . import audit
from .clock import utcnow
from .hall import QUEUED_STATES

P = ParamSpec("P")
R = TypeVar("R", bound=tuple[object, list[DomainEvent]])

#: Engines whose app has notifications on (notify.init_app): elsewhere the verbs cost not a
#: single statement more. Keyed by engine, so two apps of one process (tests) never mix.
_ENABLED: weakref.WeakSet[Engine] = weakref.WeakSet()


def switch_on(engine: Engine) -> None:
    """Write the outbox for changes made through `engine`."""
    _ENABLED.add(engine)


def outbox_on(session: Session) -> bool:
    """Whether changes made in `session` write the outbox."""
    bind = session.get_bind()
    return isinstance(bind, Engine) and bind in _ENABLED


@dataclass(frozen=True, repr=False)
class Contact:
    """The number a holder gave, sealed (notify/crypto.py): the token, its keyed hash (one
    recipient's messages keep their order by it), the language of the texts, and the base
    URL of the status page. Its repr hides the token."""

    sealed: str = field(repr=False)
    recipient_key: str = field(repr=False)
    lang: str
    link_base: str

    def __repr__(self) -> str:
        return f"Contact(lang={self.lang!r}, recipient=<hidden>)"


def attach(session: Session, ticket: Ticket, contact: Contact) -> None:
    """Keep a new ticket's contact (issue_ticket calls it when one was given)."""
    if not outbox_on(session):
        return
    session.add(
        TicketContact(
            ticket_id=ticket.id,
            site_id=ticket.site_id,
            service_day=ticket.service_day,
            recipient=contact.sealed,
            recipient_key=contact.recipient_key,
            lang=contact.lang if contact.lang in notify.LANGS else "id",
            link=f"{contact.link_base.rstrip('/')}/t/{ticket.token}",
            almost_sent=False,
        )
    )
    session.flush()


def notifying(
    verb: Callable[Concatenate[Session, P], R],
) -> Callable[Concatenate[Session, P], R]:
    """A ticket verb that writes the messages its events cause into the outbox, in its own
    transaction, before it returns."""

    @functools.wraps(verb)
    def wrapper(session: Session, /, *args: P.args, **kwargs: P.kwargs) -> R:
        result = verb(session, *args, **kwargs)
        if outbox_on(session):
            enqueue(session, result[1])
        return result

    return wrapper


#: The action of a ticket that sends a message, and the kind it sends.
_SENDS = {
    Action.ISSUE: Kind.ISSUED,
    Action.ADMIT: Kind.ADMITTED,
    Action.CALL: Kind.CALLED,
    Action.NO_SHOW: Kind.NO_SHOW,
}
#: Actions that move a queue forward (someone ahead leaves it): `ticket.almost` is checked.
_MOVES = {Action.CALL, Action.CANCEL, Action.TRANSFER, Action.NO_SHOW}


def policy(session: Session, site_id: int) -> notify.Policy:
    """What the site sends and in which words (its NotificationSettings, else the defaults)."""
    row = session.get(NotificationSettings, site_id)
    if row is None:
        return notify.DEFAULT_POLICY
    return notify.Policy.from_stored(row.almost_ahead, row.kinds or {})


def enqueue(session: Session, events: Sequence[DomainEvent]) -> list[Notification]:
    """Write the outbox rows `events` cause, for the tickets that have a contact: issued,
    admitted (not when admitted at issue), called (with the counter), no-show, and
    `ticket.almost` once a ticket has the site's N (default 5) or fewer ahead in its service;
    each only when its site sends that kind, in the site's words."""
    changes = [e for e in events if isinstance(e, TicketChanged)]
    if not changes:
        return []
    policies: dict[int, notify.Policy] = {}

    def policy_of(site_id: int) -> notify.Policy:
        if site_id not in policies:
            policies[site_id] = policy(session, site_id)
        return policies[site_id]

    issued_now = {e.ticket_id for e in changes if e.action == Action.ISSUE}
    sending = [
        e
        for e in changes
        if e.action in _SENDS and not (e.action == Action.ADMIT and e.ticket_id in issued_now)
    ]
    written: list[Notification] = []
    contacts = _contacts(session, {e.ticket_id for e in sending})
    for change in sending:
        contact = contacts.get(change.ticket_id)
        if contact is None:
            continue
        ticket = session.get(Ticket, change.ticket_id)
        assert ticket is not None  # tickets are never deleted
        rules = policy_of(ticket.site_id)
        if change.action == Action.ISSUE:
            # Already this close to the counter at issue: the issue's text is the warning.
            contact.almost_sent = _ahead(session, ticket, rules.almost_ahead) <= rules.almost_ahead
        kind = _SENDS[change.action]
        if rules.sends(kind):
            written.append(
                _write(session, kind, ticket, contact, change.counter_number, None, rules)
            )
    moved = {(e.site_id, e.service_id) for e in changes if e.action in _MOVES}
    for site_id, service_id in sorted(moved):
        rules = policy_of(site_id)
        if rules.sends(Kind.ALMOST):
            written.extend(_almost(session, service_id, rules))
    session.flush()
    return written


def _contacts(session: Session, ticket_ids: set[int]) -> dict[int, TicketContact]:
    if not ticket_ids:
        return {}
    rows = session.scalars(select(TicketContact).where(TicketContact.ticket_id.in_(ticket_ids)))
    return {row.ticket_id: row for row in rows}


def _ahead(session: Session, ticket: Ticket, almost_ahead: int) -> int:
    """Tickets before `ticket` in its service's queue (front first, then by queue time: the
    call rules may serve a priority ticket first, so this is what a holder may expect), or
    `almost_ahead` + 1 when more than that are."""
    ids = list(
        session.scalars(
            select(Ticket.id)
            .where(Ticket.service_id == ticket.service_id, Ticket.state.in_(QUEUED_STATES))
            .order_by(Ticket.front.desc(), Ticket.queue_at, Ticket.id)
            .limit(almost_ahead + 2)
        )
    )
    return ids.index(ticket.id) if ticket.id in ids else almost_ahead + 1


def _almost(session: Session, service_id: int, rules: notify.Policy) -> list[Notification]:
    """`ticket.almost` for the queued tickets of a service with a contact that now have the
    site's N or fewer ahead and were not told yet."""
    first = list(
        session.scalars(
            select(Ticket)
            .where(Ticket.service_id == service_id, Ticket.state.in_(QUEUED_STATES))
            .order_by(Ticket.front.desc(), Ticket.queue_at, Ticket.id)
            .limit(rules.almost_ahead + 1)
        )
    )
    contacts = _contacts(session, {t.id for t in first})
    written = []
    for ahead, ticket in enumerate(first):
        contact = contacts.get(ticket.id)
        if contact is None or contact.almost_sent:
            continue
        contact.almost_sent = True
        written.append(_write(session, Kind.ALMOST, ticket, contact, None, ahead, rules))
    return written


def _write(
    session: Session,
    kind: Kind,
    ticket: Ticket,
    contact: TicketContact,
    counter: int | None,
    ahead: int | None,
    rules: notify.Policy,
) -> Notification:
    service = session.get(Service, ticket.service_id)
    site = session.get(Site, ticket.site_id)
    assert service is not None and site is not None  # never deleted
    lang = contact.lang
    values = {
        "code": ticket.code,
        "service": service.name_en if lang == "en" else service.name_id,
        "site": site.name,
        "link": contact.link,
        "counter": counter if counter is not None else "",
        "ahead": ahead if ahead is not None else "",
    }
    return _queue(
        session,
        kind,
        contact,
        notify.render(kind, lang, values, rules),
        utcnow(),
        site_id=ticket.site_id,
        ticket_id=ticket.id,
        ticket_code=ticket.code,
        service_code=service.code,
        counter_number=counter,
        service_day=ticket.service_day,
    )


def _queue(
    session: Session,
    kind: Kind,
    contact: TicketContact | BookingContact,
    text: str,
    now: datetime,
    **about: object,
) -> Notification:
    """One new message of the outbox to `contact`, due at once; `about`: what it is of (the
    ticket's or the booking's columns)."""
    row = Notification(
        id=uuid.uuid4().hex,
        event=kind.value,
        recipient=contact.recipient,
        recipient_key=contact.recipient_key,
        lang=contact.lang,
        text=text,
        created_at=now,
        state=notify.State.QUEUED.value,
        tries=0,
        next_try_at=now,
        **about,
    )
    session.add(row)
    return row


# -- online bookings (issue 16): confirmed at once, reminded the evening before and an hour
# before their session -----------------------------------------------------------------------


def attach_booking(session: Session, booking: Booking, contact: Contact) -> list[Notification]:
    """Keep a new booking's contact (the booking verb's caller gives it when the holder gave a
    number) and write its `booking.confirmed`, in the booking's own transaction."""
    if not outbox_on(session):
        return []
    row = BookingContact(
        booking_id=booking.id,
        site_id=booking.site_id,
        day=booking.day,
        recipient=contact.sealed,
        recipient_key=contact.recipient_key,
        lang=contact.lang if contact.lang in notify.LANGS else "id",
        link=f"{contact.link_base.rstrip('/')}/b/{booking.token}",
        reminders=0,
    )
    session.add(row)
    session.flush()
    rules = policy(session, booking.site_id)
    if not rules.sends(Kind.BOOKING_CONFIRMED):
        return []
    written = [_write_booking(session, Kind.BOOKING_CONFIRMED, booking, row, rules)]
    session.flush()
    return written


def _session_words(place: BookingSession, zone: ZoneInfo) -> str:
    """A session as the texts say it: "08.00–09.00" (the hall's local time)."""
    return f"{place.starts_at.astimezone(zone):%H.%M}–{place.ends_at.astimezone(zone):%H.%M}"


def _write_booking(
    session: Session,
    kind: Kind,
    booking: Booking,
    contact: BookingContact,
    rules: notify.Policy,
    now: datetime | None = None,
) -> Notification:
    service = session.get(Service, booking.service_id)
    site = session.get(Site, booking.site_id)
    place = session.get(BookingSession, booking.session_id)
    assert service is not None and site is not None and place is not None  # never deleted
    lang = contact.lang
    hours = _session_words(place, site_zone(site.timezone))
    values = {
        "code": booking.code,
        "service": service.name_en if lang == "en" else service.name_id,
        "site": site.name,
        "link": contact.link,
        "date": f"{booking.day:%d-%m-%Y}",
        "session": hours,
    }
    return _queue(
        session,
        kind,
        contact,
        notify.render(kind, lang, values, rules),
        now or utcnow(),
        site_id=booking.site_id,
        booking_id=booking.id,
        booking_code=booking.code,
        booking_session=hours,
        service_code=service.code,
        service_day=booking.day,
    )


def write_reminders(session: Session, now: datetime) -> list[Notification]:
    """The booking reminders due by `now` (domain.notify.reminder_due), for booked bookings
    with a contact whose session starts within a day and a half; each written once (the
    contact remembers the last one). The delivery worker calls it every round. Flushes."""
    rows = session.execute(
        select(BookingContact, Booking, BookingSession)
        .join(Booking, Booking.id == BookingContact.booking_id)
        .join(BookingSession, BookingSession.id == Booking.session_id)
        .where(
            Booking.state == "booked",
            BookingContact.reminders < 2,
            BookingSession.starts_at > now,
            BookingSession.starts_at <= now + timedelta(hours=36),
        )
        .order_by(BookingSession.starts_at, Booking.id)
    ).all()
    written: list[Notification] = []
    policies: dict[int, notify.Policy] = {}
    zones: dict[int, ZoneInfo] = {}
    for contact, booking, place in rows:
        if booking.site_id not in zones:
            site = session.get(Site, booking.site_id)
            assert site is not None
            zones[booking.site_id] = site_zone(site.timezone)
            policies[booking.site_id] = policy(session, booking.site_id)
        evening = datetime.combine(
            booking.day - timedelta(days=1),
            time(notify.REMINDER_EVENING_HOUR),
            tzinfo=zones[booking.site_id],
        )
        due = notify.reminder_due(
            place.starts_at, evening, booking.created_at, now, contact.reminders
        )
        if due is None:
            continue
        contact.reminders = due
        rules = policies[booking.site_id]
        if rules.sends(Kind.BOOKING_REMINDER):
            written.append(
                _write_booking(session, Kind.BOOKING_REMINDER, booking, contact, rules, now)
            )
    session.flush()
    return written


@dataclass(frozen=True)
class Purged:
    """What `purge_contacts` removed: numbers of tickets, and recipients of messages."""

    contacts: int
    messages: int


def purge_contacts(
    session: Session, today: date, default_days: int, every_site_days: int | None = None
) -> Purged:
    """Delete the numbers of tickets whose service day ended more than the retention period
    ago, and the recipients of their messages (sent, dead or still queued: a queued one then
    dies undelivered). The period is each site's own (NotificationSettings.retention_days),
    else `default_days`; `every_site_days`, when given, is every site's (the operator's
    `purge-contacts --days`). Tickets, messages and their counts stay for the statistics."""
    own: dict[int, int] = {}
    if every_site_days is None:
        own = {
            site_id: days
            for site_id, days in session.execute(
                select(NotificationSettings.site_id, NotificationSettings.retention_days).where(
                    NotificationSettings.retention_days.is_not(None)
                )
            )
            if days is not None
        }
    fallback = default_days if every_site_days is None else every_site_days
    contacts = messages = 0
    # One pass per distinct period: the sites that keep numbers that long, then the rest.
    periods: dict[int, list[int]] = {}
    for site_id, days in own.items():
        periods.setdefault(days, []).append(site_id)
    for days, site_ids in [*sorted(periods.items()), (fallback, None)]:
        before = today - timedelta(days=days)

        def of_these_sites(column: Any, ids: list[int] | None = site_ids) -> Any:
            """The halls of this pass: those keeping numbers `days` long, or all the others."""
            return column.in_(ids) if ids is not None else column.not_in(list(own))

        for contact, day_column in (
            (TicketContact, TicketContact.service_day),
            (BookingContact, BookingContact.day),
        ):
            contacts += _count(
                session.execute(
                    delete(contact).where(day_column < before, of_these_sites(contact.site_id))
                )
            )
        messages += _count(
            session.execute(
                update(Notification)
                .where(
                    Notification.service_day < before,
                    Notification.recipient.is_not(None),
                    of_these_sites(Notification.site_id),
                )
                .values(recipient=None, recipient_key=None)
            )
        )
    session.execute(
        update(Notification)
        .where(Notification.recipient.is_(None), Notification.state.in_(notify.PENDING))
        .values(state=notify.State.DEAD.value, last_error="number purged before delivery")
    )
    session.flush()
    return Purged(contacts, messages)


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


# -- the delivery log (admin console) ---------------------------------------------------------

#: The most messages the delivery log lists (newest first); the counts cover all of them.
LOG_ROWS = 200


@dataclass(frozen=True)
class DeliveryLog:
    """How a site's messages stand: how many in each state, and the latest ones."""

    counts: dict[str, int]
    messages: list[Notification]


def delivery_log(session: Session, site_id: int) -> DeliveryLog:
    """The site's outbox for the admin console (two queries). The number each message goes to
    is not read: the console never shows it."""
    counts = {state.value: 0 for state in notify.State}
    for state, n in session.execute(
        select(Notification.state, func.count(Notification.seq))
        .where(Notification.site_id == site_id)
        .group_by(Notification.state)
    ):
        counts[state] = int(n)
    messages = list(
        session.scalars(
            select(Notification)
            .where(Notification.site_id == site_id)
            .order_by(Notification.seq.desc())
            .limit(LOG_ROWS)
        )
    )
    return DeliveryLog(counts, messages)


def resend(session: Session, site_id: int, message_seq: int, user_id: int) -> Notification:
    """Queue a dead message again, with the same id (the receiver de-duplicates on it), and
    audit it. NotFound for a message of another site; InvalidInput when it is not dead, or its
    number was purged."""
    message = session.get(Notification, message_seq, with_for_update=True)
    if message is None or message.site_id != site_id:
        raise NotFound(f"no message {message_seq}")
    if message.state != notify.State.DEAD.value:
        raise InvalidInput("only a message that gave up (dead) can be sent again")
    if message.recipient is None:
        raise InvalidInput("the number of this message was deleted (retention): it cannot be sent")
    now = utcnow()
    message.state = notify.State.QUEUED.value
    message.tries = 0
    message.next_try_at = now
    audit.record_change(
        session,
        site_id=site_id,
        user_id=user_id,
        entity=audit.NOTIFICATION,
        entity_id=message.seq,
        action="resend",
        changes={"event": message.event, "ticket": message.ticket_code},
        at=now,
    )
    session.flush()
    return message


def dead_on(session: Session, site_id: int, day: date) -> int:
    """Messages of a service day that gave up (the supervisors' overview alerts on them)."""
    return int(
        session.scalar(
            select(func.count(Notification.seq)).where(
                Notification.site_id == site_id,
                Notification.service_day == day,
                Notification.state == notify.State.DEAD.value,
            )
        )
        or 0
    )
