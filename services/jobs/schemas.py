"""Contracts of the jobs service: RPC payloads and results, and the gateway's OpenAPI."""

from __future__ import annotations

import re

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

GROUPS = ("older_job_seeker", "full_time_mother", "veteran", "party_member", "floating_party_member", "courier")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
# Mainland mobile numbers: 11 digits starting with 1.
PHONE = validate.Regexp(r"^1\d{10}$", error="请输入11位手机号 / Enter an 11-digit mobile number")


class AvailabilityWindow(Schema):
    """A weekly window the person can work, e.g. a mother's school hours."""

    weekday = fields.Integer(required=True, validate=validate.Range(1, 7), metadata={"description": "1 = Monday"})
    start = fields.String(required=True, validate=validate.Regexp(_TIME), metadata={"example": "09:00"})
    end = fields.String(required=True, validate=validate.Regexp(_TIME), metadata={"example": "15:00"})

    @validates_schema
    def _start_before_end(self, data, **_kwargs):
        if "start" in data and "end" in data and data["start"] >= data["end"]:
            raise ValidationError("start must be before end", field_name="end")


class WorkerProfileFields(Schema):
    display_name = fields.String(validate=validate.Length(1, 50))
    phone = fields.String(validate=PHONE)
    skills = fields.List(fields.String(validate=validate.Length(1, 40)), validate=validate.Length(max=30))
    availability = fields.List(fields.Nested(AvailabilityWindow), validate=validate.Length(max=21))
    home_area = fields.String(allow_none=True, validate=validate.Length(max=100))
    home_lat = fields.Float(allow_none=True, validate=validate.Range(-90, 90))
    home_lng = fields.Float(allow_none=True, validate=validate.Range(-180, 180))
    commute_radius_km = fields.Float(validate=validate.Range(0.5, 100))
    expected_daily_pay = fields.Integer(allow_none=True, validate=validate.Range(0, 100000),
                                        metadata={"description": "yuan per day"})
    groups = fields.List(fields.String(validate=validate.OneOf(GROUPS)))
    consent_recommendations = fields.Boolean()


class WorkerProfileCreate(WorkerProfileFields):
    display_name = fields.String(required=True, validate=validate.Length(1, 50))
    phone = fields.String(required=True, validate=PHONE)
    on_behalf_of_user_id = fields.String(
        allow_none=True,
        metadata={"description": "Staff only: the account of the person being registered, or null for someone "
                                 "without an account. Omit to register yourself."},
    )


class WorkerProfileUpdate(WorkerProfileFields):
    expected_version = fields.Integer(
        load_default=None, allow_none=True,
        metadata={"description": "If given, the update is refused with 409 when the profile changed since."},
    )


class WorkerProfileOut(WorkerProfileFields):
    id = fields.String()
    tenant_id = fields.String()
    user_id = fields.String(allow_none=True)
    registered_by = fields.String(allow_none=True)
    version = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class WorkerListQuery(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))
    after = fields.String(load_default=None, allow_none=True, metadata={"description": "cursor: last id seen"})


class WorkerProfilePage(Schema):
    items = fields.List(fields.Nested(WorkerProfileOut))
    next_cursor = fields.String(allow_none=True)
