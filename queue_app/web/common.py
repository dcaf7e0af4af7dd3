"""Helpers the views of several blueprints share, so that no view module imports another:
the links the app hands out (a ticket's status page, a device's enrolment link) and their QR
codes, where a `next`/`back` argument may lead, and a CSV download (the files themselves are
written in services/csv_export.py)."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote, unquote, urlsplit

import qrcode
import qrcode.image.svg
from flask import Response, current_app, has_request_context, request
from markupsafe import Markup

from ..domain.errors import InvalidInput
from ..extensions import db, db_session
from ..models import Site
from ..realtime import snapshots
from ..realtime.snapshots import HallSnapshot
from .validation import parse_id


def status_url(token: str, site_id: int, snapshot: HallSnapshot | None = None) -> str:
    """The absolute URL of a ticket's phone status page (what its QR code holds): under the
    site's public base URL (admin console), else the PUBLIC_BASE_URL setting, else the address
    this request came to. `snapshot`: the hall's snapshot, whose site row is read already."""
    return f"{status_base(site_id, snapshot)}/t/{token}"


def status_base(site_id: int, snapshot: HallSnapshot | None = None) -> str:
    """The base URL of a site's status pages (see `status_url`), without a trailing slash."""
    site = snapshot.view.site if snapshot is not None else db.session.get(Site, site_id)
    base = (
        (site.public_base_url if site is not None else None)
        or current_app.config.get("PUBLIC_BASE_URL")
        or request.host_url.rstrip("/")
    )
    return base.rstrip("/")


def enrol_url(code: str, site: Site | None) -> str:
    """The enrolment link of a code: under the hall's public address (as ticket QR codes are),
    else PUBLIC_BASE_URL, else the address this request came to (`http://127.0.0.1:8000`
    outside a request: the CLI says so)."""
    base = (
        (site.public_base_url if site is not None else None)
        or current_app.config.get("PUBLIC_BASE_URL")
        or (request.host_url if has_request_context() else "http://127.0.0.1:8000")
    )
    return f"{base.rstrip('/')}/enrol/{code}"


def qr_svg(data: str) -> Markup:
    """A QR code as inline SVG, rendered on the server (no script, no image request)."""
    image = qrcode.make(
        data,
        image_factory=qrcode.image.svg.SvgPathImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=2,
    )
    svg: str = image.to_string(encoding="unicode")
    return Markup(svg)  # our own SVG of a URL we built; nothing user-typed


def daftar_url(
    site_id: int,
    *,
    agency: str | None = None,
    service: str | None = None,
    snapshot: HallSnapshot | None = None,
) -> str:
    """The absolute address of the booking page `/daftar` (what the kiosk shows an applicant
    sent to register online, and its QR code holds), under the site's public base URL as a
    ticket's status page is; `?site=` for a hall other than the default one, and the agency
    or service the page starts with (its codes: `?agency=IMI`, `?service=P`). The kiosk's
    script builds the same address from `daftar_url(site_id)` (static/js/kiosk.js)."""
    query = []
    if site_id != snapshots.default_site_id(db_session()):
        query.append(f"site={site_id}")
    if service:
        query.append(f"service={quote(service, safe='')}")
    elif agency:
        query.append(f"agency={quote(agency, safe='')}")
    base = f"{status_base(site_id, snapshot)}/daftar"
    return f"{base}?{'&'.join(query)}" if query else base


def local_path(target: str) -> str | None:
    """`target` when it is a path of this site, else None (then the user goes home).

    Browsers read `//host`, `/\\host` and `/<TAB>/host` (Werkzeug and browsers drop TAB,
    CR and LF) as another host, so anything holding a backslash, a control or space character
    (raw or percent-encoded), a scheme or a host is refused, as is anything not starting with
    exactly one `/`. (A CR/LF in a Location header would otherwise fail the response after
    the sign-in was recorded.)"""
    decoded = unquote(target)
    for value in (target, decoded):
        if "\\" in value or any(unicodedata.category(ch)[0] in "CZ" for ch in value):
            return None
        if not value.startswith("/") or value.startswith("//"):
            return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def csv_response(text: str, filename: str, *, bom: bool = False) -> Response:
    """A CSV download in UTF-8; `bom` for people opening it in a spreadsheet (which then reads
    it as UTF-8), not for programs."""
    return Response(
        ("\ufeff" if bom else "") + text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def id_arg(name: str) -> int | None:
    """An optional id in the query string (`?zone=`, `?agency=`): None when absent; a
    malformed one is 422 (`invalid_input`), as for `?site=`."""
    raw = request.args.get(name)
    if raw is None:
        return None
    found = parse_id(raw)
    if found is None:
        raise InvalidInput(f"'{name}' must be an id", field=name)
    return found


def site_id_arg() -> int:
    """The hall `?site=<id>` names, the default hall without it. One rule for the API and every
    page: a malformed id is 422 (`invalid_input`); an unknown one is 404 where the hall is read
    (which costs no statement here: the API's reads come from the kept snapshot)."""
    raw = request.args.get("site")
    if raw is None:
        return snapshots.default_site_id(db_session())
    site_id = parse_id(raw)
    if site_id is None:
        raise InvalidInput("'site' must be a site id", field="site")
    return site_id
