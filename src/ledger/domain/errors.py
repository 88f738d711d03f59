"""Domain errors: each names what was refused and why, so a person can act on it."""

from __future__ import annotations


class LedgerError(Exception):
    """Base class of every refusal the ledger gives."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(LedgerError):
    """One or more fields break a rule of their own (range, format, check character)."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        parts = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in errors.items())
        super().__init__(f"Invalid input: {parts}")

    @classmethod
    def field(cls, name: str, message: str) -> "InvalidInput":
        return cls({name: [message]})


class ConflictingInput(InvalidInput):
    """Fields each well formed on their own that conflict with the ledger's records, with
    each other or with today's date (a date before registration, after today, ...)."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.message = self.message.replace("Invalid input:", "Refused:", 1)


class Conflicting(str):
    """A check's message about such a conflict (see `collect`)."""


class RuleViolation(LedgerError):
    """A rule of the domain refuses the command (window closed, duplicate, overlap)."""


class NotFound(LedgerError):
    """The named agency, deduction, dispute, session or secondment does not exist."""


class NotPermitted(LedgerError):
    """The principal may not do this (e.g. a reviewer on a deduction they recorded)."""


class ConcurrentChange(LedgerError):
    """Another writer changed the same record at the same time; retry the request."""


def collect(*checks: tuple[str, str | None]) -> None:
    """Raise one InvalidInput naming every field whose check returned a message."""
    errors: dict[str, list[str]] = {}
    for field, message in checks:
        if message:
            errors.setdefault(field, []).append(message)
    if errors:
        conflicts = all(isinstance(m, Conflicting) for msgs in errors.values() for m in msgs)
        raise (ConflictingInput if conflicts else InvalidInput)(errors)
