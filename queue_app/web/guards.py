"""Who may use a route, in one place: the API's guards (JSON 401/403; a signed-in browser
session must also send the page's CSRF token) and the pages' (people not signed in are sent to
sign in, others get a 403 page). The role rule itself is `domain.access.Actor` and
`domain.vocabulary.OVERSEER_ROLES`."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, current_app, g
from flask_login import current_user, login_required

from ..domain.access import Actor
from ..domain.vocabulary import OVERSEER_ROLES, Role
from ..extensions import csrf
from ..models import User
from ..services import staff
from .errors import ApiError

# -- the API ---------------------------------------------------------------------------------


def staff_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """401 without valid credentials; the view gets the signed-in `Actor`."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            if g.get("bearer_sent"):
                raise ApiError(401, "invalid_token", "the Bearer token is unknown or revoked")
            raise ApiError(
                401, "unauthorized", "sign in or send an API token (Authorization: Bearer …)"
            )
        if not g.get("bearer_sent") and current_app.config.get("WTF_CSRF_ENABLED", True):
            # Signed in by the browser session (the counter terminal): a staff action must
            # also carry the page's CSRF token (header X-CSRFToken), as a form post would.
            csrf.protect()
        user: User = current_user._get_current_object()
        actor = staff.actor_for(user)
        if not actor.is_staff:
            raise ApiError(403, "forbidden", "this account may only issue tickets")
        return view(actor, *args, **kwargs)

    return wrapper


def overseer_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Supervisors and admins only: 401 without credentials, 403 for a clerk."""

    @staff_required
    @wraps(view)
    def wrapper(actor: Actor, *args: Any, **kwargs: Any) -> Any:
        if not actor.oversees_hall:
            raise ApiError(403, "forbidden", "reports are for supervisors and admins")
        return view(*args, **kwargs)

    return wrapper


# -- pages -----------------------------------------------------------------------------------


def _page_guard(roles: frozenset[Role]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Signed-in users whose role is one of `roles`; others get 403 (unknown roles too), and
    people not signed in are sent to sign in."""
    allowed = frozenset(role.value for role in roles)

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if getattr(current_user, "role", None) not in allowed:
                abort(403)
            return view(*args, **kwargs)

        guarded: Callable[..., Any] = login_required(wrapper)
        return guarded

    return decorate


#: Pages for admins only (the console's set-up pages).
admin_page = _page_guard(frozenset({Role.ADMIN}))
#: Pages for supervisors and admins (the overview, the reports).
overseer_page = _page_guard(OVERSEER_ROLES)
