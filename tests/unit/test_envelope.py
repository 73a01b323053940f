from services.common.envelope import make_envelope, short_event_name


def test_envelope_is_a_cloudevent_with_the_tenant_extension():
    envelope = make_envelope(service="jobs", event="worker_registered", tenant_id="xiangyang",
                             data={"worker_id": "w1"}, subject="w1")
    assert envelope["specversion"] == "1.0"
    assert envelope["type"] == "cn.fengchao.jobs.worker_registered"
    assert envelope["source"] == "/fengchao/jobs"
    assert envelope["tenantid"] == "xiangyang"
    assert envelope["datacontenttype"] == "application/json"
    assert envelope["data"] == {"worker_id": "w1"}
    assert envelope["time"].endswith("Z")
    assert short_event_name(envelope) == "worker_registered"


def test_each_envelope_has_its_own_id():
    first = make_envelope(service="jobs", event="e", tenant_id="a", data={})
    second = make_envelope(service="jobs", event="e", tenant_id="a", data={})
    assert first["id"] != second["id"]
