"""Bot API methods of the fake that send, edit, copy and delete messages (files: telegram_media).

Each method takes ``(params, files)`` (params already typed by ``coerce_params``) and returns the
``result`` of Telegram's envelope, or raises ``ApiError``. Chat, topic, webhook and command
methods are in ``telegram_chat_methods.py``.
"""

from __future__ import annotations

import re
import time
from typing import Any

from tests.fakes.telegram_chat_methods import ChatMethods
from tests.fakes.telegram_media import MediaMethods
from tests.fakes.telegram_more_kinds import MoreKindMethods
from tests.fakes.telegram_state import (
    ApiError,
    FakeChat,
    FakeUser,
    MessageMeta,
    bad_request,
    forbidden,
)
from tests.fakes.telegram_text import CAPTION_LIMIT, TEXT_LIMIT, format_text

#: lower-case name -> (Telegram's spelling, attribute implementing it)
METHODS: dict[str, tuple[str, str]] = {
    name.lower(): (name, "_m_" + re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower())
    for name in (
        "getMe getUpdates setWebhook deleteWebhook getWebhookInfo sendMessage editMessageText "
        "editMessageReplyMarkup editMessageCaption deleteMessage deleteMessages "
        "answerCallbackQuery sendPhoto sendDocument sendVideo sendMediaGroup copyMessage "
        "forwardMessage getFile createForumTopic editForumTopic closeForumTopic "
        "reopenForumTopic deleteForumTopic getChat getChatMember getChatAdministrators "
        "getChatMemberCount sendChatAction setMyCommands deleteMyCommands getMyCommands "
        "setChatMenuButton getChatMenuButton leaveChat "
        "sendVoice sendAudio sendVideoNote sendAnimation sendSticker sendLocation sendVenue "
        "sendContact setMessageReaction"
    ).split()
}

#: real Bot API methods the fake does not implement: they answer 501, not Telegram's 404
UNIMPLEMENTED = frozenset(
    name.lower()
    for name in (
        "logOut close sendPaidMedia sendPoll sendDice copyMessages "
        "forwardMessages editMessageMedia editMessageLiveLocation stopPoll pinChatMessage "
        "unpinChatMessage unpinAllChatMessages banChatMember unbanChatMember "
        "restrictChatMember promoteChatMember setChatTitle setChatDescription setChatPhoto "
        "exportChatInviteLink createChatInviteLink getUserProfilePhotos "
        "answerInlineQuery setMyName setMyDescription setMyShortDescription "
        "getForumTopicIconStickers editGeneralForumTopic closeGeneralForumTopic "
        "reopenGeneralForumTopic hideGeneralForumTopic unhideGeneralForumTopic "
        "unpinAllForumTopicMessages setMyDefaultAdministratorRights"
    ).split()
)

_BUTTON_ACTIONS = (
    "url callback_data web_app login_url switch_inline_query switch_inline_query_current_chat "
    "switch_inline_query_chosen_chat copy_text callback_game pay"
).split()
_NOT_COPIED = frozenset(
    "message_id from chat date message_thread_id is_topic_message reply_to_message reply_markup "
    "edit_date forward_origin media_group_id has_protected_content author_signature via_bot "
    "sender_chat is_automatic_forward external_reply quote".split()
)
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)


def _now() -> int:
    return int(time.time())


class MessageMethods(ChatMethods):
    """Sending, editing, copying, forwarding and deleting messages; callback query answers."""

    # ----------------------------------------------------------------------------- helpers

    def _resolve_chat(self, chat_id: Any) -> FakeChat:
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            for chat in self.chats.values():
                if chat.type != "private" and (chat.username or "").lower() == chat_id[1:].lower():
                    return chat
            raise bad_request("chat not found")
        if not isinstance(chat_id, int):
            raise bad_request("chat not found")
        if chat_id in self.chats:
            return self.chats[chat_id]
        if chat_id in self.users:
            return self.private_chat(chat_id)
        raise bad_request("chat not found")

    def _check_can_write(self, chat: FakeChat) -> None:
        if chat.type == "private":
            user = chat.user
            if user.is_bot:
                raise forbidden("bot can't send messages to bots")
            if user.id in self.blocked:
                raise forbidden("bot was blocked by the user")
            if not user.started:
                raise forbidden("bot can't initiate conversation with a user")
            return
        member = chat.members.get(self.bot.id)
        kind = "supergroup chat" if chat.type == "supergroup" else "group chat"
        if member is None or member.status == "left":
            raise forbidden(f"bot is not a member of the {kind}")
        if member.status == "kicked":
            raise forbidden(f"bot was kicked from the {kind}")

    def _bot_can(self, chat: FakeChat, right: str) -> bool:
        member = chat.members.get(self.bot.id)
        return member is not None and member.can(right)

    def _resolve_thread(self, chat: FakeChat, thread_id: Any) -> int | None:
        if thread_id in (None, 0, ""):
            return None
        if chat.is_forum:
            topic = chat.topics.get(thread_id) if isinstance(thread_id, int) else None
            if topic is None:
                raise bad_request("message thread not found")
            if topic.is_closed and not self._bot_can(chat, "can_manage_topics"):
                raise bad_request("TOPIC_CLOSED")
            return thread_id
        if chat.type == "supergroup" and chat.live_message(thread_id) is not None:
            return thread_id
        raise bad_request("message thread not found")

    def _resolve_reply(self, chat: FakeChat, p: dict) -> dict | None:
        reply = p.get("reply_parameters")
        if reply is None and p.get("reply_to_message_id") is not None:
            reply = {
                "message_id": p["reply_to_message_id"],
                "allow_sending_without_reply": p.get("allow_sending_without_reply", False),
            }
        if not reply:
            return None
        if not isinstance(reply, dict) or "message_id" not in reply:
            raise bad_request("can't parse reply parameters JSON object")
        target = chat
        if reply.get("chat_id") not in (None, chat.id):
            target = self._resolve_chat(reply["chat_id"])
        message = target.live_message(reply["message_id"])
        if message is None:
            if reply.get("allow_sending_without_reply"):
                return None
            raise bad_request("message to be replied not found")
        return message if target is chat else None

    def _target(self, p: dict) -> tuple[FakeChat, int | None, dict | None]:
        chat = self._resolve_chat(p.get("chat_id"))
        self._check_can_write(chat)
        thread_id = self._resolve_thread(chat, p.get("message_thread_id"))
        return chat, thread_id, self._resolve_reply(chat, p)

    def _format(self, p: dict, *, caption: bool) -> dict:
        key = "caption" if caption else "text"
        entities_key = "caption_entities" if caption else "entities"
        try:
            formatted = format_text(
                p.get(key), p.get("parse_mode"), p.get(entities_key), strict_html=self.strict_html
            )
        except ValueError as error:
            raise bad_request(str(error)) from None
        if caption:
            if len(formatted.text) > CAPTION_LIMIT:
                raise bad_request("message caption is too long")
        elif not formatted.text:
            raise bad_request("message text is empty")
        elif len(formatted.text) > TEXT_LIMIT:
            raise bad_request("message is too long")
        content: dict[str, Any] = {}
        if formatted.text:
            content[key] = formatted.text
            if formatted.entities:
                content[entities_key] = formatted.entities
        return content

    def _check_markup(self, markup: Any, *, inline_only: bool = False) -> dict | None:
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise bad_request(
                    'can\'t parse inline keyboard button: Field "inline_keyboard" of the '
                    "InlineKeyboardMarkup should be an Array of Arrays"
                )
            for button in (b for row in rows for b in row):
                self._check_inline_button(button)
            return {"inline_keyboard": [[dict(b) for b in row] for row in rows]}
        if inline_only:
            raise bad_request("inline keyboard expected")
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise bad_request(
                    'can\'t parse keyboard button: Field "keyboard" of the ReplyKeyboardMarkup '
                    "should be an Array of Arrays"
                )
            return dict(markup)
        if "remove_keyboard" in markup or "force_reply" in markup:
            return dict(markup)
        raise bad_request("can't parse reply keyboard markup JSON object")

    @staticmethod
    def _check_inline_button(button: Any) -> None:
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise bad_request(
                'can\'t parse inline keyboard button: Field "text" must be of type String'
            )
        if not any(action in button for action in _BUTTON_ACTIONS):
            raise bad_request(
                "can't parse inline keyboard button: "
                "Text buttons are unallowed in the inline keyboard"
            )
        if "callback_data" in button:
            data = button["callback_data"]
            if not isinstance(data, str) or not 1 <= len(data.encode()) <= 64:
                raise bad_request("BUTTON_DATA_INVALID")
        if "url" in button:
            url = button["url"]
            if not isinstance(url, str) or not re.match(
                r"^(?:(?:https?|tg)://\S+|[\w-]+(?:\.[\w-]+)+(?:[/?#]\S*)?)$", url, re.I
            ):
                raise bad_request("BUTTON_URL_INVALID")

    def _store_message(
        self,
        chat: FakeChat,
        sender: FakeUser,
        content: dict,
        *,
        thread_id: int | None = None,
        reply: dict | None = None,
        by_bot: bool,
        service: bool = False,
        method: str | None = None,
    ) -> dict:
        """Store a new message in a chat with Telegram's thread and reply fields; returns it."""
        message_id = chat.next_message_id()
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": sender.to_dict(),
            "chat": chat.to_dict(),
            "date": _now(),
        }
        if chat.is_forum:
            if thread_id is None and reply is not None and reply.get("is_topic_message"):
                thread_id = reply["message_thread_id"]
            if thread_id is not None:
                message.update(message_thread_id=thread_id, is_topic_message=True)
                if reply is None:
                    reply = chat.messages.get(thread_id)
            elif reply is not None:
                message["message_thread_id"] = reply.get("message_thread_id", reply["message_id"])
        elif chat.type == "supergroup":
            if thread_id is not None:
                message["message_thread_id"] = thread_id
            elif reply is not None:
                message["message_thread_id"] = reply.get("message_thread_id", reply["message_id"])
        if reply is not None:
            message["reply_to_message"] = {
                k: v for k, v in reply.items() if k != "reply_to_message"
            }
        message.update(content)
        chat.messages[message_id] = message
        chat.meta[message_id] = MessageMeta(by_bot=by_bot, service=service, method=method)
        return message

    def _send(
        self,
        chat: FakeChat,
        content: dict,
        thread_id: int | None,
        reply: dict | None,
        markup: dict | None,
        method: str,
        p: dict,
    ) -> dict:
        content = dict(content)
        if markup and "inline_keyboard" in markup:
            content["reply_markup"] = markup
        elif markup and "keyboard" in markup:
            chat.reply_keyboard = markup
        elif markup and "remove_keyboard" in markup:
            chat.reply_keyboard = None
        if p.get("protect_content"):
            content["has_protected_content"] = True
        return self._store_message(
            chat, self.bot, content, thread_id=thread_id, reply=reply, by_bot=True, method=method
        )

    # ----------------------------------------------------------------------------- methods

    def _m_send_message(self, p: dict, files: dict) -> dict:
        content = self._format(p, caption=False)
        markup = self._check_markup(p.get("reply_markup"))
        chat, thread_id, reply = self._target(p)
        return self._send(chat, content, thread_id, reply, markup, "sendMessage", p)

    def _source_message(self, p: dict, what: str) -> tuple[FakeChat, dict]:
        source_chat = self._resolve_chat(p.get("from_chat_id"))
        member = source_chat.members.get(self.bot.id)
        if source_chat.type != "private" and (member is None or not member.is_present):
            raise bad_request("chat not found")
        message = source_chat.live_message(p.get("message_id"))
        if message is None:
            raise bad_request(f"message to {what} not found")
        if source_chat.meta[message["message_id"]].service:
            raise bad_request(f"message can't be {'copied' if what == 'copy' else 'forwarded'}")
        if message.get("has_protected_content"):
            raise bad_request("message has protected content and can't be forwarded")
        return source_chat, message

    def _m_copy_message(self, p: dict, files: dict) -> dict:
        _, source = self._source_message(p, "copy")
        content = {k: v for k, v in source.items() if k not in _NOT_COPIED}
        if "text" not in content and ("caption" in p or p.get("caption_entities")):
            content.pop("caption", None)
            content.pop("caption_entities", None)
            content.update(self._format(p, caption=True))
        markup = self._check_markup(p.get("reply_markup"))
        chat, thread_id, reply = self._target(p)
        message = self._send(chat, content, thread_id, reply, markup, "copyMessage", p)
        return {"message_id": message["message_id"]}

    def _m_forward_message(self, p: dict, files: dict) -> dict:
        source_chat, source = self._source_message(p, "forward")
        content = {k: v for k, v in source.items() if k not in _NOT_COPIED}
        origin = source.get("forward_origin")
        if origin is None:
            sender = self.users.get(source["from"]["id"])
            if sender is not None and sender.hides_forwards:
                origin = {
                    "type": "hidden_user",
                    "sender_user_name": sender.full_name,
                    "date": source["date"],
                }
            else:
                origin = {"type": "user", "sender_user": source["from"], "date": source["date"]}
        content = {"forward_origin": origin, **content}
        chat = self._resolve_chat(p.get("chat_id"))
        self._check_can_write(chat)
        thread_id = self._resolve_thread(chat, p.get("message_thread_id"))
        return self._send(chat, content, thread_id, None, None, "forwardMessage", p)

    def _edit_target(self, p: dict) -> tuple[FakeChat, dict]:
        if p.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        if p.get("chat_id") is None and p.get("message_id") is None:
            raise bad_request("message identifier is not specified")
        chat = self._resolve_chat(p.get("chat_id"))
        message = chat.live_message(p.get("message_id"))
        if message is None:
            raise bad_request("message to edit not found")
        meta = chat.meta[message["message_id"]]
        if not meta.by_bot or meta.service:
            raise bad_request("message can't be edited")
        self._check_can_write(chat)
        return chat, message

    def _apply_edit(self, message: dict, new: dict, keys: tuple[str, ...]) -> dict:
        current = {key: message.get(key) for key in keys}
        wanted = {key: new.get(key) for key in keys}
        if current == wanted:
            raise bad_request(_NOT_MODIFIED)
        for key in keys:
            if wanted[key] is None:
                message.pop(key, None)
            else:
                message[key] = wanted[key]
        message["edit_date"] = _now()
        return message

    def _m_edit_message_text(self, p: dict, files: dict) -> dict:
        content = self._format(p, caption=False)
        markup = self._check_markup(p.get("reply_markup"), inline_only=True)
        _, message = self._edit_target(p)
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        new = {**content, "reply_markup": markup}
        return self._apply_edit(message, new, ("text", "entities", "reply_markup"))

    def _m_edit_message_caption(self, p: dict, files: dict) -> dict:
        content = self._format(p, caption=True)
        markup = self._check_markup(p.get("reply_markup"), inline_only=True)
        _, message = self._edit_target(p)
        if "text" in message:
            raise bad_request("there is no caption in the message to edit")
        new = {**content, "reply_markup": markup}
        return self._apply_edit(message, new, ("caption", "caption_entities", "reply_markup"))

    def _m_edit_message_reply_markup(self, p: dict, files: dict) -> dict:
        markup = self._check_markup(p.get("reply_markup"), inline_only=True)
        _, message = self._edit_target(p)
        return self._apply_edit(message, {"reply_markup": markup}, ("reply_markup",))

    def _delete_one(self, chat: FakeChat, message_id: Any) -> None:
        message = chat.live_message(message_id)
        if message is None:
            raise bad_request("message to delete not found")
        meta = chat.meta[message_id]
        if chat.type != "private" and not meta.by_bot:
            if not self._bot_can(chat, "can_delete_messages"):
                raise bad_request("message can't be deleted")
        if "forum_topic_created" in message:
            raise bad_request("message can't be deleted")
        meta.deleted = True

    def _m_delete_message(self, p: dict, files: dict) -> bool:
        chat = self._resolve_chat(p.get("chat_id"))
        self._delete_one(chat, p.get("message_id"))
        return True

    def _m_delete_messages(self, p: dict, files: dict) -> bool:
        chat = self._resolve_chat(p.get("chat_id"))
        ids = p.get("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise bad_request("message_ids must be a non-empty list of at most 100 identifiers")
        for message_id in ids:
            try:
                self._delete_one(chat, message_id)
            except ApiError:  # Telegram skips what it cannot delete
                continue
        return True

    def _m_answer_callback_query(self, p: dict, files: dict) -> bool:
        query_id = str(p.get("callback_query_id") or "")
        if query_id not in self.callback_queries or query_id in self.callback_answers:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = p.get("text")
        if text is not None and len(str(text)) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        self.callback_answers[query_id] = {
            key: p[key] for key in ("text", "show_alert", "url", "cache_time") if key in p
        }
        return True


class BotMethods(MoreKindMethods, MessageMethods, MediaMethods):
    """All the Bot API methods of the fake."""
