"""The production static files build: every vendored file survives collectstatic's hashing."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from django.core.management import call_command
from django.test import override_settings

from config.storage import StaticFilesStorage


class HashedOnlyStorage(ManifestStaticFilesStorage):
    """The production storage's hashing with its patterns, without whitenoise's compression (a minute of CPU that
    cannot fail on a reference)."""

    patterns = StaticFilesStorage.patterns


def test_collectstatic_hashes_every_file_with_the_production_patterns(tmp_path: Path) -> None:
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": f"{__name__}.HashedOnlyStorage"},
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)
    manifest = (tmp_path / "staticfiles.json").read_text()
    assert "vendor/leaflet/leaflet.js" in manifest


def test_the_stock_patterns_refuse_a_vendored_build_without_its_source_map(tmp_path: Path) -> None:
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages), pytest.raises(ValueError, match=r"\.map"):
        call_command("collectstatic", interactive=False, verbosity=0)
