"""The portal's language: English or Swedish (settings.LANGUAGES), chosen with the switch in the page header.

Anyone's choice is kept in Django's language cookie, which LocaleMiddleware reads. A signed-in user's choice is also
stored (StaffPreference) and copied into the session at log-in, so it follows the user to other browsers; the
middleware below activates the session's language and keeps the cookie in step, so it also outlives the log-out.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from .models import StaffPreference

SESSION_KEY = "portal_language"
# Partners read our protocol answers (OCPI messages, validation errors) in English, whatever their Accept-Language.
PROTOCOL_PATHS = ("/ocpi/",)


def language_supported(language: str) -> bool:
    return language in dict(settings.LANGUAGES)


def language_choose(*, user: AbstractBaseUser | AnonymousUser, language: str) -> None:
    """Remember ``language`` for a signed-in ``user`` (anonymous choices live in the cookie only)."""
    if not language_supported(language):
        raise ValueError(f"unsupported language {language!r}")
    if user.is_authenticated:
        StaffPreference.objects.update_or_create(user_id=user.pk, defaults={"language": language})


def user_language(user: AbstractBaseUser) -> str | None:
    language = StaffPreference.objects.filter(user_id=user.pk).values_list("language", flat=True).first()
    return language if language and language_supported(language) else None


def user_language_restore(sender: type, request: HttpRequest, user: AbstractBaseUser, **kwargs: object) -> None:
    """``user_logged_in`` receiver: the user's stored language for this session."""
    language = user_language(user)
    if language:
        request.session[SESSION_KEY] = language


def language_cookie_set(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


class UserLanguageMiddleware:
    """After LocaleMiddleware and the session: a signed-in user's language (in the session) beats the cookie and the
    browser's Accept-Language. Reading the session costs nothing more: authentication has loaded it already. The
    protocol edge (PROTOCOL_PATHS) always answers in the default language."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(PROTOCOL_PATHS):
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
            return self.get_response(request)
        session = getattr(request, "session", None)
        language = session.get(SESSION_KEY) if session is not None and session.session_key else None
        if language and language_supported(language):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        # Still the user's language (not a log-out that just emptied the session): the cookie follows it.
        if language and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != language:
            language_cookie_set(response, language)
        return response
