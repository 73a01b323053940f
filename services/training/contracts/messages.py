"""What the training service says to people, as codes (services.common.messages): the messages of its
errors and the enumerated values it shows (kinds of course, formats, target groups, statuses…). The words in
a person's language come from the catalogue `services/training/translations` at the edge."""

from __future__ import annotations

from services.common.messages import choice, enumeration, message

# --- enumerations ---------------------------------------------------------------------------------------------

COURSE_KINDS = enumeration(
    "training.course_kind",
    choice("vocational", "Vocational skills"),
    choice("certificate", "Certificate course"),
    choice("cultural", "Cultural class"),
    choice("first_aid", "First aid"),
    choice("children_camp", "Children's camp"),
)

COURSE_FORMATS = enumeration(
    "training.course_format",
    choice("in_person", "In person"),
    choice("night_school", "Night school"),
    choice("online", "Online"),
    choice("master_class", "Master class"),
)

TARGET_GROUPS = enumeration(
    "training.target_group",
    choice("courier", "Couriers"),
    choice("gig_worker", "Gig workers"),
    choice("full_time_mother", "Full-time mothers"),
    choice("older_job_seeker", "Older job seekers"),
    choice("veteran", "Veterans"),
    choice("taxi_driver", "Taxi drivers"),
    choice("party_member", "Party members"),
    choice("floating_party_member", "Floating party members"),
)

LANGUAGES = enumeration(
    "training.language",
    choice("zh", "Taught in Chinese"),
    choice("en", "Taught in English"),
    choice("zh-en", "Taught in Chinese and English"),
)

# The 12 categories of free vocational courses, in their order. Migration 0002 seeds a frozen copy (ids,
# Chinese and English names); tests/unit/training/test_catalogue.py keeps the two equal.
CATEGORIES = enumeration(
    "training.category",
    choice("beauty", "Beauty and hairdressing"),
    choice("cooking", "Chinese cooking"),
    choice("pastry", "Chinese pastry"),
    choice("photography", "Photography and video"),
    choice("online_shop", "Online-shop operation"),
    choice("livestream", "Live-stream selling"),
    choice("crafts", "Handicrafts and weaving"),
    choice("housekeeping", "Housekeeping"),
    choice("infant_care", "Infant care"),
    choice("elder_care", "Elderly care"),
    choice("logistics", "Courier and logistics"),
    choice("digital_skills", "Computer and smartphone skills"),
)

COURSE_STATUSES = enumeration(
    "training.course_status",
    choice("draft", "Draft course"),
    choice("published", "Published course"),
    choice("withdrawn", "Course withdrawn"),
)

SESSION_STATUSES = enumeration(
    "training.session_status",
    choice("open", "Open for enrolment"),
    choice("closed", "Class finished"),
)

ENROLMENT_STATUSES = enumeration(
    "training.enrolment_status",
    choice("enrolled", "Place taken"),
    choice("waitlisted", "On the waitlist"),
    choice("cancelled", "Enrolment cancelled"),
)

OUTCOMES = enumeration(
    "training.outcome",
    choice("completed", "Course completed"),
    choice("not_completed", "Course not completed"),
)

# Why a participant did not complete a course (the `reasons` of a closed session's results).
COMPLETION_REASONS = enumeration(
    "training.completion_reason",
    choice("no_meetings_held", "No class was held"),
    choice("attendance_below_minimum", "Attended too few classes"),
    choice("exam_below_pass_mark", "Exam score below the pass mark"),
)

ATTENDANCE_METHODS = enumeration(
    "training.attendance_method",
    choice("staff", "Marked by staff"),
    choice("qr", "Scanned the QR code"),
    choice("walk_in", "Walk-in"),
)

CERTIFICATE_STATUSES = enumeration(
    "training.certificate_status",
    choice("valid", "Certificate valid"),
    choice("expired", "Certificate expired"),
    choice("revoked", "Certificate revoked"),
)

# Why staff cancelled a class (the `reason` of the `class_cancelled` event and of `cancel_meeting`).
CLASS_CANCEL_REASONS = enumeration(
    "training.class_cancel_reason",
    choice("weather", "Bad weather"),
    choice("mentor_unavailable", "The teacher cannot come"),
    choice("venue_unavailable", "The venue is not available"),
    choice("too_few_participants", "Too few participants"),
    choice("holiday", "Public holiday"),
    choice("other", "Other reasons"),
)

# The groups of people `training.audience(group, ref)` answers (the notifications service's broadcasts
# name them as "training.<group>").
AUDIENCE_GROUPS = enumeration(
    "training.audience_group",
    choice("class_roster", "Participants of a class session"),
    choice("course_enrolled", "Everyone enrolled in the course"),
)


# --- messages: who may --------------------------------------------------------------------------------------

HOST_STAFF_ONLY = message("training.host_staff_only", "Only staff of the tenant running this course")
TEACHERS_ONLY = message("training.teachers_only", "Only the session's mentor and the host's staff")
EXAMINER_ONLY = message("training.examiner_only", "Only the examiner enters scores")
CANCEL_OWN_ONLY = message("training.cancel_own_only", "You can only cancel your own enrolment")
ATTENDEES_RATE_ONLY = message("training.attendees_rate_only",
                              "Only participants who attended can rate this session")
NO_MENTOR_PROFILE = message("training.no_mentor_profile", "You have no mentor profile")
NOT_ENROLLED_HERE = message("training.not_enrolled_here", "You are not enrolled in this course; ask the staff")

# --- messages: not found ------------------------------------------------------------------------------------

COURSE_NOT_FOUND = message("training.course_not_found", "Course not found")
SESSION_NOT_FOUND = message("training.session_not_found", "Session not found")
MEETING_NOT_FOUND = message("training.meeting_not_found", "Meeting not found")
ENROLMENT_NOT_FOUND = message("training.enrolment_not_found", "Enrolment not found")
MENTOR_NOT_FOUND = message("training.mentor_not_found", "Mentor not found")
CERTIFICATE_NOT_FOUND = message("training.certificate_not_found", "Certificate not found")
NO_SUCH_CERTIFICATE = message("training.no_such_certificate", "No certificate with this code")

# --- messages: the state does not allow it -------------------------------------------------------------------

COURSE_WITHDRAWN = message("training.course_withdrawn", "The course was withdrawn")
COURSE_ALREADY_WITHDRAWN = message("training.course_already_withdrawn", "The course was already withdrawn")
KIND_FIXED = message("training.kind_fixed", "A published course cannot change its kind")
COURSE_NOT_OPEN = message("training.course_not_open", "The course is not open for enrolment")
SESSION_CLOSED = message("training.session_closed", "The session is closed")
SESSION_ALREADY_CLOSED = message("training.session_already_closed", "The session is already closed")
OUTSIDE_ENROLMENT_WINDOW = message("training.outside_enrolment_window", "Outside the enrolment window")
ALREADY_ENROLLED = message("training.already_enrolled", "Already enrolled in this session")
SESSION_FULL = message("training.session_full", "Session full")
ALREADY_CANCELLED = message("training.already_cancelled", "This enrolment is already cancelled")
NO_EXAM = message("training.no_exam", "This course has no exam")
NOT_AN_ENROLLED_PARTICIPANT = message("training.not_an_enrolled_participant", "Not an enrolled participant")
EXAM_SCORES_MISSING = message("training.exam_scores_missing", "Exam scores are missing")
MEETING_NOT_STARTED = message("training.meeting_not_started", "The meeting has not started")
CHECKIN_CLOSED = message("training.checkin_closed", "Check-in is not open now")
CERTIFICATE_ALREADY_REVOKED = message("training.certificate_already_revoked", "The certificate is already revoked")
MENTOR_PROFILE_EXISTS = message("training.mentor_profile_exists", "This mentor already has a profile")
ALREADY_RATED = message("training.already_rated", "You already rated this session")
MEETING_CANCELLED = message("training.meeting_cancelled", "This class was cancelled")
MEETING_ALREADY_CANCELLED = message("training.meeting_already_cancelled", "This class is already cancelled")
MEETING_ALREADY_BEGUN = message("training.meeting_already_begun", "This class has already begun")

# --- messages: a field is wrong (sent as field messages, translated at the edge) ------------------------------

NOTHING_TO_CHANGE = message("training.nothing_to_change", "Nothing to change")
UNKNOWN_CATEGORY = message("training.unknown_category", "Unknown category; see GET /categories")
PASS_MARK_REQUIRED = message("training.pass_mark_required", "A certificate course needs a pass mark")
CERTIFICATE_NAME_REQUIRED = message("training.certificate_name_required",
                                    "A certificate course needs a certificate name")
AGE_RANGE_REQUIRED = message("training.age_range_required", "A children's camp needs min_age and max_age")
AGE_RANGE_ORDER = message("training.age_range_order", "max_age must be at least min_age")
ONLINE_URL_REQUIRED = message("training.online_url_required", "An online course needs online_url")
UNKNOWN_MENTOR = message("training.unknown_mentor", "Unknown mentor")
CHILD_REQUIRED = message("training.child_required", "Enrol a child for the camp")
CHILD_AGE_OUTSIDE = message("training.child_age_outside",
                            "This camp takes children aged %(lowest)s–%(highest)s")
CHILDREN_CAMP_ONLY = message("training.children_camp_only", "Only a children's camp takes children")
NOT_FOR_YOUR_GROUPS = message("training.not_for_your_groups", "This course is for other groups of people")
CHECKIN_CODE_INVALID = message("training.checkin_code_invalid", "Invalid check-in code")
CHECKIN_CODE_EXPIRED = message("training.checkin_code_expired",
                               "Check-in code expired; scan the code on screen now")
NOT_PARTICIPANTS = message("training.not_participants", "Not an enrolled participant of this course")
BAD_CERTIFICATE_CODE = message("training.bad_certificate_code", "This is not a valid certificate code")
NOT_A_TENANT_ID = message("training.not_a_tenant_id", "Not a tenant id")
HTTPS_LINK = message("training.https_link", "An https link")
TENANTS_OR_EVERYONE = message("training.tenants_or_everyone", "Name tenants or choose everyone, not both")
ENDS_BEFORE_START = message("training.ends_before_start", "must end after it starts")
ENROLMENT_CLOSES_BEFORE_OPENING = message("training.enrolment_closes_before_opening",
                                          "must be after enrol_opens_at")
NO_MEETINGS = message("training.no_meetings", "schedule at least one meeting (meetings or series)")
VENUE_OR_LINK = message("training.venue_or_link", "give a venue or an online_url")
NAME_REQUIRED = message("training.name_required", "Enter your name")
MARK_SOMEONE = message("training.mark_someone", "Mark at least one person")
MOVE_INTO_THE_PAST = message("training.move_into_the_past", "A class cannot be moved into the past")
UNKNOWN_AUDIENCE_GROUP = message("training.unknown_audience_group",
                                 "Unknown group; one of: class_roster, course_enrolled")

# --- the printed certificate (certificate_pdf.py sets each line in Chinese and English) ----------------------

CERTIFICATE_CERTIFY = message("training.certificate_certify", "This is to certify that")
CERTIFICATE_COMPLETED = message("training.certificate_completed",
                                'has completed the course "%(course)s" and passed its assessment')
CERTIFICATE_EXAM_SCORE = message("training.certificate_exam_score", "Exam score")
CERTIFICATE_VALID_UNTIL = message("training.certificate_valid_until", "Valid until")
CERTIFICATE_NO_EXPIRY = message("training.certificate_no_expiry", "Does not expire")
CERTIFICATE_ISSUED_ON = message("training.certificate_issued_on", "Issued on")
CERTIFICATE_ISSUED_BY = message("training.certificate_issued_by", "Issued by")
CERTIFICATE_CODE = message("training.certificate_code", "Certificate code")
CERTIFICATE_SCAN = message("training.certificate_scan", "Scan, or enter the code, to verify")
CERTIFICATE_REVOKED_ON = message("training.certificate_revoked_on", "Revoked on %(date)s")
