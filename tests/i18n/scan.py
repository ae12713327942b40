"""What on a page rendered in Swedish is still English: msgids of the catalogue whose Swedish differs, and the English
words Swedish never uses (they catch text nobody marked for translation). Text in another language on purpose (a
licence's wording, the switch's "English") carries its own lang attribute, data shown as it came carries
translate="no", and code (ids, OCPI values) is shown as it is. The site-wide scan (test_swedish_pages) and the finance
and driver checks use this one reader."""

from __future__ import annotations

import re
from functools import cache
from html.parser import HTMLParser

from tests.i18n.catalogue import Entry, po_entries

_SKIP = {"script", "style", "template", "code", "pre", "kbd", "samp"}  # code and data shown as they are
_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt")
ENGLISH_WORDS = re.compile(
    r"(?<!\w)(the|of|and|to|with|this|that|from|for|not|or|are|has|have|been|was|will|your|you|which|there|when|"
    r"than|only|any|none|yet|here|page|shows?|no longer|sign|log|yes)(?!\w)",
    re.IGNORECASE,
)


class _VisibleText(HTMLParser):
    """The text a reader sees or hears: text nodes and the labelling attributes, outside code, scripts, elements in
    another language (the language switch names each language in its own) and elements marked translate="no" (data
    shown as it came: a charger's stop reason, a data set's name, an OCPP message name)."""

    def __init__(self, within: str | None = None) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.lang: str | None = None
        self._stack: list[tuple[str, bool]] = []
        self._within = within  # read only inside this element (e.g. "main", "form"), if given
        self._inside = within is None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self.lang = values.get("lang")
        foreign = values.get("lang") not in (None, "sv") and tag != "html"
        if tag == self._within:
            self._inside = True
        hidden = tag in _SKIP or foreign or values.get("translate") == "no" or self._hidden
        if tag not in ("br", "img", "input", "meta", "link", "hr", "source", "wbr"):
            self._stack.append((tag, hidden))
        if not hidden and self._inside:
            self.parts += [values[name] or "" for name in _ATTRIBUTES if values.get(name)]

    def handle_endtag(self, tag: str) -> None:
        if tag == self._within:
            self._inside = False
        while self._stack:
            if self._stack.pop()[0] == tag:
                break

    @property
    def _hidden(self) -> bool:
        return bool(self._stack) and self._stack[-1][1]

    def handle_data(self, data: str) -> None:
        if not self._hidden and self._inside:
            self.parts.append(data)


def _pattern(msgid: str) -> re.Pattern[str]:
    """A msgid as it shows on a page: a placeholder stands for one word (a number, an id), whitespace for any."""
    pieces = re.split(r"%\(\w+\)[sd]", " ".join(msgid.split()))
    body = r"\S+".join(r"\s+".join(re.escape(word) for word in piece.split(" ")) for piece in pieces)
    return re.compile(rf"(?<!\w){body}(?!\w)")


@cache
def english_catalogue() -> list[tuple[str, re.Pattern[str]]]:
    return _english(po_entries())


def _english(entries: list[Entry]) -> list[tuple[str, re.Pattern[str]]]:
    """The msgids whose Swedish differs and that are plainly English on a page: not "kWh" or "EVSE", and not a lone
    word beside a value ("%(count)s waiting"), which would match any text with that word in it."""
    out = []
    # A msgid that the Swedish itself uses is no sign of English: "Part" is a word in both, "EVSE" a term in "EVSE-id".
    swedish = "\n".join(text for entry in entries for text in entry.msgstr.values())
    for entry in entries:
        for english in {entry.msgid, entry.msgid_plural} - {""}:
            literal = re.sub(r"%\(\w+\)[sd]", " ", english)
            if _pattern(english).search(swedish) or len(re.sub(r"\W", "", literal)) < 3:
                continue
            if literal != english and len(literal.split()) < 2:
                continue
            out.append((english, _pattern(english)))
    return out


def page_language(html: str) -> str | None:
    parser = _VisibleText()
    parser.feed(html)
    return parser.lang


def _read(html: str, within: str | None) -> tuple[list[str], str]:
    parser = _VisibleText(within)
    parser.feed(html)
    return parser.parts, " ".join(" ".join(parser.parts).split())


def visible_text(html: str, *, within: str | None = None) -> str:
    return _read(html, within)[1]


def english_on(html: str, *, within: str | None = None) -> list[str]:
    """Each English finding on the page (or inside its ``within`` element): a msgid, or a text with English words."""
    parts, text = _read(html, within)
    found = [english for english, pattern in english_catalogue() if pattern.search(text)]
    found += [" ".join(part.split()) for part in parts if ENGLISH_WORDS.search(part)]
    return found
