"""Idempotency keys for writes: a retried request gets the first answer, not a second effect.

A client sends `Idempotency-Key: <unique string>` with a POST. The first request
with that key (per tenant and caller) runs and its answer is stored; a retry
with the same key and the same body gets that answer again with
`Idempotent-Replayed: true`; the same key with another body is refused (422);
a retry while the first is still running gets 409. A 5xx answer is not stored,
so the client may retry it.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import ParamSpec

from flask import Response, g, json, make_response, request
from flask.typing import ResponseReturnValue
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from gateway import db, messages
from gateway.auth import require_principal
from gateway.models import IdempotencyRecord
from gateway.problems import from_http_exception, from_service_error, problem
from services.common.errors import FengchaoError

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200


def _fingerprint() -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(request.path.encode())
    digest.update(request.get_data(cache=True))
    return digest.hexdigest()


P = ParamSpec("P")


def idempotent(view: Callable[P, ResponseReturnValue]) -> Callable[P, ResponseReturnValue]:
    @functools.wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> ResponseReturnValue:
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        if not key or len(key) > MAX_KEY_LENGTH:
            return problem(400, code="bad_idempotency_key", detail=messages.BAD_IDEMPOTENCY_KEY,
                           params={"header": HEADER, "longest": MAX_KEY_LENGTH})
        principal = require_principal()
        session = db.session()
        fingerprint = _fingerprint()
        record = IdempotencyRecord(tenant_id=principal.tenant_id, principal=principal.subject, key=key,
                                   fingerprint=fingerprint)
        try:
            with session.begin():
                session.add(record)
        except IntegrityError:
            return _replay(principal.tenant_id, principal.subject, key, fingerprint)

        try:
            response = make_response(view(*args, **kwargs))
        except FengchaoError as exc:
            response = from_service_error(exc)
        except HTTPException as exc:
            response = from_http_exception(exc)
        except Exception:
            _forget(record.id)
            raise
        if response.status_code >= 500:
            _forget(record.id)
        else:
            with session.begin():
                stored = session.get_one(IdempotencyRecord, record.id)
                stored.status = response.status_code
                stored.body = response.get_json(silent=True)
                stored.headers = {"Content-Type": response.content_type,
                                  **({"Location": response.headers["Location"]} if "Location" in response.headers
                                     else {})}
        return response

    return wrapper


def _replay(tenant_id: str, principal: str, key: str, fingerprint: str) -> Response:
    session = db.session()
    with session.begin():
        record = session.scalar(select(IdempotencyRecord).where(
            IdempotencyRecord.tenant_id == tenant_id, IdempotencyRecord.principal == principal,
            IdempotencyRecord.key == key))
    if record is None:  # the first attempt failed with 5xx meanwhile and was forgotten
        return problem(409, code="idempotency_retry", detail=messages.IDEMPOTENCY_FAILED_RETRY)
    if record.fingerprint != fingerprint:
        return problem(422, code="idempotency_key_reused",
                       detail=messages.IDEMPOTENCY_KEY_REUSED, params={"header": HEADER})
    if record.status is None and _abandoned(record):
        # The first attempt never finished (its process died, or the database went away before its
        # answer was stored): forget it so this retry runs; the services' own keys keep it done once.
        _forget(record.id)
        return problem(409, code="idempotency_retry", detail=messages.IDEMPOTENCY_UNFINISHED,
                       headers={"Retry-After": "0"})
    if record.status is None:
        return problem(409, code="idempotency_in_progress",
                       detail=messages.IDEMPOTENCY_IN_PROGRESS, headers={"Retry-After": "1"})
    response = Response(json.dumps(record.body, ensure_ascii=False), status=record.status)
    for name, value in (record.headers or {}).items():
        response.headers[name] = value
    response.headers["Idempotent-Replayed"] = "true"
    g.idempotent_replay = True
    return response


def _abandoned(record: IdempotencyRecord) -> bool:
    """In flight for longer than any request may take (the RPC timeout plus a margin)."""
    from flask import current_app

    from services.common.database import utcnow

    limit = current_app.extensions["fengchao.settings"].rpc_timeout * 2 + 10
    return bool((utcnow() - record.created_at).total_seconds() > limit)


def _forget(record_id: int) -> None:
    session = db.session()
    with session.begin():
        session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == record_id))
