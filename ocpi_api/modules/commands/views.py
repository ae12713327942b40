"""Commands module, Receiver interface (OCPI 2.2.1 mod_commands.asciidoc, Receiver Interface):
``POST {commands}/{command}``, answered at once with a CommandResponse; the charger's CommandResult follows at the
eMSP's response_url.

Every answer that reached a verdict carries a CommandResponse, also an unknown location (OCPI 2003 with REJECTED,
as the spec's example has it), so the refused command is recorded for staff as well.
"""

from __future__ import annotations

from contextlib import nullcontext

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from ocpi_api.command_services import command_receive
from ocpi_api.core.envelope import envelope
from ocpi_api.core.openapi import envelope_of
from ocpi_api.core.status import ModuleID, OcpiStatus
from ocpi_api.core.v211 import is_211, named_as_211
from ocpi_api.core.v211.commands import COMMANDS_211, command_from_211, command_response_to_211
from ocpi_api.core.views import OcpiView
from ocpi_api.models import CommandRequest

from .serializers import COMMAND_SERIALIZERS, CommandResponseSerializer, command_input, command_response_json


class CommandsRootView(OcpiView):
    """The module URL we advertise; commands are POSTed below it."""

    ocpi_module = ModuleID.COMMANDS


class CommandView(OcpiView):
    ocpi_module = ModuleID.COMMANDS

    @extend_schema(
        operation_id="ocpi_command",
        parameters=[OpenApiParameter("command", str, OpenApiParameter.PATH, enum=CommandRequest.Command.values)],
        request=PolymorphicProxySerializer(
            component_name="CommandRequest",
            serializers=[serializer() for serializer in COMMAND_SERIALIZERS.values()],
            resource_type_field_name=None,
        ),
        responses={
            **envelope_of(CommandResponseSerializer()),
            404: OpenApiResponse(envelope_of(CommandResponseSerializer())[200], description="Unknown command."),
        },
        description="The body is the StartSession, StopSession, ReserveNow, CancelReservation or UnlockConnector "
        "that the command in the path names.",
        tags=["commands"],
    )
    def post(self, request: Request, ocpi_version: str, command: str) -> Response:
        legacy = is_211(ocpi_version)
        if command not in (COMMANDS_211 if legacy else CommandRequest.Command.values):
            data = command_response_json(CommandRequest.Response.NOT_SUPPORTED, 0, f"Unknown command '{command}'.")
            data = command_response_to_211(data) if legacy else data
            return Response(envelope(data, OcpiStatus.CLIENT_ERROR, "Unknown command."), status=404)
        body = request.data
        if legacy and isinstance(body, dict):
            partner = self.caller.partner
            body = command_from_211(body, country_code=partner.country_code, party_id=partner.party_id)
        with named_as_211({"contract_id": "auth_id"}) if legacy else nullcontext():
            checked = command_input(command, body)
        answer = command_receive(partner=self.caller.partner, command=command, data=checked)
        data = command_response_json(answer.result, answer.timeout, answer.message)
        message = answer.message or "Success"
        data = command_response_to_211(data) if legacy else data
        return Response(envelope(data, answer.status_code, message), status=200)
