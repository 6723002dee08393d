"""A ``FakeTelegram`` served over real HTTP (aiohttp), for a bot running as a subprocess.

    async with serve_fake_telegram(fake) as base_url:    # e.g. http://127.0.0.1:40123
        env = {"TELEGRAM_API_URL": base_url, "TELEGRAM_BOT_TOKEN": fake.token, ...}
        # in PTB: ApplicationBuilder().base_url(f"{base_url}/bot")
        #                            .base_file_url(f"{base_url}/file/bot")

Routes as Telegram's: ``/bot<token>/<method>`` (GET or POST; query string, JSON,
form-urlencoded or multipart bodies) and ``/file/bot<token>/<file_path>``. A wrong token answers
401 Unauthorized (404 Not Found when it is not even shaped like a token).

While a webhook is set (setWebhook), the server POSTs each pending update to it, oldest first,
with ``X-Telegram-Bot-Api-Secret-Token``; an update stays pending until the receiver answers 2xx,
and a failure is retried after ``webhook_retry_delay`` seconds and shown in getWebhookInfo.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from tests.fakes.ptb_request import download, token_error
from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram_state import MB, UPLOAD_LIMIT

__all__ = ["serve_fake_telegram"]


def _json(body: dict, status: int) -> web.Response:
    return web.Response(
        body=json.dumps(body, ensure_ascii=False).encode(),
        status=status,
        content_type="application/json",
    )


def _routes(fake: FakeTelegram) -> list[web.RouteDef]:
    async def method(request: web.Request) -> web.Response:
        error = token_error(fake, request.match_info["token"])
        if error is not None:
            return _json(error[1], error[0])
        if (request.content_length or 0) > UPLOAD_LIMIT + MB:
            return _json(
                {"ok": False, "error_code": 413, "description": "Request Entity Too Large"}, 413
            )
        params: dict = dict(request.query)
        files: dict = {}
        if request.body_exists:
            content_type = request.content_type
            if content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    body = None
                if not isinstance(body, dict):
                    description = "Bad Request: can't parse JSON object"
                    return _json({"ok": False, "error_code": 400, "description": description}, 400)
                params.update(body)
            elif content_type == "multipart/form-data":
                reader = await request.multipart()
                async for part in reader:
                    if part.filename is not None:
                        data = await part.read(decode=False)
                        mime = part.headers.get("Content-Type", "application/octet-stream")
                        files[part.name] = (part.filename, bytes(data), mime)
                    else:
                        params[part.name] = await part.text()
            else:
                params.update(await request.post())
        status, body = await fake.call(request.match_info["method"], params, files)
        return _json(body, status)

    async def file(request: web.Request) -> web.Response:
        status, data = download(fake, request.match_info["token"], request.match_info["path"])
        if status != 200:
            return web.Response(body=data, status=status, content_type="application/json")
        return web.Response(body=data, content_type="application/octet-stream")

    return [
        web.route("*", "/bot{token}/{method}", method),
        web.get("/file/bot{token}/{path:.+}", file),
    ]


async def _deliver_webhooks(
    fake: FakeTelegram, session: aiohttp.ClientSession, retry_delay: float, post_timeout: float
) -> None:
    while True:
        job = fake.webhook_next()
        if job is None:
            await fake.wait_changed()
            continue
        url, secret, update = job
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        try:
            async with session.post(
                url, json=update, headers=headers, timeout=aiohttp.ClientTimeout(total=post_timeout)
            ) as response:
                status, reason = response.status, response.reason
                answer = await response.read()
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            message = "Connection refused" if isinstance(error, OSError) else str(error)
            fake.webhook_failed(update["update_id"], message or type(error).__name__)
            await asyncio.sleep(retry_delay)
            continue
        if 200 <= status < 300:
            fake.webhook_done(update["update_id"], status)
            await _answer_in_response(fake, answer)
        else:
            fake.webhook_failed(
                update["update_id"], f"Wrong response from the webhook: {status} {reason}"
            )
            await asyncio.sleep(retry_delay)


async def _answer_in_response(fake: FakeTelegram, answer: bytes) -> None:
    """A webhook may answer with a Bot API call as its JSON body, as Telegram allows."""
    with contextlib.suppress(ValueError):
        body = json.loads(answer or b"null")
        if isinstance(body, dict) and isinstance(body.get("method"), str):
            params = {k: v for k, v in body.items() if k != "method"}
            await fake.call(body["method"], params, {})


@contextlib.asynccontextmanager
async def serve_fake_telegram(
    fake: FakeTelegram,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    webhook_retry_delay: float = 0.5,
    webhook_timeout: float = 10.0,
) -> AsyncIterator[str]:
    """Serve ``fake`` over HTTP on ``host:port`` (0: any free port); yields the base URL."""
    app = web.Application(client_max_size=UPLOAD_LIMIT + MB)
    app.add_routes(_routes(fake))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    actual_port = runner.addresses[0][1]
    session = aiohttp.ClientSession()
    delivery = asyncio.create_task(
        _deliver_webhooks(fake, session, webhook_retry_delay, webhook_timeout)
    )
    try:
        yield f"http://{host}:{actual_port}"
    finally:
        delivery.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await delivery
        await session.close()
        await runner.cleanup()
