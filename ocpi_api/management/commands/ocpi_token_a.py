from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ocpi_api.services import our_versions_url, partner_issue_token_a


class Command(BaseCommand):
    help = "Issue a token A for a partner that will register with us; prints the token and our versions URL."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--country-code", required=True, help="The partner's ISO 3166-1 alpha-2 country code.")
        parser.add_argument("--party-id", required=True, help="The partner's party id (up to 3 characters).")
        parser.add_argument("--name", default="", help="A name for the partner page.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            partner, token = partner_issue_token_a(
                country_code=options["country_code"],
                party_id=options["party_id"],
                name=options["name"],
                granted_by="manage.py ocpi_token_a",
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(f"Partner:       {partner} (id {partner.pk})")
        self.stdout.write(f"Token A:       {token}")
        self.stdout.write(f"Versions URL:  {our_versions_url()}")
        self.stdout.write("The token is shown once; only its hash is stored.")
