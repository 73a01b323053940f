"""What the training service says to people, as codes (services.common.messages): the messages of its
errors and the enumerated values it shows (kinds of course, formats, target groups, statuses…). The words in
a person's language come from the catalogue `services/training/translations` at the edge."""

from __future__ import annotations

from services.common.messages import choice, enumeration

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
