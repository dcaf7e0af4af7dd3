"""Flask commands: seed-demo, create-user, create-token, close-day."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from .demo import seed_demo
from .domain.errors import LoketError
from .domain.vocabulary import Role
from .extensions import db, db_session
from .models import User
from .realtime import broadcast
from .services import staff
from .services.day import close_day


def init_app(app: Flask) -> None:
    """Register the commands."""
    for command in (
        seed_demo_command,
        create_user_command,
        create_token_command,
        close_day_command,
    ):
        app.cli.add_command(command)


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Create the demo hall, unless the database already has services."""
    lines = seed_demo(db_session(), current_app.config["SITE_TIMEZONE"])
    if lines is None:
        click.echo("The database already has services; the demo hall was not created.")
        return
    db.session.commit()
    for line in lines:
        click.echo(line)


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


@click.command("close-day")
@with_appcontext
def close_day_command() -> None:
    """Expire tickets that earlier service days left in the queue or at a counter."""
    expired, events = close_day(db_session())
    db.session.commit()
    broadcast.publish(events)
    click.echo(f"Expired {len(expired)} ticket(s) left from earlier days.", err=True)
