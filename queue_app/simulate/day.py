"""The driver: plays a scenario through the services layer on a simulated clock."""

from __future__ import annotations

import heapq
import random
import time as wallclock
from collections import Counter as Tally
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..domain.errors import HallClosed, InvalidTransition, LoketError
from ..domain.estimates import MIN_SAMPLES, estimate_wait_seconds, mean_service_seconds
from ..domain.events import DomainEvent, TicketChanged
from ..domain.numbering import local_midnight_utc
from ..domain.states import TicketState
from ..domain.vocabulary import Channel, CounterState
from ..extensions import db
from ..models import Counter, Service, Ticket
from ..realtime import snapshots
from ..services import counters as counter_verbs
from ..services import read, refusals, tickets
from ..services.clock import driven_by
from ..services.day import close_day
from ..services.estimates import seconds_between
from ..web.commit import commit_without_expiring
from .hall import SimHall, build_hall
from .scenario import Applicant, Scenario, applicants, lognormal


@dataclass(frozen=True)
class IssueEstimate:
    """The estimates a ticket was given when it was issued."""

    ticket_id: int
    service_id: int
    priority: bool
    people_ahead: int
    #: None: no open counter served the service, so the kiosk gave no figure (only words).
    ours_s: int | None
    naive_s: int
    first_version_s: int


@dataclass
class DayRun:
    """What happened, as the driver saw it."""

    scenario: Scenario
    hall: SimHall
    estimates: list[IssueEstimate] = field(default_factory=list)
    refused: Tally[str] = field(default_factory=Tally)
    operations: int = 0
    wall_s: float = 0.0
    expired_at_close: int = 0


def first_version_mean(session: Session, service: Service, day: date) -> float:
    """The first version's mean service time (`mean_service_seconds` over finish − start, or
    − last call, of today's done tickets; the prior until five), summed by the database."""
    count, total = session.execute(
        select(
            func.count(Ticket.id),
            func.sum(
                seconds_between(
                    func.coalesce(Ticket.started_at, Ticket.called_at), Ticket.finished_at
                )
            ),
        ).where(
            Ticket.service_id == service.id,
            Ticket.state == TicketState.DONE.value,
            Ticket.service_day == day,
            func.coalesce(Ticket.started_at, Ticket.called_at).is_not(None),
        )
    ).one()
    if count < MIN_SAMPLES:
        return mean_service_seconds([], service.prior_service_s)
    return float(total) / count


class SimClock:
    """The simulated time the services read through `services.clock`."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


class BusyDay:
    """Plays a scenario through the services layer with one session, one transaction per
    action, as the views would."""

    def __init__(self, session: Session, scenario: Scenario, hall: SimHall) -> None:
        self.session = session
        self.scenario = scenario
        self.hall = hall
        self.rng = random.Random(scenario.seed + 1)
        self.zone = ZoneInfo(scenario.timezone)
        self.opens = datetime.combine(scenario.day, scenario.opens_at, tzinfo=self.zone)
        self.closes = datetime.combine(scenario.day, scenario.closes_at, tzinfo=self.zone)
        self.clock = SimClock(self.opens.astimezone(UTC) - timedelta(minutes=30))
        self.run = DayRun(scenario, hall)
        self.profiles = {p.code: p for p in scenario.services}
        self.codes = {sid: code for code, sid in hall.service_ids.items()}
        self._queue: list[tuple[datetime, int, Callable[[], None]]] = []
        self._order = 0
        self.by_ticket: dict[int, Applicant] = {}
        self.idle: set[int] = set()
        self.counter_services: dict[int, list[int]] = {}
        self.closed_counters: set[int] = set()

    # -- scheduling -------------------------------------------------------------------------

    def at(self, when: datetime, action: Callable[[], None]) -> None:
        self._order += 1
        heapq.heappush(self._queue, (when, self._order, action))

    def after(self, seconds: float, action: Callable[[], None]) -> None:
        self.at(self.clock.now + timedelta(seconds=seconds), action)

    def play(self) -> DayRun:
        """Run the whole day, then close it; returns what happened."""
        started = wallclock.perf_counter()
        with driven_by(self.clock):
            for counter in self.session.scalars(
                select(Counter).where(Counter.site_id == self.hall.site_id)
            ):
                self.counter_services[counter.id] = counter.service_ids
                late = self.rng.uniform(0, 600)
                self.at(self.opens + timedelta(seconds=late), self._opener(counter.id))
            for person in applicants(self.scenario):
                self.at(person.arrive_at, self._arrival(person))
            self.at(self.closes, self._closing)
            while self._queue:
                when, _, action = heapq.heappop(self._queue)
                self.clock.now = max(self.clock.now, when.astimezone(UTC))
                action()
            # Past midnight: the day closes and its leftovers expire.
            next_day = self.scenario.day + timedelta(days=1)
            self.clock.now = local_midnight_utc(next_day, self.zone) + timedelta(minutes=5)
            expired, _ = close_day(self.session, self.hall.site_id)
            self.session.commit()
            self.run.expired_at_close = len(expired)
        self.run.wall_s = wallclock.perf_counter() - started
        return self.run

    def _commit(self, events: list[DomainEvent]) -> None:
        """The one commit of an action, and the hall's read model of its `seq`, as a view
        commits (web/commit.commit_and_publish, without the broadcast): the next lock and the
        kiosk read that model, as on the server. Like a view, it commits without expiring what
        it loaded (`web.commit.commit_without_expiring`, on the app's session: `simulate_day`
        checks it is this one), so the model is made of the rows just written; every lock
        expires the session again before it reads. Then wake idle counters for tickets now
        waiting."""
        commit_without_expiring()
        snapshots.of_change(self.session, events)
        self.run.operations += 1
        for event in events:
            if isinstance(event, TicketChanged) and event.to_state is TicketState.WAITING:
                self._wake(event.service_id)

    def _wake(self, service_id: int) -> None:
        for counter_id in sorted(self.idle):
            if service_id in self.counter_services[counter_id]:
                self.idle.discard(counter_id)
                self.after(self.rng.uniform(2, 10), self._ready(counter_id))

    def _attempt(self, verb: Callable[[], tuple[object, list[DomainEvent]]]) -> object | None:
        """Run one action; a refusal the applicant's situation explains (the ticket moved on
        meanwhile) rolls back and is skipped."""
        try:
            result, events = verb()
        except InvalidTransition:
            self.session.rollback()
            return None
        self._commit(events)
        return result

    # -- applicants -------------------------------------------------------------------------

    def _arrival(self, person: Applicant) -> Callable[[], None]:
        def arrive() -> None:
            service_id = self.hall.service_ids[person.service]
            # The applicant reads the kiosk button (its estimate), then presses it.
            view = self._view()
            noted = self._estimates(view, service_id, person.priority is not None)
            try:
                ticket, events = tickets.issue_ticket(
                    self.session,
                    service_id,
                    priority=person.priority,
                    channel=Channel.KIOSK,
                    seen=view,
                )
            except HallClosed:
                self.session.rollback()
                self.run.refused["hall_closed"] += 1
                return
            except LoketError as refused:
                self.session.rollback()
                reason = refusals.refusal_reason(refused)
                if reason is None:
                    raise
                refusals.record_refusal(
                    self.session, service_id, reason, Channel.KIOSK, person.priority
                )
                self.session.commit()
                self.run.refused[reason] += 1
                return
            person.ticket_id = ticket.id
            self._commit(events)
            self.by_ticket[person.ticket_id] = person
            self.run.estimates.append(replace(noted, ticket_id=person.ticket_id))
            if person.give_up_after_s is not None:
                self.after(person.give_up_after_s, self._give_up(person))

        return arrive

    def _view(self) -> read.HallView:
        """The hall as the kiosk shows it at this instant: the read model of the latest `seq`
        (the one its commit made: realtime.snapshots, one statement for the `seq`) worked
        out at the simulated now, as the ticket printed now is (services.tickets._hall_view),
        so the issue that follows reuses it."""
        site_id = self.hall.site_id
        seq = snapshots.site_seq(self.session, site_id)
        kept = snapshots.cache().kept(site_id)
        if kept is None or kept.seq != seq:
            kept = snapshots.after(site_id, seq)
        return read.HallView(None, site_id, self.clock.now, inputs=kept.inputs)

    def _estimates(self, view: read.HallView, service_id: int, priority: bool) -> IssueEstimate:
        """What the kiosk button says for a ticket taken now — the estimate its printed ticket
        then shows (the same figure: the ticket does not count in its own arrival rate) — and
        what the naive and first-version estimators would say."""
        service = next(s for s in view.services if s.id == service_id)
        estimates = view.estimates
        ahead = estimates.new_ticket_ahead(service_id, priority=priority)
        counters = len(estimates.serving_counters(service_id))
        mean = first_version_mean(self.session, service, view.today)
        return IssueEstimate(
            ticket_id=0,
            service_id=service_id,
            priority=priority,
            people_ahead=ahead,
            ours_s=estimates.new_ticket_s(service, priority=priority),
            naive_s=estimate_wait_seconds(ahead, service.prior_service_s, counters),
            first_version_s=estimate_wait_seconds(ahead, mean, counters),
        )

    def _give_up(self, person: Applicant) -> Callable[[], None]:
        def give_up() -> None:
            ticket = self._ticket(person)
            if ticket.state in (TicketState.ISSUED.value, TicketState.WAITING.value):
                self._attempt(lambda: tickets.cancel(self.session, ticket.id, self.hall.supervisor))

        return give_up

    def _ticket(self, person: Applicant) -> Ticket:
        assert person.ticket_id is not None
        self.session.expire_all()
        ticket = self.session.get(Ticket, person.ticket_id)
        assert ticket is not None
        self.session.rollback()
        return ticket

    # -- counters ---------------------------------------------------------------------------

    def _closing(self) -> None:
        """Closing time: idle counters close; busy ones close when their applicant leaves."""
        for counter_id in sorted(self.idle):
            self.idle.discard(counter_id)
            self._ready(counter_id)()

    def _opener(self, counter_id: int) -> Callable[[], None]:
        def open_counter() -> None:
            clerk = self.hall.clerks[counter_id]
            self._attempt(
                lambda: counter_verbs.set_counter_state(
                    self.session, counter_id, CounterState.OPEN, clerk
                )
            )
            self._ready(counter_id)()

        return open_counter

    def _ready(self, counter_id: int) -> Callable[[], None]:
        """The clerk is free: call the next ticket, or wait to be woken."""

        def ready() -> None:
            clerk = self.hall.clerks[counter_id]
            if self.clock.now >= self.closes.astimezone(UTC):
                if counter_id not in self.closed_counters:
                    self.closed_counters.add(counter_id)
                    self._attempt(
                        lambda: counter_verbs.set_counter_state(
                            self.session, counter_id, CounterState.CLOSED, clerk
                        )
                    )
                return
            ticket, events = tickets.call_next(self.session, counter_id, clerk)
            ticket_id = ticket.id if ticket is not None else None
            self._commit(events)
            if ticket_id is None:
                self.idle.add(counter_id)
                return
            person = self.by_ticket[ticket_id]
            person.counter_id = counter_id
            person.rounds += 1
            if person.no_show and person.rounds == 1:
                wait = self.scenario.no_show_wait_s
                self.after(wait, self._act(counter_id, ticket_id, tickets.recall))
                self.after(2 * wait, self._missed(counter_id, person))
                return
            self.after(person.walk_s, self._act(counter_id, ticket_id, tickets.start))
            self.after(person.walk_s + person.service_s, self._done(counter_id, person))

        return ready

    def _act(
        self, counter_id: int, ticket_id: int, verb: Callable[..., tuple[Ticket, list[DomainEvent]]]
    ) -> Callable[[], None]:
        clerk = self.hall.clerks[counter_id]

        def act() -> None:
            self._attempt(lambda: verb(self.session, ticket_id, clerk))

        return act

    def _done(self, counter_id: int, person: Applicant) -> Callable[[], None]:
        def done() -> None:
            clerk = self.hall.clerks[counter_id]
            assert person.ticket_id is not None
            ticket_id = person.ticket_id
            if person.transfer_to is not None and person.rounds == 1:
                target = self.hall.service_ids[person.transfer_to]
                self._attempt(lambda: tickets.transfer(self.session, ticket_id, target, clerk))
                profile = self.profiles[person.transfer_to]
                person.service_s = lognormal(self.rng, profile.mean_s, profile.cv)
            else:
                self._attempt(lambda: tickets.finish(self.session, ticket_id, clerk))
            self.after(self.rng.uniform(*self.scenario.turnaround_s), self._ready(counter_id))

        return done

    def _missed(self, counter_id: int, person: Applicant) -> Callable[[], None]:
        def missed() -> None:
            clerk = self.hall.clerks[counter_id]
            assert person.ticket_id is not None
            ticket_id = person.ticket_id
            self._attempt(lambda: tickets.no_show(self.session, ticket_id, clerk))
            self.after(self.rng.uniform(*self.scenario.turnaround_s), self._ready(counter_id))
            if person.come_back_after_s is not None:
                person.no_show = False  # when called again, they come
                self.after(person.come_back_after_s, self._come_back(counter_id, person))

        return missed

    def _come_back(self, counter_id: int, person: Applicant) -> Callable[[], None]:
        def come_back() -> None:
            if self.clock.now >= self.closes.astimezone(UTC):
                return
            clerk = self.hall.clerks[counter_id]
            assert person.ticket_id is not None
            ticket_id = person.ticket_id
            self._attempt(lambda: tickets.reinstate(self.session, ticket_id, clerk))

        return come_back


def simulate_day(session: Session, scenario: Scenario) -> DayRun:
    """Build the hall in an empty database, play the day, and return what happened.

    `session` is the app's (`db.session`, in its app context): the read model each commit
    makes reads the app's database (realtime.snapshots)."""
    if session.get_bind() is not db.engine:
        raise ValueError("simulate_day plays on the app's own database session (db.session)")
    hall = build_hall(session, scenario)
    session.commit()
    return BusyDay(session, scenario, hall).play()
