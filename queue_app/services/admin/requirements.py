"""The admin console's verbs of a service's requirements (*persyaratan*: the documents an
applicant must bring): add, change, move, remove. Each change is audited on the service and
is a set-up change (kiosks take the new list from the next board)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...domain.errors import InvalidInput, NotFound
from ...models import Service, ServiceRequirement
from .. import audit
from ..hall import Hall
from .changes import Applied, config_changed, diff

#: The most documents one service may ask for: the kiosk lists them all on one screen.
MAX_REQUIREMENTS = 10
NAME_MAX = 120
NOTE_MAX = 200


@dataclass(frozen=True)
class RequirementValues:
    """A requirement as the admin console edits it."""

    name_id: str
    name_en: str
    note: str = ""


def of_service(session: Session, service_id: int) -> list[ServiceRequirement]:
    """A service's requirements in order."""
    return list(
        session.scalars(
            select(ServiceRequirement)
            .where(ServiceRequirement.service_id == service_id)
            .order_by(ServiceRequirement.position, ServiceRequirement.id)
        )
    )


def _fields(row: ServiceRequirement) -> dict[str, Any]:
    return {"name_id": row.name_id, "name_en": row.name_en, "note": row.note}


def _cleaned(values: RequirementValues) -> RequirementValues:
    cleaned = RequirementValues(
        name_id=" ".join(values.name_id.split()),
        name_en=" ".join(values.name_en.split()),
        note=" ".join(values.note.split()),
    )
    if not cleaned.name_id:
        raise InvalidInput("a requirement needs its name", field="req_name_id", reason="required")
    if not cleaned.name_en:
        raise InvalidInput(
            "a requirement needs its English name", field="req_name_en", reason="required"
        )
    if len(cleaned.name_id) > NAME_MAX or len(cleaned.name_en) > NAME_MAX:
        raise InvalidInput(
            f"a requirement's name has at most {NAME_MAX} characters",
            field="req_name_id" if len(cleaned.name_id) > NAME_MAX else "req_name_en",
            reason="too_long",
        )
    if len(cleaned.note) > NOTE_MAX:
        raise InvalidInput(
            f"a note has at most {NOTE_MAX} characters", field="req_note", reason="too_long"
        )
    return cleaned


def _audit(
    session: Session, hall: Hall, service: Service, user_id: int, action: str, changes: Any
) -> Applied:
    audit.record_change(
        session,
        site_id=service.site_id,
        user_id=user_id,
        entity=audit.SERVICE,
        entity_id=service.id,
        action=action,
        changes=changes,
        at=hall.now,
    )
    session.flush()
    return Applied(events=config_changed(hall, audit.SERVICE))


def add_requirement(
    session: Session, service_id: int, user_id: int, values: RequirementValues
) -> tuple[ServiceRequirement, Applied]:
    """Add a document at the end of a service's list."""
    service = _service(session, service_id)
    hall = Hall.lock(session, service.site_id)
    cleaned = _cleaned(values)
    count, last = session.execute(
        select(func.count(ServiceRequirement.id), func.max(ServiceRequirement.position)).where(
            ServiceRequirement.service_id == service.id
        )
    ).one()
    if count >= MAX_REQUIREMENTS:
        raise InvalidInput(
            f"a service asks for at most {MAX_REQUIREMENTS} documents (the kiosk shows them "
            "on one screen)",
            field="req_name_id",
            reason="too_many",
        )
    row = ServiceRequirement(
        service_id=service.id,
        position=0 if last is None else last + 1,
        name_id=cleaned.name_id,
        name_en=cleaned.name_en,
        note=cleaned.note,
    )
    session.add(row)
    session.flush()
    return row, _audit(session, hall, service, user_id, "requirement_add", _fields(row))


def update_requirement(
    session: Session, requirement_id: int, user_id: int, values: RequirementValues
) -> tuple[ServiceRequirement, Applied]:
    """Change a document's names or note."""
    row, service = _requirement(session, requirement_id)
    hall = Hall.lock(session, service.site_id)
    cleaned = _cleaned(values)
    before = _fields(row)
    row.name_id, row.name_en, row.note = cleaned.name_id, cleaned.name_en, cleaned.note
    changes = diff(before, _fields(row))
    if not changes:
        return row, Applied()
    changes["requirement"] = [before["name_id"], row.name_id]
    return row, _audit(session, hall, service, user_id, "requirement_update", changes)


def move_requirement(
    session: Session, requirement_id: int, user_id: int, offset: int
) -> tuple[ServiceRequirement, Applied]:
    """Move a document one place earlier (`offset` −1) or later (+1); the list is renumbered
    0, 1, 2 … in its new order."""
    row, service = _requirement(session, requirement_id)
    hall = Hall.lock(session, service.site_id)
    ordered = of_service(session, service.id)
    index = next(i for i, r in enumerate(ordered) if r.id == row.id)
    target = index + (1 if offset > 0 else -1)
    if not 0 <= target < len(ordered):
        return row, Applied()
    before = [r.name_id for r in ordered]
    ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, each in enumerate(ordered):
        each.position = position
    changes = {"requirements": [before, [r.name_id for r in ordered]]}
    return row, _audit(session, hall, service, user_id, "requirement_move", changes)


def remove_requirement(
    session: Session, requirement_id: int, user_id: int
) -> tuple[Service, Applied]:
    """Take a document off a service's list (the trail keeps what it was)."""
    row, service = _requirement(session, requirement_id)
    hall = Hall.lock(session, service.site_id)
    fields = _fields(row)
    session.delete(row)
    session.flush()
    for position, each in enumerate(of_service(session, service.id)):
        each.position = position
    return service, _audit(session, hall, service, user_id, "requirement_remove", fields)


def _service(session: Session, service_id: int) -> Service:
    service = session.get(Service, service_id)
    if service is None:
        raise NotFound(f"no service {service_id}")
    return service


def _requirement(session: Session, requirement_id: int) -> tuple[ServiceRequirement, Service]:
    row = session.get(ServiceRequirement, requirement_id)
    if row is None:
        raise NotFound(f"no requirement {requirement_id}")
    return row, _service(session, row.service_id)
