"""Read-model tables. Every row belongs to a generation so a rebuild never disturbs reads."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    BigInteger, Boolean, Column, Date, DateTime, Index, Integer, MetaData, String, Table, Text,
)
from sqlalchemy.types import TypeDecorator



class UTCDateTime(TypeDecorator):
    """A UTC timestamp that comes back timezone-aware on every backend (SQLite drops zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


metadata = MetaData()
POS = BigInteger().with_variant(Integer(), "sqlite")

projection = Table(
    "rm_projection", metadata,
    Column("name", String(40), primary_key=True),
    Column("gen", Integer, primary_key=True),
    Column("position", POS, nullable=False),
    Column("status", String(16), nullable=False),  # building | active | retired
    Column("started_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

agency = Table(
    "rm_agency", metadata,
    Column("gen", Integer, primary_key=True),
    Column("code", String(18), primary_key=True),
    Column("aggregate_id", String(36), nullable=False),
    Column("name", Text, nullable=False),
    Column("registered_on", Date, nullable=False),
    Column("deregistered_on", Date),
    Column("state", Text, nullable=False),
    Index("rm_agency_aggregate", "gen", "aggregate_id"),
)

deduction = Table(
    "rm_deduction", metadata,
    Column("gen", Integer, primary_key=True),
    Column("id", String(36), primary_key=True),
    Column("agency", String(18), nullable=False),
    Column("month", String(7), nullable=False),
    Column("status", String(16), nullable=False),
    Column("rule_code", String(8), nullable=False),
    Column("found_on", Date, nullable=False),
    Column("position", POS, nullable=False),
    Column("dispute_id", String(36)),
    Column("dispute_status", String(16)),
    Column("review_due", Date),
    Column("rectification_due", Date),
    Column("rectified_on", Date),
    Column("resource", Text, nullable=False),
    Index("rm_deduction_agency_month", "gen", "agency", "month"),
    Index("rm_deduction_dispute", "gen", "dispute_id"),
)

month = Table(
    "rm_month", metadata,
    Column("gen", Integer, primary_key=True),
    Column("agency", String(18), primary_key=True),
    Column("month", String(7), primary_key=True),
    Column("score", String(12), nullable=False),
    Column("deducted_points", String(12), nullable=False),
    Column("pending_points", String(12), nullable=False),
    Index("rm_month_month", "gen", "month"),
)

trail = Table(
    "rm_trail", metadata,
    Column("gen", Integer, primary_key=True),
    Column("agency", String(18), primary_key=True),
    Column("month", String(7), primary_key=True),
    Column("position", POS, primary_key=True),
    Column("recorded_at", UTCDateTime(), nullable=False),
    Column("recorded_by", Text, nullable=False),
    Column("event", String(40), nullable=False),
    Column("deduction_id", String(36)),
    Column("summary", Text, nullable=False),
    Column("score_before", String(12)),
    Column("score_after", String(12)),
)

session = Table(
    "rm_session", metadata,
    Column("gen", Integer, primary_key=True),
    Column("id", String(36), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("held_on", Date, nullable=False),
    Column("topic", Text, nullable=False),
    Column("hours", String(12), nullable=False),
    Column("attendance", Integer, nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
    Index("rm_session_held", "gen", "held_on"),
)

attendance = Table(
    "rm_attendance", metadata,
    Column("gen", Integer, primary_key=True),
    Column("session_id", String(36), primary_key=True),
    Column("agency", String(18), primary_key=True),
    Column("staff_ref", Text, primary_key=True),
    Column("staff_name", Text, nullable=False),
    Column("position", POS, nullable=False),
    Index("rm_attendance_agency", "gen", "agency"),
)

publication = Table(
    "rm_publication", metadata,
    Column("gen", Integer, primary_key=True),
    Column("month", String(7), primary_key=True),
    Column("revision", Integer, primary_key=True),
    Column("published_on", Date, nullable=False),
    Column("position", POS, nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
    Column("recorded_by", Text, nullable=False),
    Column("rows", Text, nullable=False),
)

stream = Table(
    "rm_stream", metadata,
    Column("gen", Integer, primary_key=True),
    Column("originator_id", String(36), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("agency", String(18)),
    Index("rm_stream_agency", "gen", "agency"),
)

event = Table(
    "rm_event", metadata,
    Column("gen", Integer, primary_key=True),
    Column("position", POS, primary_key=True),
    Column("recorded_at", UTCDateTime(), nullable=False),
    Column("recorded_by", Text, nullable=False),
    Column("event", String(40), nullable=False),
    Column("originator_id", String(36), nullable=False),
    Column("agency", String(18)),
    Column("data", Text, nullable=False),
    Index("rm_event_agency", "gen", "agency", "position"),
    Index("rm_event_originator", "gen", "originator_id"),
    Index("rm_event_recorded_at", "gen", "recorded_at"),
)

# Row versions with history, by kind (`fold.Changes.versions`): every table has `gen`, the
# kind's key columns and `valid_from` (the position from which the version holds) in its
# primary key. The version of a key "as of position P" is the one with the greatest
# valid_from <= P (one index lookup); it was superseded at the next version's valid_from.
# Versions are only ever added, so a rebuild writes them as it goes, like the trail.
HISTORY: dict[str, Table] = {}
# Kinds whose newest version is also kept in a table of its own, replaced (the key without
# `valid_from`): reads of "now" find it without looking for the newest version.
CURRENT: dict[str, Table] = {}

# Annual evaluations (`projections/model/evaluation_rows.py`): for an agency-year with a fact, the
# evaluation for each through (months of the year begun) from `first_through` to 12:
# `standing` a JSON list of [score, grade], `resource` the whole evaluation (base + per through).
_evaluation_columns = (
    lambda: Column("first_through", Integer, nullable=False),
    lambda: Column("standing", Text, nullable=False),
    lambda: Column("resource", Text, nullable=False),
)
evaluation = Table(
    "rm_evaluation", metadata,
    Column("gen", Integer, primary_key=True),
    Column("agency", String(18), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("valid_from", POS, nullable=False),
    *(make() for make in _evaluation_columns),
    Index("rm_evaluation_year", "gen", "year", "valid_from"),
)
evaluation_history = Table(
    "rm_evaluation_history", metadata,
    Column("gen", Integer, primary_key=True),
    Column("agency", String(18), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("valid_from", POS, primary_key=True),
    *(make() for make in _evaluation_columns),
    Index("rm_evaluation_history_year", "gen", "year", "valid_from"),
)
HISTORY["evaluation"] = evaluation_history
CURRENT["evaluation"] = evaluation

# The kinds of history each generation of `assessments` holds from its first event (written
# when the generation is created). A generation created before a kind existed has no row for
# it: its reads compute that kind from the folded state, as before (docs/READ_SIDE.md).
versioned = Table(
    "rm_versioned", metadata,
    Column("gen", Integer, primary_key=True),
    Column("kind", String(40), primary_key=True),
)
# Besides the kinds, how a generation writes some of them (rows of `rm_versioned` too): a mark
# names the kinds whose versions changed form when it was introduced. `CHANGED_ONLY`: a month
# or deduction version is written only when its content changes, and a deduction's versions
# after its recording hold only what can change (`history_rows`); generations created before
# wrote every deduction of a touched month again, whole, with each month version. The reads
# give the same answers on both; `ledger verify` compares those tables with a fresh rebuild
# only for a generation that writes them as the rebuild does.
CHANGED_ONLY = "month+deduction:changed-only"
VERSION_MARKS: dict[str, tuple[str, ...]] = {CHANGED_ONLY: ("month", "deduction")}

# An agency's registration as of a position (`history_rows.agency_version`).
HISTORY["agency"] = Table(
    "rm_agency_version", metadata,
    Column("gen", Integer, primary_key=True),
    Column("code", String(18), primary_key=True),
    Column("valid_from", POS, primary_key=True),
    Column("aggregate_id", String(36), nullable=False),
    Column("name", Text, nullable=False),
    Column("registered_on", Date, nullable=False),
    Column("registered_position", POS, nullable=False),
    Column("registered_at", UTCDateTime(), nullable=False),
    Column("registered_by", Text, nullable=False),
    Column("deregistered_on", Date),
    Column("deregistered_position", POS),
    Column("deregistered_at", UTCDateTime()),
    Column("deregistered_by", Text),
    Column("deregistration_reason", Text),
)

# An agency-month's figures as of a position, for months with deductions only (a month
# without any scores `views.NO_DEDUCTIONS`); a version when they change
# (`history_rows.month_versions`).
HISTORY["month"] = Table(
    "rm_month_version", metadata,
    Column("gen", Integer, primary_key=True),
    Column("agency", String(18), primary_key=True),
    Column("month", String(7), primary_key=True),
    Column("valid_from", POS, primary_key=True),
    Column("score", String(12), nullable=False),
    Column("deducted_points", String(12), nullable=False),
    Column("pending_points", String(12), nullable=False),
    Index("rm_month_version_month", "gen", "month", "valid_from"),
)

# A deduction's resource (and its dispute's, as `rm_deduction.resource` holds them) as of a
# position: whole in the version of its recording, then only what can change
# (`history_rows.deduction_changes`; read through `history_rows.stored_of_versions`).
HISTORY["deduction"] = Table(
    "rm_deduction_version", metadata,
    Column("gen", Integer, primary_key=True),
    Column("id", String(36), primary_key=True),
    Column("valid_from", POS, primary_key=True),
    Column("agency", String(18), nullable=False),
    Column("month", String(7), nullable=False),
    Column("resource", Text, nullable=False),
    Index("rm_deduction_version_month", "gen", "agency", "month", "valid_from"),
)

ASSESSMENT_TABLES = (agency, deduction, month, trail, session, attendance, publication, stream,
                     *CURRENT.values(), *HISTORY.values())
EVENT_INDEX_TABLES = (event,)


# Secondments (`projections/model/secondment_rows.py`): the current row of each (replaced)
# and every version; `seq` is its place among the agency's secondments in the order they
# started. Readers of an agency's staff records and secondments read them, not the state.
_secondment_columns = (
    lambda: Column("agency", String(18), nullable=False),
    lambda: Column("seq", Integer, nullable=False),
    lambda: Column("staff_ref", Text, nullable=False),
    lambda: Column("staff_name", Text, nullable=False),
    lambda: Column("department", Text, nullable=False),
    lambda: Column("started_on", Date, nullable=False),
    lambda: Column("ended_on", Date),
)
secondment = Table(
    "rm_secondment", metadata,
    Column("gen", Integer, primary_key=True),
    Column("id", String(40), primary_key=True),
    Column("valid_from", POS, nullable=False),
    *(make() for make in _secondment_columns),
    Index("rm_secondment_agency", "gen", "agency"),
)
HISTORY["secondment"] = Table(
    "rm_secondment_version", metadata,
    Column("gen", Integer, primary_key=True),
    Column("id", String(40), primary_key=True),
    Column("valid_from", POS, primary_key=True),
    *(make() for make in _secondment_columns),
)
CURRENT["secondment"] = secondment
ASSESSMENT_TABLES = (*ASSESSMENT_TABLES, secondment, HISTORY["secondment"])


# Purchaser ratings, provincial scores and each deduction's class as recorded
# (`projections/model/fact_rows.py`): with the rows above, every fact the fold keeps of an
# agency, so readers that need an agency's whole state put it together from rows
# (`queries/state_rows.py`), never from `rm_agency.state`, the fold's own cache.
HISTORY["rating"] = Table(
    "rm_rating", metadata,
    Column("gen", Integer, primary_key=True),
    Column("id", String(40), primary_key=True),
    Column("valid_from", POS, primary_key=True),
    Column("agency", String(18), nullable=False),
    Column("rated_on", Date, nullable=False),
    Column("purchaser", Text, nullable=False),
    Column("project_ref", Text, nullable=False),
    Column("rating", String(24), nullable=False),
    Index("rm_rating_agency", "gen", "agency"),
)
_provincial_columns = (lambda: Column("score", String(24), nullable=False),)
provincial = Table(
    "rm_provincial", metadata,
    Column("gen", Integer, primary_key=True),
    Column("agency", String(18), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("valid_from", POS, nullable=False),
    *(make() for make in _provincial_columns),
)
HISTORY["provincial"] = Table(
    "rm_provincial_version", metadata,
    Column("gen", Integer, primary_key=True),
    Column("agency", String(18), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("valid_from", POS, primary_key=True),
    *(make() for make in _provincial_columns),
)
CURRENT["provincial"] = provincial
HISTORY["terms"] = Table(
    "rm_deduction_terms", metadata,
    Column("gen", Integer, primary_key=True),
    Column("id", String(36), primary_key=True),
    Column("valid_from", POS, primary_key=True),
    Column("agency", String(18), nullable=False),
    Column("serious", Boolean, nullable=False),
    Column("rectifiable", Boolean, nullable=False),
    Index("rm_deduction_terms_agency", "gen", "agency"),
)
ASSESSMENT_TABLES = (*ASSESSMENT_TABLES, HISTORY["rating"], provincial, HISTORY["provincial"],
                     HISTORY["terms"])


# The events each shard of a rebuild in shards reads (`bulk.ShardedRebuild`): a row for each
# (shard, position of an event that shard's pass folds), written once by the rebuild before
# its passes, from the log alone (so the same whoever writes it: writers skip rows already
# there), and deleted with the generation's shards. Only a generation being built in shards
# has rows here.
shard_read = Table(
    "rm_shard_read", metadata,
    Column("gen", Integer, primary_key=True),
    Column("shard", Integer, primary_key=True),
    Column("position", POS, primary_key=True),
)
ASSESSMENT_TABLES = (*ASSESSMENT_TABLES, shard_read)
