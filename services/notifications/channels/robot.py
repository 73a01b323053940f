"""A tenant's staff-team group robot through apprise: the address is the robot's apprise URL, set by a
tenant admin:

- WeCom (企业微信) group robot: `wecombot://<key>` → https://qyapi.weixin.qq.com/cgi-bin/webhook/send
- DingTalk (钉钉) robot: `dingtalk://<token>` or, with signing, `dingtalk://<secret>@<token>`
  → https://oapi.dingtalk.com/robot/send
- Feishu (飞书) bot: `feishu://<token>` → https://open.feishu.cn/open-apis/bot/v2/hook/<token>

Only these schemes are accepted: every one posts to its vendor's fixed host, so a tenant admin cannot make
the platform post to an address of their choosing (an apprise `json://` URL could reach inside the
platform's network). The robots take plain text: the title on the first line, then the body, then the link.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from services.notifications.channels import DeliveryFailed, Outgoing
from services.notifications.channels._apprise import notify, plugin, redacted

ROBOT_SCHEMES = ("wecombot", "dingtalk", "feishu")


def check_robot_url(url: str) -> str:
    """The URL, stripped, when it is a robot URL of an accepted scheme that apprise understands; else
    ValueError with what is wrong (for the tenant admin's form)."""
    url = url.strip()
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ROBOT_SCHEMES:
        raise ValueError(f"a team robot URL starts with {', '.join(s + '://' for s in ROBOT_SCHEMES)}")
    if plugin(url) is None:
        raise ValueError(f"not a valid {scheme}:// robot URL")
    return url


def redact_robot_url(url: str) -> str:
    """The URL with its key or token hidden, to show a tenant admin which robot is set."""
    return redacted(url)


def robot_text(outgoing: Outgoing) -> str:
    lines = [outgoing.title.strip(), outgoing.body.strip()]
    if outgoing.link and outgoing.link not in outgoing.body:
        lines.append(outgoing.link)
    return "\n".join(line for line in lines if line)


class RobotChannel:
    name = "robot"

    def send(self, outgoing: Outgoing) -> None:
        try:
            url = check_robot_url(outgoing.address)
        except ValueError as error:
            raise DeliveryFailed(f"team robot: {error}", permanent=True) from error
        notify(url, body=robot_text(outgoing), title="", what=f"{urlsplit(url).scheme} robot")
