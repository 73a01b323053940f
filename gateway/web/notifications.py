"""Notifications on the pages (issue 18): the short link `/n/<code>`, the inbox, the unread badge in every signed-in
page's header, the person's notification settings with "enable push", the service worker `/sw.js`, and for staff
the broadcasts and the deliveries (figures, dead letters, retry).

Everything goes through the notifications service (gateway.services.call), as the API does. The badge is the one
part that may not answer: a page renders without it rather than fail.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, g, redirect, render_template, request, send_from_directory, url_for
from flask.typing import ResponseReturnValue

from gateway import messages
from gateway.auth import require_principal
from gateway.messages import BROADCAST_GROUPS
from gateway.services import call
from gateway.web import blp, forms
from gateway.web.resident import section
from services.common.access import STAFF_ROLES
from services.common.errors import FengchaoError
from services.common.logging import get_logger

log = get_logger(__name__)

# Outside /web: the short link that leaves the platform in a text message or a push notification, and the service
# worker, which must be served from the site's root to control the pages under it.
root = Blueprint("notifications_root", __name__)

# The badge asks quickly: a slow notifications service must not slow every page.
BADGE_TIMEOUT_S = 2.0

# A staff broadcast's groups: every member, or a group an owning service answers by `audience(group, ref)`.
GROUPS = BROADCAST_GROUPS.values
BROADCAST_CHANNELS = ("inbox", "sms", "push")
BROADCAST_FIELDS = ("group", "ref", "title", "body", "channels")
DELIVERY_STATUSES = ("dead", "failed", "held", "queued", "sent")


# --- the badge ------------------------------------------------------------------------------------------------


def unread_count() -> int | None:
    """The signed-in person's unread messages, asked once per request; None (no badge) when nobody is signed in
    or the notifications service does not answer."""
    if "unread_count" in g:
        found: int | None = g.unread_count
        return found
    g.unread_count = None
    if g.get("principal") is None:
        return None
    try:
        g.unread_count = int(call("notifications", "unread_count", timeout=BADGE_TIMEOUT_S)["unread"])
    except Exception as error:  # any failure: the page renders without the badge
        log.warning("web.unread_badge_unavailable", error=repr(error)[:200])
    badge: int | None = g.unread_count
    return badge


# --- the short link ----------------------------------------------------------------------------------------------


@root.get("/n/<code>")
def short_link(code: str) -> ResponseReturnValue:
    """The link in a text message or push notification: the page under /web does the rest (signing in first)."""
    return redirect(url_for("web.open_message", code=code))


def _safe_target(link: str | None) -> str:
    """Where a message's link sends the browser: its path on this site, whatever host the link names (the
    platform's base address may differ from the one the person reached), so a link never leaves the site;
    anything that is not a web address goes to the inbox."""
    if link and "\\" not in link:
        parts = urlsplit(link)
        if parts.scheme in ("", "http", "https") and parts.path.startswith("/") and not parts.path.startswith("//"):
            return parts.path + (f"?{parts.query}" if parts.query else "") \
                + (f"#{parts.fragment}" if parts.fragment else "")
    return url_for("web.inbox")


@blp.get("/n/<code>")
def open_message(code: str) -> ResponseReturnValue:
    """Open a message by its short code: marks it read and goes to the page where the person acts. Only the
    person's own code opens (someone else's is not found); signed out, the sign-in page comes first."""
    require_principal()
    opened = call("notifications", "open_link", code)
    return redirect(_safe_target(opened.get("link")))


# --- the inbox ------------------------------------------------------------------------------------------------------


@blp.get("/inbox")
def inbox() -> ResponseReturnValue:
    require_principal()
    unread_only = request.args.get("unread_only") in ("1", "true", "on")
    query = forms.compact({"after": request.args.get("after") or None, "unread_only": unread_only or None})
    page = call("notifications", "inbox", query)
    return render_template("web/inbox.html", page=page, unread_only=unread_only,
                           marked=request.args.get("marked"))


@blp.post("/inbox/<message_id>/read")
def mark_read(message_id: str) -> ResponseReturnValue:
    require_principal()
    call("notifications", "mark_read", message_id)
    return redirect(url_for("web.inbox"))


@blp.post("/inbox/read-all")
def mark_all_read() -> ResponseReturnValue:
    require_principal()
    marked = call("notifications", "mark_all_read")
    return redirect(url_for("web.inbox", marked=marked.get("marked", 0)))


# --- settings -------------------------------------------------------------------------------------------------------

SETTINGS_FIELDS = ("quiet_hours", "time_zone", "digest", "kinds")
TIME_ZONES = messages.TIME_ZONES.values


@blp.get("/settings/notifications")
def notification_settings() -> ResponseReturnValue:
    require_principal()
    return _settings_page(call("notifications", "get_preferences"), {}, None, saved=request.args.get("saved") == "1")


def _settings_page(preferences: dict[str, Any], errors: dict[str, list[str]], general: str | None,
                   status: int = 200, saved: bool = False) -> tuple[str, int]:
    push = section(lambda: call("notifications", "vapid_public_key"))
    zones = list(TIME_ZONES)
    if preferences.get("time_zone") and preferences["time_zone"] not in zones:
        zones.insert(0, preferences["time_zone"])
    return render_template("web/notification_settings.html", preferences=preferences, errors=errors,
                           general=general, saved=saved, time_zones=zones,
                           vapid_key=(push["data"] or {}).get("key")), status


def _preferences_from(form: forms.Form, kinds: list[dict[str, Any]]) -> dict[str, Any]:
    """The posted form as the service's preferences: every kind shown, with its two switches; an unchecked box
    is off (HTML sends nothing for it)."""
    return {
        "quiet_hours": {"start": forms.text(form, "quiet_start") or "", "end": forms.text(form, "quiet_end") or ""},
        "time_zone": forms.text(form, "time_zone") or "",
        "digest": {"enabled": forms.boolean(form, "digest_enabled"), "hour": forms.integer(form, "digest_hour")},
        "kinds": [{"kind": k["kind"], "channels": {"sms": forms.boolean(form, f"sms__{k['kind']}"),
                                                   "push": forms.boolean(form, f"push__{k['kind']}")}}
                  for k in kinds],
    }


@blp.post("/settings/notifications")
def save_notification_settings() -> ResponseReturnValue:
    require_principal()
    current = call("notifications", "get_preferences")
    payload = _preferences_from(request.form, current.get("kinds") or [])
    try:
        call("notifications", "update_preferences", payload)
    except FengchaoError as refused:
        if refused.status == 401:
            raise
        errors, general = forms.field_errors(refused, SETTINGS_FIELDS)
        shown = {**current, **{k: v for k, v in payload.items() if k != "kinds"},
                 "kinds": [{**k, "channels": {**k.get("channels", {}), **p["channels"]}}
                           for k, p in zip(current.get("kinds") or [], payload["kinds"], strict=True)]}
        return _settings_page(shown, errors, general, refused.status)
    return redirect(url_for("web.notification_settings", saved=1))


@blp.post("/settings/notifications/push")
def subscribe_push() -> ResponseReturnValue:
    """The browser's push subscription, posted by static/push.js as a form field (the page's form token
    guards it as any form's)."""
    require_principal()
    try:
        subscription = json.loads(request.form.get("subscription") or "")
    except ValueError:
        subscription = None
    if not isinstance(subscription, dict):
        return Response(json.dumps({"error": "subscription"}), status=400, mimetype="application/json")
    payload = forms.compact({"endpoint": subscription.get("endpoint"), "keys": subscription.get("keys"),
                             "user_agent": (request.user_agent.string or "")[:300] or None})
    try:
        created = call("notifications", "subscribe_push", payload)
    except FengchaoError as refused:
        if refused.status == 401:
            raise
        return Response(json.dumps({"error": refused.code, "detail": refused.detail}, ensure_ascii=False),
                        status=refused.status, mimetype="application/json")
    return Response(json.dumps({"id": created.get("id")}), status=201, mimetype="application/json")


@root.get("/sw.js")
def service_worker() -> ResponseReturnValue:
    """The service worker, at the root so it may control every page (`Service-Worker-Allowed: /`)."""
    response = send_from_directory(current_app.static_folder or "static", "sw.js", mimetype="application/javascript",
                                   max_age=0)
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    return response


# --- staff: broadcasts ---------------------------------------------------------------------------------------------


def _broadcast_payload(form: forms.Form) -> dict[str, Any]:
    return {"group": forms.text(form, "group") or "", "ref": forms.text(form, "ref"),
            "title": forms.text(form, "title") or "", "body": forms.text(form, "body") or "",
            "channels": [c for c in BROADCAST_CHANNELS if c == "inbox" or form.get(f"channel_{c}")]}


def _broadcasts_page(values: dict[str, Any], errors: dict[str, list[str]], general: str | None, status: int = 200,
                     preview: dict[str, Any] | None = None, sent: str | None = None) -> tuple[str, int]:
    after = request.args.get("after") if request.method == "GET" else None
    broadcasts = call("notifications", "list_broadcasts", forms.compact({"after": after}))
    return render_template("web/staff_broadcasts.html", groups=GROUPS, channels=BROADCAST_CHANNELS,
                           broadcasts=broadcasts, values=values, errors=errors, general=general, preview=preview,
                           idempotency_key=uuid.uuid4().hex, sent=sent), status


@blp.get("/staff/broadcasts")
def staff_broadcasts() -> ResponseReturnValue:
    require_principal(*STAFF_ROLES)
    return _broadcasts_page({"group": "community", "channels": ["inbox", "push"]}, {}, None,
                            sent=request.args.get("sent"))


@blp.post("/staff/broadcasts/preview")
def preview_broadcast() -> ResponseReturnValue:
    """Step one: how many people, by which channel; nothing is sent."""
    require_principal(*STAFF_ROLES)
    payload = _broadcast_payload(request.form)
    try:
        preview = call("notifications", "preview_broadcast", payload)
    except FengchaoError as refused:
        if refused.status == 401:
            raise
        errors, general = forms.field_errors(refused, BROADCAST_FIELDS)
        return _broadcasts_page(payload, errors, general, refused.status)
    return _broadcasts_page(payload, {}, None, preview=preview)


@blp.post("/staff/broadcasts")
def send_broadcast() -> ResponseReturnValue:
    """Step two: send what was previewed. The form's key makes a double tap (or a resent form) send once."""
    principal = require_principal(*STAFF_ROLES)
    payload = _broadcast_payload(request.form)
    key = forms.text(request.form, "idempotency_key") or uuid.uuid4().hex
    payload["idempotency_key"] = hashlib.sha256(f"{principal.subject}\n{key}".encode()).hexdigest()
    try:
        created = call("notifications", "send_broadcast", payload)
    except FengchaoError as refused:
        if refused.status == 401:
            raise
        errors, general = forms.field_errors(refused, BROADCAST_FIELDS)
        return _broadcasts_page(payload, errors, general, refused.status)
    return redirect(url_for("web.staff_broadcasts", sent=created.get("recipients", 0)))


# --- staff: deliveries ----------------------------------------------------------------------------------------------


@blp.get("/staff/deliveries")
def staff_deliveries() -> ResponseReturnValue:
    require_principal(*STAFF_ROLES)
    status = request.args.get("status") or "dead"
    if status not in DELIVERY_STATUSES:
        status = "dead"
    query = forms.compact({"status": status, "after": request.args.get("after") or None})
    return render_template("web/staff_deliveries.html", figures=section(lambda: call("notifications", "figures")),
                           deliveries=call("notifications", "deliveries", query), status=status,
                           statuses=DELIVERY_STATUSES, retried=request.args.get("retried"))


@blp.post("/staff/deliveries/<delivery_id>/retry")
def retry_delivery(delivery_id: str) -> ResponseReturnValue:
    require_principal(*STAFF_ROLES)
    call("notifications", "retry_delivery", delivery_id)
    return redirect(url_for("web.staff_deliveries", status=request.form.get("status") or "dead", retried=1))
