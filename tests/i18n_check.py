"""English left on a page rendered in Swedish: the catalogue's msgids that show in its visible text.

``untranslated(html, catalogue)`` lists every msgid of the compiled Swedish catalogue (locale/sv) whose Swedish
differs from it and whose English still shows in the page's text: text nodes outside <script>/<style>, and the
attributes people read (title, placeholder, aria-label, alt, value of buttons), leaving out <code> (ids) and
elements in another language (``lang``). A msgid with placeholders matches
with anything in their place; one with markup matches its text. Word boundaries and case count, so "Energi" does
not hide "Energy" and "Period" (the same word in both languages) is never reported.
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Iterable
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

MO = Path(__file__).resolve().parents[1] / "locale" / "sv" / "LC_MESSAGES" / "django.mo"
_READ_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
# Code and data, not words: ids such as a meter's "SIM-EVSE-1" are in <code>, what was typed in a <textarea>.
_NOT_PROSE = {"script", "style", "template", "code", "kbd", "samp", "textarea"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_INLINE = {"a", "abbr", "b", "code", "em", "i", "kbd", "small", "span", "strong", "sub", "sup", "time", "u"}
_PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]")
_TAG = re.compile(r"<[^>]+>")


class _Text(HTMLParser):
    """The page as a reader sees it: inline elements run together, anything else separates. Text inside an element
    that declares another language (``lang="en"`` on a tariff's English text) is that language's, and left out."""

    def __init__(self, within: str | None, language: str, skip_ids: frozenset[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._within, self._language, self._skip_ids = within, language, skip_ids
        self._open: list[tuple[str, bool]] = []  # open elements and whether their text is read

    def _reading(self) -> bool:
        return self._open[-1][1] if self._open else self._within is None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        reading = self._reading() or tag == self._within
        if tag in _NOT_PROSE or (values.get("lang") or self._language) != self._language:
            reading = False
        if values.get("id") in self._skip_ids:
            reading = False
        if tag not in _VOID:
            self._open.append((tag, reading))
        if not reading:
            return
        if tag not in _INLINE:
            self.parts.append("\n")
        for name in _READ_ATTRIBUTES:
            if values.get(name):
                self.parts.append(f"\n{values[name]}\n")
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.parts.append(f"\n{values['value']}\n")

    def handle_endtag(self, tag: str) -> None:
        if tag not in _INLINE:
            self.parts.append("\n")
        for index in range(len(self._open) - 1, -1, -1):  # close it and anything left open inside it
            if self._open[index][0] == tag:
                del self._open[index:]
                break

    def handle_data(self, data: str) -> None:
        if self._reading():
            self.parts.append(data)


def visible_text(html: str, within: str | None = None, language: str = "sv", skip_ids: Iterable[str] = ()) -> str:
    """The page's text in ``language``, one block per line; ``within``: only inside that element (such as "main");
    ``skip_ids``: leaving out the elements of these ids."""
    parser = _Text(within, language, frozenset(skip_ids))
    parser.feed(html)
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)


@cache
def swedish_catalogue(path: Path = MO) -> dict[str, tuple[str, ...]]:
    """msgid → its Swedish forms, for every translated entry (context dropped; a plural entry by its singular)."""
    with path.open("rb") as handle:
        raw = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    catalogue: dict[str, tuple[str, ...]] = {}
    for key, value in raw.items():
        if key == "" or not value:
            continue
        msgid = (key[0] if isinstance(key, tuple) else key).split("\x04")[-1]
        catalogue[msgid] = (*catalogue.get(msgid, ()), value)
    return catalogue


def _pattern(msgid: str) -> re.Pattern[str] | None:
    parts = _PLACEHOLDER.split(" ".join(_TAG.sub("", msgid).replace("%%", "%").split()))
    if not "".join(parts).strip():  # nothing but placeholders
        return None
    # A placeholder inside the text stands for anything; at either end for one word, so that "%(count)s CDR" is not
    # any line that ends in CDR.
    regex = r"\b" if parts[0][:1].isalnum() else ""
    for index, part in enumerate(parts):
        if index:
            at_end = (index == 1 and not parts[0]) or (index == len(parts) - 1 and not parts[-1])
            regex += r"\S+" if at_end else r"\S.*?"
        regex += re.escape(part)
    return re.compile(regex + (r"\b" if parts[-1][-1:].isalnum() else ""))


def untranslated(
    html: str,
    catalogue: dict[str, tuple[str, ...]] | None = None,
    *,
    within: str | None = None,
    skip_ids: Iterable[str] = (),
    allow: Iterable[str] = (),
) -> list[str]:
    """The msgids whose English shows on the page (``within``/``skip_ids``: as for visible_text; ``allow``: ones the
    page rightly shows, such as a product name)."""
    catalogue = swedish_catalogue() if catalogue is None else catalogue
    text = visible_text(html, within, skip_ids=skip_ids)
    # English that is also Swedish (a loanword, or the Swedish of another msgid: "Part") cannot be told apart.
    swedish = {_TAG.sub("", form) for forms in catalogue.values() for form in forms}
    allowed = set(allow)
    found = []
    for msgid in catalogue:
        if msgid in allowed or _TAG.sub("", msgid) in swedish:
            continue
        pattern = _pattern(msgid)
        if pattern is not None and pattern.search(text):
            found.append(msgid)
    return sorted(found)
