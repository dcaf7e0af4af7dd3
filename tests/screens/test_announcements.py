"""The sentence a lobby board speaks, from the translations plus our number words."""

from __future__ import annotations

import pytest
from flask import Flask

from queue_app.i18n import announcement, announcements


@pytest.mark.parametrize(
    ("code", "counter", "lang", "text"),
    [
        ("A-007", 12, "id", "Nomor antrean A nol nol tujuh, silakan ke loket dua belas"),
        ("B-120", 1, "id", "Nomor antrean B satu dua nol, silakan ke loket satu"),
        ("C-015", 31, "id", "Nomor antrean C nol satu lima, silakan ke loket tiga puluh satu"),
        ("A-007", 12, "en", "Ticket number A zero zero seven, please go to counter twelve"),
        ("D-100", 21, "en", "Ticket number D one zero zero, please go to counter twenty-one"),
    ],
)
def test_announcement_text(app: Flask, code: str, counter: int, lang: str, text: str) -> None:
    with app.test_request_context("/"):
        assert announcement(code, counter, lang) == text


def test_every_language_at_once_whatever_the_request_language(app: Flask) -> None:
    with app.test_request_context("/display?lang=en"):
        assert announcements("A-007", 12) == {
            "id": "Nomor antrean A nol nol tujuh, silakan ke loket dua belas",
            "en": "Ticket number A zero zero seven, please go to counter twelve",
        }
