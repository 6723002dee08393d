"""The real Rasa server, trained (or reused) once per test run."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from bot.nlu import NluClient
from bot.nlu_model import NluServer, NluSetupError, ensure_model, free_port


@pytest.fixture(scope="session")
def nlu_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NluServer]:
    log_file = tmp_path_factory.mktemp("nlu") / "rasa.log"
    server = NluServer(ensure_model(), free_port(), log_file=log_file)
    server.start()
    try:
        server.wait_ready()
    except NluSetupError:
        server.stop()
        tail = log_file.read_text(errors="replace")[-4000:]
        pytest.fail(f"the NLU server did not start; its log ends with:\n{tail}")
    yield server
    server.stop()


@pytest.fixture
async def nlu_client(nlu_server: NluServer) -> AsyncIterator[NluClient]:
    client = NluClient(nlu_server.url, timeout=10.0)
    yield client
    await client.aclose()
