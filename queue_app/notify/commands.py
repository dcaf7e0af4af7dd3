"""`flask --app queue_app notify-worker` and `purge-contacts`."""

from __future__ import annotations

import signal
import threading
from datetime import date
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db, db_session
from ..services import notifications
from ..services.clock import utcnow


def purge_today() -> date:
    """Today's service day in the site's time zone."""
    return utcnow().astimezone(ZoneInfo(current_app.config["SITE_TIMEZONE"])).date()


def purge(retention_days: int | None = None) -> notifications.Purged:
    """Delete the numbers older than the retention period (each site's own, else
    NOTIFY_RETENTION_DAYS; `retention_days` for every site), and commit."""
    purged = notifications.purge_contacts(
        db_session(),
        purge_today(),
        int(current_app.config["NOTIFY_RETENTION_DAYS"]),
        retention_days,
    )
    db.session.commit()
    return purged


@click.command("purge-contacts")
@with_appcontext
@click.option(
    "--days",
    type=click.IntRange(min=0),
    default=None,
    help="retention in days for every site (default: each site's own, else NOTIFY_RETENTION_DAYS)",
)
def purge_contacts_command(days: int | None) -> None:
    """Delete notification numbers of service days older than the retention period."""
    purged = purge(days)
    click.echo(
        f"Deleted {purged.contacts} number(s); cleared the recipient of {purged.messages} "
        "message(s).",
        err=True,
    )


@click.command("notify-worker")
@with_appcontext
def notify_worker_command() -> None:
    """Deliver the notification outbox until stopped (SIGTERM / Ctrl-C)."""
    from .worker import Worker

    if not current_app.config.get("NOTIFY_WEBHOOK_URL"):
        raise click.ClickException("NOTIFY_WEBHOOK_URL is not set")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    worker = Worker(db.engine, current_app.config)
    click.echo(f"Delivering notifications to the gateway as {worker.holder}.", err=True)
    try:
        worker.run_forever(stop)
    except KeyboardInterrupt:
        stop.set()
