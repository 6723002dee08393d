"""Topics in private chats with the bot (Bot API 9.3/9.4), and people deleting topics and
messages.

A bot whose owner turned on threaded mode in @BotFather reports `has_topics_enabled` (and
`allows_users_to_create_topics`) in getMe; its private chats then take `message_thread_id`,
and `createForumTopic` / `deleteForumTopic` work there. A private chat's topics are kept as a
forum's are (FakeChat.is_forum; its Chat object stays a plain private chat): a message sent
to a deleted topic fails with "message thread not found", as Telegram answers since
tdlib/telegram-bot-api#854 was fixed. A bot without threaded mode gets the errors Telegram
gives it. Deleting a topic or a message sends the bot no update, as on Telegram.
"""

from __future__ import annotations

from typing import Any

from tests.fakes.telegram_state import FakeChat, FakeUser, bad_request


class PrivateTopics:
    """Threaded mode for the bot's private chats; people deleting topics and messages."""

    bot_has_topics: bool = False
    users_create_topics: bool = False

    def enable_private_topics(self, *, users_create_topics: bool = True) -> None:
        """The bot's owner turns on threaded mode (and lets users create and delete topics)."""
        self.bot_has_topics = True
        self.users_create_topics = users_create_topics
        for chat in self.chats.values():
            if chat.type == "private":
                chat.is_forum = True

    # ----------------------------------------------------------------------------- the bot

    def _m_get_me(self, p: dict, files: dict) -> dict:
        return {
            **super()._m_get_me(p, files),
            "has_topics_enabled": self.bot_has_topics,
            "allows_users_to_create_topics": self.users_create_topics,
        }

    def _forum(self, p: dict) -> FakeChat:
        chat = self._resolve_chat(p.get("chat_id"))
        if chat.type != "private":
            return super()._forum(p)
        if not self.bot_has_topics:
            raise bad_request("the chat is not a forum")
        self._check_can_write(chat)
        return chat

    def _bot_can(self, chat: FakeChat, right: str) -> bool:
        if chat.type == "private" and right in ("can_manage_topics", "can_delete_messages"):
            return self.bot_has_topics  # the bot manages the topics of its own private chats
        return super()._bot_can(chat, right)

    # ----------------------------------------------------------------------------- people

    def delete_topic(self, user: FakeUser | int, chat: FakeChat | int, thread_id: int) -> None:
        """A person deletes a topic with all its messages: an administrator of a forum who
        may delete messages, or the user in their private chat where the bot lets them."""
        user, target = self.user(user), self.chat(chat)
        if target.type == "private":
            if target.id != user.id or not self.users_create_topics:
                raise PermissionError("the bot does not let users delete topics")
        else:
            member = target.members.get(user.id)
            if member is None or not member.can("can_delete_messages"):
                raise PermissionError(f"user {user.id} may not delete topics in {target.id}")
        if thread_id not in target.topics:
            raise KeyError(f"no topic {thread_id} in chat {target.id}")
        del target.topics[thread_id]
        for message_id, message in target.messages.items():
            if message.get("message_thread_id") == thread_id:
                target.meta[message_id].deleted = True

    def delete_message_by(self, user: FakeUser | int, chat: FakeChat | int, message_id: Any):
        """An administrator deletes one message (a ticket's card, say): no update for the bot."""
        user, target = self.user(user), self.chat(chat)
        member = target.members.get(user.id)
        if target.type != "private" and (member is None or not member.can("can_delete_messages")):
            raise PermissionError(f"user {user.id} may not delete messages in {target.id}")
        if target.live_message(message_id) is None:
            raise KeyError(f"no message {message_id} in chat {target.id}")
        target.meta[message_id].deleted = True
