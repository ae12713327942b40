"""The Swedish catalogue is complete, and the committed .mo is the committed .po compiled."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.i18n.catalogue import MO, PO, mo_catalogue, po_entries

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def test_every_entry_is_translated_and_none_is_fuzzy():
    entries = po_entries()
    assert len(entries) > 300
    fuzzy = [e.msgid for e in entries if e.fuzzy]
    empty = [e.msgid for e in entries if not all(e.msgstr.values()) or len(e.msgstr) != (2 if e.msgid_plural else 1)]
    assert not fuzzy, f"fuzzy: {fuzzy}"
    assert not empty, f"not translated: {empty}"


def test_placeholders_survive_translation():
    """A translation that drops or renames a %(name)s would fail at render time; check them all here."""
    wrong = [
        e.msgid
        for e in po_entries()
        for text in e.msgstr.values()
        if set(PLACEHOLDER.findall(text))
        not in ({*PLACEHOLDER.findall(e.msgid)}, {*PLACEHOLDER.findall(e.msgid_plural)})
    ]
    assert not wrong


def test_the_committed_mo_is_the_po_compiled():
    expected: dict[object, str] = {}
    for e in po_entries():
        key = e.msgid if e.msgctxt is None else f"{e.msgctxt}\x04{e.msgid}"
        if e.msgid_plural:
            expected |= {(key, n): text for n, text in e.msgstr.items()}
        else:
            expected[key] = e.msgstr[0]
    assert mo_catalogue() == expected, "run `make messages` and commit locale/"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext's msgfmt is not installed")
def test_msgfmt_accepts_the_po_and_compiles_the_same_catalogue(tmp_path: Path):
    out = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(out), str(PO)], check=True, capture_output=True)
    assert mo_catalogue(out) == mo_catalogue(MO)


def test_django_loads_the_swedish_catalogue():
    from django.utils import translation

    with translation.override("sv"):
        assert translation.gettext("Log out") == "Logga ut"
    assert len(mo_catalogue()) == len(po_entries()) + sum(1 for e in po_entries() if e.msgid_plural)
