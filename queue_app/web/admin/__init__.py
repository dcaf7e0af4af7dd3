"""The admin console and the supervisors' overview: `/admin`.

Who sees what (checked server-side on every route, `_guards.py`):
- admins: everything — services, counters, staff, the site's settings, devices, the audit trail;
- supervisors: the live hall overview (`/admin`, `/admin/overview`) and the reports;
- anyone else signed in (clerks, and any role without admin rights): 403;
- not signed in: sent to the sign-in page.

One module per entity, each adding its routes to this blueprint: `overview`, `services`,
`counters`, `mall` (zones and agencies), `staff`, `site`, `booking` (online registration),
`devices` and `audit`; `forms`
holds the console's forms and `_chrome` what every page shares (the hall it is about, the
frame, the end of a change).

Every change: form → verb of services/admin/<entity>.py (flush, audit row) → one commit →
news (web/commit.commit_and_publish: its ConfigChanged too) → redirect with a message. Every
read is a service's too: a view parses, calls services, commits once and renders.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

# The pages: each module's routes join `bp` when it is imported.
from . import (  # noqa: E402, F401
    audit,
    booking,
    counters,
    devices,
    mall,
    notifications,
    overview,
    services,
    site,
    staff,
)
