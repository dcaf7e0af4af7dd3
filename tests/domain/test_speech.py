"""Number words for the spoken announcements: a hand-written table, the rules that generate the
rest of 0–9999, and the announcement sentences."""

from __future__ import annotations

import pytest

from queue_app.domain.errors import InvalidInput
from queue_app.domain.speech import (
    number_words_en,
    number_words_id,
    spoken_code,
)

# Written by hand, not by the code under test: every irregular form and each place value.
INDONESIAN = {
    0: "nol",
    1: "satu",
    2: "dua",
    7: "tujuh",
    9: "sembilan",
    10: "sepuluh",
    11: "sebelas",
    12: "dua belas",
    15: "lima belas",
    19: "sembilan belas",
    20: "dua puluh",
    21: "dua puluh satu",
    31: "tiga puluh satu",
    99: "sembilan puluh sembilan",
    100: "seratus",
    101: "seratus satu",
    110: "seratus sepuluh",
    111: "seratus sebelas",
    112: "seratus dua belas",
    150: "seratus lima puluh",
    200: "dua ratus",
    305: "tiga ratus lima",
    999: "sembilan ratus sembilan puluh sembilan",
    1000: "seribu",
    1001: "seribu satu",
    1011: "seribu sebelas",
    1100: "seribu seratus",
    1234: "seribu dua ratus tiga puluh empat",
    2000: "dua ribu",
    2026: "dua ribu dua puluh enam",
    5000: "lima ribu",
    7019: "tujuh ribu sembilan belas",
    9999: "sembilan ribu sembilan ratus sembilan puluh sembilan",
}

ENGLISH = {
    0: "zero",
    7: "seven",
    12: "twelve",
    19: "nineteen",
    20: "twenty",
    42: "forty-two",
    100: "one hundred",
    115: "one hundred fifteen",
    342: "three hundred forty-two",
    1000: "one thousand",
    1001: "one thousand one",
    9999: "nine thousand nine hundred ninety-nine",
}


@pytest.mark.parametrize(("n", "words"), sorted(INDONESIAN.items()))
def test_indonesian_table(n: int, words: str) -> None:
    assert number_words_id(n) == words


@pytest.mark.parametrize(("n", "words"), sorted(ENGLISH.items()))
def test_english_table(n: int, words: str) -> None:
    assert number_words_en(n) == words


UNITS = ["nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan"]


def reference_id(n: int) -> str:
    """An independent spelling of 0–9999, written from the grammar rules rather than copied."""
    if n == 0:
        return "nol"
    thousands, hundreds, tens, units = n // 1000, n // 100 % 10, n // 10 % 10, n % 10
    parts = []
    if thousands:
        parts.append("seribu" if thousands == 1 else f"{UNITS[thousands]} ribu")
    if hundreds:
        parts.append("seratus" if hundreds == 1 else f"{UNITS[hundreds]} ratus")
    if tens == 1:
        parts.append({0: "sepuluh", 1: "sebelas"}.get(units, f"{UNITS[units]} belas"))
    else:
        if tens:
            parts.append(f"{UNITS[tens]} puluh")
        if units:
            parts.append(UNITS[units])
    return " ".join(parts)


def test_every_number_from_0_to_9999_follows_the_rules() -> None:
    wrong = [n for n in range(10000) if number_words_id(n) != reference_id(n)]
    assert wrong == []
    # And the rules agree with the hand-written table.
    assert all(reference_id(n) == words for n, words in INDONESIAN.items())


def test_every_number_spells_distinctly_in_both_languages() -> None:
    assert len({number_words_id(n) for n in range(10000)}) == 10000
    assert len({number_words_en(n) for n in range(10000)}) == 10000


@pytest.mark.parametrize("n", [-1, 10000, 123456])
def test_numbers_outside_the_range_are_refused(n: int) -> None:
    with pytest.raises(InvalidInput):
        number_words_id(n)
    with pytest.raises(InvalidInput):
        number_words_en(n)


@pytest.mark.parametrize(
    ("code", "lang", "spoken"),
    [
        ("A-007", "id", "A nol nol tujuh"),
        ("B-120", "id", "B satu dua nol"),
        ("K-1000", "id", "K satu nol nol nol"),
        ("AB-042", "id", "A B nol empat dua"),
        ("A-007", "en", "A zero zero seven"),
    ],
)
def test_codes_are_read_letter_by_letter_and_digit_by_digit(
    code: str, lang: str, spoken: str
) -> None:
    assert spoken_code(code, lang) == spoken
