"""People sending media to the fake Telegram: photos, files, videos, albums, stickers, voice
notes, locations, contacts and polls (a mixin of FakeTelegram; see telegram_updates.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tests.fakes.telegram_state import FakeUser, guess_mime, image_size, make_png, media_json

FAKE_MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
FAKE_OGG = b"OggS\x00\x02" + b"\x00" * 64
FAKE_PDF = b"%PDF-1.4\n% fake document for tests\n%%EOF\n"
FAKE_WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x00\x00\x00\x00\xff\x01\x00\xff\x01\x00"


class MediaActions:
    """send_photo, send_document, send_video, send_album, send_sticker, send_voice,
    send_location, send_contact, send_poll."""

    def _media_post(
        self,
        user,
        content,
        caption,
        *,
        chat=None,
        thread_id=None,
        reply_to=None,
        media_group_id=None,
    ):
        if caption:
            content.update(self._text_content(caption, None, key="caption"))
        if media_group_id:
            content["media_group_id"] = media_group_id
        return self._post(user, content, chat=chat, thread_id=thread_id, reply_to=reply_to)

    def send_photo(
        self,
        user: FakeUser | int,
        data: bytes | None = None,
        *,
        caption: str | None = None,
        chat: Any = None,
        thread_id: int | None = None,
        reply_to: Any = None,
        media_group_id: str | None = None,
        file_size: int | None = None,
    ) -> dict:
        """The user sends a photo (a real image; a 1280x960 PNG by default) in several sizes."""
        data = make_png(1280, 960) if data is None else data
        width, height = image_size(data) or (1280, 960)
        sizes = self._register_photo(data, width, height, file_size=file_size)
        return self._media_post(
            user,
            {"photo": sizes},
            caption,
            chat=chat,
            thread_id=thread_id,
            reply_to=reply_to,
            media_group_id=media_group_id,
        )

    def _file_post(self, user, kind, data, attrs, caption, **where) -> dict:
        fake_file = self.register_file(data, kind, **attrs)
        return self._media_post(user, {kind: media_json(fake_file)}, caption, **where)

    def send_document(
        self,
        user: FakeUser | int,
        data: bytes = FAKE_PDF,
        *,
        file_name: str = "document.pdf",
        mime_type: str | None = None,
        caption: str | None = None,
        chat: Any = None,
        thread_id: int | None = None,
        reply_to: Any = None,
        media_group_id: str | None = None,
        file_size: int | None = None,
    ) -> dict:
        """The user sends a file; ``file_size`` may claim more than ``data`` (e.g. 25 MB)."""
        attrs = {
            "file_name": file_name,
            "mime_type": mime_type or guess_mime(file_name),
            "file_size": file_size,
        }
        return self._file_post(
            user,
            "document",
            data,
            attrs,
            caption,
            chat=chat,
            thread_id=thread_id,
            reply_to=reply_to,
            media_group_id=media_group_id,
        )

    def send_video(
        self,
        user: FakeUser | int,
        data: bytes = FAKE_MP4,
        *,
        duration: int = 5,
        width: int = 640,
        height: int = 360,
        file_name: str = "video.mp4",
        mime_type: str = "video/mp4",
        caption: str | None = None,
        chat: Any = None,
        thread_id: int | None = None,
        reply_to: Any = None,
        media_group_id: str | None = None,
        file_size: int | None = None,
    ) -> dict:
        attrs = {
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": file_size,
            "duration": duration,
            "width": width,
            "height": height,
        }
        return self._file_post(
            user,
            "video",
            data,
            attrs,
            caption,
            chat=chat,
            thread_id=thread_id,
            reply_to=reply_to,
            media_group_id=media_group_id,
        )

    def send_album(
        self,
        user: FakeUser | int,
        items: Sequence[str | tuple[str, bytes] | dict],
        *,
        caption: str | None = None,
        chat: Any = None,
        thread_id: int | None = None,
        reply_to: Any = None,
    ) -> list[dict]:
        """Several messages sharing a media_group_id, one update each (as Telegram sends them).

        ``items``: "photo" / "video" / "document", (kind, bytes), or dicts of the keyword
        arguments of send_photo/send_video/send_document plus "kind". ``caption`` goes on the
        first item, as clients put an album's caption.
        """
        group_id = str(13_500_000_000_000_000 + self._new_serial())
        updates = []
        for index, item in enumerate(items):
            if isinstance(item, str):
                spec: dict[str, Any] = {"kind": item}
            elif isinstance(item, tuple):
                spec = {"kind": item[0], "data": item[1]}
            else:
                spec = dict(item)
            kind = spec.pop("kind")
            if index == 0 and caption is not None:
                spec.setdefault("caption", caption)
            sender = {"photo": self.send_photo, "video": self.send_video}.get(
                kind, self.send_document
            )
            updates.append(
                sender(
                    user,
                    chat=chat,
                    thread_id=thread_id,
                    reply_to=reply_to,
                    media_group_id=group_id,
                    **spec,
                )
            )
        return updates

    def send_sticker(self, user: FakeUser | int, emoji: str = "😀", **where: Any) -> dict:
        fake_file = self.register_file(FAKE_WEBP, "sticker", width=512, height=512)
        sticker = {
            "file_id": fake_file.file_id,
            "file_unique_id": fake_file.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "set_name": "FakeStickers",
            "file_size": fake_file.file_size,
        }
        return self._post(user, {"sticker": sticker}, **where)

    def send_voice(
        self, user: FakeUser | int, data: bytes = FAKE_OGG, *, duration: int = 3, **where: Any
    ) -> dict:
        attrs = {"mime_type": "audio/ogg", "duration": duration}
        caption = where.pop("caption", None)
        return self._file_post(user, "voice", data, attrs, caption, **where)

    def send_location(
        self, user: FakeUser | int, latitude: float, longitude: float, **where: Any
    ) -> dict:
        return self._post(
            user, {"location": {"latitude": latitude, "longitude": longitude}}, **where
        )

    def send_contact(
        self,
        user: FakeUser | int,
        phone_number: str,
        first_name: str | None = None,
        *,
        last_name: str | None = None,
        contact_user_id: int | None = None,
        **where: Any,
    ) -> dict:
        """A shared contact; left without a name, the user shares their own (with user_id)."""
        sender = self.user(user)
        contact: dict[str, Any] = {"phone_number": phone_number}
        if first_name is None:
            contact.update(first_name=sender.first_name, user_id=sender.id)
            if sender.last_name:
                contact["last_name"] = sender.last_name
        else:
            contact["first_name"] = first_name
            if last_name:
                contact["last_name"] = last_name
            if contact_user_id:
                contact["user_id"] = contact_user_id
        return self._post(user, {"contact": contact}, **where)

    def send_poll(
        self,
        user: FakeUser | int,
        question: str,
        options: Sequence[str],
        *,
        is_anonymous: bool = True,
        allows_multiple_answers: bool = False,
        **where: Any,
    ) -> dict:
        poll = {
            "id": str(5_000_000_000_000_000_000 + self._new_serial()),
            "question": question,
            "options": [
                {"persistent_id": str(index), "text": text, "voter_count": 0}
                for index, text in enumerate(options)
            ],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": is_anonymous,
            "type": "regular",
            "allows_multiple_answers": allows_multiple_answers,
            "allows_revoting": False,
            "members_only": False,
        }
        return self._post(user, {"poll": poll}, **where)
