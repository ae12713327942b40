"""OCPI 2.1.1 at the edge: every conversion between the 2.2.1-shaped domain and OCPI 2.1.1, in one place.

One small function per object type and direction (``locations``, ``tariffs``, ``sessions`` for Sessions and CDRs,
``tokens``, ``commands``, ``credentials``); ``render`` picks the right one for a response or a push. The functions are
pure: they never change their input, take partial objects (PATCH bodies) as well as whole ones, and never validate —
the 2.2.1 readers do that after ``*_from_211``. What 2.1.1 cannot carry is listed in ``ocpi_api/PARTNERS.md``
("What OCPI 2.1.1 cannot carry") and pinned by ``tests/ocpi_api/test_v211_convert.py``.

Sources: OCPI 2.1.1 (branch ``release-2.1.1-bugfixes``) mod_locations.md, mod_tariffs.md, mod_sessions.md,
mod_cdrs.md, mod_tokens.md, mod_commands.md, credentials.md, version_information_endpoint.md; the differences are
listed in OCPI 2.2.1 changelog.asciidoc, "Changes between OCPI 2.1.1 and 2.2".
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from rest_framework.exceptions import ValidationError

V2_1_1 = "2.1.1"


def is_211(version: str | None) -> bool:
    return version == V2_1_1


def status_code_211(status_code: int) -> int:
    """2.1.1 status_codes.md has 1000, 2000–2003 and 3000–3003: no 2004 (unknown token) and no hub errors (4xxx)."""
    if status_code == 2004:
        return 2000
    if status_code >= 4000:
        return 3000
    return status_code


@contextmanager
def named_as_211(renames: Mapping[str, str]) -> Iterator[None]:
    """Errors in a converted 2.1.1 body name the field the partner sent (``auth_id``, not ``contract_id``)."""
    try:
        yield
    except ValidationError as error:
        raise ValidationError(_renamed(error.detail, renames)) from error


def _renamed(detail: Any, renames: Mapping[str, str]) -> Any:
    if isinstance(detail, dict):
        return {renames.get(str(key), key): _renamed(value, renames) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_renamed(item, renames) for item in detail]
    return detail
