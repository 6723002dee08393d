"""Domain errors raised by storage and the services; handlers turn them into messages."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storage.lifecycle import TicketStatus


class DomainError(Exception):
    """Base of every error the services raise on purpose."""


class TicketNotFound(DomainError):
    """No ticket with this number that the asker may see."""

    def __init__(self, number: str) -> None:
        super().__init__(f"no ticket {number}")
        self.number = number


class InvalidTransition(DomainError):
    """The ticket's status cannot change this way."""

    def __init__(self, current: TicketStatus, new: TicketStatus) -> None:
        super().__init__(f"a ticket cannot go from {current.value} to {new.value}")
        self.current = current
        self.new = new


class DraftNotFound(DomainError):
    """The person has no intake in progress."""

    def __init__(self, person_id: int) -> None:
        super().__init__(f"no intake draft for person {person_id}")
        self.person_id = person_id


class PersonNotFound(DomainError):
    """Nobody with this Telegram user id is known yet."""

    def __init__(self, person_id: int) -> None:
        super().__init__(f"no person {person_id}")
        self.person_id = person_id


class PersonBlocked(DomainError):
    """The person is blocked and may not file tickets."""

    def __init__(self, person_id: int) -> None:
        super().__init__(f"person {person_id} is blocked")
        self.person_id = person_id


class InvalidRating(DomainError):
    """The rating is out of range or the ticket cannot be rated now."""
