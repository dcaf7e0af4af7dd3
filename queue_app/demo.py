"""The demo hall: a public service mall modelled on Jakarta's Mal Pelayanan Publik as it reopened
in June 2020 (three floors, each room at 50 % of its capacity, about ten agencies, Bank DKI at 50
customers a day, the land office for applicants who registered online), with services named after
those of Jakarta's public service malls. `seed_demo(..., one_hall=True)` seeds the same services
as one hall of one zone and one agency, as Loket was before the mall (`flask seed-demo
--one-hall`; most browser tests use it)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import time

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from .domain.vocabulary import CounterState, Role
from .models import Agency, Counter, CounterService, Service, ServiceRequirement, Site, User, Zone
from .services import mall, staff
from .services.passwords import hash_password


@dataclass(frozen=True)
class DemoZone:
    """A floor's service room: its cap is `room_capacity` × `distancing_pct` ÷ 100."""

    floor: int
    name: str
    room_capacity: int
    distancing_pct: int = 50


@dataclass(frozen=True)
class DemoAgency:
    code: str
    name_id: str
    name_en: str
    colour: str
    walk_in: bool = True
    daily_cap: int | None = None


@dataclass(frozen=True)
class DemoService:
    code: str
    name_id: str
    name_en: str
    counters: int
    prior_s: int
    quota: int | None = None
    #: Its agency (`DemoAgency.code`) and the floor of its zone, in the mall.
    agency: str = ""
    floor: int = 3


#: Consultation on floor 2 and the agencies' units on floor 3, as the 2020 press reported; the
#: police's vehicle and clearance desks and the bank by the entrance on floor 1. Each room at
#: 50 % of its capacity; the building's cap (`HALL_CAPACITY`) is the three rooms' together.
ZONES = (
    DemoZone(1, "Ruang Samsat & Perbankan", 80),
    DemoZone(2, "Ruang Konsultasi", 60),
    DemoZone(3, "Ruang Layanan Instansi", 160),
)
AGENCIES = (
    DemoAgency("DUKCAPIL", "Dukcapil DKI Jakarta", "Population and civil registry", "#1f6f43"),
    DemoAgency("IMIGRASI", "Kantor Imigrasi", "Immigration office", "#17406d"),
    DemoAgency("POLDA", "Polda Metro Jaya", "Jakarta Metropolitan Police", "#6b4a1f"),
    DemoAgency("BPJSKES", "BPJS Kesehatan", "BPJS Health", "#0a7440"),
    DemoAgency("BPJSTK", "BPJS Ketenagakerjaan", "BPJS Employment", "#0b5a9e"),
    DemoAgency("DJP", "Direktorat Jenderal Pajak", "Directorate General of Taxes", "#8a6100"),
    DemoAgency("DPMPTSP", "DPMPTSP DKI Jakarta", "Investment and one-stop permits", "#6f2a80"),
    # The land office serves applicants who registered online first (its own queue app).
    DemoAgency(
        "BPN", "Badan Pertanahan Nasional", "National Land Agency", "#7a4210", walk_in=False
    ),
    DemoAgency("BANKDKI", "Bank DKI", "Bank DKI", "#a8102a", daily_cap=50),
)
SERVICES = [
    DemoService(
        "A",
        "Kependudukan & Catatan Sipil",
        "Population & civil registry",
        4,
        420,
        agency="DUKCAPIL",
        floor=3,
    ),
    DemoService(
        "B", "Paspor (Imigrasi)", "Passports (Immigration)", 4, 600, 300, agency="IMIGRASI", floor=3
    ),
    DemoService(
        "C", "Samsat: Pajak Kendaraan", "Vehicle tax (Samsat)", 4, 360, agency="POLDA", floor=1
    ),
    DemoService(
        "D", "BPJS Kesehatan", "National health insurance", 3, 480, agency="BPJSKES", floor=2
    ),
    DemoService(
        "E", "BPJS Ketenagakerjaan", "Workers' social security", 3, 540, agency="BPJSTK", floor=2
    ),
    DemoService(
        "F", "Perpajakan (NPWP, SPT)", "Taxes (NPWP, returns)", 3, 420, agency="DJP", floor=2
    ),
    DemoService(
        "G",
        "Perizinan Usaha & Bangunan",
        "Business & building permits",
        3,
        900,
        150,
        agency="DPMPTSP",
        floor=3,
    ),
    DemoService(
        "H", "SKCK (Kepolisian)", "Police clearance (SKCK)", 3, 300, 250, agency="POLDA", floor=1
    ),
    DemoService("J", "Pertanahan (BPN)", "Land registry (BPN)", 2, 1200, 80, agency="BPN", floor=3),
    DemoService(
        "K", "Perbankan (Bank DKI)", "Banking (Bank DKI)", 2, 300, agency="BANKDKI", floor=1
    ),
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
HALL_CAPACITY = 150  # = the three rooms' caps: 40 + 30 + 80
ADMIN = ("admin", "admin-loket")
SUPERVISOR = ("supervisor", "supervisor-loket")
CLERK_PASSWORD = "petugas-loket"
#: The first clerk stands for all of them: the demo gives every clerk the same password, and
#: checking each (scrypt) would make `make run` wait a second per ten clerks.
FIRST_CLERK = "petugas01"


def add_mall(
    session: Session, site: Site, scale: float = 1.0
) -> tuple[dict[int, Zone], dict[str, Agency]]:
    """The demo mall's zones (by floor) and agencies (by code) in `site`, room capacities and
    the bank's daily cap scaled by `scale` (the simulated day's). Flushes."""
    zones = {
        z.floor: Zone(
            site_id=site.id,
            name=z.name,
            floor=z.floor,
            room_capacity=max(2, round(z.room_capacity * scale)),
            distancing_pct=z.distancing_pct,
            position=position,
        )
        for position, z in enumerate(ZONES)
    }
    agencies = {
        a.code: Agency(
            site_id=site.id,
            code=a.code,
            name_id=a.name_id,
            name_en=a.name_en,
            colour=a.colour,
            walk_in=a.walk_in,
            daily_cap=None if a.daily_cap is None else max(1, round(a.daily_cap * scale)),
            position=position,
        )
        for position, a in enumerate(AGENCIES)
    }
    session.add_all([*zones.values(), *agencies.values()])
    session.flush()
    return zones, agencies


def add_counters(
    session: Session,
    site: Site,
    services: Sequence[Service],
    how_many: Callable[[DemoService], int],
) -> list[Counter]:
    """The demo's counters, numbered from 1: `how_many(spec)` for each service of `SERVICES`
    (in order, `services` matching them), each serving its own service first and helping the
    next one of its zone (a counter serves the services of the room it stands in) when its own
    queue is empty. A label names both services in that order, so the clerk and the supervisor
    read what the counter serves. All start closed. Flushes.

    The numbers follow `SERVICES`, not the floors (counters 1–8 serve A and B on floor 3, as in
    the one-hall demo): a clerk's account, petugasNN at counter NN, and every example of the
    API keep meaning the same counter in both seeds."""
    counters: list[Counter] = []
    for spec, service in zip(SERVICES, services, strict=True):
        room = [s for s in services if s.zone_id == service.zone_id]
        helper = room[(room.index(service) + 1) % len(room)]
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


def seed_demo(
    session: Session, timezone: str = "Asia/Jakarta", one_hall: bool = False
) -> list[str] | None:
    """Create the demo mall (or, with `one_hall`, the same services as one hall of one zone and
    one agency) in an empty database and return sign-in lines; None if not empty."""
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
        # The mall gives a called applicant a minute to reach the counter before a clerk may
        # mark a no-show (an elderly applicant walking from the far end of the room); the
        # one-hall demo keeps 0, which the tests of immediate no-shows rely on.
        no_show_after_s=0 if one_hall else 60,
        seq=0,
    )
    session.add(site)
    session.flush()
    if one_hall:
        zone, agency = mall.home(session, site)
        place = {spec.code: (zone.id, agency.id) for spec in SERVICES}
    else:
        zones, agencies = add_mall(session, site)
        place = {s.code: (zones[s.floor].id, agencies[s.agency].id) for s in SERVICES}
    services = []
    for position, spec in enumerate(SERVICES):
        service = Service(
            site_id=site.id,
            zone_id=place[spec.code][0],
            agency_id=place[spec.code][1],
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
    # The clerks share the demo's one published password, so one hash serves them all: a
    # scrypt hash per clerk made `make run` (and each browser test's server) wait seconds.
    clerk_hash = hash_password(CLERK_PASSWORD)
    for n in range(1, number + 1):
        staff.create_user(
            session, f"petugas{n:02d}", CLERK_PASSWORD, Role.CLERK, [n], hashed=clerk_hash
        )
    shape = (
        "one hall"
        if one_hall
        else f"{len(ZONES)} floors at 50 % of their rooms, {len(AGENCIES)} agencies"
    )
    return [
        f"Demo hall '{site.name}': {shape}, {len(services)} services, {number} counters, "
        f"building capacity {HALL_CAPACITY}.",
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
