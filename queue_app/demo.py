"""The demo hall: services named after those of Jakarta's public service malls."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import time

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from .domain.vocabulary import CounterState, Role
from .models import Counter, CounterService, Service, ServiceRequirement, Site, User
from .services import mall, staff


@dataclass(frozen=True)
class DemoService:
    code: str
    name_id: str
    name_en: str
    counters: int
    prior_s: int
    quota: int | None = None


SERVICES = [
    DemoService("A", "Kependudukan & Catatan Sipil", "Population & civil registry", 4, 420),
    DemoService("B", "Paspor (Imigrasi)", "Passports (Immigration)", 4, 600, 300),
    DemoService("C", "Samsat: Pajak Kendaraan", "Vehicle tax (Samsat)", 4, 360),
    DemoService("D", "BPJS Kesehatan", "National health insurance", 3, 480),
    DemoService("E", "BPJS Ketenagakerjaan", "Workers' social security", 3, 540),
    DemoService("F", "Perpajakan (NPWP, SPT)", "Taxes (NPWP, returns)", 3, 420),
    DemoService("G", "Perizinan Usaha & Bangunan", "Business & building permits", 3, 900, 150),
    DemoService("H", "SKCK (Kepolisian)", "Police clearance (SKCK)", 3, 300, 250),
    DemoService("J", "Pertanahan (BPN)", "Land registry (BPN)", 2, 1200, 80),
    DemoService("K", "Perbankan (Bank DKI)", "Banking (Bank DKI)", 2, 300),
]
#: The documents a few demo services ask for (persyaratan): (Indonesian, English, note). The
#: kiosk lists them before issuing; the other services issue at once.
REQUIREMENTS: dict[str, list[tuple[str, str, str]]] = {
    "B": [
        ("KTP elektronik asli", "Original electronic ID card (KTP)", ""),
        ("Kartu Keluarga asli", "Original family card (KK)", ""),
        (
            "Akta kelahiran, ijazah atau buku nikah",
            "Birth certificate, diploma or marriage book",
            "asli, salah satu",
        ),
        ("Paspor lama", "Old passport", "untuk penggantian"),
        ("Bukti pendaftaran online", "Online registration receipt", "M-Paspor"),
    ],
    "C": [
        ("KTP asli pemilik kendaraan", "Owner's original ID card (KTP)", ""),
        ("STNK asli", "Original vehicle registration (STNK)", ""),
        ("BPKB asli", "Original vehicle ownership book (BPKB)", "untuk ganti 5 tahunan"),
    ],
    "H": [
        ("KTP elektronik asli", "Original electronic ID card (KTP)", "dan fotokopi"),
        ("Kartu Keluarga", "Family card (KK)", "fotokopi"),
        ("Akta kelahiran atau ijazah", "Birth certificate or diploma", "fotokopi"),
        ("Pas foto 4×6 latar merah", "Passport photos 4×6, red background", "6 lembar"),
        ("Sidik jari", "Fingerprint card", "dari Polres, bila sudah ada"),
    ],
}
HALL_CAPACITY = 150
ADMIN = ("admin", "admin-loket")
SUPERVISOR = ("supervisor", "supervisor-loket")
CLERK_PASSWORD = "petugas-loket"
#: The first clerk stands for all of them: the demo gives every clerk the same password, and
#: checking each (scrypt) would make `make run` wait a second per ten clerks.
FIRST_CLERK = "petugas01"


def add_counters(
    session: Session,
    site: Site,
    services: Sequence[Service],
    how_many: Callable[[DemoService], int],
) -> list[Counter]:
    """The demo's counters, numbered from 1: `how_many(spec)` for each service of `SERVICES`
    (in order, `services` matching them), each serving its own service first and helping the
    next one when its own queue is empty. A label names both services in that order, so the
    clerk and the supervisor read what the counter serves. All start closed. Flushes."""
    counters: list[Counter] = []
    for index, (spec, service) in enumerate(zip(SERVICES, services, strict=True)):
        helper = services[(index + 1) % len(services)]
        serves = " · ".join(s.name_id for s in dict.fromkeys((service, helper)))
        for _ in range(how_many(spec)):
            number = len(counters) + 1
            counter = Counter(
                site_id=site.id,
                zone_id=service.zone_id,
                number=number,
                label=f"Loket {number} — {serves}",
                state=CounterState.CLOSED.value,
                regular_streak=0,
            )
            counter.links = [
                CounterService(service_id=service.id, rank=0),
                CounterService(service_id=helper.id, rank=1),
            ]
            session.add(counter)
            counters.append(counter)
    session.flush()
    return counters


def seed_demo(session: Session, timezone: str = "Asia/Jakarta") -> list[str] | None:
    """Create the demo hall in an empty database and return sign-in lines; None if not empty."""
    if session.scalars(select(Service.id).limit(1)).first() is not None:
        return None
    site = Site(
        name="Mal Pelayanan Publik DKI Jakarta",
        timezone=timezone,
        # Open around the clock (equal times), so the demo can be tried at any hour; a real
        # hall sets its hours, e.g. 08:00–16:00, and kiosks then show "closed" outside them.
        opens_at=time(0, 0),
        closes_at=time(0, 0),
        hall_capacity=HALL_CAPACITY,
        priority_ratio=2,
        seq=0,
    )
    session.add(site)
    session.flush()
    services = []
    zone, agency = mall.home(session, site)
    for position, spec in enumerate(SERVICES):
        service = Service(
            site_id=site.id,
            zone_id=zone.id,
            agency_id=agency.id,
            code=spec.code,
            name_id=spec.name_id,
            name_en=spec.name_en,
            daily_quota=spec.quota,
            is_open=True,
            prior_service_s=spec.prior_s,
            position=position,
        )
        session.add(service)
        services.append(service)
    session.flush()
    for service in services:
        for position, (name_id, name_en, note) in enumerate(REQUIREMENTS.get(service.code, [])):
            session.add(
                ServiceRequirement(
                    service_id=service.id,
                    position=position,
                    name_id=name_id,
                    name_en=name_en,
                    note=note,
                )
            )
    session.flush()
    number = len(add_counters(session, site, services, lambda spec: spec.counters))
    staff.create_user(session, *ADMIN, Role.ADMIN)
    staff.create_user(session, *SUPERVISOR, Role.SUPERVISOR)
    for n in range(1, number + 1):
        staff.create_user(session, f"petugas{n:02d}", CLERK_PASSWORD, Role.CLERK, [n])
    return [
        f"Demo hall '{site.name}': {len(services)} services, {number} counters, "
        f"hall capacity {HALL_CAPACITY}.",
        f"Sign in as admin:      {ADMIN[0]} / {ADMIN[1]}",
        f"Sign in as supervisor: {SUPERVISOR[0]} / {SUPERVISOR[1]}",
        f"Clerks: petugas01 … petugas{number:02d} / {CLERK_PASSWORD} "
        "(petugasNN works at counter NN)",
    ]


def demo_passwords_in_use(session: Session) -> list[str]:
    """The demo accounts (admin, supervisor, the first clerk) whose password is still the one
    this file publishes; empty when they were changed or do not exist."""
    known = {ADMIN[0]: ADMIN[1], SUPERVISOR[0]: SUPERVISOR[1], FIRST_CLERK: CLERK_PASSWORD}
    users = session.scalars(select(User).where(User.username.in_(known), User.active)).all()
    found = {u.username for u in users if check_password_hash(u.password_hash, known[u.username])}
    return [name for name in known if name in found]
