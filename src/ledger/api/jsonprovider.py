"""JSON in and out: exact decimals as JSON numbers, dates ISO 8601, timestamps RFC 3339 UTC."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from flask.json.provider import DefaultJSONProvider


def to_json_value(value: Any) -> Any:
    """What json.dumps cannot encode by itself."""
    if isinstance(value, Decimal):
        # Scores and points carry at most a few decimal places, so float's shortest repr is
        # exactly the decimal's digits: 97.55 goes out as 97.55, never "97.55" or 97.5499….
        if value == value.to_integral_value():
            return int(value)
        return float(value)
    if isinstance(value, datetime):
        stamp = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        return stamp.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


class LedgerJSONProvider(DefaultJSONProvider):
    """Flask's provider, except that Decimals are numbers both ways and dates are ISO."""

    ensure_ascii = False
    sort_keys = False

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        kwargs.setdefault("default", to_json_value)
        kwargs.setdefault("ensure_ascii", self.ensure_ascii)
        kwargs.setdefault("sort_keys", self.sort_keys)
        return json.dumps(obj, **kwargs)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        kwargs.setdefault("parse_float", Decimal)
        return json.loads(s, **kwargs)
