"""Bot API methods of the fake: the bot, updates, webhooks, chats, members, topics, commands."""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import urlsplit

from tests.fakes.telegram_state import (
    TOPIC_COLORS,
    ApiError,
    Described,
    FakeChat,
    FakeTopic,
    FakeUser,
    Member,
    MessageMeta,
    bad_request,
)

_CHAT_ACTIONS = frozenset(
    "typing upload_photo record_video upload_video record_voice upload_voice upload_document "
    "choose_sticker find_location record_video_note upload_video_note".split()
)
_SCOPES = frozenset(
    "default all_private_chats all_group_chats all_chat_administrators chat chat_administrators "
    "chat_member".split()
)
_GROUP_PERMISSIONS = {
    key: True
    for key in (
        "can_send_messages can_send_audios can_send_documents can_send_photos can_send_videos "
        "can_send_video_notes can_send_voice_notes can_send_polls can_send_other_messages "
        "can_add_web_page_previews can_invite_users"
    ).split()
} | {"can_change_info": False, "can_pin_messages": False, "can_manage_topics": False}
_WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
_POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is "
    "running"
)


class ChatMethods:
    """getMe, getUpdates, webhooks, chats and members, forum topics, commands, menu buttons."""

    # ----------------------------------------------------------------------------- the bot

    def _m_get_me(self, p: dict, files: dict) -> dict:
        return {
            **self.bot.to_dict(),
            "can_join_groups": True,
            "can_read_all_group_messages": not self.privacy_mode,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    # ----------------------------------------------------------------------------- updates

    async def _m_get_updates(self, p: dict, files: dict) -> list[dict]:
        if self.webhook.url:
            raise ApiError(409, _WEBHOOK_ACTIVE)
        limit = p.get("limit") or 100
        limit = min(max(int(limit), 1), 100)
        timeout = max(float(p.get("timeout") or 0), 0.0)
        if p.get("allowed_updates") is not None:
            self._allowed_updates = list(p["allowed_updates"])
        offset = p.get("offset")
        if isinstance(offset, int) and offset < 0:
            self._queue = self._queue[offset:]
        elif isinstance(offset, int):
            self._confirm(offset)
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()
        if self.max_poll_wait is not None:
            timeout = min(timeout, self.max_poll_wait)
        deadline = time.monotonic() + timeout
        while not self._queue and not self.webhook.url:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            await self.wait_changed(remaining)
            if self._poll_generation != generation:
                raise ApiError(409, _POLL_CONFLICT)
        updates = [] if self.webhook.url else self._queue[:limit]
        self._hand_out(updates)
        return updates

    def _m_set_webhook(self, p: dict, files: dict) -> Described:
        url = p.get("url") or ""
        if not url:
            return self._m_delete_webhook(p, files)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise bad_request("bad webhook: Failed to resolve host: Name or service not known")
        if self.strict_webhook_url:
            if parts.scheme != "https":
                raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
            if (parts.port or 443) not in (80, 88, 443, 8443):
                raise bad_request(
                    "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
                )
        secret = p.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise bad_request("secret token contains unallowed characters")
        max_connections = p.get("max_connections", 40)
        if not isinstance(max_connections, int) or not 1 <= max_connections <= 100:
            raise bad_request("invalid max_connections specified")
        if p.get("allowed_updates") is not None:
            self._allowed_updates = list(p["allowed_updates"])
        if p.get("drop_pending_updates"):
            self._queue.clear()
        same = (self.webhook.url, self.webhook.secret_token) == (url, secret)
        webhook = self.webhook
        webhook.url, webhook.secret_token, webhook.max_connections = url, secret, max_connections
        webhook.ip_address = p.get("ip_address")
        webhook.allowed_updates = self._allowed_updates
        if not same:
            webhook.last_error_date = webhook.last_error_message = None
        self._notify()
        return Described(True, "Webhook is already set" if same else "Webhook was set")

    def _m_delete_webhook(self, p: dict, files: dict) -> Described:
        if p.get("drop_pending_updates"):
            self._queue.clear()
        was_set = bool(self.webhook.url)
        self.webhook.url, self.webhook.secret_token = "", None
        self.webhook.last_error_date = self.webhook.last_error_message = None
        self._notify()
        return Described(True, "Webhook was deleted" if was_set else "Webhook is already deleted")

    def _m_get_webhook_info(self, p: dict, files: dict) -> dict:
        webhook = self.webhook
        info: dict[str, Any] = {
            "url": webhook.url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._queue),
        }
        if webhook.url:
            info["max_connections"] = webhook.max_connections
            if webhook.ip_address:
                info["ip_address"] = webhook.ip_address
            if webhook.last_error_date:
                info["last_error_date"] = webhook.last_error_date
                info["last_error_message"] = webhook.last_error_message
            if webhook.allowed_updates:
                info["allowed_updates"] = webhook.allowed_updates
        return info

    # ----------------------------------------------------------------------------- chats

    def _m_get_chat(self, p: dict, files: dict) -> dict:
        chat = self._resolve_chat(p.get("chat_id"))
        member = chat.members.get(self.bot.id)
        if chat.type != "private" and (member is None or member.status == "left"):
            raise bad_request("chat not found")
        info = chat.to_dict() | {
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }
        if chat.type != "private":
            info["permissions"] = dict(_GROUP_PERMISSIONS)
            if chat.description:
                info["description"] = chat.description
        return info

    def _member_of(self, chat: FakeChat, user_id: Any) -> dict:
        if not isinstance(user_id, int) or user_id not in self.users:
            raise bad_request("user not found")
        user = self.users[user_id]
        if chat.type == "private":
            status = "member" if user_id in (chat.id, self.bot.id) else "left"
            return Member(status).to_dict(user.to_dict())
        member = chat.members.get(user_id) or Member("left")
        return member.to_dict(user.to_dict(), is_forum=chat.is_forum)

    def _m_get_chat_member(self, p: dict, files: dict) -> dict:
        chat = self._resolve_chat(p.get("chat_id"))
        return self._member_of(chat, p.get("user_id"))

    def _m_get_chat_administrators(self, p: dict, files: dict) -> list[dict]:
        chat = self._resolve_chat(p.get("chat_id"))
        if chat.type == "private":
            raise bad_request("there are no administrators in the private chat")
        return [
            member.to_dict(self.users[user_id].to_dict(), is_forum=chat.is_forum)
            for user_id, member in chat.members.items()
            if member.is_admin
        ]

    def _m_get_chat_member_count(self, p: dict, files: dict) -> int:
        chat = self._resolve_chat(p.get("chat_id"))
        if chat.type == "private":
            return 2
        return sum(1 for member in chat.members.values() if member.is_present)

    def _m_send_chat_action(self, p: dict, files: dict) -> bool:
        chat = self._resolve_chat(p.get("chat_id"))
        self._check_can_write(chat)
        if p.get("action") not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self._resolve_thread(chat, p.get("message_thread_id"))
        return True

    def _m_leave_chat(self, p: dict, files: dict) -> bool:
        chat = self._resolve_chat(p.get("chat_id"))
        if chat.type == "private":
            raise bad_request("chat member status can't be changed in private chats")
        self._check_can_write(chat)
        old = chat.members[self.bot.id].status
        chat.members[self.bot.id] = Member("left")
        self._my_chat_member(chat, self.bot, old, "left")
        return True

    def _my_chat_member(self, chat: FakeChat, actor: FakeUser, old: str, new: str, **rights):
        """Queue the my_chat_member update Telegram sends when the bot's status changes."""
        bot = self.bot.to_dict()
        return self._push_update(
            "my_chat_member",
            {
                "chat": chat.to_dict(),
                "from": actor.to_dict(),
                "date": int(time.time()),
                "old_chat_member": Member(old).to_dict(bot, is_forum=chat.is_forum),
                "new_chat_member": Member(new, rights).to_dict(bot, is_forum=chat.is_forum),
            },
        )

    # ----------------------------------------------------------------------------- topics

    def _create_topic(
        self,
        chat: FakeChat,
        name: str,
        icon_color: int,
        emoji_id: str | None,
        creator: FakeUser,
        *,
        by_bot: bool,
    ) -> FakeTopic:
        message_id = chat.next_message_id()
        created: dict[str, Any] = {"name": name, "icon_color": icon_color}
        if emoji_id:
            created["icon_custom_emoji_id"] = emoji_id
        chat.messages[message_id] = {
            "message_id": message_id,
            "from": creator.to_dict(),
            "chat": chat.to_dict(),
            "date": int(time.time()),
            "message_thread_id": message_id,
            "forum_topic_created": created,
            "is_topic_message": True,
        }
        chat.meta[message_id] = MessageMeta(by_bot=creator.id == self.bot.id, service=True)
        topic = FakeTopic(message_id, name, icon_color, emoji_id, created_by_bot=by_bot)
        chat.topics[message_id] = topic
        return topic

    def _topic_service_message(self, chat: FakeChat, topic: FakeTopic, content: dict) -> None:
        self._store_message(
            chat, self.bot, content, thread_id=topic.message_thread_id, by_bot=True, service=True
        )

    def _forum(self, p: dict) -> FakeChat:
        chat = self._resolve_chat(p.get("chat_id"))
        if chat.type == "private" or not chat.is_forum:
            raise bad_request("the chat is not a forum")
        self._check_can_write(chat)
        return chat

    def _forum_topic(self, p: dict, action: str) -> tuple[FakeChat, FakeTopic]:
        chat = self._forum(p)
        topic = chat.topics.get(p.get("message_thread_id"))
        if topic is None:
            raise bad_request("message thread not found")
        if not (self._bot_can(chat, "can_manage_topics") or topic.created_by_bot):
            raise bad_request(f"not enough rights to {action} a topic")
        return chat, topic

    def _m_create_forum_topic(self, p: dict, files: dict) -> dict:
        chat = self._forum(p)
        if not self._bot_can(chat, "can_manage_topics"):
            raise bad_request("not enough rights to create a topic")
        name = str(p.get("name") or "").strip()
        if not name:
            raise bad_request("TOPIC_TITLE_EMPTY")
        if len(name) > 128:
            raise bad_request("TOPIC_TITLE_INVALID")
        icon_color = p.get("icon_color", TOPIC_COLORS[0])
        if icon_color not in TOPIC_COLORS:
            raise bad_request("TOPIC_COLOR_INVALID")
        emoji_id = p.get("icon_custom_emoji_id")
        return self._create_topic(chat, name, icon_color, emoji_id, self.bot, by_bot=True).to_dict()

    def _m_edit_forum_topic(self, p: dict, files: dict) -> bool:
        chat, topic = self._forum_topic(p, "edit")
        edited: dict[str, Any] = {}
        name = p.get("name")
        if name is not None:
            name = str(name).strip()
            if not name or len(name) > 128:
                raise bad_request("TOPIC_TITLE_INVALID" if name else "TOPIC_TITLE_EMPTY")
            if name != topic.name:
                edited["name"] = name
        emoji_id = p.get("icon_custom_emoji_id")
        if emoji_id is not None and (emoji_id or None) != topic.icon_custom_emoji_id:
            edited["icon_custom_emoji_id"] = emoji_id
        if not edited:
            raise bad_request("TOPIC_NOT_MODIFIED")
        topic.name = edited.get("name", topic.name)
        if "icon_custom_emoji_id" in edited:
            topic.icon_custom_emoji_id = edited["icon_custom_emoji_id"] or None
        self._topic_service_message(chat, topic, {"forum_topic_edited": edited})
        return True

    def _m_close_forum_topic(self, p: dict, files: dict) -> bool:
        chat, topic = self._forum_topic(p, "close")
        if topic.is_closed:
            raise bad_request("TOPIC_NOT_MODIFIED")
        topic.is_closed = True
        self._topic_service_message(chat, topic, {"forum_topic_closed": {}})
        return True

    def _m_reopen_forum_topic(self, p: dict, files: dict) -> bool:
        chat, topic = self._forum_topic(p, "reopen")
        if not topic.is_closed:
            raise bad_request("TOPIC_NOT_MODIFIED")
        topic.is_closed = False
        self._topic_service_message(chat, topic, {"forum_topic_reopened": {}})
        return True

    def _m_delete_forum_topic(self, p: dict, files: dict) -> bool:
        chat = self._forum(p)
        topic = chat.topics.get(p.get("message_thread_id"))
        if topic is None:
            raise bad_request("message thread not found")
        if not self._bot_can(chat, "can_delete_messages"):
            raise bad_request("not enough rights to delete a topic")
        del chat.topics[topic.message_thread_id]
        for message_id, message in chat.messages.items():
            if message.get("message_thread_id") == topic.message_thread_id:
                chat.meta[message_id].deleted = True
        return True

    # ----------------------------------------------------------------------------- commands

    def _command_key(self, p: dict) -> tuple[str, str]:
        scope = p.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in _SCOPES:
            raise bad_request("can't parse BotCommandScope JSON object")
        if scope["type"].startswith("chat"):
            self._resolve_chat(scope.get("chat_id"))
            if scope["type"] == "chat_member" and scope.get("user_id") not in self.users:
                raise bad_request("user not found")
        language = p.get("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise bad_request("invalid language code specified")
        return repr(sorted(scope.items())), language

    def _m_set_my_commands(self, p: dict, files: dict) -> bool:
        commands = p.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("can't parse BotCommand JSON object")
        for command in commands:
            name = command.get("command") if isinstance(command, dict) else None
            if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise bad_request("BOT_COMMAND_INVALID")
            description = command.get("description")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._command_key(p)
        if commands:
            self.commands[key] = [dict(c) for c in commands]
        else:
            self.commands.pop(key, None)
        return True

    def _m_delete_my_commands(self, p: dict, files: dict) -> bool:
        self.commands.pop(self._command_key(p), None)
        return True

    def _m_get_my_commands(self, p: dict, files: dict) -> list[dict]:
        return [dict(c) for c in self.commands.get(self._command_key(p), [])]

    def my_commands(self, scope: dict | None = None, language_code: str = "") -> list[dict]:
        """The commands setMyCommands stored for a scope (default: "default") and a language."""
        return self._m_get_my_commands({"scope": scope, "language_code": language_code}, {})

    def _m_set_chat_menu_button(self, p: dict, files: dict) -> bool:
        button = p.get("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in (
            "default",
            "commands",
            "web_app",
        ):
            raise bad_request("can't parse MenuButton JSON object")
        if p.get("chat_id") is None:
            self.default_menu_button = dict(button)
        else:
            chat = self._resolve_chat(p.get("chat_id"))
            if chat.type != "private":
                raise bad_request("the menu button can be set only in private chats")
            chat.menu_button = dict(button)
        return True

    def _m_get_chat_menu_button(self, p: dict, files: dict) -> dict:
        if p.get("chat_id") is not None:
            chat = self._resolve_chat(p.get("chat_id"))
            if chat.menu_button:
                return dict(chat.menu_button)
        return dict(self.default_menu_button or {"type": "default"})
