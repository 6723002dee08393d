"""The agents' commands for merging, banning and being away, registered beside the others."""

from __future__ import annotations

from bot.handlers import agent_bans, agent_merge, agent_presence

COMMANDS = {
    "merge": agent_merge.merge, "ban": agent_bans.ban, "unban": agent_bans.unban,
    "appeals": agent_bans.appeals, "away": agent_presence.away, "back": agent_presence.back,
}  # fmt: skip
