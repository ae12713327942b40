"""What on a page rendered in Swedish is still English: msgids of the catalogue whose Swedish differs, and the English
words Swedish never uses (they catch text nobody marked for translation). Text in another language on purpose (a
licence's wording, the switch's "English") carries its own lang attribute, data shown as it came carries
translate="no", and code (ids, OCPI values) is shown as it is. In Django's admin an object's values are data too: the
change list's cells, read-only fields and an inline row's name (Django marks them with classes, not attributes), and
a page may name more data (an object's name in its title). The site-wide scan (test_swedish_pages) and the finance and
driver checks use this one reader."""

from __future__ import annotations

import gettext
import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import django

from tests.i18n.catalogue import Entry, po_entries

_SKIP = {"script", "style", "template", "code", "pre", "kbd", "samp"}  # code and data shown as they are
_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt")
# Django's admin: a change list's cells (td/th.field-NAME), a read-only field's value (div.readonly) and an inline
# row's object name (td.original) show the object's data.
_ADMIN_DATA_TAGS = ("td", "th", "div")
# The Swedish of Django itself on the admin pages: its own words are Swedish ("Command" is the Mac's key).
_DJANGO_SWEDISH = [
    Path(django.__file__).parent / app / "locale" / "sv" / "LC_MESSAGES" / "django.mo"
    for app in ("conf", "contrib/admin", "contrib/auth")
]
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
        hidden = tag in _SKIP or foreign or values.get("translate") == "no" or _admin_data(tag, values) or self._hidden
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


def _admin_data(tag: str, values: dict[str, str | None]) -> bool:
    classes = (values.get("class") or "").split()
    return tag in _ADMIN_DATA_TAGS and any(c in ("readonly", "original") or c.startswith("field-") for c in classes)


def _capfirst(text: str) -> str:
    return text[:1].upper() + text[1:]


def _pattern(msgid: str) -> re.Pattern[str]:
    """A msgid as it shows on a page: a placeholder stands for one word (a number, an id), whitespace for any."""
    pieces = re.split(r"%\(\w+\)[sd]", " ".join(msgid.split()))
    body = r"\S+".join(r"\s+".join(re.escape(word) for word in piece.split(" ")) for piece in pieces)
    return re.compile(rf"(?<!\w){body}(?!\w)")


@cache
def english_catalogue() -> list[tuple[str, re.Pattern[str]]]:
    return _english(po_entries())


@cache
def swedish_texts() -> frozenset[str]:
    """Every Swedish text of our catalogue and of Django's, as written and with a capital first letter (the admin
    capitalises names)."""
    texts = {text for entry in po_entries() for text in entry.msgstr.values()}
    for path in _DJANGO_SWEDISH:
        with path.open("rb") as handle:
            catalogue = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
        texts |= {text for key, text in catalogue.items() if key != ""}
    return frozenset(" ".join(variant.split()) for text in texts for variant in (text, _capfirst(text)))


def _english(entries: list[Entry]) -> list[tuple[str, re.Pattern[str]]]:
    """The msgids whose Swedish differs and that are plainly English on a page: not "kWh" or "EVSE", and not a lone
    word beside a value ("%(count)s waiting"), which would match any text with that word in it. A model's or field's
    name (lower case) counts as well with a capital first letter, as the admin shows it in headings and columns; a
    lone word in lower case counts only so ("city" is also a JSON key, "invoices" the start of an e-mail address)."""
    out: dict[str, re.Pattern[str]] = {}  # by the text sought: "Invoices" is a msgid and "invoices" capitalised
    # A msgid that the Swedish itself uses is no sign of English: "Part" is a word in both, "EVSE" a term in "EVSE-id".
    swedish = "\n".join(swedish_texts())
    for entry in entries:
        for english in {entry.msgid, entry.msgid_plural} - {""}:
            literal = re.sub(r"%\(\w+\)[sd]", " ", english)
            if len(re.sub(r"\W", "", literal)) < 3 or (literal != english and len(literal.split()) < 2):
                continue
            shown = {english, _capfirst(english)} - ({english} if english.islower() and " " not in english else set())
            out |= {text: _pattern(text) for text in shown if not _pattern(text).search(swedish)}
    return list(out.items())


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


def english_on(html: str, *, within: str | None = None, data: tuple[str, ...] = ()) -> list[str]:
    """Each English finding on the page (or inside its ``within`` element): a msgid, or a text with English words.
    ``data`` are texts the page shows as they are stored (an object's name), left out wherever they appear."""
    parts, _text = _read(html, within)
    for value in data:
        parts = [part.replace(value, " ") for part in parts]
    text = " ".join(" ".join(parts).split())
    found = [english for english, pattern in english_catalogue() if pattern.search(text)]
    swedish = swedish_texts()
    found += [
        " ".join(part.split()) for part in parts if ENGLISH_WORDS.search(part) and " ".join(part.split()) not in swedish
    ]
    return found
