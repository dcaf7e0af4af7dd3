"""How pages name the system's coded values — ticket states, priorities, counter states,
roles, and the audit trail's actions, entities, fields and values — in the page's language
(lazy: translated when shown). The one home of these words; templates get the first ones as
globals (i18n.init_app), the admin console's audit page the rest (web/admin/audit.py).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .domain.vocabulary import CounterState, Role

#: How screens name each priority group.
PRIORITY_LABELS = {
    "elderly": _l("Elderly"),
    "disabled": _l("Disability"),
    "pregnant": _l("Pregnant"),
    "with_infant": _l("With a baby"),
}

#: How screens name each ticket state.
STATE_LABELS = {
    "issued": _l("Waiting outside"),
    "waiting": _l("Waiting inside"),
    "called": _l("Called"),
    "serving": _l("Being served"),
    "done": _l("Done"),
    "no_show": _l("Missed"),
    "cancelled": _l("Cancelled"),
    "expired": _l("Expired"),
}

#: How pages name a counter's state.
COUNTER_STATE_LABELS = {
    CounterState.OPEN.value: _l("Open"),
    CounterState.PAUSED.value: _l("Paused"),
    CounterState.CLOSED.value: _l("Closed"),
}

#: How pages name a role (a role added later shows under its own name).
ROLE_NAMES = {
    Role.ADMIN.value: _l("Admin"),
    Role.SUPERVISOR.value: _l("Supervisor"),
    Role.CLERK.value: _l("Clerk"),
    "kiosk": _l("Kiosk device"),
}

#: How the staff form offers each role: its name and what it may do.
ROLE_CHOICE_LABELS = {
    Role.ADMIN.value: _l("Admin: everything"),
    Role.SUPERVISOR.value: _l("Supervisor: overview, reports, any counter"),
    Role.CLERK.value: _l("Clerk: the counters below"),
    "kiosk": _l("Kiosk device: issues tickets only"),
}

#: How the reports name each refusal reason (issue 15; a reason not listed shows as it is).
REFUSAL_LABELS = {
    "quota_reached": _l("Service quota reached"),
    "agency_cap_reached": _l("Agency's daily cap reached"),
    "walk_in_not_accepted": _l("No walk-ins (register online)"),
    "closed_early": _l("Closed early"),
    "not_ready": _l("Visit saved (documents missing)"),
}

#: How the audit trail names each action.
ACTION_LABELS = {
    "issue": _l("issued"),
    "admit": _l("let in"),
    "call": _l("called"),
    "recall": _l("recalled"),
    "start": _l("started"),
    "finish": _l("finished"),
    "no_show": _l("no-show"),
    "reinstate": _l("reinstated"),
    "requeue": _l("back to queue"),
    "transfer": _l("transferred"),
    "cancel": _l("cancelled"),
    "expire": _l("expired"),
    "create": _l("created"),
    "update": _l("changed"),
    "reorder": _l("reordered"),
    "activate": _l("activated"),
    "deactivate": _l("deactivated"),
    "reset_password": _l("password reset"),
    "sign_in": _l("signed in"),
    "sign_out": _l("signed out"),
    "sign_in_failed": _l("sign-in failed"),
    "sign_out_everywhere": _l("signed out everywhere"),
    "enrol": _l("enrolled"),
    "reprint": _l("slip reprinted"),
    "enrolment_link": _l("new enrolment link"),
    "revoke": _l("revoked"),
    "requirement_add": _l("requirement added"),
    "requirement_update": _l("requirement changed"),
    "requirement_move": _l("requirements reordered"),
    "requirement_remove": _l("requirement removed"),
    "resend": _l("sent again"),
    "test_send": _l("test message sent"),
    "settings": _l("settings changed"),
    "closed_day_add": _l("closed day added"),
    "closed_day_remove": _l("closed day removed"),
    "capacity": _l("places changed"),
}

#: An agency's or service's channel policy (issue 16), in lists and the audit trail.
CHANNEL_POLICY_LABELS = {
    "walk_in": _l("walk-ins only"),
    "online": _l("online only"),
    "both": _l("walk-ins and online"),
}

#: How the audit trail names what an admin change was about.
ENTITY_LABELS = {
    "service": _l("Service"),
    "counter": _l("Counter"),
    "user": _l("Account"),
    "site": _l("Hall"),
    "session": _l("Session"),
    "device": _l("Device"),
    "ticket": _l("Ticket"),
    "notification": _l("Notification"),
    "zone": _l("Zone"),
    "agency": _l("Agency"),
    "booking": _l("Online registration"),
    "booking_session": _l("Booking session"),
}

#: How the audit trail names the fields of a change and the details of an event.
FIELD_LABELS = {
    "active": _l("active"),
    "capacity": _l("default places"),
    "capacity_override": _l("places"),
    "channels": _l("channels"),
    "day": _l("day"),
    "days_ahead": _l("days ahead"),
    "early_min": _l("check-in before (min)"),
    "holder_kind": _l("a booking asks for"),
    "late_min": _l("check-in after (min)"),
    "online_pct": _l("online share (%)"),
    "release_no_shows": _l("no-shows' places to walk-ins"),
    "session": _l("session"),
    "session_min": _l("session length (min)"),
    "week_limit": _l("bookings per person a week"),
    "windows": _l("booking windows"),
    "working_days": _l("working days"),
    "agency": _l("agency"),
    "almost_ahead": _l("“almost your turn” at (ahead)"),
    "api_tokens_revoked": _l("API tokens revoked"),
    "address": _l("address"),
    "channel": _l("channel"),
    "cap": _l("cap"),
    "closes_at": _l("closes at"),
    "closes_early": _l("may close early"),
    "colour": _l("colour"),
    "code": _l("code"),
    "counters": _l("counters"),
    "counters_unknown": _l("unknown counters"),
    "daily_cap": _l("daily cap"),
    "distancing_pct": _l("places in use (%)"),
    "daily_quota": _l("daily quota"),
    "floor": _l("floor"),
    "from_service_id": _l("from service"),
    "hall_capacity": _l("hall capacity"),
    "holder_id_kind": _l("one ticket per person, by"),
    "is_open": _l("open"),
    "kind": _l("kind"),
    "known_user": _l("known account"),
    "label": _l("label"),
    "name": _l("name"),
    "name_en": _l("name (English)"),
    "name_id": _l("name (Indonesian)"),
    "no_show_after_s": _l("no-show allowed after (s)"),
    "note": _l("note"),
    "number": _l("number"),
    "opens_at": _l("opens at"),
    "order": _l("order"),
    "position": _l("position"),
    "prior_service_s": _l("prior service time (s)"),
    "priority_ratio": _l("priority ratio"),
    "public_base_url": _l("public address"),
    "reason": _l("reason"),
    "recall_limit": _l("recall limit"),
    "requirement": _l("requirement"),
    "requirements": _l("requirements"),
    "retention_days": _l("numbers kept (days)"),
    "room_capacity": _l("room capacity"),
    "role": _l("role"),
    "services": _l("services"),
    "services_missing": _l("unknown services"),
    "sessions_ended": _l("sessions ended"),
    "state": _l("state"),
    "ticket_state": _l("state of the ticket"),
    "timezone": _l("time zone"),
    "username": _l("username"),
    "walk_in": _l("walk-ins"),
    "via": _l("via"),
    "wait_alert_min": _l("wait alert (min)"),
    "webhook_secret": _l("own gateway secret set"),
    "webhook_url": _l("own gateway address"),
    "zone": _l("zone"),
    # The notification kinds (their switch and texts, as a site's settings record them).
    "ticket.issued": _l("message: ticket issued"),
    "ticket.almost": _l("message: almost your turn"),
    "ticket.admitted": _l("message: you may enter"),
    "ticket.called": _l("message: called to a counter"),
    "ticket.no_show": _l("message: no-show"),
    "booking.confirmed": _l("message: booking confirmed"),
    "booking.reminder": _l("message: booking reminder"),
}

#: What each notification kind is, for the console's settings page.
NOTIFY_KIND_LABELS = {
    "ticket.issued": _l("Ticket issued (with the link to the status page)"),
    "ticket.almost": _l("Almost your turn: please come back"),
    "ticket.admitted": _l("You may enter the waiting hall now"),
    "ticket.called": _l("Called to a counter"),
    "ticket.no_show": _l("Skipped: nobody came when called"),
    "booking.confirmed": _l("Online booking confirmed (with the link to the booking)"),
    "booking.reminder": _l("Booking reminder: the evening before, and an hour before"),
}

#: Words for the coded values the trail records (a value not listed shows as it is).
VALUE_LABELS = {
    "kiosk": _l("kiosk"),
    "staff": _l("staff"),
    "api": _l("API"),
    "form": _l("sign-in form"),
    "day_closed": _l("the day was closed"),
    "phone": _l("phone number"),
    "nik": _l("NIK"),
    "board": _l("lobby board"),
}
