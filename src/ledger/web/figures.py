"""What a page says about a deduction's rectification, pure over the deduction resource."""

from __future__ import annotations

from datetime import date


def rectification_state(d: dict, today: date) -> str:
    """n/a (none due, or the deduction is void), on_time, late, open or overdue."""
    if d["rectification_due"] is None or d["status"] in ("withdrawn", "overturned"):
        return "none"
    if d["rectification"] is not None:
        return "on_time" if d["rectification"]["on_time"] else "late"
    return "overdue" if today > d["rectification_due"] else "open"
