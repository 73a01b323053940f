"""The notifications service's words, as codes: one title and one body per message kind (the body is
SMS-length, at most 70 characters with the short link `%(link)s`), the kinds and channels as shown to
people, and the messages of its refusals. English here; the Chinese in services/notifications/translations.

Rights-desk messages (`case_update`) say only that there is a new message: what a case is about never
leaves the platform in an SMS, a push notification or a robot's chat."""

from __future__ import annotations

from services.common.messages import Message, choice, enumeration, message

# --- the templates: kind -> (title, body) ------------------------------------------------------

TEMPLATES: dict[str, tuple[Message, Message]] = {
    "vote_opened": (message("notifications.vote_opened.title", "A vote has opened"),
                    message("notifications.vote_opened.body", "A community vote is open: %(link)s")),
    "vote_closing": (message("notifications.vote_closing.title", "A vote closes soon"),
                     message("notifications.vote_closing.body", "A vote closes soon. Vote: %(link)s")),
    "vote_result": (message("notifications.vote_result.title", "A vote has closed"),
                    message("notifications.vote_result.body", "A vote has closed. Result: %(link)s")),
    "council_session_invited": (
        message("notifications.council_session_invited.title", "Council meeting"),
        message("notifications.council_session_invited.body", "You are invited to a meeting: %(link)s")),
    "council_session_reminder": (
        message("notifications.council_session_reminder.title", "Meeting tomorrow"),
        message("notifications.council_session_reminder.body", "Council meeting tomorrow: %(link)s")),
    "voice_answered": (message("notifications.voice_answered.title", "Your voice was answered"),
                       message("notifications.voice_answered.body", "Your voice got a reply: %(link)s")),
    "duty_tomorrow": (message("notifications.duty_tomorrow.title", "Duty tomorrow"),
                      message("notifications.duty_tomorrow.body", "You are on duty tomorrow: %(link)s")),
    "waitlist_promoted": (message("notifications.waitlist_promoted.title", "You have a place"),
                          message("notifications.waitlist_promoted.body", "A place opened, you are in: %(link)s")),
    "class_tomorrow": (message("notifications.class_tomorrow.title", "Class tomorrow"),
                       message("notifications.class_tomorrow.body", "Your class is tomorrow: %(link)s")),
    "class_moved": (message("notifications.class_moved.title", "Class moved"),
                    message("notifications.class_moved.body", "Your class has moved: %(link)s")),
    "class_cancelled": (message("notifications.class_cancelled.title", "Class cancelled"),
                        message("notifications.class_cancelled.body", "Your class is cancelled: %(link)s")),
    "certificate_issued": (message("notifications.certificate_issued.title", "Certificate issued"),
                           message("notifications.certificate_issued.body", "Your certificate is ready: %(link)s")),
    "application_progressed": (
        message("notifications.application_progressed.title", "Job application update"),
        message("notifications.application_progressed.body", "Your job application moved on: %(link)s")),
    "wage_follow_up": (message("notifications.wage_follow_up.title", "Were you paid?"),
                       message("notifications.wage_follow_up.body", "Tell us if you were paid: %(link)s")),
    "case_update": (message("notifications.case_update.title", "You have a new message"),
                    message("notifications.case_update.body", "You have a new message: %(link)s")),
    "fair_tomorrow": (message("notifications.fair_tomorrow.title", "Job fair tomorrow"),
                      message("notifications.fair_tomorrow.body", "The job fair is tomorrow: %(link)s")),
    "points_awarded": (message("notifications.points_awarded.title", "Points received"),
                       message("notifications.points_awarded.body", "You received %(amount)s points: %(link)s")),
    "points_expiring": (message("notifications.points_expiring.title", "Points expiring"),
                        message("notifications.points_expiring.body", "%(amount)s points expire soon: %(link)s")),
    "voucher_expiring": (message("notifications.voucher_expiring.title", "Voucher expiring"),
                         message("notifications.voucher_expiring.body", "Your voucher expires soon: %(link)s")),
    "award_awaiting_approval": (
        message("notifications.award_awaiting_approval.title", "An award waits for approval"),
        message("notifications.award_awaiting_approval.body", "An award waits for approval: %(link)s")),
    # the staff's daily summary of new voice items (title and body together fit one SMS with the link)
    "voice_items_today": (
        message("notifications.voice_items_today.title", "Voice desk"),
        message("notifications.voice_items_today.body", "%(count)s new voice items today %(link)s")),
    # a staff broadcast: the title and body are the staff member's own words; only the link is added
    "broadcast": (message("notifications.broadcast.title", "Notice from the community"),
                  message("notifications.broadcast.body", "Notice from the community: %(link)s")),
    # the daily digest folding a person's non-urgent SMS and push of the day into one
    "digest": (message("notifications.digest.title", "Your daily summary"),
               message("notifications.digest.body", "You have %(count)s new messages: %(link)s")),
}

# --- enumerations ----------------------------------------------------------------------------

KINDS = enumeration(
    "notifications.kind",
    choice("vote_opened", "A vote opened"),
    choice("vote_closing", "A vote closes soon"),
    choice("vote_result", "A vote's result"),
    choice("council_session_invited", "Invited to a council meeting"),
    choice("council_session_reminder", "A council meeting tomorrow"),
    choice("voice_answered", "My voice answered"),
    choice("duty_tomorrow", "My duty tomorrow"),
    choice("waitlist_promoted", "A place from the waiting list"),
    choice("class_tomorrow", "My class tomorrow"),
    choice("class_moved", "My class moved"),
    choice("class_cancelled", "My class cancelled"),
    choice("certificate_issued", "A certificate issued"),
    choice("application_progressed", "My job application"),
    choice("wage_follow_up", "Were wages paid"),
    choice("case_update", "Rights desk messages"),
    choice("fair_tomorrow", "A job fair tomorrow"),
    choice("points_awarded", "Points received"),
    choice("points_expiring", "Points expiring"),
    choice("voucher_expiring", "A voucher expiring"),
    choice("award_awaiting_approval", "Awards waiting for approval"),
    choice("voice_items_today", "New voice items today"),
    choice("broadcast", "Community notices"),
    choice("digest", "Daily summary"),
)

CHANNELS = enumeration(
    "notifications.channel",
    choice("inbox", "Inbox"),
    choice("sms", "Text message"),
    choice("push", "Push notification"),
    choice("robot", "Team chat robot"),
)

DELIVERY_STATUSES = enumeration(
    "notifications.delivery_status",
    choice("queued", "Waiting to be sent"),
    choice("held", "Held (quiet hours, digest or limit)"),
    choice("sent", "Sent"),
    choice("failed", "Failed, will retry"),
    choice("dead", "Gave up"),
)

# --- messages: why something was refused ------------------------------------------------------

MESSAGE_NOT_FOUND = message("notifications.message_not_found", "Message not found")
LINK_NOT_FOUND = message("notifications.link_not_found", "Link not found")
DELIVERY_NOT_FOUND = message("notifications.delivery_not_found", "Delivery not found")
NOT_RETRYABLE = message("notifications.not_retryable", "Only a failed or given-up delivery can be retried")
UNKNOWN_GROUP = message("notifications.unknown_group", "Unknown group of recipients")
BAD_TIME = message("notifications.bad_time", "A time of day such as 23:00")
BAD_TIME_ZONE = message("notifications.bad_time_zone", "Unknown time zone")
BAD_ROBOT_URL = message("notifications.bad_robot_url",
                        "A robot address such as wecombot://, dingtalk:// or feishu://")
NO_PUSH_KEY = message("notifications.no_push_key", "Push notifications are not set up on this platform")
AUDIENCE_UNAVAILABLE = message("notifications.audience_unavailable",
                               "The recipients could not be found just now; try again")
