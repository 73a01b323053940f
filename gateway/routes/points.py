"""道德银行 / Moral bank: the points service's API.

The gateway validates each body and query against the service's own schemas (which also
document it here); the service validates again and is the authority, so it gets what was sent.
"""

from __future__ import annotations

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint

from gateway.auth import require_principal
from gateway.idempotency import idempotent
from gateway.services import call, respond
from services.common.contracts import partial_schema, person_path_parameter
from services.points.contracts.schemas import (
    AccountSummary,
    AgreementIn,
    AgreementList,
    AgreementOut,
    AllFiguresOut,
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

blp = Blueprint("points", __name__, url_prefix="/api/v1/points", description="道德银行 / Moral bank (points)")

RETRY_SAFE = {"parameters": [{"in": "header", "name": "Idempotency-Key", "schema": {"type": "string"},
                              "description": "Retry-safe: the same key returns the first answer"}]}


def _body() -> dict[str, object]:
    body: dict[str, object] = request.get_json()
    return body


def _query() -> dict[str, str]:
    return request.args.to_dict()


@blp.before_request
def _signed_in() -> None:
    require_principal()


# --- settings and accounts ---------------------------------------------------------------


@blp.route("/settings")
class Settings(MethodView):
    @blp.response(200, SettingsOut)
    def get(self) -> Response:
        """The tenant's bank settings (staff): approval threshold, expiry months, notice days, voucher minutes."""
        return respond(call("points", "get_settings"))

    @blp.arguments(partial_schema(SettingsUpdate))
    @blp.response(200, SettingsOut)
    def patch(self, _body_in: dict[str, object]) -> Response:
        """Change the tenant's bank settings (staff)."""
        return respond(call("points", "update_settings", _body()))


@blp.route("/me")
class MyAccount(MethodView):
    @blp.response(200, AccountSummary)
    def get(self) -> Response:
        """My points: available, held for open vouchers, what expires next, honour-board preferences."""
        return respond(call("points", "account_summary", None))


@blp.route("/me/statement")
class MyStatement(MethodView):
    @blp.arguments(StatementQuery, location="query")
    @blp.response(200, StatementPage)
    def get(self, _query_in: dict[str, object]) -> Response:
        """My account's entries, newest first, each with its running balance and trace number."""
        return respond(call("points", "account_statement", None, _query()))


@blp.route("/me/preferences")
class MyPreferences(MethodView):
    @blp.arguments(partial_schema(PreferencesIn))
    @blp.response(200, PreferencesOut)
    def patch(self, _body_in: dict[str, object]) -> Response:
        """Opt out of the honour board (好人榜), or choose the name shown on it."""
        return respond(call("points", "set_preferences", _body()))


@blp.route("/accounts/<user_id>", parameters=[person_path_parameter()])
class PersonAccount(MethodView):
    @blp.response(200, AccountSummary)
    def get(self, user_id: str) -> Response:
        """A person's points (staff; a resident may read only their own)."""
        return respond(call("points", "account_summary", user_id))


@blp.route("/accounts/<user_id>/statement", parameters=[person_path_parameter()])
class PersonStatement(MethodView):
    @blp.arguments(StatementQuery, location="query")
    @blp.response(200, StatementPage)
    def get(self, _query_in: dict[str, object], user_id: str) -> Response:
        """A person's statement (staff; a resident may read only their own)."""
        return respond(call("points", "account_statement", user_id, _query()))


# --- awards, approvals, postings ------------------------------------------------------------


@blp.route("/awards")
class Awards(MethodView):
    @idempotent
    @blp.arguments(ManualAwardIn)
    @blp.response(201, AwardOutcome, description="Posted")
    @blp.alt_response(202, schema=AwardOutcome, description="Above the threshold: waits for a second staff member")
    @blp.doc(**RETRY_SAFE)
    def post(self, _body_in: dict[str, object]) -> Response:
        """Award points by hand with a reason (staff). Above the tenant's threshold the award waits
        for another staff member's approval (maker-checker)."""
        result = call("points", "award", _body())
        return respond(result, 201 if result["outcome"] == "posted" else 202)


@blp.route("/award-requests")
class AwardRequests(MethodView):
    @blp.arguments(AwardRequestQuery, location="query")
    @blp.response(200, AwardRequestList)
    def get(self, _query_in: dict[str, object]) -> Response:
        """Manual awards waiting for approval, or decided (staff)."""
        return respond(call("points", "list_award_requests", _query()))


@blp.route("/award-requests/<request_id>/approval")
class Approval(MethodView):
    @idempotent
    @blp.arguments(DecisionIn)
    @blp.response(200, AwardRequestOut)
    @blp.doc(**RETRY_SAFE)
    def post(self, _body_in: dict[str, object], request_id: str) -> Response:
        """Approve a waiting award: only a staff member other than the one who asked."""
        return respond(call("points", "approve_award", request_id, _body()))


@blp.route("/award-requests/<request_id>/rejection")
class Rejection(MethodView):
    @idempotent
    @blp.arguments(DecisionIn)
    @blp.response(200, AwardRequestOut)
    @blp.doc(**RETRY_SAFE)
    def post(self, _body_in: dict[str, object], request_id: str) -> Response:
        """Reject a waiting award (staff)."""
        return respond(call("points", "reject_award", request_id, _body()))


@blp.route("/postings/<posting_id>")
class Postings(MethodView):
    @blp.response(200, PostingOut)
    def get(self, posting_id: str) -> Response:
        """One posting with its entries (staff, or the person it is about)."""
        return respond(call("points", "get_posting", posting_id))


@blp.route("/postings/<posting_id>/reversal")
class Reversal(MethodView):
    @idempotent
    @blp.arguments(ReversalIn)
    @blp.response(201, PostingOut)
    @blp.doc(**RETRY_SAFE)
    def post(self, _body_in: dict[str, object], posting_id: str) -> Response:
        """Correct a wrong award by a reversal posting linked to it (staff). Refused when the points
        were already spent or the award was already reversed."""
        return respond(call("points", "reverse_posting", posting_id, _body()), 201)


# --- earning rules, honour board ----------------------------------------------------------------


@blp.route("/rules")
class Rules(MethodView):
    @blp.arguments(RuleQuery, location="query")
    @blp.response(200, RuleList)
    def get(self, _query_in: dict[str, object]) -> Response:
        """How points are earned in this tenant, oldest rule first."""
        return respond(call("points", "list_rules", _query()))

    @idempotent
    @blp.arguments(RuleIn)
    @blp.response(201, RuleOut)
    @blp.doc(**RETRY_SAFE)
    def post(self, _body_in: dict[str, object]) -> Response:
        """Add an earning rule (staff), e.g. a first-aid session attended → 20 points, at most 40 a day."""
        return respond(call("points", "create_rule", _body()), 201)


@blp.route("/rules/<rule_id>")
class Rule(MethodView):
    @blp.arguments(partial_schema(RuleIn))
    @blp.response(200, RuleOut)
    def patch(self, _body_in: dict[str, object], rule_id: str) -> Response:
        """Change or deactivate a rule (staff)."""
        return respond(call("points", "update_rule", rule_id, _body()))


@blp.route("/honour-board")
class HonourBoard(MethodView):
    @blp.arguments(BoardQuery, location="query")
    @blp.response(200, BoardOut)
    def get(self, _query_in: dict[str, object]) -> Response:
        """The honour board (好人榜) of this tenant by week, month, year or all time, optionally by category."""
        return respond(call("points", "honour_board", _query()))


# --- expiry ----------------------------------------------------------------------------


@blp.route("/expiry-pauses")
class ExpiryPauses(MethodView):
    @blp.arguments(PauseQuery, location="query")
    @blp.response(200, PauseList)
    def get(self, _query_in: dict[str, object]) -> Response:
        """Expiry pauses (staff: anyone's; residents: their own)."""
        return respond(call("points", "list_pauses", _query()))

    @idempotent
    @blp.arguments(PauseIn)
    @blp.response(201, PauseOut)
    @blp.doc(**RETRY_SAFE)
    def post(self, _body_in: dict[str, object]) -> Response:
        """Pause a person's expiry (staff), e.g. over Spring Festival or maternity: their points'
        expiry dates move back by the pause's length."""
        return respond(call("points", "create_pause", _body()), 201)


@blp.route("/housekeeping-runs")
class HousekeepingRuns(MethodView):
    @blp.response(200, RunOut)
    def post(self) -> Response:
        """Run now what runs every minute anyway (staff): voucher timeouts, expiry notices, expiry."""
        return respond(call("points", "run_housekeeping"))


# --- merchants and catalogue -----------------------------------------------------------------


@blp.route("/merchants")
class Merchants(MethodView):
    @blp.arguments(MerchantQuery, location="query")
    @blp.response(200, MerchantList)
    def get(self, _query_in: dict[str, object]) -> Response:
        """Caring merchants (爱心商户) of this tenant and of partners that accept its points."""
        return respond(call("points", "list_merchants", _query()))

    @idempotent
    @blp.arguments(MerchantIn)
    @blp.response(201, MerchantOut)
    @blp.doc(**RETRY_SAFE)
    def post(self, _body_in: dict[str, object]) -> Response:
        """Enrol a caring merchant (staff)."""
        return respond(call("points", "create_merchant", _body()), 201)


@blp.route("/merchants/<merchant_id>")
class MerchantResource(MethodView):
    @blp.response(200, MerchantOut)
    def get(self, merchant_id: str) -> Response:
        """One merchant."""
        return respond(call("points", "get_merchant", merchant_id))

    @blp.arguments(partial_schema(MerchantIn))
    @blp.response(200, MerchantOut)
    def patch(self, _body_in: dict[str, object], merchant_id: str) -> Response:
        """Change a merchant (staff of its tenant), including which partner tenants it accepts."""
        return respond(call("points", "update_merchant", merchant_id, _body()))


@blp.route("/merchants/<merchant_id>/items")
class MerchantItems(MethodView):
    @idempotent
    @blp.arguments(CatalogueItemIn)
    @blp.response(201, CatalogueItemOut)
    @blp.doc(**RETRY_SAFE)
    def post(self, _body_in: dict[str, object], merchant_id: str) -> Response:
        """Add an item to a merchant's catalogue (its operators or staff)."""
        return respond(call("points", "create_item", merchant_id, _body()), 201)


@blp.route("/merchants/<merchant_id>/statement")
class MerchantStatement(MethodView):
    @blp.arguments(MerchantStatementQuery, location="query")
    @blp.response(200, MerchantStatementOut)
    def get(self, _query_in: dict[str, object], merchant_id: str) -> Response:
        """What the merchant received for vouchers, in a period (its operators or staff)."""
        return respond(call("points", "merchant_statement", merchant_id, _query()))


@blp.route("/items/<item_id>")
class Item(MethodView):
    @blp.arguments(partial_schema(CatalogueItemIn))
    @blp.response(200, CatalogueItemOut)
    def patch(self, _body_in: dict[str, object], item_id: str) -> Response:
        """Change an item: price, stock, limit per person, active (its merchant's operators or staff)."""
        return respond(call("points", "update_item", item_id, _body()))


@blp.route("/catalogue")
class Catalogue(MethodView):
    @blp.arguments(CatalogueQuery, location="query")
    @blp.response(200, CatalogueItemList)
    def get(self, _query_in: dict[str, object]) -> Response:
        """What I can redeem my points for."""
        return respond(call("points", "catalogue", _query()))


# --- redemption -----------------------------------------------------------------------------


@blp.route("/redemptions")
class Redemptions(MethodView):
    @blp.arguments(RedemptionQuery, location="query")
    @blp.response(200, RedemptionPage)
    def get(self, _query_in: dict[str, object]) -> Response:
        """My redemptions; with `merchant_id`, those at a merchant I operate."""
        return respond(call("points", "list_redemptions", _query()))

    @idempotent
    @blp.arguments(RedemptionIn)
    @blp.response(201, RedemptionOut)
    @blp.doc(**RETRY_SAFE)
    def post(self, _body_in: dict[str, object]) -> Response:
        """Redeem points for an item: the points are held and a voucher code and QR are shown,
        valid for the tenant's voucher minutes."""
        return respond(call("points", "create_redemption", _body()), 201)


@blp.route("/redemptions/<redemption_id>")
class RedemptionResource(MethodView):
    @blp.response(200, RedemptionOut)
    def get(self, redemption_id: str) -> Response:
        """One redemption (its resident, its merchant, or staff)."""
        return respond(call("points", "get_redemption", redemption_id))


@blp.route("/redemptions/<redemption_id>/cancellation")
class Cancellation(MethodView):
    @idempotent
    @blp.response(200, RedemptionOut)
    @blp.doc(**RETRY_SAFE)
    def post(self, redemption_id: str) -> Response:
        """Cancel a pending voucher: the held points come back."""
        return respond(call("points", "cancel_redemption", redemption_id))


@blp.route("/vouchers/<code>")
class Voucher(MethodView):
    @blp.response(200, RedemptionOut)
    def get(self, code: str) -> Response:
        """Preview a voucher after scanning or typing its code (the merchant), before confirming."""
        return respond(call("points", "preview_voucher", code))


@blp.route("/vouchers/<code>/confirmation")
class Confirmation(MethodView):
    @idempotent
    @blp.response(200, RedemptionOut)
    @blp.doc(**RETRY_SAFE)
    def post(self, code: str) -> Response:
        """Confirm a voucher (the merchant): the held points settle to the merchant's account."""
        return respond(call("points", "confirm_voucher", code))


# --- agreements, figures, the check --------------------------------------------------------------


@blp.route("/agreements")
class Agreements(MethodView):
    @blp.response(200, AgreementList)
    def get(self) -> Response:
        """Cross-tenant acceptance agreements: our consent, the partner's, and whether each is in force."""
        return respond(call("points", "list_agreements"))


@blp.route("/agreements/<partner_tenant_id>")
class Agreement(MethodView):
    @blp.arguments(AgreementIn)
    @blp.response(200, AgreementOut)
    def put(self, _body_in: dict[str, object], partner_tenant_id: str) -> Response:
        """Consent to (or withdraw from) cross-tenant acceptance with a partner tenant (staff, tenant admin).
        In force only while both tenants consent."""
        return respond(call("points", "set_agreement", partner_tenant_id, _body()))


@blp.route("/figures")
class Figures(MethodView):
    @blp.response(200, FiguresOut)
    def get(self) -> Response:
        """This tenant's issued, reversed, redeemed, expired, held and outstanding points (staff)."""
        return respond(call("points", "figures"))


@blp.route("/figures/all-tenants")
class AllFigures(MethodView):
    @blp.response(200, AllFiguresOut)
    def get(self) -> Response:
        """The same figures for every tenant (the sub-district operator)."""
        return respond(call("points", "figures_all_tenants"))


@blp.route("/ledger-check")
class LedgerCheck(MethodView):
    @blp.response(200, LedgerCheckOut)
    def get(self) -> Response:
        """Prove the tenant's ledger: balances equal entries, postings sum to zero, lots equal balances (staff)."""
        return respond(call("points", "check_ledger"))
