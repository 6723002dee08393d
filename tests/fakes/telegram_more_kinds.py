"""The fake's other kinds of message: voice, audio, video notes, animations, stickers,
locations, venues and contacts (sent by the bot or by people), reactions, and captions
people edit. Mixins of FakeTelegram, as strict as the Bot API:

- a file_id is only reused as its own kind ("can't use file of type Voice as Audio");
- video notes and stickers carry no caption, locations are checked for range;
- setMessageReaction takes at most one reaction from a bot, only Telegram's standard emoji
  (telegram.constants.ReactionEmoji), and in a chat whose admins restricted the reactions
  (``restrict_reactions``) only those: otherwise REACTION_INVALID;
- the bot edits a message without an inline keyboard only within 48 hours of sending it
  ("message can't be edited"; messages with buttons, such as cards, stay editable).
"""

from __future__ import annotations

import time
from typing import Any

from telegram.constants import ReactionEmoji

from tests.fakes.telegram_state import FakeUser, bad_request, media_json
from tests.fakes.telegram_updates_media import FAKE_MP4

FAKE_MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\x00" * 64
EDIT_WINDOW = 48 * 3600
STANDARD_REACTIONS = frozenset(emoji.value for emoji in ReactionEmoji)
_NO_CAPTION = ("video_note", "sticker")


class MoreKindMethods:
    """sendVoice, sendAudio, sendVideoNote, sendAnimation, sendSticker, sendLocation,
    sendVenue, sendContact, setMessageReaction; the 48-hour window of the bot's edits."""

    def _send_kind(self, kind: str, method: str, p: dict, files: dict) -> dict:
        caption = {} if kind in _NO_CAPTION else self._format(p, caption=True)
        markup = self._check_markup(p.get("reply_markup"))
        media = self._input_file(kind, p.get(kind), files, kind, p)
        chat, thread_id, reply = self._target(p)
        content = {kind: media_json(media), **caption}
        return self._send(chat, content, thread_id, reply, markup, method, p)

    def _m_send_voice(self, p: dict, files: dict) -> dict:
        return self._send_kind("voice", "sendVoice", p, files)

    def _m_send_audio(self, p: dict, files: dict) -> dict:
        return self._send_kind("audio", "sendAudio", p, files)

    def _m_send_video_note(self, p: dict, files: dict) -> dict:
        return self._send_kind("video_note", "sendVideoNote", p, files)

    def _m_send_animation(self, p: dict, files: dict) -> dict:
        return self._send_kind("animation", "sendAnimation", p, files)

    def _m_send_sticker(self, p: dict, files: dict) -> dict:
        return self._send_kind("sticker", "sendSticker", p, files)

    def _place(self, p: dict) -> dict:
        try:
            latitude, longitude = float(p["latitude"]), float(p["longitude"])
        except (KeyError, TypeError, ValueError):
            raise bad_request("wrong latitude or longitude specified") from None
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise bad_request("wrong latitude or longitude specified")
        return {"latitude": latitude, "longitude": longitude}

    def _m_send_location(self, p: dict, files: dict) -> dict:
        content = {"location": self._place(p)}
        chat, thread_id, reply = self._target(p)
        markup = self._check_markup(p.get("reply_markup"))
        return self._send(chat, content, thread_id, reply, markup, "sendLocation", p)

    def _m_send_venue(self, p: dict, files: dict) -> dict:
        place = self._place(p)
        if not p.get("title") or not p.get("address"):
            raise bad_request("venue title and address must be non-empty")
        venue = {"location": place, "title": str(p["title"]), "address": str(p["address"])}
        chat, thread_id, reply = self._target(p)
        markup = self._check_markup(p.get("reply_markup"))
        content = {"venue": venue, "location": place}
        return self._send(chat, content, thread_id, reply, markup, "sendVenue", p)

    def _m_send_contact(self, p: dict, files: dict) -> dict:
        if not p.get("phone_number"):
            raise bad_request("phone number must be non-empty")
        if not p.get("first_name"):
            raise bad_request("first name must be non-empty")
        contact = {"phone_number": str(p["phone_number"]), "first_name": str(p["first_name"])}
        if p.get("last_name"):
            contact["last_name"] = str(p["last_name"])
        chat, thread_id, reply = self._target(p)
        markup = self._check_markup(p.get("reply_markup"))
        return self._send(chat, {"contact": contact}, thread_id, reply, markup, "sendContact", p)

    # ----------------------------------------------------------------------------- reactions

    @property
    def _reactions(self) -> dict[tuple[int, int], list[str]]:
        return self.__dict__.setdefault("_reaction_table", {})

    @property
    def _allowed_reactions(self) -> dict[int, list[str] | None]:
        return self.__dict__.setdefault("_allowed_reaction_table", {})

    def restrict_reactions(self, chat: Any, emoji: list[str] | None) -> None:
        """The chat's admins allow only these reactions (None: every standard one)."""
        self._allowed_reactions[self.chat(chat).id] = emoji

    def reactions_on(self, chat: Any, message_id: int) -> list[str]:
        """The emoji the bot set on a message."""
        return list(self._reactions.get((self.chat(chat).id, message_id), []))

    def _m_set_message_reaction(self, p: dict, files: dict) -> bool:
        chat = self._resolve_chat(p.get("chat_id"))
        message = chat.live_message(p.get("message_id"))
        if message is None:
            raise bad_request("message to react not found")
        if chat.meta[message["message_id"]].service:
            raise bad_request("REACTION_INVALID")
        reaction = p.get("reaction") or []
        if not isinstance(reaction, list):
            raise bad_request("can't parse reaction types JSON object")
        if len(reaction) > 1:
            raise bad_request("REACTIONS_TOO_MANY")
        allowed = self._allowed_reactions.get(chat.id)
        emoji = []
        for item in reaction:
            if not isinstance(item, dict) or item.get("type") != "emoji":
                raise bad_request("REACTION_INVALID")  # custom and paid ones: not for this fake
            value = item.get("emoji")
            if value not in STANDARD_REACTIONS or (allowed is not None and value not in allowed):
                raise bad_request("REACTION_INVALID")
            emoji.append(value)
        self._reactions[(chat.id, message["message_id"])] = emoji
        return True

    def _edit_target(self, p: dict):
        chat, message = super()._edit_target(p)
        keyboard = (message.get("reply_markup") or {}).get("inline_keyboard")
        if not keyboard and time.time() - message["date"] > EDIT_WINDOW:
            raise bad_request("message can't be edited")
        return chat, message


class MoreKindActions:
    """People sending audio, video notes, animations and venues, and editing a caption."""

    def _kind_post(self, user, kind, data, attrs, caption, extra=None, **where) -> dict:
        fake_file = self.register_file(data, kind, **attrs)
        content = {kind: {**media_json(fake_file), **(extra or {})}}
        return self._media_post(user, content, caption, **where)

    def send_audio(
        self, user: FakeUser | int, data: bytes = FAKE_MP3, *, file_name: str = "录音.mp3",
        duration: int = 30, caption: str | None = None, file_size: int | None = None,
        **where: Any,
    ) -> dict:  # fmt: skip
        attrs = {"file_name": file_name, "mime_type": "audio/mpeg", "duration": duration,
                 "file_size": file_size}  # fmt: skip
        return self._kind_post(user, "audio", data, attrs, caption, **where)

    def send_video_note(
        self, user: FakeUser | int, data: bytes = FAKE_MP4, *, duration: int = 5,
        file_size: int | None = None, **where: Any,
    ) -> dict:  # fmt: skip
        attrs = {"duration": duration, "file_size": file_size}
        return self._kind_post(user, "video_note", data, attrs, None, {"length": 240}, **where)

    def send_animation(
        self, user: FakeUser | int, data: bytes = FAKE_MP4, *, caption: str | None = None,
        file_size: int | None = None, **where: Any,
    ) -> dict:  # fmt: skip
        attrs = {"file_name": "动图.mp4", "mime_type": "video/mp4", "duration": 2,
                 "width": 320, "height": 240, "file_size": file_size}  # fmt: skip
        fake_file = self.register_file(data, "animation", **attrs)
        # Telegram sends an animation as a document too, for clients that predate animations.
        document = {
            k: v
            for k, v in media_json(fake_file).items()
            if k in ("file_id", "file_unique_id", "file_size", "file_name", "mime_type")
        }
        content = {"animation": media_json(fake_file), "document": document}
        return self._media_post(user, content, caption, **where)

    def send_big_voice(self, user: FakeUser | int, file_size: int, **where: Any) -> dict:
        """A voice message Telegram stores but will not give to a bot (over 20 MB)."""
        attrs = {"mime_type": "audio/ogg", "duration": 1200, "file_size": file_size}
        return self._kind_post(user, "voice", b"OggS" + b"\x00" * 64, attrs, None, **where)

    def send_venue(
        self, user: FakeUser | int, latitude: float, longitude: float, title: str,
        address: str, **where: Any,
    ) -> dict:  # fmt: skip
        place = {"latitude": latitude, "longitude": longitude}
        venue = {"location": place, "title": title, "address": address}
        return self._post(user, {"venue": venue, "location": place}, **where)

    def edit_caption(
        self, user: FakeUser | int, message: dict | int, new_caption: str, *, chat: Any = None
    ) -> dict:
        """The user edits the caption of one of their files: an edited_message update."""
        self._acting()
        user = self.user(user)
        where = chat if chat is not None else message["chat"]["id"]
        target = self._user_chat(user, where)
        stored = self._find_reply(target, message)
        if stored["from"]["id"] != user.id or "text" in stored:
            raise ValueError("users edit only the captions of their own files")
        stored.pop("caption_entities", None)
        stored.update(self._text_content(new_caption, None, key="caption"))
        stored["edit_date"] = int(time.time())
        return self._deliver(target, "edited_message", stored)
