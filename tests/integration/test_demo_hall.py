"""The demo hall `make run` seeds: counter labels that say what each counter serves, and the
warning while its published passwords are still in use."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import select

from queue_app.extensions import db
from queue_app.models import Counter, Service, User
from queue_app.services.passwords import hash_password
from tests.conftest import make_app


def seeded(tmp_path: Path) -> Flask:
    app = make_app(f"sqlite:///{tmp_path / 'demo.db'}")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    return app


def test_every_counter_label_names_exactly_the_services_it_serves(tmp_path: Path) -> None:
    app = seeded(tmp_path)
    with app.app_context():
        names = {s.id: s.name_id for s in db.session.scalars(select(Service))}
        counters = db.session.scalars(select(Counter).order_by(Counter.number)).all()
        for counter in counters:
            served = [names[link.service_id] for link in counter.links]
            # Named in the counter's order of preference: its own service first.
            assert counter.label == f"Loket {counter.number} — " + " · ".join(served)
            for other in set(names.values()) - set(served):
                assert other not in counter.label, (counter.label, other)
        first = counters[0].label
        db.session.remove()
        db.engine.dispose()
    assert first == "Loket 1 — Kependudukan & Catatan Sipil · Paspor (Imigrasi)"


def test_make_run_warns_while_the_demo_passwords_are_in_use(tmp_path: Path) -> None:
    app = seeded(tmp_path)
    runner = app.test_cli_runner()
    warned = runner.invoke(args=["check-demo-passwords"])
    assert warned.exit_code == 0
    assert "WARNING" in warned.output
    assert "admin, supervisor, petugas01" in warned.output
    assert "demo only" in warned.output

    with app.app_context():
        admin = db.session.scalars(select(User).where(User.username == "admin")).one()
        admin.password_hash = hash_password("a-real-password-of-the-hall")
        db.session.commit()
    partly = runner.invoke(args=["check-demo-passwords"])
    assert "supervisor, petugas01" in partly.output
    assert "admin," not in partly.output

    with app.app_context():
        for user in db.session.scalars(select(User)).all():
            user.password_hash = hash_password(f"changed-{user.username}")
        db.session.commit()
    quiet = runner.invoke(args=["check-demo-passwords"])
    assert quiet.exit_code == 0
    assert quiet.output == ""
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
