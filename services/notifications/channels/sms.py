"""SMS through apprise: the deployment's provider is one apprise URL (NOTIFICATIONS_SMS_URL), e.g.
`json://sms-gateway:8080/send?:phone={phone}` for a generic JSON webhook (apprise's `:key=value` adds a
field to the JSON body; `:message=text` renames one), or a named SMS provider's URL.

The phone number goes where the URL says `{phone}` (URL-quoted); without the placeholder, a generic
webhook (`json://`, `form://`, `xml://`) gets it as a `phone` field of the body, and a named SMS provider
as apprise's `to=` target.

One SMS is at most 70 characters (one UCS-2 segment, the unit Chinese SMS is billed in), counted in
UTF-16 code units as the network does, link included. The text is the body with the short link at its
end (the body may already end with it); when it is longer, the body is cut at a character boundary and
ends with "…", and the link is always kept whole, since it is what the person acts on. A link too long
to fit leaves nothing to send: a permanent failure.
"""

from __future__ import annotations

from urllib.parse import quote

from services.notifications.channels import DeliveryFailed, Outgoing
from services.notifications.channels._apprise import notify

SMS_LIMIT = 70
ELLIPSIS = "…"
PLACEHOLDER = "{phone}"
WEBHOOK_SCHEMES = ("json", "jsons", "form", "forms", "xml", "xmls")


def units(text: str) -> int:
    """Length in UTF-16 code units: a character outside the BMP (an emoji) takes two."""
    return len(text.encode("utf-16-le")) // 2


def fit(body: str, link: str, limit: int = SMS_LIMIT) -> str:
    """`body` and `link` as one SMS of at most `limit` units, the link whole at the end."""
    body = " ".join(body.replace(link, " ").split()) if link else " ".join(body.split())
    text = f"{body} {link}".strip()
    if units(text) <= limit:
        return text
    room = limit - units(link) - units(ELLIPSIS) - (1 if link else 0)
    if room < 0:
        raise DeliveryFailed(f"SMS: the link alone is longer than {limit} characters", permanent=True)
    cut = ""
    for char in body:
        if units(cut + char) > room:
            break
        cut += char
    return f"{cut.rstrip()}{ELLIPSIS} {link}".strip() if link else f"{cut.rstrip()}{ELLIPSIS}"


def provider_url(template: str, phone: str) -> str:
    """The provider URL for one number: `{phone}` filled in; else, for apprise's generic webhooks, a `phone`
    field in the body (`:phone=`); else the named provider's `to=` target."""
    quoted = quote(phone, safe="")
    if PLACEHOLDER in template:
        return template.replace(PLACEHOLDER, quoted)
    scheme = template.split("://", 1)[0].lower()
    target = f":phone={quoted}" if scheme in WEBHOOK_SCHEMES else f"to={quoted}"
    return f"{template}{'&' if '?' in template else '?'}{target}"


class SmsChannel:
    name = "sms"

    def __init__(self, url: str):
        self.url = url.strip()

    def send(self, outgoing: Outgoing) -> None:
        if not self.url:
            raise DeliveryFailed("SMS: no provider is configured (NOTIFICATIONS_SMS_URL is empty)")
        phone = outgoing.address.strip()
        if not phone or not all(c.isdigit() or c in "+- " for c in phone):
            raise DeliveryFailed("SMS: the phone number is not valid", permanent=True)
        text = fit(outgoing.body, outgoing.link)
        notify(provider_url(self.url, phone), body=text, title="", what="SMS provider")
