"""The events table: eventsourcing_sqlalchemy's stored-event columns plus `seq` and `hash`."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import declarative_base
from sqlalchemy_utils.types.uuid import UUIDType

BIGINT = BigInteger().with_variant(Integer(), "sqlite")


class _Unmapped:
    __allow_unmapped__ = True


ChainBase = declarative_base(cls=_Unmapped)


class ChainedEventRecord(ChainBase):
    """Abstract stored event; the datastore derives one concrete class per table."""

    __abstract__ = True

    id = Column(BIGINT, primary_key=True, autoincrement=True)  # the log position
    originator_id = Column(UUIDType(), nullable=False)
    originator_version = Column(BIGINT, nullable=False)
    topic = Column(Text(), nullable=False)
    state = Column(LargeBinary(), nullable=False)
    seq = Column(BIGINT, nullable=False, unique=True)  # unique: a fork cannot be stored
    hash = Column(String(64), nullable=False)

    __table_args__ = (
        Index("stored_aggregate_event_index", "originator_id", "originator_version",
              unique=True),
    )
