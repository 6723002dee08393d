"""Async client of the Rasa NLU server: classification and Rasa's own replies.

The client never raises into a handler: whatever goes wrong with the server (refused,
slow, 5xx, garbage) comes back as `NluUnavailable`, and the bot falls back to buttons.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

log = logging.getLogger(__name__)

FALLBACK_INTENT = "nlu_fallback"
FAQ_INTENT = "faq"


@dataclass(frozen=True, slots=True)
class IntentScore:
    name: str
    confidence: float


@dataclass(frozen=True, slots=True)
class NluResult:
    """What the model understood of one message."""

    intent: str
    confidence: float
    ranking: tuple[IntentScore, ...] = ()
    entities: dict[str, str] = field(default_factory=dict)
    faq_key: str | None = None

    @property
    def is_fallback(self) -> bool:
        return self.intent == FALLBACK_INTENT


@dataclass(frozen=True, slots=True)
class NluUnavailable:
    """The server could not answer; `reason` is for logs only."""

    reason: str


class MalformedResponse(ValueError):
    """The server answered, but not with what Rasa sends."""


def parse_result(payload: Any) -> NluResult:
    """Turns the JSON of Rasa's /model/parse into an NluResult."""
    if not isinstance(payload, dict) or not isinstance(payload.get("intent"), dict):
        raise MalformedResponse("no intent object")
    intent = payload["intent"]
    name, confidence = intent.get("name"), intent.get("confidence")
    if not isinstance(name, str) or not isinstance(confidence, int | float):
        raise MalformedResponse("intent without name or confidence")
    ranking = tuple(
        IntentScore(str(item["name"]), float(item["confidence"]))
        for item in payload.get("intent_ranking") or ()
        if isinstance(item, dict) and "name" in item and "confidence" in item
    )
    return NluResult(
        intent=name,
        confidence=float(confidence),
        ranking=ranking,
        entities=_first_entities(payload.get("entities")),
        faq_key=_faq_key(payload) if name == FAQ_INTENT else None,
    )


# Buyers tell the story first and what they want last ("退货寄回去两周了……麻烦帮我退钱",
# "they refused the return, I want my money back"): of several outcomes, the last counts.
LAST_MENTION_WINS = frozenset({"outcome"})


def _first_entities(raw: Any) -> dict[str, str]:
    """The (normalised) value of each entity that the text mentions first (last for those in
    LAST_MENTION_WINS); synonyms are already mapped by Rasa, which lists matches pattern by
    pattern, not in text order."""
    entities = [
        e for e in (raw if isinstance(raw, list) else ())
        if isinstance(e, dict) and isinstance(e.get("entity"), str)
    ]  # fmt: skip
    entities.sort(key=lambda e: e["start"] if isinstance(e.get("start"), int) else 1 << 30)
    found: dict[str, str] = {}
    for entity in entities:
        name, value = entity["entity"], str(entity.get("value", ""))
        if name in LAST_MENTION_WINS:
            found[name] = value
        else:
            found.setdefault(name, value)
    return found


def _faq_key(payload: dict[str, Any]) -> str | None:
    selector = payload.get("response_selector")
    try:
        return str(selector[FAQ_INTENT]["response"]["intent_response_key"])
    except (KeyError, TypeError):
        return None


class NluClient:
    """Talks to `rasa run --enable-api` over HTTP."""

    def __init__(
        self,
        base_url: str,
        timeout: float = 3.0,
        token: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout),
            params={"token": token} if token else None,
            transport=transport,
        )
        self._available = True

    async def parse(self, text: str) -> NluResult | NluUnavailable:
        """Classifies one message."""
        try:
            response = await self._http.post("/model/parse", json={"text": text})
            response.raise_for_status()
            result = parse_result(response.json())
        except (httpx.HTTPError, ValueError) as error:
            return self._unavailable(error)
        self._recovered()
        return result

    async def reply(self, sender: str, text: str, language: str) -> list[str] | NluUnavailable:
        """Rasa's own answer (FAQ, small talk) in the person's language."""
        try:
            slot = [{"event": "slot", "name": "language", "value": language}]
            path = f"/conversations/{quote(sender, safe='')}/tracker/events"
            events = await self._http.post(path, json=slot)
            events.raise_for_status()
            response = await self._http.post(
                "/webhooks/rest/webhook", json={"sender": sender, "message": text}
            )
            response.raise_for_status()
            messages = response.json()
            if not isinstance(messages, list):
                raise MalformedResponse("REST channel did not answer with a list")
        except (httpx.HTTPError, ValueError) as error:
            return self._unavailable(error)
        self._recovered()
        return [
            m["text"] for m in messages if isinstance(m, dict) and isinstance(m.get("text"), str)
        ]

    async def is_ready(self) -> bool:
        """True once the server answers and has a model loaded."""
        try:
            response = await self._http.get("/status")
            return response.status_code == 200 and bool(response.json().get("model_file"))
        except (httpx.HTTPError, ValueError):
            return False

    async def aclose(self) -> None:
        await self._http.aclose()

    def _unavailable(self, error: Exception) -> NluUnavailable:
        reason = f"{type(error).__name__}: {error}"[:300]
        if self._available:
            log.warning("NLU server unavailable, falling back to category buttons (%s)", reason)
            self._available = False
        return NluUnavailable(reason)

    def _recovered(self) -> None:
        if not self._available:
            log.info("NLU server answering again")
            self._available = True
