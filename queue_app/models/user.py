"""Staff users, the counters they may use, and their API tokens (stored hashed)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base
from .counter import Counter

user_counters = Table(
    "user_counters",
    Base.metadata,
    Column("user_id", ForeignKey("users.id"), primary_key=True),
    Column("counter_id", ForeignKey("counters.id"), primary_key=True),
)


class User(Base):
    """A staff member: admin, supervisor or clerk (domain.vocabulary.Role)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]

    counters: Mapped[list[Counter]] = relationship(secondary=user_counters, lazy="selectin")

    # Flask-Login's user protocol.
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


class ApiToken(Base):
    """A Bearer token. Only its SHA-256 is stored; the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class StaffSession(Base):
    """A browser sign-in, held on the server so that it can end: the signed session cookie
    carries a random token whose SHA-256 is stored here (services/sessions.py). A session with
    `ended_at` set is over for good; nothing brings it back."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    #: Why it ended: sign_out, sign_out_everywhere, password_reset, deactivated, role_changed.
    end_reason: Mapped[str | None] = mapped_column(String(32))
