"""Loket: a queue system for walk-in public service halls."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from typing import Any

from flask import Flask

from . import config as config_module
from . import security
from .extensions import csrf, db, login_manager, migrate, socketio

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask app: settings from the environment, then `config` on top."""
    app = Flask(
        __name__,
        template_folder=os.path.join(ROOT, "templates"),
        static_folder=os.path.join(ROOT, "static"),
        instance_path=os.path.join(ROOT, "instance"),
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep documented field order
    app.config.update(config_module.from_environment())
    if config:
        app.config.update(config)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        os.makedirs(app.instance_path, exist_ok=True)
        path = os.path.join(app.instance_path, "loket.db")
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = config_module.engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config.get("SQLALCHEMY_ENGINE_OPTIONS")
    )
    security.check_secret_key(app)  # production refuses a missing or weak key
    security.check_public_address(app)  # … and a site whose address each request would decide
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _installation_secret(app.instance_path)

    # Socket handlers must be declared before socketio.init_app: Flask-SocketIO binds handlers
    # declared later only to the server that already exists, not to later apps' servers.
    from .realtime import availability, broadcast, handlers, message_queue, snapshots

    db.init_app(app)
    migrate.init_app(
        app, db, directory=os.path.join(os.path.dirname(__file__), "migrations"), compare_type=True
    )
    login_manager.init_app(app)
    csrf.init_app(app)
    socketio.init_app(
        app,
        async_mode=app.config.get("SOCKETIO_ASYNC_MODE"),
        # Redis between processes (scale-out), hardened for restarts: realtime/message_queue.py
        client_manager=message_queue.client_manager(app.config.get("REDIS_URL")),
        # The Engine.IO handshake checks Origin: this site's own, plus SOCKET_ALLOWED_ORIGINS.
        cors_allowed_origins=security.socket_origin_check(app.config["SOCKET_ALLOWED_ORIGINS"]),
        # What a client may send in one message (an event, a packet of the polling transport).
        max_http_buffer_size=app.config["SOCKET_MAX_PAYLOAD"] or 16384,
        # A malformed packet is a one-line warning in the log, not a traceback.
        logger=security.OneLineLogger("socketio.server"),
        engineio_logger=security.OneLineLogger("engineio.server"),
    )

    from . import auth, cli, device_cookie, i18n, notify
    from .web import (
        admin,
        api,
        booking_api,  # noqa: F401  (its routes join the API blueprint)
        booking_page,
        daftar,
        desk,
        devices,
        errors,
        ikm_report,  # noqa: F401  (its routes join the reports blueprint)
        pages,
        reports,
        screens,
        survey,  # noqa: F401  (its routes join the API blueprint)
        survey_tablet,
    )

    auth.init_app(app)
    i18n.init_app(app, ROOT)
    errors.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(screens.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(admin.bp)  # every page of the web/admin package
    app.register_blueprint(devices.bp)
    app.register_blueprint(survey_tablet.bp)
    app.register_blueprint(booking_page.bp)
    app.register_blueprint(daftar.bp)
    app.register_blueprint(desk.bp)
    device_cookie.init_app(app)
    csrf.exempt(api.bp)  # the API authenticates with Bearer tokens or a SameSite session
    security.init_app(app)  # headers, rate limits (wrapping views above), proxies, hosts
    handlers.init_app(app)
    snapshots.init_app(app)
    availability.init_app(app)
    broadcast.init_app(app)
    cli.init_app(app)
    notify.init_app(app)
    return app


def _installation_secret(instance_path: str) -> str:
    """A random key kept in instance/secret_key, made on first start: the embedded install
    needs no setup and never runs on a key published in this repository. Several processes
    (scale-out) must share one key: set SECRET_KEY for them."""
    path = os.path.join(instance_path, "secret_key")
    os.makedirs(instance_path, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        with open(path, encoding="ascii") as existing:
            return existing.read().strip()
    with os.fdopen(fd, "w", encoding="ascii") as new:
        new.write(secrets.token_hex(32))
    with open(path, encoding="ascii") as written:
        return written.read().strip()
