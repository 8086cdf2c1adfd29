"""Idempotency keys: reserve one before the work, store the response after, replay it after that.

Each function runs its own short transaction, apart from the request's unit of work: a
reservation must be visible to a concurrent request with the same key before the first one's
work commits, and it must not roll back with that work.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, delete, select, update
from sqlalchemy.exc import IntegrityError

from synthfoundry.db import Database, utcnow
from synthfoundry.errors import IdempotencyInProgress, IdempotencyKeyReused
from synthfoundry.idempotency.models import IdempotencyRecord

KEY_TTL = timedelta(hours=24)
"""A key older than this is treated as never sent, and its row is deleted."""
IN_PROGRESS_LEASE = timedelta(minutes=10)
"""A reservation never completed in this time belongs to a process that died; it is dropped."""
_RESERVE_ATTEMPTS = 3


@dataclass(frozen=True)
class IdempotentRequest:
    """What a key names: the caller, the route and the key, and a fingerprint of the request."""

    owner_id: uuid.UUID
    method: str
    path: str
    key: str
    fingerprint: str

    @property
    def scope_hash(self) -> str:
        scope = "\n".join((str(self.owner_id), self.method, self.path, self.key))
        return hashlib.sha256(scope.encode()).hexdigest()


@dataclass(frozen=True)
class Reservation:
    """The key is now this request's: do the work, then ``complete`` or ``release``."""

    record_id: uuid.UUID


@dataclass(frozen=True)
class StoredResponse:
    """The first request's answer, to send again."""

    status_code: int
    headers: list[tuple[str, str]]
    body: bytes


def _is_expired(record: IdempotencyRecord, now: datetime) -> bool:
    if record.created_at <= now - KEY_TTL:
        return True
    return record.status_code is None and record.created_at <= now - IN_PROGRESS_LEASE


def _stored_answer(record: IdempotencyRecord, request: IdempotentRequest) -> StoredResponse:
    if record.request_hash != request.fingerprint:
        raise IdempotencyKeyReused(
            f"the Idempotency-Key {request.key!r} was first sent with another request to "
            f"{request.method} {request.path}; use a new key for a new request",
            field="header.Idempotency-Key",
        )
    if record.status_code is None:
        raise IdempotencyInProgress(
            f"a request with the Idempotency-Key {request.key!r} is still in progress; "
            "retry shortly"
        )
    return StoredResponse(
        status_code=record.status_code,
        headers=[(name, value) for name, value in record.response_headers or []],
        body=record.response_body or b"",
    )


def _select(scope_hash: str) -> Select[IdempotencyRecord]:
    return select(IdempotencyRecord).where(IdempotencyRecord.scope_hash == scope_hash)


def find(
    database: Database, request: IdempotentRequest, *, now: datetime | None = None
) -> StoredResponse | None:
    """The response stored under ``request``'s key, or None while the key is free.

    Raises as ``reserve`` does. A read only: a request can wait on another's reservation
    without queueing for SQLite's write lock, which the other's work holds meanwhile.
    """
    with database.unit_of_work() as session:
        record = session.scalars(_select(request.scope_hash)).first()
        if record is None or _is_expired(record, now or utcnow()):
            return None
        return _stored_answer(record, request)


def _reserve_once(
    database: Database, request: IdempotentRequest, now: datetime
) -> Reservation | StoredResponse:
    with database.unit_of_work(write=True) as session:
        record = session.scalars(_select(request.scope_hash)).first()
        if record is not None and _is_expired(record, now):
            session.delete(record)
            session.flush()  # before the insert below, which reuses its scope hash
            record = None
        if record is not None:
            return _stored_answer(record, request)
        record = IdempotencyRecord(
            scope_hash=request.scope_hash,
            owner_id=request.owner_id,
            key=request.key,
            method=request.method,
            path=request.path,
            request_hash=request.fingerprint,
            created_at=now,
            updated_at=now,
        )
        session.add(record)
        session.flush()
        return Reservation(record.id)


def reserve(
    database: Database, request: IdempotentRequest, *, now: datetime | None = None
) -> Reservation | StoredResponse:
    """Claim ``request``'s key, or return the response stored under it.

    Raises ``IdempotencyKeyReused`` when the key was first sent with another fingerprint, and
    ``IdempotencyInProgress`` while the request that claimed it has not finished. Of two
    concurrent claims exactly one inserts the row: the unique scope hash fails the other (on
    SQLite the write lock already serialises them), which then reads the winner's row.
    """
    attempts = 0
    while True:
        try:
            return _reserve_once(database, request, now or utcnow())
        except IntegrityError:
            attempts += 1
            if attempts == _RESERVE_ATTEMPTS:
                raise


def complete(database: Database, reservation: Reservation, response: StoredResponse) -> None:
    """Store the response of the reserved request, for replays until the key expires."""
    now = utcnow()
    with database.unit_of_work(write=True) as session:
        session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.id == reservation.record_id)
            .values(
                status_code=response.status_code,
                response_headers=[[name, value] for name, value in response.headers],
                response_body=response.body,
                completed_at=now,
                updated_at=now,
            )
        )


def release(database: Database, reservation: Reservation) -> None:
    """Give up a reservation whose request failed, so that the client may retry with the key."""
    with database.unit_of_work(write=True) as session:
        session.execute(
            delete(IdempotencyRecord).where(
                IdempotencyRecord.id == reservation.record_id,
                IdempotencyRecord.status_code.is_(None),
            )
        )


def purge_expired(database: Database, *, now: datetime | None = None) -> int:
    """Delete every key older than ``KEY_TTL``; return how many went."""
    cutoff = (now or utcnow()) - KEY_TTL
    with database.unit_of_work(write=True) as session:
        result = session.execute(
            delete(IdempotencyRecord).where(IdempotencyRecord.created_at <= cutoff)
        )
        return int(getattr(result, "rowcount", 0) or 0)
