"""Text the read models can store, whatever text the log holds (see docs/READ_SIDE.md).

The log keeps every event exactly as recorded. Older stores hold events whose text carries
characters a database text column refuses: NUL (PostgreSQL) and unpaired surrogates (no
UTF-8 encoding, so neither backend's driver). The read side's copy of each such character is
U+FFFD REPLACEMENT CHARACTER; everything else is kept as it is.
"""

from __future__ import annotations

import re
from typing import Any

REPLACEMENT = "\ufffd"
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# How such characters appear in an event's stored JSON: escaped (\u0000, \udXXX), since the
# JSON writer escapes NUL and unpaired surrogates cannot be written as UTF-8.
ESCAPED = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


def may_hold_unstorable(state: bytes) -> bool:
    """Whether an event's stored JSON may carry an unstorable character (cheap, no decoding)."""
    return ESCAPED.search(state) is not None


def storable_event(event: Any, state: bytes) -> Any:
    """The decoded `event` of stored `state` as the read side keeps it: storable text only."""
    if may_hold_unstorable(state):
        object.__setattr__(event, "__dict__", {k: storable(v) for k, v in vars(event).items()})
    return event


def storable(value: Any) -> Any:
    """`value` with every unstorable character in its text (keys too) replaced by U+FFFD."""
    kind = type(value)
    if kind is str:
        return UNSTORABLE.sub(REPLACEMENT, value)
    if kind is dict:
        return {storable(k): storable(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return kind(storable(v) for v in value)
    return value
