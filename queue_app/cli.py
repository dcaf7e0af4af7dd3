"""Flask commands: seed-demo, check-demo-passwords, create-user, create-token, enrol-device,
close-day, expire-bookings, simulate-day, purge-contacts, notify-worker."""

from __future__ import annotations

import io
import os
import tempfile

import click
import qrcode
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy import select

from .demo import demo_passwords_in_use, seed_demo
from .domain.errors import LoketError
from .domain.vocabulary import DeviceKind, Role
from .extensions import db, db_session
from .models import Site, User
from .notify.commands import notify_worker_command, purge, purge_contacts_command
from .services import bookings, devices, read, staff
from .services.clock import utcnow
from .services.day import close_day
from .simulate import Scenario, simulate_day, summary_lines
from .web.commit import commit_and_publish
from .web.common import enrol_url


def init_app(app: Flask) -> None:
    """Register the commands."""
    for command in (
        seed_demo_command,
        check_demo_passwords_command,
        create_user_command,
        create_token_command,
        enrol_device_command,
        close_day_command,
        expire_bookings_command,
        simulate_day_command,
        purge_contacts_command,
        notify_worker_command,
    ):
        app.cli.add_command(command)


@click.command("seed-demo")
@click.option(
    "--one-hall",
    is_flag=True,
    help="The same services as one hall of one zone and one agency, instead of the mall.",
)
@with_appcontext
def seed_demo_command(one_hall: bool) -> None:
    """Create the demo mall, unless the database already has services."""
    lines = seed_demo(db_session(), current_app.config["SITE_TIMEZONE"], one_hall=one_hall)
    if lines is None:
        click.echo("The database already has services; the demo hall was not created.")
        return
    db.session.commit()
    for line in lines:
        click.echo(line)


@click.command("check-demo-passwords")
@with_appcontext
def check_demo_passwords_command() -> None:
    """Warn when demo accounts still have the demo's published passwords (`make run` calls
    this after seeding). Prints nothing when they were changed; never fails."""
    names = demo_passwords_in_use(db_session())
    if not names:
        return
    click.secho(
        "WARNING: these accounts still have the demo's published passwords: "
        + ", ".join(names)
        + (" (and likely every petugasNN clerk)" if "petugas01" in names else "")
        + ".\n  Anyone who reads the README can sign in with them. They are for the demo only:"
        "\n  change them in the admin console (/admin/staff) before real use.",
        fg="yellow",
        err=True,
    )


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--password", required=True, help="at least 8 characters")
@click.option("--counters", default="", help="counter numbers this user may use, e.g. 1,2,5")
def create_user_command(username: str, role: str, password: str, counters: str) -> None:
    """Create a staff user."""
    try:
        numbers = [int(n) for n in counters.split(",") if n.strip()]
    except ValueError as exc:
        raise click.BadParameter("counters must be numbers separated by commas") from exc
    try:
        user = staff.create_user(db_session(), username, password, Role(role), numbers)
    except LoketError as exc:
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    click.echo(f"Created {user.role} {user.username!r} (counters: {numbers or 'none'}).")


@click.command("create-token")
@with_appcontext
@click.argument("username")
def create_token_command(username: str) -> None:
    """Print a new API token for USERNAME (alone on stdout)."""
    user = db.session.scalars(select(User).where(User.username == username)).first()
    if user is None or not user.active:
        raise click.ClickException(f"no active user {username!r}")
    token = staff.issue_token(db_session(), user)
    db.session.commit()
    click.echo(token)


@click.command("enrol-device")
@with_appcontext
@click.option("--kind", type=click.Choice([k.value for k in DeviceKind]), required=True)
@click.option("--name", required=True, help="where it stands, e.g. 'Kiosk lobi lantai 1'")
@click.option(
    "--site", "site_id", type=int, default=None, help="the hall's id (default: the first)"
)
def enrol_device_command(kind: str, name: str, site_id: int | None) -> None:
    """Add a kiosk or lobby board and print its one-time enrolment link (valid 24 hours) as
    text and as a QR code: open it once in the browser of that screen."""
    session = db_session()
    site_id = site_id if site_id is not None else read.default_site_id(session)
    try:
        device, code = devices.create(session, site_id, kind, name, None)
    except LoketError as exc:
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    site = db.session.get(Site, site_id)
    url = enrol_url(code, site)
    click.echo(f"Added {device.kind} {device.name!r} (device {device.id}) to hall {site_id}.")
    click.echo("Open this link once in the browser of that screen (valid 24 hours):")
    click.echo(url)
    qr = qrcode.QRCode(border=1)
    qr.add_data(url)
    printed = io.StringIO()
    qr.print_ascii(out=printed)
    click.echo(printed.getvalue(), nl=False)
    if not ((site and site.public_base_url) or current_app.config.get("PUBLIC_BASE_URL")):
        click.echo(
            "(No public address is set: replace http://127.0.0.1:8000 with the address the "
            "screen reaches this server at, or set PUBLIC_BASE_URL.)"
        )


@click.command("close-day")
@with_appcontext
def close_day_command() -> None:
    """Expire tickets that earlier service days left in the queue or at a counter, and the
    bookings whose session ended without a check-in."""
    expire_bookings()
    expired, events = close_day(db_session())
    commit_and_publish(events)
    click.echo(f"Expired {len(expired)} ticket(s) left from earlier days.", err=True)
    purged = purge()
    click.echo(f"Deleted {purged.contacts} notification number(s) past retention.", err=True)


def expire_bookings() -> int:
    """Expire every site's no-shows (bookings not checked in by their session's end plus the
    late tolerance), in its own transaction, before any hall is locked: a check-in locks its
    booking, then its zone, so the no-shows are never expired while holding a zone."""
    session = db_session()
    expired = 0
    for site_id in list(session.scalars(select(Site.id))):
        expired += bookings.expire_no_shows(session, site_id, utcnow())
    db.session.commit()
    click.echo(f"Expired {expired} booking(s) not checked in (no-shows).", err=True)
    return expired


@click.command("expire-bookings")
@with_appcontext
def expire_bookings_command() -> None:
    """Expire the bookings whose session ended (plus the late tolerance) without a check-in
    (run it every few minutes from cron; close-day runs it too)."""
    expire_bookings()


@click.command("simulate-day")
@click.option(
    "--applicants",
    default=5000,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help="applicants of the day; the hall is scaled down below 5,000",
)
@click.option("--seed", default=2020, show_default=True, help="the same seed replays the same day")
@click.option("--no-early-close", is_flag=True, help="services keep issuing until closing time")
@click.option(
    "--keep",
    type=click.Path(dir_okay=False, writable=True),
    help="keep the simulated database in this new SQLite file (open it with the reports page)",
)
@click.option("--url", help="drive the live server at this base URL instead (HTTP + Socket.IO)")
@click.option("--speed", default=60.0, show_default=True, help="live: simulated s per real s")
@click.option("--phones", default=0, show_default=True, help="live: Socket.IO phone pages to open")
def simulate_day_command(
    applicants: int,
    seed: int,
    no_early_close: bool,
    keep: str | None,
    url: str | None,
    speed: float,
    phones: int,
) -> None:
    """Replay a busy day (5,000 applicants) through the services on a simulated clock, on a
    fresh SQLite database, and print the day's report and the wait-estimate accuracy."""
    scenario = Scenario(applicants=applicants, seed=seed, early_close=not no_early_close)
    if url:
        from .simulate.live import simulate_live

        for line in simulate_live(url, scenario, speed=speed, phones=phones):
            click.echo(line)
        return
    if keep and os.path.exists(keep):
        raise click.ClickException(f"{keep} exists; --keep writes a new database")
    from . import create_app

    with tempfile.TemporaryDirectory(prefix="loket-sim-") as tmp:
        path = os.path.abspath(keep) if keep else os.path.join(tmp, "busy-day.db")
        sim_app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                "SECRET_KEY": "simulate-day",
                "REDIS_URL": None,
                "SOCKETIO_ASYNC_MODE": "threading",
            }
        )
        with sim_app.app_context():
            upgrade()
            try:
                run = simulate_day(db_session(), scenario)
                for line in summary_lines(db_session(), run):
                    click.echo(line)
            finally:
                db.session.remove()
                db.engine.dispose()
    if keep:
        click.echo(f"The simulated database is in {keep}.")
