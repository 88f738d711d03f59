"""Long lists on the pages: one page of rows at a time, with links to the others."""

from __future__ import annotations

from dataclasses import dataclass

from ledger.domain.errors import InvalidInput

PAGE_ROWS = 50


@dataclass
class Page:
    """The rows shown, where they start, and the offsets of the pages around them."""

    rows: list
    offset: int
    total: int
    previous: int | None
    next: int | None


def page_of(items: list, offset_arg: str | None, field: str, size: int = PAGE_ROWS) -> Page:
    """The page of `items` starting at the query argument `field` (default: the first)."""
    if offset_arg in (None, ""):
        offset = 0
    elif offset_arg.isdigit() and int(offset_arg) < 2**31:
        offset = int(offset_arg)
    else:
        raise InvalidInput.field(field, f"{offset_arg!r} is not a row number")
    total = len(items)
    return Page(items[offset:offset + size], offset, total,
                max(0, offset - size) if offset > 0 else None,
                offset + size if offset + size < total else None)
