"""Who dates a filing: an agency's own filing is dated today by the ledger (DOMAIN "Facts, not state")."""

from __future__ import annotations

from datetime import date

from ledger.domain.errors import InvalidInput
from ledger.domain.principals import AGENCY, Principal


def filing_date(by: Principal, filed_on: date | None, today: date) -> date:
    """The date a dispute or objection is filed on.

    An agency cannot choose it, so it cannot move its own filing back into a window that has
    closed: its filing is dated today, and any other `filed_on` it sends is refused. A regulator
    entering a paper submission may give an earlier date (checked against today elsewhere).
    """
    if by.role == AGENCY and filed_on is not None and filed_on != today:
        raise InvalidInput.field(
            "filed_on", f"an agency's own filing is dated today ({today.isoformat()}) by the "
            f"ledger; got {filed_on.isoformat()}. Leave filed_on out; only a regulator entering "
            "a paper submission may give another date")
    return filed_on or today
