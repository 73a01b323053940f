"""Capacity under concurrency, over HTTP with PostgreSQL: simultaneous requests from several communities
into one shared session never overfill it, and the waitlist is one gap-free queue in arrival order."""

import threading

import pytest
import requests

from tests.e2e.training.crowd import crowd

pytestmark = pytest.mark.e2e

PEOPLE = 40
CAPACITY = 5


def test_simultaneous_enrolments_fill_exactly_the_capacity_and_queue_the_rest_in_arrival_order(api, training):
    session = api.session(api.course(audience={"everyone": True}), capacity=CAPACITY)
    residents = crowd(training, PEOPLE, ("xiangyang", "dongxin", "huanqiu"))
    url = api.url(f"/sessions/{session['id']}/enrolments")
    answers: list = [None] * PEOPLE
    start = threading.Barrier(PEOPLE)

    def enrol(i):
        start.wait()
        answers[i] = requests.post(url, json={"participant_name": residents[i].name}, timeout=60,
                                   headers={"Authorization": f"Bearer {residents[i].token}"})

    threads = [threading.Thread(target=enrol, args=(i,)) for i in range(PEOPLE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [a.status_code for a in answers] == [201] * PEOPLE, [a.text for a in answers if a.status_code != 201]
    places = [a.json() for a in answers]
    assert sorted(p["arrival"] for p in places) == list(range(1, PEOPLE + 1))
    assert sorted(p["arrival"] for p in places if p["status"] == "enrolled") == list(range(1, CAPACITY + 1))
    roster = api.call("college_staff", "GET", f"/sessions/{session['id']}/enrolments", 200,
                      params={"status": "waitlisted"})["items"]
    assert [e["waitlist_position"] for e in roster] == list(range(1, PEOPLE - CAPACITY + 1))
    assert [e["arrival"] for e in roster] == list(range(CAPACITY + 1, PEOPLE + 1))
    assert api.call("college_staff", "GET", f"/sessions/{session['id']}", 200)["enrolled_count"] == CAPACITY
