"""People acting on the fake Telegram: each action stores what Telegram would store, queues the
update Telegram would send the bot (for getUpdates or the webhook) and returns that update's JSON.

``user`` is a ``FakeUser`` or a user id. ``chat`` is a chat id or ``FakeChat``; left out, the
action happens in the user's private chat with the bot (which also marks the user as having
started the bot). ``reply_to`` is a message id or a message dict of that chat.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from typing import Any

from tests.fakes.telegram_state import (
    FakeChat,
    FakeUser,
    Member,
)
from tests.fakes.telegram_text import detect_entities, utf16_len

_SERVICE_KEYS = frozenset(
    "new_chat_members left_chat_member forum_topic_created forum_topic_closed "
    "forum_topic_reopened forum_topic_edited pinned_message new_chat_title".split()
)


class PeopleActions:
    """What users do: send text, commands, media, albums; edit; forward; press buttons; join."""

    # ----------------------------------------------------------------------------- plumbing

    def _acting(self) -> None:
        self._action_mark = len(self.calls)

    def _user_chat(self, user: FakeUser, chat: Any) -> FakeChat:
        if chat is None or chat == user.id or chat is user:
            chat = self.private_chat(user)
            user.started = True
            if user.id in self.blocked:  # writing to a blocked bot unblocks it
                self.unblock_bot(user)
            return chat
        chat = self.chat(chat)
        if chat.type != "private":
            member = chat.members.get(user.id)
            if member is None or not member.is_present:
                self.set_member(chat, user, "member")
        return chat

    def _find_reply(self, chat: FakeChat, reply_to: Any) -> dict | None:
        if reply_to is None:
            return None
        message_id = reply_to["message_id"] if isinstance(reply_to, dict) else reply_to
        message = chat.live_message(message_id)
        if message is None:
            raise KeyError(f"no message {message_id} in chat {chat.id} to reply to")
        return message

    def _bot_sees(self, chat: FakeChat, message: dict) -> bool:
        if chat.type == "private":
            return True
        member = chat.members.get(self.bot.id)
        if member is None or not member.is_present:
            return False
        if not self.privacy_mode or member.is_admin:
            return True
        if _SERVICE_KEYS & set(message):
            return True
        reply = message.get("reply_to_message")
        if reply and reply.get("from", {}).get("id") == self.bot.id:
            return True
        text = message.get("text") or message.get("caption") or ""
        name = (self.bot.username or "").lower()
        if f"@{name}" in text.lower():
            return True
        for command in re.findall(r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@(\w+))?", text):
            if not command or command.lower() == name:
                return True
        return False

    def _post(
        self,
        user: FakeUser | int,
        content: dict,
        *,
        chat: Any = None,
        thread_id: int | None = None,
        reply_to: Any = None,
    ) -> dict:
        """A user's new message: store it and queue the update (unless privacy mode hides it)."""
        self._acting()
        user = self.user(user)
        target = self._user_chat(user, chat)
        if thread_id is not None and target.is_forum and thread_id not in target.topics:
            raise KeyError(f"no topic {thread_id} in chat {target.id}")
        reply = self._find_reply(target, reply_to)
        message = self._store_message(
            target, user, content, thread_id=thread_id, reply=reply, by_bot=False
        )
        return self._deliver(target, "message", message)

    def _deliver(self, chat: FakeChat, kind: str, message: dict) -> dict:
        if self._bot_sees(chat, message):
            return self._push_update(kind, message)
        update = {"update_id": self._next_update_id, kind: dict(message)}
        self._next_update_id += 1
        self.dropped_updates.append(update)
        return update

    @staticmethod
    def _text_content(text: str, entities: list[dict] | None, key: str = "text") -> dict:
        found = entities if entities is not None else detect_entities(text)
        content: dict[str, Any] = {key: text}
        if found:
            content["entities" if key == "text" else "caption_entities"] = found
        return content

    # ----------------------------------------------------------------------------- messages

    def send_text(
        self,
        user: FakeUser | int,
        text: str,
        *,
        chat: Any = None,
        thread_id: int | None = None,
        reply_to: Any = None,
        entities: list[dict] | None = None,
    ) -> dict:
        """The user sends a text message (Telegram detects commands, links, mentions in it)."""
        return self._post(
            user,
            self._text_content(text, entities),
            chat=chat,
            thread_id=thread_id,
            reply_to=reply_to,
        )

    def send_command(
        self,
        user: FakeUser | int,
        command: str,
        args: str | None = None,
        *,
        chat: Any = None,
        thread_id: int | None = None,
        reply_to: Any = None,
        mention: bool | None = None,
    ) -> dict:
        """The user sends "/command args"; in groups "/command@botname" unless mention=False."""
        in_group = chat is not None and self.chat(chat).type != "private"
        head = "/" + command.lstrip("/")
        if mention if mention is not None else in_group:
            head += f"@{self.bot.username}"
        text = f"{head} {args}" if args else head
        entities = [{"type": "bot_command", "offset": 0, "length": utf16_len(head)}]
        entities += detect_entities(text, entities)
        return self.send_text(
            user, text, chat=chat, thread_id=thread_id, reply_to=reply_to, entities=entities
        )

    def send_forwarded(
        self,
        user: FakeUser | int,
        text: str,
        *,
        origin_user: FakeUser | int | None = None,
        origin_name: str | None = None,
        origin_chat: FakeChat | int | None = None,
        date: int | None = None,
        **where: Any,
    ) -> dict:
        """The user forwards a text message to the bot, with Telegram's forward_origin.

        The origin is ``origin_user`` (shown as a hidden user if they hide forwards),
        ``origin_name`` (a hidden user), or ``origin_chat`` (a channel/group post).
        """
        date = date or int(time.time()) - 3600
        if origin_chat is not None:
            source = self.chat(origin_chat)
            origin: dict[str, Any] = {
                "type": "channel" if source.type == "channel" else "chat",
                "chat": source.to_dict(),
                "date": date,
            }
            if origin["type"] == "channel":
                origin["message_id"] = 1
            else:
                origin["sender_chat"] = origin.pop("chat")
        elif origin_name is not None:
            origin = {"type": "hidden_user", "sender_user_name": origin_name, "date": date}
        else:
            author = self.user(origin_user) if origin_user else self.add_user("Forwarded Author")
            if author.hides_forwards:
                origin = {"type": "hidden_user", "sender_user_name": author.full_name, "date": date}
            else:
                origin = {"type": "user", "sender_user": author.to_dict(), "date": date}
        return self._post(
            user, {"forward_origin": origin, **self._text_content(text, None)}, **where
        )

    def edit_text(
        self,
        user: FakeUser | int,
        message: dict | int,
        new_text: str,
        *,
        chat: Any = None,
        entities: list[dict] | None = None,
    ) -> dict:
        """The user edits one of their text messages: an edited_message update."""
        self._acting()
        user = self.user(user)
        target = self._user_chat(user, chat if chat is not None else _chat_of(message))
        stored = self._find_reply(target, message)
        if stored["from"]["id"] != user.id or "text" not in stored:
            raise ValueError("users edit only their own text messages")
        stored.pop("entities", None)
        stored.update(self._text_content(new_text, entities))
        stored["edit_date"] = int(time.time())
        return self._deliver(target, "edited_message", stored)

    # ----------------------------------------------------------------------------- buttons

    def press_button(
        self, user: FakeUser | int, message: dict | int, text: str, *, chat: Any = None
    ) -> dict:
        """The user presses the inline button labelled ``text`` under a message of the bot."""
        target = self.chat(chat if chat is not None else _chat_of(message))
        stored = self._find_reply(target, message)
        rows = (stored.get("reply_markup") or {}).get("inline_keyboard", [])
        buttons = [button for row in rows for button in row]
        for button in buttons:
            if button.get("text") == text:
                if "callback_data" not in button:
                    raise ValueError(f"button {text!r} sends nothing to the bot: {button}")
                return self.send_callback_query(user, stored, button["callback_data"], chat=target)
        raise LookupError(f"no button {text!r}; buttons: {[b.get('text') for b in buttons]}")

    def send_callback_query(
        self, user: FakeUser | int, message: dict | int, data: str, *, chat: Any = None
    ) -> dict:
        """A callback query with any data, as a modified client could send it (forgery tests)."""
        self._acting()
        user = self.user(user)
        target = self.chat(chat if chat is not None else _chat_of(message))
        message_id = message["message_id"] if isinstance(message, dict) else message
        stored = target.live_message(message_id)
        if stored is None:  # deleted: Telegram sends an InaccessibleMessage
            shown = {"chat": target.to_dict(), "message_id": message_id, "date": 0}
        else:
            shown = dict(stored)
        query = {
            "id": str(4_000_000_000_000_000_000 + self._new_serial()),
            "from": user.to_dict(),
            "message": shown,
            "chat_instance": str(abs(target.id * 2_654_435_761) % 10**19),
            "data": data,
        }
        self.callback_queries[query["id"]] = query
        return self._push_update("callback_query", query)

    # ----------------------------------------------------------------------------- groups

    def add_members(
        self, chat: FakeChat | int, users: Sequence[FakeUser | int], *, by: Any = None
    ) -> dict:
        """Users join a group (added by ``by``, or by themselves): the new_chat_members message."""
        self._acting()
        target = self.chat(chat)
        joined = [self.user(u) for u in users]
        actor = self.user(by) if by is not None else joined[0]
        for user in joined:
            old = target.members.get(user.id, Member("left")).status
            self.set_member(target, user, "member")
            self._push_update(
                "chat_member",
                {
                    "chat": target.to_dict(),
                    "from": actor.to_dict(),
                    "date": int(time.time()),
                    "old_chat_member": Member(old).to_dict(user.to_dict()),
                    "new_chat_member": Member("member").to_dict(user.to_dict()),
                },
            )
        content = {"new_chat_members": [user.to_dict() for user in joined]}
        message = self._store_message(target, actor, content, by_bot=False, service=True)
        return self._deliver(target, "message", message)

    def member_leaves(self, chat: FakeChat | int, user: FakeUser | int) -> dict:
        self._acting()
        target, user = self.chat(chat), self.user(user)
        self.set_member(target, user, "left")
        content = {"left_chat_member": user.to_dict()}
        message = self._store_message(target, user, content, by_bot=False, service=True)
        return self._deliver(target, "message", message)

    def add_bot_to_group(
        self,
        chat: FakeChat | int | None = None,
        *,
        by: FakeUser | int,
        status: str = "member",
        title: str = "New group",
        is_forum: bool = False,
        **rights: bool,
    ) -> list[dict]:
        """A user adds the bot to a group (a new supergroup unless ``chat``): my_chat_member
        and the new_chat_members message, both returned."""
        self._acting()
        actor = self.user(by)
        if chat is None:
            target = self.add_group(title, is_forum=is_forum, bot_status="left", creator=actor)
        else:
            target = self.chat(chat)
            if target.members.get(actor.id) is None:
                self.set_member(target, actor, "administrator")
        old = target.members.get(self.bot.id, Member("left")).status
        member = self.set_bot_member(target, status, **rights)
        updates = [self._my_chat_member(target, actor, old, status, **member.rights)]
        content = {"new_chat_members": [self.bot.to_dict()]}
        message = self._store_message(target, actor, content, by_bot=False, service=True)
        updates.append(self._deliver(target, "message", message))
        return updates

    def remove_bot_from_group(
        self, chat: FakeChat | int, *, by: FakeUser | int, kicked: bool = True
    ) -> dict:
        self._acting()
        target, actor = self.chat(chat), self.user(by)
        old = target.members.get(self.bot.id, Member("left")).status
        new = "kicked" if kicked else "left"
        self.set_bot_member(target, new)
        return self._my_chat_member(target, actor, old, new)

    def create_topic(
        self, user: FakeUser | int, chat: FakeChat | int, name: str, *, icon_color: int = 7322096
    ) -> dict:
        """A user creates a forum topic: the forum_topic_created service message."""
        self._acting()
        user, target = self.user(user), self.chat(chat)
        if not target.is_forum:
            raise ValueError(f"chat {target.id} is not a forum")
        topic = self._create_topic(target, name, icon_color, None, user, by_bot=False)
        return self._deliver(target, "message", target.messages[topic.message_thread_id])


def _chat_of(message: dict | int) -> Any:
    if isinstance(message, dict):
        return message["chat"]["id"]
    raise ValueError("pass chat= when giving a message id")
