"""Who may open an admin page: admins, or overseers (supervisors and admins). Checked on every
route; people not signed in are sent to sign in, everyone else gets 403."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user, login_required

from ...domain.vocabulary import OVERSEER_ROLES, Role
from ..validation import MAX_ID

#: An id in a route (`ID % 'service_id'`): beyond what the database holds is simply 404.
ID = f"<int(max={MAX_ID}):%s>"
ADMINS = (Role.ADMIN.value,)
OVERSEERS = tuple(role.value for role in OVERSEER_ROLES)


def _role_required(roles: tuple[str, ...]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Signed-in users whose role is one of `roles`; others get 403 (unknown roles too), and
    people not signed in are sent to sign in."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if getattr(current_user, "role", None) not in roles:
                abort(403)
            return view(*args, **kwargs)

        guarded: Callable[..., Any] = login_required(wrapper)
        return guarded

    return decorate


admin_only = _role_required(ADMINS)
overseers_only = _role_required(OVERSEERS)
