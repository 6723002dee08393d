"""The state a fake Telegram keeps: users, chats, members, topics, files; and the API error type."""

from __future__ import annotations

import base64
import mimetypes
import struct
import zlib
from dataclasses import dataclass, field
from typing import Any

MB = 1024 * 1024
DOWNLOAD_LIMIT = 20 * MB
UPLOAD_LIMIT = 50 * MB
TOPIC_COLORS = (7322096, 16766590, 13338331, 9367192, 16749490, 16478047)

ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_pin_messages",
    "can_manage_topics",
)
CHANNEL_RIGHTS = ("can_post_messages", "can_edit_messages")


class ApiError(Exception):
    """An error answer of the Bot API: raise it inside a method to answer with its envelope."""

    def __init__(self, status: int, description: str, parameters: dict | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def envelope(self) -> dict:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


@dataclass
class Described:
    """A successful result that Telegram answers with a description too ("Webhook was set")."""

    result: Any
    description: str


def bad_request(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


def forbidden(description: str) -> ApiError:
    return ApiError(403, f"Forbidden: {description}")


@dataclass
class FakeUser:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False
    is_premium: bool = False
    #: whether the user has opened a private chat with the bot (sent it anything there)
    started: bool = False
    #: the user's privacy setting for forwards: forwards of their messages show a hidden user
    hides_forwards: bool = False

    def __hash__(self) -> int:
        return hash(("user", self.id))

    def to_dict(self) -> dict:
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code and not self.is_bot:
            data["language_code"] = self.language_code
        if self.is_premium:
            data["is_premium"] = True
        return data

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name


@dataclass
class Member:
    """A user's membership of a group: a status and, for administrators, their rights."""

    status: str  # creator | administrator | member | restricted | left | kicked
    rights: dict[str, bool] = field(default_factory=dict)
    until_date: int = 0
    custom_title: str | None = None

    def can(self, right: str) -> bool:
        if self.status == "creator":
            return True
        return self.status == "administrator" and bool(self.rights.get(right))

    @property
    def is_admin(self) -> bool:
        return self.status in ("creator", "administrator")

    @property
    def is_present(self) -> bool:
        return self.status in ("creator", "administrator", "member", "restricted")

    def to_dict(self, user: dict, *, is_forum: bool = False) -> dict:
        data: dict[str, Any] = {"status": self.status, "user": user}
        if self.status == "creator":
            data["is_anonymous"] = False
        elif self.status == "administrator":
            data.update(can_be_edited=False, is_anonymous=False)
            for right in ADMIN_RIGHTS:
                data[right] = bool(self.rights.get(right, right == "can_manage_chat"))
            if not is_forum:
                data.pop("can_manage_topics")
            for right in CHANNEL_RIGHTS:
                if right in self.rights:
                    data[right] = bool(self.rights[right])
        elif self.status == "kicked":
            data["until_date"] = self.until_date
        elif self.status == "restricted":
            data.update(is_member=True, until_date=self.until_date)
            for right in (
                "can_send_messages can_send_audios can_send_documents can_send_photos "
                "can_send_videos can_send_video_notes can_send_voice_notes can_send_polls "
                "can_send_other_messages can_add_web_page_previews can_change_info "
                "can_invite_users can_pin_messages can_manage_topics can_edit_tag"
            ).split():
                data[right] = bool(self.rights.get(right, False))
        if self.custom_title and self.status in ("creator", "administrator"):
            data["custom_title"] = self.custom_title
        return data


@dataclass
class FakeTopic:
    message_thread_id: int
    name: str
    icon_color: int
    icon_custom_emoji_id: str | None = None
    is_closed: bool = False
    created_by_bot: bool = False

    def to_dict(self) -> dict:
        data: dict[str, Any] = {
            "message_thread_id": self.message_thread_id,
            "name": self.name,
            "icon_color": self.icon_color,
        }
        if self.icon_custom_emoji_id:
            data["icon_custom_emoji_id"] = self.icon_custom_emoji_id
        return data


@dataclass
class MessageMeta:
    """What the fake knows about a stored message beyond its JSON."""

    by_bot: bool
    service: bool = False
    deleted: bool = False
    method: str | None = None


@dataclass
class FakeChat:
    id: int
    type: str  # private | group | supergroup
    title: str | None = None
    username: str | None = None
    is_forum: bool = False
    user: FakeUser | None = None  # the other side of a private chat
    members: dict[int, Member] = field(default_factory=dict)
    topics: dict[int, FakeTopic] = field(default_factory=dict)
    messages: dict[int, dict] = field(default_factory=dict)
    meta: dict[int, MessageMeta] = field(default_factory=dict)
    last_message_id: int = 0
    #: the reply keyboard the bot last showed in this chat (None once removed)
    reply_keyboard: dict | None = None
    menu_button: dict | None = None
    description: str | None = None

    def __hash__(self) -> int:
        return hash(("chat", self.id))

    def to_dict(self) -> dict:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.type == "private" and self.user is not None:
            data.update(
                {k: v for k, v in self.user.to_dict().items() if k in ("first_name", "last_name")}
            )
            if self.user.username:
                data["username"] = self.user.username
        else:
            data["title"] = self.title
            if self.username:
                data["username"] = self.username
            if self.is_forum:
                data["is_forum"] = True
        return data

    def next_message_id(self) -> int:
        self.last_message_id += 1
        return self.last_message_id

    def live_message(self, message_id: Any) -> dict | None:
        meta = self.meta.get(message_id) if isinstance(message_id, int) else None
        if meta is None or meta.deleted:
            return None
        return self.messages[message_id]


_KIND_PREFIX = {
    "photo": "AgACAgIAAxkBAA",
    "document": "BQACAgIAAxkBAA",
    "video": "BAACAgIAAxkBAA",
    "voice": "AwACAgIAAxkBAA",
    "audio": "CQACAgIAAxkBAA",
    "sticker": "CAACAgIAAxkBAA",
    "video_note": "DQACAgIAAxkBAA",
    "animation": "CgACAgIAAxkBAA",
    "thumbnail": "AAMCAgADGQEAA",
}
_KIND_FOLDER = {
    "photo": ("photos", "jpg"),
    "document": ("documents", None),
    "video": ("videos", "mp4"),
    "voice": ("voice", "oga"),
    "audio": ("music", "mp3"),
    "sticker": ("stickers", "webp"),
    "video_note": ("video_notes", "mp4"),
    "animation": ("animations", "mp4"),
    "thumbnail": ("thumbnails", "jpg"),
}
KIND_TITLES = {
    "photo": "Photo",
    "document": "Document",
    "video": "Video",
    "voice": "VoiceNote",
    "audio": "Audio",
    "sticker": "Sticker",
    "video_note": "VideoNote",
    "animation": "Animation",
    "thumbnail": "Thumbnail",
}


@dataclass
class FakeFile:
    file_id: str
    file_unique_id: str
    kind: str
    data: bytes
    file_size: int
    mime_type: str | None = None
    file_name: str | None = None
    file_path: str | None = None
    width: int | None = None
    height: int | None = None
    duration: int | None = None
    #: for photos: every size of the photo this file is one size of
    photo_set: list[dict] | None = None


def media_json(fake_file: FakeFile) -> dict:
    """The JSON of a document, video, voice note... as a message shows it."""
    data: dict[str, Any] = {}
    if fake_file.kind in ("video", "voice", "audio", "video_note", "animation"):
        data["duration"] = fake_file.duration or 0
    if fake_file.kind in ("video", "animation", "sticker"):
        data["width"], data["height"] = fake_file.width or 0, fake_file.height or 0
    if fake_file.file_name and fake_file.kind in ("document", "video", "audio", "animation"):
        data["file_name"] = fake_file.file_name
    if fake_file.mime_type and fake_file.kind != "sticker":
        data["mime_type"] = fake_file.mime_type
    data.update(
        file_id=fake_file.file_id,
        file_unique_id=fake_file.file_unique_id,
        file_size=fake_file.file_size,
    )
    return data


def make_file_ids(kind: str, serial: int, bot_id: int) -> tuple[str, str]:
    raw = struct.pack(">QQ", bot_id, serial)
    body = base64.urlsafe_b64encode(raw + kind.encode()).decode().rstrip("=")
    unique = base64.urlsafe_b64encode(struct.pack(">Q", serial * 7919 + 13)).decode().rstrip("=")
    return _KIND_PREFIX.get(kind, "BQACAgIAAxkBAA") + body, "AQAD" + unique


def file_path_for(fake_file: FakeFile, serial: int) -> str:
    folder, ext = _KIND_FOLDER.get(fake_file.kind, ("documents", None))
    if ext is None:
        name = fake_file.file_name or ""
        ext = name.rsplit(".", 1)[1].lower() if "." in name else None
        if not ext:
            guessed = mimetypes.guess_extension(fake_file.mime_type or "") or ""
            ext = guessed.lstrip(".") or "bin"
    return f"{folder}/file_{serial}.{ext}"


def guess_mime(file_name: str | None, fallback: str = "application/octet-stream") -> str:
    if file_name:
        guessed, _ = mimetypes.guess_type(file_name)
        if guessed:
            return guessed
    return fallback


# ---------------------------------------------------------------------------------------------
# Images


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) read from the header of a PNG, GIF, JPEG, WebP or BMP; None otherwise."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data.startswith(b"BM") and len(data) >= 26:
        width, height = struct.unpack("<ii", data[18:26])
        return abs(width), abs(height)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and len(data) >= 30:
        chunk = data[12:16]
        if chunk == b"VP8 ":
            width, height = struct.unpack("<HH", data[26:30])
            return width & 0x3FFF, height & 0x3FFF
        if chunk == b"VP8L":
            bits = int.from_bytes(data[21:25], "little")
            return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        if chunk == b"VP8X":
            return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(
                data[27:30], "little"
            ) + 1
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                i += 2
                continue
            length = struct.unpack(">H", data[i + 2 : i + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCF):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return width, height
            i += 2 + length
    return None


def make_png(width: int = 64, height: int = 48, rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A valid PNG image of one colour, for tests that send or upload photos."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return (
            struct.pack(">I", len(payload))
            + kind
            + payload
            + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)
        )

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def photo_sizes(width: int, height: int) -> list[tuple[int, int]]:
    """The sizes Telegram keeps of a photo: thumbnails of 90, 320, 800, 1280 px and the original."""
    sizes: list[tuple[int, int]] = []
    longest = max(width, height, 1)
    for limit in (90, 320, 800, 1280, 2560):
        if longest <= limit:
            break
        scale = limit / longest
        sizes.append((max(1, round(width * scale)), max(1, round(height * scale))))
    if longest <= 2560:
        sizes.append((width, height))
    return sizes
