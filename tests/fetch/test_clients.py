"""Each vendor's API client against the fake vendor servers (no broker): what it reads, the
tokens it keeps, and what every kind of failure becomes (workers/fetch/client.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from structlog.testing import capture_logs

from shared import metrics
from shared.credentials import Secret
from tests.fakes import vendor_bodies
from tests.fakes.vendor_apis import FakeVendorApis
from tests.fetch.support import api
from workers.fetch import PROTOCOLS, client
from workers.fetch.client import VendorApi
from workers.settle import Permanent, Transient
from workers.vendors.base import Fetch

CHECK = Fetch("check", ("f2302f45-227d-413d-ad61-09ec077a086a",))
REPORT = Fetch("report", ("95c8cc09-db72-42ff-85ef-ee6c82020a24",))
EXECUTION = Fetch("workflow_execution", ("11111111-1111-4111-8111-111111111111", "2222"))
SCORE = Fetch("score", ("6a5f0c1e2d3b4a5968778695",))
VERIFICATION = Fetch("verification", ("5d9fb1f5bfbfac001a349bfb",))
# One resource per vendor, added to the fake by `resources`.
ONE = {"onfido": CHECK, "jumio": EXECUTION, "incode": SCORE, "metamap": VERIFICATION}


@pytest.fixture
async def fake() -> AsyncIterator[FakeVendorApis]:
    async with FakeVendorApis() as fake:
        fake.add_onfido_check(CHECK.ids[0], result="consider")
        fake.add_onfido_report(REPORT.ids[0], result="consider", sub_result="rejected")
        fake.add_jumio_execution(*EXECUTION.ids, decision="WARNING")
        fake.add_incode_score(SCORE.ids[0], overall="FAIL")
        fake.add_metamap_verification(VERIFICATION.ids[0], status="reviewNeeded")
        yield fake


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(headers={"User-Agent": "Verdict/test"}) as session:
        yield session


def vendor_api(
    fake: FakeVendorApis, session: aiohttp.ClientSession, vendor: str, **changes: Any
) -> VendorApi:
    settings = api(fake, vendor, **changes)
    assert settings.base_url is not None
    return VendorApi(vendor, settings, PROTOCOLS[vendor](settings.base_url, settings), session)


@pytest.mark.parametrize(
    ("vendor", "what", "values"),
    [
        ("onfido", CHECK, {"resource.result": "consider"}),
        (
            "onfido",
            REPORT,
            {
                "resource.result.part": "consider",
                "resource.sub_result": "rejected",
                "resource.name": "document",
            },
        ),
        ("jumio", EXECUTION, {"decision.type": "WARNING"}),
        ("incode", SCORE, {"overall.status": "FAIL"}),
        ("metamap", VERIFICATION, {"identityStatus": "reviewNeeded"}),
    ],
)
async def test_each_vendor_gives_its_verdict_fields_and_nothing_else(
    fake: FakeVendorApis,
    session: aiohttp.ClientSession,
    vendor: str,
    what: Fetch,
    values: dict[str, str],
) -> None:
    fetched = await vendor_api(fake, session, vendor).fetch(what)
    assert dict(fetched.values) == values
    # Jumio's record names whose verification it is (the fake's: user-42).
    expected = {"user_reference": "user-42", "definition_key": "10013"} if vendor == "jumio" else {}
    assert fetched.subject == expected
    # The answers hold names, birth dates, document numbers and image links: none is kept.
    kept = repr(fetched)
    assert not [value for value in vendor_bodies.PERSONAL_DATA if value in kept]
    assert not [marker for marker in vendor_bodies.MEDIA_URL_MARKERS if marker in kept]


@pytest.mark.parametrize("vendor", ["jumio", "incode", "metamap"])
async def test_a_token_is_fetched_once_and_again_when_it_stops_working(
    fake: FakeVendorApis, session: aiohttp.ClientSession, vendor: str
) -> None:
    client_ = vendor_api(fake, session, vendor)
    for _ in range(3):
        await client_.fetch(ONE[vendor])
    tokens = fake.count(vendor) - 3
    assert tokens == 1
    fake.expire_tokens()
    await client_.fetch(ONE[vendor])
    # The refused request, a new token, the request again.
    assert fake.count(vendor) == 3 + 1 + 3


@pytest.mark.parametrize("vendor", sorted(PROTOCOLS))
async def test_wrong_credentials_are_a_dead_letter_said_once_naming_the_setting(
    fake: FakeVendorApis, session: aiohttp.ClientSession, vendor: str
) -> None:
    before = metrics.FETCH_ERRORS.labels(vendor=vendor, kind="unauthorized")._value.get()
    client_ = vendor_api(fake, session, vendor, secrets=(Secret("wrong"),))
    with capture_logs() as logs, pytest.raises(Permanent) as refused:
        await client_.fetch(ONE[vendor])
    assert refused.value.reason == client.UNAUTHORIZED
    assert f"[vendor.{vendor}.api]" in refused.value.error
    [line] = [entry for entry in logs if entry["event"] == "vendor_api_unauthorized"]
    assert line["vendor"] == vendor
    assert f"[vendor.{vendor}.api]" in line["setting"]
    assert "wrong" not in repr(logs) + refused.value.error
    after = metrics.FETCH_ERRORS.labels(vendor=vendor, kind="unauthorized")._value.get()
    assert after == before + 1


async def test_incode_with_a_wrong_api_key_is_unauthorized(
    fake: FakeVendorApis, session: aiohttp.ClientSession
) -> None:
    client_ = vendor_api(fake, session, "incode", key=(Secret("wrong"),))
    with pytest.raises(Permanent) as refused:
        await client_.fetch(SCORE)
    assert refused.value.reason == client.UNAUTHORIZED


@pytest.mark.parametrize("vendor", sorted(PROTOCOLS))
async def test_an_unknown_resource_is_a_permanent_not_found(
    fake: FakeVendorApis, session: aiohttp.ClientSession, vendor: str
) -> None:
    unknown = Fetch(ONE[vendor].resource, tuple(f"{i}0" for i in ONE[vendor].ids))
    with pytest.raises(Permanent) as refused:
        await vendor_api(fake, session, vendor).fetch(unknown)
    assert refused.value.reason == client.NOT_FOUND


@pytest.mark.parametrize("vendor", sorted(PROTOCOLS))
@pytest.mark.parametrize(
    ("status", "retry_after", "reason", "waited"),
    [
        (429, "1", client.RATE_LIMITED, 1.0),
        (429, None, client.RATE_LIMITED, None),
        (500, None, client.UNAVAILABLE, None),
        (503, "1", client.UNAVAILABLE, 1.0),
    ],
)
async def test_a_busy_or_failing_api_is_transient_and_its_pause_is_kept(
    fake: FakeVendorApis,
    session: aiohttp.ClientSession,
    vendor: str,
    status: int,
    retry_after: str | None,
    reason: str,
    waited: float | None,
) -> None:
    client_ = vendor_api(fake, session, vendor)
    await client_.fetch(ONE[vendor])  # a token first, where the vendor has them
    fake.fail(vendor, status, retry_after=retry_after)
    with pytest.raises(Transient) as failed:
        await client_.fetch(ONE[vendor])
    assert (failed.value.reason, failed.value.retry_after) == (reason, waited)
    assert await client_.fetch(ONE[vendor])  # and the next time it answers,
    refused, answered = fake.requests[-2:]
    # after the pause the vendor asked for (a bound from below: a slow machine only adds).
    assert answered.started - refused.started >= (waited or 0.0)


async def test_a_long_pause_sends_the_next_fetches_to_the_retry_queues_unasked(
    fake: FakeVendorApis, session: aiohttp.ClientSession
) -> None:
    client_ = vendor_api(fake, session, "onfido")
    fake.fail("onfido", 429, retry_after="60")
    with pytest.raises(Transient):
        await client_.fetch(CHECK)
    asked = fake.count("onfido")
    with pytest.raises(Transient) as paused:
        await client_.fetch(CHECK)
    assert paused.value.reason == client.RATE_LIMITED
    assert paused.value.retry_after is not None
    assert 55 < paused.value.retry_after <= 60
    assert fake.count("onfido") == asked  # the vendor was not asked again


@pytest.mark.parametrize("value", ["\u00b2", "-5", "soon", "99999999999999999999"])
async def test_a_retry_after_that_is_no_delay_is_ignored_or_capped(
    fake: FakeVendorApis, session: aiohttp.ClientSession, value: str
) -> None:
    fake.fail("onfido", 429, retry_after=value)
    with pytest.raises(Transient) as failed:
        await vendor_api(fake, session, "onfido").fetch(CHECK)
    assert failed.value.retry_after in (None, client.MAX_RETRY_AFTER)


async def test_retry_after_as_an_http_date_is_read_as_seconds(
    fake: FakeVendorApis, session: aiohttp.ClientSession
) -> None:
    fake.fail("onfido", 429, retry_after="Wed, 21 Oct 2015 07:28:00 GMT")
    with pytest.raises(Transient) as failed:
        await vendor_api(fake, session, "onfido").fetch(CHECK)
    assert failed.value.retry_after == 0.0  # a date gone by: no wait


@pytest.mark.parametrize("vendor", sorted(PROTOCOLS))
async def test_an_answer_that_is_not_the_documented_json_is_transient(
    fake: FakeVendorApis, session: aiohttp.ClientSession, vendor: str
) -> None:
    fake.fail(vendor, 200, body=b"<html>upstream error</html>", content_type="text/html")
    with pytest.raises(Transient) as failed:
        await vendor_api(fake, session, vendor).fetch(ONE[vendor])
    assert failed.value.reason == client.MALFORMED
    assert "upstream" not in failed.value.error


async def test_a_slow_api_is_transient_after_the_timeout(
    fake: FakeVendorApis, session: aiohttp.ClientSession
) -> None:
    fake.delay("onfido", 1.0)
    with pytest.raises(Transient) as failed:
        await vendor_api(fake, session, "onfido", timeout=0.2).fetch(CHECK)
    assert failed.value.reason == client.UNAVAILABLE
    assert "in time" in failed.value.error


async def test_an_unreachable_api_is_transient(session: aiohttp.ClientSession) -> None:
    async with FakeVendorApis() as gone:
        settings = api(gone, "onfido")
    assert settings.base_url is not None
    unreachable = VendorApi(
        "onfido", settings, PROTOCOLS["onfido"](settings.base_url, settings), session
    )
    with pytest.raises(Transient) as failed:
        await unreachable.fetch(CHECK)
    assert failed.value.reason == client.UNAVAILABLE


async def test_one_resource_is_fetched_once_however_many_ask_at_once(
    fake: FakeVendorApis, session: aiohttp.ClientSession
) -> None:
    fake.delay("onfido", 0.2)
    client_ = vendor_api(fake, session, "onfido")
    answers = await asyncio.gather(*(client_.fetch(CHECK) for _ in range(5)))
    assert all(answer.values == {"resource.result": "consider"} for answer in answers)
    assert fake.count("onfido", CHECK.ids[0]) == 1
    # A failure reaches every one waiting, and the next ask tries again.
    fake.fail("onfido", 500)
    failures = await asyncio.gather(
        *(client_.fetch(CHECK) for _ in range(3)), return_exceptions=True
    )
    assert all(isinstance(failure, Transient) for failure in failures)
    assert await client_.fetch(CHECK)


async def test_fetches_overlap_up_to_the_concurrency_and_no_further(
    fake: FakeVendorApis, session: aiohttp.ClientSession
) -> None:
    ids = [f"c0ffee{n:02d}" for n in range(12)]
    for check_id in ids:
        fake.add_onfido_check(check_id)
    fake.delay("onfido", 0.1)
    client_ = vendor_api(fake, session, "onfido", concurrency=4)
    await asyncio.gather(*(client_.fetch(Fetch("check", (check_id,))) for check_id in ids))
    assert fake.in_flight_max("onfido") == 4


async def test_the_rate_limit_spaces_requests(
    fake: FakeVendorApis, session: aiohttp.ClientSession
) -> None:
    ids = [f"beef{n:02d}" for n in range(8)]
    for check_id in ids:
        fake.add_onfido_check(check_id)
    client_ = vendor_api(fake, session, "onfido", rate_limit=5.0)
    await asyncio.gather(*(client_.fetch(Fetch("check", (check_id,))) for check_id in ids))
    starts = sorted(request.started for request in fake.requests)
    assert len(starts) == 8
    # Unlimited, all eight would start at once. At five a second (aiolimiter's leaky bucket: a
    # burst of five, then one every fifth of a second) the eighth starts three fifths after the
    # first. A bound from below: a slow machine only makes it later.
    assert starts[7] - starts[0] >= 0.55


async def test_fetches_refused_together_renew_the_token_once(
    fake: FakeVendorApis, session: aiohttp.ClientSession
) -> None:
    executions = [f"e{n:04d}" for n in range(5)]
    for execution in executions:
        fake.add_jumio_execution(EXECUTION.ids[0], execution)
    client_ = vendor_api(fake, session, "jumio")
    await client_.fetch(EXECUTION)
    fake.expire_tokens()
    fake.delay("jumio", 0.1)  # all five are refused before any has a new token
    await asyncio.gather(
        *(client_.fetch(Fetch(EXECUTION.resource, (EXECUTION.ids[0], e))) for e in executions)
    )
    assert fake.count("jumio", "/oauth2/token") == 2  # the first, and one renewal
