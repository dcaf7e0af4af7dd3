"""The citizens' satisfaction index (Indeks Kepuasan Masyarakat, IKM), PermenPANRB No. 14/2017.

A respondent rates the nine elements (*unsur*) of the service on a 1–4 scale, each in the
regulation's own words. The index of a unit and period is the mean of the nine element means,
times 25: IKM = (Σ element means × 1/9) × 25, on the 25–100 scale. Its quality category
follows the regulation's conversion table. The minimum number of respondents for a unit comes
from the Krejcie–Morgan table the regulation uses, computed here from its formula.

Pure: no clock, no database.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal, get_args

#: Days after the service during which a ticket's holder may still answer.
ANSWER_DAYS = 7
#: The longest comment kept.
MAX_COMMENT = 500


@dataclass(frozen=True)
class Element:
    """One *unsur*: its name and question in Indonesian and English, and the four answers from
    1 (worst) to 4 (best) in the wording of the regulation's questionnaire."""

    key: str
    name: str
    name_en: str
    question: str
    question_en: str
    answers: tuple[str, str, str, str]
    answers_en: tuple[str, str, str, str]


ELEMENTS: tuple[Element, ...] = (
    Element(
        "persyaratan",
        "Persyaratan",
        "Requirements",
        "Bagaimana pendapat Anda tentang kesesuaian persyaratan pelayanan dengan jenis "
        "pelayanannya?",
        "How well do the requirements fit the kind of service?",
        ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
        ("Not suitable", "Less suitable", "Suitable", "Very suitable"),
    ),
    Element(
        "prosedur",
        "Sistem, mekanisme dan prosedur",
        "System, mechanism and procedure",
        "Bagaimana pemahaman Anda tentang kemudahan prosedur pelayanan di unit ini?",
        "How easy is the procedure of this unit?",
        ("Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"),
        ("Not easy", "Less easy", "Easy", "Very easy"),
    ),
    Element(
        "waktu",
        "Waktu penyelesaian",
        "Completion time",
        "Bagaimana pendapat Anda tentang kecepatan waktu dalam memberikan pelayanan?",
        "How fast was the service given?",
        ("Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"),
        ("Not fast", "Less fast", "Fast", "Very fast"),
    ),
    Element(
        "biaya",
        "Biaya/tarif",
        "Cost/fee",
        "Bagaimana pendapat Anda tentang kewajaran biaya/tarif dalam pelayanan?",
        "How fair is the cost or fee of the service?",
        ("Sangat mahal", "Cukup mahal", "Murah", "Gratis"),
        ("Very expensive", "Fairly expensive", "Cheap", "Free"),
    ),
    Element(
        "produk",
        "Produk spesifikasi jenis pelayanan",
        "Service product",
        "Bagaimana pendapat Anda tentang kesesuaian produk pelayanan antara yang tercantum "
        "dalam standar pelayanan dengan hasil yang diberikan?",
        "How well does what you received match what the service standard promises?",
        ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
        ("Not suitable", "Less suitable", "Suitable", "Very suitable"),
    ),
    Element(
        "kompetensi",
        "Kompetensi pelaksana",
        "Staff competence",
        "Bagaimana pendapat Anda tentang kompetensi/kemampuan petugas dalam pelayanan?",
        "How competent were the staff?",
        ("Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten"),
        ("Not competent", "Less competent", "Competent", "Very competent"),
    ),
    Element(
        "perilaku",
        "Perilaku pelaksana",
        "Staff conduct",
        "Bagaimana pendapat Anda tentang perilaku petugas dalam pelayanan terkait kesopanan "
        "dan keramahan?",
        "How polite and friendly were the staff?",
        (
            "Tidak sopan dan ramah",
            "Kurang sopan dan ramah",
            "Sopan dan ramah",
            "Sangat sopan dan ramah",
        ),
        ("Not polite", "Less polite", "Polite and friendly", "Very polite and friendly"),
    ),
    Element(
        "pengaduan",
        "Penanganan pengaduan, saran dan masukan",
        "Complaints, suggestions and feedback",
        "Bagaimana pendapat Anda tentang penanganan pengaduan pengguna layanan?",
        "How are complaints of service users handled?",
        (
            "Tidak ada",
            "Ada tetapi tidak berfungsi",
            "Berfungsi kurang maksimal",
            "Dikelola dengan baik",
        ),
        ("None", "Exists but does not work", "Works, not fully", "Well managed"),
    ),
    Element(
        "sarana",
        "Sarana dan prasarana",
        "Facilities",
        "Bagaimana pendapat Anda tentang kualitas sarana dan prasarana?",
        "How good are the facilities?",
        ("Buruk", "Cukup", "Baik", "Sangat baik"),
        ("Poor", "Fair", "Good", "Very good"),
    ),
)

#: The lowest and highest answer.
SCALE = (1, 4)

#: The optional respondent fields of the regulation's form, with their values.
AgeGroup = Literal["<20", "20-29", "30-39", "40-49", "50-59", "60+"]
#: L: laki-laki (male), P: perempuan (female).
Sex = Literal["L", "P"]
Education = Literal["SD", "SMP", "SMA", "D1-D3", "D4-S1", "S2", "S3"]
Occupation = Literal["PNS", "TNI", "POLRI", "SWASTA", "WIRAUSAHA", "PELAJAR", "LAINNYA"]
#: Field → its values, for the survey's form.
RESPONDENT_FIELDS: dict[str, tuple[str, ...]] = {
    "age_group": get_args(AgeGroup),
    "sex": get_args(Sex),
    "education": get_args(Education),
    "occupation": get_args(Occupation),
}


@dataclass(frozen=True)
class Category:
    """A service-quality category of the conversion table."""

    letter: str
    name: str
    name_en: str
    low: Decimal
    high: Decimal


#: The regulation's conversion table, best first (IKM on the 25–100 scale, two decimals).
CATEGORIES: tuple[Category, ...] = (
    Category("A", "Sangat Baik", "Very good", Decimal("88.31"), Decimal("100.00")),
    Category("B", "Baik", "Good", Decimal("76.61"), Decimal("88.30")),
    Category("C", "Kurang Baik", "Less good", Decimal("65.00"), Decimal("76.60")),
    Category("D", "Tidak Baik", "Poor", Decimal("25.00"), Decimal("64.99")),
)


def check_answers(answers: Sequence[int]) -> str | None:
    """What is wrong with a respondent's answers (None: nine integers from 1 to 4)."""
    if len(answers) != len(ELEMENTS):
        return f"give {len(ELEMENTS)} answers, one per element; got {len(answers)}"
    for i, answer in enumerate(answers, start=1):
        if isinstance(answer, bool) or not isinstance(answer, int):
            return f"answer {i} is not a whole number"
        if not SCALE[0] <= answer <= SCALE[1]:
            return f"answer {i} is {answer}; answers go from {SCALE[0]} to {SCALE[1]}"
    return None


def element_means(responses: Sequence[Sequence[int]]) -> list[float]:
    """The mean answer of each element over the responses (empty for no response)."""
    if not responses:
        return []
    n = len(responses)
    return [sum(r[i] for r in responses) / n for i in range(len(ELEMENTS))]


def index(means: Sequence[float]) -> Decimal:
    """IKM = (Σ element means × 1/9) × 25, rounded half up to two decimals."""
    if len(means) != len(ELEMENTS):
        raise ValueError(f"the index needs {len(ELEMENTS)} element means")
    value = Decimal(repr(sum(means))) / len(ELEMENTS) * 25
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def category(ikm: Decimal) -> Category:
    """The quality category of an index (two decimals, as `index` gives it)."""
    for found in CATEGORIES:
        if found.low <= ikm <= found.high:
            return found
    raise ValueError(f"an index of {ikm} is outside 25–100")


def minimum_sample(population: int) -> int:
    """Krejcie and Morgan (1970): respondents needed for a population of `population` (95%
    confidence, 5% margin, P = 0.5), from the formula behind the regulation's sample table
    (which it matches, but for 383 where the printed table says 384 at 100,000)."""
    if population <= 0:
        return 0
    chi2, p, d = 3.841, 0.5, 0.05
    n = chi2 * population * p * (1 - p) / (d * d * (population - 1) + chi2 * p * (1 - p))
    return min(population, math.floor(n + 0.5))  # the table rounds to the nearest
