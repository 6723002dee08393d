"""The web chat's routes: the page, the widget script, the WebSocket, uploads and files.

`web_routes(...)` is a plain list, so the same routes can be mounted into another Starlette
app (the Telegram webhook's); `build_web_app(...)` wraps them with the security headers.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import filetype
from sqlalchemy import String, cast, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.applications import Starlette
from starlette.requests import HTTPConnection, Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from bot.channels.web.chat import MAX_TEXT_CHARS, WebChat
from bot.channels.web.limits import Buckets
from bot.channels.web.security import SecurityHeaders
from bot.channels.web.uploads import HEAD_BYTES, UploadRefused, check, read_limited
from bot.conversation.events import Kind
from bot.services.intake_draft import MAX_EVIDENCE_BYTES, Evidence
from bot.settings import Settings
from bot.texts import LANGUAGES, catalogue, normalise_language, t
from storage.db import transaction
from storage.models import WebOutboxMessage

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
COOKIE = "cd_visitor"
COOKIE_MAX_AGE = 400 * 24 * 3600  # as long as the records are kept
SMALL_BODY = 1024
CLIENT_ID_CHARS = 64


class WebRoutes:
    def __init__(self, chat: WebChat, settings: Settings) -> None:
        self.chat, self.settings = chat, settings
        minute, hour = 60.0, 3600.0
        self.per_visitor = Buckets(settings.web_messages_per_minute, minute)
        self.per_address = Buckets(settings.web_address_events_per_minute, minute)
        self.new_visitors = Buckets(settings.web_new_visitors_per_hour, hour)
        public = urlparse(settings.effective_web_url)
        self.origins = {f"{public.scheme}://{public.netloc}", *settings.web_allowed_origins}
        # Browsers refuse SameSite=None without Secure (and then the chat needs https anyway).
        self.secure_cookie = public.scheme == "https" or settings.web_cookie_samesite == "none"

    # ------------------------------------------------------------------ helpers

    def origin_ok(self, conn: HTTPConnection) -> bool:
        """The page's origin must be this server's own, or one allowed in the settings."""
        origin = conn.headers.get("origin")
        if not origin:
            return False
        scheme = "https" if conn.url.scheme in ("https", "wss") else "http"
        own = f"{scheme}://{conn.headers.get('host', '')}"
        return origin.rstrip("/") in self.origins | {own}

    def language(self, conn: HTTPConnection) -> str:
        lang = conn.query_params.get("lang") or conn.headers.get("accept-language", "")
        return normalise_language(
            lang.split(",")[0].strip() or None, self.settings.default_language
        )

    def refuse(self, conn: HTTPConnection, status: int, key: str, **values: Any) -> JSONResponse:
        return JSONResponse({"error": t(self.language(conn), key, **values)}, status_code=status)

    def address(self, conn: HTTPConnection) -> str:
        return conn.client.host if conn.client else "?"

    async def visitor(self, conn: HTTPConnection) -> int | None:
        return await self.chat.visitors.find(conn.cookies.get(COOKIE))

    def resume_url(self, conn: HTTPConnection, secret: str) -> str:
        """WEB_PUBLIC_URL when set, else the address this page was opened at."""
        base = self.settings.web_public_url or f"{conn.url.scheme}://{conn.headers['host']}"
        return f"{base.rstrip('/')}/#resume={secret}"

    def with_cookie(self, response: Response, secret: str) -> Response:
        response.set_cookie(
            COOKIE, secret, max_age=COOKIE_MAX_AGE, httponly=True, secure=self.secure_cookie,
            samesite=self.settings.web_cookie_samesite, path="/",
        )  # fmt: skip
        return response

    async def small_json(self, request: Request) -> dict[str, Any] | None:
        """A small JSON body; None when it is too long (checked before reading) or not JSON."""
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > SMALL_BODY):
            return None
        try:
            body = await read_limited(request.stream(), SMALL_BODY)
            data = json.loads(body or b"{}")
        except (UploadRefused, ValueError):
            return None
        return data if isinstance(data, dict) else None

    # ------------------------------------------------------------------ pages

    async def index(self, request: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    async def widget(self, request: Request) -> Response:
        return FileResponse(
            STATIC / "widget.js",
            media_type="text/javascript",
            headers={"Cache-Control": "no-cache", "Cross-Origin-Resource-Policy": "cross-origin"},
        )

    async def texts(self, request: Request) -> Response:
        """The page's own words in both languages (web.* keys)."""
        words = {
            lang: {k[4:]: v for k, v in catalogue(lang).items() if k.startswith("web.")}
            for lang in LANGUAGES
        }
        return JSONResponse(words, headers={"Cache-Control": "no-cache"})

    # ------------------------------------------------------------------ the visitor

    async def me(self, request: Request) -> Response:
        person_id = await self.visitor(request)
        if person_id is None:
            return JSONResponse({"visitor": False})
        person = await self.chat.services.people.get(person_id)
        return JSONResponse({"visitor": True, "language": person.language})

    async def new_visitor(self, request: Request) -> Response:
        """The first message creates the visitor: a cookie, and the resume link shown once."""
        if not self.origin_ok(request):
            return self.refuse(request, 403, "web.error_origin")
        if not await self.new_visitors.allow(self.address(request)):
            return self.refuse(request, 429, "common.slow_down")
        data = await self.small_json(request)
        if data is None:
            return self.refuse(request, 400, "web.error_bad_request")
        existing = await self.visitor(request)
        if existing is not None:
            return JSONResponse({"visitor": True})
        lang = data.get("lang") if data.get("lang") in LANGUAGES else self.language(request)
        visitor = await self.chat.visitors.create(lang)
        log.info("New web visitor %s", visitor.person_id)
        body = {"visitor": True, "resume_url": self.resume_url(request, visitor.secret)}
        return self.with_cookie(JSONResponse(body), visitor.secret)

    async def resume(self, request: Request) -> Response:
        """A resume link opened: its secret becomes this browser's cookie."""
        if not self.origin_ok(request):
            return self.refuse(request, 403, "web.error_origin")
        if not await self.per_address.allow(self.address(request)):
            return self.refuse(request, 429, "common.slow_down")
        data = await self.small_json(request)
        secret = data.get("secret") if data else None
        if not isinstance(secret, str) or await self.chat.visitors.find(secret) is None:
            return self.refuse(request, 403, "web.error_resume")
        return self.with_cookie(JSONResponse({"visitor": True}), secret)

    async def revoke(self, request: Request) -> Response:
        """Revokes the visitor's link; this browser keeps going with a new one, shown once."""
        if not self.origin_ok(request):
            return self.refuse(request, 403, "web.error_origin")
        person_id = await self.visitor(request)
        if person_id is None:
            return self.refuse(request, 403, "web.error_resume")
        secret = await self.chat.visitors.renew(person_id)
        body = {"visitor": True, "resume_url": self.resume_url(request, secret)}
        return self.with_cookie(JSONResponse(body), secret)

    # ------------------------------------------------------------------ files

    async def upload(self, request: Request) -> Response:
        """One file as the request body (checked by its content), handed to the conversation."""
        if not self.origin_ok(request):
            return self.refuse(request, 403, "web.error_origin")
        person_id = await self.visitor(request)
        if person_id is None:
            return self.refuse(request, 403, "web.error_resume")
        if not await self.per_address.allow(self.address(request)):
            return self.refuse(request, 429, "common.slow_down")
        declared = request.headers.get("content-length")
        max_mb = MAX_EVIDENCE_BYTES // 2**20
        if declared is None or not declared.isdigit():
            return self.refuse(request, 411, "web.error_length")
        if int(declared) > MAX_EVIDENCE_BYTES:
            return self.refuse(request, 413, "web.error_too_big", max_mb=max_mb)
        client_id = request.query_params.get("id", "")
        if not 0 < len(client_id) <= CLIENT_ID_CHARS:
            return self.refuse(request, 400, "web.error_bad_request")
        try:
            content = await read_limited(request.stream(), MAX_EVIDENCE_BYTES)
            checked = check(content, request.query_params.get("name", ""))
        except UploadRefused as refused:
            status = 413 if refused.reason == "too_big" else 415
            return self.refuse(request, status, f"web.error_file_{refused.reason}", max_mb=max_mb)
        try:
            return await self._take_file(request, person_id, client_id, content, checked)
        except Exception as error:
            log.error("Error while taking a web visitor's file", exc_info=error)
            return self.refuse(request, 503, failure_key(error))

    async def _take_file(self, request, person_id, client_id, content, checked) -> Response:
        stored = self.chat.services.web_files.put(content)
        batch = request.query_params.get("batch") or None
        evidence = Evidence(
            kind=checked.kind, file_id=stored.file_id, file_unique_id=stored.digest,
            file_size=stored.size, mime_type=checked.mime, file_name=checked.name,
            caption=None, media_group_id=batch[:64] if batch else None,
        )  # fmt: skip
        shown = {
            "parts": [],
            "file": {"digest": stored.digest, "kind": checked.kind.value, "name": checked.name,
                     "mime": checked.mime},
        }  # fmt: skip
        await self.chat.take(person_id, client_id, Kind.FILE, shown=shown, file=evidence)
        if batch and request.query_params.get("last") == "1":
            await self.chat.album_done(person_id, batch[:64])
        return JSONResponse({"ok": True})

    async def file(self, request: Request) -> Response:
        """A file of the visitor's own conversation; nobody else's."""
        digest = request.path_params["digest"]
        person_id = await self.visitor(request)
        path = self.chat.services.web_files.path_of(digest)
        if person_id is None or path is None or not await self._owns(person_id, digest):
            return Response(status_code=404)
        with path.open("rb") as handle:
            guess = filetype.guess(handle.read(HEAD_BYTES))
        return FileResponse(
            path,
            media_type=guess.mime if guess else "application/octet-stream",
            headers={"Cache-Control": "private, max-age=86400"},
        )

    async def _owns(self, person_id: int, digest: str) -> bool:
        async with transaction(self.chat.services.sessions, read_only=True) as session:
            found = await session.scalar(
                select(WebOutboxMessage.id)
                .where(
                    WebOutboxMessage.person_id == person_id,
                    cast(WebOutboxMessage.payload, String).contains(digest),
                )
                .limit(1)
            )
        return found is not None

    # ------------------------------------------------------------------ the WebSocket

    async def socket(self, ws: WebSocket) -> None:
        """The page's live line: replays what it missed, then takes its messages."""
        if not self.origin_ok(ws):
            await ws.close(code=4403)  # before accepting: the handshake is refused
            return
        if not await self.per_address.allow(self.address(ws)):
            await ws.close(code=4429)
            return
        person_id = await self.visitor(ws)
        await ws.accept()
        if person_id is None:
            await ws.close(code=4401, reason="unknown visitor")
            return
        try:
            hello = await ws.receive_json()
            after = hello.get("after", 0) if isinstance(hello, dict) else 0
            after = after if isinstance(after, int) and after >= 0 else 0
            await self.chat.attach(person_id, ws, after)
            await ws.send_json({"t": "ready", "last": await self.chat.outbox.last_seq(person_id)})
            while True:
                raw = await ws.receive_text()
                await self.frame(person_id, ws, raw)
        except (WebSocketDisconnect, RuntimeError, ValueError):
            pass
        finally:
            self.chat.detach(person_id, ws)

    async def frame(self, person_id: int, ws: WebSocket, raw: str) -> None:
        """One frame from the page; bad ones are answered with an error frame, kindly."""
        person = await self.chat.services.people.get(person_id)
        language = person.language or self.settings.default_language
        try:
            frame = json.loads(raw)
        except ValueError:
            frame = None
        if not isinstance(frame, dict) or not isinstance(frame.get("t"), str):
            await ws.send_json({"t": "error", "text": t(language, "web.error_bad_request")})
            return
        kind = frame["t"]
        if kind == "ack":
            if isinstance(frame.get("seq"), int):
                await self.chat.outbox.ack(person_id, frame["seq"])
            return
        client_id = frame.get("id")
        if not isinstance(client_id, str) or not 0 < len(client_id) <= CLIENT_ID_CHARS:
            await ws.send_json({"t": "error", "text": t(language, "web.error_bad_request")})
            return
        if not (
            await self.per_visitor.allow(person_id)
            and await self.per_address.allow(self.address(ws))
        ):
            await ws.send_json({"t": "error", "id": client_id, "retry": True,
                                "text": t(language, "common.slow_down")})  # fmt: skip
            return
        try:
            accepted = await self._take(person_id, client_id, kind, frame, language, ws)
        except Exception as error:  # the last resort, as the Telegram error handler does
            log.error("Error while handling a web visitor's message", exc_info=error)
            await ws.send_json({"t": "error", "id": client_id, "retry": True,
                                "text": t(language, failure_key(error))})  # fmt: skip
            return
        if accepted is not None:
            await ws.send_json({"t": "got", "id": client_id})

    async def _take(
        self, person_id: int, client_id: str, kind: str, frame: dict, language: str, ws: WebSocket
    ) -> bool | None:
        chat = self.chat
        if kind == "text":
            text = frame.get("text")
            if not isinstance(text, str) or len(text) > MAX_TEXT_CHARS:
                await ws.send_json({"t": "error", "id": client_id,
                                    "text": t(language, "web.error_too_long",
                                              limit=MAX_TEXT_CHARS)})  # fmt: skip
                return None
            shown = {"parts": [{"text": text}]}
            if text.startswith("/") and len(text) > 1:
                name, *args = text[1:].split()
                return await chat.take(person_id, client_id, Kind.COMMAND, shown=shown,
                                       command=name.lower()[:32], args=tuple(args[:5]))  # fmt: skip
            event_kind = Kind.TEXT if text.strip() else Kind.EMPTY
            return await chat.take(person_id, client_id, event_kind, shown=shown, text=text)
        if kind == "button":
            data, seq = frame.get("data"), frame.get("seq")
            if not isinstance(data, str) or len(data) > 64:
                await ws.send_json({"t": "error", "id": client_id,
                                    "text": t(language, "common.stale_button")})  # fmt: skip
                return None
            seq = seq if isinstance(seq, int) else None
            return await chat.take(person_id, client_id, Kind.BUTTON, data=data, button_seq=seq)
        if kind == "lang":
            lang = frame.get("lang")
            if lang not in LANGUAGES:
                await ws.send_json({"t": "error", "id": client_id,
                                    "text": t(language, "web.error_bad_request")})  # fmt: skip
                return None
            return await chat.take(person_id, client_id, Kind.BUTTON, data=f"lang|{lang}")
        await ws.send_json({"t": "error", "id": client_id,
                            "text": t(language, "web.error_bad_request")})  # fmt: skip
        return None


def failure_key(error: Exception) -> str:
    """The kind words for a failure: the database is busy, or something went wrong."""
    busy = isinstance(error, DBAPIError | PoolTimeout | OSError)
    return "common.database_busy" if busy else "common.generic_error"


def web_routes(chat: WebChat, settings: Settings) -> list[BaseRoute]:
    """The web chat's routes, to serve alone or to mount into another Starlette app."""
    routes = WebRoutes(chat, settings)
    return [
        Route("/", routes.index),
        Route("/widget.js", routes.widget),
        Route("/texts.json", routes.texts),
        Route("/api/me", routes.me),
        Route("/api/visitor", routes.new_visitor, methods=["POST"]),
        Route("/api/resume", routes.resume, methods=["POST"]),
        Route("/api/revoke", routes.revoke, methods=["POST"]),
        Route("/api/upload", routes.upload, methods=["POST"]),
        Route("/files/{digest:str}", routes.file),
        WebSocketRoute("/ws", routes.socket),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]


def web_mount(chat: WebChat, settings: Settings, path: str = "") -> Mount:
    """The web chat with its security headers as one Mount, for another Starlette app's
    routes (list it after that app's own routes, such as the Telegram webhook's)."""
    return Mount(path, app=build_web_app(chat, settings))


def build_web_app(chat: WebChat, settings: Settings) -> Starlette:
    app = Starlette(routes=web_routes(chat, settings))
    return SecurityHeaders(app, frame_ancestors=settings.web_allowed_origins)  # type: ignore[return-value]
