"""OCPI 2.2.1 command objects (mod_commands.asciidoc, Object description): the five requests in, CommandResponse and
CommandResult out."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from ocpi_api.core.fields import DateTimeField, StringField, UrlField
from ocpi_api.models import CommandRequest
from ocpi_api.modules.common import DisplayTextSerializer
from ocpi_api.modules.tokens.serializers import TokenSerializer


def _id(**kwargs: Any) -> StringField:
    return StringField(min_length=1, max_length=36, ascii_only=True, **kwargs)


class CommandSerializer(serializers.Serializer[Any]):
    response_url = UrlField()


class StartSessionSerializer(CommandSerializer):
    token = TokenSerializer()
    location_id = _id()
    evse_uid = _id(required=False)
    connector_id = _id(required=False)
    authorization_reference = _id(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("connector_id") and not attrs.get("evse_uid"):
            raise serializers.ValidationError({"evse_uid": "Required when connector_id is given."})
        return attrs


class StopSessionSerializer(CommandSerializer):
    session_id = _id()


class ReserveNowSerializer(CommandSerializer):
    token = TokenSerializer()
    expiry_date = DateTimeField()
    reservation_id = _id()
    location_id = _id()
    evse_uid = _id(required=False)
    authorization_reference = _id(required=False)


class CancelReservationSerializer(CommandSerializer):
    reservation_id = _id()


class UnlockConnectorSerializer(CommandSerializer):
    location_id = _id()
    evse_uid = _id()
    connector_id = _id()


COMMAND_SERIALIZERS: dict[str, type[CommandSerializer]] = {
    CommandRequest.Command.START_SESSION: StartSessionSerializer,
    CommandRequest.Command.STOP_SESSION: StopSessionSerializer,
    CommandRequest.Command.RESERVE_NOW: ReserveNowSerializer,
    CommandRequest.Command.CANCEL_RESERVATION: CancelReservationSerializer,
    CommandRequest.Command.UNLOCK_CONNECTOR: UnlockConnectorSerializer,
}


def command_input(command: str, data: Any) -> dict[str, Any]:
    """A validated command object. Raises DRF's ValidationError (answered with 2001)."""
    if not isinstance(data, dict):
        raise serializers.ValidationError({"body": f"Expected a {command} object."})
    serializer = COMMAND_SERIALIZERS[command](data=data)
    serializer.is_valid(raise_exception=True)
    validated = dict(serializer.validated_data)
    if "token" in validated:
        validated["token"] = dict(validated["token"])
    return validated


def display_texts(message: str) -> list[dict[str, str]]:
    return [{"language": "en", "text": message[:512]}] if message else []


def command_response_json(result: str, timeout: int, message: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {"result": result, "timeout": timeout}
    if message:
        out["message"] = display_texts(message)
    return out


def command_result_json(result: str, message: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {"result": result}
    if message:
        out["message"] = display_texts(message)
    return out


class CommandResponseSerializer(serializers.Serializer[Any]):
    """Schema of the synchronous answer."""

    result = serializers.ChoiceField(choices=CommandRequest.Response.values)
    timeout = serializers.IntegerField()
    message = DisplayTextSerializer(many=True, required=False)
