"""Project-wide views."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template.loader import render_to_string


def server_error(request: HttpRequest) -> HttpResponse:
    """500 in the portal's layout, rendered from the template alone: no request context, no database (either may be
    what failed). Django's own handler would render 500.html without our operator's name."""
    return HttpResponseServerError(render_to_string("500.html", {"cpo_name": settings.CPO_BUSINESS_NAME}))
