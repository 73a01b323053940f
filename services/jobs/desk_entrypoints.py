"""Entrypoints of job fairs, the labour-rights desk and the figures, mixed into
JobsService (`self.db`, `self.ctx` are the service's). Thin: validate with the
schema, open the right unit of work, call the rules, publish, dump."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from nameko.rpc import rpc

from services.common import config
from services.common.contracts import load
from services.common.database import Shareable, utcnow
from services.common.errors import Forbidden, ServiceUnavailable
from services.common.service import EXPECTED_ERRORS
from services.jobs import access, fairs, figures, rights_desk
from services.jobs.contracts import messages as words
from services.jobs.contracts.schemas import (
    AccessLog,
    AccessLogQuery,
    AllTenantFigures,
    BoothAdd,
    BoothOut,
    CaseAssign,
    CaseConclude,
    CaseEntryOut,
    CaseListQuery,
    CaseNoteAdd,
    CaseOpen,
    CaseOut,
    CasePage,
    CheckIn,
    DeskMemberOut,
    DeskMembers,
    DeskMemberSet,
    FairCancel,
    FairCreate,
    FairListQuery,
    FairOut,
    FairOutcome,
    FairPage,
    FairUpdate,
    FiguresQuery,
    MyRegistrations,
    MyRegistrationsQuery,
    NoticeList,
    NoticeOut,
    NoticeQuery,
    RegistrationListQuery,
    RegistrationOut,
    RegistrationPage,
    TenantFigures,
)
from services.jobs.models import FairRegistration, JobFair, RightsCase

_fair_out = FairOut()
_registration_out = RegistrationOut()
_case_out = CaseOut()


def check_in_key() -> bytes:
    """The HMAC key of check-in codes: FAIR_CHECKIN_SECRET, else one derived from
    JWT_SECRET (separated by purpose, so neither key reveals the other). Without
    either, codes cannot be issued or checked: refuse rather than sign with a
    guessable key."""
    secret = config.get("FAIR_CHECKIN_SECRET")
    if secret:
        return secret.encode()
    jwt_secret = config.get("JWT_SECRET")
    if not jwt_secret:
        raise ServiceUnavailable(words.CHECK_IN_UNCONFIGURED)
    return hmac.new(jwt_secret.encode(), b"fengchao.jobs.fair-check-in", hashlib.sha256).digest()


def _audience_out(audience: str) -> Any:
    return Shareable.audience_tenants(audience)


def _fair_data(session, fair: JobFair, booths: list | None = None) -> dict:
    return {
        **{c.key: getattr(fair, c.key) for c in JobFair.__table__.columns if c.key != "audience"},
        "audience": _audience_out(fair.audience),
        "booths": fairs.booths_of(session=session, fair_id=fair.id) if booths is None else booths,
    }


def _fair_dict(session, fair: JobFair) -> dict:
    return _fair_out.dump(_fair_data(session, fair))


def _registration_data(registration: FairRegistration, *, with_code: bool) -> dict:
    data = {c.key: getattr(registration, c.key) for c in FairRegistration.__table__.columns}
    data["fair_tenant_id"] = registration.tenant_id
    # The code is the resident's ticket: shown to them, never in the organiser's list.
    data["code"] = (fairs.check_in_code(key=check_in_key(), fair_id=registration.fair_id,
                                        code_ref=registration.code_ref)
                    if with_code and registration.status == "registered" else None)
    return data


def _registration_dict(registration: FairRegistration, *, with_code: bool) -> dict:
    return _registration_out.dump(_registration_data(registration, with_code=with_code))


def _case_dict(case: RightsCase, entries: list) -> dict:
    return _case_out.dump({**{c.key: getattr(case, c.key) for c in RightsCase.__table__.columns},
                           "entries": entries})


class DeskEntrypoints:
    """Job fairs (家门口的招聘会), the labour-rights desk (维权服务台) and the figures."""

    # --- fairs: organising ---------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def create_fair(self, payload: dict) -> dict:
        data = load(FairCreate(), payload)
        with self.db.transaction() as tx:
            fair = fairs.create_fair(session=tx.session, ctx=self.ctx, data=data)
            return _fair_dict(tx.session, fair)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_fair(self, fair_id: str) -> dict:
        with self.db.transaction() as tx:
            return _fair_dict(tx.session, fairs.get_fair(session=tx.session, ctx=self.ctx, fair_id=fair_id))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def update_fair(self, fair_id: str, changes: dict) -> dict:
        data = load(FairUpdate(), changes, partial=True)
        with self.db.transaction() as tx:
            fair = fairs.update_fair(session=tx.session, ctx=self.ctx, fair_id=fair_id, changes=data)
            return _fair_dict(tx.session, fair)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_fairs(self, query: dict | None = None) -> dict:
        params = load(FairListQuery(), query or {})
        with self.db.transaction() as tx:
            page = fairs.list_fairs(session=tx.session, ctx=self.ctx, now=utcnow(), **params)
            booths = fairs.booths_by_fair(session=tx.session, fair_ids=[f.id for f in page.items])
            return FairPage().dump({"items": [_fair_data(tx.session, f, booths.get(f.id, [])) for f in page.items],
                                    "next_cursor": page.next_cursor})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def publish_fair(self, fair_id: str) -> dict:
        with self.db.transaction() as tx:
            fair = fairs.publish_fair(session=tx.session, ctx=self.ctx, fair_id=fair_id, now=utcnow())
            return _fair_dict(tx.session, fair)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def cancel_fair(self, fair_id: str, payload: dict) -> dict:
        data = load(FairCancel(), payload)
        with self.db.transaction() as tx:
            fair = fairs.cancel_fair(session=tx.session, ctx=self.ctx, fair_id=fair_id, reason=data["reason"])
            return _fair_dict(tx.session, fair)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def add_fair_booth(self, fair_id: str, payload: dict) -> dict:
        data = load(BoothAdd(), payload)
        with self.db.transaction() as tx:
            booth = fairs.add_booth(session=tx.session, ctx=self.ctx, fair_id=fair_id, **data)
            return BoothOut().dump(booth)

    # --- fairs: outcome ------------------------------------------------------------------

    def _outcome(self, tx, fair: JobFair) -> dict:
        """Live outcome: the fair's own rows, plus applications read in each tenant
        where they can live (see fairs.outcome_tenants)."""
        tallies = []
        for tenant in sorted(fairs.outcome_tenants(session=tx.session, fair=fair)):
            if tenant == tx.tenant_id:
                tallies.append(fairs.applications_at(session=tx.session, fair_id=fair.id))
                continue
            with self.db.read_in_tenant(tenant, reason="count applications made at a job fair") as other:
                tallies.append(fairs.applications_at(session=other.session, fair_id=fair.id))
        return fairs.outcome(session=tx.session, fair=fair, tallies=tallies)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def fair_outcome(self, fair_id: str) -> dict:
        with self.db.transaction() as tx:
            fair = fairs.own_fair(session=tx.session, ctx=self.ctx, fair_id=fair_id, for_update=False)
            return FairOutcome().dump(self._outcome(tx, fair))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def hold_fair(self, fair_id: str) -> dict:
        with self.db.transaction() as tx:
            fair = fairs.own_fair(session=tx.session, ctx=self.ctx, fair_id=fair_id)
            figures_now = self._outcome(tx, fair)
            fair = fairs.mark_held(session=tx.session, ctx=self.ctx, fair_id=fair_id, figures=figures_now,
                                   now=utcnow())
            return _fair_dict(tx.session, fair)

    # --- fairs: registration and check-in ------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def register_for_fair(self, fair_id: str) -> dict:
        now = utcnow()
        with self.db.transaction() as tx:
            fair_tenant = fairs.registration_tenant(session=tx.session, ctx=self.ctx, fair_id=fair_id, now=now)
        with self.db.write_in_tenant(
                fair_tenant, reason="a resident pre-registers for a job fair shared with their community") as tx:
            registration = fairs.register(session=tx.session, ctx=self.ctx, fair_id=fair_id,
                                          resident_tenant_id=self.ctx.tenant, now=now)
            return _registration_dict(registration, with_code=True)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def my_fair_registration(self, fair_id: str) -> dict:
        with self.db.transaction() as tx:
            registration = fairs.my_registration(session=tx.session, ctx=self.ctx, fair_id=fair_id)
            return _registration_dict(registration, with_code=True)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def cancel_fair_registration(self, fair_id: str) -> dict:
        with self.db.transaction() as tx:
            fair_tenant = fairs.my_registration(session=tx.session, ctx=self.ctx, fair_id=fair_id).tenant_id
        with self.db.write_in_tenant(fair_tenant, reason="a resident gives back their place at a job fair") as tx:
            registration = fairs.cancel_registration(session=tx.session, ctx=self.ctx, fair_id=fair_id,
                                                     now=utcnow())
            return _registration_dict(registration, with_code=False)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def my_fair_registrations(self, query: dict | None = None) -> dict:
        params = load(MyRegistrationsQuery(), query or {})
        with self.db.transaction() as tx:
            page = fairs.my_registrations(session=tx.session, ctx=self.ctx, **params)
            items = []
            for registration, fair in page.items:
                item = _registration_data(registration, with_code=True)
                item["fair"] = {c: getattr(fair, c) for c in ("id", "title", "kind", "starts_at", "ends_at",
                                                             "venue", "online_url", "status", "tenant_id")}
                items.append(item)
            return MyRegistrations().dump({"items": items, "next_cursor": page.next_cursor})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_fair_registrations(self, fair_id: str, query: dict | None = None) -> dict:
        params = load(RegistrationListQuery(), query or {})
        with self.db.transaction() as tx:
            page = fairs.list_registrations(session=tx.session, ctx=self.ctx, fair_id=fair_id, **params)
            return RegistrationPage().dump({"items": [_registration_data(r, with_code=False) for r in page.items],
                                            "next_cursor": page.next_cursor})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def check_in_at_fair(self, fair_id: str, payload: dict) -> dict:
        data = load(CheckIn(), payload)
        with self.db.transaction() as tx:
            if data.get("walk_in"):
                registration = fairs.record_walk_in(session=tx.session, ctx=self.ctx, fair_id=fair_id,
                                                    resident_tenant_id=data.get("resident_tenant_id"), now=utcnow())
            else:
                registration = fairs.check_in(session=tx.session, ctx=self.ctx, fair_id=fair_id, code=data["code"],
                                              key=check_in_key(), now=utcnow())
            return _registration_dict(registration, with_code=False)

    # --- labour-rights desk --------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def set_desk_member(self, payload: dict) -> dict:
        data = load(DeskMemberSet(), payload)
        with self.db.transaction() as tx:
            return DeskMemberOut().dump(rights_desk.set_desk_member(session=tx.session, ctx=self.ctx, **data))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_desk_members(self) -> dict:
        with self.db.transaction() as tx:
            return DeskMembers().dump({"items": rights_desk.list_desk_members(session=tx.session, ctx=self.ctx)})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_desk_notices(self, query: dict | None = None) -> dict:
        params = load(NoticeQuery(), query or {})
        with self.db.transaction() as tx:
            page, waiting = rights_desk.list_notices(session=tx.session, ctx=self.ctx, **params)
            return NoticeList().dump({"items": page.items, "waiting": waiting, "next_cursor": page.next_cursor})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def acknowledge_desk_notice(self, notice_id: str) -> dict:
        with self.db.transaction() as tx:
            return NoticeOut().dump(rights_desk.acknowledge_notice(session=tx.session, ctx=self.ctx,
                                                                   notice_id=notice_id))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def open_rights_case(self, payload: dict) -> dict:
        data = load(CaseOpen(), payload)
        person = data.pop("person_user_id") if "person_user_id" in data else self.ctx.require_user()
        with self.db.transaction() as tx:
            case = rights_desk.open_case(session=tx.session, ctx=self.ctx, person_user_id=person, **data)
            # The opener sees what they just wrote; later reads follow the confidentiality rule.
            return _case_dict(case, rights_desk.entries_for(tx.session, case, "opener"))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_rights_cases(self, query: dict | None = None) -> dict:
        params = load(CaseListQuery(), query or {})
        with self.db.transaction() as tx:
            page = rights_desk.list_cases(session=tx.session, ctx=self.ctx, **params)
            return CasePage().dump({"items": page.items, "next_cursor": page.next_cursor})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_rights_case(self, case_id: str) -> dict:
        with self.db.transaction() as tx:
            case, entries = rights_desk.read_case(session=tx.session, ctx=self.ctx, case_id=case_id)
            return _case_dict(case, entries)

    def _case_after(self, tx, case: RightsCase) -> dict:
        capacity = access.case_capacity(self.ctx, case) or "tenant_admin"
        return _case_dict(case, rights_desk.entries_for(tx.session, case, capacity))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def assign_rights_case(self, case_id: str, payload: dict) -> dict:
        data = load(CaseAssign(), payload)
        with self.db.transaction() as tx:
            case = rights_desk.assign_case(session=tx.session, ctx=self.ctx, case_id=case_id, now=utcnow(), **data)
            return self._case_after(tx, case)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def start_rights_case(self, case_id: str) -> dict:
        with self.db.transaction() as tx:
            case = rights_desk.start_case(session=tx.session, ctx=self.ctx, case_id=case_id)
            return self._case_after(tx, case)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def add_rights_case_note(self, case_id: str, payload: dict) -> dict:
        data = load(CaseNoteAdd(), payload)
        with self.db.transaction() as tx:
            entry = rights_desk.add_note(session=tx.session, ctx=self.ctx, case_id=case_id, **data)
            return CaseEntryOut().dump(entry)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def conclude_rights_case(self, case_id: str, payload: dict) -> dict:
        data = load(CaseConclude(), payload)
        with self.db.transaction() as tx:
            case = rights_desk.conclude_case(session=tx.session, ctx=self.ctx, case_id=case_id, now=utcnow(), **data)
            return self._case_after(tx, case)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def rights_case_access_log(self, case_id: str, query: dict | None = None) -> dict:
        params = load(AccessLogQuery(), query or {})
        with self.db.transaction() as tx:
            page = rights_desk.access_log(session=tx.session, ctx=self.ctx, case_id=case_id, **params)
            return AccessLog().dump({"case_id": case_id, "items": page.items, "next_cursor": page.next_cursor})

    # --- figures -------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def tenant_figures(self, query: dict | None = None) -> dict:
        """The caller's tenant, for its staff and admins (counts only, cases included)."""
        params = load(FiguresQuery(), query or {})
        if not access.may_view_figures(self.ctx):
            raise Forbidden(words.FIGURES_FOR_STAFF)
        with self.db.transaction() as tx:
            tenant = tx.tenant_id
            found = figures.figures(session=tx.session, tenant_ids=[tenant], **params)[tenant]
            return TenantFigures().dump({"tenant_id": tenant, **params, **found})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def all_tenant_figures(self, query: dict | None = None) -> dict:
        """Every tenant side by side, and the totals (the operator's read across tenants)."""
        params = load(FiguresQuery(), query or {})
        with self.db.read_all_tenants() as session:
            found = figures.figures(session=session, tenant_ids=None, **params)
            totals = figures.total(session=session, **params)
            return AllTenantFigures().dump({
                **params, "tenants": [{"tenant_id": t, "figures": found[t]["figures"]} for t in sorted(found)],
                "totals": totals["figures"], "cases_by_category": totals["cases_by_category"]})
