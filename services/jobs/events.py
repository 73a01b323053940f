"""Events the jobs service publishes (through the outbox) and the schema of their `data`.

Event data carries no phone numbers or names: partners and other services get
what they need to react, and read the rest through the API with their rights.
"""

from marshmallow import Schema, fields

WORKER_REGISTERED = "worker_registered"


class WorkerRegisteredData(Schema):
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
