"""The public booking page `/daftar` (issue 16, item 9): agency → service → date → session →
holder id → booking, Indonesian first, for a phone. The page is a small shell: what it needs
to start (the services one may book, with their documents to bring; the bookable days;
whether booking is open, or when it opens) is in its config, read from the kept hall snapshot
and the site's booking settings; the sessions and the booking itself go through the JSON API
(static/js/daftar.js). `/b/<token>/qr.svg` is the booking's QR as an image for that page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, render_template
from sqlalchemy import select

from ..domain import booking as rules
from ..domain.booking import ChannelPolicy
from ..extensions import db_session
from ..models import Agency, Service, Site
from ..realtime import snapshots
from ..security import BOOKING_READ_PER_ADDRESS, rate_limited
from ..services import bookings
from ..services.clock import utcnow
from .common import qr_svg, site_id_arg

bp = Blueprint("daftar", __name__)


def bookable_services(site_id: int) -> list[dict[str, Any]]:
    """The services one may book online (channel policy `online` or `both`), as the kept
    snapshot shows them (code, names, agency, zone, documents to bring), in display order."""
    session = db_session()
    online = {
        service.id
        for service, agency in session.execute(
            select(Service, Agency)
            .join(Agency, Agency.id == Service.agency_id)
            .where(Service.site_id == site_id)
        )
        if bookings.policy_of(service, agency) is not ChannelPolicy.WALK_IN
    }
    snapshot = snapshots.current(session, site_id)
    return [
        {
            "id": s["id"],
            "code": s["code"],
            "name": s["name"],
            "name_en": s["name_en"],
            "agency": s["agency"],
            "zone": s["zone"],
            "requirements": s["requirements"],
        }
        for s in snapshot.services
        if s["id"] in online
    ]


def takes_bookings(site_id: int) -> bool:
    """Whether any service of the site takes online bookings (the kiosk then offers
    "Sudah daftar online?")."""
    return any(
        bookings.policy_of(service, agency) is not ChannelPolicy.WALK_IN
        for service, agency in db_session().execute(
            select(Service, Agency)
            .join(Agency, Agency.id == Service.agency_id)
            .where(Service.site_id == site_id)
        )
    )


@bp.get("/daftar")
def daftar() -> str:
    """The booking page (`?site=`, `?lang=en`)."""
    site_id = site_id_arg()
    session = db_session()
    site = session.get(Site, site_id)
    if site is None:
        abort(404)
    book = bookings.rules_of(session, site)
    now = utcnow()
    days = rules.bookable_days(book.today(now), book.days_ahead, book.working_days, book.closed)
    opening = bookings.opens_at(book, now)
    services = bookable_services(site_id)
    agencies: dict[int, dict[str, Any]] = {}
    for s in services:
        agencies.setdefault(s["agency"]["id"], s["agency"])
    names_en = {
        a.id: a.name_en for a in session.scalars(select(Agency).where(Agency.site_id == site_id))
    }
    return render_template(
        "daftar.html",
        site_name=site.name,
        config={
            "site": site_id,
            "timezone": book.zone.key,
            "holder_kind": book.holder_kind,
            "open": opening is not None and opening <= now,
            "opens_at": opening.isoformat() if opening is not None else None,
            "days": [d.isoformat() for d in days],
            "agencies": [
                {**a, "name_en": names_en.get(a["id"]) or a["name"]} for a in agencies.values()
            ],
            "services": services,
            "provinces": sorted(rules.PROVINCES),
        },
    )


@bp.get("/b/<token>/qr.svg")
@rate_limited(BOOKING_READ_PER_ADDRESS)
def booking_qr(token: str) -> Response:
    """The booking's QR (of its token, what the kiosk's scanner sends), as the status page
    shows it; 404 for an unknown token."""
    bookings.by_token(db_session(), token)
    response = Response(str(qr_svg(token)), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
