"""The jobs service's words, as codes: the messages its errors carry and the enumerated values a person
reads (groups, job types, statuses, case categories, skills...). English here; every language from the
catalogues in services/jobs/translations (services.common.messages explains the codes).

Imports nothing but services.common.messages: the domain, the gateway and the templates all read it.
"""

from __future__ import annotations

from services.common.messages import choice, enumeration, message

# --- enumerations --------------------------------------------------------------------------

# People a post or a fair is meant for, and the groups a worker says they belong to.
GROUPS = enumeration(
    "jobs.group",
    choice("older_job_seeker", "An older job seeker"),
    choice("full_time_mother", "A full-time mother"),
    choice("veteran", "A veteran"),
    choice("party_member", "A party member"),
    choice("floating_party_member", "A floating party member"),
    choice("courier", "A courier"),
)
JOB_TYPES = enumeration(
    "jobs.job_type",
    choice("gig", "Gig (by the task)"),
    choice("part_time", "Part-time"),
    choice("full_time", "Full-time"),
)
PAY_PERIODS = enumeration(
    "jobs.pay_period",
    choice("hour", "hour"),
    choice("day", "day"),
    choice("month", "month"),
    choice("piece", "piece"),
)
BENEFITS = enumeration(
    "jobs.benefit",
    choice("meals", "Meals provided"),
    choice("dorm", "Dormitory"),
    choice("insurance", "Social insurance"),
    choice("transport", "Transport allowance"),
    choice("training", "Training"),
)
POST_STATUSES = enumeration(
    "jobs.post_status",
    choice("draft", "Draft"),
    choice("open", "Open"),
    choice("filled", "Filled"),
    choice("closed", "Closed"),
    choice("expired", "Expired"),
)
APPLICATION_STATUSES = enumeration(
    "jobs.application_status",
    choice("applied", "Applied"),
    choice("shortlisted", "Shortlisted"),
    choice("interview", "Interview"),
    choice("offered", "Offered"),
    choice("hired", "Hired"),
    choice("rejected", "Not chosen"),
    choice("withdrawn", "Withdrawn"),
)
EMPLOYER_STATUSES = enumeration(
    "jobs.employer_status",
    choice("pending", "Waiting for verification"),
    choice("verified", "Verified"),
    choice("suspended", "Suspended"),
)
# The parts of a recommendation's score, shown as its explanation.
SCORE_PARTS = enumeration(
    "jobs.score_part",
    choice("skills", "skills"),
    choice("certificates", "certificates"),
    choice("schedule", "hours"),
    choice("distance", "distance"),
    choice("pay", "pay"),
    choice("groups", "for you"),
)
# The default skills' codes and English names (their Chinese names, which people also type, and their
# categories: services/jobs/data/skills.json).
SKILLS = enumeration(
    "jobs.skill",
    choice("courier_delivery", "Courier delivery"),
    choice("food_delivery", "Food delivery"),
    choice("ebike_riding", "E-bike riding"),
    choice("warehouse_sorting", "Warehouse sorting"),
    choice("forklift", "Forklift operation"),
    choice("dispatching", "Logistics dispatching"),
    choice("moving", "Moving and loading"),
    choice("driving_c1", "Driving (C1 licence)"),
    choice("packing", "Packing"),
    choice("assembly_line", "Assembly line work"),
    choice("quality_check", "Quality inspection"),
    choice("sewing", "Sewing"),
    choice("electrician", "Electrician"),
    choice("welding", "Welding"),
    choice("property_repair", "Property maintenance"),
    choice("construction", "Construction labour"),
    choice("cashier", "Cashier"),
    choice("shop_assistant", "Shop assistant"),
    choice("online_shop", "Online shop operation"),
    choice("livestream_sales", "Livestream selling"),
    choice("customer_service", "Customer service"),
    choice("data_entry", "Data entry"),
    choice("cleaning", "Cleaning"),
    choice("housekeeping", "Housekeeping"),
    choice("elderly_care", "Elderly care"),
    choice("childcare", "Childcare"),
    choice("cooking", "Cooking"),
    choice("chinese_pastry", "Chinese pastry"),
    choice("catering_service", "Catering service"),
    choice("beauty", "Beauty and hairdressing"),
    choice("photography", "Photography"),
    choice("security_guard", "Security guard"),
    choice("gardening", "Gardening"),
    choice("first_aid", "First aid"),
)
SKILL_CATEGORIES = enumeration(
    "jobs.skill_category",
    choice("logistics", "Logistics"),
    choice("transport", "Transport"),
    choice("manufacturing", "Manufacturing"),
    choice("trades", "Skilled trades"),
    choice("retail", "Retail"),
    choice("services", "Services"),
    choice("care", "Care"),
    choice("catering", "Catering"),
    choice("safety", "Safety"),
    choice("other", "Other"),
)

# --- job fairs ---
FAIR_KINDS = enumeration(
    "jobs.fair_kind",
    choice("on_site", "On site"),
    choice("online", "Online"),
)
FAIR_STATUSES = enumeration(
    "jobs.fair_status",
    choice("draft", "Draft"),
    choice("published", "Published"),
    choice("held", "Held"),
    choice("cancelled", "Cancelled"),
)
REGISTRATION_STATUSES = enumeration(
    "jobs.registration_status",
    choice("registered", "Place booked"),
    choice("cancelled", "Cancelled"),
    choice("checked_in", "Checked in"),
)
REGISTRATION_SOURCES = enumeration(
    "jobs.registration_source",
    choice("pre_registered", "Booked in advance"),
    choice("walk_in", "Came without booking"),
)

# --- the labour-rights desk ---
CASE_CATEGORIES = enumeration(
    "jobs.case_category",
    choice("policy_consultation", "Policy questions"),
    choice("wage_arrears", "Unpaid wages"),
    choice("contract_dispute", "Contract dispute"),
    choice("work_injury", "Injury at work"),
    choice("legal_aid", "Legal aid"),
    choice("psychological_support", "Someone to talk to"),
)
CASE_SOURCES = enumeration(
    "jobs.case_source",
    choice("self", "Opened by the person"),
    choice("staff", "Opened by staff"),
    choice("placement_follow_up", "Wage follow-up"),
    choice("hotline", "Hotline"),
)
DESK_ROLES = enumeration(
    "jobs.desk_role",
    choice("community_lawyer", "Community lawyer"),
    choice("social_worker", "Social worker"),
    choice("labour_inspector", "Labour inspector"),
    choice("talent_officer", "Talent officer"),
)
CASE_STATUSES = enumeration(
    "jobs.case_status",
    choice("open", "Received"),
    choice("assigned", "Assigned to the desk"),
    choice("in_progress", "Being handled"),
    choice("resolved", "Resolved"),
    choice("referred", "Referred"),
    choice("closed", "Closed"),
)
CASE_OUTCOMES = enumeration(
    "jobs.case_outcome",
    choice("resolved", "Resolved"),
    choice("referred", "Referred"),
    choice("closed", "Closed"),
)

# --- messages: field messages of the schemas ------------------------------------------------

PHONE_INVALID = message("jobs.phone_invalid", "Enter an 11-digit mobile number")
START_BEFORE_END = message("jobs.start_before_end", "The start must be before the end")
NAME_A_TENANT = message("jobs.name_a_tenant", "Name at least one community")
NOT_A_TENANT = message("jobs.not_a_tenant", "Not a community's id")
CODE_OR_WALK_IN = message("jobs.code_or_walk_in", "Send either a check-in code or walk_in: true")
UNTIL_AFTER_SINCE = message("jobs.until_after_since", "The end of the period must be after its start")
