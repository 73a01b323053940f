"""The points nameko service (道德银行, the moral bank): entrypoints only; rules live in the
domain modules (ledger, awards, board, expiry, redemption, agreements, figures)."""

from __future__ import annotations

from datetime import datetime

from nameko.events import event_handler
from nameko.rpc import rpc
from nameko.timer import timer
from sqlalchemy import func, select

from services.common import config
from services.common.contracts import load
from services.common.database import Transaction, utcnow
from services.common.dependencies import Database, TenantContext
from services.common.logging import get_logger
from services.common.service import EXPECTED_ERRORS, HealthEntrypoints, MemberEntrypoints, PersonalDataEntrypoints
from services.points import (
    access,
    agreements,
    audiences,
    awards,
    board,
    expiry,
    figures,
    ledger,
    personal_data,
    redemption,
)
from services.points.batch_entrypoints import BatchEntrypoints
from services.points.contracts.schemas import (
    AccountSummary,
    AgreementIn,
    AgreementList,
    AgreementOut,
    AllFiguresOut,
    AudienceOut,
    AudienceQuery,
    AwardOutcome,
    AwardRequestList,
    AwardRequestOut,
    AwardRequestQuery,
    BoardOut,
    BoardQuery,
    CatalogueItemIn,
    CatalogueItemList,
    CatalogueItemOut,
    CatalogueQuery,
    DecisionIn,
    FiguresOut,
    HousekeepingIn,
    LedgerCheckOut,
    ManualAwardIn,
    MerchantIn,
    MerchantList,
    MerchantOut,
    MerchantQuery,
    MerchantStatementOut,
    MerchantStatementQuery,
    PauseIn,
    PauseList,
    PauseOut,
    PauseQuery,
    PostingOut,
    PreferencesIn,
    PreferencesOut,
    RedemptionIn,
    RedemptionOut,
    RedemptionPage,
    RedemptionQuery,
    ReversalIn,
    RuleIn,
    RuleList,
    RuleOut,
    RuleQuery,
    RunOut,
    SettingsOut,
    SettingsUpdate,
    StatementPage,
    StatementQuery,
)
from services.points.models import Account, Base, ExpiryPause, Merchant, Posting, Redemption

log = get_logger(__name__)

# Seconds between housekeeping runs (voucher timeouts and reminders, expiry notices, expiry) in every tenant.
HOUSEKEEPING_SECONDS = config.get_float("POINTS_HOUSEKEEPING_SECONDS")


def _posting_out(tx: Transaction, posting: Posting) -> dict:
    return PostingOut().dump(ledger.posting_view(session=tx.session, posting=posting))


class PointsService(BatchEntrypoints, MemberEntrypoints, PersonalDataEntrypoints, HealthEntrypoints):
    name = "points"

    ctx = TenantContext()
    db = Database(Base)
    personal_data = personal_data  # the tables holding something about a person


    # --- settings ------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_settings(self) -> dict:
        with self.db.transaction() as tx:
            access.require_staff(self.ctx)
            return SettingsOut().dump(ledger.settings(session=tx.session))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def update_settings(self, changes: dict) -> dict:
        data = load(SettingsUpdate(), changes, partial=True)
        with self.db.transaction() as tx:
            actor = access.require_staff(self.ctx)
            current = ledger.settings(session=tx.session)
            for key, value in data.items():
                setattr(current, key, value)
            current.updated_by = actor
            tx.session.flush()
            return SettingsOut().dump(current)

    # --- accounts ------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def account_summary(self, user_id: str | None = None) -> dict:
        """The caller's own account, or (staff) anyone's in the tenant."""
        with self.db.transaction() as tx:
            user_id = access.account_holder(tx.session, self.ctx, user_id)
            session, now = tx.session, utcnow()
            member = ledger.find_member_account(session=session, user_id=user_id)
            held = session.scalar(select(func.coalesce(func.sum(Redemption.points), 0)).where(
                Redemption.user_id == user_id, Redemption.status == "pending",
                Redemption.tenant_id == self.ctx.tenant))
            paused_until = session.scalar(select(func.max(ExpiryPause.ends_at)).where(
                ExpiryPause.user_id == user_id, ExpiryPause.starts_at <= now, ExpiryPause.ends_at > now))
            prefs = board.preferences(session=session, user_id=user_id)
            available = member.balance if member else 0
            return AccountSummary().dump({
                "tenant_id": self.ctx.tenant, "user_id": user_id, "account_id": member.id if member else None,
                "available": available, "held": int(held), "total": available + int(held),
                "upcoming_expiry": expiry.upcoming(session=session, member=member),
                "expiry_paused_until": paused_until, "show_on_board": prefs.show_on_board,
                "board_name": prefs.board_name,
            })

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def account_statement(self, user_id: str | None = None, query: dict | None = None) -> dict:
        params = load(StatementQuery(), query or {})
        with self.db.transaction() as tx:
            user_id = access.account_holder(tx.session, self.ctx, user_id)
            member = ledger.find_member_account(session=tx.session, user_id=user_id)
            if member is None:
                return StatementPage().dump({"items": [], "next_cursor": None})
            page = ledger.statement(session=tx.session, account_id=member.id, **params)
            return StatementPage().dump({"items": page.items, "next_cursor": page.next_cursor})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def set_preferences(self, changes: dict) -> dict:
        data = load(PreferencesIn(), changes, partial=True)
        with self.db.transaction() as tx:
            return PreferencesOut().dump(board.set_preferences(session=tx.session, ctx=self.ctx, changes=data))

    # --- awards, approvals, reversals ------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def award(self, payload: dict) -> dict:
        data = load(ManualAwardIn(), payload)
        with self.db.transaction() as tx:
            outcome, result, _created = awards.manual_award(session=tx.session, ctx=self.ctx, data=data)
            if outcome == "posted":
                return AwardOutcome().dump({"outcome": outcome, "posting": ledger.posting_view(
                    session=tx.session, posting=result), "request": None})
            return AwardOutcome().dump({"outcome": outcome, "posting": None, "request": result})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_award_requests(self, query: dict | None = None) -> dict:
        params = load(AwardRequestQuery(), query or {})
        with self.db.transaction() as tx:
            page = awards.list_requests(session=tx.session, ctx=self.ctx, **params)
            return AwardRequestList().dump({"items": page.items, "next_cursor": page.next_cursor})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def approve_award(self, request_id: str, payload: dict | None = None) -> dict:
        data = load(DecisionIn(), payload or {})
        with self.db.transaction() as tx:
            request, _posting = awards.approve(session=tx.session, ctx=self.ctx, request_id=request_id, **data)
            return AwardRequestOut().dump(request)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def reject_award(self, request_id: str, payload: dict | None = None) -> dict:
        data = load(DecisionIn(), payload or {})
        with self.db.transaction() as tx:
            return AwardRequestOut().dump(awards.reject(session=tx.session, ctx=self.ctx, request_id=request_id,
                                                        **data))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_posting(self, posting_id: str) -> dict:
        with self.db.transaction() as tx:
            return _posting_out(tx, ledger.get_posting(session=tx.session, ctx=self.ctx, posting_id=posting_id))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def reverse_posting(self, posting_id: str, payload: dict) -> dict:
        data = load(ReversalIn(), payload)
        with self.db.transaction() as tx:
            posting = ledger.reverse(session=tx.session, ctx=self.ctx, posting_id=posting_id, reason=data["reason"])
            return _posting_out(tx, posting)

    # --- earning rules and the events they read ----------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_rules(self, query: dict | None = None) -> dict:
        params = load(RuleQuery(), query or {})
        with self.db.transaction() as tx:
            page = awards.list_rules(session=tx.session, ctx=self.ctx, **params)
            return RuleList().dump({"items": page.items, "next_cursor": page.next_cursor})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def create_rule(self, payload: dict) -> dict:
        data = load(RuleIn(), payload)
        with self.db.transaction() as tx:
            return RuleOut().dump(awards.create_rule(session=tx.session, ctx=self.ctx, data=data))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def update_rule(self, rule_id: str, changes: dict) -> dict:
        data = load(RuleIn(), changes, partial=True)
        with self.db.transaction() as tx:
            return RuleOut().dump(awards.update_rule(session=tx.session, ctx=self.ctx, rule_id=rule_id,
                                                     changes=data))

    @event_handler("training", "session_attended", requeue_on_error=True)
    def on_session_attended(self, envelope: dict) -> None:
        self._earn("training.session_attended", envelope, consumer="points.on_session_attended")

    @event_handler("training", "certificate_issued", requeue_on_error=True)
    def on_certificate_issued(self, envelope: dict) -> None:
        self._earn("training.certificate_issued", envelope, consumer="points.on_certificate_issued")

    @event_handler("governance", "duty_completed", requeue_on_error=True)
    def on_duty_completed(self, envelope: dict) -> None:
        self._earn("governance.duty_completed", envelope, consumer="points.on_duty_completed")

    def _earn(self, event_type: str, envelope: dict, *, consumer: str) -> None:
        if not self.ctx.tenant_id or not isinstance(envelope, dict) or not isinstance(envelope.get("data"), dict):
            # Nothing to act on, and redelivering would not change that.
            log.warning("points.event_ignored", event_type=event_type, event_id=(envelope or {}).get("id"))
            return
        with self.db.transaction() as tx:
            if not tx.first_delivery(envelope, consumer=consumer):
                return
            awards.apply_event(session=tx.session, event_type=event_type, data=envelope["data"])

    # --- honour board ----------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def honour_board(self, query: dict | None = None) -> dict:
        params = load(BoardQuery(), query or {})
        with self.db.transaction() as tx:
            return BoardOut().dump(board.honour_board(session=tx.session, ctx=self.ctx, **params))

    # --- expiry and housekeeping -------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def create_pause(self, payload: dict) -> dict:
        data = load(PauseIn(), payload)
        with self.db.transaction() as tx:
            return PauseOut().dump(expiry.create_pause(session=tx.session, ctx=self.ctx, **data))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_pauses(self, query: dict | None = None) -> dict:
        params = load(PauseQuery(), query or {})
        with self.db.transaction() as tx:
            page = expiry.list_pauses(session=tx.session, ctx=self.ctx, **params)
            return PauseList().dump({"items": page.items, "next_cursor": page.next_cursor})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def run_housekeeping(self, now: str | None = None) -> dict:
        """Staff run now what the timer runs every minute, for their tenant. `now` (ISO 8601) is the settable
        clock for tests: voucher reminders and expiry notices run as at that moment, while releases and expiry
        never run ahead of the real clock (a staff member cannot expire anyone's points early by naming a
        later time)."""
        at = load(HousekeepingIn(), {"now": now})["now"]
        access.require_staff(self.ctx)
        return RunOut().dump(self._housekeep(self.db.transaction, at))

    @timer(interval=HOUSEKEEPING_SECONDS)
    def housekeeping(self) -> None:
        """Voucher timeouts and reminders, expiry notices and expiry in every tenant of the bank."""
        with self.db.system_read_all_tenants(reason="points housekeeping: find tenants") as session:
            tenants = sorted(session.scalars(select(Account.tenant_id).distinct()))
        for tenant_id in tenants:
            try:
                done = self._housekeep(lambda t=tenant_id: self.db.system_in_tenant(t, reason="points housekeeping"))
            except Exception:  # one tenant's trouble must not stop the others'
                log.exception("points.housekeeping_failed", tenant_id=tenant_id)
                continue
            if any(done.values()):
                log.info("points.housekeeping", tenant_id=tenant_id, **done)

    @staticmethod
    def _housekeep(unit_of_work, now: datetime | None = None) -> dict[str, int]:
        """Four short transactions in one tenant; `unit_of_work()` opens each. `now`: the settable clock
        (announcements follow it; what moves points never runs ahead of the real clock)."""
        real = utcnow()
        now = now or real
        with unit_of_work() as tx:
            vouchers = redemption.expire_due(session=tx.session, now=min(now, real))
        with unit_of_work() as tx:
            reminded = redemption.remind_expiring(session=tx.session, now=now)
        with unit_of_work() as tx:
            notices = expiry.send_notices(session=tx.session, now=now)
        with unit_of_work() as tx:
            expired = expiry.expire_due(session=tx.session, now=min(now, real))
        return {"vouchers_reminded": len(reminded), "vouchers_expired": len(vouchers), "notices_sent": len(notices),
                "people_expired": len(expired), "points_expired": sum(item["amount"] for item in expired)}

    # --- audiences ------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def audience(self, group: str, ref: str) -> dict:
        """The people of a group in the caller's tenant (`award_approvers` of a request,
        `merchant_voucher_holders` of a merchant), for staff or another platform service (role `service`)."""
        data = load(AudienceQuery(), {"group": group, "ref": ref})
        with self.db.transaction() as tx:
            return AudienceOut().dump(audiences.audience(session=tx.session, ctx=self.ctx, **data))

    # --- merchants and catalogue --------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def create_merchant(self, payload: dict) -> dict:
        data = load(MerchantIn(), payload)
        with self.db.transaction() as tx:
            return MerchantOut().dump(redemption.create_merchant(session=tx.session, ctx=self.ctx, data=data))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def update_merchant(self, merchant_id: str, changes: dict) -> dict:
        data = load(MerchantIn(), changes, partial=True)
        with self.db.transaction() as tx:
            return MerchantOut().dump(redemption.update_merchant(session=tx.session, ctx=self.ctx,
                                                                 merchant_id=merchant_id, changes=data))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_merchant(self, merchant_id: str) -> dict:
        with self.db.transaction() as tx:
            return MerchantOut().dump(redemption.get_merchant(session=tx.session, ctx=self.ctx,
                                                              merchant_id=merchant_id))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_merchants(self, query: dict | None = None) -> dict:
        params = load(MerchantQuery(), query or {})
        with self.db.transaction() as tx:
            page = redemption.list_merchants(session=tx.session, ctx=self.ctx, **params)
            return MerchantList().dump({"items": page.items, "next_cursor": page.next_cursor})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def create_item(self, merchant_id: str, payload: dict) -> dict:
        data = load(CatalogueItemIn(), payload)
        with self.db.transaction() as tx:
            item = redemption.create_item(session=tx.session, ctx=self.ctx, merchant_id=merchant_id, data=data)
            return self._item_out(tx, item)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def update_item(self, item_id: str, changes: dict) -> dict:
        data = load(CatalogueItemIn(), changes, partial=True)
        with self.db.transaction() as tx:
            item = redemption.update_item(session=tx.session, ctx=self.ctx, item_id=item_id, changes=data)
            return self._item_out(tx, item)

    @staticmethod
    def _item_out(tx: Transaction, item) -> dict:
        merchant = tx.session.get(Merchant, item.merchant_id)
        return CatalogueItemOut().dump({**{k: getattr(item, k) for k in CatalogueItemOut().fields if hasattr(item, k)},
                               "merchant_name": merchant.name})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def catalogue(self, query: dict | None = None) -> dict:
        params = load(CatalogueQuery(), query or {})
        with self.db.transaction() as tx:
            page = redemption.catalogue(session=tx.session, ctx=self.ctx, **params)
            return CatalogueItemList().dump({"items": [
                {**{k: getattr(item, k) for k in CatalogueItemOut().fields if hasattr(item, k)},
                 "merchant_name": merchant.name}
                for item, merchant in page.items], "next_cursor": page.next_cursor})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def merchant_statement(self, merchant_id: str, query: dict | None = None) -> dict:
        params = load(MerchantStatementQuery(), query or {})
        with self.db.transaction() as tx:
            return MerchantStatementOut().dump(redemption.merchant_statement(
                session=tx.session, ctx=self.ctx, merchant_id=merchant_id, **params))

    # --- redemption -----------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def create_redemption(self, payload: dict) -> dict:
        data = load(RedemptionIn(), payload)
        with self.db.transaction() as tx:
            item = redemption.create(session=tx.session, ctx=self.ctx, **data)
            out = redemption.view(item, self.ctx)
        # The QR code is drawn after the commit, so the account and stock locks are not held meanwhile.
        return RedemptionOut().dump({**out, "qr_svg": redemption.qr_svg(out["code"])})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_redemption(self, redemption_id: str) -> dict:
        with self.db.transaction() as tx:
            item = redemption.get(session=tx.session, ctx=self.ctx, redemption_id=redemption_id)
            return RedemptionOut().dump(redemption.view(item, self.ctx, with_qr=True))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_redemptions(self, query: dict | None = None) -> dict:
        params = load(RedemptionQuery(), query or {})
        with self.db.transaction() as tx:
            page = redemption.list_page(session=tx.session, ctx=self.ctx, **params)
            return RedemptionPage().dump({"items": [redemption.view(i, self.ctx) for i in page.items],
                                          "next_cursor": page.next_cursor})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def cancel_redemption(self, redemption_id: str) -> dict:
        with self.db.transaction() as tx:
            item = redemption.cancel(session=tx.session, ctx=self.ctx, redemption_id=redemption_id)
            return RedemptionOut().dump(redemption.view(item, self.ctx))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def preview_voucher(self, code: str) -> dict:
        with self.db.transaction() as tx:
            return RedemptionOut().dump(redemption.view(redemption.preview(session=tx.session, ctx=self.ctx,
                                                                           code=str(code)), self.ctx))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def confirm_voucher(self, code: str) -> dict:
        with self.db.transaction() as tx:
            item = redemption.confirm(session=tx.session, ctx=self.ctx, code=str(code))
            return RedemptionOut().dump(redemption.view(item, self.ctx))

    # --- agreements, figures, the check --------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_agreements(self) -> dict:
        with self.db.transaction() as tx:
            return AgreementList().dump({"items": agreements.sides(session=tx.session, ctx=self.ctx)})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def set_agreement(self, partner_tenant_id: str, payload: dict) -> dict:
        data = load(AgreementIn(), payload)
        with self.db.transaction() as tx:
            agreements.set_side(session=tx.session, ctx=self.ctx, partner_tenant_id=partner_tenant_id, **data)
            found = [s for s in agreements.sides(session=tx.session, ctx=self.ctx)
                     if s["partner_tenant_id"] == partner_tenant_id]
            return AgreementOut().dump(found[0])

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def figures(self) -> dict:
        with self.db.transaction() as tx:
            access.require_staff(self.ctx)
            tenant_id = self.ctx.tenant
            found = figures.figures(session=tx.session, tenant_ids=[tenant_id])
            return FiguresOut().dump({"tenant_id": tenant_id, **found[tenant_id]})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def figures_all_tenants(self) -> dict:
        with self.db.read_all_tenants() as session:
            found = figures.figures(session=session, tenant_ids=None)
            return AllFiguresOut().dump({"tenants": [{"tenant_id": t, **found[t]} for t in sorted(found)]})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def check_ledger(self) -> dict:
        with self.db.transaction() as tx:
            access.require_staff(self.ctx)
            return LedgerCheckOut().dump(ledger.check(session=tx.session))

