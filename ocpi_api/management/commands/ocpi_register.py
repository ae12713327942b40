from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ocpi_api.services import HandshakeError, partner_register


class Command(BaseCommand):
    help = (
        "Register with a partner from its versions URL and the token A it gave us (we initiate the handshake). "
        "A token that starts with '-' must follow '--': ocpi_register -- URL -TOKEN."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("versions_url")
        parser.add_argument("token_a")
        parser.add_argument("--name", default="")
        parser.add_argument("--country-code", default="", help="The party agreed with the partner: granted to it.")
        parser.add_argument("--party-id", default="", help="With --country-code; their answer may name no other.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            partner = partner_register(
                versions_url=options["versions_url"],
                token_a=options["token_a"],
                name=options["name"],
                country_code=options["country_code"],
                party_id=options["party_id"],
                granted_by="manage.py ocpi_register",
            )
        except HandshakeError as error:
            raise CommandError(f"OCPI {int(error.status_code)}: {error.message}") from error
        self.stdout.write(self.style.SUCCESS(f"Registered with {partner} (id {partner.pk}), OCPI {partner.version}."))
        for endpoint in partner.endpoints:
            self.stdout.write(f"  {endpoint['identifier']:<18} {endpoint.get('role') or '':<9} {endpoint['url']}")
