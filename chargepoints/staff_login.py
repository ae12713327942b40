"""Staff log-in policy: what a locked-out log-in sees, and how long a back-office session lasts.

django-axes counts failed log-ins (settings: AXES_*); when it locks a username or an address out, ``lockout_response``
shows the login page with the reason and the cool-off instead of the form's usual error.

Sessions get an idle timeout and a hard lifetime instead of Django's two-week sliding cookie.

A signed-in session ends after ``SESSION_IDLE_TIMEOUT`` seconds without a request, and ``SESSION_COOKIE_AGE``
seconds after it began, however busy it is. Both instants are kept in the session, set at log-in; the last-seen
mark is written at most once a minute, so ordinary page views do not each cost a session write.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

STARTED = "staff_session_started"
SEEN = "staff_session_seen"
_SEEN_RESOLUTION = 60


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, object] | None = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the login page saying that log-in is locked, and for how long (HTTP 429)."""
    context = {
        "form": AuthenticationForm(request),
        "locked_out": True,
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff": _duration(int(settings.AXES_COOLOFF_TIME.total_seconds())),
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }
    return render(request, "registration/login.html", context, status=429)


def client_address(request: HttpRequest) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the address failed log-ins are counted for. Behind ``AXES_TRUSTED_PROXY_COUNT``
    reverse proxies that append to X-Forwarded-For, the address the outermost one saw (counted from the right, so a
    client cannot choose it); without proxies, or without the header, REMOTE_ADDR."""
    count = int(settings.AXES_TRUSTED_PROXY_COUNT)
    hops: list[str] = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if count and len(hops) >= count:
        return hops[-count]
    return cast(str | None, request.META.get("REMOTE_ADDR"))  # META is dict[str, Any]; WSGI gives a str


def staff_session_start(sender: type, request: HttpRequest, user: AbstractBaseUser, **kwargs: object) -> None:
    """``user_logged_in`` receiver: the session's clock starts now."""
    now = int(time.time())
    request.session[STARTED], request.session[SEEN] = now, now


class StaffSessionTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            self._check(request)
        return self.get_response(request)

    @staticmethod
    def _check(request: HttpRequest) -> None:
        now = int(time.time())
        session = request.session
        started, seen = session.get(STARTED), session.get(SEEN)
        if started is None or seen is None:
            session[STARTED], session[SEEN] = started or now, now
            return
        idle, age = now - int(seen), now - int(started)
        if idle > settings.SESSION_IDLE_TIMEOUT or age > settings.SESSION_COOKIE_AGE:
            logout(request)
            if idle > settings.SESSION_IDLE_TIMEOUT:
                text = _("You were logged out after %(duration)s without activity. Please log in again.")
                limit = settings.SESSION_IDLE_TIMEOUT
            else:
                text = _("You were logged out after %(duration)s (the longest a session lasts). Please log in again.")
                limit = settings.SESSION_COOKIE_AGE
            messages.info(request, text % {"duration": _duration(limit)})
            return
        if now - int(seen) >= _SEEN_RESOLUTION:
            session[SEEN] = now


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    minutes = round(seconds / 60)
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
