"""The link of the hash chain: SHA-256 over one event's canonical JSON and the previous hash."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

GENESIS = "0" * 64


# One encoder for every call: json.dumps with these options would build a new one each time.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                              allow_nan=False)
_encode = _CANONICAL.encode


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no whitespace, UTF-8, no NaN: one byte string per JSON value."""
    return _encode(value).encode("utf-8")


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
    """The hash of one stored event chained to the one before it.

    That is SHA-256 of canonical_json({"seq", "position", "originator_id" (text),
    "originator_version", "topic", "payload", "recorded_at", "recorded_by", "prev_hash"}),
    where payload is the stored state decoded.
    """
    payload = decode_payload(state)
    return link_hash_of(seq=seq, position=position, originator_id=originator_id,
                        originator_version=originator_version, topic=topic,
                        payload_json=_encode(payload), recorded_at=recorded_at(payload),
                        recorded_by=payload.get("recorded_by"), prev_hash=prev_hash,
                        payload=payload)


def link_hash_of(*, seq: int, position: int, originator_id: UUID, originator_version: int,
                 topic: str, payload_json: str, recorded_at: Any, recorded_by: Any,
                 prev_hash: str, payload: Any = None) -> str:
    """link_hash given the payload's canonical JSON text (and its two fields) instead of state.

    The object is written member by member in canonical (sorted) order with the canonical
    encoder: the same bytes as canonical_json of the whole dict, without building it
    (tests/integrity/test_chain_writer.py checks both agree). The writer calls this directly
    for a CanonicalStoredEvent, whose state is already its payload's canonical JSON.
    """
    if type(seq) is not int or type(position) is not int or type(originator_version) is not int:
        if payload is None:
            payload = json.loads(payload_json)
        return hashlib.sha256(canonical_json({
            "seq": seq, "position": position, "originator_id": str(originator_id),
            "originator_version": originator_version, "topic": topic, "payload": payload,
            "recorded_at": recorded_at, "recorded_by": recorded_by, "prev_hash": prev_hash,
        })).hexdigest()
    text = "".join((
        '{"originator_id":', _encode(str(originator_id)),
        ',"originator_version":', str(originator_version),
        ',"payload":', payload_json,
        ',"position":', str(position),
        ',"prev_hash":', _encode(prev_hash),
        ',"recorded_at":', _encode(recorded_at),
        ',"recorded_by":', _encode(recorded_by),
        ',"seq":', str(seq),
        ',"topic":', _encode(topic), "}"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CanonicalStoredEvent(StoredEvent):
    """A stored event whose state is, byte for byte, canonical_json of its own decoding.

    The mapper that makes one (ledger.transcodings.CanonicalMapper) vouches for that, and
    gives the two payload fields the chain hashes besides; the writer then hashes the state
    as it is instead of decoding and re-encoding it.
    """

    recorded_at: Any = None
    recorded_by: Any = None
