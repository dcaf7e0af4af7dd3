"""The booking desk `/desk/bookings` (issue 16, item 8): staff look a booking up by its code
or by the holder's id and day, and check it in for someone. The page is a shell rendered
here; static/js/desk.js asks the API (`GET /api/v1/bookings/lookup`, `POST
/api/v1/bookings/check-in`) with the browser's session and the page's CSRF token, as the
counter terminal does, and says each answer in words."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from ..domain.booking import CODE_ALPHABET, CODE_LENGTH, PROVINCES
from ..extensions import db_session
from ..models import Site, User
from ..services import bookings, staff
from ..services.clock import utcnow
from .common import site_id_arg

bp = Blueprint("desk", __name__)


@bp.get("/desk/bookings")
@login_required
def bookings_desk() -> str:
    """The desk's page: staff of any role (a kiosk account gets 403, as at the reprint)."""
    user: User = current_user._get_current_object()
    actor = staff.actor_for(user)
    if not actor.is_staff:
        abort(403)  # a kiosk device account checks in at its own screen only
    site_id = site_id_arg()
    session = db_session()
    site = session.get(Site, site_id)
    if site is None:
        abort(404)
    book = bookings.rules_of(session, site)
    return render_template(
        "desk_bookings.html",
        user=user,
        site_name=site.name,
        holder_kind=book.holder_kind,
        # The day a holder's bookings are looked up for unless the clerk picks another: the
        # hall's today, not the server's nor the desk PC's.
        today=book.today(utcnow()).isoformat(),
        # Back to work: the counter terminal for whoever has a counter, the overview for
        # supervisors and admins.
        has_counters=bool(actor.counter_ids) or actor.oversees_hall,
        oversees=actor.oversees_hall,
        config={
            "site": site_id,
            "timezone": book.zone.key,
            "today": book.today(utcnow()).isoformat(),
            "holder_kind": book.holder_kind,
            "code_length": CODE_LENGTH,
            "alphabet": CODE_ALPHABET,
            # The NIK's province codes, checked here before the server is asked (live.js).
            "provinces": sorted(PROVINCES),
        },
    )
