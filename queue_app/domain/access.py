"""Who may act where: clerks at their own counters, supervisors and admins anywhere."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import Forbidden
from .vocabulary import Role


@dataclass(frozen=True)
class Actor:
    """The signed-in staff member behind an action."""

    user_id: int
    role: Role
    counter_ids: frozenset[int]

    @property
    def oversees_hall(self) -> bool:
        """Supervisors and admins may act at every counter."""
        return self.role in (Role.ADMIN, Role.SUPERVISOR)

    def may_use_counter(self, counter_id: int | None) -> bool:
        """True when this actor may act at `counter_id`."""
        if self.oversees_hall:
            return True
        return counter_id is not None and counter_id in self.counter_ids

    def require_counter(self, counter_id: int | None) -> None:
        """Raise `Forbidden` unless this actor may act at `counter_id`."""
        if not self.may_use_counter(counter_id):
            raise Forbidden("you are not assigned to this counter", counter_id=counter_id)
