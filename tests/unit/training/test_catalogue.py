"""The catalogue: categories, course rules, and publishing a college's course to communities."""

import importlib.util
from pathlib import Path

import pytest

from services.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.training import catalogue, scheduling
from tests.unit.training.conftest import ctx

COLLEGE_STAFF = ctx("hzvtc", "staff-hzvtc", "staff")


def test_the_twelve_categories_in_the_migration_are_the_ones_in_the_code(world):
    path = Path(catalogue.__file__).parent / "migrations" / "versions" / "0002_courses_and_certificates.py"
    spec = importlib.util.spec_from_file_location("training_0002", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert catalogue.category_rows() == migration.CATEGORIES and len(migration.CATEGORIES) == 12
    with world.session("xiangyang") as s:
        names = [c.name_zh for c in catalogue.list_categories(session=s, limit=20, after=None).items]
    assert names[:3] == ["美容美发", "中式烹调", "中式面点"] and len(names) == 12


@pytest.mark.parametrize("fields, bad", [
    ({"kind": "certificate"}, {"pass_mark", "certificate_name"}),
    ({"kind": "children_camp"}, {"min_age"}),
    ({"kind": "children_camp", "min_age": 12, "max_age": 6}, {"max_age"}),
    ({"kind": "vocational", "category_id": "astronomy"}, {"category_id"}),
])
def test_a_course_must_carry_the_rules_its_kind_needs(world, fields, bad):
    with pytest.raises(ValidationFailed) as caught:
        world.run("hzvtc", catalogue.create_course, ctx=COLLEGE_STAFF, data={"title": "课", **fields})
    assert set(caught.value.fields) == bad


def test_only_staff_write_courses(world):
    with pytest.raises(Forbidden):
        world.run("xiangyang", catalogue.create_course, ctx=ctx("xiangyang", "resident"),
                  data={"title": "课", "kind": "cultural"})


def test_a_college_publishes_to_named_communities_and_only_they_see_the_course_and_its_sessions(world):
    course = world.course("hzvtc", audience=["xiangyang", "dongxin"], title="中式面点师 / Chinese pastry chef")
    cohort = world.cohort(course)
    for tenant in ("xiangyang", "dongxin", "hzvtc"):
        with world.session(tenant) as s:
            assert catalogue.get_course(session=s, ctx=ctx(tenant, "u"), course_id=course.id).id == course.id
            assert scheduling.get_session(session=s, ctx=ctx(tenant, "u"), session_id=cohort.id).meetings
    with world.session("huanqiu") as s:
        with pytest.raises(NotFound):
            catalogue.get_course(session=s, ctx=ctx("huanqiu", "u"), course_id=course.id)
        with pytest.raises(NotFound):
            scheduling.get_session(session=s, ctx=ctx("huanqiu", "u"), session_id=cohort.id)
        found = catalogue.list_courses(session=s, ctx=ctx("huanqiu", "u"), kind=None, category_id=None,
                                       target_group=None, limit=50, after=None)
        assert (found.items, found.next_cursor) == ([], None)


def test_publishing_again_to_everyone_opens_the_course_and_its_sessions_to_every_tenant(world):
    course = world.course("hzvtc", audience=["xiangyang"])
    cohort = world.cohort(course)
    with world.announcing() as heard:
        world.run("hzvtc", catalogue.publish, ctx=COLLEGE_STAFF, course_id=course.id, tenants=[], everyone=True)
    assert heard.events("course_published")[0]["data"]["audience"] == "*"
    with world.session("huanqiu") as s:
        assert scheduling.get_session(session=s, ctx=ctx("huanqiu", "u"), session_id=cohort.id).audience == "*"


def test_a_draft_is_the_owners_alone_and_other_tenants_cannot_change_a_shared_course(world):
    draft = world.run("hzvtc", catalogue.create_course, ctx=COLLEGE_STAFF, data={"title": "草稿", "kind": "cultural"})
    with world.session("xiangyang") as s, pytest.raises(NotFound):
        catalogue.get_course(session=s, ctx=ctx("xiangyang", "u"), course_id=draft.id)
    shared = world.course("hzvtc", everyone=True)
    with pytest.raises(Forbidden):
        world.run("xiangyang", catalogue.update_course, ctx=ctx("xiangyang", "s", "staff"), course_id=shared.id,
                  changes={"title": "改"})


def test_a_published_course_keeps_its_kind_and_a_withdrawn_one_takes_no_sessions(world):
    course = world.course("xiangyang")
    staff = ctx("xiangyang", "staff-xiangyang", "staff")
    with pytest.raises(Conflict):
        world.run("xiangyang", catalogue.update_course, ctx=staff, course_id=course.id, changes={"kind": "cultural"})
    world.run("xiangyang", catalogue.withdraw, ctx=staff, course_id=course.id)
    with pytest.raises(Conflict):
        world.cohort(course)


def test_courses_list_by_kind_and_target_group_page_by_page(world):
    for i in range(5):
        world.course("xiangyang", title=f"课{i}", kind="cultural" if i % 2 else "vocational",
                     target_groups=["veteran"] if i == 4 else [])
    with world.session("xiangyang") as s:
        me = ctx("xiangyang", "u")
        seen, after = [], None
        while True:
            page = catalogue.list_courses(session=s, ctx=me, kind=None, category_id=None, target_group=None,
                                          limit=2, after=after)
            seen += page.items
            after = page.next_cursor
            if after is None:
                break
        assert len({c.id for c in seen}) == 5
        cultural = catalogue.list_courses(session=s, ctx=me, kind="cultural", category_id=None, target_group=None,
                                          limit=50, after=None)
        assert len(cultural.items) == 2
        for_mothers = catalogue.list_courses(session=s, ctx=me, kind=None, category_id=None,
                                             target_group="full_time_mother", limit=50, after=None)
        assert len(for_mothers.items) == 4  # open-to-all courses, not the veterans' one
