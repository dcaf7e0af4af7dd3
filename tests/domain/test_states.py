"""The ticket state machine, checked pair by pair against the table in DESIGN.md."""

from __future__ import annotations

import contextlib
import itertools

import pytest

from queue_app.domain.errors import InvalidTransition, LoketError
from queue_app.domain.states import FINAL, INSIDE, Action, TicketState, transition

S = TicketState
A = Action

# Written by hand from DESIGN.md "Ticket states"; deliberately not derived from TRANSITIONS.
EXPECTED: dict[tuple[TicketState, Action], TicketState] = {
    (S.ISSUED, A.ADMIT): S.WAITING,
    (S.WAITING, A.CALL): S.CALLED,
    (S.CALLED, A.RECALL): S.CALLED,
    (S.CALLED, A.START): S.SERVING,
    (S.CALLED, A.FINISH): S.DONE,
    (S.SERVING, A.FINISH): S.DONE,
    (S.CALLED, A.NO_SHOW): S.NO_SHOW,
    (S.NO_SHOW, A.REINSTATE): S.WAITING,
    (S.CALLED, A.REQUEUE): S.WAITING,
    (S.CALLED, A.TRANSFER): S.WAITING,
    (S.SERVING, A.TRANSFER): S.WAITING,
    (S.ISSUED, A.CANCEL): S.CANCELLED,
    (S.WAITING, A.CANCEL): S.CANCELLED,
    (S.ISSUED, A.EXPIRE): S.EXPIRED,
    (S.WAITING, A.EXPIRE): S.EXPIRED,
    (S.CALLED, A.EXPIRE): S.EXPIRED,
    (S.SERVING, A.EXPIRE): S.EXPIRED,
}

TRANSITION_ACTIONS = [a for a in Action if a is not Action.ISSUE]
ALL_PAIRS = list(itertools.product(TicketState, TRANSITION_ACTIONS))


def _expected(state: TicketState, action: Action, hall_has_room: bool) -> TicketState | None:
    target = EXPECTED.get((state, action))
    if target is not None and action in (A.REINSTATE, A.TRANSFER) and not hall_has_room:
        # A reinstated no-show, or a ticket sent to a full zone, waits outside: the cap holds.
        return S.ISSUED
    return target


def _words(value: str) -> str:
    return value.replace("_", " ")


def test_expected_table_only_uses_real_actions() -> None:
    # Guard against the hand-written table silently covering nothing.
    assert len(EXPECTED) == 17
    assert all(action is not A.ISSUE for _, action in EXPECTED)


@pytest.mark.parametrize("hall_has_room", [True, False], ids=["room", "full"])
@pytest.mark.parametrize(
    ("state", "action"), ALL_PAIRS, ids=[f"{s.value}-{a.value}" for s, a in ALL_PAIRS]
)
def test_transition_table(state: TicketState, action: Action, hall_has_room: bool) -> None:
    expected = _expected(state, action, hall_has_room)
    if expected is not None:
        assert transition(state, action, hall_has_room=hall_has_room) is expected
        return
    with pytest.raises(InvalidTransition) as info:
        transition(state, action, hall_has_room=hall_has_room)
    err = info.value
    assert err.code == "invalid_transition"
    assert isinstance(err, LoketError)
    message = str(err)
    assert _words(action.value) in message
    assert _words(state.value) in message
    assert err.message == message
    assert err.detail == {"state": state.value, "action": action.value}


def test_reinstate_defaults_to_hall_with_room() -> None:
    assert transition(S.NO_SHOW, A.REINSTATE) is S.WAITING


def test_reinstate_into_full_hall_waits_outside() -> None:
    target = transition(S.NO_SHOW, A.REINSTATE, hall_has_room=False)
    assert target is S.ISSUED
    assert target not in INSIDE


@pytest.mark.parametrize("state", list(TicketState), ids=lambda s: s.value)
def test_issue_is_not_a_transition(state: TicketState) -> None:
    # A ticket is issued once, when it is created; no existing ticket can be issued again.
    with pytest.raises(InvalidTransition):
        transition(state, A.ISSUE)


def test_invalid_transition_message_reads_naturally() -> None:
    with pytest.raises(InvalidTransition, match=r"^cannot no show a ticket that is done$"):
        transition(S.DONE, A.NO_SHOW)


def test_inside_is_the_people_in_the_hall() -> None:
    assert frozenset({S.WAITING, S.CALLED, S.SERVING}) == INSIDE


def test_final_states() -> None:
    assert frozenset({S.DONE, S.CANCELLED, S.EXPIRED}) == FINAL
    assert S.NO_SHOW not in FINAL  # a no-show can be reinstated
    assert not INSIDE & FINAL


@pytest.mark.parametrize("hall_has_room", [True, False], ids=["room", "full"])
@pytest.mark.parametrize("state", sorted(FINAL), ids=lambda s: s.value)
def test_no_transition_leaves_a_final_state(state: TicketState, hall_has_room: bool) -> None:
    for action in TRANSITION_ACTIONS:
        with pytest.raises(InvalidTransition):
            transition(state, action, hall_has_room=hall_has_room)


@pytest.mark.parametrize("state", [s for s in TicketState if s not in FINAL], ids=lambda s: s.value)
def test_every_non_final_state_has_a_way_on(state: TicketState) -> None:
    ways = []
    for action in TRANSITION_ACTIONS:
        with contextlib.suppress(InvalidTransition):
            ways.append(transition(state, action))
    assert ways, f"{state} is a dead end but is not FINAL"


@pytest.mark.parametrize("state", sorted(INSIDE), ids=lambda s: s.value)
def test_end_of_day_expires_everyone_still_inside(state: TicketState) -> None:
    assert transition(state, A.EXPIRE) is S.EXPIRED


def test_recall_keeps_ticket_at_counter() -> None:
    state = S.WAITING
    state = transition(state, A.CALL)
    for _ in range(3):
        state = transition(state, A.RECALL)
    assert state is S.CALLED
    assert transition(state, A.START) is S.SERVING


def test_full_life_of_a_ticket() -> None:
    state = S.ISSUED
    for action in (A.ADMIT, A.CALL, A.NO_SHOW, A.REINSTATE, A.CALL, A.START, A.FINISH):
        state = transition(state, action)
    assert state is S.DONE
