"""Text hygiene (DOMAIN "Text fields"): what text the ledger accepts, written once for every edge."""

from __future__ import annotations

from ledger.domain.errors import InvalidInput

NAME_LIMIT = 200  # names and references
TEXT_LIMIT = 4000  # reasons, grounds, topics, notes, summaries
ALLOWED_CONTROLS = frozenset("\t\n\r")


def text_problem(value: object, *, limit: int = TEXT_LIMIT, required: bool = True) -> str | None:
    """Why `value` is not acceptable text of at most `limit` characters, or None when it is."""
    if value is None:
        return "is required" if required else None
    if not isinstance(value, str):
        return "must be text"
    if required and not value.strip():
        return "must not be empty or only white space"
    if len(value) > limit:
        return f"must be at most {limit} characters, got {len(value)}"
    for index, char in enumerate(value):
        point = ord(char)
        if (point < 0x20 and char not in ALLOWED_CONTROLS) or 0x7F <= point <= 0x9F:
            return f"must not contain the control character U+{point:04X} (at {index})"
        if 0xD800 <= point <= 0xDFFF:
            return f"must not contain an unpaired surrogate U+{point:04X} (at {index})"
    return None


def checked_text(field: str, value: object, *, limit: int = TEXT_LIMIT,
                 required: bool = True) -> str | None:
    """`value` itself when acceptable, else InvalidInput naming `field` and the rule."""
    problem = text_problem(value, limit=limit, required=required)
    if problem:
        raise InvalidInput.field(field, problem)
    return value  # type: ignore[return-value]
