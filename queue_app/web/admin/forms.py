"""The admin console's forms (Flask-WTF, each with its CSRF token).

Forms check formats and ranges; the rules that need the database (a code or number already
taken, a counter still busy) are the services' (services/admin/), whose refusals come back as
field errors through `REASONS`. Every message a person can see is translated: WTForms' own
messages go through the project's catalog too (`AdminForm.Meta`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from zoneinfo import available_timezones

from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    Field,
    Form,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import (
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from ...domain import booking as booking_rules
from ...domain import notify
from ...domain.booking import ChannelPolicy
from ...domain.errors import LoketError
from ...domain.vocabulary import CounterState, DeviceKind, Role
from ...i18n import decimal
from ...labels import COUNTER_STATE_LABELS, ROLE_CHOICE_LABELS
from ...services.admin.requirements import MAX_REQUIREMENTS
from ...services.admin.site import normalise_base_url
from ...services.passwords import MIN_PASSWORD

#: WTForms' own messages that these forms can show, so the catalog translates them too.
WTFORMS_MESSAGES = (
    _l("This field is required."),
    _l("Not a valid integer value."),
    _l("Not a valid decimal value."),
    _l("Not a valid time value."),
    _l("Not a valid date value."),
    _l("Not a valid choice."),
)

REQUIRED = _l("Please fill this in.")

#: The channel policies as the agency and service forms offer them.
POLICY_CHOICES = {
    ChannelPolicy.WALK_IN: _l("Walk-ins only: tickets at the kiosk"),
    ChannelPolicy.ONLINE: _l("Online only: register at /daftar first"),
    ChannelPolicy.BOTH: _l("Both: online bookings and walk-ins"),
}
#: The same as a select's options, in the enum's order (the agency form; the service form
#: puts "as its agency" first).
POLICY_OPTIONS = [SelectChoice(policy.value, label) for policy, label in POLICY_CHOICES.items()]

#: How a refusal of the services (InvalidInput.detail["reason"]) reads on the form.
REASONS: dict[str, Any] = {
    "code_format": _l("A code is one to three capital letters, e.g. A or KTP."),
    "code_taken": _l("Another service already has this code."),
    "code_fixed": _l(
        "This service has issued tickets: its code is printed on them and cannot change."
    ),
    "range": _l("This value is out of range."),
    "required": REQUIRED,
    "services_missing": _l("A counter serves at least one service."),
    "services_repeated": _l("List each service once."),
    "services_unknown": _l("No service with the code %(codes)s."),
    "number_taken": _l("Another counter already has this number."),
    "counters_unknown": _l("No such counter."),
    "role_unknown": _l("Not a valid choice."),
    "choice": _l("Not a valid choice."),
    "username_taken": _l("This username is taken."),
    "password_short": _l("A password has at least %(n)s characters.", n=MIN_PASSWORD),
    "own_role": _l("You cannot take away your own admin role."),
    "own_account": _l("You cannot deactivate your own account."),
    "base_url": _l("Give an address like https://antrean.example.go.id (http or https)."),
    "timezone": _l("Unknown time zone: use a name like Asia/Jakarta."),
    "device_kind": _l("Not a valid choice."),
    "name": _l("A name has 1 to 64 characters."),
    "too_many": _l("A service asks for at most %(n)s documents.", n=MAX_REQUIREMENTS),
    "too_long": _l("This text is too long."),
    "zones": _l(
        "A counter serves the services of one zone only; these lie in several: %(spread)s."
    ),
    "zone_busy": _l(
        "Tickets of today are still waiting or at a counter for this service (%(n)s): move it "
        "to another zone once they are done, or tomorrow."
    ),
    "zone_counter": _l(
        "Counter %(counter)s also serves %(codes)s, which stay in this zone: change the "
        "counter's services first."
    ),
    "zone_name_taken": _l("Another zone already has this name."),
    "agency_code_format": _l("An agency code is 1 to 12 capital letters or digits, e.g. IMI."),
    "agency_code_taken": _l("Another agency already has this code."),
    "colour": _l("Write a colour as # and six hexadecimal digits, e.g. #1f6f8b."),
    "counter_busy": _l(
        "The counter still has a called or serving ticket: finish it first, then close."
    ),
    "placeholder": _l(
        "Unknown placeholder %(placeholder)s: this message may use %(allowed)s. Nothing was saved."
    ),
    "braces": _l(
        "A brace is not closed or not opened: write placeholders as {code}, and nothing else "
        "in braces."
    ),
    "url": _l("Give the gateway's address, like https://gateway.example.id/loket (http or https)."),
    "length": _l("This text is too long."),
    "windows": _l(
        "Write the windows as HH:MM-HH:MM separated by commas, each ending after it starts, "
        "e.g. 06:00-10:00,16:00-22:00 (-00:00 ends at midnight)."
    ),
    "no_weekday": _l("Tick at least one working day."),
    "past_day": _l("That day is past: close today or a coming day."),
    "closed_day_taken": _l("That day is closed already (%(name)s)."),
    "below_booked": _l(
        "Booked already in this session: %(taken)s. It cannot hold fewer places. Nothing was saved."
    ),
}


def field_error(form: Form, error: LoketError, default_field: str) -> None:
    """Show a service's refusal on the form field it concerns."""
    reason = str(error.detail.get("reason") or error.code)
    message = REASONS.get(reason)
    text = str(message) % error.detail if message is not None and "%(" in str(message) else None
    name = str(error.detail.get("field", default_field))
    target: Field | None = form._fields.get(name) or form._fields.get(default_field)
    if target is None:
        return
    errors = list(target.errors)
    errors.append(text or (str(message) if message is not None else error.message))
    target.errors = errors


class _Catalog:
    """WTForms' translations object, backed by the project's Flask-Babel catalog (unformatted:
    WTForms fills in its own placeholders)."""

    def gettext(self, string: str) -> str:
        return str(get_translations().ugettext(string))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return str(get_translations().ungettext(singular, plural, n))


class AdminForm(FlaskForm):
    """Base of the admin forms: WTForms' messages in the page's language."""

    class Meta:
        def get_translations(self, form: Any) -> _Catalog:
            return _Catalog()


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (the counters a staff member may use)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _range(low: int, high: int) -> NumberRange:
    return NumberRange(
        min=low, max=high, message=_l("Give a number from %(a)s to %(b)s.", a=low, b=high)
    )


class ActionForm(AdminForm):
    """A button that posts (move, activate, deactivate): the CSRF token only."""


class LocalDecimalField(DecimalField):
    """A decimal number as the page's language writes it (`7,5` in Indonesian, `7.5` in
    English). Either mark is read as the decimal one: the console's decimal fields (minutes
    up to 480) never need a thousands separator."""

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        if isinstance(self.data, Decimal):
            return decimal(self.data, 2)
        return super()._value()  # type: ignore[no-any-return]

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist:
            valuelist = [str(valuelist[0]).strip().replace(",", ".")]
        super().process_formdata(valuelist)


class KeepSelect(SelectField):
    """A select whose absence keeps what is stored (a form posted without it, e.g. by an older
    page or a script): only a value that is sent must be one of the choices."""

    def pre_validate(self, form: Form) -> None:
        if self.data is not None:
            super().pre_validate(form)


class ServiceForm(AdminForm):
    code = StringField(
        _l("Code (ticket prefix)"),
        validators=[
            InputRequired(message=REQUIRED),
            Regexp(r"^[A-Za-z]{1,3}$", message=REASONS["code_format"]),
        ],
        filters=[lambda v: v.strip().upper() if isinstance(v, str) else v],
    )
    name_id = StringField(
        _l("Name in Indonesian"), validators=[InputRequired(message=REQUIRED), Length(max=120)]
    )
    name_en = StringField(
        _l("Name in English"), validators=[InputRequired(message=REQUIRED), Length(max=120)]
    )
    daily_quota = IntegerField(
        _l("Daily quota (empty: no quota)"), validators=[Optional(), _range(0, 100_000)]
    )
    prior_minutes = LocalDecimalField(
        _l("Expected service time, minutes (until today's are measured)"),
        places=None,
        validators=[
            InputRequired(message=REQUIRED),
            NumberRange(
                min=Decimal("0.5"),
                max=480,
                message=_l("Give a number of minutes from 0.5 to 480."),
            ),
        ],
    )
    is_open = BooleanField(_l("Open: the kiosk issues tickets for it"))
    closes_early = BooleanField(
        _l("Close early when a new ticket could not be served before closing time")
    )
    position = IntegerField(
        _l("Order on kiosks and boards (lower first; empty: last)"),
        validators=[Optional(), _range(0, 999)],
    )
    agency_id = KeepSelect(_l("Agency"), coerce=int)
    zone_id = KeepSelect(_l("Zone (floor or room)"), coerce=int)
    channels = KeepSelect(
        _l("How applicants come"),
        choices=[SelectChoice("", _l("As its agency")), *POLICY_OPTIONS],
    )
    online_pct = IntegerField(
        _l("Under both: percent of the daily quota booked online (empty: the agency's)"),
        validators=[Optional(), _range(0, 100)],
    )
    release_no_shows = BooleanField(
        _l("Places of bookings nobody checked in for go to walk-ins for the rest of the day")
    )

    #: Codes the hall's other services use (set by the view, so that every mistake shows at
    #: once; services.admin checks again under the hall's lock).
    codes_taken: frozenset[str] = frozenset()

    def validate_code(self, field: Field) -> None:
        if field.data in self.codes_taken:
            raise ValidationError(str(REASONS["code_taken"]))


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


class ZoneForm(AdminForm):
    """A floor or a service room with its own cap (the *Zona* page)."""

    name = StringField(
        _l("Name"),
        validators=[InputRequired(message=REQUIRED), Length(max=120)],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )
    floor = IntegerField(
        _l("Floor"), validators=[InputRequired(message=REQUIRED), _range(-10, 200)]
    )
    room_capacity = IntegerField(
        _l("Room capacity: places in normal times (empty: no cap of its own)"),
        validators=[Optional(), _range(0, 100_000)],
    )
    distancing_pct = IntegerField(
        _l("Places in use: percent of the room's capacity (50 under distancing)"),
        validators=[InputRequired(message=REQUIRED), _range(1, 100)],
    )
    position = IntegerField(
        _l("Order on kiosks and boards (lower first; empty: last)"),
        validators=[Optional(), _range(0, 999)],
    )

    #: Names the site's other zones use, case-folded (set by the view).
    names_taken: frozenset[str] = frozenset()

    def validate_name(self, field: Field) -> None:
        if isinstance(field.data, str) and field.data.casefold() in self.names_taken:
            raise ValidationError(str(REASONS["zone_name_taken"]))


class AgencyForm(AdminForm):
    """An agency (*instansi*) of the mall (the *Instansi* page)."""

    code = StringField(
        _l("Code"),
        validators=[
            InputRequired(message=REQUIRED),
            Regexp(r"^[A-Z0-9]{1,12}$", message=REASONS["agency_code_format"]),
        ],
        filters=[_upper],
    )
    name_id = StringField(
        _l("Name in Indonesian"), validators=[InputRequired(message=REQUIRED), Length(max=120)]
    )
    name_en = StringField(
        _l("Name in English"), validators=[InputRequired(message=REQUIRED), Length(max=120)]
    )
    colour = StringField(
        _l("Colour of its kiosk tile"),
        validators=[
            InputRequired(message=REQUIRED),
            Regexp(r"^#[0-9a-f]{6}$", message=REASONS["colour"]),
        ],
        filters=[_lower],
    )
    channels = KeepSelect(
        _l("How applicants come"),
        choices=POLICY_OPTIONS,
    )
    online_pct = IntegerField(
        _l("Under both: percent of a service's daily quota booked online"),
        validators=[Optional(), _range(0, 100)],
    )
    daily_cap = IntegerField(
        _l("Daily cap: tickets a day across its services (empty: no cap)"),
        validators=[Optional(), _range(0, 100_000)],
    )
    position = IntegerField(
        _l("Order on kiosks and boards (lower first; empty: last)"),
        validators=[Optional(), _range(0, 999)],
    )

    #: Codes the site's other agencies use (set by the view).
    codes_taken: frozenset[str] = frozenset()

    def validate_code(self, field: Field) -> None:
        if field.data in self.codes_taken:
            raise ValidationError(str(REASONS["agency_code_taken"]))


class RequirementForm(AdminForm):
    """One document of a service's requirements (added or changed on the service's page)."""

    req_name_id = StringField(
        _l("Document, in Indonesian"),
        validators=[InputRequired(message=REQUIRED), Length(max=120)],
    )
    req_name_en = StringField(
        _l("Document, in English"),
        validators=[InputRequired(message=REQUIRED), Length(max=120)],
    )
    req_note = StringField(_l("Note (optional)"), validators=[Length(max=200)])


class CounterForm(AdminForm):
    number = IntegerField(
        _l("Number"), validators=[InputRequired(message=REQUIRED), _range(1, 9999)]
    )
    label = StringField(_l("Label (empty: Loket <number>)"), validators=[Length(max=120)])
    services = StringField(
        _l("Services, most preferred first (codes, e.g. A, B)"),
        validators=[InputRequired(message=REQUIRED), Length(max=200)],
    )
    state = SelectField(
        _l("State"),
        choices=[
            SelectChoice(state.value, COUNTER_STATE_LABELS[state.value])
            for state in (CounterState.OPEN, CounterState.PAUSED, CounterState.CLOSED)
        ],
    )

    #: Numbers the hall's other counters use, and the hall's service codes (set by the view;
    #: services.admin checks again under the hall's lock).
    numbers_taken: frozenset[int] = frozenset()
    known_codes: frozenset[str] = frozenset()

    def service_codes(self) -> tuple[str, ...]:
        """The codes typed, in order: `a, b` or `A B` → ("A", "B")."""
        raw = (self.services.data or "").replace(",", " ").upper()
        return tuple(part for part in raw.split() if part)

    def validate_number(self, field: Field) -> None:
        if field.data in self.numbers_taken:
            raise ValidationError(str(REASONS["number_taken"]))

    def validate_services(self, field: Field) -> None:
        codes = self.service_codes()
        if not codes:
            raise ValidationError(str(REASONS["services_missing"]))
        if len(set(codes)) != len(codes):
            raise ValidationError(str(REASONS["services_repeated"]))
        unknown = [code for code in codes if code not in self.known_codes]
        if self.known_codes and unknown:
            raise ValidationError(str(REASONS["services_unknown"]) % {"codes": ", ".join(unknown)})


def role_choices() -> list[SelectChoice]:
    """Every role the system knows (a role added later shows under its own name)."""
    return [SelectChoice(r.value, ROLE_CHOICE_LABELS.get(r.value, r.value)) for r in Role]


class _Password:
    password = PasswordField(
        _l("New password"),
        validators=[
            InputRequired(message=REQUIRED),
            Length(
                min=MIN_PASSWORD,
                max=128,
                message=_l("A password has at least %(n)s characters.", n=MIN_PASSWORD),
            ),
        ],
    )
    confirm = PasswordField(
        _l("The same password again"),
        validators=[EqualTo("password", message=_l("The two passwords differ."))],
    )


class StaffForm(AdminForm):
    role = SelectField(_l("Role"))
    counters = MultiCheckboxField(_l("Counters this person may use"), coerce=int)


class NewStaffForm(StaffForm, _Password):
    username = StringField(
        _l("Username"),
        validators=[
            InputRequired(message=REQUIRED),
            Length(max=64),
            Regexp(
                r"^[A-Za-z0-9._-]+$",
                message=_l("Letters, digits, dots, dashes and underscores only."),
            ),
        ],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )

    #: Every username in use (set by the view; services.admin checks again).
    usernames_taken: frozenset[str] = frozenset()

    def validate_username(self, field: Field) -> None:
        if field.data in self.usernames_taken:
            raise ValidationError(str(REASONS["username_taken"]))


class PasswordForm(AdminForm, _Password):
    """Reset a staff member's password."""


def _time_zone(_form: Form, field: Field) -> None:
    if field.data not in _zones():
        raise ValidationError(str(REASONS["timezone"]))


def _base_url(_form: Form, field: Field) -> None:
    try:
        normalise_base_url(field.data)
    except LoketError as exc:
        raise ValidationError(str(REASONS["base_url"])) from exc


_ZONES: set[str] = set()


def _zones() -> set[str]:
    if not _ZONES:
        _ZONES.update(available_timezones())
    return _ZONES


def time_zones() -> list[str]:
    """Every IANA zone name, Indonesia's first (for the form's suggestions)."""
    ours = ["Asia/Jakarta", "Asia/Pontianak", "Asia/Makassar", "Asia/Jayapura"]
    return ours + sorted(_zones() - set(ours))


class SiteForm(AdminForm):
    name = StringField(
        _l("Name of the hall"), validators=[InputRequired(message=REQUIRED), Length(max=120)]
    )
    timezone = StringField(
        _l("Time zone"),
        validators=[InputRequired(message=REQUIRED), Length(max=64), _time_zone],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )
    opens_at = TimeField(_l("Opens at"), validators=[InputRequired(message=REQUIRED)])
    closes_at = TimeField(
        _l("Closes at (the same as opening: around the clock)"),
        validators=[InputRequired(message=REQUIRED)],
    )
    hall_capacity = IntegerField(
        _l("Hall capacity: people inside at once (empty: no cap)"),
        validators=[Optional(), _range(0, 100_000)],
    )
    priority_ratio = IntegerField(
        _l("Priority ratio: regular calls between two priority calls (0: priority first)"),
        validators=[InputRequired(message=REQUIRED), _range(0, 100)],
    )
    recall_limit = IntegerField(
        _l("Recalls allowed after a call (empty: no limit)"),
        validators=[Optional(), _range(0, 99)],
    )
    no_show_after_s = IntegerField(
        _l("Seconds after a call before a no-show can be marked (0: at once)"),
        validators=[InputRequired(message=REQUIRED), _range(0, 3600)],
    )
    wait_alert_min = IntegerField(
        _l("Alert supervisors when a wait passes (minutes)"),
        validators=[InputRequired(message=REQUIRED), _range(1, 1440)],
    )
    holder_id_kind = SelectField(
        _l("One ticket per person and service a day: the kiosk asks for"),
        choices=[
            SelectChoice("", _l("nothing (anyone may take several)")),
            SelectChoice("phone", _l("a mobile phone number")),
            SelectChoice("nik", _l("a NIK (national ID number)")),
        ],
    )
    public_base_url = StringField(
        _l("Public address for ticket QR codes (empty: the server's setting)"),
        validators=[Optional(), Length(max=255), _base_url],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )


class DeviceForm(AdminForm):
    """A kiosk or board to enrol (the *Perangkat* page)."""

    kind = SelectField(
        _l("Kind"),
        choices=[
            SelectChoice(DeviceKind.KIOSK.value, _l("Kiosk")),
            SelectChoice(DeviceKind.BOARD.value, _l("Lobby board")),
            SelectChoice(DeviceKind.SURVEY.value, _l("Survey tablet")),
        ],
        validators=[InputRequired(message=REQUIRED)],
    )
    name = StringField(
        _l("Name"),
        validators=[InputRequired(message=REQUIRED), Length(max=64)],
        description=_l("Where it stands, e.g. Kiosk lobi lantai 1"),
    )


class NotifySettingsForm(AdminForm):
    """A site's notification settings; the fields of each kind (`<kind>_on`, `<kind>_id`,
    `<kind>_en`, kind with `_` for `.`) are added below, one set per `domain.notify.Kind`."""

    almost_ahead = IntegerField(
        _l("“Almost your turn” is sent when this many people or fewer are ahead"),
        validators=[InputRequired(message=REQUIRED), _range(0, notify.ALMOST_AHEAD_MAX)],
    )
    retention_days = IntegerField(
        _l("Days after the service day the numbers are kept (empty: the server's setting)"),
        validators=[Optional(), _range(0, notify.RETENTION_DAYS_MAX)],
    )
    webhook_url = StringField(
        _l("This hall's own gateway address (empty: the server's, NOTIFY_WEBHOOK_URL)"),
        validators=[Optional(), Length(max=255)],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )
    webhook_secret = PasswordField(
        _l("Its signing secret (empty: keep the one saved, or the server's)"),
        validators=[Optional(), Length(min=16, max=200)],
    )
    clear_secret = BooleanField(_l("Remove this hall's saved secret"))


def kind_field(kind: notify.Kind, part: str) -> str:
    """The name of a kind's field in NotifySettingsForm: `on`, `id` or `en`."""
    return f"{kind.value.replace('.', '_')}_{part}"


for _kind in notify.Kind:
    setattr(NotifySettingsForm, kind_field(_kind, "on"), BooleanField(_l("Send this message")))
    for _lang, _label in (("id", _l("Text in Indonesian")), ("en", _l("Text in English"))):
        setattr(
            NotifySettingsForm,
            kind_field(_kind, _lang),
            TextAreaField(
                _label,
                validators=[Optional(), Length(max=notify.TEMPLATE_MAX)],
                render_kw={"rows": 3, "maxlength": notify.TEMPLATE_MAX},
            ),
        )


def _windows(_form: Form, field: Field) -> None:
    try:
        booking_rules.parse_windows(field.data or "")
    except ValueError as exc:
        raise ValidationError(str(REASONS["windows"])) from exc


class BookingSettingsForm(AdminForm):
    """A site's online registration rules (the *Pendaftaran online* page)."""

    windows = StringField(
        _l("Booking is open (local times)"),
        validators=[InputRequired(message=REQUIRED), Length(max=200), _windows],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )
    days_ahead = IntegerField(
        _l("Working days ahead one may book"),
        validators=[InputRequired(message=REQUIRED), _range(1, 60)],
    )
    working_days = MultiCheckboxField(_l("Working days"), coerce=int)
    holder_kind = SelectField(
        _l("A booking asks for"),
        choices=[
            SelectChoice("nik", _l("a NIK (national ID number)")),
            SelectChoice("phone", _l("a mobile phone number")),
        ],
    )
    week_limit = IntegerField(
        _l("Bookings per person per week"),
        validators=[InputRequired(message=REQUIRED), _range(1, 50)],
    )
    early_min = IntegerField(
        _l("Check-in opens, minutes before the session"),
        validators=[InputRequired(message=REQUIRED), _range(0, 240)],
    )
    late_min = IntegerField(
        _l("Check-in closes, minutes after the session"),
        validators=[InputRequired(message=REQUIRED), _range(0, 240)],
    )
    session_min = IntegerField(
        _l("Length of a session (minutes)"),
        validators=[InputRequired(message=REQUIRED), _range(5, 480)],
    )

    def validate_working_days(self, field: Field) -> None:
        if not field.data:
            raise ValidationError(str(REASONS["no_weekday"]))


class ClosedDayForm(AdminForm):
    """A day the hall is closed (a holiday), added on the *Pendaftaran online* page."""

    closed_day = DateField(_l("Day"), validators=[InputRequired(message=REQUIRED)])
    closed_name = StringField(
        _l("Name, e.g. Idul Fitri"),
        validators=[InputRequired(message=REQUIRED), Length(max=120)],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )
