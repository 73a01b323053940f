"""The staff team's chat robot of a tenant (WeCom, DingTalk, Feishu), set by the tenant admin as an
apprise URL. The URL holds the robot's key, so it is stored and used but never answered back whole:
staff see that one is set, its kind and host only."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from services.common.errors import ValidationFailed
from services.notifications.channels.robot import ROBOT_SCHEMES, check_robot_url, redact_robot_url
from services.notifications.contracts.messages import BAD_ROBOT_URL
from services.notifications.models import TeamRobot

# the robots' apprise schemes (the robot channel's): each posts to its vendor's fixed host only
SCHEMES = ROBOT_SCHEMES


def view(robot: TeamRobot | None) -> dict[str, Any]:
    if robot is None or not robot.url:
        return {"configured": False, "scheme": None, "url_hint": None, "updated_at": None}
    return {"configured": True, "scheme": urlsplit(robot.url).scheme, "url_hint": redact_robot_url(robot.url),
            "updated_at": robot.updated_at}


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
    try:
        url = check_robot_url(url)
    except ValueError:
        raise ValidationFailed.from_messages({"url": [BAD_ROBOT_URL]}) from None
    if robot is None:
        robot = TeamRobot(url=url)
        session.add(robot)
    robot.url, robot.updated_by, robot.updated_at = url, actor, now
    session.flush()
    return robot
