"""What the admin console's routes share: the shape of an id in a route. Who may open a page
is web/guards.py (`admin_page`, `overseer_page`)."""

from __future__ import annotations

from ..validation import MAX_ID

#: An id in a route (`ID % 'service_id'`): beyond what the database holds is simply 404.
ID = f"<int(max={MAX_ID}):%s>"
