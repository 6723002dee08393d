"""Stickers, places and contacts a buyer shares: nothing to keep as a file, but something
for the agents to see. Their record in the conversation is one line; a contact's phone
number is masked there and in the logs (agents see the contact itself in the topic)."""

from __future__ import annotations

from telegram import Message


def mask_phone(number: str) -> str:
    """+8613812345678 -> +86138****5678: enough to tell numbers apart, not to dial."""
    digits = [c for c in number if c.isdigit()]
    if len(digits) <= 4:
        return "*" * len(digits)
    keep_start = min(5, len(digits) - 4)
    shown = digits[:keep_start] + ["*"] * (len(digits) - keep_start - 4) + digits[-4:]
    return ("+" if number.strip().startswith("+") else "") + "".join(shown)


def shared_of(message: Message) -> tuple[str, str]:
    """The kind (sticker, venue, location, contact) and the line the record keeps."""
    if message.sticker:
        return "sticker", f"[sticker {message.sticker.emoji or ''}]".replace(" ]", "]")
    if message.venue:
        venue = message.venue
        return "venue", f"[venue {venue.title}, {venue.address}]"
    if message.location:
        place = message.location
        return "location", f"[location {place.latitude:.5f}, {place.longitude:.5f}]"
    contact = message.contact
    name = " ".join(p for p in (contact.first_name, contact.last_name) if p)
    return "contact", f"[contact {name} {mask_phone(contact.phone_number)}]"
