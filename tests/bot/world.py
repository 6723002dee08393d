"""The bot running against the fake Bot API, a fake Rasa and a real database."""

from __future__ import annotations

from dataclasses import dataclass, field

from telegram.ext import Application

from bot.app import build_application
from bot.settings import Settings
from tests.conftest import FakeClock
from tests.fakes import FakeRequest, FakeTelegram, FakeUser, Msg
from tests.fakes.rasa import FakeRasa


@dataclass
class World:
    """One bot process's worth of state, restartable on the same database."""

    fake: FakeTelegram
    rasa: FakeRasa
    clock: FakeClock
    database_url: str
    settings_overrides: dict = field(default_factory=dict)
    app: Application | None = None
    processed: set[int] = field(default_factory=set)

    @property
    def settings(self) -> Settings:
        values = {
            "telegram_bot_token": self.fake.token,
            "telegram_api_url": "http://fake.invalid",
            "database_url": self.database_url,
            "rasa_url": self.rasa.url,
            "nlu_timeout_seconds": 2.0,
            "web_enabled": False,  # the web chat has tests of its own (tests/web)
        }
        return Settings(_env_file=None, **{**values, **self.settings_overrides})

    async def start(self) -> None:
        self.app = build_application(
            self.settings, request=FakeRequest(self.fake), clock=self.clock
        )
        self._track_processing(self.app)
        await self.app.initialize()
        await self.app.post_init(self.app)  # run_polling() would call these two hooks
        await self.app.start()
        await self.app.updater.start_polling(poll_interval=0.0, timeout=1)

    async def stop(self) -> None:
        if self.app is not None:
            await self.app.updater.stop()
            await self.app.stop()
            await self.app.shutdown()
            await self.app.post_shutdown(self.app)
            self.app = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    @property
    def services(self):
        assert self.app is not None
        return self.app.bot_data.services

    def buyer(self, name: str = "李雷", language: str = "zh-hans") -> FakeUser:
        return self.fake.add_user(name, language_code=language, started=True)

    def _track_processing(self, app: Application) -> None:
        """Records when the bot has finished with each update (handlers and error handler)."""
        original = app.process_update

        async def process_update(update: object) -> None:
            try:
                await original(update)
            finally:
                update_id = getattr(update, "update_id", None)
                if update_id is not None:
                    self.processed.add(update_id)
                    self.fake.notify()  # wakes wait_for

        app.process_update = process_update  # type: ignore[method-assign]

    async def settle(self, quiet: float = 0.1) -> None:
        """Waits until the bot has finished every update people sent, then for `quiet` s."""
        await self.fake.wait_for(
            lambda: all(u["update_id"] in self.processed for u in self.fake.updates) or None,
            timeout=20,
            what="the bot to finish every update",
        )
        if self.app is not None:  # and to post what the updates queued for the group
            await self.services.outbox_worker.idle(timeout=20)
            if self.services.buyer_lanes is not None:  # and what they queued for buyers
                await self.services.buyer_lanes.idle(timeout=20)
        await self.fake.wait_idle(quiet=quiet, timeout=10)

    async def exchange(self, user: FakeUser, act, *, replies: int = 1) -> list[Msg]:
        """Does `act()` (an action of the user), waits for `replies` answers, returns all sent."""
        before = len(self.fake.sent_to(user))
        act()
        if replies:
            await self.fake.wait_for_sent(user, before + replies, timeout=10)
        await self.settle(quiet=0.1)
        return self.fake.sent_to(user)[before:]

    async def say(self, user: FakeUser, text: str) -> list[Msg]:
        return await self.exchange(user, lambda: self.fake.send_text(user, text))

    async def command(self, user: FakeUser, command: str, args: str | None = None) -> list[Msg]:
        return await self.exchange(user, lambda: self.fake.send_command(user, command, args))

    async def press(
        self, user: FakeUser, message: Msg, label: str, *, replies: int = 1
    ) -> list[Msg]:
        act = lambda: self.fake.press_button(user, message, label)  # noqa: E731
        return await self.exchange(user, act, replies=replies)


def texts(messages: list[Msg]) -> str:
    return "\n---\n".join(m.content or "" for m in messages)
