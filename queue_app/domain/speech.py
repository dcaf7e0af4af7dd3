"""Number words for spoken announcements, in Indonesian and English.

Our own code, not a library's: the lobby board speaks through the browser's speech synthesis, and
voices read digits inconsistently ("007" as "seven", "tujuh", or "zero zero seven"), so the text
we hand them spells every number out.
"""

from __future__ import annotations

from .errors import InvalidInput

_ID_UNITS = ["nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan"]
_EN_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_EN_TEENS = [
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_EN_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]

#: The largest number spelled out (a ticket number or a counter number never goes higher).
MAX_SPOKEN = 9999

LANGUAGES = ("id", "en")


def _check(n: int) -> None:
    if not 0 <= n <= MAX_SPOKEN:
        raise InvalidInput(f"can only spell out 0..{MAX_SPOKEN}, not {n}")


def number_words_id(n: int) -> str:
    """`12` → "dua belas", `1001` → "seribu satu", `0` → "nol"."""
    _check(n)
    if n == 0:
        return "nol"
    return _id_below_10000(n)


def _id_below_10000(n: int) -> str:
    words: list[str] = []
    thousands, rest = divmod(n, 1000)
    if thousands == 1:
        words.append("seribu")
    elif thousands:
        words.extend([_ID_UNITS[thousands], "ribu"])
    hundreds, rest = divmod(rest, 100)
    if hundreds == 1:
        words.append("seratus")
    elif hundreds:
        words.extend([_ID_UNITS[hundreds], "ratus"])
    if rest == 10:
        words.append("sepuluh")
    elif rest == 11:
        words.append("sebelas")
    elif 12 <= rest <= 19:
        words.extend([_ID_UNITS[rest - 10], "belas"])
    elif rest >= 20:
        tens, units = divmod(rest, 10)
        words.extend([_ID_UNITS[tens], "puluh"])
        if units:
            words.append(_ID_UNITS[units])
    elif rest:
        words.append(_ID_UNITS[rest])
    return " ".join(words)


def number_words_en(n: int) -> str:
    """`12` → "twelve", `1001` → "one thousand one", `342` → "three hundred forty-two"."""
    _check(n)
    if n == 0:
        return "zero"
    words: list[str] = []
    thousands, rest = divmod(n, 1000)
    if thousands:
        words.extend([_EN_UNITS[thousands], "thousand"])
    hundreds, rest = divmod(rest, 100)
    if hundreds:
        words.extend([_EN_UNITS[hundreds], "hundred"])
    if 10 <= rest <= 19:
        words.append(_EN_TEENS[rest - 10])
    elif rest >= 20:
        tens, units = divmod(rest, 10)
        words.append(_EN_TENS[tens] + (f"-{_EN_UNITS[units]}" if units else ""))
    elif rest:
        words.append(_EN_UNITS[rest])
    return " ".join(words)


def number_words(n: int, lang: str) -> str:
    """The number in words in `lang` ("id" or "en")."""
    return number_words_en(n) if lang == "en" else number_words_id(n)


def spoken_code(code: str, lang: str) -> str:
    """A ticket code as it is read out: the letters, then each digit on its own.

    `A-007` → "A nol nol tujuh" (id) / "A zero zero seven" (en): applicants match what they hear
    digit by digit against what is printed on their ticket.
    """
    units = _EN_UNITS if lang == "en" else _ID_UNITS
    parts: list[str] = []
    for char in code:
        if char.isascii() and char.isdigit():
            parts.append(units[int(char)])
        elif char.isascii() and char.isalpha():
            parts.append(char.upper())
    return " ".join(parts)
