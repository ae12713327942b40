"""The Swedish catalogue as the tests read it: the .po's entries (a small reader, so no gettext is needed) and the
compiled .mo Django loads."""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

LOCALE = Path(__file__).resolve().parents[2] / "locale"
PO = LOCALE / "sv" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(\".*\")$")
_ESCAPE = re.compile(r"\\(.)")
_ESCAPED = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _po_string(quoted: str) -> str:
    """A .po string's text: its quotes off and its C escapes read (by hand: ``ast.literal_eval`` here once failed with
    CPython 3.11's "AST constructor recursion depth mismatch" while another thread of the test process parsed too)."""
    return _ESCAPE.sub(lambda m: _ESCAPED[m.group(1)], quoted[1:-1])


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str = ""
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    fuzzy: bool = False
    obsolete: bool = False

    @property
    def key(self) -> str | tuple[str, int]:
        return self.msgid if self.msgctxt is None else f"{self.msgctxt}\x04{self.msgid}"


def po_entries(path: Path = PO) -> list[Entry]:
    """Every entry of the .po but its header, in file order."""
    entries: list[Entry] = []
    entry, last = Entry(), ""

    def close() -> None:
        nonlocal entry
        if entry.msgid or entry.msgstr:
            entries.append(entry)
        entry = Entry()

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            close()
            continue
        if line.startswith("#~"):
            entry.obsolete = True
            continue
        if line.startswith("#,"):
            entry.fuzzy = entry.fuzzy or "fuzzy" in line
            continue
        if line.startswith("#"):
            continue
        match = _KEYWORD.match(line)
        if match:
            last, text = match.group(1), _po_string(match.group(2))
        else:  # a continued string
            text = _po_string(line)
        if last == "msgctxt":
            entry.msgctxt = (entry.msgctxt or "") + text
        elif last == "msgid":
            entry.msgid += text
        elif last == "msgid_plural":
            entry.msgid_plural += text
        else:
            index = int(last[7:-1]) if "[" in last else 0
            entry.msgstr[index] = entry.msgstr.get(index, "") + text
    close()
    return [e for e in entries if e.msgid and not e.obsolete]


def mo_catalogue(path: Path = MO) -> dict[object, str]:
    with path.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    return {key: value for key, value in catalogue.items() if key != ""}
