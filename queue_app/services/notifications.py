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
from datetime import date, timedelta
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ..domain import notify
from ..domain.errors import InvalidInput, NotFound
from ..domain.events import DomainEvent, TicketChanged
from ..domain.notify import Kind
from ..domain.states import Action
from ..models import Notification, Service, Site, Ticket, TicketContact
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


def enqueue(session: Session, events: Sequence[DomainEvent]) -> list[Notification]:
    """Write the outbox rows `events` cause, for the tickets that have a contact: issued,
    admitted (not when admitted at issue), called (with the counter), no-show, and
    `ticket.almost` once a ticket has ALMOST_AHEAD or fewer ahead in its service."""
    changes = [e for e in events if isinstance(e, TicketChanged)]
    if not changes:
        return []
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
        if change.action == Action.ISSUE:
            # Already this close to the counter at issue: the issue's text is the warning.
            contact.almost_sent = _ahead(session, ticket) <= notify.ALMOST_AHEAD
        written.append(
            _write(session, _SENDS[change.action], ticket, contact, change.counter_number, None)
        )
    moved = {e.service_id for e in changes if e.action in _MOVES}
    for service_id in sorted(moved):
        written.extend(_almost(session, service_id))
    session.flush()
    return written


def _contacts(session: Session, ticket_ids: set[int]) -> dict[int, TicketContact]:
    if not ticket_ids:
        return {}
    rows = session.scalars(select(TicketContact).where(TicketContact.ticket_id.in_(ticket_ids)))
    return {row.ticket_id: row for row in rows}


def _ahead(session: Session, ticket: Ticket) -> int:
    """Tickets before `ticket` in its service's queue (front first, then by queue time: the
    call rules may serve a priority ticket first, so this is what a holder may expect)."""
    ids = list(
        session.scalars(
            select(Ticket.id)
            .where(Ticket.service_id == ticket.service_id, Ticket.state.in_(QUEUED_STATES))
            .order_by(Ticket.front.desc(), Ticket.queue_at, Ticket.id)
            .limit(notify.ALMOST_AHEAD + 2)
        )
    )
    return ids.index(ticket.id) if ticket.id in ids else notify.ALMOST_AHEAD + 1


def _almost(session: Session, service_id: int) -> list[Notification]:
    """`ticket.almost` for the queued tickets of a service with a contact that now have
    ALMOST_AHEAD or fewer ahead and were not told yet."""
    first = list(
        session.scalars(
            select(Ticket)
            .where(Ticket.service_id == service_id, Ticket.state.in_(QUEUED_STATES))
            .order_by(Ticket.front.desc(), Ticket.queue_at, Ticket.id)
            .limit(notify.ALMOST_AHEAD + 1)
        )
    )
    contacts = _contacts(session, {t.id for t in first})
    written = []
    for ahead, ticket in enumerate(first):
        contact = contacts.get(ticket.id)
        if contact is None or contact.almost_sent:
            continue
        contact.almost_sent = True
        written.append(_write(session, Kind.ALMOST, ticket, contact, None, ahead))
    return written


def _write(
    session: Session,
    kind: Kind,
    ticket: Ticket,
    contact: TicketContact,
    counter: int | None,
    ahead: int | None,
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
    now = utcnow()
    row = Notification(
        id=uuid.uuid4().hex,
        site_id=ticket.site_id,
        event=kind.value,
        recipient=contact.recipient,
        recipient_key=contact.recipient_key,
        lang=lang,
        text=notify.render(kind, lang, values),
        ticket_id=ticket.id,
        ticket_code=ticket.code,
        service_code=service.code,
        counter_number=counter,
        service_day=ticket.service_day,
        created_at=now,
        state=notify.State.QUEUED.value,
        tries=0,
        next_try_at=now,
    )
    session.add(row)
    return row


@dataclass(frozen=True)
class Purged:
    """What `purge_contacts` removed: numbers of tickets, and recipients of messages."""

    contacts: int
    messages: int


def purge_contacts(session: Session, today: date, retention_days: int) -> Purged:
    """Delete the numbers of tickets whose service day ended more than `retention_days` ago,
    and the recipients of their messages (sent, dead or still queued: a queued one then dies
    undelivered). Tickets, messages and their counts stay for the statistics."""
    before = today - timedelta(days=retention_days)
    contacts = _count(
        session.execute(delete(TicketContact).where(TicketContact.service_day < before))
    )
    messages = _count(
        session.execute(
            update(Notification)
            .where(Notification.service_day < before, Notification.recipient.is_not(None))
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
