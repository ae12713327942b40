"""Fixtures shared by the station, session and paging tests."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import operations_user


@pytest.fixture
def ops_client(client: Client) -> Client:
    """The test client, logged in as CPO operations staff."""
    client.force_login(operations_user())
    return client
