"""The notification channels against local stand-ins of what they talk to (tests/support/receivers.py):
real HTTP, real TLS, real RFC 8291 encryption and VAPID signatures; no broker or database.

- SMS through apprise to a recording JSON webhook: the exact text the provider got, at most 70
  characters with the link whole; a failing or unreachable provider is a DeliveryFailed with a reason.
- Web Push through pywebpush to a local push service that verifies the VAPID JWT and decrypts the body
  the way a browser does; a subscription that is gone (410/404) is a permanent failure.
- The staff-team robots: apprise posts to the vendors' own https hosts, so the send runs in a network
  namespace whose hosts file maps qyapi.weixin.qq.com / oapi.dingtalk.com / open.feishu.cn to a local TLS
  receiver with a test CA the client trusts (REQUESTS_CA_BUNDLE). Where network namespaces cannot be made
  (not root, no `ip`), that test is skipped with the reason, and the exact requests apprise builds are
  still checked by intercepting them at the requests layer.

Two tenants throughout: xiangyang's and dongxin's people and robots, each only getting their own.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import requests
from cryptography.hazmat.primitives import serialization

from services.notifications.channels import SUBSCRIPTION_GONE, DeliveryFailed, Outgoing, channel_for
from services.notifications.channels.robot import check_robot_url, redact_robot_url
from services.notifications.channels.sms import SMS_LIMIT, fit, units
from services.notifications.channels.webpush import generate_vapid_keys, load_private_key, public_key_for
from tests.support.receivers import PushService, RecordingReceiver, TestCA

ROOT = Path(__file__).resolve().parents[3]
LINK_A = "http://127.0.0.1:8000/n/Ab3dE9xY"
LINK_B = "http://127.0.0.1:8000/n/Zq81LmN0"
PHONE_A = "+8613900000001"  # xiangyang
PHONE_B = "13900000004"  # dongxin
SUBJECT = "mailto:ops@fengchao.example.com"

# waitlist_promoted for a xiangyang resident, longer than one SMS, and a short one for dongxin.
LONG_BODY = "您报名的“家政技能培训”已从候补转为正式学员，请于明天上午九点到社区服务中心三楼报到，带好身份证。"
LONG_SMS = "您报名的“家政技能培训”已从候补转为正式学员，请于明天上午九点到社区服务… " + LINK_A
SHORT_BODY = "您的积分已到账：志愿服务 +20 分。"


def outgoing(channel: str, address: str, *, body: str = SHORT_BODY, link: str = LINK_A, title: str = "积分到账",
             message_id: str = "msg-1") -> Outgoing:
    return Outgoing(message_id=message_id, channel=channel, address=address, title=title, body=body, link=link)


# --- SMS ---------------------------------------------------------------------------------------------------

@pytest.fixture
def sms_provider():
    with RecordingReceiver() as receiver:
        yield receiver


def sms_url(receiver: RecordingReceiver) -> str:
    return f"json://{receiver.host}:{receiver.port}/sms/send?:phone={{phone}}"


def test_sms_reaches_the_provider_with_the_exact_text_at_most_70_characters_and_the_link_whole(sms_provider):
    sms = channel_for("sms", {"NOTIFICATIONS_SMS_URL": sms_url(sms_provider)})
    sms.send(outgoing("sms", PHONE_A, body=LONG_BODY, link=LINK_A, message_id="m-xiangyang"))
    sms.send(outgoing("sms", PHONE_B, body=SHORT_BODY, link=LINK_B, message_id="m-dongxin"))

    first, second = sms_provider.requests
    assert (first.method, first.path) == ("POST", "/sms/send")
    assert first.json() == {"version": "1.0", "title": "", "message": LONG_SMS, "attachments": [], "type": "info",
                            "phone": PHONE_A}
    assert len(LONG_SMS) <= SMS_LIMIT and units(LONG_SMS) <= SMS_LIMIT and LONG_SMS.endswith(" " + LINK_A)
    assert second.json()["message"] == f"{SHORT_BODY} {LINK_B}" and second.json()["phone"] == PHONE_B
    # Nothing but the rendered text, the link and the address left: no message id, no title, no user id.
    assert "m-xiangyang" not in first.body.decode() and "积分到账" not in second.body.decode()


def test_an_sms_body_that_already_ends_with_its_link_is_sent_once_with_the_link(sms_provider):
    sms = channel_for("sms", {"NOTIFICATIONS_SMS_URL": sms_url(sms_provider)})
    sms.send(outgoing("sms", PHONE_B, body=f"{SHORT_BODY} {LINK_B}", link=LINK_B))
    (request,) = sms_provider.requests
    assert request.json()["message"] == f"{SHORT_BODY} {LINK_B}"


def test_without_a_placeholder_a_webhook_gets_the_number_as_a_phone_field(sms_provider):
    sms = channel_for("sms", {"NOTIFICATIONS_SMS_URL": f"json://{sms_provider.host}:{sms_provider.port}/send"})
    sms.send(outgoing("sms", PHONE_B, link=LINK_B))
    (request,) = sms_provider.requests
    assert request.path == "/send" and request.json()["phone"] == PHONE_B
    assert request.json()["message"] == f"{SHORT_BODY} {LINK_B}"


def test_sms_fitting_counts_utf16_units_and_never_cuts_the_link():
    emoji = "🎉" * 40  # 80 UTF-16 units in 40 characters
    text = fit(emoji, LINK_A)
    assert units(text) <= SMS_LIMIT and text.endswith("… " + LINK_A)
    assert fit("短消息", LINK_A) == f"短消息 {LINK_A}"
    with pytest.raises(DeliveryFailed) as failure:
        fit("任何内容", "http://127.0.0.1:8000/n/" + "x" * 60)
    assert failure.value.permanent


def test_a_failing_sms_provider_is_a_delivery_failure_with_the_reason_and_the_next_try_goes_through(sms_provider):
    sms = channel_for("sms", {"NOTIFICATIONS_SMS_URL": sms_url(sms_provider)})
    sms_provider.fail_next(503)
    with pytest.raises(DeliveryFailed) as failure:
        sms.send(outgoing("sms", PHONE_A))
    assert not failure.value.permanent
    assert failure.value.reason.startswith("SMS provider:") and "503" in failure.value.reason
    assert PHONE_A not in failure.value.reason and SHORT_BODY not in failure.value.reason
    sms.send(outgoing("sms", PHONE_A))  # the provider recovered
    assert [r.status for r in sms_provider.requests] == [503, 200]


def test_an_unreachable_or_missing_sms_provider_is_a_delivery_failure_with_the_reason():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sms = channel_for("sms", {"NOTIFICATIONS_SMS_URL": f"json://127.0.0.1:{port}/sms?:phone={{phone}}"})
    with pytest.raises(DeliveryFailed) as failure:
        sms.send(outgoing("sms", PHONE_A))
    assert "connection error" in failure.value.reason.lower() and not failure.value.permanent
    with pytest.raises(DeliveryFailed) as failure:
        channel_for("sms", {"NOTIFICATIONS_SMS_URL": ""}).send(outgoing("sms", PHONE_A))
    assert "NOTIFICATIONS_SMS_URL" in failure.value.reason
    with pytest.raises(DeliveryFailed) as failure:
        channel_for("sms", {"NOTIFICATIONS_SMS_URL": "nosuchscheme://x"}).send(outgoing("sms", PHONE_A))
    assert failure.value.permanent and "apprise" in failure.value.reason
    with pytest.raises(DeliveryFailed) as failure:
        channel_for("sms", {"NOTIFICATIONS_SMS_URL": f"json://127.0.0.1:{port}/"}).send(outgoing("sms", "drop;table"))
    assert failure.value.permanent


# --- Web Push ------------------------------------------------------------------------------------------------

@pytest.fixture
def push_service():
    with PushService() as service:
        yield service


@pytest.fixture(scope="module")
def vapid():
    return generate_vapid_keys()


def test_a_push_is_signed_with_vapid_and_only_its_subscriber_can_read_it(push_service, vapid):
    xiangyang = push_service.subscribe(vapid.public_key)
    dongxin = push_service.subscribe(vapid.public_key)
    push = channel_for("push", {"NOTIFICATIONS_VAPID_PRIVATE_KEY": vapid.private_key,
                                "NOTIFICATIONS_VAPID_SUBJECT": SUBJECT})
    push.send(outgoing("push", xiangyang.as_json(), title="候补转正", body=LONG_BODY, link=LINK_A))
    push.send(outgoing("push", dongxin.as_json(), title="积分到账", body=SHORT_BODY, link=LINK_B))

    assert push_service.refused == []
    first, second = push_service.pushed
    assert first.endpoint == xiangyang.endpoint and second.endpoint == dongxin.endpoint
    assert first.json() == {"title": "候补转正", "body": LONG_BODY, "link": LINK_A}
    assert second.json() == {"title": "积分到账", "body": SHORT_BODY, "link": LINK_B}
    assert first.claims["aud"] == push_service.origin and first.claims["sub"] == SUBJECT
    assert first.headers["content-encoding"] == "aes128gcm" and int(first.headers["ttl"]) > 0
    # The body on the wire is ciphertext: neither the text nor the link is readable in it.
    raw = push_service.receiver.requests[0].body
    assert LINK_A.encode() not in raw and "候补".encode() not in raw


@pytest.mark.parametrize("status", [410, 404])
def test_a_subscription_the_push_service_says_is_gone_is_a_permanent_failure(push_service, vapid, status):
    gone = push_service.subscribe(vapid.public_key)
    push_service.make_gone(gone, status)
    push = channel_for("push", {"NOTIFICATIONS_VAPID_PRIVATE_KEY": vapid.private_key})
    with pytest.raises(DeliveryFailed) as failure:
        push.send(outgoing("push", gone.as_json()))
    assert failure.value.permanent and failure.value.reason == SUBSCRIPTION_GONE


def test_other_push_refusals_are_retried_with_the_status_in_the_reason(push_service, vapid):
    other_key = generate_vapid_keys()
    made_with_other_key = push_service.subscribe(other_key.public_key)
    push = channel_for("push", {"NOTIFICATIONS_VAPID_PRIVATE_KEY": vapid.private_key})
    with pytest.raises(DeliveryFailed) as failure:
        push.send(outgoing("push", made_with_other_key.as_json()))
    assert not failure.value.permanent and "403" in failure.value.reason
    assert push_service.refused[-1][0] == 403

    busy = push_service.subscribe(vapid.public_key)
    push_service.make_gone(busy, 503)  # the push service is overloaded for this one
    with pytest.raises(DeliveryFailed) as failure:
        push.send(outgoing("push", busy.as_json()))
    assert not failure.value.permanent and "503" in failure.value.reason
    with pytest.raises(DeliveryFailed) as failure:
        push.send(outgoing("push", '{"endpoint": "not a url"}'))
    assert failure.value.permanent and failure.value.reason != SUBSCRIPTION_GONE
    with pytest.raises(DeliveryFailed) as failure:
        channel_for("push", {"NOTIFICATIONS_VAPID_PRIVATE_KEY": ""}).send(outgoing("push", busy.as_json()))
    assert not failure.value.permanent and "NOTIFICATIONS_VAPID_PRIVATE_KEY" in failure.value.reason


@pytest.mark.parametrize("form", ["raw", "pem", "pem-file", "der"])
def test_the_vapid_key_may_be_raw_pem_a_pem_file_or_der_and_gives_the_browser_its_public_key(
        push_service, vapid, form, tmp_path):
    key = load_private_key(vapid.private_key)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    der = base64.urlsafe_b64encode(key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                                     serialization.NoEncryption())).decode().rstrip("=")
    (tmp_path / "private_key.pem").write_text(pem)
    setting = {"raw": vapid.private_key, "pem": pem, "pem-file": str(tmp_path / "private_key.pem"), "der": der}[form]
    assert public_key_for(setting) == vapid.public_key
    assert len(base64.urlsafe_b64decode(vapid.public_key + "=")) == 65 and "=" not in vapid.public_key
    subscription = push_service.subscribe(public_key_for(setting))
    channel_for("push", {"NOTIFICATIONS_VAPID_PRIVATE_KEY": setting}).send(outgoing("push", subscription.as_json()))
    assert push_service.pushed[-1].json()["link"] == LINK_A


# --- the staff-team robots --------------------------------------------------------------------------------

WECOM_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
DINGTALK_TOKEN = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
DINGTALK_SECRET = "SECd2f3a4b5c6"
FEISHU_TOKEN = "5e6f7a8b-0c1d-4e2f-9a3b-4c5d6e7f8a9b"
ROBOTS = {  # tenant -> its team robot
    "xiangyang": f"wecombot://{WECOM_KEY}",
    "dongxin": f"dingtalk://{DINGTALK_SECRET}@{DINGTALK_TOKEN}",
    "huanqiu": f"feishu://{FEISHU_TOKEN}",
}
ROBOT_TITLE = "积分待审批"
ROBOT_BODY = "有一笔积分奖励等待审批。"
VENDOR_HOSTS = ("qyapi.weixin.qq.com", "oapi.dingtalk.com", "open.feishu.cn")


def robot_text(link: str) -> str:
    return f"{ROBOT_TITLE}\n{ROBOT_BODY}\n{link}"


def check_robot_requests(by_tenant: dict[str, tuple[str, str, dict, dict]]) -> None:
    """(url, host, query, json body) per tenant: each tenant's robot got its own text at its vendor."""
    url, host, query, body = by_tenant["xiangyang"]
    assert host == "qyapi.weixin.qq.com" and urlsplit(url).path == "/cgi-bin/webhook/send"
    assert query == {"key": [WECOM_KEY]}
    assert body == {"msgtype": "text", "text": {"content": robot_text(LINK_A)}}

    url, host, query, body = by_tenant["dongxin"]
    assert host == "oapi.dingtalk.com" and urlsplit(url).path == "/robot/send"
    assert query["access_token"] == [DINGTALK_TOKEN]
    timestamp, sign = query["timestamp"][0], unquote(query["sign"][0])
    expected = base64.b64encode(hmac.new(DINGTALK_SECRET.encode(), f"{timestamp}\n{DINGTALK_SECRET}".encode(),
                                         hashlib.sha256).digest()).decode()
    assert sign == expected  # DingTalk's signed-robot scheme
    assert body == {"msgtype": "text", "at": {"atMobiles": [], "isAtAll": False},
                    "text": {"content": robot_text(LINK_B)}}

    url, host, query, body = by_tenant["huanqiu"]
    assert host == "open.feishu.cn" and urlsplit(url).path == f"/open-apis/bot/v2/hook/{FEISHU_TOKEN}/"
    assert body == {"msg_type": "text", "content": {"text": robot_text(LINK_A)}}


LINKS = {"xiangyang": LINK_A, "dongxin": LINK_B, "huanqiu": LINK_A}


def test_robot_requests_built_by_apprise_are_exactly_the_vendors_formats(monkeypatch):
    """Intercepted at the requests layer (the transport adapter), so this runs anywhere; the namespace
    test below sends the same over real TLS."""
    sent: list[requests.PreparedRequest] = []

    def fake_send(adapter, request, **kwargs):
        sent.append(request)
        response = requests.Response()
        response.status_code, response._content, response.request = 200, b'{"errcode":0}', request
        return response

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", fake_send)
    robot = channel_for("robot")
    for tenant, url in ROBOTS.items():
        robot.send(outgoing("robot", url, title=ROBOT_TITLE, body=ROBOT_BODY, link=LINKS[tenant]))
    by_tenant = {}
    for tenant, request in zip(ROBOTS, sent, strict=True):
        parts = urlsplit(request.url)
        assert parts.scheme == "https" and parts.port is None
        by_tenant[tenant] = (request.url, parts.hostname, parse_qs(parts.query), json.loads(request.body))
    check_robot_requests(by_tenant)


def test_only_vendor_robot_urls_are_accepted_and_they_are_shown_redacted():
    assert check_robot_url(f"  {ROBOTS['xiangyang']} ") == ROBOTS["xiangyang"]
    for bad in ("json://10.0.0.5/internal", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x", "dingtalk://"):
        with pytest.raises(ValueError):
            check_robot_url(bad)
        with pytest.raises(DeliveryFailed) as failure:
            channel_for("robot").send(outgoing("robot", bad))
        assert failure.value.permanent
    for url in ROBOTS.values():
        shown = redact_robot_url(url)
        assert shown.split("://")[0] == url.split("://")[0]
        assert WECOM_KEY not in shown and DINGTALK_TOKEN not in shown and DINGTALK_SECRET not in shown
        assert FEISHU_TOKEN not in shown


def test_a_robot_the_vendor_refuses_is_a_delivery_failure_naming_the_vendor(monkeypatch):
    def refuse(adapter, request, **kwargs):
        response = requests.Response()
        response.status_code, response._content, response.request = 500, b"{}", request
        return response

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", refuse)
    with pytest.raises(DeliveryFailed) as failure:
        channel_for("robot").send(outgoing("robot", ROBOTS["xiangyang"]))
    assert failure.value.reason.startswith("wecombot robot:") and "500" in failure.value.reason
    assert WECOM_KEY not in failure.value.reason and not failure.value.permanent


# --- the robots over real TLS, in a network namespace ---------------------------------------------------------

SEND_IN_NAMESPACE = """
import json, sys
from services.notifications.channels import DeliveryFailed, Outgoing, channel_for
results = []
title, body = sys.argv[2:4]
for url, link in json.loads(sys.argv[1]):
    try:
        channel_for("robot").send(Outgoing(message_id="m", channel="robot", address=url, title=title, body=body,
                                           link=link))
        results.append("sent")
    except DeliveryFailed as failure:
        results.append(failure.reason)
print(json.dumps(results))
"""


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True, timeout=20)


@contextlib.contextmanager
def vendor_namespace(address: str):
    """A network namespace joined to this one by a veth pair, whose hosts file sends the vendor hosts to
    `address` (this side of the pair). Yields the namespace's name."""
    if os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.skip("needs root and iproute2 to make a network namespace; the requests built are checked by "
                    "test_robot_requests_built_by_apprise_are_exactly_the_vendors_formats")
    tag = f"{os.getpid() % 100000}"
    name, here, there = f"fcn-chan-{tag}", f"fcn{tag}a", f"fcn{tag}b"
    peer = address.rsplit(".", 1)[0] + "." + str(int(address.rsplit(".", 1)[1]) + 1)
    hosts = Path("/etc/netns") / name
    try:
        try:
            _ip("netns", "add", name)
        except subprocess.CalledProcessError as error:
            pytest.skip(f"cannot make a network namespace here ({error.stderr.strip()}); the requests built are "
                        "checked by test_robot_requests_built_by_apprise_are_exactly_the_vendors_formats")
        _ip("link", "add", here, "type", "veth", "peer", "name", there)
        _ip("link", "set", there, "netns", name)
        _ip("addr", "add", f"{address}/30", "dev", here)
        _ip("link", "set", here, "up")
        _ip("netns", "exec", name, "ip", "addr", "add", f"{peer}/30", "dev", there)
        _ip("netns", "exec", name, "ip", "link", "set", there, "up")
        _ip("netns", "exec", name, "ip", "link", "set", "lo", "up")
        hosts.mkdir(parents=True, exist_ok=True)
        (hosts / "hosts").write_text("127.0.0.1 localhost\n" + "".join(f"{address} {h}\n" for h in VENDOR_HOSTS))
        yield name
    finally:
        subprocess.run(["ip", "link", "del", here], capture_output=True, timeout=20)
        subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=20)
        shutil.rmtree(hosts, ignore_errors=True)


def test_team_robots_post_over_tls_to_the_vendor_hosts_seen_from_a_network_namespace(tmp_path):
    address = f"10.213.{os.getpid() % 250}.1"
    ca = TestCA(tmp_path)
    with vendor_namespace(address) as namespace, \
            RecordingReceiver(host=address, port=443, ca=ca, names=VENDOR_HOSTS) as vendor:
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        env.update(REQUESTS_CA_BUNDLE=str(ca.bundle), SSL_CERT_FILE=str(ca.bundle), PYTHONPATH=str(ROOT))
        sends = [(url, LINKS[tenant]) for tenant, url in ROBOTS.items()]
        vendor.fail_next(200, 200, 200, 502)
        sends.append((ROBOTS["xiangyang"], LINK_A))  # the fourth: the vendor answers 502
        result = subprocess.run(["ip", "netns", "exec", namespace, sys.executable, "-c", SEND_IN_NAMESPACE,
                                 json.dumps(sends), ROBOT_TITLE, ROBOT_BODY],
                                capture_output=True, text=True, timeout=60, env=env, cwd=ROOT)
        assert result.returncode == 0, result.stderr
        outcomes = json.loads(result.stdout.strip().splitlines()[-1])
        assert outcomes[:3] == ["sent", "sent", "sent"], outcomes
        assert "wecombot robot:" in outcomes[3] and "502" in outcomes[3]
        requests_seen = vendor.requests[:3]
    by_tenant = {}
    for tenant, request in zip(ROBOTS, requests_seen, strict=True):
        url = f"https://{request.host}{request.path}"
        by_tenant[tenant] = (url, request.host, request.query, request.json())
    check_robot_requests(by_tenant)

    # Without the test CA the same send fails: the certificate really is checked.
    with vendor_namespace(address) as namespace, \
            RecordingReceiver(host=address, port=443, ca=ca, names=VENDOR_HOSTS) as vendor:
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower() and "CA_BUNDLE" not in k
               and k != "SSL_CERT_FILE"}
        env["PYTHONPATH"] = str(ROOT)
        result = subprocess.run(["ip", "netns", "exec", namespace, sys.executable, "-c", SEND_IN_NAMESPACE,
                                 json.dumps([(ROBOTS["xiangyang"], LINK_A)]), ROBOT_TITLE, ROBOT_BODY],
                                capture_output=True, text=True,
                                timeout=60, env=env, cwd=ROOT)
        (outcome,) = json.loads(result.stdout.strip().splitlines()[-1])
        assert outcome != "sent" and vendor.requests == []


# --- the factory --------------------------------------------------------------------------------------------

def test_channel_for_knows_the_three_channels_and_reads_the_process_settings_by_default(monkeypatch, sms_provider):
    with pytest.raises(ValueError):
        channel_for("inbox")
    assert {channel_for(n, {}).name for n in ("sms", "push", "robot")} == {"sms", "push", "robot"}
    monkeypatch.setenv("NOTIFICATIONS_SMS_URL", sms_url(sms_provider))
    channel_for("sms").send(outgoing("sms", PHONE_A))
    assert sms_provider.requests[-1].json()["phone"] == PHONE_A
