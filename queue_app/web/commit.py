"""The end of every request that changes the hall: its one commit, then the hall's read model at
the new `seq` (made once, for every reader of it), then the news of it. Views, the admin
console and the CLI all end a change here."""

from __future__ import annotations

from collections.abc import Sequence

from ..domain.events import DomainEvent
from ..extensions import db, db_session, reads_only_from_now
from ..realtime import broadcast, snapshots
from ..realtime.snapshots import HallSnapshot


def commit_and_publish(events: Sequence[DomainEvent]) -> HallSnapshot | None:
    """The one commit of a request, the hall's snapshot of it (the response reads it too),
    then its news. None when nothing changed or the snapshot could not be made."""
    commit_without_expiring()
    reads_only_from_now()
    snapshot = snapshots.of_change(db_session(), events)
    broadcast.publish(events, snapshot)
    return snapshot


def commit_without_expiring() -> None:
    """Commit this request's session, keeping what it loaded: the response is made of the rows
    the request just wrote, so reloading them would cost statements (and, on SQLite, a second
    write transaction)."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True
