"""JSON transcodings for the value types events carry beyond eventsourcing's defaults, and the
mapper that writes each event's state as canonical JSON for the hash chain."""

from __future__ import annotations

import json
from datetime import date, datetime
from operator import attrgetter
from typing import Any

from eventsourcing.persistence import (
    DatetimeAsISO, DecimalAsStr, JSONTranscoder, Mapper, StoredEvent, Transcoding, UUIDAsHex,
)
from eventsourcing.utils import get_topic

from ledger.domain.errors import InvalidInput
from ledger.domain.text import text_problem
from ledger.integrity.chain import CanonicalStoredEvent


class DateAsISO(Transcoding):
    """A civil date as YYYY-MM-DD."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


# Values written as JSON scalars, and transcodings known to write their data as a JSON string
# (with the function each one's encode amounts to, called directly).
PLAIN = frozenset({str, int, bool, type(None)})
STRING_TRANSCODINGS = {DateAsISO: date.isoformat, DatetimeAsISO: datetime.isoformat,
                       DecimalAsStr: str, UUIDAsHex: attrgetter("hex")}


class CanonicalMapper(Mapper):
    """eventsourcing's mapper, writing state with sorted keys so it is canonical JSON.

    When every field of an event is a JSON scalar (text, integer, boolean, null) or a value
    whose transcoding writes a string (dates, times, decimals, UUIDs), the state this writes
    decodes and re-encodes canonically to the same bytes (chain.canonical_json): the mapper
    returns it as a CanonicalStoredEvent and the chain writer hashes it without decoding it.
    Any other field (a dict, a list, a float) gives a plain StoredEvent, hashed from its
    decoding as before. Decoding is eventsourcing's, unchanged.
    """

    def __init__(self, transcoder: Any, compressor: Any = None, cipher: Any = None) -> None:
        super().__init__(transcoder=transcoder, compressor=compressor, cipher=cipher)
        self.canonical = (isinstance(transcoder, JSONTranscoder) and compressor is None
                          and cipher is None)
        if not self.canonical:
            return
        self._strings = {t: (coding.name, STRING_TRANSCODINGS[type(coding)])
                         for t, coding in transcoder.types.items()
                         if type(coding) in STRING_TRANSCODINGS and t is coding.type}
        self._encode = json.JSONEncoder(default=self._default, separators=(",", ":"),
                                        ensure_ascii=False, sort_keys=True).encode

    def _default(self, obj: Any) -> dict[str, Any]:
        """What the transcoder's _encode_obj returns, without a method call per transcoding."""
        try:
            name, encode = self._strings[type(obj)]
        except KeyError:
            return self.transcoder._encode_obj(obj)
        return {"_type_": name, "_data_": encode(obj)}

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        try:
            return self._to_stored_event(domain_event)
        except UnicodeEncodeError:
            # Text no UTF-8 can hold (an unpaired surrogate) that a caller let through: refuse
            # it naming the field, rather than fail the request.
            for name, value in vars(domain_event).items():
                problem = text_problem(value, limit=len(value)) if type(value) is str else None
                if problem:
                    raise InvalidInput.field(name, problem) from None
            raise

    def _to_stored_event(self, domain_event: Any) -> StoredEvent:
        if not self.canonical:
            return super().to_stored_event(domain_event)
        state = dict(vars(domain_event))
        originator_id = state.pop("originator_id")
        originator_version = state.pop("originator_version")
        class_version = getattr(type(domain_event), "class_version", 1)
        if class_version > 1:
            state["class_version"] = class_version
        data = self._encode(state).encode("utf-8")
        topic = get_topic(domain_event.__class__)
        strings = self._strings
        for value in state.values():
            kind = type(value)
            if kind not in PLAIN and kind not in strings:
                return StoredEvent(originator_id=originator_id,
                                   originator_version=originator_version, topic=topic,
                                   state=data)
        stamp, by = state.get("timestamp"), state.get("recorded_by")
        if type(by) not in PLAIN:
            return StoredEvent(originator_id=originator_id,
                               originator_version=originator_version, topic=topic, state=data)
        coding = strings.get(type(stamp))
        return CanonicalStoredEvent(
            originator_id=originator_id, originator_version=originator_version, topic=topic,
            state=data, recorded_at=coding[1](stamp) if coding else stamp, recorded_by=by)

