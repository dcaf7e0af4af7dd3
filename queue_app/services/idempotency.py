"""Idempotent issuing: a kiosk or an integration that retries `POST /api/v1/tickets` after a
timeout (or after an answer that never arrived) sends the same `Idempotency-Key` again and
gets the ticket of its first request, with the same answer, never a second ticket.

The key's row is written in the issue's own transaction (so a rolled-back issue leaves no
key, and a committed one always has its key); the answer is added right after the commit.
A key is remembered for `KEPT`; a second request with the same key but another body is
refused (`IdempotencyMismatch`). Two requests with one key at once: the hall lock orders
them, the second one finds the key taken under the lock (or, failing that, its insert fails
on the key's unique constraint), its transaction (its ticket and number included) rolls
back, and it answers the first one's ticket.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..contract.payloads import IssuedTicket
from ..domain.errors import IdempotencyMismatch, InvalidInput
from ..models import IssueRequest

#: 1–64 visible ASCII characters (RFC 9110 token-ish, as Stripe and the IETF draft allow).
KEY_SHAPE = re.compile(r"[\x21-\x7e]{1,64}")
#: How long a key answers with its first ticket.
KEPT = timedelta(hours=24)


class KeyTaken(Exception):
    """The key was remembered by another request meanwhile (see `remember`)."""


def parse_key(raw: str | None) -> str | None:
    """The `Idempotency-Key` header's value, None when absent, or InvalidInput."""
    if raw is None:
        return None
    if not KEY_SHAPE.fullmatch(raw):
        raise InvalidInput(
            "Idempotency-Key must be 1 to 64 visible ASCII characters",
            field="Idempotency-Key",
        )
    return raw


def fingerprint(site_id: int, account: str | None, body: Any) -> str:
    """What a request asked for: its site, who sent it and its body (keys in any order)."""
    text = json.dumps([site_id, account, body], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def earlier(session: Session, key: str, print_: str, now: datetime) -> IssueRequest | None:
    """The request this key was first sent with, within `KEPT`, or None; IdempotencyMismatch
    when it asked for something else."""
    found = _by_key(session, key)
    if found is None or found.at <= now - KEPT:
        return None
    if found.fingerprint != print_:
        raise IdempotencyMismatch(
            "this Idempotency-Key was used for a different request: send a new key for a "
            "new ticket",
        )
    return found


def remember(session: Session, key: str, print_: str, ticket_id: int, now: datetime) -> int:
    """Keep the key with the ticket it issued, in the issue's transaction (flushed: a key
    another request took meanwhile fails here, with IntegrityError). A key older than `KEPT`
    is taken over; a fresh one means another request with this key went first: KeyTaken."""
    stale = _by_key(session, key)
    if stale is not None and stale.at > now - KEPT:
        # Taken by a request that went before this one under the hall lock (committed since
        # this one looked): this issue must roll back and answer that one's ticket.
        raise KeyTaken(key)
    if stale is not None:
        stale.fingerprint, stale.ticket_id, stale.at, stale.response = print_, ticket_id, now, None
        row = stale
    else:
        row = IssueRequest(key=key, fingerprint=print_, ticket_id=ticket_id, at=now)
        session.add(row)
    session.flush()
    return row.id


def record_answer(session: Session, request_id: int, body: IssuedTicket) -> None:
    """The answer (201) the first request got, for its retries."""
    session.execute(update(IssueRequest).where(IssueRequest.id == request_id).values(response=body))


def _by_key(session: Session, key: str) -> IssueRequest | None:
    return session.scalars(select(IssueRequest).where(IssueRequest.key == key)).first()
