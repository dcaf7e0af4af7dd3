"""The simulated hall: the demo mall (`demo.seed_demo`'s zones, agencies, services and counters),
scaled to the scenario."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from .. import demo
from ..domain.access import Actor
from ..domain.vocabulary import Role
from ..models import Service, Site, User
from ..services.passwords import hash_password
from ..services.staff import actor_for
from .scenario import SUPERVISOR, Scenario


@dataclass(frozen=True)
class SimHall:
    """Ids of what `build_hall` created."""

    site_id: int
    service_ids: dict[str, int]
    #: Counter id → its clerk, who signs in there.
    clerks: dict[int, Actor]
    supervisor: Actor


def build_hall(session: Session, scenario: Scenario) -> SimHall:
    """The demo mall as `demo.seed_demo` builds it (its three floors' zones at 50 % of their
    rooms, its agencies with their walk-in policy and daily cap, the services of
    `demo.SERVICES` in their zones, the counters of each room), scaled to the scenario, with
    one clerk per counter and a supervisor. Flushes; the caller commits."""
    scale = scenario.scale
    site = Site(
        name="Mal Pelayanan Publik DKI Jakarta (simulated)",
        timezone=scenario.timezone,
        opens_at=scenario.opens_at,
        closes_at=scenario.closes_at,
        hall_capacity=max(10, round(demo.HALL_CAPACITY * scale)),
        priority_ratio=scenario.priority_ratio,
        # The mall's grace before a no-show may be marked (60 s in `seed_demo`): the scenario's
        # clerks recall after `no_show_wait_s` (60 s) and mark the no-show that long after the
        # recall, so no mark comes too early.
        no_show_after_s=round(scenario.no_show_wait_s),
        seq=0,
    )
    session.add(site)
    session.flush()
    services = []
    zones, agencies = demo.add_mall(session, site, scale)
    for position, spec in enumerate(demo.SERVICES):
        service = Service(
            site_id=site.id,
            zone_id=zones[spec.floor].id,
            agency_id=agencies[spec.agency].id,
            code=spec.code,
            name_id=spec.name_id,
            name_en=spec.name_en,
            daily_quota=None if spec.quota is None else max(1, round(spec.quota * scale)),
            is_open=True,
            prior_service_s=spec.prior_s,
            position=position,
            closes_early=scenario.early_close,
        )
        session.add(service)
        services.append(service)
    session.flush()
    # One scrypt hash for everyone (each takes ~0.1 s): the supervisor's password works, so the
    # kept database can be opened in the reports page; clerks are never signed in by password.
    password_hash = hash_password(SUPERVISOR[1])
    now = datetime.combine(scenario.day, time(7), tzinfo=ZoneInfo(scenario.timezone))
    supervisor = User(
        username=SUPERVISOR[0],
        password_hash=password_hash,
        role=Role.SUPERVISOR.value,
        active=True,
        created_at=now,
        counters=[],
    )
    session.add(supervisor)
    clerks: dict[int, User] = {}
    counters = demo.add_counters(
        session, site, services, lambda spec: max(1, round(spec.counters * scale))
    )
    for counter in counters:
        clerk = User(
            username=f"petugas{counter.number:02d}",
            password_hash=password_hash,
            role=Role.CLERK.value,
            active=True,
            created_at=now,
            counters=[counter],
        )
        session.add(clerk)
        clerks[counter.id] = clerk
    session.flush()
    return SimHall(
        site_id=site.id,
        service_ids={s.code: s.id for s in services},
        clerks={cid: actor_for(user) for cid, user in clerks.items()},
        supervisor=actor_for(supervisor),
    )
