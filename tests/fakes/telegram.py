"""A fake Telegram Bot API for tests: pure asyncio, no network.

``FakeTelegram`` keeps Telegram's state (the bot, users, chats, members, topics, messages, files),
answers Bot API calls with Telegram's own envelope (``FakeTelegram.call``), records every call,
and produces the updates people cause (see ``telegram_updates.PeopleActions``). The adapters in
``ptb_request.py`` (PTB's BaseRequest) and ``http_server.py`` (real HTTP) put it under a bot.

Around this module: the Bot API methods (``telegram_methods.py``, ``telegram_media.py``,
``telegram_chat_methods.py``), people's actions (``telegram_updates.py``,
``telegram_updates_media.py``), recording and waiting (``telegram_records.py``), the update queue
(``telegram_queue.py``), text formatting (``telegram_text.py``, ``telegram_markdown.py``) and the
state classes (``telegram_state.py``).
"""

from __future__ import annotations

import asyncio
import copy
import inspect
import json
import re
import time
from typing import Any

from tests.fakes.telegram_methods import METHODS, UNIMPLEMENTED, BotMethods
from tests.fakes.telegram_more_kinds import MoreKindActions
from tests.fakes.telegram_private_topics import PrivateTopics
from tests.fakes.telegram_queue import UpdateQueue, WebhookState
from tests.fakes.telegram_records import Call, Msg, Records, json_copy
from tests.fakes.telegram_state import (
    ADMIN_RIGHTS,
    UPLOAD_LIMIT,
    ApiError,
    Described,
    FakeChat,
    FakeFile,
    FakeTopic,
    FakeUser,
    Member,
    bad_request,
    make_file_ids,
    make_png,
)
from tests.fakes.telegram_updates import PeopleActions
from tests.fakes.telegram_updates_media import MediaActions

__all__ = ["ApiError", "Call", "FakeChat", "FakeTelegram", "FakeUser", "Msg", "make_png"]

_JSON_PARAMS = frozenset(
    "reply_markup reply_parameters entities caption_entities media commands scope menu_button "
    "allowed_updates link_preview_options options explanation_entities question_entities "
    "permissions message_ids results button prices reaction".split()
)
_INT_PARAMS = frozenset(
    "chat_id from_chat_id message_id message_thread_id reply_to_message_id offset limit timeout "
    "user_id icon_color cache_time max_connections duration width height until_date".split()
)
_BOOL_PARAMS = frozenset(
    "disable_notification protect_content allow_sending_without_reply show_alert "
    "drop_pending_updates has_spoiler supports_streaming disable_content_type_detection "
    "show_caption_above_media disable_web_page_preview allow_paid_broadcast "
    "only_if_banned revoke_messages is_anonymous".split()
)
_DEFAULT_BOT_RIGHTS = {
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_invite_users": True,
    "can_pin_messages": True,
    "can_manage_topics": True,
}


def coerce_params(params: dict[str, Any]) -> dict[str, Any]:
    """Give form-encoded values (all strings) the types Telegram reads them as."""
    result = dict(params)
    for name, value in params.items():
        if not isinstance(value, str):
            continue
        if name in _JSON_PARAMS:
            try:
                result[name] = json.loads(value)
            except ValueError:
                what = "reply keyboard markup" if name == "reply_markup" else name
                raise bad_request(f"can't parse {what} JSON object") from None
        elif name in _INT_PARAMS and re.fullmatch(r"\s*-?\d+\s*", value):
            result[name] = int(value)
        elif name in _BOOL_PARAMS:
            result[name] = value.strip().lower() in ("true", "1")
        elif name in ("latitude", "longitude"):
            try:
                result[name] = float(value)
            except ValueError:
                pass
    return result


class FakeTelegram(
    PrivateTopics, BotMethods, PeopleActions, MediaActions, MoreKindActions, Records, UpdateQueue
):
    """Telegram's Bot API with the state of one bot, in memory.

    ``strict_html``: a bare ``&`` or ``>`` in HTML text is an error (Telegram keeps them), so tests
    prove user text is escaped. ``privacy_mode``: in groups where the bot is not an administrator,
    it receives only commands, replies to its messages, mentions and service messages.
    ``strict_webhook_url``: setWebhook wants HTTPS on port 443, 80, 88 or 8443, as Telegram does;
    off by default so tests can use a local http:// receiver. ``max_poll_wait`` caps how long
    getUpdates waits, whatever timeout the bot asks for.
    """

    def __init__(
        self,
        *,
        bot_id: int = 7_000_000_001,
        bot_username: str = "complaint_desk_test_bot",
        bot_name: str = "Complaint Desk",
        token: str | None = None,
        strict_html: bool = True,
        privacy_mode: bool = True,
        strict_webhook_url: bool = False,
        max_poll_wait: float | None = None,
    ):
        self.bot = FakeUser(id=bot_id, first_name=bot_name, username=bot_username, is_bot=True)
        self.token = token or f"{bot_id}:AAFakeTokenForTests-{bot_id % 10**14:014d}"
        self.strict_html = strict_html
        self.privacy_mode = privacy_mode
        self.strict_webhook_url = strict_webhook_url
        self.max_poll_wait = max_poll_wait
        self.users: dict[int, FakeUser] = {bot_id: self.bot}
        self.chats: dict[int, FakeChat] = {}
        self.files: dict[str, FakeFile] = {}
        self.files_by_path: dict[str, FakeFile] = {}
        self.blocked: set[int] = set()
        self.calls: list[Call] = []
        self.updates: list[dict] = []
        self.dropped_updates: list[dict] = []
        self.webhook = WebhookState()
        self.webhook_log: list[tuple[int, str]] = []
        self.commands: dict[tuple[str, str], list[dict]] = {}
        self.default_menu_button: dict | None = None
        self.callback_queries: dict[str, dict] = {}
        self.callback_answers: dict[str, dict] = {}
        self._queue: list[dict] = []
        self._allowed_updates: list[str] | None = None
        self._next_update_id = 500_000_001
        self._handed_up_to = 0
        self._poll_generation = 0
        self._failures: list[tuple[str, ApiError]] = []
        self._holds: list[tuple[str, int | None, asyncio.Event | float]] = []
        self._serial = 0
        self._event = asyncio.Event()
        self._last_activity = time.monotonic()
        self._action_mark = 0

    # -----------------------------------------------------------------------------------------
    # Setting up the world

    def _new_serial(self) -> int:
        self._serial += 1
        return self._serial

    def add_user(
        self,
        first_name: str = "Alice",
        *,
        username: str | None = None,
        last_name: str | None = None,
        language_code: str | None = "en",
        user_id: int | None = None,
        started: bool = False,
        is_bot: bool = False,
        is_premium: bool = False,
        hides_forwards: bool = False,
    ) -> FakeUser:
        """A Telegram user. ``started``: has already opened a private chat with the bot."""
        user = FakeUser(
            id=user_id or 100_000_000 + self._new_serial(),
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
            is_bot=is_bot,
            is_premium=is_premium,
            started=started,
            hides_forwards=hides_forwards,
        )
        self.users[user.id] = user
        if started:
            self.private_chat(user)
        return user

    def add_group(
        self,
        title: str = "Agents",
        *,
        is_forum: bool = False,
        chat_id: int | None = None,
        username: str | None = None,
        kind: str = "supergroup",
        bot_status: str = "administrator",
        bot_rights: dict[str, bool] | None = None,
        members: dict[Any, str] | list[Any] | None = None,
        creator: FakeUser | int | None = None,
    ) -> FakeChat:
        """A group the bot is in (an administrator with the usual rights unless told otherwise).

        ``members``: users (or ids), or a mapping of user to status ("administrator", ...).
        """
        if is_forum and kind != "supergroup":
            raise ValueError("only supergroups can be forums")
        serial = self._new_serial()
        default_id = (
            -1_001_000_000_000 - serial if kind == "supergroup" else -4_000_000_000 - serial
        )
        chat = FakeChat(
            id=chat_id or default_id,
            type=kind,
            title=title,
            username=username,
            is_forum=is_forum,
            last_message_id=1,  # message 1: the group's creation (in forums, the General topic)
        )
        self.chats[chat.id] = chat
        if creator is not None:
            self.set_member(chat, creator, "creator")
        self.set_bot_member(chat, bot_status, **(bot_rights or {}))
        if isinstance(members, dict):
            for user, status in members.items():
                self.set_member(chat, user, status)
        else:
            for user in members or []:
                self.set_member(chat, user, "member")
        return chat

    def set_member(
        self, chat: FakeChat | int, user: FakeUser | int, status: str = "member", **rights: bool
    ) -> Member:
        """Set a user's status in a group; administrators get ``rights`` (can_manage_topics=...)."""
        chat, user = self.chat(chat), self.user(user)
        base = dict(_DEFAULT_BOT_RIGHTS) if status == "administrator" and user.is_bot else {}
        unknown = set(rights) - set(ADMIN_RIGHTS) - {"can_post_messages", "can_edit_messages"}
        if unknown and status == "administrator":
            raise ValueError(f"unknown rights: {sorted(unknown)}")
        member = Member(status=status, rights={**base, **rights})
        chat.members[user.id] = member
        return member

    def set_bot_member(self, chat: FakeChat | int, status: str = "administrator", **rights: bool):
        return self.set_member(chat, self.bot, status, **rights)

    def add_topic(
        self, chat: FakeChat | int, name: str, *, icon_color: int = 7322096, by_bot: bool = False
    ) -> FakeTopic:
        """A forum topic that already exists (no update is produced)."""
        chat = self.chat(chat)
        if not chat.is_forum:
            raise ValueError(f"chat {chat.id} is not a forum")
        creator = self.bot if by_bot else self._some_admin(chat)
        return self._create_topic(chat, name, icon_color, None, creator, by_bot=by_bot)

    def _some_admin(self, chat: FakeChat) -> FakeUser:
        for user_id, member in chat.members.items():
            if member.is_admin and user_id != self.bot.id:
                return self.users[user_id]
        admin = self.add_user("Admin")
        self.set_member(chat, admin, "creator")
        return admin

    def private_chat(self, user: FakeUser | int) -> FakeChat:
        user = self.user(user)
        chat = self.chats.get(user.id)
        if chat is None:
            # With the bot's threaded mode the chat keeps topics (telegram_private_topics.py).
            chat = FakeChat(id=user.id, type="private", user=user, is_forum=self.bot_has_topics)
            self.chats[user.id] = chat
        return chat

    def user(self, ref: FakeUser | int) -> FakeUser:
        user_id = ref.id if isinstance(ref, FakeUser) else int(ref)
        if user_id not in self.users:
            raise KeyError(f"no user {user_id}; create one with add_user()")
        return self.users[user_id]

    def chat(self, ref: FakeChat | FakeUser | int) -> FakeChat:
        """A chat by id or object; a user (or user id) means their private chat with the bot."""
        if isinstance(ref, FakeChat):
            return ref
        if isinstance(ref, FakeUser):
            return self.private_chat(ref)
        if ref in self.chats:
            return self.chats[ref]
        if ref in self.users:
            return self.private_chat(ref)
        raise KeyError(f"no chat {ref}")

    def block_bot(self, user: FakeUser | int, *, notify: bool = True) -> None:
        """The user blocks the bot: sends to them fail with 403 (and a my_chat_member update)."""
        user = self.user(user)
        self.blocked.add(user.id)
        if notify and user.id in self.chats:
            self._my_chat_member(self.private_chat(user), user, "member", "kicked")

    def unblock_bot(self, user: FakeUser | int, *, notify: bool = True) -> None:
        user = self.user(user)
        self.blocked.discard(user.id)
        if notify and user.id in self.chats:
            self._my_chat_member(self.private_chat(user), user, "kicked", "member")

    def register_file(
        self,
        data: bytes,
        kind: str = "document",
        *,
        mime_type: str | None = None,
        file_name: str | None = None,
        file_size: int | None = None,
        width: int | None = None,
        height: int | None = None,
        duration: int | None = None,
    ) -> FakeFile:
        """Store a file as Telegram's servers would; ``file_size`` may claim more than ``data``."""
        serial = self._new_serial()
        file_id, unique_id = make_file_ids(kind, serial, self.bot.id)
        fake_file = FakeFile(
            file_id=file_id,
            file_unique_id=unique_id,
            kind=kind,
            data=bytes(data),
            file_size=len(data) if file_size is None else file_size,
            mime_type=mime_type,
            file_name=file_name,
            width=width,
            height=height,
            duration=duration,
        )
        self.files[file_id] = fake_file
        return fake_file

    # -----------------------------------------------------------------------------------------
    # The Bot API entry point

    async def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        files: dict[str, Any] | None = None,
    ) -> tuple[int, dict]:
        """Answer one Bot API call: (HTTP status, Telegram's JSON envelope)."""
        name = METHODS.get(method.lower())
        uploads = {key: _as_upload(key, value) for key, value in (files or {}).items()}
        record = Call(method=name[0] if name else method, params=dict(params or {}), files=uploads)
        self.calls.append(record)
        try:
            if name is None:
                if method.lower() in UNIMPLEMENTED:
                    raise ApiError(501, f"Not Implemented: FakeTelegram has no {method}")
                raise ApiError(404, "Not Found")
            self._take_failure(name[0])
            if any(len(upload[1]) > UPLOAD_LIMIT for upload in uploads.values()):
                raise ApiError(413, "Request Entity Too Large")
            result = getattr(self, name[1])(coerce_params(record.params), uploads)
            if inspect.isawaitable(result):
                result = await result
            await self._hold(name[0], record.params)
            body: dict[str, Any] = {"ok": True}
            if isinstance(result, Described):
                body.update(result=result.result, description=result.description)
            else:
                body["result"] = result
            status = 200
        except ApiError as error:
            status, body = error.status, error.envelope()
        body = json_copy(body)
        record.status, record.response = status, body
        if record.method != "getUpdates":
            self._last_activity = time.monotonic()
        self._notify()
        return status, copy.deepcopy(body)

    def fail_next(
        self,
        method: str,
        count: int = 1,
        *,
        status: int = 429,
        retry_after: int = 1,
        description: str | None = None,
        parameters: dict | None = None,
    ) -> None:
        """Make the next ``count`` calls of ``method`` ("*" for any) fail.

        429 answers carry ``parameters.retry_after`` (PTB raises RetryAfter); other statuses use
        Telegram's wording for them unless ``description`` is given.
        """
        if status == 429:
            description = description or f"Too Many Requests: retry after {retry_after}"
            parameters = {"retry_after": retry_after, **(parameters or {})}
        else:
            description = description or {
                400: "Bad Request",
                401: "Unauthorized",
                403: "Forbidden",
                409: "Conflict",
                500: "Internal Server Error",
                502: "Bad Gateway",
                503: "Service Unavailable",
                504: "Gateway Timeout",
            }.get(status, "Error")
        key = "*" if method == "*" else METHODS[method.lower()][0]
        for _ in range(count):
            self._failures.append((key, ApiError(status, description, parameters)))

    def hold_answers(self, method: str, *, chat_id: int | None = None) -> asyncio.Event:
        """Calls of ``method`` (to ``chat_id``) are carried out but not answered until the
        returned event is set: the message is delivered, the caller still waits."""
        release = asyncio.Event()
        self._holds.append((METHODS[method.lower()][0], chat_id, release))
        return release

    def slow_down(self, method: str, seconds: float, *, chat_id: int | None = None) -> None:
        """Every call of ``method`` (to ``chat_id``) is answered ``seconds`` late."""
        self._holds.append((METHODS[method.lower()][0], chat_id, seconds))

    async def _hold(self, method: str, params: dict) -> None:
        for key, chat_id, hold in list(self._holds):
            elsewhere = chat_id is not None and str(params.get("chat_id")) != str(chat_id)
            if key != method or elsewhere:
                continue
            if isinstance(hold, asyncio.Event):
                await hold.wait()
            else:
                await asyncio.sleep(hold)

    def _take_failure(self, method: str) -> None:
        for index, (key, error) in enumerate(self._failures):
            if key in ("*", method):
                del self._failures[index]
                raise error


def _as_upload(name: str, value: Any) -> tuple[str, bytes, str]:
    """Normalise an uploaded part to (file name, bytes, MIME type)."""
    if isinstance(value, bytes | bytearray):
        return name, bytes(value), "application/octet-stream"
    file_name, content, *rest = value
    if hasattr(content, "read"):
        content = content.read()
    if isinstance(content, str):
        content = content.encode()
    mime = rest[0] if rest and rest[0] else "application/octet-stream"
    return file_name or name, bytes(content), mime
