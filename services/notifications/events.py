"""Events the notifications service publishes (through the outbox) and the schema of their `data`.

It mostly consumes: the other services' events become messages (services.notifications.fanout). It
announces one thing of its own, a delivery given up after its last attempt, so an operator's alerting
can follow dead letters. Event data carries ids, never an address, a phone number or a message's text.
"""

from marshmallow import Schema

from services.common import contract_fields as fields

MESSAGE_DEAD_LETTERED = "message_dead_lettered"


class MessageDeadLetteredData(Schema):
    """A message could not leave the platform on one channel after its last attempt; staff see it
    among the dead letters with the reason and may retry it."""

    delivery_id = fields.String(required=True)
    message_id = fields.String(required=True)
    kind = fields.String(required=True)
    channel = fields.String(required=True, metadata={"description": "sms | push | robot"})
    attempts = fields.Integer(required=True)
    reason = fields.String(allow_none=True)
    at = fields.DateTime()


# event name → schema of the CloudEvent's `data`; the event catalogue is built from this.
CATALOGUE = {MESSAGE_DEAD_LETTERED: MessageDeadLetteredData}

EXAMPLES = {
    MESSAGE_DEAD_LETTERED: {
        "delivery_id": "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d",
        "message_id": "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e",
        "kind": "class_tomorrow",
        "channel": "sms",
        "attempts": 5,
        "reason": "provider answered 503",
        "at": "2026-12-02T10:15:00+00:00",
    },
}
