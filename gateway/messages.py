"""The gateway's own words, as codes: the messages of the refusals the gateway makes itself (signing in,
tokens and API keys, members, webhooks, idempotency, the services being away). English here; every
language from the catalogue `gateway/translations/<locale>/LC_MESSAGES/gateway.po` (domain `gateway`,
beside flask-babel's `messages`; services.common.messages explains the codes).

Imports nothing but services.common.messages, so any gateway module may read it.
"""

from __future__ import annotations

from services.common.messages import choice, enumeration, message

# --- signing in, tokens, API keys ----------------------------------------------------------------

SIGN_IN_OR_API_KEY = message("gateway.sign_in_or_api_key", "Sign in, or send a partner API key")
PEOPLE_ONLY = message("gateway.people_only", "Only a signed-in person has messages; an API key has none")
USE_BEARER = message("gateway.use_bearer", "Use 'Authorization: Bearer <token>'")
CREDENTIAL_OTHER_TENANT = message("gateway.credential_other_tenant", "The credential is for another tenant")
NEEDS_ROLE = message("gateway.needs_role", "Needs one of the roles: %(roles)s")
WRONG_PHONE_OR_PASSWORD = message("gateway.wrong_phone_or_password", "Wrong phone number or password")
ACCOUNT_DEACTIVATED_ASK = message("gateway.account_deactivated_ask",
                                  "This account is deactivated; ask the sub-district service centre")
NOT_A_MEMBER_OF_TENANT = message("gateway.not_a_member_of_tenant", "You are not a member of this tenant")
TOKEN_EXPIRED = message("gateway.token_expired", "Token expired")
TOKEN_INVALID = message("gateway.token_invalid", "Invalid token: %(reason)s")
TOKEN_WRONG_TYPE = message("gateway.token_wrong_type", "Not an %(expected)s token")
TOKEN_REVOKED = message("gateway.token_revoked", "Token revoked")
ACCOUNT_DEACTIVATED = message("gateway.account_deactivated", "Account deactivated")
MEMBERSHIP_ENDED = message("gateway.membership_ended", "Membership ended")
UNKNOWN_REFRESH_TOKEN = message("gateway.unknown_refresh_token", "Unknown refresh token")
REFRESH_TOKEN_NOT_YOURS = message("gateway.refresh_token_not_yours", "That refresh token is not yours")
INVALID_API_KEY = message("gateway.invalid_api_key", "Invalid API key")
NO_SUCH_API_KEY = message("gateway.no_such_api_key", "No such API key")
KEY_ALREADY_REPLACED = message("gateway.key_already_replaced", "This key was already rotated or revoked")
KEYS_NEED_TENANT_ADMIN = message("gateway.keys_need_tenant_admin",
                                 "Needs the tenant_admin role (a partner may rotate only the key it calls with)")

# --- tenants, people, members -------------------------------------------------------------------

TENANT_EXISTS = message("gateway.tenant_exists", "Tenant %(tenant_id)s exists")
NO_TENANT = message("gateway.no_tenant", "No tenant %(tenant_id)s")
NO_SUCH_TENANT = message("gateway.no_such_tenant", "No such tenant")
NO_SUCH_COMMUNITY = message("gateway.no_such_community", "No such community")
PHONE_ALREADY_REGISTERED = message("gateway.phone_already_registered", "This phone number is already registered")
NO_SUCH_MEMBER = message("gateway.no_such_member", "No such member in this tenant")
ONLY_ROLE = message("gateway.only_role", "That is the member's only role: remove the membership instead")
NO_SUCH_ACCOUNT = message("gateway.no_such_account", "No such account")
NO_SUCH_USER = message("gateway.no_such_user", "No such user")
NO_USER_WITH_PHONE = message("gateway.no_user_with_phone", "No user with that phone number")
NO_SUCH_PERSON = message("gateway.no_such_person", "No such person in this tenant")
ONLY_SIGNED_IN_HAS_ACCOUNT = message("gateway.only_signed_in_has_account", "Only a signed-in person has an account")
ERASE_NEEDS_TENANT_ADMIN = message("gateway.erase_needs_tenant_admin",
                                   "Only a tenant admin can erase staff or another tenant admin")
OWN_AUDIT_LOG_ONLY = message("gateway.own_audit_log_only", "You can read only your own tenant's audit log")
NEEDS_TENANT_ADMIN = message("gateway.needs_tenant_admin", "Needs a tenant admin signed in")
ONLY_OPERATOR_DEACTIVATES = message("gateway.only_operator_deactivates",
                                    "Only the sub-district operator deactivates accounts")
OWN_ADMIN_ROLE = message("gateway.own_admin_role",
                         "You cannot remove your own tenant_admin role; another tenant admin can")
OWN_MEMBERSHIP = message("gateway.own_membership", "You cannot remove your own membership; another tenant admin can")
OWN_ACCOUNT_STATE = message("gateway.own_account_state", "You cannot change your own account's state")
RIGHTS_DESK_ONLY = message("gateway.rights_desk_only", "Only the rights desk and the community's admins")

# field messages
TENANT_ID_FORMAT = message("gateway.tenant_id_format", "3-64 lowercase letters, digits or '-'")
ONE_OF = message("gateway.one_of", "one of %(choices)s")
CHOOSE_FROM = message("gateway.choose_from", "choose from %(choices)s")
CHOOSE_TENANT = message("gateway.choose_tenant", "choose one of: %(choices)s")
NAME_LENGTH = message("gateway.name_length", "1-100 characters")
DISPLAY_NAME_LENGTH = message("gateway.display_name_length", "1-50 characters")
PHONE_FORMAT = message("gateway.phone_format", "an 11-digit mobile number")
PASSWORD_TOO_SHORT = message("gateway.password_too_short", "at least 8 characters")
PASSWORD_TOO_LONG = message("gateway.password_too_long", "at most 128 characters")
PASSWORD_MIX = message("gateway.password_mix", "mix letters and digits")
PASSWORD_HAS_PHONE = message("gateway.password_has_phone", "must not contain your phone number")
PASSWORD_TOO_COMMON = message("gateway.password_too_common",
                              "too common: choose a password that is not on lists of leaked passwords")
PASSWORD_SAME = message("gateway.password_same", "must differ from the current password")
NOT_CURRENT_PASSWORD = message("gateway.not_current_password", "is not your current password")
PARTNER_TENANT_ID = message("gateway.partner_tenant_id", "Enter the partner community's id")

# --- webhooks and inbound events -----------------------------------------------------------------

EVENT_NOT_AN_OBJECT = message("gateway.event_not_an_object", "Expected a CloudEvent JSON object")
EVENT_OTHER_TENANT = message("gateway.event_other_tenant", "The event's tenantid is not the API key's tenant")
EVENT_ID_REUSED = message("gateway.event_id_reused", "This event id was already used with other content")
INBOUND_NEEDS_PARTNER_KEY = message("gateway.inbound_needs_partner_key", "Inbound events need a partner API key")
TOO_MANY_SUBSCRIPTIONS = message("gateway.too_many_subscriptions",
                                 "At most %(limit)s active subscriptions per tenant")
SUBSCRIPTION_NOT_FOUND = message("gateway.subscription_not_found", "Webhook subscription not found")
SUBSCRIPTION_DISABLED = message("gateway.subscription_disabled", "The subscription is disabled")
GRACE_SECONDS_RANGE = message("gateway.grace_seconds_range", "Between 0 and %(highest)s seconds")
SINCE_BEFORE_UNTIL = message("gateway.since_before_until", "Must be before until")
REPLAY_TOO_MANY = message("gateway.replay_too_many", "At most %(limit)s events per replay: narrow the window")
URL_INVALID = message("gateway.url_invalid", "Not a valid URL")
URL_NOT_HTTPS = message("gateway.url_not_https", "Must be an https URL")
URL_HTTPS_UNLESS_LOCAL = message("gateway.url_https_unless_local", "Use https (http only for localhost)")
URL_TOO_LONG = message("gateway.url_too_long", "At most 500 characters")
EVENT_TYPES_EMPTY = message("gateway.event_types_empty", "Choose at least one event type (or \"*\")")
EVENT_TYPES_UNKNOWN = message("gateway.event_types_unknown", "Not in the event catalogue: %(types)s")

# --- fair registrations --------------------------------------------------------------------------

REGISTRATION_STATE = message("gateway.registration_state", "The registration is %(state)s")

# --- the services, the broker, the gateway itself ------------------------------------------------

SERVICE_NOT_RUNNING = message("gateway.service_not_running", "The %(service)s service is not running")
SERVICE_TIMEOUT = message("gateway.service_timeout", "The %(service)s service did not answer within %(seconds)s s")
SERVICE_DATABASE = message("gateway.service_database",
                           "The %(service)s service cannot reach its database; retry shortly")
BROKER_UNREACHABLE = message("gateway.broker_unreachable", "The message broker is unreachable")
BROKER_LOST = message("gateway.broker_lost", "Lost the connection to the message broker")
CONCURRENCY_LIMIT = message("gateway.concurrency_limit", "The gateway is at its concurrency limit; retry shortly")
DATABASE_UNAVAILABLE = message("gateway.database_unavailable", "The gateway's database is unavailable; retry shortly")
INTERNAL = message("gateway.internal", "Something went wrong on our side; it has been logged.")
TEXT_HAS_NUL = message("gateway.text_has_nul", "must not contain NUL (\\u0000) characters")
TEXT_HAS_LONE_SURROGATE = message("gateway.text_has_lone_surrogate",
                                  "must not contain lone surrogates (\\ud800-\\udfff): such text cannot be stored")
FIELDS_INVALID = message("gateway.fields_invalid", "Some fields are invalid")

# --- idempotency ---------------------------------------------------------------------------------

BAD_IDEMPOTENCY_KEY = message("gateway.bad_idempotency_key", "%(header)s must be 1-%(longest)s characters")
IDEMPOTENCY_FAILED_RETRY = message("gateway.idempotency_failed_retry",
                                   "The first request with this key failed; retry now")
IDEMPOTENCY_KEY_REUSED = message("gateway.idempotency_key_reused", "This %(header)s was used for a different request")
IDEMPOTENCY_UNFINISHED = message("gateway.idempotency_unfinished",
                                 "The first request with this key did not finish; retry now")
IDEMPOTENCY_IN_PROGRESS = message("gateway.idempotency_in_progress", "A request with this key is still being processed")

# --- notifications: the groups a staff notice goes to (the pages' choice) ---------------------------------

# `community`, or `<service>.<group>` answered by that service's `audience(group, ref)` (issue 18).
BROADCAST_GROUPS = enumeration(
    "gateway.broadcast_group",
    choice("community", "Everyone in the community"),
    choice("training.class_roster", "A class's participants"),
    choice("training.course_enrolled", "A course's enrolled people"),
    choice("governance.council_members", "A council's members"),
    choice("governance.session_invitees", "A council meeting's invitees"),
    choice("governance.vote_eligible", "A vote's voters"),
    choice("jobs.fair_registrants", "A job fair's registrants"),
    choice("jobs.post_applicants", "A job post's applicants"),
)

# The time zones a person may choose for their quiet hours and daily summary (the notifications settings page).
TIME_ZONES = enumeration(
    "gateway.time_zone",
    choice("Asia/Shanghai", "Beijing time"),
    choice("Asia/Urumqi", "Xinjiang time (Urumqi)"),
    choice("UTC", "Coordinated Universal Time (UTC)"),
)
