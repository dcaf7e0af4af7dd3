"""Admin console verbs: services, counters, staff accounts and the site's settings.

Each verb checks the rules a form cannot (unique codes and numbers, known services, a counter
free before it closes, an admin who would lock themselves out), changes the rows, writes one
`AdminChange` per change — field → [before, after], never a password — flushes and returns what
to broadcast after the caller's commit. Hall set-up changes take the hall's lock like every
queue mutation and advance its `seq`, so screens order them among the queue's news.

Nothing is ever deleted: a service or counter is closed, a staff account deactivated.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..domain.errors import InvalidInput, NotFound
from ..domain.events import DomainEvent
from ..domain.numbering import is_valid_service_code, site_zone
from ..domain.vocabulary import CounterState, Role
from ..models import AdminChange, Counter, CounterService, Service, Site, Ticket, User
from . import sessions
from .clock import utcnow
from .hall import Hall, require_counter_free
from .holders import KINDS as HOLDER_KINDS
from .passwords import MIN_PASSWORD, hash_password
from .staff import create_user

#: What `AdminChange.entity` names.
SERVICE, COUNTER, USER, SITE, SESSION = "service", "counter", "user", "site", "session"


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


@dataclass(frozen=True)
class ServiceValues:
    """A service as the admin console edits it."""

    code: str
    name_id: str
    name_en: str
    daily_quota: int | None
    prior_service_s: int
    is_open: bool
    closes_early: bool
    #: Place on kiosks and boards (lower first); None = after the others.
    position: int | None


@dataclass(frozen=True)
class CounterValues:
    """A counter as the admin console edits it; `service_codes` in preference order."""

    number: int
    label: str
    service_codes: tuple[str, ...]
    state: CounterState


@dataclass(frozen=True)
class SiteValues:
    """The hall's settings."""

    name: str
    timezone: str
    opens_at: time
    closes_at: time
    hall_capacity: int | None
    priority_ratio: int
    recall_limit: int | None
    no_show_after_s: int
    wait_alert_min: int
    public_base_url: str | None
    #: What the kiosk asks for to allow one ticket per person (services.holders.KINDS), or None.
    holder_id_kind: str | None = None


# -- recording ------------------------------------------------------------------------------


def record_change(
    session: Session,
    *,
    site_id: int | None,
    user_id: int | None,
    entity: str,
    entity_id: int | None,
    action: str,
    changes: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AdminChange:
    """Append one row to the admin audit trail (in the caller's transaction)."""
    row = AdminChange(
        site_id=site_id,
        at=at or utcnow(),
        user_id=user_id,
        entity=entity,
        entity_id=entity_id,
        action=action,
        changes=changes or None,
    )
    session.add(row)
    return row


def record_sign_in(session: Session, user: User) -> None:
    """A staff sign-in (failed ones: services.staff.record_failed_sign_in)."""
    record_change(
        session,
        site_id=None,
        user_id=user.id,
        entity=SESSION,
        entity_id=user.id,
        action="sign_in",
    )
    session.flush()


def record_sign_out(
    session: Session, user_id: int, *, everywhere: dict[str, int] | None = None
) -> None:
    """A staff sign-out; `everywhere`: it ended every session and API token of the user (how
    many of each)."""
    record_change(
        session,
        site_id=None,
        user_id=user_id,
        entity=SESSION,
        entity_id=user_id,
        action="sign_out" if everywhere is None else "sign_out_everywhere",
        changes=everywhere,
    )
    session.flush()


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Field → [before, after] for the fields that changed."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def _config(hall: Hall, what: str) -> ConfigChanged:
    return ConfigChanged(site_id=hall.site.id, seq=hall.next_seq(), what=what)


# -- services -------------------------------------------------------------------------------


def _service_fields(service: Service) -> dict[str, Any]:
    return {
        "code": service.code,
        "name_id": service.name_id,
        "name_en": service.name_en,
        "daily_quota": service.daily_quota,
        "prior_service_s": service.prior_service_s,
        "is_open": service.is_open,
        "closes_early": service.closes_early,
        "position": service.position,
    }


def _check_service(session: Session, site_id: int, values: ServiceValues, own: int | None) -> None:
    if not is_valid_service_code(values.code):
        raise InvalidInput(
            "a service code is one to three capital letters", field="code", reason="code_format"
        )
    clash = session.scalar(
        select(Service.id).where(Service.site_id == site_id, Service.code == values.code)
    )
    if clash is not None and clash != own:
        raise InvalidInput(
            f"another service already has the code {values.code}", field="code", reason="code_taken"
        )
    if values.daily_quota is not None and values.daily_quota < 0:
        raise InvalidInput(
            "the daily quota cannot be negative", field="daily_quota", reason="range"
        )
    if values.prior_service_s <= 0:
        raise InvalidInput(
            "the service time must be positive", field="prior_service_s", reason="range"
        )
    if not values.name_id.strip() or not values.name_en.strip():
        raise InvalidInput("a service needs both names", field="name_id", reason="required")


def create_service(
    session: Session, site_id: int, user_id: int, values: ServiceValues
) -> tuple[Service, Applied]:
    """Add a service to the hall (it appears on kiosks and boards at once)."""
    hall = Hall.lock(session, site_id)
    _check_service(session, site_id, values, None)
    position = values.position
    if position is None:
        last = session.scalar(select(func.max(Service.position)).where(Service.site_id == site_id))
        position = 0 if last is None else last + 1
    service = Service(
        site_id=site_id,
        code=values.code,
        name_id=values.name_id.strip(),
        name_en=values.name_en.strip(),
        daily_quota=values.daily_quota,
        prior_service_s=values.prior_service_s,
        is_open=values.is_open,
        closes_early=values.closes_early,
        position=position,
    )
    session.add(service)
    session.flush()
    record_change(
        session,
        site_id=site_id,
        user_id=user_id,
        entity=SERVICE,
        entity_id=service.id,
        action="create",
        changes=_service_fields(service),
        at=hall.now,
    )
    session.flush()
    return service, Applied(config=_config(hall, SERVICE))


def update_service(
    session: Session, service_id: int, user_id: int, values: ServiceValues
) -> tuple[Service, Applied]:
    """Change a service. Its code is fixed once it has issued a ticket (tickets carry it)."""
    service = _service(session, service_id)
    hall = Hall.lock(session, service.site_id)
    service = _service(session, service_id)
    _check_service(session, service.site_id, values, service.id)
    if values.code != service.code and session.scalar(
        select(Ticket.id).where(Ticket.issued_service_id == service.id).limit(1)
    ):
        raise InvalidInput(
            f"service {service.code} has issued tickets: its code is printed on them and "
            "cannot change",
            field="code",
            reason="code_fixed",
        )
    before = _service_fields(service)
    service.code = values.code
    service.name_id = values.name_id.strip()
    service.name_en = values.name_en.strip()
    service.daily_quota = values.daily_quota
    service.prior_service_s = values.prior_service_s
    service.is_open = values.is_open
    service.closes_early = values.closes_early
    if values.position is not None:
        service.position = values.position
    changes = _diff(before, _service_fields(service))
    if not changes:
        return service, Applied()
    record_change(
        session,
        site_id=service.site_id,
        user_id=user_id,
        entity=SERVICE,
        entity_id=service.id,
        action="update",
        changes=changes,
        at=hall.now,
    )
    session.flush()
    return service, Applied(config=_config(hall, SERVICE))


def move_service(
    session: Session, service_id: int, user_id: int, offset: int
) -> tuple[Service, Applied]:
    """Move a service one place earlier (`offset` −1) or later (+1) on kiosks and boards;
    the hall's services are renumbered 0, 1, 2 … in their new order."""
    service = _service(session, service_id)
    hall = Hall.lock(session, service.site_id)
    ordered = list(
        session.scalars(
            select(Service)
            .where(Service.site_id == service.site_id)
            .order_by(Service.position, Service.code)
        )
    )
    index = next(i for i, s in enumerate(ordered) if s.id == service_id)
    target = index + (1 if offset > 0 else -1)
    if not 0 <= target < len(ordered):
        return ordered[index], Applied()
    before = [s.code for s in ordered]
    ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, each in enumerate(ordered):
        each.position = position
    record_change(
        session,
        site_id=service.site_id,
        user_id=user_id,
        entity=SERVICE,
        entity_id=service_id,
        action="reorder",
        changes={"order": [before, [s.code for s in ordered]]},
        at=hall.now,
    )
    session.flush()
    return ordered[target], Applied(config=_config(hall, SERVICE))


def _service(session: Session, service_id: int) -> Service:
    service = session.get(Service, service_id)
    if service is None:
        raise NotFound(f"no service {service_id}")
    return service


# -- counters -------------------------------------------------------------------------------


def _counter_fields(counter: Counter, codes: dict[int, str]) -> dict[str, Any]:
    return {
        "number": counter.number,
        "label": counter.label,
        "services": [codes.get(link.service_id, "?") for link in counter.links],
        "state": counter.state,
    }


def _service_ids(session: Session, site_id: int, wanted: Iterable[str]) -> list[int]:
    """The ids of these service codes in this hall, in the order given."""
    codes = list(wanted)
    if not codes:
        raise InvalidInput(
            "a counter serves at least one service", field="services", reason="services_missing"
        )
    if len(set(codes)) != len(codes):
        raise InvalidInput(
            "each service may be listed once", field="services", reason="services_repeated"
        )
    known = {
        code: sid
        for code, sid in session.execute(
            select(Service.code, Service.id).where(Service.site_id == site_id)
        )
    }
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise InvalidInput(
            f"no service with the code {', '.join(unknown)}",
            field="services",
            reason="services_unknown",
            codes=", ".join(unknown),
        )
    return [known[code] for code in codes]


def _site_codes(session: Session, site_id: int) -> dict[int, str]:
    return {
        sid: code
        for sid, code in session.execute(
            select(Service.id, Service.code).where(Service.site_id == site_id)
        )
    }


def _check_number(session: Session, site_id: int, number: int, own: int | None) -> None:
    if number <= 0:
        raise InvalidInput("counter numbers start at 1", field="number", reason="range")
    clash = session.scalar(
        select(Counter.id).where(Counter.site_id == site_id, Counter.number == number)
    )
    if clash is not None and clash != own:
        raise InvalidInput(
            f"counter {number} already exists", field="number", reason="number_taken"
        )


def create_counter(
    session: Session, site_id: int, user_id: int, values: CounterValues
) -> tuple[Counter, Applied]:
    """Add a counter to the hall."""
    hall = Hall.lock(session, site_id)
    _check_number(session, site_id, values.number, None)
    service_ids = _service_ids(session, site_id, values.service_codes)
    counter = Counter(
        site_id=site_id,
        number=values.number,
        label=values.label.strip() or f"Loket {values.number}",
        state=values.state.value,
        regular_streak=0,
    )
    counter.links = [CounterService(service_id=sid, rank=i) for i, sid in enumerate(service_ids)]
    session.add(counter)
    session.flush()
    record_change(
        session,
        site_id=site_id,
        user_id=user_id,
        entity=COUNTER,
        entity_id=counter.id,
        action="create",
        changes=_counter_fields(counter, _site_codes(session, site_id)),
        at=hall.now,
    )
    session.flush()
    return counter, Applied(config=_config(hall, COUNTER))


def update_counter(
    session: Session, counter_id: int, user_id: int, values: CounterValues
) -> tuple[Counter, Applied]:
    """Change a counter: number, label, services in preference order, state. Closing needs
    it free of called and serving tickets, as at the terminal."""
    site_id = _counter(session, counter_id).site_id
    hall = Hall.lock(session, site_id)
    counter = _counter(session, counter_id)
    codes = _site_codes(session, site_id)
    before = _counter_fields(counter, codes)
    _check_number(session, site_id, values.number, counter.id)
    service_ids = _service_ids(session, site_id, values.service_codes)
    if values.state is CounterState.CLOSED and counter.state != CounterState.CLOSED.value:
        require_counter_free(session, counter)
    counter.number = values.number
    counter.label = values.label.strip() or f"Loket {values.number}"
    links = {link.service_id: link for link in counter.links}
    kept = []
    for rank, sid in enumerate(service_ids):
        link = links.get(sid) or CounterService(counter_id=counter.id, service_id=sid)
        link.rank = rank
        kept.append(link)
    counter.links = kept
    state_changed = counter.state != values.state.value
    counter.state = values.state.value
    if values.state is CounterState.CLOSED:
        counter.staff_id = None
    session.flush()
    session.refresh(counter, ["links"])
    changes = _diff(before, _counter_fields(counter, codes))
    if not changes:
        return counter, Applied()
    applied = Applied()
    if state_changed:
        hall.record_counter(counter, user_id)
    if set(changes) - {"state"}:
        applied.config = _config(hall, COUNTER)
    record_change(
        session,
        site_id=site_id,
        user_id=user_id,
        entity=COUNTER,
        entity_id=counter.id,
        action="update",
        changes=changes,
        at=hall.now,
    )
    session.flush()
    applied.events = hall.events
    return counter, applied


def _counter(session: Session, counter_id: int) -> Counter:
    counter = session.get(Counter, counter_id)
    if counter is None:
        raise NotFound(f"no counter {counter_id}")
    return counter


# -- staff ----------------------------------------------------------------------------------


def _user_fields(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "role": user.role,
        "counters": sorted(c.number for c in user.counters),
        "active": user.active,
    }


def _counters(session: Session, counter_ids: Iterable[int]) -> list[Counter]:
    ids = sorted(set(counter_ids))
    counters = list(session.scalars(select(Counter).where(Counter.id.in_(ids))))
    if len(counters) != len(ids):
        raise InvalidInput("no such counter", field="counters", reason="counters_unknown")
    return sorted(counters, key=lambda c: (c.site_id, c.number))


def _role(name: str) -> Role:
    try:
        return Role(name)
    except ValueError as exc:
        raise InvalidInput(f"no role {name!r}", field="role", reason="role_unknown") from exc


def create_staff(
    session: Session,
    user_id: int,
    username: str,
    password: str,
    role: str,
    counter_ids: Iterable[int],
) -> User:
    """Add a staff account allowed at these counters."""
    username = username.strip()
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise InvalidInput(
            f"the username {username!r} is taken", field="username", reason="username_taken"
        )
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(
            f"a password has at least {MIN_PASSWORD} characters",
            field="password",
            reason="password_short",
        )
    counters = _counters(session, counter_ids)
    user = create_user(session, username, password, _role(role))
    user.counters = counters
    session.flush()
    record_change(
        session,
        site_id=None,
        user_id=user_id,
        entity=USER,
        entity_id=user.id,
        action="create",
        changes=_user_fields(user),
    )
    session.flush()
    return user


def update_staff(
    session: Session, user_id: int, target_id: int, role: str, counter_ids: Iterable[int]
) -> User:
    """Change a staff member's role and the counters they may use. A role change ends every
    session and API token of the user (what they may do changed: they sign in again); a
    change of counters takes effect at their next request. An admin cannot take their own
    admin role away (someone must be left to manage the hall)."""
    user = _user(session, target_id)
    new_role = _role(role)
    if user.id == user_id and new_role is not Role.ADMIN:
        raise InvalidInput(
            "you cannot take away your own admin role", field="role", reason="own_role"
        )
    before = _user_fields(user)
    user.role = new_role.value
    user.counters = _counters(session, counter_ids)
    changes: dict[str, Any] = _diff(before, _user_fields(user))
    if "role" in changes:
        # What the user may do changed under their feet: they sign in again.
        changes.update(sessions.end_everything(session, user.id, sessions.ROLE_CHANGED))
    if changes:
        record_change(
            session,
            site_id=None,
            user_id=user_id,
            entity=USER,
            entity_id=user.id,
            action="update",
            changes=changes,
        )
    session.flush()
    return user


def set_staff_active(session: Session, user_id: int, target_id: int, active: bool) -> User:
    """Activate or deactivate an account. A deactivated account cannot sign in, and every
    session and API token of it ends for good: reactivation revives none of them."""
    user = _user(session, target_id)
    if user.id == user_id and not active:
        raise InvalidInput(
            "you cannot deactivate your own account", field="active", reason="own_account"
        )
    if user.active == active:
        return user
    user.active = active
    changes: dict[str, Any] = {"active": [not active, active]}
    if not active:
        changes.update(sessions.end_everything(session, user.id, sessions.DEACTIVATED))
    record_change(
        session,
        site_id=None,
        user_id=user_id,
        entity=USER,
        entity_id=user.id,
        action="activate" if active else "deactivate",
        changes=changes,
    )
    session.flush()
    return user


def reset_password(session: Session, user_id: int, target_id: int, password: str) -> User:
    """Give an account a new password; every session and API token of it ends. The audit
    trail records that it happened, never the password."""
    user = _user(session, target_id)
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(
            f"a password has at least {MIN_PASSWORD} characters",
            field="password",
            reason="password_short",
        )
    user.password_hash = hash_password(password)
    record_change(
        session,
        site_id=None,
        user_id=user_id,
        entity=USER,
        entity_id=user.id,
        action="reset_password",
        changes=sessions.end_everything(session, user.id, sessions.PASSWORD_RESET),
    )
    session.flush()
    return user


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user


# -- the site -------------------------------------------------------------------------------


def _site_fields(site: Site) -> dict[str, Any]:
    return {
        "name": site.name,
        "timezone": site.timezone,
        "opens_at": site.opens_at.strftime("%H:%M"),
        "closes_at": site.closes_at.strftime("%H:%M"),
        "hall_capacity": site.hall_capacity,
        "priority_ratio": site.priority_ratio,
        "recall_limit": site.recall_limit,
        "no_show_after_s": site.no_show_after_s,
        "wait_alert_min": site.wait_alert_min,
        "public_base_url": site.public_base_url,
        "holder_id_kind": site.holder_id_kind,
    }


def normalise_base_url(raw: str | None) -> str | None:
    """An absolute http(s) address without query or fragment, no trailing slash; None for
    blank. `InvalidInput` for anything else."""
    text = (raw or "").strip()
    if not text:
        return None
    parts = urlsplit(text)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.query
        or parts.fragment
        or parts.username is not None
        or any(ch.isspace() for ch in text)
        or len(text) > 255
    ):
        raise InvalidInput(
            "give an address like https://antrean.example.go.id (http or https, no query)",
            field="public_base_url",
            reason="base_url",
        )
    try:
        parts.port  # noqa: B018  # raises ValueError for a bad port
    except ValueError as exc:
        raise InvalidInput(
            "the address has an invalid port", field="public_base_url", reason="base_url"
        ) from exc
    return text.rstrip("/")


def update_site(
    session: Session, site_id: int, user_id: int, values: SiteValues
) -> tuple[Site, Applied]:
    """Change the hall's settings. A raised hall cap lets people waiting outside in at once."""
    hall = Hall.lock(session, site_id)
    site = hall.site
    try:
        site_zone(values.timezone)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field="timezone", reason="timezone") from exc
    checks = [
        (values.hall_capacity is not None and values.hall_capacity < 0, "hall_capacity"),
        (values.priority_ratio < 0, "priority_ratio"),
        (values.recall_limit is not None and values.recall_limit < 0, "recall_limit"),
        (values.no_show_after_s < 0, "no_show_after_s"),
        (values.wait_alert_min <= 0, "wait_alert_min"),
    ]
    for bad, name in checks:
        if bad:
            raise InvalidInput(f"{name} is out of range", field=name, reason="range")
    if not values.name.strip():
        raise InvalidInput("the hall needs a name", field="name", reason="required")
    if values.holder_id_kind not in (None, *HOLDER_KINDS):
        raise InvalidInput("no such holder id", field="holder_id_kind", reason="choice")
    before = _site_fields(site)
    site.name = values.name.strip()
    site.timezone = values.timezone
    site.opens_at = values.opens_at
    site.closes_at = values.closes_at
    site.hall_capacity = values.hall_capacity
    site.priority_ratio = values.priority_ratio
    site.recall_limit = values.recall_limit
    site.no_show_after_s = values.no_show_after_s
    site.wait_alert_min = values.wait_alert_min
    site.public_base_url = normalise_base_url(values.public_base_url)
    site.holder_id_kind = values.holder_id_kind
    changes = _diff(before, _site_fields(site))
    if not changes:
        return site, Applied()
    session.flush()
    hall.admit()
    record_change(
        session,
        site_id=site.id,
        user_id=user_id,
        entity=SITE,
        entity_id=site.id,
        action="update",
        changes=changes,
        at=hall.now,
    )
    session.flush()
    return site, Applied(events=hall.events, config=_config(hall, SITE))
