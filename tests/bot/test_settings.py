"""Settings come from the environment, and .env.example documents every one of them."""

from pathlib import Path

import pytest

from bot.settings import Settings

EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"


def test_env_example_names_every_setting() -> None:
    documented = {
        line.split("=", 1)[0].strip().lower()
        for line in EXAMPLE.read_text(encoding="utf-8").splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    }
    assert documented == set(Settings.model_fields)


def test_env_example_defaults_load(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(_env_file=EXAMPLE)
    assert settings.telegram_bot_token is None
    assert settings.effective_database_url.startswith("sqlite+aiosqlite:///")
    assert settings.admin_ids == [] and settings.sla_accept_hours == 24


def test_admin_ids_from_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_IDS", "111, 222;333")
    assert Settings(_env_file=None).admin_ids == [111, 222, 333]
