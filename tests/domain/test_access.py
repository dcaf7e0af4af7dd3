"""Clerks act at their own counters; supervisors and admins at every counter."""

from __future__ import annotations

import pytest

from queue_app.domain.access import Actor
from queue_app.domain.errors import Forbidden
from queue_app.domain.vocabulary import Role

CLERK = Actor(user_id=1, role=Role.CLERK, counter_ids=frozenset({3, 4}))
CLERK_WITHOUT_COUNTER = Actor(user_id=2, role=Role.CLERK, counter_ids=frozenset())
SUPERVISOR = Actor(user_id=3, role=Role.SUPERVISOR, counter_ids=frozenset())
ADMIN = Actor(user_id=4, role=Role.ADMIN, counter_ids=frozenset())


@pytest.mark.parametrize("counter_id", [3, 4])
def test_clerk_may_use_own_counters(counter_id: int) -> None:
    assert CLERK.may_use_counter(counter_id)
    CLERK.require_counter(counter_id)  # does not raise


@pytest.mark.parametrize("counter_id", [1, 5, 0, None])
def test_clerk_may_not_use_other_counters(counter_id: int | None) -> None:
    assert not CLERK.may_use_counter(counter_id)
    with pytest.raises(Forbidden) as info:
        CLERK.require_counter(counter_id)
    assert info.value.code == "forbidden"
    assert info.value.detail == {"counter_id": counter_id}


def test_clerk_without_assignment_may_use_no_counter() -> None:
    for counter_id in (1, 3, 4, None):
        assert not CLERK_WITHOUT_COUNTER.may_use_counter(counter_id)
    with pytest.raises(Forbidden):
        CLERK_WITHOUT_COUNTER.require_counter(1)


@pytest.mark.parametrize("actor", [SUPERVISOR, ADMIN], ids=["supervisor", "admin"])
@pytest.mark.parametrize("counter_id", [1, 3, 99, None])
def test_supervisor_and_admin_may_use_every_counter(actor: Actor, counter_id: int | None) -> None:
    assert actor.may_use_counter(counter_id)
    actor.require_counter(counter_id)  # does not raise


@pytest.mark.parametrize(
    ("actor", "oversees"),
    [(CLERK, False), (SUPERVISOR, True), (ADMIN, True)],
    ids=["clerk", "supervisor", "admin"],
)
def test_oversees_hall(actor: Actor, oversees: bool) -> None:
    assert actor.oversees_hall is oversees
