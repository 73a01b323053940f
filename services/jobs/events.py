"""Events the jobs service publishes (through the outbox) and the schema of their `data`.

Event data carries no phone numbers or names: partners and other services get
what they need to react, and read the rest through the API with their rights.
"""

from marshmallow import Schema, fields

WORKER_REGISTERED = "worker_registered"


class WorkerRegisteredData(Schema):
    """A person registered at the gig market (零工登记), themselves or through staff."""

    worker_id = fields.String(required=True)
    user_id = fields.String(allow_none=True)
    skills = fields.List(fields.String())
    groups = fields.List(fields.String())
    home_area = fields.String(allow_none=True)
    registered_by = fields.String(allow_none=True)
    registered_at = fields.DateTime()


# event name → schema of the CloudEvent's `data`; the event catalogue is built from this.
CATALOGUE = {
    WORKER_REGISTERED: WorkerRegisteredData,
}

EXAMPLES = {
    WORKER_REGISTERED: {
        "worker_id": "6f1c2b9e-2d4b-4f57-9a7e-0c6f1d2a9b11",
        "user_id": "0d9e7c55-8a41-4c53-b7f3-4f0e2b1c7a20",
        "skills": ["快递", "电动车驾驶"],
        "groups": ["courier"],
        "home_area": "向阳新村",
        "registered_by": "0d9e7c55-8a41-4c53-b7f3-4f0e2b1c7a20",
        "registered_at": "2026-11-28T09:30:00+00:00",
    },
}
