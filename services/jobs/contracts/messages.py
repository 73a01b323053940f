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

# --- messages: errors ------------------------------------------------------------------------

NOTHING_TO_CHANGE = message("jobs.nothing_to_change", "Nothing to change")
NOT_AN_ALLOWED_VALUE = message("jobs.not_an_allowed_value", "Not one of the allowed values")

# workers and certificates
ONLY_STAFF_REGISTER_OTHERS = message("jobs.only_staff_register_others", "Only staff can register someone else")
WORKER_EXISTS = message("jobs.worker_exists", "This person already has a worker profile")
WORKER_NOT_FOUND = message("jobs.worker_not_found", "Worker profile not found")
PROFILE_CHANGED = message("jobs.profile_changed", "The profile changed since you read it")
PROFILE_CHANGED_WHILE_SAVING = message("jobs.profile_changed_while_saving",
                                       "The profile changed while saving; read it again")
EXPIRES_AFTER_ISSUED = message("jobs.expires_after_issued", "The expiry date must be after the issue date")

# skills
UNKNOWN_SKILL = message("jobs.unknown_skill", "Unknown skill (see GET /api/v1/jobs/skills)")
SKILL_CODE_FORMAT = message("jobs.skill_code_format", "Lowercase letters, digits and _ (2 to 40 of them)")
SKILL_EXISTS = message("jobs.skill_exists", "This skill code exists already")

# employers
EMPLOYER_REGISTER_REFUSED = message("jobs.employer_register_refused",
                                    "Only staff or employer accounts can register an employer")
EMPLOYER_ALREADY = message("jobs.employer_already", "The employer is already %(status)s")
EMPLOYER_NOT_FOUND = message("jobs.employer_not_found", "Employer not found")
EMPLOYER_NOT_VERIFIED = message("jobs.employer_not_verified", "The employer is not verified yet")

# posts
POST_NOT_FOUND = message("jobs.post_not_found", "Job post not found")
POST_CHANGE_REFUSED = message("jobs.post_change_refused",
                              "Only the employer or the owning community's staff can change this post")
POST_NOT_EDITABLE = message("jobs.post_not_editable", "A %(status)s post cannot be edited")
OPEN_POST_CHANGES = message("jobs.open_post_changes", "An open post can only change %(fields)s")
HEADCOUNT_BELOW_HIRED = message("jobs.headcount_below_hired", "Headcount cannot go below the number already hired")
ONLY_A_DRAFT_OPENS = message("jobs.only_a_draft_opens", "Only a draft can open; this post is %(status)s")
POST_EXPIRY_PASSED = message("jobs.post_expiry_passed", "The post's expiry date has passed")
POST_ALREADY = message("jobs.post_already", "The post is already %(status)s")
POST_NOT_OPEN_NOW = message("jobs.post_not_open_now", "The post is %(status)s, not open")
POST_HAS_NO_PLACES = message("jobs.post_has_no_places", "The post has no places left")

# applications
PROFILE_BEFORE_APPLYING = message("jobs.profile_before_applying", "Register a worker profile before applying")
POST_NOT_OPEN = message("jobs.post_not_open", "This post is not open")
ALREADY_APPLIED = message("jobs.already_applied", "You have already applied to this post")
APPLICATION_NOT_FOUND = message("jobs.application_not_found", "Application not found")
ONLY_APPLICANT_WITHDRAWS = message("jobs.only_applicant_withdraws", "Only the applicant can withdraw")
EMPLOYER_SIDE_ONLY = message("jobs.employer_side_only", "Only the employer side of the post can do this")
SAY_WHY_REJECTED = message("jobs.say_why_rejected", "Say why the application is rejected")
IMPOSSIBLE_STEP = message("jobs.impossible_step",
                          "An application that is %(from_status)s cannot become %(to_status)s")

# placements
PLACEMENT_NOT_FOUND = message("jobs.placement_not_found", "Placement not found")
TOO_EARLY_FOR_WAGES = message("jobs.too_early_for_wages", "It is too early to confirm wages")
WAGES_ALREADY_ANSWERED = message("jobs.wages_already_answered", "Wages were already confirmed with another answer")
PLACEMENT_LINKED = message("jobs.placement_linked", "The placement is already linked to another case")

# recommendations
PROFILE_FOR_RECOMMENDATIONS = message("jobs.profile_for_recommendations",
                                      "Register a worker profile to get recommendations")
CANDIDATES_EMPLOYER_ONLY = message("jobs.candidates_employer_only",
                                   "Only the employer side of the post sees its candidates")

# job fairs
CHECK_IN_UNCONFIGURED = message("jobs.check_in_unconfigured", "Check-in codes need FAIR_CHECKIN_SECRET or JWT_SECRET")
FAIR_FULL = message("jobs.fair_full", "The fair is full")
INVALID_CHECK_IN_CODE = message("jobs.invalid_check_in_code", "Invalid check-in code")
ONLY_STAFF_ORGANISE = message("jobs.only_staff_organise", "Only staff organise job fairs")
FAIR_ENDS_AFTER_START = message("jobs.fair_ends_after_start", "The fair must end after it starts")
FAIR_NEEDS_VENUE = message("jobs.fair_needs_venue", "An on-site fair needs a venue")
FAIR_NEEDS_LINK = message("jobs.fair_needs_link", "An online fair needs a link")
FAIR_NOT_FOUND = message("jobs.fair_not_found", "Job fair not found")
ONLY_ORGANISER_MANAGES = message("jobs.only_organiser_manages", "Only the organising community manages this fair")
FAIR_STATE = message("jobs.fair_state", "The fair is %(state)s")
CAPACITY_BELOW_TAKEN = message("jobs.capacity_below_taken", "Capacity is below the places already taken")
FAIR_OVER = message("jobs.fair_over", "The fair is already over")
FAIR_NOT_STARTED = message("jobs.fair_not_started", "The fair has not started yet")
NO_SUCH_POST = message("jobs.no_such_post", "No such post")
BOOTH_POST_NOT_OPEN = message("jobs.booth_post_not_open", "The post is not open")
POST_OF_ANOTHER_EMPLOYER = message("jobs.post_of_another_employer", "The post belongs to another employer")
BOOTH_EMPLOYER = message("jobs.booth_employer", "A verified employer of this community, or bring its posts")
TOO_MANY_BOOTH_POSTS = message("jobs.too_many_booth_posts", "Too many posts for one booth")
ALREADY_REGISTERED = message("jobs.already_registered", "You are already registered")
NOT_REGISTERED = message("jobs.not_registered", "You are not registered for this fair")
REGISTRATION_STATE = message("jobs.registration_state", "The registration is %(state)s")
CHECK_IN_NOT_OPEN = message("jobs.check_in_not_open", "Check-in has not opened yet")
REGISTRATION_NOT_FOUND = message("jobs.registration_not_found", "Registration not found")
ALREADY_CHECKED_IN = message("jobs.already_checked_in", "Already checked in")
REGISTRATION_CANCELLED = message("jobs.registration_cancelled", "The registration was cancelled")

# the labour-rights desk
CASE_NOT_FOUND = message("jobs.case_not_found", "Case not found")
DESCRIBE_THE_MATTER = message("jobs.describe_the_matter", "Describe the matter briefly")
OWN_CASE_ONLY = message("jobs.own_case_only", "A resident opens a case for themselves only")
STAFF_OPEN_FOR_OTHERS = message("jobs.staff_open_for_others", "Only staff or the desk open a case for someone else")
NAME_THE_PERSON = message("jobs.name_the_person", "Name the person, or give a contact")
ACCESS_LOG_REFUSED = message("jobs.access_log_refused", "Only the person and admins see the access log")
ONLY_ADMINS_ASSIGN = message("jobs.only_admins_assign", "Only admins assign cases")
NOT_ON_THE_DESK = message("jobs.not_on_the_desk", "Not on this community's desk")
ALREADY_ASSIGNED = message("jobs.already_assigned", "Already assigned to this person")
ONLY_ASSIGNEE_STARTS = message("jobs.only_assignee_starts", "Only the assignee takes a case up")
CASE_STATE = message("jobs.case_state", "The case is %(state)s")
CASE_CONCLUDED = message("jobs.case_concluded", "The case is concluded (%(state)s)")
CONCLUDE_REFUSED = message("jobs.conclude_refused", "Only the assignee or an admin concludes a case")
CASE_NOT_ASSIGNED = message("jobs.case_not_assigned", "The case is not assigned yet")
SAY_WHERE_REFERRED = message("jobs.say_where_referred", "Say where it was referred")
DESK_SIDE_ONLY = message("jobs.desk_side_only", "Staff and the desk only")
NOTICE_NOT_FOUND = message("jobs.notice_not_found", "Notice not found")
UNKNOWN_AUDIENCE_GROUP = message("jobs.unknown_audience_group",
                                 "Not a group of the jobs service: case_person, fair_registrants or post_applicants")

# figures
FIGURES_FOR_STAFF = message("jobs.figures_for_staff", "Figures are for staff")
NEEDS_ALL_TENANTS = message("jobs.needs_all_tenants", "Needs a read across tenants")
