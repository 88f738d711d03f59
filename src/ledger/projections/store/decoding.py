"""Stored events to domain events for the read side, as eventsourcing's mapper does, faster.

The mapper parses each event's JSON with the standard library and a Python `object_hook` per
JSON object; the read side decodes every event of the log on a rebuild, so this parses with
orjson and converts only the objects that carry a transcoding (`{"_type_": …, "_data_": …}`),
inner ones first, exactly as the hook would. Everything else — topic resolution, the
originator's id and version, upcasting older class versions — is the mapper's own logic.
A mapper with compression or encryption, or JSON orjson refuses, goes through the mapper.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import JSONTranscoder, StoredEvent
from eventsourcing.utils import resolve_topic

from ledger.projections.store.storable import storable_event


class EventDecoder:
    """Decodes (position, originator_id, version, topic, state) rows into domain events."""

    def __init__(self, mapper: Any) -> None:
        self.mapper = mapper
        transcoder = mapper.transcoder
        self.fast = (isinstance(transcoder, JSONTranscoder) and mapper.compressor is None
                     and mapper.cipher is None)
        self._codings = dict(transcoder.names) if self.fast else {}

    def decode(self, rows: list[tuple]) -> list[tuple[int, Any]]:
        return [(r[0], self.event(_uuid(r[1]), r[2], r[3], _bytes(r[4]))) for r in rows]

    def event(self, originator_id: UUID, version: int, topic: str, state: bytes) -> Any:
        # What the read models store of it (the log keeps the event as it is).
        return storable_event(self._event(originator_id, version, topic, state), state)

    def _event(self, originator_id: UUID, version: int, topic: str, state: bytes) -> Any:
        if not self.fast:
            return self._slow(originator_id, version, topic, state)
        try:
            data = orjson.loads(state)
        except orjson.JSONDecodeError:
            return self._slow(originator_id, version, topic, state)
        for key, value in data.items():
            kind = type(value)
            if kind is dict or kind is list:
                data[key] = self._value(value)
        cls = resolve_topic(topic)
        data["originator_id"] = originator_id
        data["originator_version"] = version
        class_version = getattr(cls, "class_version", 1)
        from_version = data.pop("class_version", 1)
        while from_version < class_version:
            getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(data)
            from_version += 1
        event = object.__new__(cls)
        object.__setattr__(event, "__dict__", data)
        return event

    def _value(self, value: Any) -> Any:
        kind = type(value)
        if kind is list:
            return [self._value(v) for v in value]
        if kind is not dict:
            return value
        if len(value) == 2 and "_type_" in value and "_data_" in value:
            data = value["_data_"]
            if type(data) is dict or type(data) is list:
                data = self._value(data)
            return self._codings[value["_type_"]].decode(data)
        return {k: self._value(v) for k, v in value.items()}

    def _slow(self, originator_id: UUID, version: int, topic: str, state: bytes) -> Any:
        return self.mapper.to_domain_event(StoredEvent(
            originator_id=originator_id, originator_version=version, topic=topic, state=state))


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(bytes=bytes(value))


def _bytes(value: Any) -> bytes:
    return value if isinstance(value, bytes) else bytes(value)
