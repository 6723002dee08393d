"""Settings read from the environment (and an optional .env file); see .env.example."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATA_DIR = Path("data")


class Settings(BaseSettings):
    """Every setting of the service; built once in main(), never at import."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    telegram_bot_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: SecretStr | None = None
    telegram_max_messages_per_second: float = 30.0
    telegram_group_messages_per_minute: float = 20.0

    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str | None = None
    database_busy_timeout_seconds: float = 30.0
    database_sqlite_synchronous: Literal["FULL", "NORMAL"] = "FULL"

    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: SecretStr | None = None
    nlu_timeout_seconds: float = 3.0
    nlu_confidence_threshold: float = 0.5
    nlu_shortlist_min_confidence: float = 0.5

    support_chat_id: int | None = None
    agent_language: str = "zh"
    canned_answers_file: Path = Path("config/canned_answers.toml")
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    ban_allowed: Literal["agents", "supervisors"] = "agents"
    assignment_rules_file: Path = Path("config/assignment.toml")

    retention_days: int = 400
    timezone: str = "Asia/Shanghai"
    sla_accept_hours: float = 24
    sla_investigate_hours: float = 48
    sla_resolve_hours: float = 72
    sla_reminder_hours: float = 2
    sla_check_seconds: float = 60
    auto_close_days: int = 7
    flood_burst: int = 30
    flood_period_seconds: float = 10.0
    default_language: str = "zh"
    buyer_topics_enabled: bool = True  # a topic per ticket in buyers' chats, where the bot has them
    evidence_dir: Path | None = None  # default: DATA_DIR/evidence
    evidence_check_seconds: float = 15
    shop_alert_threshold: int = 5  # an alert when one shop has more complaints in 7 days
    log_level: str = "INFO"

    # The web chat (bot/channels/web): served beside the bot, or alone without a token.
    web_enabled: bool = True
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    web_public_url: str | None = None  # the address people open; default http://host:port
    web_allowed_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    web_cookie_samesite: Literal["lax", "strict", "none"] = "lax"  # none: in a foreign iframe
    web_max_frame_bytes: int = 16384
    web_messages_per_minute: float = 30  # per visitor
    web_address_events_per_minute: float = 120  # per address: messages, uploads, connections
    web_new_visitors_per_hour: float = 30  # per address

    @field_validator("web_allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip().rstrip("/") for part in value.split(",") if part.strip()]
        return value

    @property
    def effective_web_url(self) -> str:
        """WEB_PUBLIC_URL, or the address the web chat listens on (in webhook mode the
        webhook's server carries it, on WEBHOOK_LISTEN:WEBHOOK_PORT)."""
        if self.web_public_url:
            return self.web_public_url.rstrip("/")
        host, port = self.web_host, self.web_port
        if self.webhook_url and self.telegram_bot_token is not None:
            host, port = self.webhook_listen, self.webhook_port
        host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        return f"http://{host}:{port}"

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(part) for part in value.replace(";", ",").split(",") if part.strip()]
        return value

    @property
    def effective_evidence_dir(self) -> Path:
        """EVIDENCE_DIR, or a folder in the data folder."""
        return self.evidence_dir or self.data_dir / "evidence"

    @property
    def effective_database_url(self) -> str:
        """DATABASE_URL, or a SQLite file in the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'complaints.sqlite3').resolve()}"
