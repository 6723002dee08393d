"""The one entry point of the buyer's conversation: an incoming event in, an outcome out."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.conversation import bans, buttons, commands, edits, messages
from bot.conversation.events import Incoming, Kind, Outcome, Sender
from bot.conversation.turn import Turn
from bot.texts import normalise_language

if TYPE_CHECKING:
    from bot.context import Services


async def language_of(services: Services, sender: Sender) -> str:
    """Records the person (name, the channel's language) and returns the language to answer in."""
    seed = normalise_language(sender.language_code, services.settings.default_language)
    person = await services.people.get_or_create(sender.person_id, sender.display_name, seed)
    return person.language or seed


async def handle(
    services: Services,
    event: Incoming,
    *,
    after_album: Callable[[str, str], None] | None = None,
) -> Outcome:
    """What the event means at the buyer's current step, and the replies that follow."""
    turn = Turn(services, event, await language_of(services, event.sender), after_album)
    banned = await bans.screen_banned(turn)
    if banned is not None:
        return banned
    if event.kind is Kind.BUTTON:
        return await buttons.on_button(turn)
    if event.kind is Kind.COMMAND:
        return Outcome(await commands.on_command(turn))
    if event.kind is Kind.TEXT:
        return Outcome(await messages.on_text(turn))
    if event.kind is Kind.FILE:
        return Outcome(await messages.on_file(turn))
    if event.kind is Kind.EDITED:
        return Outcome(await edits.on_edited(turn))
    if event.kind is Kind.SHARED:
        return Outcome(await messages.on_shared(turn))
    if event.kind is Kind.EMPTY:
        return Outcome(messages.on_empty(turn))
    return Outcome(messages.on_unsupported(turn))
