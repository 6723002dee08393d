"""Bot API methods of the fake that send files: photos, documents, videos, albums; getFile."""

from __future__ import annotations

import re
from typing import Any

from tests.fakes.telegram_state import (
    DOWNLOAD_LIMIT,
    KIND_TITLES,
    MB,
    bad_request,
    file_path_for,
    guess_mime,
    image_size,
    media_json,
    photo_sizes,
)


class MediaMethods:
    """Uploads (multipart parts, attach://) and file_ids; photos get Telegram's sizes."""

    # ----------------------------------------------------------------------------- files

    def _register_photo(self, data: bytes, width: int, height: int, file_size=None) -> list[dict]:
        sizes = []
        for w, h in photo_sizes(width, height):
            fake_file = self.register_file(
                data, "photo", width=w, height=h, mime_type="image/jpeg", file_size=file_size
            )
            sizes.append(
                {
                    "file_id": fake_file.file_id,
                    "file_unique_id": fake_file.file_unique_id,
                    "file_size": fake_file.file_size,
                    "width": w,
                    "height": h,
                }
            )
        for size in sizes:
            self.files[size["file_id"]].photo_set = sizes
        return sizes

    def _upload(self, kind: str, upload: tuple[str, bytes, str], p: dict) -> Any:
        name, data, mime = upload
        if not data:
            raise bad_request("file must be non-empty")
        if kind == "photo":
            if len(data) > 10 * MB:
                raise bad_request(
                    f"file of size {len(data)} bytes is too big for a photo; "
                    f"the maximum size is {10 * MB} bytes"
                )
            size = image_size(data)
            if size is None:
                raise bad_request("IMAGE_PROCESS_FAILED")
            width, height = size
            if width + height > 10000 or max(width, height) > 20 * max(min(width, height), 1):
                raise bad_request("PHOTO_INVALID_DIMENSIONS")
            return self._register_photo(data, width, height)
        if kind == "video":
            mime = guess_mime(name, "video/mp4")
            mime = mime if mime.startswith("video/") else "video/mp4"
        else:
            mime = guess_mime(name, mime or "application/octet-stream")
        return self.register_file(
            data,
            kind,
            mime_type=mime,
            file_name=name,
            width=p.get("width"),
            height=p.get("height"),
            duration=p.get("duration"),
        )

    def _input_file(self, kind: str, value: Any, files: dict, param: str, p: dict) -> Any:
        """A file parameter: an upload (by part name or attach://), or a file_id to reuse."""
        if value in (None, ""):
            if param in files:
                return self._upload(kind, files[param], p)
            raise bad_request(f"there is no {param} in the request")
        if not isinstance(value, str):
            raise bad_request("wrong file identifier/HTTP URL specified")
        if value.startswith("attach://"):
            part = value[len("attach://") :]
            if part not in files:
                raise bad_request(f"there is no {param} in the request")
            return self._upload(kind, files[part], p)
        if re.match(r"^(?:https?://|[\w-]+\.[\w.-]+/)", value):
            raise bad_request("failed to get HTTP URL content")
        fake_file = self.files.get(value)
        if fake_file is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if fake_file.kind != kind:
            raise bad_request(
                f"can't use file of type {KIND_TITLES[fake_file.kind]} as {KIND_TITLES[kind]}"
            )
        return fake_file.photo_set if kind == "photo" else fake_file

    def _media_content(self, kind: str, media: Any, p: dict) -> dict:
        if kind == "photo":
            content = {"photo": [dict(size) for size in media]}
        else:
            content = {kind: media_json(media)}
        if p.get("has_spoiler") and kind in ("photo", "video"):
            content["has_media_spoiler"] = True
        if p.get("show_caption_above_media") and kind in ("photo", "video"):
            content["show_caption_above_media"] = True
        return content

    def _send_media(self, kind: str, method: str, p: dict, files: dict) -> dict:
        caption = self._format(p, caption=True)
        markup = self._check_markup(p.get("reply_markup"))
        media = self._input_file(kind, p.get(kind), files, kind, p)
        chat, thread_id, reply = self._target(p)
        content = {**self._media_content(kind, media, p), **caption}
        return self._send(chat, content, thread_id, reply, markup, method, p)

    # ----------------------------------------------------------------------------- methods

    def _m_send_photo(self, p: dict, files: dict) -> dict:
        return self._send_media("photo", "sendPhoto", p, files)

    def _m_send_document(self, p: dict, files: dict) -> dict:
        return self._send_media("document", "sendDocument", p, files)

    def _m_send_video(self, p: dict, files: dict) -> dict:
        return self._send_media("video", "sendVideo", p, files)

    def _m_send_media_group(self, p: dict, files: dict) -> list[dict]:
        items = p.get("media")
        if items is None:
            raise bad_request('parameter "media" is required')
        if not isinstance(items, list) or not items:
            raise bad_request("there are no messages to send")
        if len(items) > 10:
            raise bad_request("too many messages to send as an album")
        kinds = [item.get("type") if isinstance(item, dict) else None for item in items]
        for kind in kinds:
            if kind not in ("photo", "video", "document", "audio"):
                raise bad_request(f'can\'t parse InputMedia: unsupported media type "{kind}"')
        for alone in ("document", "audio"):
            if alone in kinds and any(kind != alone for kind in kinds):
                raise bad_request(f"{alone} can't be mixed with other media types")
        if kinds[0] == "audio":
            raise bad_request("can't parse InputMedia: FakeTelegram has no audio files")
        prepared = []
        for item in items:
            caption = self._format(item, caption=True)
            media_ref = item.get("media")
            if isinstance(media_ref, str) and media_ref.startswith("attach://"):
                if media_ref[len("attach://") :] not in files:
                    raise bad_request("can't parse InputMedia: media not found")
            media = self._input_file(item["type"], media_ref, files, "media", item)
            prepared.append({**self._media_content(item["type"], media, item), **caption})
        chat, thread_id, reply = self._target(p)
        group_id = str(13_000_000_000_000_000 + self._new_serial()) if len(prepared) > 1 else None
        sent = []
        for content in prepared:
            if group_id:
                content["media_group_id"] = group_id
            sent.append(self._send(chat, content, thread_id, reply, None, "sendMediaGroup", p))
        return sent

    def _m_get_file(self, p: dict, files: dict) -> dict:
        file_id = p.get("file_id")
        if not file_id:
            raise bad_request("file_id is empty")
        fake_file = self.files.get(str(file_id))
        if fake_file is None:
            raise bad_request("wrong file_id or the file is temporarily unavailable")
        if fake_file.file_size > DOWNLOAD_LIMIT:
            raise bad_request("file is too big")
        if fake_file.file_path is None:
            fake_file.file_path = file_path_for(fake_file, self._new_serial())
            self.files_by_path[fake_file.file_path] = fake_file
        return {
            "file_id": fake_file.file_id,
            "file_unique_id": fake_file.file_unique_id,
            "file_size": fake_file.file_size,
            "file_path": fake_file.file_path,
        }
