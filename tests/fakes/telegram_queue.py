"""The update queue of the fake Telegram: getUpdates confirmation and webhook delivery state."""

from __future__ import annotations

import time
from dataclasses import dataclass

from tests.fakes.telegram_records import json_copy

_DEFAULT_UPDATES_OFF = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


@dataclass
class WebhookState:
    url: str = ""
    secret_token: str | None = None
    max_connections: int = 40
    ip_address: str | None = None
    allowed_updates: list[str] | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None


class UpdateQueue:
    """Updates waiting for the bot (a mixin of FakeTelegram)."""

    def _update_allowed(self, kind: str) -> bool:
        allowed = self._allowed_updates
        if allowed:
            return kind in allowed
        return kind not in _DEFAULT_UPDATES_OFF

    def _push_update(self, kind: str, payload: dict) -> dict:
        update = {"update_id": self._next_update_id, kind: json_copy(payload)}
        self._next_update_id += 1
        if not self._update_allowed(kind):
            self.dropped_updates.append(update)
            return json_copy(update)
        self.updates.append(update)
        self._queue.append(update)
        self._last_activity = time.monotonic()
        self._notify()
        return json_copy(update)

    @property
    def pending_updates(self) -> list[dict]:
        """Updates not yet confirmed by the bot (getUpdates offset, or a 2xx webhook answer)."""
        return json_copy(self._queue)

    def _confirm(self, offset: int) -> None:
        self._queue = [u for u in self._queue if u["update_id"] >= offset]

    def _hand_out(self, updates: list[dict]) -> None:
        if updates:
            self._handed_up_to = max(self._handed_up_to, updates[-1]["update_id"])

    def webhook_next(self) -> tuple[str, str | None, dict] | None:
        """For the HTTP adapter: (url, secret token, oldest pending update) if a webhook is set."""
        if not self.webhook.url or not self._queue:
            return None
        return self.webhook.url, self.webhook.secret_token, json_copy(self._queue[0])

    def webhook_done(self, update_id: int, status: int) -> None:
        self.webhook_log.append((update_id, str(status)))
        self._queue = [u for u in self._queue if u["update_id"] != update_id]
        self._handed_up_to = max(self._handed_up_to, update_id)
        self._notify()

    def webhook_failed(self, update_id: int, message: str) -> None:
        self.webhook_log.append((update_id, message))
        self.webhook.last_error_date = int(time.time())
        self.webhook.last_error_message = message
        self._notify()
