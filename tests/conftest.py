"""Fixtures: an app on a real database (an SQLite file, or PostgreSQL in its own schema),
its HTTP client, and a small hall.

PostgreSQL tests (`db_backend` = "postgres", marker `postgres`) run wherever PostgreSQL answers
at $TEST_POSTGRES_URL (default: 127.0.0.1:5432, database `test`). In CI (CI=true) an
unreachable PostgreSQL fails those tests; elsewhere they are skipped with a message.
"""

from __future__ import annotations

import gc
import importlib.util
import os
import shutil
import sqlite3
import uuid
from collections.abc import Generator, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jinja2 import StrictUndefined
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from queue_app import create_app
from queue_app.domain.vocabulary import Role
from queue_app.extensions import db
from queue_app.models import Counter, Service, Site, User

from .helpers import make_counter, make_service, make_site, make_user
from .integration.live import sqlite_file
from .watchdog import bounded

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# Every account the tests make (here, in CLI runs and in the servers they start, which inherit
# the environment) hashes its password with a cheap PBKDF2 instead of scrypt: the suite makes
# hundreds of accounts, and what it tests is who may do what, not the key derivation
# (queue_app/services/passwords.py; tests/security checks that production ignores this).
os.environ.setdefault("LOKET_PASSWORD_HASH_METHOD", "pbkdf2:sha256:1000")

# Each test builds an app (its URL map, its extensions) and drops it: with the default
# thresholds the cyclic collector ran every 700 allocations and walked the growing heap, about
# 15% of an in-process test's time. Collected every 50,000 instead (the older generations as
# before), the suite stays under half a gigabyte a process.
gc.set_threshold(50_000, 20, 10)


@contextmanager
def without_coverage(config: pytest.Config) -> Iterator[None]:
    """Run a block untraced by the coverage report of `make test` (pytest-cov), for the big
    simulated days: load tests of code the short days cover, which tracing makes twice as slow."""
    plugin = config.pluginmanager.getplugin("_cov")
    controller = getattr(plugin, "cov_controller", None)
    if controller is None or not getattr(controller, "started", False):
        yield
        return
    controller.pause()
    try:
        yield
    finally:
        controller.resume()


def postgres_available() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}".splitlines()[0]


def require_postgres() -> None:
    """Fail in CI, skip elsewhere, when PostgreSQL does not answer."""
    problem = postgres_available()
    if problem is None:
        return
    message = f"PostgreSQL not reachable at {POSTGRES_URL} ({problem})"
    if IN_CI:
        pytest.fail(message + " — it is required in CI")
    pytest.skip(message + " — start it to run these tests")


@pytest.fixture
def postgres_schema_url() -> Iterator[str]:
    """A PostgreSQL URL whose connections use a fresh, private schema (dropped afterwards)."""
    require_postgres()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def make_app(database_url: str, **extra: Any) -> Flask:
    config: dict[str, Any] = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SOCKETIO_ASYNC_MODE": "threading",
        "REDIS_URL": None,
        "PUBLIC_BASE_URL": "https://loket.example.id",
        "WTF_CSRF_ENABLED": False,
        # Tests issue many tickets from one address; tests/security switch the limits on.
        "RATELIMIT_ENABLED": False,
    }
    config.update(extra)
    application = create_app(config)
    # A variable a template uses but its view does not pass is a bug: here it raises instead of
    # rendering as nothing (templates use `|default` where a value is optional).
    application.jinja_env.undefined = StrictUndefined
    return application


@pytest.fixture(params=["sqlite"])
def db_backend(request: pytest.FixtureRequest) -> str:
    """Which database the `app` fixture uses; parametrize with ["sqlite", "postgres"]."""
    return str(request.param)


@pytest.fixture
def database_url(db_backend: str, tmp_path: Any, request: pytest.FixtureRequest) -> str:
    if db_backend == "postgres":
        return str(request.getfixturevalue("postgres_schema_url"))
    return f"sqlite:///{tmp_path / 'loket.db'}"


#: Per test process, SQLite files made once and copied for each test that asks for a new
#: file: the tables (`create_all`), and the tables with the small hall (`build_hall`). Creating
#: the schema and the hall took ~0.1 s a test (more under the coverage tracer), a copy ~1 ms;
#: what a test gets is the same database, its rows and ids included.
_TEMPLATES: dict[bool, tuple[Path, Hall | None]] = {}


def _template(with_hall: bool) -> tuple[Path, Hall | None]:
    if with_hall not in _TEMPLATES:
        import tempfile

        where = Path(tempfile.mkdtemp(prefix="loket-template-")) / f"hall-{with_hall}.db"
        application = make_app(f"sqlite:///{where}")
        with application.app_context():
            db.create_all()
            db.session.commit()
            made = build_hall() if with_hall else None
            db.session.remove()
            db.engine.dispose()
        # The app writes in WAL mode: fold the log into the file, so one file is all.
        with closing(sqlite3.connect(where)) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        _TEMPLATES[with_hall] = (where, made)
    return _TEMPLATES[with_hall]


@contextmanager
def app_with_tables(database_url: str, with_hall: bool = False, **extra: Any) -> Iterator[Flask]:
    """`make_app` with its tables created (and with `with_hall`, the small hall built: its ids
    are in `app.extensions["test_hall"]`), disposed of afterwards. A new SQLite file is a copy
    of this process's template; an existing file or PostgreSQL gets `create_all`."""
    fresh = sqlite_file(database_url)
    hall_made: Hall | None = None
    copied = fresh is not None and not fresh.exists()
    if copied:
        assert fresh is not None
        template, hall_made = _template(with_hall)
        shutil.copyfile(template, fresh)
    application = make_app(database_url, **extra)
    with application.app_context():
        if not copied:
            db.create_all()
            db.session.commit()
            if with_hall:
                hall_made = build_hall()
    if hall_made is not None:
        application.extensions["test_hall"] = hall_made
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(database_url: str, request: pytest.FixtureRequest) -> Iterator[Flask]:
    """The app on its own database; when the test uses the `hall` below (not a module's own),
    the hall comes with it."""
    with app_with_tables(database_url, with_hall=wants_hall(request)) as application:
        yield application


def wants_hall(request: pytest.FixtureRequest) -> bool:
    """Whether the test's `hall` fixture is this module's. (pytest has no public way to ask
    which definition of a fixture a test gets; its item's fixture info says it.)"""
    info = getattr(request.node, "_fixtureinfo", None)
    defs = info.name2fixturedefs.get("hall") if info is not None else None
    return bool(defs) and defs[-1].func.__module__ == __name__


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """The app's session inside an app context (services tests use it directly)."""
    with app.app_context():
        yield db.session
        db.session.rollback()


@dataclass
class Hall:
    """A small hall: services A and B, counter 1 (A then B) and 2 (B then A), one clerk each,
    a supervisor. Ids are plain ints, safe to use outside the session."""

    site_id: int
    service_a: int
    service_b: int
    counter_1: int
    counter_2: int


def build_hall(capacity: int | None = None, ratio: int = 2, quota: int | None = None) -> Hall:
    """Create the small hall in the current app context and commit it."""
    session = db.session
    site: Site = make_site(session, capacity=capacity, ratio=ratio)
    a: Service = make_service(session, site, "A", quota=quota)
    b: Service = make_service(session, site, "B")
    c1: Counter = make_counter(session, site, 1, [a, b])
    c2: Counter = make_counter(session, site, 2, [b, a])
    make_user(session, "clerk1", Role.CLERK, [c1])
    make_user(session, "clerk2", Role.CLERK, [c2])
    make_user(session, "super", Role.SUPERVISOR)
    make_user(session, "admin", Role.ADMIN)
    session.commit()
    return Hall(site.id, a.id, b.id, c1.id, c2.id)


@pytest.fixture
def hall(app: Flask) -> Hall:
    made: Hall | None = app.extensions.get("test_hall")
    if made is not None:
        return replace(made)
    with app.app_context():
        return build_hall()


def user(username: str) -> User:
    from sqlalchemy import select

    return db.session.scalars(select(User).where(User.username == username)).one()


#: Tests that must not run beside each other, by path prefix → xdist group. The cluster's
#: package shares its processes, nginx and Redis; the thread-storm concurrency tests open as
#: many PostgreSQL connections as the cluster does, and both at once pass PostgreSQL's
#: max_connections (100); the browser tests share one Chromium.
SHARED_GROUPS = {
    "tests/cluster/": "postgres-load",
    "tests/services/test_concurrency.py": "postgres-load",
    "tests/services/test_mall.py": "postgres-load",
    "tests/browser/": "browser",
}


def xdist_group(nodeid: str) -> str:
    """The worker group of a test: its module, or its shared group above."""
    path = nodeid.split("::")[0]
    return next((g for prefix, g in SHARED_GROUPS.items() if path.startswith(prefix)), path)


#: The groups that take minutes (worker time in a `make test` run on 2 cores, December 2026),
#: longest first: handed out first, so no worker starts one of them while the other is nearly
#: done (longest-first is how the suite's wall time gets close to half its worker time). The
#: rest follow, most tests first (xdist's own order).
LONG_GROUPS = (
    "browser",  # ~5 min
    "postgres-load",  # ~4 min: the cluster, the thread storms
    "tests/simulate/test_simulate_day_command.py",  # ~3.5 min: the full 5,000-applicant day
    "tests/simulate/test_busy_day.py",  # ~1.5 min: a day per backend
    "tests/security/test_openapi_fuzz.py",
)


#: Packages whose tests drive servers in other processes (Chromium's pages, the cluster's
#: gunicorns): what they run of the app runs there, unmeasured (pyproject.toml's coverage
#: settings). Tracing their own process (Playwright, 64 client threads) measures nothing of the
#: app and slowed them; their tests run untraced from setup to teardown, module fixtures too.
UNTRACED = ("tests/browser/", "tests/cluster/")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(
    item: pytest.Item, nextitem: pytest.Item | None
) -> Generator[None, object, object]:
    if not item.nodeid.startswith(UNTRACED):
        return (yield)
    with without_coverage(item.config):
        return (yield)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the long groups first, then the others by how many tests they have; each group's
    tests stay together and in their own order (module-scoped fixtures are built once)."""
    groups: dict[str, list[pytest.Item]] = {}
    for item in items:
        groups.setdefault(xdist_group(item.nodeid), []).append(item)

    def rank(group: str) -> tuple[int, int]:
        if group in LONG_GROUPS:
            return (LONG_GROUPS.index(group), 0)
        return (len(LONG_GROUPS), -len(groups[group]))

    items[:] = [item for group in sorted(groups, key=rank) for item in groups[group]]


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Under `pytest -n N --dist loadgroup` (what `make test` runs), keep each module's tests
    on one worker, so a module-scoped fixture (a simulated day, a fuzzing server) is built
    once, and keep the groups above whole. Independent modules run side by side: each test
    has its own SQLite file, PostgreSQL schema and free ports.

    The groups are worked out here, from the test's path, rather than with `xdist_group`
    marks: pytest-xdist 3.8 marks a test's group by rewriting `item._nodeid`, which pytest 9
    no longer reads, so marked tests were spread over both workers (each built the simulated
    days and a cluster of its own)."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    # The collection's order (pytest_collection_modifyitems above) is the order of the work.
    config.option.loadscopereorder = False

    class ModuleGroupScheduling(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return xdist_group(nodeid)

    return ModuleGroupScheduling(config, log)


# -- the browser (tests/browser, tests/security/test_csp_browser.py) --------------------------
#: Debian's Chromium: Playwright drives it, and no browser is ever downloaded.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def zbarimg() -> str | None:
    """zbarimg (Debian's zbar-tools), which reads the printed ticket's QR code."""
    return shutil.which("zbarimg") or (
        "/usr/bin/zbarimg" if os.access("/usr/bin/zbarimg", os.X_OK) else None
    )


def missing_tools() -> list[str]:
    """What the browser tests need and this machine lacks (empty when all is there)."""
    missing = []
    if not os.access(CHROMIUM, os.X_OK):
        missing.append(f"Chromium at {CHROMIUM} (apt-get install chromium)")
    if zbarimg() is None:
        missing.append("zbarimg (apt-get install zbar-tools)")
    if importlib.util.find_spec("playwright") is None:
        missing.append("the playwright Python package (pip install -r requirements-dev.txt)")
    return missing


@pytest.fixture(scope="session")
def browser_tools() -> None:
    """Fail in CI, skip elsewhere, when Chromium, zbarimg or Playwright is missing."""
    missing = missing_tools()
    if not missing:
        return
    message = "browser tests need " + ", ".join(missing)
    if IN_CI:
        pytest.fail(message + " — they are required in CI")
    pytest.skip(message + " — install them to run these tests")


@pytest.fixture(scope="session")
def playwright(browser_tools: None) -> Iterator[Playwright]:
    """One Playwright per test process, defined here once for every directory: its sync API
    runs an event loop in this thread, and a second one started beside it (a fixture of the
    same name defined in another conftest) fails."""
    from playwright.sync_api import sync_playwright

    manager = sync_playwright()
    with bounded("Playwright's driver start", 120):
        started = manager.__enter__()
    try:
        yield started
    finally:
        manager.__exit__(None, None, None)


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """One headless Chromium per test process; each test opens its own contexts, so no
    cookie, storage or page outlives its test."""
    with bounded("Chromium's launch", 120):
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=60_000
        )
    yield chromium
    chromium.close()
