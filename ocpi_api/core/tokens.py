"""Credentials tokens: how we make them, store them and read them from the Authorization header (OCPI 2.2.1
transport_and_format.asciidoc, Authorization header)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets

# 32 random bytes, URL-safe Base64 without padding: 43 printable, non-whitespace ASCII characters (string(64) fits).
TOKEN_BYTES = 32


def token_generate() -> str:
    """A token that never starts with '-', so it can be pasted as a command-line argument without ``--``."""
    while (token := secrets.token_urlsafe(TOKEN_BYTES)).startswith("-"):
        pass
    return token


def token_hash(token: str) -> str:
    """We keep only the SHA-256 of the tokens partners present to us; a leaked table does not let anyone in."""
    return hashlib.sha256(token.encode()).hexdigest()


def header_value(token: str, *, base64_encoded: bool) -> str:
    """``Token <base64(token)>`` as 2.2.1 says, or ``Token <token>`` for partners that expect the raw form."""
    if base64_encoded:
        return "Token " + base64.b64encode(token.encode()).decode("ascii")
    return "Token " + token


def header_candidates(authorization: str) -> list[str]:
    """The tokens an Authorization header may carry: the raw value first, then its Base64 decoding if it has one.

    Many 2.1.1 and 2.2 peers send the token unencoded, so both readings are tried against the stored hashes.
    """
    scheme, _, value = authorization.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "token" or not value:
        return []
    candidates = [value]
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return candidates
    if decoded and decoded.isprintable() and decoded != value:
        candidates.append(decoded)
    return candidates


def mask(token: str) -> str:
    """Enough of a token to tell two apart in a log, never enough to use it."""
    if not token:
        return ""
    return f"{token[:4]}…({len(token)} chars)"
