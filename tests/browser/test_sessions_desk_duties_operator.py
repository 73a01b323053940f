"""Staff and residents on the pages added for councils in session, the rights desk's own side, volunteer
duties, the children's camp, fair booths and the sub-district operator, in headless Chromium at 360 px.
xiangyang runs a council session and its rights desk; dongxin's residents sign up for a duty and enrol a
child, and cannot reach xiangyang's staff pages; the operator sees both communities side by side."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.browser.helpers import audit, iso, new_phone, ok, run_id, sign_in

pytestmark = pytest.mark.e2e

_RUN = run_id()
REPO = Path(__file__).resolve().parents[2]
BEIJING = timezone(timedelta(hours=8))
OPERATOR_TENANT = f"jiedao-{_RUN}"


@pytest.fixture(scope="module")
def hub(platform):
    now = datetime.now(UTC)
    platform.infra.ensure_tenant(OPERATOR_TENANT, "康桥街道", "operator")  # the sub-district operator's own tenant
    people = {}
    for key, tenant, roles, name in (("secretary", "xiangyang", ("staff",), "秘书小林"),
                                     ("member1", "xiangyang", ("resident",), "蒋师傅"),
                                     ("member2", "xiangyang", ("resident",), "韩阿姨"),
                                     ("admin", "xiangyang", ("tenant_admin",), "社区书记"),
                                     ("lawyer", "xiangyang", ("resident",), "杨律师"),
                                     ("worker", "xiangyang", ("resident",), "朱师傅"),
                                     ("parent", "dongxin", ("resident",), "秦女士"),
                                     ("operator", OPERATOR_TENANT, ("operator",), "街道数据员")):
        people[key] = platform.add_person(f"hub-{key}-{_RUN}", phone=new_phone(), name=name, tenant_id=tenant,
                                          roles=roles)
    url, gov = platform.url, (lambda path: platform.url("/api/v1/governance" + path))
    staff_a, staff_b = platform.session("staff_a"), platform.session("staff_b")

    council = ok(staff_a.post(gov("/councils"), json={"name": f"向阳小哥议事会 {_RUN}", "theme": "停车与通行"}), 201)
    ok(staff_a.post(gov(f"/councils/{council['id']}/members"), json={"members": [
        {"user_id": people["secretary"].user_id, "display_name": "秘书小林", "stakeholder_group": "community_staff"},
        {"user_id": people["member1"].user_id, "display_name": "蒋师傅", "stakeholder_group": "courier"},
        {"user_id": people["member2"].user_id, "display_name": "韩阿姨", "stakeholder_group": "resident"}]}), 201)
    proposal = ok(staff_a.post(gov(f"/councils/{council['id']}/proposals"), json={
        "title": f"夜间电动车停放点 {_RUN}", "body": "在北门增设夜间停放点。"}), 201)
    ok(staff_a.post(gov(f"/proposals/{proposal['id']}/transitions"), json={"action": "submit"}))
    ok(staff_a.post(gov(f"/proposals/{proposal['id']}/transitions"), json={"action": "deliberate"}))

    worker = platform.session(people["worker"].key)
    case = ok(worker.post(url("/api/v1/jobs/rights-cases"), json={
        "category": "wage_arrears", "summary": f"快递分拣两周工资未结 {_RUN}"}), 201)

    project = ok(staff_b.post(gov("/projects"), json={
        "title": f"暖蜂驿站保洁 {_RUN}", "adopter_kind": "partner_unit", "adopter_name": "东新物业"}), 201)
    tomorrow = (now + timedelta(days=1)).astimezone(BEIJING)
    ok(staff_b.post(gov(f"/projects/{project['id']}/duties"), json={
        "title": "驿站每周清洁", "weekday": tomorrow.isoweekday(), "start_time": "09:00", "end_time": "10:00",
        "volunteers_needed": 2, "weeks_ahead": 2}), 201)
    camp = ok(staff_b.post(url("/api/v1/training/courses"), json={
        "kind": "children_camp", "title": f"暑期托管夏令营 {_RUN}", "min_age": 6, "max_age": 12}), 201)
    ok(staff_b.post(url(f"/api/v1/training/courses/{camp['id']}/publish"), json={}))
    ok(staff_b.post(url(f"/api/v1/training/courses/{camp['id']}/sessions"), json={
        "label": "七月班", "venue": "东新社区四点半课堂", "capacity": 20,
        "enrol_opens_at": iso(now - timedelta(hours=1)), "enrol_closes_at": iso(now + timedelta(days=3)),
        "meetings": [{"starts_at": iso(now + timedelta(days=5)), "ends_at": iso(now + timedelta(days=5, hours=3))}]}),
       201)
    posts = {}
    for staff, tenant in ((staff_a, "xiangyang"), (staff_b, "dongxin")):  # an open post in each community
        employer = ok(staff.post(url("/api/v1/jobs/employers"), json={"name": f"{tenant} 同城配送站 {_RUN}"}), 201)
        ok(staff.post(url(f"/api/v1/jobs/employers/{employer['id']}/decision"), json={"status": "verified"}))
        post = ok(staff.post(url("/api/v1/jobs/posts"), json={
            "employer_id": employer["id"], "title": f"{tenant} 夜间分拣员 {_RUN}", "job_type": "part_time",
            "pay_amount": 28, "pay_period": "hour"}), 201)
        ok(staff.post(url(f"/api/v1/jobs/posts/{post['id']}/open")))
        posts[tenant] = post
    fair = ok(staff_a.post(url("/api/v1/jobs/fairs"), json={
        "title": f"向阳夜市招聘会 {_RUN}", "kind": "on_site", "venue": "向阳广场",
        "starts_at": iso(now + timedelta(days=2)), "ends_at": iso(now + timedelta(days=2, hours=3))}), 201)
    return {"people": people, "council": council, "proposal": proposal, "case": case, "camp": camp,
            "posts": posts, "fair": fair}


def _local(moment: datetime) -> str:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%dT%H:%M")


def test_staff_schedule_a_session_check_members_in_and_a_show_of_hands_is_entered_signed_off_and_minuted(
        platform, hub, phone, tmp_path):
    people, council = hub["people"], hub["council"]
    staff = phone()
    sign_in(staff, platform, people["secretary"])
    staff.goto(platform.url(f"/web/councils/{council['id']}"))
    staff.click("[data-test=manage-sessions]")

    # Ends before it starts: the service's message beside the end time.
    now = datetime.now(UTC)
    staff.fill("#title", f"十二月例会 {_RUN}")
    staff.fill("#agenda", "夜间停放点\n驿站开放时间")
    staff.fill("#starts_at", _local(now - timedelta(minutes=10)))
    staff.fill("#ends_at", _local(now - timedelta(minutes=20)))
    staff.fill("#venue", "向阳党群服务中心二楼")
    staff.select_option("#chair_member_id", label="秘书小林")
    staff.click("[data-test=schedule-session]")
    assert staff.locator("#ends_at-error").is_visible()
    assert staff.locator("#ends_at").get_attribute("aria-invalid") == "true"
    assert audit(staff) == {"low": [], "small": []}
    staff.fill("#ends_at", _local(now + timedelta(hours=2)))
    staff.click("[data-test=schedule-session]")
    assert staff.locator("h1").inner_text() == f"十二月例会 {_RUN}"
    assert staff.locator("[data-test=invited]").inner_text() == "3"  # every member invited at once
    assert staff.locator("[data-test=present]").inner_text() == "0"
    room_code = staff.locator("[data-test=room-code]").inner_text().strip()
    session_url = staff.url
    assert "/web/council-sessions/" in session_url

    # Staff check in the chair and a member who came without a phone.
    for name in ("秘书小林", "蒋师傅"):
        staff.select_option("#member_id", label=name)
        staff.click("[data-test=staff-check-in]")
    assert staff.locator("[data-test=present]").inner_text() == "2"

    # A member checks in with the code shown in the room; a wrong code is refused beside the field.
    member2 = phone()
    sign_in(member2, platform, people["member2"])
    member2.goto(platform.url(f"/web/councils/{council['id']}"))
    member2.locator("[data-test=council-session]", has_text=f"十二月例会 {_RUN}").click()
    assert member2.locator("[data-test=room-code]").count() == 0  # the code is for staff and the chair
    member2.fill("#registration_code", "WRONG1")
    member2.click("[data-test=self-check-in]")
    assert member2.locator("#registration_code-error").is_visible()
    member2.fill("#registration_code", room_code.lower())
    member2.click("[data-test=self-check-in]")
    assert member2.locator("[data-test=present]").inner_text() == "3"
    assert audit(member2) == {"low": [], "small": []}

    # The chair enters the show of hands: more hands than people present is refused beside the count.
    staff.reload()
    staff.fill("#motion", "同意在北门增设夜间停放点")
    staff.select_option("#proposal_id", label=f"夜间电动车停放点 {_RUN}")
    staff.fill("#in_favour", "5")
    staff.click("[data-test=enter-tally]")
    assert staff.locator("#in_favour-error").is_visible()
    staff.fill("#in_favour", "2")
    staff.fill("#against", "1")
    staff.fill("#abstained", "0")
    staff.click("[data-test=enter-tally]")
    tally = staff.locator("[data-test=tally]", has_text="同意在北门增设夜间停放点")
    assert tally.locator("[data-test=in-favour]").inner_text() == "2"
    assert tally.locator("[data-test=against]").inner_text() == "1"
    assert "等待另一位在场成员确认" in tally.locator("[data-test=tally-status]").inner_text()
    assert tally.locator("[data-test=sign-off]").count() == 0  # not by the one who entered it

    # Minutes cannot be recorded while the count waits for its second signature.
    staff.fill("#minutes-text", "讨论了北门夜间停放点，举手表决通过。")
    staff.click("[data-test=record-minutes]")
    assert staff.locator("[data-test=form-error]").is_visible()

    # A second member who was there signs it off; then the minutes make the session held.
    member1 = phone()
    sign_in(member1, platform, people["member1"])
    member1.goto(session_url)
    member1.click("[data-test=sign-off]")
    status = member1.locator("[data-test=tally]").first.locator("[data-test=tally-status]").inner_text()
    assert "确认人" in status and "蒋师傅" in status

    staff.goto(session_url)
    staff.fill("#minutes-text", "讨论了北门夜间停放点，举手表决通过。")
    staff.fill("#decisions", "北门增设夜间停放点")
    staff.check(f"input[name=linked_proposal_ids][value='{hub['proposal']['id']}']")
    staff.click("[data-test=record-minutes]")
    assert staff.locator("[data-test=session-status]").inner_text() == "已召开"
    assert staff.locator("[data-test=minutes]").inner_text() == "讨论了北门夜间停放点，举手表决通过。"
    assert staff.locator("[data-test=tally] [data-test=in-favour]").inner_text() == "2"
    assert audit(staff) == {"low": [], "small": []}
    assert staff.evaluate("document.documentElement.scrollWidth") <= 360
    shot = tmp_path / "council-session-360.png"
    staff.screenshot(path=str(shot), full_page=True)
    (REPO / "docs" / "screenshots").mkdir(parents=True, exist_ok=True)
    shutil.copy(shot, REPO / "docs" / "screenshots" / "council-session-360.png")

    # The proposal's discussion: an empty comment is refused beside the field, then posted.
    member1.goto(platform.url(f"/web/councils/{council['id']}"))
    member1.locator("[data-test=proposal]", has_text=f"夜间电动车停放点 {_RUN}") \
        .locator("[data-test=proposal-discussion]").click()
    member1.click("[data-test=comment]")
    assert member1.locator("#body-error").is_visible()
    member1.fill("#body", "北门晚上十点后车多，支持。")
    member1.click("[data-test=comment]")
    assert member1.locator("[data-test=comment]", has_text="北门晚上十点后车多，支持。").is_visible()
    assert "蒋师傅" in member1.locator("li[data-test=comment]").first.inner_text()


def test_the_rights_desk_works_a_case_from_assignment_to_resolution_and_keeps_it_confidential(
        platform, hub, phone):
    people, case_id = hub["people"], hub["case"]["id"]

    # Not yet on the desk: the desk pages answer as the staff pages do; plain staff are not let in either.
    lawyer = phone()
    sign_in(lawyer, platform, people["lawyer"])
    lawyer.goto(platform.url("/web/desk"))
    assert lawyer.locator("h1").inner_text() == "无权操作"
    plain_staff = phone()
    sign_in(plain_staff, platform, platform.people["staff_a"])
    plain_staff.goto(platform.url(f"/web/desk/cases/{case_id}"))
    assert plain_staff.locator("h1").inner_text() == "无权操作"

    # The tenant admin puts the lawyer on the desk (a missing name refused beside it) and assigns the case.
    admin = phone()
    sign_in(admin, platform, people["admin"])
    admin.click("[data-test=desk]")
    admin.fill("#user_id", people["lawyer"].user_id)
    admin.select_option("#desk_role", "labour_inspector")
    admin.click("[data-test=add-desk-member]")
    assert admin.locator("#title-error").is_visible()
    admin.fill("#title", "杨律师")
    admin.click("[data-test=add-desk-member]")
    assert admin.locator("[data-test=desk-member]", has_text="杨律师").is_visible()
    assert admin.locator(f"a[data-test=desk-case][href$='/web/desk/cases/{case_id}']").is_visible()  # all cases
    admin.click(f"a[data-test=desk-case][href$='/web/desk/cases/{case_id}']")
    assert admin.locator("[data-test=case-summary]").inner_text() == f"快递分拣两周工资未结 {_RUN}"
    admin.select_option("#assignee_user_id", label="杨律师 · 劳动监察员")
    admin.click("[data-test=assign]")
    assert admin.locator("[data-test=case-status]").inner_text() == "已分派"

    # The lawyer finds it among the cases assigned to them, takes it up, notes and concludes it.
    lawyer.goto(platform.url("/web/"))
    lawyer.click("[data-test=desk]")
    lawyer.locator("[data-test=desk-case]").first.click()
    lawyer.click("[data-test=start-case]")
    assert lawyer.locator("[data-test=case-status]").inner_text() == "处理中"
    lawyer.fill("#body", "已联系物流园负责人，对方答应周五前结清。")
    lawyer.click("[data-test=add-note]")
    lawyer.fill("#body", "企业曾有类似投诉，注意跟进。")
    lawyer.check("input[name=internal]")
    lawyer.click("[data-test=add-note]")
    assert lawyer.locator("[data-test=case-entry]", has_text="注意跟进").is_visible()
    lawyer.select_option("#outcome", "resolved")
    lawyer.click("[data-test=conclude]")
    assert lawyer.locator("#note-error").is_visible()  # the person must read an outcome
    lawyer.fill("#note", "经调解，企业已结清两周工资。")
    lawyer.click("[data-test=conclude]")
    assert lawyer.locator("[data-test=case-status]").inner_text() == "已解决"
    assert audit(lawyer) == {"low": [], "small": []}

    # The person sees the outcome and the desk's visible note, not the internal one.
    worker = phone()
    sign_in(worker, platform, people["worker"])
    worker.goto(platform.url(f"/web/rights/{case_id}"))
    assert worker.locator("[data-test=case-status]").inner_text() == "已解决"
    timeline = worker.locator("main").inner_text()
    assert "对方答应周五前结清" in timeline and "注意跟进" not in timeline

    # The admin reads who looked at the case.
    admin.goto(platform.url(f"/web/desk/cases/{case_id}"))
    assert admin.locator("h2", has_text="查阅记录").is_visible()


def test_a_resident_signs_up_for_a_duty_and_enrols_a_child_in_the_summer_camp(platform, hub, phone):
    page = phone()
    sign_in(page, platform, hub["people"]["parent"])
    page.click("[data-test=duties]")
    project = page.locator("[data-test=project]", has_text=f"暖蜂驿站保洁 {_RUN}")
    slot = project.locator("[data-test=slot]").first
    assert slot.locator("[data-test=taken]").inner_text() == "0"
    slot.locator("[data-test=duty-sign-up]").click()
    assert page.locator("[data-test=duty-done]").is_visible()
    slot = page.locator("[data-test=project]", has_text=f"暖蜂驿站保洁 {_RUN}").locator("[data-test=slot]").first
    assert slot.locator("[data-test=signed-up]").is_visible()
    assert slot.locator("[data-test=taken]").inner_text() == "1"
    assert audit(page) == {"low": [], "small": []}

    page.goto(platform.url(f"/web/courses/{hub['camp']['id']}"))
    assert page.locator("input[name=participant_name]").count() == 0  # the camp takes children
    page.locator("input[name=child_name]").fill("小宇")
    page.locator("input[name=child_age]").fill("15")
    page.click("[data-test=enrol]")
    assert page.locator("#child-error").is_visible()  # outside the camp's ages, said beside the child
    assert "6–12" in page.locator("#child-error").inner_text()
    page.locator("input[name=child_name]").fill("小宇")
    page.locator("input[name=child_age]").fill("8")
    page.click("[data-test=enrol]")
    assert page.locator("[data-test=enrolled]").is_visible()
    enrolment = page.locator("[data-test=enrolment]", has_text="小宇")
    assert "孩子" in enrolment.inner_text() and "8" in enrolment.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_staff_add_an_employers_booth_with_its_open_post_to_a_fair(platform, hub, phone):
    page = phone()
    sign_in(page, platform, platform.people["staff_a"])
    page.goto(platform.url("/web/staff/fairs"))
    page.locator("[data-test=staff-fair]", has_text=f"向阳夜市招聘会 {_RUN}").locator("[data-test=fair-booths]").click()
    page.select_option("#employer_id", label=f"xiangyang 同城配送站 {_RUN}")
    page.fill("#booth", "A-" + "x" * 60)  # too long a booth number: refused beside it
    page.click("[data-test=add-booth]")
    assert page.locator("#booth-error").is_visible()
    page.fill("#booth", "A-12")
    page.check(f"input[name=post_ids][value='{hub['posts']['xiangyang']['id']}']")
    page.click("[data-test=add-booth]")
    booth = page.locator("[data-test=booth]", has_text=f"xiangyang 同城配送站 {_RUN}")
    assert booth.locator("[data-test=booth-posts]").inner_text() == "1"
    assert f"xiangyang 夜间分拣员 {_RUN}" in booth.inner_text() and "A-12" in booth.inner_text()
    assert audit(page) == {"low": [], "small": []}


def test_staff_keep_an_earning_rule_an_agreement_and_a_mentor_who_enters_an_exam_score(platform, hub, phone):
    mentor = platform.add_person(f"hub-mentor-{_RUN}", phone=new_phone(), name="沈老师", tenant_id="dongxin",
                                 roles=("mentor",))
    page = phone()
    sign_in(page, platform, platform.people["staff_b"])

    # An earning rule: neither fixed nor hourly points is refused beside the points; then added, switched off.
    page.click("[data-test=staff-rules]")
    page.fill("#name", f"指定课程出勤 {_RUN}")
    page.select_option("#event_type", "training.session_attended")
    page.fill("#match", f"course_id=no-such-course-{_RUN}")  # never matches: no test earns by accident
    page.select_option("#category", "training")
    page.click("[data-test=create-rule]")
    assert page.locator("#points-error").is_visible()
    page.fill("#points", "20")
    page.fill("#daily_cap", "40")
    page.click("[data-test=create-rule]")
    rule = page.locator("[data-test=rule]", has_text=f"指定课程出勤 {_RUN}")
    assert rule.locator("[data-test=rule-state]").inner_text() == "使用中"
    assert "20 积分/次" in rule.inner_text()
    rule.locator("[data-test=switch-rule]").click()
    rule = page.locator("[data-test=rule]", has_text=f"指定课程出勤 {_RUN}")
    assert rule.locator("[data-test=rule-state]").inner_text() == "已停用"
    assert audit(page) == {"low": [], "small": []}

    # Our side of an agreement: in force only once the partner agrees too.
    page.goto(platform.url("/web/staff/agreements"))
    page.click("[data-test=agree]")
    assert page.locator("#partner_tenant_id-error").is_visible()
    partner = f"partner-{_RUN}"
    page.fill("#partner_tenant_id", partner)
    page.click("[data-test=agree]")
    agreement = page.locator("[data-test=agreement]", has_text=partner)
    assert agreement.locator("[data-test=agreement-state]").inner_text() == "未生效"
    agreement.locator("[data-test=toggle-agreement]").click()
    assert "我方同意: 否" in page.locator("[data-test=agreement]", has_text=partner).inner_text()

    # A mentor's profile: the name is required, said beside it.
    page.goto(platform.url("/web/staff/mentors"))
    page.fill("#user_id", mentor.user_id)
    page.click("[data-test=create-mentor]")
    assert page.locator("#display_name-error").is_visible()
    page.fill("#display_name", "沈老师")
    page.fill("#title", "高级育婴师")
    page.fill("#specialties", "育婴，急救")
    page.click("[data-test=create-mentor]")
    assert page.locator("[data-test=mentor]", has_text="沈老师").is_visible()

    # A certificate class taught by the mentor, with one learner; the mentor enters the exam score.
    staff_b, now = platform.session("staff_b"), datetime.now(UTC)
    mentor_id = next(m["id"] for m in ok(staff_b.get(platform.url("/api/v1/training/mentors")))["items"]
                     if m["user_id"] == mentor.user_id)
    course = ok(staff_b.post(platform.url("/api/v1/training/courses"), json={
        "kind": "certificate", "title": f"育婴员培训 {_RUN}", "pass_mark": 60, "certificate_name": "育婴员证"}), 201)
    ok(staff_b.post(platform.url(f"/api/v1/training/courses/{course['id']}/publish"), json={}))
    cohort = ok(staff_b.post(platform.url(f"/api/v1/training/courses/{course['id']}/sessions"), json={
        "label": "周末班", "mentor_id": mentor_id, "venue": "东新社区活动室", "capacity": 5,
        "enrol_opens_at": iso(now - timedelta(hours=1)), "enrol_closes_at": iso(now + timedelta(days=1)),
        "meetings": [{"starts_at": iso(now + timedelta(days=2)), "ends_at": iso(now + timedelta(days=2, hours=2))}]}),
        201)
    ok(platform.session(hub["people"]["parent"].key).post(
        platform.url(f"/api/v1/training/sessions/{cohort['id']}/enrolments"), json={"participant_name": "秦女士"}), 201)
    teacher = phone()
    sign_in(teacher, platform, mentor)
    teacher.goto(platform.url(f"/web/courses/{course['id']}"))
    teacher.click("[data-test=roster]")
    entry = teacher.locator("[data-test=roster-entry]", has_text="秦女士")
    entry.locator("input[name=score]").fill("150")
    entry.locator("[data-test=save-score]").click()
    assert teacher.locator("#score-error").is_visible()
    teacher.locator("[data-test=roster-entry]", has_text="秦女士").locator("input[name=score]").fill("85")
    teacher.locator("[data-test=roster-entry]", has_text="秦女士").locator("[data-test=save-score]").click()
    assert teacher.locator("[data-test=score-saved]").is_visible()
    assert teacher.locator("[data-test=roster-entry]", has_text="秦女士").locator(
        "[data-test=exam-score]").inner_text() == "85"


def test_a_resident_of_another_community_cannot_reach_the_staff_pages_of_this_one(platform, hub, phone):
    council = hub["council"]
    sessions = ok(platform.session("staff_a").get(
        platform.url(f"/api/v1/governance/councils/{council['id']}/sessions")))["items"]
    page = phone()
    sign_in(page, platform, hub["people"]["parent"])  # dongxin
    for path in (f"/web/staff/councils/{council['id']}/sessions", "/web/desk", f"/web/desk/cases/{hub['case']['id']}",
                 "/web/staff/rules", "/web/staff/mentors", "/web/operator/figures"):
        page.goto(platform.url(path))
        assert page.locator("h1").inner_text() == "无权操作", path
    if sessions:
        page.goto(platform.url(f"/web/council-sessions/{sessions[0]['id']}"))
        assert page.locator("h1").inner_text() == "未找到"
    # Even dongxin's staff get nothing of xiangyang's council: it does not exist for them.
    staff_b = phone()
    sign_in(staff_b, platform, platform.people["staff_b"])
    staff_b.goto(platform.url(f"/web/staff/councils/{council['id']}/sessions"))
    assert staff_b.locator("h1").inner_text() == "未找到"


def test_the_operator_sees_every_communitys_figures_side_by_side(platform, hub, phone):
    operator = hub["people"]["operator"]
    api = platform.session(operator.key)
    jobs = ok(api.get(platform.url("/api/v1/jobs/figures/all-tenants")))
    training = ok(api.get(platform.url("/api/v1/training/figures/all-tenants")))
    page = phone()
    sign_in(page, platform, operator)
    page.click("[data-test=operator-figures]")
    shown = 0
    for tenant, name in (("xiangyang", "向阳社区"), ("dongxin", "东新社区")):
        card = page.locator(f"[data-test=operator-tenant][data-tenant={tenant}]")
        assert card.locator("h2").inner_text() == name
        job_row = next(r for r in jobs["tenants"] if r["tenant_id"] == tenant)
        assert card.locator("[data-test=posts-open]").inner_text() == str(job_row["figures"]["posts_open"])
        training_row = next((r for r in training["tenants"] if r["tenant_id"] == tenant), None)
        if training_row:
            assert card.locator("[data-test=enrolments]").inner_text() == str(training_row["enrolments"])
            shown += 1
    assert shown >= 1  # dongxin's camp at least
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert audit(page) == {"low": [], "small": []}
    page.click("[data-test=lang-switch]")  # the same page in English
    assert page.locator("h1").inner_text() == "Figures of every community"
    assert page.locator("html").get_attribute("lang") == "en"
    # A community's staff are not the operator.
    staff = phone()
    sign_in(staff, platform, platform.people["staff_a"])
    staff.goto(platform.url("/web/operator/figures"))
    assert staff.locator("h1").inner_text() == "无权操作"
