"""Version and Endpoint objects, for the OpenAPI schema and for reading partners' answers."""

from rest_framework import serializers

from ocpi_api.core.status import InterfaceRole


class VersionSerializer(serializers.Serializer):
    version = serializers.CharField(max_length=10)
    url = serializers.URLField(max_length=255)


class EndpointSerializer(serializers.Serializer):
    identifier = serializers.CharField(max_length=50)
    # Tolerant on input (2.1.1 peers send no role, others send custom values); our own output is always a role.
    role = serializers.ChoiceField(choices=[r.value for r in InterfaceRole], required=False, allow_null=True)
    url = serializers.URLField(max_length=255)


class VersionDetailsSerializer(serializers.Serializer):
    version = serializers.CharField(max_length=10)
    endpoints = EndpointSerializer(many=True)
