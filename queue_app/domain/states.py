"""The ticket state machine of DESIGN.md.

```
issued --admit--> waiting --call--> called --start--> serving --finish--> done
waiting <--requeue-- called;  called --recall--> called;  called --finish--> done
called|serving --transfer--> waiting (in another service, at its front)
called --no_show--> no_show --reinstate--> waiting (issued when the hall is full)
issued|waiting --cancel--> cancelled;  end of day: issued|waiting|called|serving --> expired
```
"""

from __future__ import annotations

from enum import StrEnum

from .errors import InvalidTransition


class TicketState(StrEnum):
    """Where a ticket is in its life."""

    ISSUED = "issued"  # holds a number, waits outside: the hall is full
    WAITING = "waiting"  # admitted inside, waits to be called
    CALLED = "called"  # called to a counter, walking there
    SERVING = "serving"  # being served at the counter
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class Action(StrEnum):
    """Every transition a ticket can take; also the `kind` of its event-log rows."""

    ISSUE = "issue"
    ADMIT = "admit"
    CALL = "call"
    RECALL = "recall"
    START = "start"
    FINISH = "finish"
    NO_SHOW = "no_show"
    REINSTATE = "reinstate"
    REQUEUE = "requeue"
    TRANSFER = "transfer"
    CANCEL = "cancel"
    EXPIRE = "expire"


S = TicketState

#: States in which a person is inside the hall (they count against the hall cap).
INSIDE: frozenset[TicketState] = frozenset({S.WAITING, S.CALLED, S.SERVING})
#: States a ticket never leaves. `no_show` is not here: it can be reinstated.
FINAL: frozenset[TicketState] = frozenset({S.DONE, S.CANCELLED, S.EXPIRED})
#: States in which a ticket occupies a counter.
AT_COUNTER: frozenset[TicketState] = frozenset({S.CALLED, S.SERVING})
#: States still in the queue (not yet called).
QUEUED: frozenset[TicketState] = frozenset({S.ISSUED, S.WAITING})

TRANSITIONS: dict[Action, dict[TicketState, TicketState]] = {
    Action.ADMIT: {S.ISSUED: S.WAITING},
    Action.CALL: {S.WAITING: S.CALLED},
    Action.RECALL: {S.CALLED: S.CALLED},
    Action.START: {S.CALLED: S.SERVING},
    # Finishing without an explicit start counts the service from the last call.
    Action.FINISH: {S.CALLED: S.DONE, S.SERVING: S.DONE},
    Action.NO_SHOW: {S.CALLED: S.NO_SHOW},
    Action.REINSTATE: {S.NO_SHOW: S.WAITING},
    Action.REQUEUE: {S.CALLED: S.WAITING},
    Action.TRANSFER: {S.CALLED: S.WAITING, S.SERVING: S.WAITING},
    Action.CANCEL: {S.ISSUED: S.CANCELLED, S.WAITING: S.CANCELLED},
    # A ticket still being served when its day closes is expired too (no invented finish time).
    Action.EXPIRE: {
        S.ISSUED: S.EXPIRED,
        S.WAITING: S.EXPIRED,
        S.CALLED: S.EXPIRED,
        S.SERVING: S.EXPIRED,
    },
}


def transition(state: TicketState, action: Action, *, hall_has_room: bool = True) -> TicketState:
    """Return the state `action` leads to from `state`, or raise `InvalidTransition`.

    A reinstated no-show re-enters the hall only when it has room; otherwise it waits outside
    (`issued`) and is admitted like everyone else, so the hall cap holds.
    """
    targets = TRANSITIONS.get(action)
    if targets is None or state not in targets:
        raise InvalidTransition(
            f"cannot {_words(action)} a ticket that is {_words(state)}",
            state=state.value,
            action=action.value,
        )
    target = targets[state]
    if action in (Action.REINSTATE, Action.TRANSFER) and not hall_has_room:
        # A reinstated no-show, or a ticket sent to a full zone, waits outside.
        return S.ISSUED
    return target


def _words(value: StrEnum) -> str:
    return value.value.replace("_", " ")
