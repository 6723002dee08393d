"""A client of the session's real NLU server (the server itself is in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.nlu import NluClient
from bot.nlu_model import NluServer


@pytest.fixture
async def nlu_client(nlu_server: NluServer) -> AsyncIterator[NluClient]:
    client = NluClient(nlu_server.url, timeout=10.0)
    yield client
    await client.aclose()
