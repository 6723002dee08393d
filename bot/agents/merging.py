"""What a merge shows: the buyer told once, both topics noted, the moved files re-posted in
the target's topic, and both cards brought up to date; all of it through the outbox, in
this order."""

from __future__ import annotations

from html import escape

from bot.agents.desk import AgentDesk
from bot.services.merge import MergeResult
from bot.texts import t


async def announce_merge(
    desk: AgentDesk, result: MergeResult, agent_name: str, links: dict[str, str | None]
) -> None:
    """Tells the buyer in one message, notes the merge in both threads and moves the files."""
    source, target, language = result.source, result.target, desk.language
    buyer = await desk.people.get_or_create(target.owner_id)
    told = t(buyer.language or "zh", "merge.buyer_told", source=source.number,
             target=target.number)  # fmt: skip
    await desk.tell_buyer(target, told)
    here = links.get(target.number)
    there = links.get(source.number)
    await desk.post_in_ticket(
        source,
        t(language, "merge.done_here", target=target.number, agent=escape(agent_name),
          link=t(language, "merge.link", link=here) if here else ""),
    )  # fmt: skip
    await desk.refresh_card(source)
    await desk.post_in_ticket(
        target,
        t(language, "merge.done_there", source=source.number, agent=escape(agent_name),
          messages=len(result.message_ids), files=len(result.attachments),
          link=t(language, "merge.link", link=there) if there else ""),
    )  # fmt: skip
    for attachment in result.attachments:
        if attachment.file_id:
            await desk.post_file_in_ticket(target, attachment.id)
    await desk.refresh_card(await desk.tickets.get(target.number))
