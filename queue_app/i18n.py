"""Languages: Indonesian by default, English on request (Flask-Babel).

A screen picks its language with `?lang=en` / `?lang=id`; the choice is kept in the session so
the rest of a visit stays in it. Source strings are English; `translations/id` holds Indonesian.
The words for coded values (states, roles, audit actions …) are in labels.py.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from flask import Flask, request, session
from flask_babel import Babel, force_locale, format_decimal, get_locale, gettext

from .domain.speech import LANGUAGES, number_words, spoken_code
from .labels import COUNTER_STATE_LABELS, PRIORITY_LABELS, ROLE_NAMES, STATE_LABELS

DEFAULT_LANGUAGE = "id"

babel = Babel()


def init_app(app: Flask, root: str) -> None:
    """Configure Flask-Babel with our locale choice and the project's translations."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", os.path.join(root, "translations"))
    babel.init_app(app, locale_selector=select_language)
    app.jinja_env.globals.update(
        current_language=current_language,
        language_url=language_url,
        priority_labels=PRIORITY_LABELS,
        state_labels=STATE_LABELS,
        counter_states=COUNTER_STATE_LABELS,
        role_names=ROLE_NAMES,
        zone_place=zone_place,
    )
    app.jinja_env.filters["decimal"] = decimal


def decimal(value: float | int | Decimal | None, places: int = 1, *, fixed: bool = False) -> str:
    """A number with up to `places` decimals in the page's language: `1,5` in Indonesian,
    `1.5` in English, thousands grouped (`1.234,5` / `1,234.5`); `fixed` keeps trailing zeros
    (`2,0`, for columns of figures). None is a dash. Machine-read output (CSV, JSON, SVG
    coordinates) keeps plain Python numbers."""
    if value is None:
        return "–"
    decimals = ("0" if fixed else "#") * places
    return str(format_decimal(value, format="#,##0" + (f".{decimals}" if places else "")))


def zone_place(zone: Mapping[str, Any]) -> str:
    """Where a zone is, as a ticket tells its holder: "Lantai 3, Ruang Imigrasi" (the floor
    is left out when the zone's name says it already: "Lantai 2")."""
    floor = str(gettext("Floor %(n)s", n=zone["floor"]))
    name = str(zone["name"])
    if name.casefold().startswith(floor.split()[0].casefold()):
        return name
    return f"{floor}, {name}"


def select_language() -> str:
    """`?lang=` (remembered in the session), else the session's choice, else Indonesian."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        session["lang"] = asked
        return asked
    kept = session.get("lang")
    return kept if kept in LANGUAGES else DEFAULT_LANGUAGE


def current_language() -> str:
    """The language of the current request (chosen once per request by Flask-Babel)."""
    return str(get_locale() or DEFAULT_LANGUAGE)


def language_url(lang: str) -> str:
    """This page in another language (its other query arguments kept). A query-only relative
    link: the page's path (a status page's holds its token) is not repeated in the page."""
    args = request.args.to_dict()
    args["lang"] = lang
    return f"?{urlencode(args)}"


def announcement(code: str, counter_number: int, lang: str) -> str:
    """What the lobby board says on a call: "Nomor antrean A nol nol tujuh, silakan ke loket
    dua belas". The sentence comes from the translations; the number words from our own code."""
    with force_locale(lang):
        return str(
            gettext(
                "Ticket number %(code)s, please go to counter %(counter)s",
                code=spoken_code(code, lang),
                counter=number_words(counter_number, lang),
            )
        )


def announcements(code: str, counter_number: int) -> dict[str, str]:
    """The announcement in every language, so each board speaks its own."""
    return {lang: announcement(code, counter_number, lang) for lang in LANGUAGES}
