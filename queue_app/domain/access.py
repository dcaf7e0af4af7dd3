"""Who may act where: clerks at their own counters, supervisors and admins anywhere; kiosk
device accounts (and any role this module does not know) nowhere."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import Forbidden
from .vocabulary import OVERSEER_ROLES, STAFF_ROLES, Role


@dataclass(frozen=True)
class Actor:
    """The signed-in staff member behind an action."""

    user_id: int
    role: Role
    counter_ids: frozenset[int]

    @property
    def is_staff(self) -> bool:
        """Clerks, supervisors and admins: the people who work the hall (not a kiosk)."""
        return self.role in STAFF_ROLES

    @property
    def oversees_hall(self) -> bool:
        """Supervisors and admins may act at every counter."""
        return self.role in OVERSEER_ROLES

    def may_use_counter(self, counter_id: int | None) -> bool:
        """True when this actor may act at `counter_id`. Counters assigned to an account count
        for clerks only: a kiosk account never acts at a counter, whatever it was given."""
        if self.oversees_hall:
            return True
        return self.role == Role.CLERK and counter_id is not None and counter_id in self.counter_ids

    def require_counter(self, counter_id: int | None) -> None:
        """Raise `Forbidden` unless this actor may act at `counter_id`."""
        if not self.may_use_counter(counter_id):
            raise Forbidden("you are not assigned to this counter", counter_id=counter_id)
