from typing import Any

from django.conf import settings
from django.http import HttpRequest


def portal(request: HttpRequest) -> dict[str, Any]:
    """What every page's layout shows: our operator name and the user's roles for the navigation."""
    user = request.user
    groups = set(user.groups.values_list("name", flat=True)) if user.is_authenticated else set()
    return {
        "cpo_name": settings.CPO_BUSINESS_NAME,
        "is_operations": user.is_superuser or "CPO operations" in groups,
        "is_finance": user.is_superuser or "Finance" in groups,
    }
