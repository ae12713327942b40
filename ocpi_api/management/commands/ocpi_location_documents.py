"""``manage.py ocpi_location_documents``: build the stored OCPI Locations document of every location.

Every write path keeps the documents current in its own transaction (``ocpi_api.location_documents``); this is for
rows written around them: a database from before the documents existed, or the scale data set (``seed_scale``).
Until then the Locations list serializes such a location afresh on every request, which is correct but slow.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from chargepoints.models import Location
from ocpi_api.location_documents import location_documents_rebuild


class Command(BaseCommand):
    help = "Build the stored OCPI Locations document of every location released for roaming."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            written = location_documents_rebuild(Location.objects.order_by("pk").values_list("pk", flat=True))
        self.stdout.write(f"{written} location documents written.")
