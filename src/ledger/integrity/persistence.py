"""The eventsourcing persistence module whose events table is a hash chain.

Point PERSISTENCE_MODULE at `ledger.integrity.persistence` (with SQLALCHEMY_URL as for
eventsourcing_sqlalchemy). Each row gets `seq` (1..n, previous + 1) and `hash` (see chain.py),
computed in the inserting transaction after the write lock is held; positions are allocated
there too, because the append-only guard forbids filling the hash in afterwards.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from operator import attrgetter
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, PersistenceError, StoredEvent
from eventsourcing_sqlalchemy.datastore import exception_classes, transactions
from eventsourcing_sqlalchemy import factory as base_factory
from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore
from eventsourcing_sqlalchemy.recorders import (
    SQLAlchemyApplicationRecorder, SQLAlchemyProcessRecorder,
)
import sqlalchemy.exc
from sqlalchemy import Connection, bindparam, text
from sqlalchemy.orm import Session

from ledger.integrity.chain import GENESIS, CanonicalStoredEvent, link_hash, link_hash_of
from ledger.integrity.group_commit import Append, GroupCommit
from ledger.integrity.guard import guard_installed, install_guard_on
from ledger.integrity.locks import lock_for_append
from ledger.integrity.records import ChainedEventRecord
from ledger.receipts import AlreadyRecorded, current, write_receipt
from ledger.schema import schema_transaction

WAL_ATTEMPTS = 100
_uuid_bytes = attrgetter("bytes")


# The driver's placeholder, for statements run with exec_driver_sql (no SQL compiled per call).
_MARKS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


def _as_uuid(value: Any) -> UUID:
    return value if type(value) is UUID else UUID(str(value))


def _connection(session: Session | Connection) -> Connection:
    """The Core connection of an append's transaction (a Session's, or the connection itself)."""
    return session if isinstance(session, Connection) else session.connection()


def store_error(error: sqlalchemy.exc.SQLAlchemyError) -> PersistenceError:
    """The eventsourcing exception the library's transaction raises for a SQLAlchemy error
    (IntegrityError for a version or key already taken, OperationalError for a store gone...):
    the class of the same name, the most specific first; PersistenceError otherwise."""
    for cls in type(error).__mro__:
        if cls.__name__ in exception_classes:
            return exception_classes[cls.__name__](error)
    return PersistenceError(error)


COLUMNS = "id, originator_id, originator_version, topic, state, seq, hash"
PG_TYPES = ["int8", "uuid", "int8", "text", "bytea", "int8", "varchar"]


class ChainedDatastore(SQLAlchemyDatastore):
    """A datastore whose stored-event tables carry the chain columns."""

    base_stored_event_record_cls = ChainedEventRecord
    record_classes: dict = {}  # not shared with plain eventsourcing_sqlalchemy tables

    def init_sqlite_wal_mode(self) -> None:
        """Switch SQLite to WAL, waiting out writers: the switch gets "locked" without waiting."""
        for attempt in range(WAL_ATTEMPTS):
            try:
                return super().init_sqlite_wal_mode()
            except sqlalchemy.exc.OperationalError:
                if attempt == WAL_ATTEMPTS - 1:
                    raise
                time.sleep(0.05)


class ChainedRecorder:
    """Appends events to the chain; mixed into the application and process recorders."""

    def qualified_table(self) -> str:
        return f"{self.schema_name}.{self.events_table_name}" if self.schema_name \
            else self.events_table_name

    def create_table(self) -> None:
        """The events table, its indexes and its append-only guard, created in one transaction
        under the schema lock: no writer can see the table before its constraints
        (see ledger.schema; SQLite would otherwise commit CREATE TABLE and CREATE INDEX apart).
        """
        self.datastore.init_sqlite_wal_mode()  # now, not at a first write racing others
        tables = list(self.tables)
        tracking = getattr(self, "tracking_table", None)
        if tracking is not None:
            tables.append(tracking)
        engine = self.datastore.engine
        with engine.connect() as conn:  # created before: complete, since created in one go
            if all(conn.dialect.has_table(conn, t.name, schema=t.schema) for t in tables) \
                    and guard_installed(conn, self.qualified_table()):
                return
        with schema_transaction(engine) as conn:
            for table in tables:
                table.create(conn, checkfirst=True)
            install_guard_on(conn, self.qualified_table())

    def insert_events(self, stored_events: Sequence[StoredEvent], *,
                      session: Session | None = None, **kwargs: Any) -> Sequence[int]:
        if session is not None:
            return self._append(session, stored_events, **kwargs)
        if kwargs.get("tracking") is None and transactions.get(None) is None:
            # An application's save, in no transaction yet: committed with any others
            # arriving at the same time (group_commit.py).
            return self._group().append(stored_events, current())
        with self.transaction(commit=True) as session:
            return self._append(session, stored_events, **kwargs)

    def _group(self) -> GroupCommit:
        group = self.__dict__.get("_group_commit")
        if group is None:  # one per recorder; made once, before threads share the recorder
            group = self.__dict__.setdefault("_group_commit", GroupCommit(self._commit_group))
        return group

    def _append(self, session: Session, stored_events: Sequence[StoredEvent],
                **kwargs: Any) -> Sequence[int]:
        # Lock before anything else the transaction does (tracking rows included).
        lock_for_append(session, self.qualified_table())
        self._insert_events(session, stored_events, **kwargs)
        positions = self._insert_stored_events(session, stored_events, **kwargs)
        write_receipt(session, positions, current())  # an API request's Idempotency-Key
        return positions

    @contextmanager
    def _append_transaction(self) -> Iterator[Session | Connection]:
        """The transaction a group of appends is committed in: a Core connection of the
        engine's pool, begun and committed by hand, with the library's locks and error
        mapping, but without an ORM session around it (its begin, snapshot and commit
        bookkeeping cost more than the append's own statements). With a scoped session
        (not used by the ledger) the library's own transaction."""
        datastore = self.datastore
        if datastore.scoped_session is not None:
            with self.transaction(commit=True) as session:
                yield session
            return
        if not datastore._tried_init_sqlite_wal_mode:
            datastore.init_sqlite_wal_mode()
        # As the library's transaction: in-memory SQLite's one connection, or this process's
        # SQLite writers one at a time.
        lock = datastore.access_lock or datastore.write_lock
        if lock is not None:
            lock.acquire()
        try:
            with datastore.engine.connect() as connection:  # rolled back unless committed
                yield connection
                connection.commit()
        except sqlalchemy.exc.SQLAlchemyError as error:
            raise store_error(error) from error
        finally:
            if lock is not None:
                lock.release()

    def _commit_group(self, group: list[Append]) -> None:
        """Append the group's events in one transaction. First all at once (one head read,
        one COPY or executemany); if any append is refused, again with each in a savepoint
        of its own, so only the refused ones are rolled back."""
        try:
            with self._append_transaction() as connection:
                lock_for_append(connection, self.qualified_table())
                positions = self._insert_stored_events(
                    connection, [e for append in group for e in append.events])
                start = 0
                for append in group:
                    append.positions = positions[start:start + len(append.events)]
                    start += len(append.events)
                    write_receipt(connection, append.positions, append.receipt)
            return
        except (IntegrityError, AlreadyRecorded):
            if len(group) == 1:
                raise
            for append in group:
                append.positions = None
        with self._append_transaction() as connection:
            lock_for_append(connection, self.qualified_table())
            for append in group:
                try:
                    with connection.begin_nested():
                        positions = self._insert_stored_events(connection, append.events)
                        write_receipt(connection, positions, append.receipt)
                except sqlalchemy.exc.IntegrityError as error:
                    append.error = IntegrityError(error)
                except (IntegrityError, AlreadyRecorded) as error:
                    append.error = error
                else:
                    append.positions = positions

    def _insert_stored_events(self, session: Session | Connection,
                              stored_events: Sequence[StoredEvent],
                              **kwargs: Any) -> Sequence[int]:
        if not stored_events:
            return []
        table = self.qualified_table()
        seq, prev, positions = self._head_and_positions(session, table, len(stored_events))
        uuid_value = self._uuid_binder_for(_connection(session).dialect)
        rows = []
        for event, position in zip(stored_events, positions):
            seq += 1
            if type(event) is CanonicalStoredEvent:  # state is its payload's canonical JSON
                prev = link_hash_of(seq=seq, position=position, originator_id=event.originator_id,
                                    originator_version=event.originator_version,
                                    topic=event.topic, payload_json=event.state.decode("utf-8"),
                                    recorded_at=event.recorded_at,
                                    recorded_by=event.recorded_by, prev_hash=prev)
            else:
                prev = link_hash(seq=seq, position=position, originator_id=event.originator_id,
                                 originator_version=event.originator_version, topic=event.topic,
                                 state=event.state, prev_hash=prev)
            rows.append((position, uuid_value(event.originator_id), event.originator_version,
                         event.topic, event.state, seq, prev))
        self._write_rows(session, table, rows)
        # No NOTIFY (the library's `_notify_channel`): nothing in the ledger LISTENs (the
        # projector is rung by a datagram, projector.py), the bulk path never sent one, and
        # on PostgreSQL it cost a round trip per append and a global lock at commit.
        return positions

    def _uuid_binder_for(self, dialect: Any) -> Callable[[Any], Any]:
        """`_uuid_binder`, worked out once per dialect (every append asks)."""
        binders = self.__dict__.setdefault("_uuid_binders", {})
        binder = binders.get(dialect)
        if binder is None:
            binder = binders[dialect] = self._uuid_binder(dialect)
        return binder

    def _uuid_binder(self, dialect: Any) -> Callable[[Any], Any]:
        """The originator id as the driver takes it (the column type's own bind conversion)."""
        column_type = self.events_record_cls.__table__.c.originator_id.type
        process = column_type._cached_bind_processor(dialect) or (lambda value: value)
        sample = UUID(int=0x0123456789ABCDEF0123456789ABCDEF)
        if process(sample) == sample.bytes:  # SQLite: 16 bytes, read off without a call frame
            return _uuid_bytes
        if dialect.name == "postgresql" and process(sample) == str(sample):
            return _as_uuid  # psycopg writes a UUID as the uuid column takes it
        return process

    def _plain_reads(self) -> tuple[str, Callable[[UUID], Any]] | None:
        """(placeholder, originator id binder) for reads run on a pooled connection of their
        own; None where the library's session must be used: inside one of its transactions (a
        process application's), on in-memory SQLite (one shared connection behind a lock),
        with a scoped session, or on a driver of another placeholder style."""
        mark = _MARKS.get(self.datastore.engine.dialect.paramstyle)
        if (mark is None or transactions.get(None) is not None
                or self.datastore.access_lock is not None
                or self.datastore.scoped_session is not None):
            return None
        bind = self.__dict__.get("_bind_uuid")
        if bind is None:
            bind = self._bind_uuid = self._uuid_binder(self.datastore.engine.dialect)
        return mark, bind

    def select_events(self, originator_id: UUID | str, gt: int | None = None,
                      lte: int | None = None, desc: bool = False,
                      limit: int | None = None) -> list[StoredEvent]:
        """An aggregate's stored events (the repository's get, and its cache's fast-forward
        on every command): one plain SELECT on a pooled connection, where the library's
        version opens an ORM session and builds a query and ORM rows each call (a third of
        the CPU of loading an agency). Inside a transaction of the library's (a process
        application's) or on an in-memory SQLite store, the library's own is used."""
        plain = self._plain_reads()
        if plain is None:
            return super().select_events(originator_id, gt=gt, lte=lte, desc=desc, limit=limit)
        mark, bind = plain
        key = (mark, gt is not None, lte is not None, desc, limit)
        sql = self.__dict__.setdefault("_select_sql", {}).get(key)
        if sql is None:
            sql = (f"SELECT originator_version, topic, state FROM {self.qualified_table()} "
                   f"WHERE originator_id = {mark}"
                   + (f" AND originator_version > {mark}" if gt is not None else "")
                   + (f" AND originator_version <= {mark}" if lte is not None else "")
                   + f" ORDER BY originator_version{' DESC' if desc else ''}"
                   + (f" LIMIT {int(limit)}" if limit is not None else ""))
            self._select_sql[key] = sql
        oid = _as_uuid(originator_id)
        params = (bind(oid), *(v for v in (gt, lte) if v is not None))
        with self.datastore.engine.connect() as connection:
            rows = connection.exec_driver_sql(sql, params).fetchall()
        return [StoredEvent(originator_id=oid, originator_version=version, topic=topic,
                            state=state if type(state) is bytes else bytes(state))
                for version, topic, state in rows]

    def last_version(self, originator_id: UUID) -> int | None:
        """The aggregate's latest version in the store (None without events): one indexed
        lookup, so a state derived from the aggregate can be kept until it changes."""
        plain = self._plain_reads()
        if plain is None:
            last = super().select_events(originator_id, desc=True, limit=1)
            return last[0].originator_version if last else None
        mark, bind = plain
        with self.datastore.engine.connect() as connection:
            return connection.exec_driver_sql(
                f"SELECT max(originator_version) FROM {self.qualified_table()} "
                f"WHERE originator_id = {mark}", (bind(_as_uuid(originator_id)),)).scalar()

    def last_versions(self, originator_ids: Sequence[UUID]) -> list[int | None]:
        """`last_version` of several aggregates, in the order given, in one statement (a
        command that keeps state derived from two aggregates asks for both at once)."""
        plain = self._plain_reads()
        if plain is None:
            return [self.last_version(i) for i in originator_ids]
        mark, bind = plain
        one = f"(SELECT max(originator_version) FROM {self.qualified_table()} " \
              f"WHERE originator_id = {mark})"
        with self.datastore.engine.connect() as connection:
            return list(connection.exec_driver_sql(
                "SELECT " + ", ".join([one] * len(originator_ids)),
                tuple(bind(_as_uuid(i)) for i in originator_ids)).one())

    def stored_events_of(self, connection: Connection, originator_id: UUID,
                         limit: int | None = None) -> list[StoredEvent]:
        """An aggregate's stored events in version order, read on the given connection.

        One plain SELECT, where select_events opens a session and a transaction and builds
        ORM rows (about 2 ms a call on PostgreSQL against 0.2 ms): bulk loads use this.
        """
        sql = (f"SELECT originator_version, topic, state FROM {self.qualified_table()} "
               f"WHERE originator_id = :oid ORDER BY originator_version"
               + (f" LIMIT {int(limit)}" if limit is not None else ""))
        oid = self._uuid_binder(connection.dialect)(originator_id)
        return [StoredEvent(originator_id=originator_id, originator_version=version,
                            topic=topic, state=bytes(state))
                for version, topic, state in connection.execute(text(sql), {"oid": oid})]

    def stored_ids(self, connection: Connection, originator_ids: list[UUID]) -> set[UUID]:
        """Which of these aggregates have stored events: one SELECT for many (a bulk import's
        ids derived from its rows), where stored_events_of would take one each."""
        bind = self._uuid_binder(connection.dialect)
        sql = text(f"SELECT DISTINCT originator_id FROM {self.qualified_table()} "
                   "WHERE originator_id IN :oids").bindparams(bindparam("oids", expanding=True))
        found = connection.execute(sql, {"oids": [bind(i) for i in originator_ids]}).scalars()
        return {v if isinstance(v, UUID) else UUID(str(v)) if isinstance(v, str)
                else UUID(bytes=bytes(v)) for v in found}

    @staticmethod
    def _write_rows(session: Session | Connection, table: str, rows: list[tuple]) -> None:
        """All rows in one statement or COPY, bypassing the ORM's per-row work.

        PostgreSQL: COPY FROM STDIN (the triggers guard UPDATE, DELETE and TRUNCATE only);
        a unique violation is raised as eventsourcing's IntegrityError, as the ORM path would.
        SQLite: one executemany through SQLAlchemy, which maps the driver's errors the same way.
        """
        connection = _connection(session)
        if connection.dialect.name == "postgresql":
            import psycopg

            raw = connection.connection.dbapi_connection
            try:
                with raw.cursor() as cursor, cursor.copy(
                        f"COPY {table} ({COLUMNS}) FROM STDIN (FORMAT BINARY)") as copy:
                    copy.set_types(PG_TYPES)
                    for row in rows:
                        copy.write_row(row)
            except psycopg.IntegrityError as error:
                raise IntegrityError(error) from error
            return
        marks = ", ".join("?" * len(rows[0]))
        connection.exec_driver_sql(f"INSERT INTO {table} ({COLUMNS}) VALUES ({marks})", rows)

    @staticmethod
    def _head_and_positions(session: Session | Connection, table: str,
                            count: int) -> tuple[int, str, list[int]]:
        """The chain's head (seq and hash; 0 and GENESIS when empty) and the next `count`
        positions, increasing with seq because they are drawn under the write lock.

        Run on the transaction's connection as plain SQL (no statement built or keyed).
        SQLite: one statement reads the head and the greatest position. PostgreSQL: one
        statement reads the head and calls nextval once per event (setval would draw a
        block at once but needs UPDATE on the sequence, which the INSERT/SELECT-only
        application role lacks).
        """
        connection = _connection(session)
        if connection.dialect.name == "postgresql":
            # One round trip: the head (NULLs when empty) and the positions drawn, as an array.
            seq, prev, drawn = connection.exec_driver_sql(
                f"SELECT h.seq, h.hash, ARRAY(SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
                f"FROM generate_series(1, %s)) FROM (SELECT 1) AS one LEFT JOIN "
                f"(SELECT seq, hash FROM {table} ORDER BY seq DESC LIMIT 1) AS h ON true",
                (table, count)).one()
            return (seq, prev, sorted(drawn)) if seq is not None else (0, GENESIS, sorted(drawn))
        head = connection.exec_driver_sql(
            f"SELECT seq, hash, (SELECT max(id) FROM {table}) FROM {table} "
            "ORDER BY seq DESC LIMIT 1").first()
        seq, prev, last = head if head else (0, GENESIS, 0)
        return seq, prev, list(range(last + 1, last + 1 + count))


class ChainedApplicationRecorder(ChainedRecorder, SQLAlchemyApplicationRecorder):
    """The application recorder on the hash-chained table."""


class ChainedProcessRecorder(ChainedRecorder, SQLAlchemyProcessRecorder):
    """The process recorder (events plus tracking) on the hash-chained table."""


class Factory(base_factory.SQLAlchemyFactory):
    """eventsourcing_sqlalchemy's factory with the chained datastore and recorders."""

    datastore_class = ChainedDatastore
    application_recorder_class = ChainedApplicationRecorder
    process_recorder_class = ChainedProcessRecorder
