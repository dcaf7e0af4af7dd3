"""Answers to the citizens' satisfaction survey (IKM, PermenPANRB No. 14/2017)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Index, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class SurveyResponse(Base):
    """One respondent's answers. Append-only, and anonymous: it keeps the service, counter,
    clerk and day it rates, never its ticket, token, time of day or holder id (the ticket only
    says that it was answered: `Ticket.surveyed`)."""

    __tablename__ = "survey_responses"
    __table_args__ = (Index("ix_survey_responses_site_day", "site_id", "service_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The service day of the ticket it rates.
    service_day: Mapped[date] = mapped_column(Date)
    #: Where it was answered: `phone` (the ticket's page) or `tablet` (beside the counter).
    channel: Mapped[str] = mapped_column(String(8))
    #: The nine elements, each 1–4 (domain.ikm.ELEMENTS, in order).
    u1: Mapped[int] = mapped_column(SmallInteger)
    u2: Mapped[int] = mapped_column(SmallInteger)
    u3: Mapped[int] = mapped_column(SmallInteger)
    u4: Mapped[int] = mapped_column(SmallInteger)
    u5: Mapped[int] = mapped_column(SmallInteger)
    u6: Mapped[int] = mapped_column(SmallInteger)
    u7: Mapped[int] = mapped_column(SmallInteger)
    u8: Mapped[int] = mapped_column(SmallInteger)
    u9: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(String(500))
    #: The optional respondent fields of the regulation's form (domain.ikm.RESPONDENT_FIELDS).
    age_group: Mapped[str | None] = mapped_column(String(8))
    sex: Mapped[str | None] = mapped_column(String(1))
    education: Mapped[str | None] = mapped_column(String(8))
    occupation: Mapped[str | None] = mapped_column(String(16))

    @property
    def answers(self) -> list[int]:
        return [self.u1, self.u2, self.u3, self.u4, self.u5, self.u6, self.u7, self.u8, self.u9]
