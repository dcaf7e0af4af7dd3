"""Counter verbs: open, pause, close."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..domain.access import Actor
from ..domain.events import DomainEvent
from ..domain.vocabulary import CounterState
from ..models import Counter
from .hall import lock_counter, require_counter_free


def set_counter_state(
    session: Session, counter_id: int, state: CounterState, actor: Actor
) -> tuple[Counter, list[DomainEvent]]:
    """Open, pause or close a counter.

    Opening signs the actor in at the counter. Closing needs the counter free of called and
    serving tickets (finish, requeue or transfer them first); pausing keeps them, and keeps the
    clerk signed in at it (a supervisor pausing from the overview does not take their place).
    """
    hall, counter = lock_counter(session, counter_id, actor)
    if state is CounterState.CLOSED:
        require_counter_free(session, counter)
    if counter.state == state.value and (
        state is not CounterState.OPEN or counter.staff_id == actor.user_id
    ):
        return counter, hall.events  # nothing changes, nothing to announce
    counter.state = state.value
    if state is CounterState.CLOSED:
        counter.staff_id = None
    elif state is CounterState.OPEN or counter.staff_id is None:
        counter.staff_id = actor.user_id
    hall.record_counter(counter, actor.user_id)
    session.flush()
    return counter, hall.events
