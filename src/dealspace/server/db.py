"""The room's database: tables, engines and transactions.

SQLite (a file in the working folder, WAL journal, ``synchronous=FULL``) by
default, PostgreSQL by URL (``postgresql+psycopg://…``). The schema is managed
by Alembic migrations (``server/migrations``), run at start-up.

Every state change runs in one write transaction (:meth:`Store.write`):
SQLite's ``BEGIN IMMEDIATE`` takes the database's write lock first, and on
PostgreSQL the negotiation's row is locked ``FOR UPDATE``, so changes to one
negotiation are serialised and each is all-or-nothing. The audit log is
append-only: database triggers refuse UPDATE and DELETE on it.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

DEFAULT_URL = "sqlite:///dealspace-room.db"


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


def now() -> datetime:
    return datetime.now(UTC)


class Meta(Base):
    """Server-wide settings (the CSRF key)."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Negotiation(Base):
    __tablename__ = "negotiations"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    shared: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(
        String(16)
    )  # preferences | no_zopa | negotiating | concluded
    round: Mapped[int] = mapped_column(Integer, default=0)
    zopa: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    final: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class Credential(Base):
    """A token: a public lookup key plus an argon2 hash of its secret."""

    __tablename__ = "credentials"
    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    negotiation_id: Mapped[str] = mapped_column(ForeignKey("negotiations.id"), index=True)
    role: Mapped[str] = mapped_column(String(8))  # admin | party
    party_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    hash: Mapped[str] = mapped_column(Text)


class PartySeat(Base):
    """One party of a negotiation and its confidential data."""

    __tablename__ = "parties"
    negotiation_id: Mapped[str] = mapped_column(ForeignKey("negotiations.id"), primary_key=True)
    party_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    preferences: Mapped[dict[str, Any]] = mapped_column(JSON)
    submitted: Mapped[bool] = mapped_column(Boolean, default=False)
    advice: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class Round(Base):
    """One version of the single negotiating text."""

    __tablename__ = "rounds"
    negotiation_id: Mapped[str] = mapped_column(ForeignKey("negotiations.id"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    package: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class Response(Base):
    """A party's accept / reject of one part in one round (the last one counts)."""

    __tablename__ = "responses"
    negotiation_id: Mapped[str] = mapped_column(ForeignKey("negotiations.id"), primary_key=True)
    round: Mapped[int] = mapped_column(Integer, primary_key=True)
    part: Mapped[str] = mapped_column(String(80), primary_key=True)
    party_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    verdict: Mapped[str] = mapped_column(String(8))  # accept | reject
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class Lock(Base):
    """A part accepted by every party and locked: fixed in every later text."""

    __tablename__ = "locks"
    negotiation_id: Mapped[str] = mapped_column(ForeignKey("negotiations.id"), primary_key=True)
    part: Mapped[str] = mapped_column(String(80), primary_key=True)
    terms: Mapped[dict[str, Any]] = mapped_column(JSON)
    round: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class LogEntry(Base):
    """One line of the append-only audit log: who did what, when."""

    __tablename__ = "audit_log"
    __table_args__ = (UniqueConstraint("negotiation_id", "seq"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    negotiation_id: Mapped[str] = mapped_column(ForeignKey("negotiations.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(32))
    part: Mapped[str | None] = mapped_column(String(80), nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


# ------------------------------------------------------------------ engines


def normalise_url(url: str | None) -> str:
    """A database URL: a plain path means a SQLite file; ``postgresql://`` uses psycopg 3."""
    if not url:
        return DEFAULT_URL
    if "://" not in url:
        return f"sqlite:///{Path(url)}"
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _sqlite_engine(url: str, begin: str) -> Engine:
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # the driver stays out; we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)

    return engine


class Store:
    """The database of one server: a read engine and a write engine."""

    def __init__(self, url: str | None = None) -> None:
        self.url = normalise_url(url)
        self.sqlite = self.url.startswith("sqlite")
        if self.sqlite:
            self.reader = _sqlite_engine(self.url, "BEGIN")
            self.writer = _sqlite_engine(self.url, "BEGIN IMMEDIATE")
        else:
            self.reader = self.writer = create_engine(
                self.url, pool_size=10, max_overflow=20, pool_pre_ping=True
            )
        self._read = sessionmaker(self.reader, expire_on_commit=False)
        self._write = sessionmaker(self.writer, expire_on_commit=False)

    def migrate(self) -> None:
        """Bring the schema to the newest migration (Alembic ``upgrade head``)."""
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
        cfg.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        with self.writer.connect() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            if conn.in_transaction():
                conn.commit()

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._read() as s, s.begin():
            yield s

    @contextmanager
    def write(self, negotiation_id: str | None = None) -> Iterator[Session]:
        """One write transaction; with a negotiation id its row is locked."""
        with self._write() as s, s.begin():
            if negotiation_id is not None and not self.sqlite:
                s.execute(
                    select(Negotiation.id).where(Negotiation.id == negotiation_id).with_for_update()
                )
            yield s

    def secret(self) -> bytes:
        """The server's CSRF key, created on first use and kept in the database."""
        with self.write() as s:
            row = s.get(Meta, "csrf_key")
            if row is None:
                row = Meta(key="csrf_key", value=secrets.token_hex(32))
                s.add(row)
            return bytes.fromhex(row.value)

    def dispose(self) -> None:
        self.reader.dispose()
        self.writer.dispose()


def dumps(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"))
