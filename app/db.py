"""Database engines and the unit of work.

Writes on SQLite begin with ``BEGIN IMMEDIATE``: the writer takes the file lock
before it reads the instance it will change, so two writers queue up instead of
one failing half-way with "database is locked". Reads use a deferred engine and
never block writers (WAL). On PostgreSQL both are the same engine and
concurrent writers are ordered by the instance's version column.

Within one process, SQLite writers first queue on a lock per database file
(:func:`writer_lock`). SQLite's own busy handler makes a waiting writer sleep
and retry in steps of up to 100 ms, and never in arrival order: with eight
threads writing, a request could wait a second while the file lock sat free.
Writers of other processes still meet at the file lock, as before.
"""
from __future__ import annotations

import functools
import json
import os
import threading
from dataclasses import dataclass, field
from typing import Optional

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from app.spec_cache import SpecCache
from app.errors import Conflict
import app.domain  # noqa: F401  (registers the domain tables)
from app.models import AuditEntry


def _json_text(value) -> str:
    """JSON columns keep text as UTF-8: the default ``\\u`` escapes take 6 bytes per Chinese character, not 3."""
    return json.dumps(value, ensure_ascii=False)


BUSY_TIMEOUT_SECONDS = 30
_WRITER_LOCKS: dict[str, threading.RLock] = {}
_WRITER_LOCKS_GUARD = threading.Lock()


def writer_lock(url: str) -> Optional[threading.RLock]:
    """The one lock of this process that SQLite writers of the file ``url`` take before ``BEGIN IMMEDIATE``.

    Shared by every engine on that file, so two apps in one process (tests,
    bench) queue on it too. Re-entrant, as a nested write in the same thread
    was before: it then waits on the file lock and fails after the busy timeout.
    """
    path = make_url(url).database
    if not path or path == ":memory:":
        return None
    with _WRITER_LOCKS_GUARD:
        return _WRITER_LOCKS.setdefault(os.path.realpath(path), threading.RLock())


def _sqlite_engine(url: str, begin: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
                           json_serializer=_json_text)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql(begin)

    return engine


@dataclass
class Database:
    """The engines of one database plus what every unit of work shares (the spec cache)."""

    url: str
    write_engine: Engine
    read_engine: Engine
    specs: SpecCache = field(default_factory=SpecCache)
    definitions: dict = field(default_factory=dict)  # immutable deployed definitions by id
    write_lock: Optional[threading.RLock] = None  # SQLite: writers of this process queue here

    def __post_init__(self) -> None:
        # one factory per engine for the life of the process: building a sessionmaker
        # subclasses Session and costs more than the transaction it would serve
        options = {"expire_on_commit": False, "autoflush": False}
        self.write_sessions = sessionmaker(bind=self.write_engine, **options)
        self.read_sessions = sessionmaker(bind=self.read_engine, **options)

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @property
    def is_postgres(self) -> bool:
        return self.write_engine.dialect.name == "postgresql"

    def dispose(self) -> None:
        self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            self.read_engine.dispose()


def connect(url: str) -> Database:
    if url.startswith("sqlite"):
        return Database(url, _sqlite_engine(url, "BEGIN IMMEDIATE"), _sqlite_engine(url, "BEGIN"),
                        write_lock=writer_lock(url))
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, json_serializer=_json_text)
    return Database(url, engine, engine)


@functools.lru_cache(maxsize=None)
def _insert_ignore(dialect: str, table):
    """Built once per table: a fresh statement object per call costs a cache-key walk every time."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert(table).on_conflict_do_nothing()


def insert_ignoring_existing(session: Session, model, rows: list[dict]) -> None:
    """INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL: add rows not already present by key."""
    if rows:
        session.execute(_insert_ignore(session.get_bind().dialect.name, model.__table__), rows)


class UnitOfWork:
    """One transaction. Only services enter it and only services call :meth:`commit`.

    Leaving the ``with`` block without a commit rolls everything back, so an
    error half-way through a step leaves the database as it was. A writing unit
    of work on SQLite holds the database's writer lock from entry to exit.
    """

    def __init__(self, db: Database, write: bool = True):
        self.db = db
        self.write = write
        self.session: Optional[Session] = None
        self.audit_rows: list[dict] = []
        self._factory = db.write_sessions if write else db.read_sessions
        self._lock = db.write_lock if write else None
        self._locked = False

    @property
    def specs(self) -> SpecCache:
        return self.db.specs

    def __enter__(self) -> "UnitOfWork":
        if self._lock is not None:
            # past the busy timeout, go on without it: SQLite's own wait then decides, as it did before
            self._locked = self._lock.acquire(timeout=BUSY_TIMEOUT_SECONDS)
        try:
            self.session = self._factory()
        except BaseException:
            self._release()
            raise
        self.audit_rows = []
        return self

    def _release(self) -> None:
        if self._locked:
            self._locked = False
            self._lock.release()

    def __exit__(self, exc_type, exc, tb) -> None:
        assert self.session is not None
        try:
            # close() rolls back whatever was not committed and detaches the rows
            # without expiring them, so callers can still read what a service returned
            self.session.close()
        finally:
            self.session = None
            self._release()
        if isinstance(exc, StaleDataError):
            raise Conflict("the process instance was changed by someone else meanwhile; reload and try again") from exc

    def commit(self) -> None:
        """Write the collected audit entries in one statement, then commit everything together."""
        assert self.session is not None
        if self.audit_rows:
            self.session.flush()
            self.session.execute(AuditEntry.__table__.insert(), self.audit_rows)
            self.audit_rows = []
        self.session.commit()
