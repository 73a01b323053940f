"""Events the jobs service publishes (through the outbox) and the schema of their `data`.

Event data carries no phone numbers or names: partners and other services get
what they need to react, and read the rest through the API with their rights.
"""

from marshmallow import Schema

from services.common import contract_fields as fields
from services.jobs.data import EXAMPLES as _WORDS

WORKER_REGISTERED = "worker_registered"
JOB_POSTED = "job_posted"
JOB_CLOSED = "job_closed"
APPLICATION_SUBMITTED = "application_submitted"
APPLICATION_STATUS_CHANGED = "application_status_changed"
WORKER_HIRED = "worker_hired"


class WorkerRegisteredData(Schema):
    """A person registered at the gig market (零工登记), themselves or through staff."""

    worker_id = fields.String(required=True)
    user_id = fields.String(allow_none=True)
    skills = fields.List(fields.String())
    groups = fields.List(fields.String())
    home_area = fields.String(allow_none=True)
    registered_by = fields.String(allow_none=True)
    registered_at = fields.DateTime()


class JobPostedData(Schema):
    """A post opened: it can be seen and applied to in the tenants of its visibility."""

    post_id = fields.String(required=True)
    employer_id = fields.String(required=True)
    title = fields.String()
    job_type = fields.String()
    pay_amount = fields.Integer()
    pay_period = fields.String()
    headcount = fields.Integer()
    required_skills = fields.List(fields.String())
    visibility = fields.Dict(metadata={"description": '{"scope": "own" | "tenants" | "all", "tenants": [...]}'})
    expires_at = fields.DateTime(allow_none=True)


class JobClosedData(Schema):
    """A post stopped taking applications: filled, closed by its employer or staff, or expired."""

    post_id = fields.String(required=True)
    status = fields.String(metadata={"description": "filled | closed | expired"})
    reason = fields.String(allow_none=True)
    hired_count = fields.Integer()


class ApplicationSubmittedData(Schema):
    """Someone applied to a post. Published in the post's tenant."""

    application_id = fields.String(required=True)
    post_id = fields.String(required=True)
    applicant_user_id = fields.String()
    applicant_tenant_id = fields.String()
    fair_id = fields.String(allow_none=True)


class ApplicationStatusChangedData(Schema):
    """An application moved along its pipeline."""

    application_id = fields.String(required=True)
    post_id = fields.String()
    from_status = fields.String()
    to_status = fields.String()
    reason = fields.String(allow_none=True)
    actor_user_id = fields.String()
    applicant_user_id = fields.String(metadata={"description": "the person who applied (the event is about them)"})
    applicant_tenant_id = fields.String()


class WorkerHiredData(Schema):
    """A hire: a placement starts, and its wage follow-up is scheduled."""

    placement_id = fields.String(required=True)
    application_id = fields.String()
    post_id = fields.String()
    employer_id = fields.String()
    worker_user_id = fields.String()
    worker_tenant_id = fields.String()
    follow_up_due_at = fields.DateTime()


# event name → schema of the CloudEvent's `data`; the event catalogue is built from this.
CATALOGUE = {
    WORKER_REGISTERED: WorkerRegisteredData,
    JOB_POSTED: JobPostedData,
    JOB_CLOSED: JobClosedData,
    APPLICATION_SUBMITTED: ApplicationSubmittedData,
    APPLICATION_STATUS_CHANGED: ApplicationStatusChangedData,
    WORKER_HIRED: WorkerHiredData,
}

_POST = "3b8e4c1a-7f62-4d0e-9a51-2c7d8e9f0a13"
_APPLICATION = "9c2d5e7f-1a3b-4c6d-8e0f-a1b2c3d4e5f6"

EXAMPLES = {
    JOB_POSTED: {
        "post_id": _POST, "employer_id": "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b", "title": _WORDS["event_post_title"],
        "job_type": "part_time", "pay_amount": 25, "pay_period": "hour", "headcount": 8,
        "required_skills": ["warehouse_sorting"], "visibility": {"scope": "all", "tenants": []},
        "expires_at": "2026-12-31T15:59:59+00:00",
    },
    JOB_CLOSED: {"post_id": _POST, "status": "filled", "reason": "headcount reached", "hired_count": 8},
    APPLICATION_SUBMITTED: {"application_id": _APPLICATION, "post_id": _POST,
                            "applicant_user_id": "0d9e7c55-8a41-4c53-b7f3-4f0e2b1c7a20",
                            "applicant_tenant_id": "xiangyang", "fair_id": None},
    APPLICATION_STATUS_CHANGED: {"application_id": _APPLICATION, "post_id": _POST, "from_status": "offered",
                                 "to_status": "hired", "reason": None,
                                 "actor_user_id": "77aa88bb-99cc-4dde-8eff-001122334455",
                                 "applicant_user_id": "0d9e7c55-8a41-4c53-b7f3-4f0e2b1c7a20",
                                 "applicant_tenant_id": "xiangyang"},
    WORKER_HIRED: {"placement_id": "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d", "application_id": _APPLICATION,
                   "post_id": _POST, "employer_id": "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b",
                   "worker_user_id": "0d9e7c55-8a41-4c53-b7f3-4f0e2b1c7a20", "worker_tenant_id": "xiangyang",
                   "follow_up_due_at": "2026-12-02T09:00:00+00:00"},
    WORKER_REGISTERED: {
        "worker_id": "6f1c2b9e-2d4b-4f57-9a7e-0c6f1d2a9b11",
        "user_id": "0d9e7c55-8a41-4c53-b7f3-4f0e2b1c7a20",
        "skills": _WORDS["event_worker_skills"],
        "groups": ["courier"],
        "home_area": _WORDS["event_home_area"],
        "registered_by": "0d9e7c55-8a41-4c53-b7f3-4f0e2b1c7a20",
        "registered_at": "2026-11-28T09:30:00+00:00",
    },
}


# --- Job fairs and the labour-rights desk (fairs.py, rights_desk.py) ------------------

FAIR_HELD = "fair_held"
CASE_OPENED = "case_opened"
CASE_RESOLVED = "case_resolved"


class FairHeldData(Schema):
    """A doorstep job fair (家门口的招聘会) took place; its outcome at the moment staff marked it held.
    Hires keep coming after the fair: the live figures are at GET /api/v1/jobs/fairs/{id}/outcome."""

    fair_id = fields.String(required=True)
    title = fields.String()
    kind = fields.String(metadata={"enum": ["on_site", "online"]})
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    audience = fields.Raw(metadata={"description": '"*" for every tenant, or the list of tenants it was for'})
    target_groups = fields.List(fields.String())
    registered = fields.Integer(metadata={"description": "pre-registered places (checked in or not)"})
    attendees = fields.Integer(metadata={"description": "checked in at the door, walk-ins included"})
    walk_ins = fields.Integer()
    no_shows = fields.Integer()
    attendees_by_community = fields.Dict(keys=fields.String(), values=fields.Integer())
    applications = fields.Integer(metadata={"description": "applications made at the fair"})
    hires = fields.Integer(metadata={"description": "hires among those applications so far"})
    employers = fields.Integer()
    posts = fields.Integer()
    held_at = fields.DateTime()


class CaseOpenedData(Schema):
    """A labour-rights case was opened at the desk. Confidential: says what kind of help is
    needed and where the case came from, never who the person is or what happened."""

    case_id = fields.String(required=True)
    category = fields.String(metadata={"enum": ["policy_consultation", "wage_arrears", "contract_dispute",
                                                "work_injury", "legal_aid", "psychological_support"]})
    source = fields.String(metadata={"enum": ["self", "staff", "placement_follow_up", "hotline"]})
    source_ref = fields.String(allow_none=True, metadata={"description": "e.g. the placement id for follow-ups"})
    suggested_desk_role = fields.String()
    opened_at = fields.DateTime()


class CaseResolvedData(Schema):
    """A person was helped: their labour-rights case was resolved at the desk or referred on
    (to labour arbitration, the inspectorate, legal aid…). Confidential like `case_opened`."""

    case_id = fields.String(required=True)
    category = fields.String()
    outcome = fields.String(metadata={"enum": ["resolved", "referred"]})
    desk_role = fields.String(allow_none=True)
    referred_to = fields.String(allow_none=True)
    opened_at = fields.DateTime()
    concluded_at = fields.DateTime()
    days_open = fields.Float()


CATALOGUE.update({
    FAIR_HELD: FairHeldData,
    CASE_OPENED: CaseOpenedData,
    CASE_RESOLVED: CaseResolvedData,
})

EXAMPLES.update({
    FAIR_HELD: {
        "fair_id": "2f4e6a8c-0b1d-4f3e-9a5c-7e9b1d3f5a7c", "title": _WORDS["fair_title"], "kind": "on_site",
        "starts_at": "2026-12-05T01:00:00+00:00", "ends_at": "2026-12-05T05:00:00+00:00",
        "audience": ["dongxin", "huanqiu"], "target_groups": ["floating_party_member"],
        "registered": 64, "attendees": 71, "walk_ins": 12, "no_shows": 5,
        "attendees_by_community": {"xiangyang": 40, "dongxin": 21, "huanqiu": 10},
        "applications": 38, "hires": 9, "employers": 14, "posts": 31, "held_at": "2026-12-05T05:10:00+00:00",
    },
    CASE_OPENED: {
        "case_id": "8d7c6b5a-4f3e-4d2c-9b1a-0f9e8d7c6b5a", "category": "wage_arrears",
        "source": "placement_follow_up", "source_ref": "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d",
        "suggested_desk_role": "labour_inspector", "opened_at": "2026-12-02T10:15:00+00:00",
    },
    CASE_RESOLVED: {
        "case_id": "8d7c6b5a-4f3e-4d2c-9b1a-0f9e8d7c6b5a", "category": "wage_arrears", "outcome": "resolved",
        "desk_role": "labour_inspector", "referred_to": None, "opened_at": "2026-12-02T10:15:00+00:00",
        "concluded_at": "2026-12-09T08:00:00+00:00", "days_open": 6.9,
    },
})


# --- Reminders and the desk's replies (issue 18: notifications) -------------------------

CASE_ASSIGNED = "case_assigned"
CASE_ANSWERED = "case_answered"
WAGE_FOLLOW_UP_DUE = "wage_follow_up_due"
FAIR_DUE = "fair_due"


class CaseAssignedData(Schema):
    """A labour-rights case got its handler, or another one: an admin assigned it to someone on the
    desk. Confidential like `case_opened`: the kind of desk role, never who the person or the handler
    is; whoever must hear of it asks `jobs.audience("case_person", case_id)`."""

    case_id = fields.String(required=True)
    desk_role = fields.String(metadata={"description": "the handler's desk role (community_lawyer, ...)"})
    assigned_at = fields.DateTime()


class CaseAnsweredData(Schema):
    """The desk replied to the person on their case (a note the person sees, written by the handler
    or an admin). Carries no text: the person reads it on the case page."""

    case_id = fields.String(required=True)
    answered_at = fields.DateTime()


class WageFollowUpDueData(Schema):
    """A placement's wage follow-up is due: the worker may now say whether wages came on time.
    Announced once per placement by the jobs timer, in the worker's community."""

    placement_id = fields.String(required=True)
    worker_user_id = fields.String()
    worker_tenant_id = fields.String()
    due_at = fields.DateTime(metadata={"description": "the placement's follow_up_due_at"})


class FairDueData(Schema):
    """A published job fair starts within a day (announced once per fair by the jobs timer, in the
    fair's tenant and in each other community with people pre-registered; again only if its start
    is moved). Each community's registrants (its own residents only, when a service asks):
    `jobs.audience("fair_registrants", fair_id)`."""

    fair_id = fields.String(required=True)
    starts_at = fields.DateTime()


CATALOGUE.update({
    CASE_ASSIGNED: CaseAssignedData,
    CASE_ANSWERED: CaseAnsweredData,
    WAGE_FOLLOW_UP_DUE: WageFollowUpDueData,
    FAIR_DUE: FairDueData,
})

EXAMPLES.update({
    CASE_ASSIGNED: {"case_id": "8d7c6b5a-4f3e-4d2c-9b1a-0f9e8d7c6b5a", "desk_role": "labour_inspector",
                    "assigned_at": "2026-12-02T11:00:00+00:00"},
    CASE_ANSWERED: {"case_id": "8d7c6b5a-4f3e-4d2c-9b1a-0f9e8d7c6b5a", "answered_at": "2026-12-03T02:30:00+00:00"},
    WAGE_FOLLOW_UP_DUE: {"placement_id": "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d",
                         "worker_user_id": "0d9e7c55-8a41-4c53-b7f3-4f0e2b1c7a20", "worker_tenant_id": "xiangyang",
                         "due_at": "2026-12-02T09:00:00+00:00"},
    FAIR_DUE: {"fair_id": "2f4e6a8c-0b1d-4f3e-9a5c-7e9b1d3f5a7c", "starts_at": "2026-12-05T01:00:00+00:00"},
})
