"""List UI strings (translations/messages.pot) that have no Indonesian translation yet.

`make translations` refreshes the .pot and the catalog; this prints what is left to translate.
With `--append FILE.py` it appends the entries of the dict `ID` in that file to the catalog.
"""

from __future__ import annotations

import runpy
import sys

from babel.messages.pofile import read_po

POT = "translations/messages.pot"
PO = "translations/id/LC_MESSAGES/messages.po"


def missing() -> list[str]:
    with open(POT, "rb") as pot_file, open(PO, "rb") as po_file:
        pot, po = read_po(pot_file), read_po(po_file)
    return [str(m.id) for m in pot if m.id and (m.id not in po or not po[m.id].string)]


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main() -> int:
    todo = missing()
    if len(sys.argv) == 3 and sys.argv[1] == "--append":
        table = runpy.run_path(sys.argv[2])["ID"]
        with open(PO, "a", encoding="utf-8") as po:
            for msgid in todo:
                if msgid in table:
                    po.write(f"\nmsgid {quote(msgid)}\nmsgstr {quote(table[msgid])}\n")
        todo = missing()
    for msgid in todo:
        print(msgid)
    return 1 if todo else 0


if __name__ == "__main__":
    sys.exit(main())
