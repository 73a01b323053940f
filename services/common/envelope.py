"""The event envelope: CloudEvents 1.0, structured JSON, with a `tenantid` extension.

The same dict travels as the body of the nameko event (internal consumers) and,
in the partner integration, as the CloudEvent partners receive. The
`cloudevents` SDK validates the attributes and writes the JSON form, so we do not
hand-roll the spec.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

TYPE_PREFIX = "cn.fengchao"

_format = JSONFormat()


def event_type_name(service: str, event: str) -> str:
    """`jobs`, `worker_registered` → `cn.fengchao.jobs.worker_registered` (reverse-DNS, as CloudEvents advises)."""
    return f"{TYPE_PREFIX}.{service}.{event}"


def make_envelope(
    *,
    service: str,
    event: str,
    tenant_id: str,
    data: dict[str, Any],
    subject: str | None = None,
    event_id: str | None = None,
    time: datetime | None = None,
) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "id": event_id or str(uuid.uuid4()),
        "source": f"/fengchao/{service}",
        "type": event_type_name(service, event),
        "time": time or datetime.now(UTC),
        "datacontenttype": "application/json",
        "tenantid": tenant_id,
    }
    if subject:
        attributes["subject"] = subject
    envelope: dict[str, Any] = json.loads(_format.write(CloudEvent(attributes, data)))
    return envelope


def short_event_name(envelope: dict[str, Any]) -> str:
    """`cn.fengchao.jobs.worker_registered` → `worker_registered`."""
    return str(envelope["type"]).rsplit(".", 1)[-1]
