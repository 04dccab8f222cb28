"""The fake vendor APIs keep the vendors' contracts (paths, credentials, token exchanges, error
bodies) and inject faults as asked: plain HTTP against them, no broker."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import sys
import time
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.fakes.vendor_apis import (
    INCODE_API_KEY,
    INCODE_EMAIL,
    INCODE_PASSWORD,
    JUMIO_CLIENT_ID,
    JUMIO_CLIENT_SECRET,
    METAMAP_CLIENT_ID,
    METAMAP_CLIENT_SECRET,
    ONFIDO_TOKEN,
    FakeVendorApis,
)
from tests.fakes.vendor_bodies import MEDIA_URL_MARKERS, PERSONAL_DATA

ACCOUNT = "11111111-1111-4111-8111-111111111111"
EXECUTION = "22222222-2222-4222-8222-222222222222"
ONFIDO = {"Authorization": f"Token token={ONFIDO_TOKEN}"}
INCODE = {"x-api-key": INCODE_API_KEY, "api-version": "1.0"}
CLIENT_CREDENTIALS = {"grant_type": "client_credentials"}
ROOT = Path(__file__).resolve().parents[2]


def basic(client_id: str, secret: str) -> dict[str, str]:
    """HTTP Basic auth, by hand: aiohttp deprecates its BasicAuth and only recent releases have
    encode_basic_auth."""
    encoded = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {encoded}"}


@pytest.fixture
async def fake() -> AsyncIterator[FakeVendorApis]:
    async with FakeVendorApis() as fake:
        yield fake


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(headers={"User-Agent": "Verdict tests/1.0"}) as session:
        yield session


async def call(
    http: aiohttp.ClientSession, method: str, url: str, **kwargs: Any
) -> tuple[int, Any, Mapping[str, str]]:
    """The status, JSON body (None if there is none) and headers of one request."""
    async with http.request(method, url, **kwargs) as response:
        text = await response.text()
        return response.status, json.loads(text) if text else None, response.headers


async def jumio_token(http: aiohttp.ClientSession, fake: FakeVendorApis) -> str:
    status, body, _ = await call(
        http,
        "POST",
        f"{fake.base_url('jumio')}/oauth2/token",
        headers=basic(JUMIO_CLIENT_ID, JUMIO_CLIENT_SECRET) | {"Accept": "application/json"},
        data=CLIENT_CREDENTIALS,
    )
    assert status == 200
    assert body["expires_in"] == 3600
    assert body["token_type"] == "Bearer"
    return str(body["access_token"])


async def incode_token(http: aiohttp.ClientSession, fake: FakeVendorApis) -> str:
    login = {"email": INCODE_EMAIL, "password": INCODE_PASSWORD}
    url = f"{fake.base_url('incode')}/executive/log-in"
    status, body, _ = await call(http, "POST", url, headers=INCODE, json=login)
    assert status == 200
    return str(body["token"])


async def metamap_token(http: aiohttp.ClientSession, fake: FakeVendorApis) -> str:
    status, body, _ = await call(
        http,
        "POST",
        f"{fake.base_url('metamap')}/oauth",
        headers=basic(METAMAP_CLIENT_ID, METAMAP_CLIENT_SECRET),
        data=CLIENT_CREDENTIALS,
    )
    assert status == 200
    assert body["expiresIn"] == 3600
    assert body["payload"]["user"]["_id"]
    return str(body["access_token"])


def jumio_execution_url(fake: FakeVendorApis, execution: str = EXECUTION) -> str:
    return f"{fake.base_url('jumio')}/api/v1/accounts/{ACCOUNT}/workflow-executions/{execution}"


# Onfido ---------------------------------------------------------------------------------------


async def test_onfido_serves_checks_reports_and_workflow_runs(
    fake: FakeVendorApis, http: aiohttp.ClientSession
) -> None:
    fake.add_onfido_check("check-1", result="consider")
    fake.add_onfido_report("report-1", check_id="check-1", result="consider", sub_result="caution")
    fake.add_onfido_report("report-2", check_id="check-1", name="facial_similarity_photo")
    fake.add_onfido_workflow_run("run-1", status="declined")
    base = f"{fake.base_url('onfido')}/v3.6"

    status, check, _ = await call(http, "GET", f"{base}/checks/check-1", headers=ONFIDO)
    assert status == 200
    assert (check["status"], check["result"]) == ("complete", "consider")
    assert check["report_ids"] == ["report-1", "report-2"]

    status, report, _ = await call(http, "GET", f"{base}/reports/report-1", headers=ONFIDO)
    assert status == 200
    assert (report["name"], report["result"], report["sub_result"]) == (
        "document",
        "consider",
        "caution",
    )
    assert report["properties"]["document_numbers"][0]["value"] in PERSONAL_DATA

    _, listed, _ = await call(http, "GET", f"{base}/reports?check_id=check-1", headers=ONFIDO)
    assert [r["id"] for r in listed["reports"]] == ["report-1", "report-2"]
    assert listed["reports"][1]["sub_result"] is None  # document reports only

    status, run, _ = await call(http, "GET", f"{base}/workflow_runs/run-1", headers=ONFIDO)
    assert status == 200
    assert (run["status"], run["reasons"]) == ("declined", ["document_check_failed"])


@pytest.mark.parametrize(
    "authorization",
    [None, "Token token=wrong", f"Bearer {ONFIDO_TOKEN}", ONFIDO_TOKEN],
)
async def test_onfido_refuses_a_missing_or_wrong_token(
    fake: FakeVendorApis, http: aiohttp.ClientSession, authorization: str | None
) -> None:
    fake.add_onfido_check("check-1")
    headers = {} if authorization is None else {"Authorization": authorization}
    url = f"{fake.base_url('onfido')}/v3.6/checks/check-1"
    status, body, _ = await call(http, "GET", url, headers=headers)
    assert status == 401
    assert body["error"]["type"] == "authorization_error"
    assert body["error"]["fields"] == {}
    assert body["error"]["message"]


async def test_onfido_answers_404_for_an_unknown_id(
    fake: FakeVendorApis, http: aiohttp.ClientSession
) -> None:
    url = f"{fake.base_url('onfido')}/v3.6/checks/nope"
    status, body, _ = await call(http, "GET", url, headers=ONFIDO)
    assert status == 404
    assert body["error"]["type"] == "resource_not_found"


# Jumio ----------------------------------------------------------------------------------------


async def test_jumio_issues_a_token_then_serves_the_execution(
    fake: FakeVendorApis, http: aiohttp.ClientSession
) -> None:
    fake.add_jumio_execution(ACCOUNT, EXECUTION, decision="REJECTED")
    token = await jumio_token(http, fake)
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    status, details, _ = await call(http, "GET", jumio_execution_url(fake), headers=headers)
    assert status == 200
    assert details["workflow"]["status"] == "PROCESSED"
    assert details["decision"]["type"] == "REJECTED"
    assert details["decision"]["risk"]["score"] > 70
    assert details["account"]["id"] == ACCOUNT

    url = f"{jumio_execution_url(fake)}/status"
    status, summary, _ = await call(http, "GET", url, headers=headers)
    assert status == 200
    assert summary["workflowExecution"]["status"] == "PROCESSED"


@pytest.mark.parametrize(
    ("auth", "form", "expected"),
    [
        ({}, CLIENT_CREDENTIALS, 401),
        (basic(JUMIO_CLIENT_ID, "wrong"), CLIENT_CREDENTIALS, 401),
        (basic(JUMIO_CLIENT_ID, JUMIO_CLIENT_SECRET), {}, 400),
        (basic(JUMIO_CLIENT_ID, JUMIO_CLIENT_SECRET), {"grant_type": "password"}, 400),
    ],
)
async def test_jumio_token_endpoint_refuses_bad_requests(
    fake: FakeVendorApis,
    http: aiohttp.ClientSession,
    auth: dict[str, str],
    form: dict[str, str],
    expected: int,
) -> None:
    url = f"{fake.base_url('jumio')}/oauth2/token"
    status, body, _ = await call(http, "POST", url, headers=auth, data=form)
    assert status == expected
    assert "access_token" not in body
    assert body["error"] in {"invalid_client", "unsupported_grant_type"}


@pytest.mark.parametrize("user_agent", [None, "", "  "])
async def test_jumio_refuses_a_request_without_a_user_agent_with_403(
    fake: FakeVendorApis, http: aiohttp.ClientSession, user_agent: str | None
) -> None:
    fake.add_jumio_execution(ACCOUNT, EXECUTION)
    headers = {"Authorization": f"Bearer {await jumio_token(http, fake)}"}
    if user_agent is not None:
        headers["User-Agent"] = user_agent
    async with aiohttp.ClientSession(skip_auto_headers=["User-Agent"]) as bare:
        status, body, _ = await call(bare, "GET", jumio_execution_url(fake), headers=headers)
    assert status == 403
    assert set(body) == {"title", "status", "detail"}
    assert (body["title"], body["status"]) == ("Forbidden", 403)


@pytest.mark.parametrize("authorization", [None, "Bearer not-issued", "Basic Zm9vOmJhcg=="])
async def test_jumio_refuses_a_missing_or_unknown_token_with_401(
    fake: FakeVendorApis, http: aiohttp.ClientSession, authorization: str | None
) -> None:
    fake.add_jumio_execution(ACCOUNT, EXECUTION)
    headers = {} if authorization is None else {"Authorization": authorization}
    status, body, _ = await call(http, "GET", jumio_execution_url(fake), headers=headers)
    assert status == 401
    assert (body["title"], body["status"]) == ("Unauthorized", 401)


async def test_jumio_answers_404_for_an_unknown_execution(
    fake: FakeVendorApis, http: aiohttp.ClientSession
) -> None:
    headers = {"Authorization": f"Bearer {await jumio_token(http, fake)}"}
    status, body, _ = await call(http, "GET", jumio_execution_url(fake), headers=headers)
    assert status == 404
    assert (body["title"], body["status"]) == ("Not Found", 404)


# Incode ---------------------------------------------------------------------------------------


async def test_incode_logs_in_then_serves_the_score(
    fake: FakeVendorApis, http: aiohttp.ClientSession
) -> None:
    fake.add_incode_score("interview-1", overall="WARN")
    fake.add_incode_score("interview-2", overall=None)
    headers = INCODE | {"X-Incode-Hardware-Id": await incode_token(http, fake)}
    base = fake.base_url("incode")

    status, score, _ = await call(
        http, "GET", f"{base}/omni/get/score?id=interview-1", headers=headers
    )
    assert status == 200
    assert score["overall"]["status"] == "WARN"
    assert score["idValidation"]["overall"]["status"] == "WARN"

    # Incode's own sample asks /omni/get/score/?id=…&verbose=true
    url = f"{base}/omni/get/score/?id=interview-2&verbose=true"
    status, pending, _ = await call(http, "GET", url, headers=headers)
    assert status == 200
    assert "overall" not in pending


@pytest.mark.parametrize(
    ("headers", "login", "expected"),
    [
        ({"api-version": "1.0"}, {"email": INCODE_EMAIL, "password": INCODE_PASSWORD}, 403),
        (
            INCODE | {"x-api-key": "wrong"},
            {"email": INCODE_EMAIL, "password": INCODE_PASSWORD},
            403,
        ),
        ({"x-api-key": INCODE_API_KEY}, {"email": INCODE_EMAIL, "password": INCODE_PASSWORD}, 400),
        (INCODE, {"email": INCODE_EMAIL, "password": "wrong"}, 401),
        (INCODE, {"email": INCODE_EMAIL}, 401),
    ],
)
async def test_incode_log_in_refuses_bad_credentials(
    fake: FakeVendorApis,
    http: aiohttp.ClientSession,
    headers: dict[str, str],
    login: dict[str, str],
    expected: int,
) -> None:
    url = f"{fake.base_url('incode')}/executive/log-in"
    status, body, _ = await call(http, "POST", url, headers=headers, json=login)
    assert status == expected
    assert body["status"] == expected
    assert body["path"] == "/executive/log-in"
    assert set(body) == {"timestamp", "status", "error", "message", "path"}


@pytest.mark.parametrize(
    ("api_key", "hardware_id", "expected"),
    [(None, "token", 403), ("wrong", "token", 403), ("key", None, 401), ("key", "not-issued", 401)],
)
async def test_incode_score_refuses_a_bad_api_key_with_403_and_a_bad_token_with_401(
    fake: FakeVendorApis,
    http: aiohttp.ClientSession,
    api_key: str | None,
    hardware_id: str | None,
    expected: int,
) -> None:
    fake.add_incode_score("interview-1")
    token = await incode_token(http, fake)
    headers = {"api-version": "1.0"}
    if api_key is not None:
        headers["x-api-key"] = INCODE_API_KEY if api_key == "key" else api_key
    if hardware_id is not None:
        headers["X-Incode-Hardware-Id"] = token if hardware_id == "token" else hardware_id
    url = f"{fake.base_url('incode')}/omni/get/score?id=interview-1"
    status, body, _ = await call(http, "GET", url, headers=headers)
    assert status == expected
    assert (body["status"], body["path"]) == (expected, "/omni/get/score")
    assert body["error"] in {"Forbidden", "Unauthorized"}


async def test_incode_answers_404_for_an_unknown_interview(
    fake: FakeVendorApis, http: aiohttp.ClientSession
) -> None:
    headers = INCODE | {"X-Incode-Hardware-Id": await incode_token(http, fake)}
    url = f"{fake.base_url('incode')}/omni/get/score?id=nope"
    status, body, _ = await call(http, "GET", url, headers=headers)
    assert status == 404
    assert (body["status"], body["error"]) == (404, "Not Found")


# MetaMap --------------------------------------------------------------------------------------


async def test_metamap_issues_a_token_then_serves_the_verification(
    fake: FakeVendorApis, http: aiohttp.ClientSession
) -> None:
    fake.add_metamap_verification("verification-1", status="reviewNeeded")
    headers = {"Authorization": f"Bearer {await metamap_token(http, fake)}"}
    url = f"{fake.base_url('metamap')}/v2/verifications/verification-1"
    status, verification, _ = await call(http, "GET", url, headers=headers)
    assert status == 200
    assert verification["identity"] == {"status": "reviewNeeded"}
    assert verification["id"] == "verification-1"


@pytest.mark.parametrize(
    ("auth", "form", "expected", "name"),
    [
        ({}, CLIENT_CREDENTIALS, 401, "invalid_client"),
        (
            basic("someone", METAMAP_CLIENT_SECRET),
            CLIENT_CREDENTIALS,
            401,
            "invalid_client",
        ),
        (basic(METAMAP_CLIENT_ID, METAMAP_CLIENT_SECRET), {}, 400, "invalid_request"),
    ],
)
async def test_metamap_oauth_refuses_bad_clients_with_its_body(
    fake: FakeVendorApis,
    http: aiohttp.ClientSession,
    auth: dict[str, str],
    form: dict[str, str],
    expected: int,
    name: str,
) -> None:
    url = f"{fake.base_url('metamap')}/oauth"
    status, body, _ = await call(http, "POST", url, headers=auth, data=form)
    assert status == expected
    assert body["name"] == name
    assert body["code"] == body["status"] == body["statusCode"] == expected
    if expected == 401:
        assert body["message"] == "Invalid client: client is invalid"


async def test_metamap_refuses_an_unknown_token_and_answers_404_for_an_unknown_id(
    fake: FakeVendorApis, http: aiohttp.ClientSession
) -> None:
    url = f"{fake.base_url('metamap')}/v2/verifications/nope"
    headers = {"Authorization": "Bearer not-issued"}
    status, body, _ = await call(http, "GET", url, headers=headers)
    assert (status, body["statusCode"]) == (401, 401)

    headers = {"Authorization": f"Bearer {await metamap_token(http, fake)}"}
    status, body, _ = await call(http, "GET", url, headers=headers)
    assert (status, body["statusCode"]) == (404, 404)


# Every vendor ---------------------------------------------------------------------------------


async def test_resources_carry_personal_data_and_media_urls(
    fake: FakeVendorApis, http: aiohttp.ClientSession
) -> None:
    """What a leak test looks for is there to be leaked."""
    fake.add_onfido_report("report-1")
    fake.add_onfido_workflow_run("run-1")
    fake.add_jumio_execution(ACCOUNT, EXECUTION)
    fake.add_metamap_verification("verification-1")
    texts = []
    for path in ("/v3.6/reports/report-1", "/v3.6/workflow_runs/run-1"):
        async with http.get(f"{fake.base_url('onfido')}{path}", headers=ONFIDO) as response:
            texts.append(await response.text())
    headers = {"Authorization": f"Bearer {await jumio_token(http, fake)}"}
    async with http.get(jumio_execution_url(fake), headers=headers) as response:
        texts.append(await response.text())
    async with http.post(
        f"{fake.base_url('metamap')}/oauth",
        headers=basic(METAMAP_CLIENT_ID, METAMAP_CLIENT_SECRET),
        data=CLIENT_CREDENTIALS,
    ) as response:
        texts.append(await response.text())
        token = (await response.json())["access_token"]
    url = f"{fake.base_url('metamap')}/v2/verifications/verification-1"
    async with http.get(url, headers={"Authorization": f"Bearer {token}"}) as response:
        texts.append(await response.text())
    served = "\n".join(texts).lower()
    assert [value for value in PERSONAL_DATA if value.lower() not in served] == []
    assert [marker for marker in MEDIA_URL_MARKERS if marker not in served] == []


async def test_a_429_fault_carries_retry_after_and_the_vendor_body_then_passes(
    fake: FakeVendorApis, http: aiohttp.ClientSession
) -> None:
    fake.add_onfido_check("check-1")
    fake.fail("onfido", 429, retry_after="7")
    url = f"{fake.base_url('onfido')}/v3.6/checks/check-1"

    status, body, headers = await call(http, "GET", url, headers=ONFIDO)
    assert (status, headers["Retry-After"]) == (429, "7")
    assert body["error"]["type"] == "rate_limit"

    status, _, headers = await call(http, "GET", url, headers=ONFIDO)
    assert status == 200
    assert "Retry-After" not in headers


async def test_faults_answer_the_next_n_retrievals_in_order_not_the_token_endpoint(
    fake: FakeVendorApis, http: aiohttp.ClientSession
) -> None:
    fake.add_metamap_verification("verification-1")
    fake.fail("metamap", 500, times=2)
    fake.fail("metamap", 503, body=b"<html>upstream</html>", content_type="text/html")
    headers = {"Authorization": f"Bearer {await metamap_token(http, fake)}"}
    url = f"{fake.base_url('metamap')}/v2/verifications/verification-1"

    seen = []
    for _ in range(4):
        async with http.get(url, headers=headers) as response:
            seen.append((response.status, response.content_type, await response.text()))
    assert [status for status, _, _ in seen] == [500, 500, 503, 200]
    assert json.loads(seen[0][2])["statusCode"] == 500
    assert seen[2][1:] == ("text/html", "<html>upstream</html>")


async def test_a_fault_applies_to_a_token_endpoint_when_its_path_is_named(
    fake: FakeVendorApis, http: aiohttp.ClientSession
) -> None:
    fake.fail("jumio", 503, path="/oauth2/token")
    url = f"{fake.base_url('jumio')}/oauth2/token"
    headers = basic(JUMIO_CLIENT_ID, JUMIO_CLIENT_SECRET)
    status, body, _ = await call(http, "POST", url, headers=headers, data=CLIENT_CREDENTIALS)
    assert status == 503
    assert body["status"] == 503
    assert await jumio_token(http, fake)


async def test_a_fault_comes_before_the_credentials_are_checked(
    fake: FakeVendorApis, http: aiohttp.ClientSession
) -> None:
    fake.fail("incode", 401)
    url = f"{fake.base_url('incode')}/omni/get/score?id=interview-1"
    status, body, _ = await call(http, "GET", url, headers=INCODE)
    assert status == 401
    assert (body["status"], body["path"]) == (401, "/omni/get/score")


async def test_put_raw_answers_malformed_bytes_once_authorised(
    fake: FakeVendorApis, http: aiohttp.ClientSession
) -> None:
    fake.put_raw("onfido", "/v3.6/checks/check-1", b'{"id": "check-1", "status": ')
    url = f"{fake.base_url('onfido')}/v3.6/checks/check-1"
    async with http.get(url, headers=ONFIDO) as response:
        assert response.status == 200
        assert response.content_type == "application/json"
        with pytest.raises(json.JSONDecodeError):
            await response.json()
    status, _, _ = await call(http, "GET", url)
    assert status == 401


async def test_put_raw_on_a_token_endpoint_replaces_the_token_response(
    fake: FakeVendorApis, http: aiohttp.ClientSession
) -> None:
    fake.put_raw("incode", "/executive/log-in", b"not json", content_type="text/plain")
    login = {"email": INCODE_EMAIL, "password": INCODE_PASSWORD}
    url = f"{fake.base_url('incode')}/executive/log-in"
    async with http.post(url, headers=INCODE, json=login) as response:
        assert (response.status, await response.text()) == (200, "not json")


async def test_delay_holds_every_answer_of_that_vendor_until_cleared(
    fake: FakeVendorApis, http: aiohttp.ClientSession
) -> None:
    fake.add_onfido_check("check-1")
    url = f"{fake.base_url('onfido')}/v3.6/checks/check-1"
    fake.delay("onfido", 0.2)
    fake.latency = 0.1
    started = time.monotonic()
    status, _, _ = await call(http, "GET", url, headers=ONFIDO)
    assert status == 200
    assert time.monotonic() - started >= 0.3
    record = fake.requests[-1]
    assert record.ended is not None
    assert record.ended - record.started >= 0.3

    fake.delay("onfido", 0)
    fake.latency = 0
    await call(http, "GET", url, headers=ONFIDO)
    record = fake.requests[-1]
    assert record.ended is not None
    assert record.ended - record.started < 0.3


async def test_expire_tokens_makes_the_next_call_answer_401_until_a_new_token(
    fake: FakeVendorApis, http: aiohttp.ClientSession
) -> None:
    fake.add_jumio_execution(ACCOUNT, EXECUTION)
    fake.add_incode_score("interview-1")
    fake.add_metamap_verification("verification-1")
    fake.add_onfido_check("check-1")
    jumio, incode, metamap = (
        {"Authorization": f"Bearer {await jumio_token(http, fake)}"},
        INCODE | {"X-Incode-Hardware-Id": await incode_token(http, fake)},
        {"Authorization": f"Bearer {await metamap_token(http, fake)}"},
    )
    calls = [
        (jumio_execution_url(fake), jumio),
        (f"{fake.base_url('incode')}/omni/get/score?id=interview-1", incode),
        (f"{fake.base_url('metamap')}/v2/verifications/verification-1", metamap),
    ]
    for url, headers in calls:
        assert (await call(http, "GET", url, headers=headers))[0] == 200

    fake.expire_tokens()
    for url, headers in calls:
        assert (await call(http, "GET", url, headers=headers))[0] == 401
    onfido = f"{fake.base_url('onfido')}/v3.6/checks/check-1"
    assert (await call(http, "GET", onfido, headers=ONFIDO))[0] == 200  # a static API token

    fresh = {"Authorization": f"Bearer {await jumio_token(http, fake)}"}
    assert (await call(http, "GET", jumio_execution_url(fake), headers=fresh))[0] == 200


async def test_tokens_expire_after_their_lifetime(http: aiohttp.ClientSession) -> None:
    async with FakeVendorApis(token_lifetime=0.2) as fake:
        fake.add_metamap_verification("verification-1")
        url = f"{fake.base_url('metamap')}/v2/verifications/verification-1"
        async with http.post(
            f"{fake.base_url('metamap')}/oauth",
            headers=basic(METAMAP_CLIENT_ID, METAMAP_CLIENT_SECRET),
            data=CLIENT_CREDENTIALS,
        ) as response:
            issued = await response.json()
        assert issued["expiresIn"] == 1  # whole seconds, rounded up
        headers = {"Authorization": f"Bearer {issued['access_token']}"}
        assert (await call(http, "GET", url, headers=headers))[0] == 200
        await asyncio.sleep(0.25)
        assert (await call(http, "GET", url, headers=headers))[0] == 401


async def test_in_flight_max_counts_overlapping_requests(
    fake: FakeVendorApis, http: aiohttp.ClientSession
) -> None:
    fake.add_onfido_check("check-1")
    fake.add_onfido_check("check-2")
    base = f"{fake.base_url('onfido')}/v3.6/checks"
    fake.delay("onfido", 0.3)  # long enough for all four to arrive on a busy machine
    await asyncio.gather(
        *(call(http, "GET", f"{base}/check-{n}", headers=ONFIDO) for n in (1, 1, 1, 2))
    )
    assert fake.in_flight_max("onfido") == 4
    assert fake.in_flight_max("onfido", "/v3.6/checks/check-1") == 3
    assert fake.in_flight_max("onfido", "/v3.6/checks/check-2") == 1
    assert fake.in_flight_max("jumio") == 0

    fake.delay("onfido", 0)
    for _ in range(2):  # one after the other never overlaps
        await call(http, "GET", f"{base}/check-2", headers=ONFIDO)
    assert fake.in_flight_max("onfido", "/v3.6/checks/check-2") == 1


async def test_requests_are_recorded_and_counted(
    fake: FakeVendorApis, http: aiohttp.ClientSession
) -> None:
    fake.add_incode_score("interview-1")
    headers = INCODE | {"X-Incode-Hardware-Id": await incode_token(http, fake)}
    url = f"{fake.base_url('incode')}/omni/get/score?id="
    for interview in ("interview-1", "interview-1", "nope"):
        await call(http, "GET", url + interview, headers=headers)

    assert [(r.vendor, r.method, r.path, r.status) for r in fake.requests] == [
        ("incode", "POST", "/executive/log-in", 200),
        ("incode", "GET", "/omni/get/score?id=interview-1", 200),
        ("incode", "GET", "/omni/get/score?id=interview-1", 200),
        ("incode", "GET", "/omni/get/score?id=nope", 404),
    ]
    assert all(r.ended is not None and r.started <= r.ended for r in fake.requests)
    assert fake.count("incode") == 4
    assert fake.count("incode", "/omni/get/score") == 3
    assert fake.count("incode", "id=interview-1") == 2
    assert fake.count("jumio") == 0
    assert fake.in_flight_max("incode", "/omni/get/score") == 1


async def test_a_wrong_method_is_refused_with_405(
    fake: FakeVendorApis, http: aiohttp.ClientSession
) -> None:
    fake.add_onfido_check("check-1")
    url = f"{fake.base_url('onfido')}/v3.6/checks/check-1"
    status, body, _ = await call(http, "DELETE", url, headers=ONFIDO)
    assert (status, body["error"]["type"]) == (405, "method_not_allowed")
    status, body, _ = await call(http, "GET", f"{fake.base_url('jumio')}/oauth2/token")
    assert (status, body["status"]) == (405, 405)


async def test_without_recording_concurrency_is_still_measured(
    http: aiohttp.ClientSession,
) -> None:
    async with FakeVendorApis(record=False, latency=0.3) as fake:
        url = f"{fake.base_url('onfido')}/v3.6/checks/check-1"
        statuses = await asyncio.gather(*(call(http, "GET", url) for _ in range(2)))
        assert [status for status, _, _ in statuses] == [401, 401]
        assert (fake.requests, fake.count("onfido")) == ([], 0)
        assert fake.in_flight_max("onfido", "/v3.6/checks/check-1") == 2


async def test_misuse_is_refused(fake: FakeVendorApis) -> None:
    with pytest.raises(ValueError, match="unknown vendor"):
        fake.base_url("veriff")
    with pytest.raises(ValueError, match="unknown vendor"):
        fake.fail("veriff", 500)
    with pytest.raises(ValueError, match="times must be at least 1"):
        fake.fail("onfido", 500, times=0)
    with pytest.raises(RuntimeError, match="not started"):
        _ = FakeVendorApis().url


async def test_the_module_serves_standalone_with_preloaded_resources(
    http: aiohttp.ClientSession,
) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.fakes.vendor_apis",
        "--port",
        "0",
        "--latency",
        "0.01",
        cwd=ROOT,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        lines: list[str] = []
        async with asyncio.timeout(30):
            while not lines or lines[-1] != "Resources:":
                lines.append((await process.stdout.readline()).decode().strip())
            check = (await process.stdout.readline()).decode().strip()
        assert "/onfido/v3.6/checks/" in check
        assert any(ONFIDO_TOKEN in line for line in lines)
        status, body, _ = await call(http, "GET", check, headers=ONFIDO)
        assert (status, body["result"]) == (200, "clear")
    finally:
        process.terminate()
        await process.wait()
