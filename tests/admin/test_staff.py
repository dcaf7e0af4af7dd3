"""Staff accounts: an admin adds one, changes its role and counters, resets its password and
deactivates it — each audited, never with a password — and a deactivated account can no longer
sign in, keep its session or use its API token."""

from __future__ import annotations

import json

from flask import Flask
from sqlalchemy import select

from queue_app.extensions import db
from queue_app.models import AdminChange, User
from tests.conftest import Hall
from tests.helpers import bearer

from .conftest import Browser, changes_count, field_errors, last_change

NEW = {
    "username": "budi",
    "role": "clerk",
    "counters": ["1"],
    "password": "rahasia-budi",
    "confirm": "rahasia-budi",
}


def account(username: str) -> User | None:
    return db.session.scalars(select(User).where(User.username == username)).first()


def test_a_new_clerk_signs_in_and_works_only_at_the_counters_given(
    app: Flask, hall: Hall, admin: Browser
) -> None:
    assert admin.submit("/admin/staff/new", NEW).status_code == 302
    with app.app_context():
        budi = account("budi")
        assert budi is not None and budi.role == "clerk" and budi.active
        assert [c.id for c in budi.counters] == [hall.counter_1]
        change = last_change()
        assert (change.entity, change.action, change.entity_id) == ("user", "create", budi.id)
        assert change.changes == {
            "username": "budi",
            "role": "clerk",
            "counters": [1],
            "active": True,
        }
    clerk = Browser(app)
    assert clerk.sign_in("budi", "rahasia-budi").status_code == 302
    assert clerk.get(f"/counter/{hall.counter_1}").status_code == 200
    assert clerk.get(f"/counter/{hall.counter_2}").status_code == 403
    assert clerk.get("/admin/staff").status_code == 403


def test_role_and_counters_change_and_are_audited(app: Flask, hall: Hall, admin: Browser) -> None:
    with app.app_context():
        clerk1 = account("clerk1")
        assert clerk1 is not None
        clerk1_id = clerk1.id
    url = f"/admin/staff/{clerk1_id}"
    assert admin.submit(url, {"role": "clerk", "counters": ["1", "2"]}).status_code == 302
    with app.app_context():
        assert last_change().changes == {"counters": [[1], [1, 2]]}
    assert admin.submit(url, {"role": "supervisor", "counters": []}).status_code == 302
    with app.app_context():
        # A role change ends the user's sessions and API tokens (none were open here).
        assert last_change().changes == {
            "role": ["clerk", "supervisor"],
            "counters": [[1, 2], []],
            "sessions_ended": 0,
            "api_tokens_revoked": 0,
        }
    assert Browser(app, "clerk1").get("/admin/overview").status_code == 200


def test_a_deactivated_account_cannot_sign_in_nor_use_its_session_or_token(
    app: Flask, hall: Hall, admin: Browser
) -> None:
    signed_in = Browser(app, "clerk1")
    assert signed_in.get(f"/counter/{hall.counter_1}").status_code == 200
    token = bearer(app, "clerk1")
    with app.app_context():
        clerk1 = account("clerk1")
        assert clerk1 is not None
        clerk1_id = clerk1.id
    response = admin.submit(
        f"/admin/staff/{clerk1_id}/active", {"active": "0"}, page="/admin/staff"
    )
    assert response.status_code == 302
    with app.app_context():
        clerk1 = account("clerk1")
        assert clerk1 is not None and not clerk1.active
        change = last_change()
        assert change.action == "deactivate"
        assert change.changes == {
            "active": [True, False],
            "sessions_ended": 1,
            "api_tokens_revoked": 1,
        }
    # Its open session ends, its token is refused, and it cannot sign in again.
    assert signed_in.get(f"/counter/{hall.counter_1}").status_code == 302
    api = app.test_client().post(f"/api/v1/counters/{hall.counter_1}/pause", headers=token)
    assert api.status_code == 401
    assert Browser(app).sign_in("clerk1").status_code == 401
    # Reactivated, it signs in again (the revoked token stays revoked).
    admin.submit(f"/admin/staff/{clerk1_id}/active", {"active": "1"}, page="/admin/staff")
    assert Browser(app).sign_in("clerk1").status_code == 302
    again = app.test_client().post(f"/api/v1/counters/{hall.counter_1}/pause", headers=token)
    assert again.status_code == 401


def test_reset_password_replaces_the_old_one_and_is_audited_without_it(
    app: Flask, hall: Hall, admin: Browser
) -> None:
    with app.app_context():
        clerk2 = account("clerk2")
        assert clerk2 is not None
        clerk2_id = clerk2.id
    url = f"/admin/staff/{clerk2_id}/password"
    response = admin.submit(url, {"password": "baru-sekali-9", "confirm": "baru-sekali-9"})
    assert response.status_code == 302
    assert Browser(app).sign_in("clerk2").status_code == 401  # the old password
    assert Browser(app).sign_in("clerk2", "baru-sekali-9").status_code == 302
    with app.app_context():
        resets = db.session.scalars(
            select(AdminChange).where(AdminChange.action == "reset_password")
        ).all()
        assert [(c.entity, c.entity_id, c.changes) for c in resets] == [
            ("user", clerk2_id, {"sessions_ended": 0, "api_tokens_revoked": 0})
        ]
        every_change = json.dumps(
            [c.changes for c in db.session.scalars(select(AdminChange))], default=str
        )
        assert "baru-sekali-9" not in every_change and "password123" not in every_change
    # Two different passwords, or a short one: refused, nothing changes.
    with app.app_context():
        before = changes_count()
    for data, message in (
        ({"password": "baru-sekali-9", "confirm": "lain-lagi-99"}, "The two passwords differ."),
        ({"password": "short", "confirm": "short"}, "A password has at least 8 characters."),
    ):
        response = admin.submit(f"{url}?lang=en", data)
        assert response.status_code == 422 and message in field_errors(response)
    with app.app_context():
        assert changes_count() == before
    assert Browser(app).sign_in("clerk2", "baru-sekali-9").status_code == 302


def test_bad_staff_input_and_self_lockout_are_refused(
    app: Flask, hall: Hall, admin: Browser
) -> None:
    with app.app_context():
        before = changes_count()
        me = account("admin")
        assert me is not None
        my_id = me.id
    cases = {
        "username taken": ({**NEW, "username": "clerk1"}, "This username is taken."),
        "spaces in name": ({**NEW, "username": "bu di"}, "dashes and underscores only"),
        "short password": ({**NEW, "password": "abc", "confirm": "abc"}, "at least 8 characters"),
        "unknown counter": ({**NEW, "counters": ["99"]}, "is not a valid choice"),
        "unknown role": ({**NEW, "role": "king"}, "Not a valid choice."),
    }
    for case, (data, message) in cases.items():
        response = admin.submit("/admin/staff/new?lang=en", data)
        assert response.status_code == 422, case
        assert any(message in error for error in field_errors(response)), (case, response)
    # An admin cannot demote nor deactivate themselves (someone must manage the hall).
    response = admin.submit(f"/admin/staff/{my_id}?lang=en", {"role": "clerk", "counters": []})
    assert response.status_code == 422
    assert "You cannot take away your own admin role." in field_errors(response)
    admin.submit(f"/admin/staff/{my_id}/active", {"active": "0"}, page="/admin/staff")
    with app.app_context():
        me = account("admin")
        assert me is not None and me.active and me.role == "admin"
        assert account("budi") is None
        assert changes_count() == before
