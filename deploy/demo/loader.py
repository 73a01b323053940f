"""The demo data set, loaded through the services' own RPC interfaces.

Each step plans its rows deterministically, reads what exists (by natural keys: a reference
number in a post's description, a fair's or course's title, a member's account, an
idempotency key, or the state an entity is in), and creates or advances only the rest. A rerun
therefore adds nothing, and a run that was interrupted carries on where it stopped.

The four services' pipelines run side by side, each with its own threads; within a pipeline
the steps run in order (posts before applications, sessions before enrolments…).
"""

from __future__ import annotations

import contextlib
import random
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from deploy.demo import data
from deploy.demo.calls import Actor, Caller
from deploy.demo.data import ALLIANCE, COLLEGE, Size
from services.common.errors import Conflict

NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


def iso(moment: datetime) -> str:
    return moment.isoformat()


@dataclass
class World:
    """Who is who, once the accounts exist."""

    size: Size
    staff: dict[str, Actor] = field(default_factory=dict)  # tenant → its staff actor
    merchant_ops: dict[str, Actor] = field(default_factory=dict)
    residents: list[tuple[data.Resident, str]] = field(default_factory=list)  # (resident, user id)
    by_tenant: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))  # tenant → resident indexes

    @property
    def communities(self) -> list[str]:
        return [c[0] for c in data.communities(self.size)]

    def resident(self, index: int) -> Actor:
        person, user_id = self.residents[index]
        return Actor(person.tenant_id, user_id, ("resident",))


class Loader:
    def __init__(self, caller: Caller, world: World, threads: int = 4):
        self.caller = caller
        self.world = world
        self.size = world.size
        self.threads = threads
        self.errors: list[BaseException] = []
        self.summary: dict[str, int] = {}
        self.names = {tenant_id: name for tenant_id, name, _code in data.communities(world.size)}

    def call(self, actor: Actor, service: str, method: str, *args: Any, **kwargs: Any) -> Any:
        return self.caller.call(actor, service, method, *args, **kwargs)

    def each(self, label, items, fn, threads: int | None = None):
        return self.caller.each(label, items, fn, threads or self.threads)

    def count(self, name: str, value: int) -> None:
        self.summary[name] = value

    def run(self) -> dict[str, int]:
        size = self.size
        for label, total in (("jobs.employers", size.employers), ("jobs.posts", size.posts),
                             ("jobs.workers", size.workers),
                             ("jobs.applications", size.placements + size.extra_applications),
                             ("jobs.fairs", size.fairs), ("jobs.rights_cases", size.rights_cases),
                             ("training.sessions", size.vocational_sessions + size.cultural_classes),
                             ("governance.party_members", 2 * size.floating_members),
                             ("points.acts", size.acts), ("points.redemptions", size.redemptions)):
            self.caller.progress.plan(label, total)  # so that the bar measures the whole load from the start
        pipelines = [self.jobs, self.training, self.governance, self.points]
        threads = [threading.Thread(target=self._guard, args=(p,), name=p.__name__) for p in pipelines]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if self.errors:
            raise self.errors[0]
        return self.summary

    def _guard(self, pipeline) -> None:
        try:
            pipeline()
        except BaseException as exc:  # reported by run(), after the other pipelines finish
            self.errors.append(exc)

    def _pages(self, actor: Actor, service: str, method: str, query: dict, *args: Any,
               cursor: str = "after") -> list[dict]:
        items, after = [], None
        while True:
            page = self.call(actor, service, method, *args, {**query, cursor: after, "limit": 200})
            items += page["items"]
            after = page.get("next_cursor")
            if not after:
                return items

    # --- jobs: employers, posts, workers, applications and placements, fairs, the rights desk ----------

    def jobs(self) -> None:
        w, size = self.world, self.size
        rng = random.Random(data.SEED + 10)
        skills = [s["code"] for s in self.call(w.staff[w.communities[0]], "jobs", "list_skills")["items"]]
        owners = [ALLIANCE] * max(1, size.employers // 5) + [
            w.communities[i % len(w.communities)] for i in range(size.employers - max(1, size.employers // 5))]
        # employers
        existing: dict[str, dict[str, dict]] = {}
        for tenant in set(owners):
            existing[tenant] = {e["name"]: e for e in self.call(w.staff[tenant], "jobs", "list_employers")["items"]}
        planned = [(i, owners[i], _employer_name(i)) for i in range(size.employers)]

        def employer(item):
            i, tenant, name = item
            found = existing[tenant].get(name)
            if found is None:
                found = self.call(w.staff[tenant], "jobs", "register_employer", {
                    "name": name, "industrial_park": PARKS[i % len(PARKS)],
                    "description": "零工市场联盟成员企业 / a member of the gig-market alliance"})
            if found["status"] != "verified":
                found = self.call(w.staff[tenant], "jobs", "decide_employer", found["id"], {"status": "verified"})
            return found

        employers = self.each("jobs.employers", planned, employer)
        self.count("employers", len(employers))

        # posts: a reference number in the description is each post's natural key
        posts_by_ref: dict[str, dict] = {}
        for tenant in set(owners):
            for post in self._pages(w.staff[tenant], "jobs", "list_posts", {}):
                ref = post["description"].split("】", 1)[0].removeprefix("【岗位编号 ")
                posts_by_ref[ref] = post
        planned_posts = []
        for p in range(size.posts):
            e = p % size.employers
            tenant = owners[e]
            title, job_type, pay, period, groups = POST_KINDS[p % len(POST_KINDS)]
            planned_posts.append((f"P{p:05d}", tenant, employers[e], title, job_type,
                                  pay + pay * rng.randint(-2, 6) // 20,
                                  period, groups, rng.sample(skills, 2) if skills else [], rng.randint(1, 7)))

        def payload(item):
            ref, tenant, employer_row, title, job_type, pay, period, groups, wanted, day = item
            return {
                "employer_id": employer_row["id"], "title": title, "job_type": job_type,
                "description": f"【岗位编号 {ref}】{employer_row['name']}招聘{title}，就近上岗，按时结算。",
                "pay_amount": pay, "pay_period": period, "headcount": 3, "area": AREAS[day % len(AREAS)],
                "shifts": [{"weekday": (day + k) % 7 + 1, "start": "09:00", "end": "15:00"} for k in range(3)],
                "preferred_skills": wanted, "target_groups": groups, "benefits": ["insurance"],
                "visibility": {"scope": "all" if tenant == ALLIANCE else "own", "tenants": []}}

        # new posts go in batches per tenant (create + open, the same rules); an old draft is opened
        missing: dict[str, list[tuple]] = defaultdict(list)
        drafts = []
        for item in planned_posts:
            found = posts_by_ref.get(item[0])
            if found is None:
                missing[item[1]].append(item)
            elif found["status"] == "draft":
                drafts.append((item[1], found["id"]))
        batches = [(tenant, items[k:k + 100]) for tenant, items in missing.items() for k in range(0, len(items), 100)]
        self.caller.progress.plan("jobs.posts", len(planned_posts))
        self.caller.progress.advance("jobs.posts", len(planned_posts) - sum(len(b) for _t, b in batches))

        def publish(batch):
            tenant, items = batch
            made = self.call(w.staff[tenant], "jobs", "publish_posts_batch", {"posts": [payload(i) for i in items]})
            for item, row in zip(items, made["items"], strict=False):
                posts_by_ref[item[0]] = row
            self.caller.progress.advance("jobs.posts", len(items))

        self.caller.each("jobs.post_batches", batches, publish, 2)
        for tenant, post_id in drafts:
            row = self.call(w.staff[tenant], "jobs", "open_post", post_id)
            posts_by_ref[row["description"].split("】", 1)[0].removeprefix("【岗位编号 ")] = row
        posts = [posts_by_ref[item[0]] for item in planned_posts]
        self.count("posts", len(posts))
        open_by_tenant: dict[str, list[dict]] = defaultdict(list)
        for row in posts:
            open_by_tenant[row["tenant_id"]].append(row)

        # workers: the community's staff register residents at the gig market (a sign-up sheet), in batches
        sheets: dict[str, list[int]] = defaultdict(list)
        for index in range(size.workers):
            sheets[w.residents[index][0].tenant_id].append(index)
        self.caller.progress.plan("jobs.workers", size.workers)

        def profile(index):
            person, user_id = w.residents[index]
            return {"on_behalf_of_user_id": user_id, "display_name": person.name, "phone": person.phone,
                    "skills": rng_for(index).sample(skills, 2),
                    "availability": [{"weekday": d, "start": "09:00", "end": "15:00"} for d in (1, 2, 3, 4, 5)],
                    "home_area": AREAS[index % len(AREAS)], "expected_daily_pay": 180 + (index % 8) * 20,
                    "groups": [GROUP_CYCLE[index % len(GROUP_CYCLE)]], "consent_recommendations": True}

        def sheet(batch):
            tenant, indexes = batch
            self.call(w.staff[tenant], "jobs", "register_workers_batch", {"workers": [profile(i) for i in indexes]})
            self.caller.progress.advance("jobs.workers", len(indexes))

        self.caller.each("jobs.worker_sheets", [(t, ix[k:k + 200]) for t, ix in sheets.items()
                                                for k in range(0, len(ix), 200)], sheet, 2)
        self.count("workers", size.workers)

        # applications; the first `placements` of them go on to a hire
        def application(k):
            actor = w.resident(k)
            # the k-th applicant of a community takes their own community's posts first, one each; past
            # those (or in a community without posts), one of the alliance's, spread over them all
            own, seq = open_by_tenant[actor.tenant_id], k // len(w.communities)
            alliance = open_by_tenant[ALLIANCE]
            choices = own[seq:] + alliance[k % len(alliance):] + alliance[:k % len(alliance)]
            for target in choices:  # a post filled meanwhile (by another size's demo on this database): the next
                try:
                    app = self.call(actor, "jobs", "apply", {"post_id": target["id"]})
                    app_id, status = app["id"], app["status"]
                    break
                except Conflict as exc:
                    app_id, status = exc.extra.get("application_id"), exc.extra.get("current_status")
                    if app_id is not None:
                        break  # applied on an earlier run: carry on from where it is
                    if exc.extra.get("post_status") is None:
                        raise
            else:
                raise RuntimeError(f"no open post for applicant {k}")
            if k < size.placements:
                staff = w.staff[target["tenant_id"]]
                for step in ("shortlisted", "offered", "hired"):
                    if ORDER.index(status) < ORDER.index(step):
                        status = self.call(staff, "jobs", "transition_application", app_id, {"status": step})["status"]
            return status

        self.each("jobs.applications", range(size.placements + size.extra_applications), application,
                  threads=self.threads * 2)
        self.count("placements", size.placements)
        self.count("applications", size.placements + size.extra_applications)
        self._fairs(employers, owners)
        self._rights_desk()

    def _fairs(self, employers: list[dict], owners: list[str]) -> None:
        w, size = self.world, self.size
        existing: dict[str, dict] = {}
        organisers = sorted({w.communities[f % len(w.communities)] for f in range(size.fairs)})
        for tenant in organisers:
            for fair in self._pages(w.staff[tenant], "jobs", "list_fairs", {"when": "all"}):
                if fair["tenant_id"] == tenant:
                    existing[fair["title"]] = fair
        planned = []
        for f in range(size.fairs):
            tenant = w.communities[f % len(w.communities)]
            name = self.names[tenant]
            if f < size.held_fairs:  # on today: doors opened an hour ago
                starts = NOW - timedelta(hours=1)
            else:  # upcoming, a few each week
                starts = (NOW + timedelta(days=1 + (f * 3) % 180)).replace(hour=1)  # 09:00 in Hangzhou
            kind = FAIR_KINDS[f % len(FAIR_KINDS)]
            local = starts + timedelta(hours=8)
            planned.append((f, tenant, f"{name}{kind}（第{f + 1}场·{local.month}月{local.day}日）", starts))
        booth_employers: dict[str, list[dict]] = defaultdict(list)  # a community's own verified employers
        for employer_row, owner in zip(employers, owners, strict=False):
            booth_employers[owner].append(employer_row)

        def fair(item):
            f, tenant, title, starts = item
            staff = w.staff[tenant]
            found = existing.get(title)
            if found is None:
                found = self.call(staff, "jobs", "create_fair", {
                    "title": title, "kind": "online" if f % 10 == 9 else "on_site",
                    "description": "家门口的招聘会：联盟企业现场招聘，提供政策咨询和维权服务台。",
                    "starts_at": iso(starts), "ends_at": iso(starts + timedelta(hours=4)),
                    "venue": None if f % 10 == 9 else f"{title[:4]}党群服务中心广场",
                    "online_url": "https://fengchao.example.cn/live" if f % 10 == 9 else None,
                    "target_groups": ["floating_party_member"] if "流动党员" in title else [],
                    "capacity": 300, "audience_everyone": True})
                for n, employer in enumerate(booth_employers[tenant][:3]):
                    # `booth` given: BoothAdd has no default for it (omitted, the service fails with a TypeError)
                    self.call(staff, "jobs", "add_fair_booth", found["id"],
                              {"employer_id": employer["id"], "booth": f"A-{n + 1}"})
            if found["status"] == "draft":
                found = self.call(staff, "jobs", "publish_fair", found["id"])
            if f < size.held_fairs and found["status"] == "published" and starts <= NOW:
                found = self.call(staff, "jobs", "hold_fair", found["id"])
            return found

        self.each("jobs.fairs", planned, fair)
        self.count("fairs", size.fairs)

    def _rights_desk(self) -> None:
        """Cases opened by the desk for residents, assigned, worked and concluded (resolved or
        referred). Each carries `source_ref` `demo:<n>`, so a rerun finds its own cases and never
        touches a case the community's desk opened itself."""
        w, size = self.world, self.size
        by_tenant: dict[str, list[int]] = defaultdict(list)
        for c in range(size.rights_cases):
            by_tenant[w.communities[c % len(w.communities)]].append(c)

        def desk(tenant):
            staff = w.staff[tenant]
            self.call(staff, "jobs", "set_desk_member", {"user_id": staff.user_id, "desk_role": "community_lawyer",
                                                         "title": "社区律师工作站"})
            have = [c for c in self._pages(staff, "jobs", "list_rights_cases", {})
                    if (c.get("source_ref") or "").startswith("demo:")]
            return tenant, have

        work: list[tuple[Actor, str | None, dict | None, int]] = []
        for tenant, have in self.each("jobs.desk", sorted(by_tenant), desk):
            staff = w.staff[tenant]
            for case in have:
                if case["status"] not in ("resolved", "referred", "closed"):
                    work.append((staff, case["id"], case, 0))
            opened = {case["source_ref"] for case in have}
            for c in by_tenant[tenant]:
                if f"demo:{c}" not in opened:
                    work.append((staff, None, None, c))
        offset = size.workers  # the people helped are others than those placed

        def case(item):
            staff, case_id, row, c = item
            status = row["status"] if row else None
            if case_id is None:
                mine = w.by_tenant[staff.tenant_id]  # a resident of the community whose desk opens the case
                person = w.residents[mine[(offset // len(w.communities) + c // len(w.communities)) % len(mine)]]
                category = CASE_KINDS[c % len(CASE_KINDS)]
                row = self.call(staff, "jobs", "open_rights_case", {
                    "category": category[0], "summary": category[1], "source": "staff",
                    "source_ref": f"demo:{c}", "person_user_id": person[1]})
                case_id, status = row["id"], row["status"]
            if status == "open":
                status = self.call(staff, "jobs", "assign_rights_case", case_id,
                                   {"assignee_user_id": staff.user_id})["status"]
            if status == "assigned":
                status = self.call(staff, "jobs", "start_rights_case", case_id)["status"]
            if status == "in_progress":
                referred = c % 5 == 4
                self.call(staff, "jobs", "conclude_rights_case", case_id, {
                    "outcome": "referred" if referred else "resolved",
                    "note": "已转介区劳动人事争议仲裁院" if referred else "经调解，企业已结清工资",
                    "referred_to": "区劳动人事争议仲裁院" if referred else None})

        self.each("jobs.rights_cases", work, case)
        self.count("rights_cases", size.rights_cases)

    # --- training: courses, sessions, enrolments, attendance, completion and certificates ----------------

    def training(self) -> None:
        w, size = self.world, self.size
        categories = [c["id"] for c in self.call(w.staff[w.communities[0]], "training", "list_categories")["items"]]
        courses = []  # (host tenant, payload, audience); certificate courses first, so every size has some
        for n, category in enumerate(categories):  # one free vocational course per category, run by the college
            courses.append((COLLEGE, {"kind": "vocational", "format": "night_school" if n % 2 else "master_class",
                                      "category_id": category,
                                      "title": f"{VOCATIONAL_TITLES.get(category, category)}技能班",
                                      "description": "党群夜校免费职业技能课程，金牌导师团授课。",
                                      "min_attendance_share": 0.5}, {"everyone": True}))
        courses.insert(0, (COLLEGE, {"kind": "certificate", "category_id": "logistics", "title": "快递员证考证班",
                                  "pass_mark": 60, "certificate_name": "快递员证", "skill": "快递",
                                  "min_attendance_share": 0.5, "certificate_valid_months": 36}, {"everyone": True}))
        courses.insert(1, (COLLEGE, {"kind": "certificate", "category_id": "pastry", "title": "中式面点师证考证班",
                                  "pass_mark": 60, "certificate_name": "中式面点师证", "min_attendance_share": 0.5},
                        {"everyone": True}))
        for tenant in w.communities[:size.cultural_classes]:  # each community's cultural classes
            courses.append((tenant, {"kind": "cultural", "title": "新居民文化课堂", "min_attendance_share": 0.5,
                                     "description": "书法、合唱、非遗手作，周末开课。"}, {}))

        def course(item):
            host, payload, audience = item
            staff = w.staff[host]
            found = next((c for c in self._pages(staff, "training", "list_courses", {})
                          if c["title"] == payload["title"] and c["tenant_id"] == host), None)
            if found is None:
                found = self.call(staff, "training", "create_course", payload)
            if found["status"] == "draft":
                found = self.call(staff, "training", "publish_course", found["id"], audience)
            return found

        made = self.each("training.courses", courses, course)
        vocational = [c for c in made if c["kind"] in ("vocational", "certificate")]
        cultural = [c for c in made if c["kind"] == "cultural"]
        plan = [(vocational[s % len(vocational)], f"第{s // len(vocational) + 1}期")
                for s in range(size.vocational_sessions)]
        plan += [(cultural[s % len(cultural)], f"第{s // len(cultural) + 1}期") for s in range(size.cultural_classes)]
        learners_everywhere = list(range(len(w.residents)))

        def cohort(item):
            course_row, label = item
            host = course_row["tenant_id"]
            staff = w.staff[host]
            found = next((s for s in self.call(staff, "training", "list_sessions", course_row["id"])["items"]
                          if s["label"] == label), None)
            if found is None:
                found = self.call(staff, "training", "create_session", course_row["id"], {
                    "label": label, "venue": "康桥街道党群服务中心三楼教室", "capacity": 40,
                    "enrol_opens_at": iso(NOW - timedelta(days=30)), "enrol_closes_at": iso(NOW + timedelta(days=30)),
                    "meetings": [{"starts_at": iso(NOW - timedelta(days=2, hours=1)),
                                  "ends_at": iso(NOW - timedelta(days=2) + timedelta(hours=1)), "topic": "第一课"}]})
            if found["status"] != "open":
                return found
            pool = learners_everywhere if host == COLLEGE else w.by_tenant[host]
            start = (abs(hash(course_row["title"] + label)) % 997) * 13
            chosen = [pool[(start + k * 31) % len(pool)] for k in range(size.learners_per_session)]
            roster = {e["user_id"]: e for e in self.call(staff, "training", "roster", found["id"])["items"]}
            for index in chosen:
                actor = w.resident(index)
                if actor.user_id not in roster:
                    try:
                        enrolment = self.call(actor, "training", "enrol", found["id"],
                                              {"participant_name": w.residents[index][0].name})
                        roster[actor.user_id] = enrolment
                    except Conflict:
                        pass
            enrolled = [e for e in roster.values() if e["status"] == "enrolled"]
            present = [e["id"] for n, e in enumerate(enrolled) if n % 6 != 5]  # most came
            meeting = found["meetings"][0]["id"]
            if present:
                self.call(staff, "training", "mark_attendance", meeting, {"present": present, "walk_ins": []})
            if course_row["kind"] == "certificate":
                for n, e in enumerate(enrolled):
                    if e.get("exam_score") is None:
                        self.call(staff, "training", "set_exam_score", e["id"], {"score": 55 + (n * 7) % 45})
            return self.call(staff, "training", "close_session", found["id"])

        self.each("training.sessions", plan, cohort, threads=self.threads)
        self.count("training_sessions", size.vocational_sessions)
        self.count("cultural_classes", size.cultural_classes)

    # --- governance: the council and its resolutions, branches, the grid, places, voices ---------------

    def governance(self) -> None:
        w, size = self.world, self.size
        host = w.communities[0]
        staff = w.staff[host]
        shared = w.communities[1:50]  # a council is shared with at most 49 other communities
        name, description = "红茶议事会", "由物业、业委会、楼道长、快递小哥和居民代表组成的常设议事机制。"
        # the demo's own council (name and description): a community may already run another one
        council = next((c for c in self._pages(staff, "governance", "list_councils", {})
                        if c["name"] == name and c.get("description") == description), None)
        if council is None:
            council = self.call(staff, "governance", "create_council", {
                "name": name, "theme": "小哥友好社区", "shared_with": shared, "description": description})
        if set(shared) - set(council["shared_with"]):  # a bigger demo than the last run
            council = self.call(staff, "governance", "share_council", council["id"], {
                "shared_with": sorted(set(council["shared_with"]) | set(shared))[:49]})
        self.progress_one("governance.council")
        # members: residents of every community, seated by group
        seated = {m["user_id"] for m in self._pages(staff, "governance", "list_members", {}, council["id"])}
        members = []
        eligible = sorted((i for t in [host, *shared] for i in w.by_tenant[t]), reverse=True)
        for m in range(size.council_members):
            index = eligible[(m * 3) % len(eligible)]
            person, user_id = w.residents[index]
            members.append({"user_id": user_id, "display_name": person.name,
                            "stakeholder_group": STAKEHOLDERS[m % len(STAKEHOLDERS)],
                            "home_tenant_id": None if person.tenant_id == host else person.tenant_id})
        missing = [m for m in members if m["user_id"] not in seated]
        if missing:
            self.call(staff, "governance", "add_members", council["id"], {"members": missing})
        self.progress_one("governance.members")
        member_actor = {m["user_id"]: Actor(m["home_tenant_id"] or host, m["user_id"], ("resident",)) for m in members}

        # sessions, held (minutes recorded)
        have = {s["title"]: s for s in self.call(staff, "governance", "list_sessions", council["id"])["items"]}

        def meeting(s):
            title = f"红茶议事会第{s + 1}次会议：{SESSION_THEMES[s % len(SESSION_THEMES)]}"
            found = have.get(title)
            if found is None:
                starts = NOW - timedelta(days=7 * (size.council_sessions - s))
                found = self.call(staff, "governance", "schedule_session", council["id"], {
                    "title": title, "agenda": [SESSION_THEMES[s % len(SESSION_THEMES)]], "starts_at": iso(starts),
                    "ends_at": iso(starts + timedelta(hours=2)), "venue": "向阳社区红茶议事厅"})
            if found["status"] == "scheduled":
                self.call(staff, "governance", "record_minutes", found["id"], {
                    "minutes": f"与会代表围绕“{SESSION_THEMES[s % len(SESSION_THEMES)]}”充分讨论，形成共识。",
                    "decisions": [SESSION_THEMES[s % len(SESSION_THEMES)]]})

        self.each("governance.sessions", range(size.council_sessions), meeting)

        # the resolutions: proposal → deliberation → a vote every member takes part in → resolution
        proposals = {p["title"]: p for p in self.call(staff, "governance", "list_proposals", council["id"])["items"]}
        voters = [member_actor[m["user_id"]] for m in members]

        def resolution(item):
            n, (title, body) = item
            found = proposals.get(title)
            if found is None:
                found = self.call(staff, "governance", "create_proposal", council["id"], {"title": title, "body": body})
            if found["status"] == "draft":
                found = self.call(staff, "governance", "transition_proposal", found["id"], {"action": "submit"})
            if found["status"] == "submitted":
                found = self.call(staff, "governance", "transition_proposal", found["id"], {"action": "deliberate"})
            if found["status"] == "in_deliberation":
                self.call(staff, "governance", "open_vote", found["id"], {
                    "closes_at": iso(NOW + timedelta(days=7))})
                found = self.call(staff, "governance", "get_proposal", found["id"])
            last = n == len(RESOLUTIONS) - 1  # the newest one stays open for residents to vote on
            if found["status"] == "voting" and not last:
                vote_id = found["vote_id"]
                for k, voter in enumerate(voters):
                    with contextlib.suppress(Conflict):  # voted on an earlier run
                        self.call(voter, "governance", "cast_ballot", vote_id,
                                  {"choice": "disagree" if k % 9 == 8 else "agree"})
                self.call(staff, "governance", "close_vote", vote_id, {"early": True})
                found = self.call(staff, "governance", "get_proposal", found["id"])
            if found["status"] == "adopted":
                with contextlib.suppress(Conflict):  # already a resolution
                    self.call(staff, "governance", "adopt_resolution", found["id"], {
                        "title": title, "text": body, "effective_on": NOW.date().isoformat()})
            return found

        self.each("governance.resolutions", list(enumerate(RESOLUTIONS)), resolution)
        self._branches_and_places()
        self.count("council_sessions", size.council_sessions)
        self.count("council_members", size.council_members)

    def progress_one(self, label: str) -> None:
        self.caller.progress.plan(label, 1)
        self.caller.progress.advance(label)

    def _branches_and_places(self) -> None:
        w, size = self.world, self.size
        floating_start = size.workers + size.rights_cases * 2

        def community(tenant):
            staff = w.staff[tenant]
            branches = {b["name"]: b for b in self.call(staff, "governance", "list_branches")["items"]}
            name = self.names[tenant]
            wanted = [(f"{name}居民党支部", "residential"), (f"{name}快递小哥楼宇党小组", "building_group")]
            for branch_name, kind in wanted:
                if branch_name not in branches:
                    branches[branch_name] = self.call(staff, "governance", "create_branch",
                                                      {"name": branch_name, "kind": kind})
                    branches[branch_name].setdefault("members", [])
            return tenant, [branches[n] for n, _k in wanted]

        # floating party members: enrolled in their residential branch and in a building group (双向编入)
        members = [(floating_start + k) % len(w.residents) for k in range(size.floating_members)]
        branches = dict(self.each("governance.branches", sorted({w.residents[i][0].tenant_id for i in members}),
                                  community))
        enrolled = {(b["id"], m["user_id"]) for pair in branches.values() for b in pair for m in b.get("members", [])}
        work = []
        for index in members:
            person, user_id = w.residents[index % len(w.residents)]
            for branch in branches[person.tenant_id]:
                if (branch["id"], user_id) not in enrolled:
                    work.append((person, user_id, branch))

        def enrol(item):
            person, user_id, branch = item
            with contextlib.suppress(Conflict):
                self.call(w.staff[person.tenant_id], "governance", "enrol_branch_member", branch["id"], {
                    "user_id": user_id, "display_name": person.name, "floating": True})

        self.each("governance.party_members", work, enrol)
        self.count("floating_party_members", size.floating_members)

        # the grid force
        def grid(tenant):
            staff = w.staff[tenant]
            have = {g["user_id"] for g in self.call(staff, "governance", "list_grid")["items"]}
            count = len([k for k in range(size.grid_members) if w.communities[k % len(w.communities)] == tenant])
            mine = w.by_tenant[tenant][5:5 + count]
            for n, index in enumerate(mine):
                person, user_id = w.residents[index]
                if user_id not in have:
                    self.call(staff, "governance", "add_grid_member", {
                        "user_id": user_id, "display_name": person.name, "grid": f"第{n % 6 + 1}网格"})

        self.each("governance.grid", sorted({w.communities[k % len(w.communities)]
                                             for k in range(size.grid_members)}), grid)

        # places: 19 courier rest stops (暖蜂驿站) and 15 party-mass service centres and stations
        places = [("rest_stop", f"暖蜂驿站{n + 1}号", n) for n in range(size.rest_stops)]
        places += [("service_centre" if n < 3 else "service_station",
                    f"党群服务{'中心' if n < 3 else '站'}{n + 1}号", n)
                   for n in range(size.service_points)]
        have_places: dict[str, set[str]] = {}
        for tenant in sorted({w.communities[n % len(w.communities)] for _k, _name, n in places}):
            have_places[tenant] = {a["name"] for a in self.call(w.staff[tenant], "governance", "list_assets")["items"]
                                   if a["tenant_id"] == tenant}

        def place(item):
            kind, name, n = item
            tenant = w.communities[n % len(w.communities)]
            if name in have_places[tenant]:
                return
            rest = kind == "rest_stop"
            self.call(w.staff[tenant], "governance", "create_asset", {
                "kind": kind, "name": name, "address": f"康桥路{100 + n * 7}号", "lat": 30.36 + n * 0.003,
                "lng": 120.17 + (n % 7) * 0.004, "share_with_all": True,
                "amenities": ["water", "microwave", "first_aid_kit", "charging"] + (["open_24h"] if rest and n % 3 == 0
                                                                                   else []),
                "opening_hours": [{"weekday": d, "open": "08:00", "close": "20:00"} for d in range(1, 8)]})

        self.each("governance.places", places, place)
        self.count("rest_stops", size.rest_stops)
        self.count("service_points", size.service_points)

        # "Couriers have a say": items raised by residents, some answered
        voice_start = floating_start + size.floating_members

        def voices(tenant):
            staff = w.staff[tenant]
            have = {v["text"] for v in self._pages(staff, "governance", "list_voice", {})}
            mine = [k for k in range(size.voice_items) if w.communities[k % len(w.communities)] == tenant]
            for k in mine:
                text, category = VOICES[k % len(VOICES)]
                text = f"{text}（{tenant}-{k + 1}）"
                if text in have:
                    continue
                index = w.by_tenant[tenant][(voice_start + k) % len(w.by_tenant[tenant])]
                item = self.call(w.resident(index), "governance", "submit_voice", {"text": text, "category": category})
                if k % 3 == 0:
                    self.call(staff, "governance", "triage_voice", item["id"], {
                        "action": "answer", "answer": "已转物业和快递站点协调，一周内答复。"})

        self.each("governance.voice", sorted({w.communities[k % len(w.communities)]
                                              for k in range(size.voice_items)}), voices)
        self.count("voice_items", size.voice_items)

    # --- points: caring merchants and their catalogue, volunteers' acts, redemptions -------------------

    def points(self) -> None:
        w, size = self.world, self.size

        def merchants(tenant):
            staff, operator = w.staff[tenant], w.merchant_ops[tenant]
            have = {m["name"]: m for m in self.call(staff, "points", "list_merchants", {})["items"]}
            shop = MERCHANT_SHOPS[w.communities.index(tenant) % len(MERCHANT_SHOPS)]
            merchant = have.get(shop[0]) or self.call(staff, "points", "create_merchant", {
                "name": shop[0], "category": shop[1], "address": "康桥路爱心商圈",
                "operator_user_ids": [operator.user_id]})
            items = {i["name"]: i
                     for i in self.call(staff, "points", "catalogue", {"merchant_id": merchant["id"]})["items"]}
            for item_name, price in shop[2]:
                if item_name not in items:
                    items[item_name] = self.call(staff, "points", "create_item", merchant["id"], {
                        "name": item_name, "price_points": price, "stock": 100_000})
            return tenant, (merchant, list(items.values()))

        volunteers = list(range(min(size.volunteers, len(w.residents))))
        redeemers = [volunteers[r % len(volunteers)] for r in range(min(size.redemptions, len(volunteers)))]
        shops = dict(self.each("points.merchants", sorted({w.residents[i][0].tenant_id for i in redeemers}),
                               merchants))

        # acts: 32,000 awards to 13,000 volunteers, in batches per community (idempotency keys)
        rng = random.Random(data.SEED + 40)
        batches: dict[str, list[dict]] = defaultdict(list)
        for act in range(size.acts):
            index = volunteers[act % len(volunteers)]
            person, user_id = w.residents[index]
            category, reason = ACTS[act % len(ACTS)]
            batches[person.tenant_id].append({
                "user_id": user_id, "amount": 10 + rng.randint(0, 4) * 5, "category": category, "reason": reason,
                "occurred_at": iso(NOW - timedelta(days=rng.randint(1, 300))),
                "idempotency_key": f"demo-{size.name}-act-{act}"})  # act N of another size is another act
        # Batches of different communities side by side: each award moves its community's issuance account,
        # so two batches of one community would wait on each other's row lock.
        work = [(tenant, items[k:k + 200]) for k in range(0, max(map(len, batches.values()), default=0), 200)
                for tenant, items in batches.items() if k < len(items)]
        self.caller.progress.plan("points.acts", size.acts)

        def award(item):
            tenant, awards = item
            result = self.call(w.staff[tenant], "points", "award_batch", {"awards": awards})
            self.caller.progress.advance("points.acts", len(awards))
            return result

        with_threads = self.caller.each
        with_threads("points.award_batches", work, award, 3)
        self.count("volunteers", len(volunteers))
        self.count("acts", size.acts)

        # redemptions: a volunteer trades points for goods at their community's merchant; the shop confirms
        already: dict[str, set[str]] = {}
        for tenant in shops:
            merchant = shops[tenant][0]
            rows = self._pages(w.merchant_ops[tenant], "points", "list_redemptions", {"merchant_id": merchant["id"]},
                               cursor="before")
            already[tenant] = {r["user_id"] for r in rows}

        def redeem(r):
            index = volunteers[r % len(volunteers)]
            person, user_id = w.residents[index]
            if user_id in already[person.tenant_id]:
                return
            merchant, items = shops[person.tenant_id]
            cheapest = min(items, key=lambda i: i["price_points"])
            voucher = self.call(w.resident(index), "points", "create_redemption", {"item_id": cheapest["id"]})
            if r % 8 != 7:  # most are used at the shop; a few wait to be picked up
                self.call(w.merchant_ops[person.tenant_id], "points", "confirm_voucher", voucher["code"])

        self.each("points.redemptions", range(min(size.redemptions, len(volunteers))), redeem)
        self.count("redemptions", size.redemptions)


def rng_for(index: int) -> random.Random:
    return random.Random(data.SEED * 7 + index)


def _employer_name(i: int) -> str:
    prefix = EMPLOYER_PREFIXES[i % len(EMPLOYER_PREFIXES)]
    trade = EMPLOYER_TRADES[(i // len(EMPLOYER_PREFIXES)) % len(EMPLOYER_TRADES)]
    return f"杭州{prefix}{trade}有限公司" + (f"（{i // (len(EMPLOYER_PREFIXES) * len(EMPLOYER_TRADES)) + 1}分公司）"
                                      if i >= len(EMPLOYER_PREFIXES) * len(EMPLOYER_TRADES) else "")


ORDER = ["applied", "shortlisted", "interview", "offered", "hired", "rejected", "withdrawn"]
PARKS = ("康桥工业园", "拱墅智慧网谷", "运河物流园")
AREAS = ("向阳新村", "东新园", "环球公寓", "运河湾", "桥西小区", "康园", "和睦新村", "拱宸桥", "东风苑", "新苑")
GROUP_CYCLE = ("courier", "full_time_mother", "older_job_seeker", "veteran", "courier", "floating_party_member")
EMPLOYER_PREFIXES = ("顺达", "申通", "中通", "韵达", "极兔", "盒马", "美团", "饿了么", "百世", "德邦", "京邦", "菜鸟",
                     "康桥", "运河", "拱宸")
EMPLOYER_TRADES = ("物流", "快递", "供应链", "餐饮管理", "家政服务", "物业管理", "电子商务", "食品", "保洁服务", "包装")
POST_KINDS = (
    ("快递分拣员", "gig", 180, "day", ["courier"]),
    ("仓库理货员", "part_time", 25, "hour", ["older_job_seeker"]),
    ("社区团购配送员", "gig", 200, "day", ["courier"]),
    ("超市收银员（学校时段）", "part_time", 22, "hour", ["full_time_mother"]),
    ("保洁员", "part_time", 20, "hour", ["older_job_seeker"]),
    ("外卖骑手", "gig", 8, "piece", ["courier"]),
    ("食堂帮厨", "part_time", 23, "hour", ["full_time_mother"]),
    ("安保巡逻员", "full_time", 5200, "month", ["veteran"]),
    ("电商打包员", "gig", 170, "day", []),
    ("育婴师", "full_time", 6800, "month", ["full_time_mother"]),
)
FAIR_KINDS = ("家门口的招聘会", "流动党员专场招聘会", "宝妈灵活就业专场", "退役军人专场招聘会", "大龄人员就业专场")
CASE_KINDS = (
    ("wage_arrears", "在物流园做分拣两周，工资至今未结。"),
    ("contract_dispute", "用工单位未签劳动合同，提前辞退未给补偿。"),
    ("work_injury", "配送途中摔伤，站点不认工伤。"),
    ("policy_consultation", "咨询灵活就业社保补贴如何申请。"),
    ("legal_aid", "申请法律援助，追讨电商平台押金。"),
    ("psychological_support", "长期夜班压力大，希望有人聊聊。"),
)
VOCATIONAL_TITLES = {"beauty": "美容美发", "cooking": "中式烹调", "pastry": "中式面点", "photography": "摄影摄像",
                     "online_shop": "网店运营", "livestream": "直播电商", "crafts": "手工编织",
                     "housekeeping": "家政服务",
                     "infant_care": "育婴护理", "elder_care": "养老护理", "logistics": "快递物流",
                     "digital_skills": "手机应用"}
STAKEHOLDERS = ("courier", "resident", "property_manager", "owners_committee", "estate_officer", "community_staff",
                "courier")
SESSION_THEMES = ("快递车辆分时段进出", "小区出入通行公约", "外卖车辆专用停车区", "安置房平面指引图", "电动车充电安全",
                  "暖蜂驿站管理", "夜间配送噪音", "楼道堆放整治")
RESOLUTIONS = (
    ("小区出入通行公约", "快递小哥凭备案证件刷码进出十个安置小区，物业统一登记。"),
    ("快递车辆分时段进出", "每日7-9时、17-19时以外时段，快递三轮车可进入小区主干道。"),
    ("小区外设置快递外卖专用停车位", "在各小区门口外侧划设专用临时停车位，限停20分钟。"),
    ("十个安置小区设置平面指引图", "在所有安置小区入口设置楼栋平面图和门牌指引。"),
    ("增设电动自行车集中充电点", "在暖蜂驿站旁增设集中充电桩，由物业统一管理。"),
)
VOICES = (
    ("东门快递车早高峰进不去，能否开放侧门？", "access"),
    ("小区外没有临时停车位，外卖车停路边被贴条。", "parking"),
    ("驿站微波炉坏了，希望尽快修理。", "rest_stop"),
    ("希望在楼下增设电动车充电桩。", "charging"),
    ("楼号指示不清，夜里送件常找错楼。", "services"),
    ("建议驿站晚上延长开放到23点。", "idea"),
)
MERCHANT_SHOPS = (
    ("老杭州烧麦店", "餐饮 / food", (("鲜肉烧麦一笼", 20), ("豆浆一杯", 10))),
    ("向阳文具店", "文具 / stationery", (("儿童文具套装", 30), ("笔记本", 10))),
    ("光影照相馆", "照相 / photo studio", (("证件照一版", 30), ("全家福折扣券", 50))),
    ("邻里便利店", "便利店 / grocery", (("矿泉水一箱", 20), ("洗衣液", 30))),
)
ACTS = (
    ("volunteer", "暖蜂驿站清洁值班"),
    ("first_aid", "参加急救演练"),
    ("anti_fraud", "防诈骗宣传进楼道"),
    ("neighbourly", "帮助独居老人取快递"),
    ("volunteer", "小区垃圾分类督导"),
    ("governance", "参加红茶议事会"),
)
