"""The one CSV writer: text that a spreadsheet would read as a formula is written as text."""

from __future__ import annotations

import csv
import io

import pytest

from queue_app.services.csv_export import csv_text, spreadsheet_cell


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+1", "-1", "-3", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://x","y")'],
)
def test_text_starting_like_a_formula_gets_an_apostrophe(text: str) -> None:
    assert spreadsheet_cell(text) == "'" + text


@pytest.mark.parametrize(
    "value", ["Layanan A", "", "a=b", " =1", "'=1", "1-2", "08:00", "2026-06-15T08:00:00+07:00"]
)
def test_other_text_is_unchanged(value: str) -> None:
    assert spreadsheet_cell(value) == value


@pytest.mark.parametrize("value", [-3, -2.5, 0, 7, 1.5, None, True])
def test_numbers_and_other_values_are_left_alone(value: object) -> None:
    # Numbers come from the code, never from a user: a figure such as -3 stays a number.
    assert spreadsheet_cell(value) is value


def test_every_cell_of_the_file_goes_through_the_rule() -> None:
    text = csv_text(["name", "=header"], [["=cmd", -3], ["ok", "-3"], ["\r\n=x", "a,b"]])
    assert list(csv.reader(io.StringIO(text))) == [
        ["name", "'=header"],
        ["'=cmd", "-3"],
        ["ok", "'-3"],
        ["'\r\n=x", "a,b"],
    ]
    assert text.startswith("name,'=header\n'=cmd,-3\n")  # plain \n line ends, numbers bare
