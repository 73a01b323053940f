"""The staff team's chat robot of a tenant (WeCom, DingTalk, Feishu), set by the tenant admin as an
apprise URL. The URL holds the robot's key, so it is stored and used but never answered back whole:
staff see that one is set, its kind and host only."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from services.common.errors import ValidationFailed
from services.notifications.contracts.messages import BAD_ROBOT_URL
from services.notifications.models import TeamRobot

# apprise schemes of the robots teams use; json(s):// for a self-hosted relay (and the test receiver)
SCHEMES = ("wecombot", "dingtalk", "feishu", "lark", "json", "jsons")


def view(robot: TeamRobot | None) -> dict[str, Any]:
    if robot is None or not robot.url:
        return {"configured": False, "scheme": None, "url_hint": None, "updated_at": None}
    parts = urlsplit(robot.url)
    return {"configured": True, "scheme": parts.scheme, "url_hint": f"{parts.scheme}://{_host(parts.netloc)}/…",
            "updated_at": robot.updated_at}


def _host(netloc: str) -> str:
    host = netloc.rsplit("@", 1)[-1]
    return host[:4] + "…" if len(host) > 12 else host  # a WeCom key may sit where the host is


def get(session: Session) -> TeamRobot | None:
    return session.get(TeamRobot, session.info["tenant_id"])


def set_url(*, session: Session, url: str, actor: str, now: datetime) -> TeamRobot | None:
    """Set (or with "" remove) the tenant's robot URL."""
    robot = get(session)
    if not url.strip():
        if robot is not None:
            session.delete(robot)
            session.flush()
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in SCHEMES or not parts.netloc:
        raise ValidationFailed.from_messages({"url": [BAD_ROBOT_URL]})
    if robot is None:
        robot = TeamRobot(url=url.strip())
        session.add(robot)
    robot.url, robot.updated_by, robot.updated_at = url.strip(), actor, now
    session.flush()
    return robot
