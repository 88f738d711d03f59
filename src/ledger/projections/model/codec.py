"""JSON for fold state and resources: dates, timestamps and exact decimals survive the trip."""

from __future__ import annotations

import json
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson

from ledger.projections.model.state import (
    AgencyState, AttendanceState, DeductionState, DisputeState, RatingState, SecondmentState,
)


_FIELDS: dict[type, tuple[str, ...]] = {}


def state_fields(kind: type) -> tuple[str, ...]:
    """A fold-state dataclass's stored fields: all but those derived (named with `_`)."""
    names = _FIELDS.get(kind)
    if names is None:
        names = _FIELDS[kind] = tuple(f.name for f in fields(kind)
                                      if not f.name.startswith("_"))
    return names


def _encode(obj: Any) -> Any:
    if isinstance(obj, datetime):
        return {"$t": obj.isoformat()}
    if isinstance(obj, date):
        return {"$d": obj.isoformat()}
    if isinstance(obj, Decimal):
        return {"$n": str(obj)}
    raise TypeError(f"cannot encode {type(obj).__name__}")


def _decode(obj: dict) -> Any:
    if len(obj) == 1:
        if "$t" in obj:
            return datetime.fromisoformat(obj["$t"])
        if "$d" in obj:
            return date.fromisoformat(obj["$d"])
        if "$n" in obj:
            return Decimal(obj["$n"])
    return obj


_ORJSON = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS \
    | orjson.OPT_NON_STR_KEYS


_TAGGED = {datetime: lambda o: {"$t": o.isoformat()}, date: lambda o: {"$d": o.isoformat()},
           Decimal: lambda o: {"$n": str(o)}}


def _encode_fast(obj: Any) -> Any:
    """orjson's fallback: the tagged values of `_encode`, and dataclasses field by field.

    The exact types first, by one dict lookup: a rebuild calls this millions of times (every
    date, timestamp and decimal of every stored state and resource)."""
    tag = _TAGGED.get(type(obj))
    if tag is not None:
        return tag(obj)
    if is_dataclass(obj):
        return {name: getattr(obj, name) for name in state_fields(type(obj))}
    return _encode(obj)


def dumps(value: Any) -> str:
    """Compact JSON, dates, timestamps and decimals tagged (see `loads`).

    orjson writes it; text orjson refuses (a lone surrogate, say) goes through the standard
    library's encoder, which writes the same JSON more slowly.
    """
    try:
        return orjson.dumps(value, default=_encode_fast, option=_ORJSON).decode()
    except orjson.JSONEncodeError:
        return json.dumps(_plain(value), default=_encode, ensure_ascii=False,
                          separators=(",", ":"))


def loads(text: str) -> Any:
    return json.loads(text, object_hook=_decode)


def agency_to_json(agency: AgencyState) -> str:
    return dumps(agency)


def _plain(obj: Any) -> Any:
    """What dataclasses.asdict gives, without its deep copies of every leaf value."""
    kind = type(obj)
    if kind in (str, int, bool, Decimal, date, datetime) or obj is None:
        return obj
    if kind is dict:
        return {k: _plain(v) for k, v in obj.items()}
    if kind is list:
        return [_plain(v) for v in obj]
    if kind is tuple:
        return [_plain(v) for v in obj]  # JSON has no tuples; asdict's would be written so
    if not is_dataclass(obj):
        return obj  # any other JSON value (a float in evidence, say)
    names = state_fields(kind)
    return {name: _plain(getattr(obj, name)) for name in names}


def agency_from_json(text: str) -> AgencyState:
    raw = loads(text)
    deductions = {}
    for key, d in raw.pop("deductions").items():
        dispute = d.pop("dispute")
        deductions[key] = DeductionState(**d, dispute=DisputeState(**dispute) if dispute else None)
    return AgencyState(
        **{k: v for k, v in raw.items()
           if k not in ("secondments", "ratings", "provincial", "attendance")},
        deductions=deductions,
        secondments={k: SecondmentState(**v) for k, v in raw["secondments"].items()},
        ratings=[RatingState(**r) for r in raw["ratings"]],
        provincial={int(y): s for y, s in raw["provincial"].items()},
        attendance=[AttendanceState(**a) for a in raw["attendance"]],
    )


def event_data(event: Any) -> dict:
    """An event's own fields, for the events route (ids and versions are given separately)."""
    skip = {"originator_id", "originator_version", "originator_topic", "timestamp", "recorded_by"}
    return {k: (str(v) if k.endswith("_id") and v is not None else v)
            for k, v in event.__dict__.items() if k not in skip}
