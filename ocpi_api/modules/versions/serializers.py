"""Version and Endpoint objects, for the OpenAPI schema and for reading partners' answers."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ocpi_api.core.fields import OcpiUrlField
from ocpi_api.core.status import InterfaceRole


@extend_schema_field({"type": "string", "enum": [r.value for r in InterfaceRole]})
class InterfaceRoleField(serializers.CharField):
    """Ours is always SENDER or RECEIVER. On input we are tolerant: 2.1.1 peers send no role, and 2.3.0 makes
    enums open; a role we do not know just never matches what we look for."""


class VersionSerializer(serializers.Serializer[Any]):
    version = serializers.CharField(max_length=10)
    url = OcpiUrlField()


class EndpointSerializer(serializers.Serializer[Any]):
    identifier = serializers.CharField(max_length=50)
    role = InterfaceRoleField(max_length=20, required=False, allow_null=True)
    url = OcpiUrlField()


class VersionDetailsSerializer(serializers.Serializer[Any]):
    version = serializers.CharField(max_length=10)
    endpoints = EndpointSerializer(many=True)
