"""Versions module (OCPI 2.2.1 version_information_endpoint.asciidoc): our version list and the details of each
version."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from ocpi_api.core.links import absolute_url
from ocpi_api.core.openapi import envelope_of
from ocpi_api.core.v211 import is_211
from ocpi_api.core.views import OcpiView
from ocpi_api.versions import SUPPORTED, VERSIONS

from .serializers import VersionDetailsSerializer, VersionSerializer


def version_list(request: Request | None = None) -> list[dict[str, str]]:
    return [
        {"version": v.number, "url": absolute_url(request, reverse(f"ocpi:{v.details_url_name}"))} for v in VERSIONS
    ]


def version_details(number: str, request: Request | None = None) -> dict[str, Any]:
    version = SUPPORTED[number]
    endpoints: list[dict[str, str]] = []
    for module in version.modules:
        endpoint = {"identifier": str(module.identifier), "role": str(module.role)}
        if is_211(number):
            del endpoint["role"]  # 2.1.1 version_information_endpoint.md, Endpoint class: identifier and url only
        endpoint["url"] = absolute_url(request, reverse(f"ocpi:{module.url_name(number)}"))
        endpoints.append(endpoint)
    return {"version": number, "endpoints": endpoints}


class VersionListView(OcpiView):
    """Our OCPI versions, each with the URL of its version details."""

    ocpi_module = "versions"

    @extend_schema(operation_id="ocpi_versions", responses=envelope_of(VersionSerializer(many=True)), tags=["versions"])
    def get(self, request: Request) -> Response:
        return self.ok(version_list(request))


class VersionDetailsView(OcpiView):
    """The modules we implement in this version, with their interface role and URL."""

    ocpi_module = "versions"

    @extend_schema(
        operation_id="ocpi_version_details", responses=envelope_of(VersionDetailsSerializer()), tags=["versions"]
    )
    def get(self, request: Request, ocpi_version: str) -> Response:
        return self.ok(version_details(ocpi_version, request))
