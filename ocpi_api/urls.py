"""The OCPI URL space, built from the declarations in ``ocpi_api.versions``. Included under /ocpi/."""

from __future__ import annotations

import re

from django.urls import URLPattern, re_path

from .modules.versions.views import VersionDetailsView, VersionListView
from .versions import VERSIONS

app_name = "ocpi"


def _patterns() -> list[URLPattern]:
    # Every URL works with and without a trailing slash: partners join paths both ways (the URL patterns and examples of
    # the OCPI 2.2.1 spec disagree).
    patterns = [re_path(r"^versions/?$", VersionListView.as_view(), name="versions")]
    for version in VERSIONS:
        patterns.append(
            re_path(
                rf"^{re.escape(version.number)}/?$",
                VersionDetailsView.as_view(),
                {"ocpi_version": version.number},
                name=version.details_url_name,
            )
        )
        for module in version.modules:
            for index, route in enumerate(module.routes):
                name = module.url_name(version.number) + (f"-{index}" if index else "")
                patterns.append(
                    re_path(
                        rf"^{re.escape(module.path)}{route.suffix}/?$",
                        route.view.as_view(),
                        {"ocpi_version": version.number},
                        name=name,
                    )
                )
    return patterns


urlpatterns = _patterns()
