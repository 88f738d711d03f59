"""The link of the hash chain: SHA-256 over one event's canonical JSON and the previous hash."""

from __future__ import annotations

import hashlib
import json
from typing import Any
from uuid import UUID

GENESIS = "0" * 64


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no whitespace, UTF-8, no NaN: one byte string per JSON value."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def as_uuid(value: Any) -> UUID:
    """An originator id as a driver returns it (UUID, 16 raw bytes, or text) as a UUID."""
    if isinstance(value, UUID):
        return value
    if isinstance(value, (bytes, memoryview)) and len(value) == 16:
        return UUID(bytes=bytes(value))
    if isinstance(value, str):
        return UUID(value)
    raise ValueError(f"originator_id is {type(value).__name__}, not a UUID")


def decode_payload(state: bytes) -> dict[str, Any]:
    """The stored state as a JSON object; ValueError when it is not one."""
    if not isinstance(state, (bytes, bytearray, memoryview)):
        raise ValueError(f"state is {type(state).__name__}, not bytes")
    payload = json.loads(bytes(state).decode("utf-8"))
    if not isinstance(payload, dict):
        raise ValueError(f"state is a JSON {type(payload).__name__}, not an object")
    return payload


def recorded_at(payload: dict[str, Any]) -> Any:
    """The event's `timestamp` as the transcoder wrote it (an ISO string inside `_data_`)."""
    stamp = payload.get("timestamp")
    return stamp.get("_data_") if isinstance(stamp, dict) else stamp


def link_hash(*, seq: int, position: int, originator_id: UUID, originator_version: int,
              topic: str, state: bytes, prev_hash: str) -> str:
    """The hash of one stored event chained to the one before it."""
    payload = decode_payload(state)
    return hashlib.sha256(canonical_json({
        "seq": seq,
        "position": position,
        "originator_id": str(originator_id),
        "originator_version": originator_version,
        "topic": topic,
        "payload": payload,
        "recorded_at": recorded_at(payload),
        "recorded_by": payload.get("recorded_by"),
        "prev_hash": prev_hash,
    })).hexdigest()
