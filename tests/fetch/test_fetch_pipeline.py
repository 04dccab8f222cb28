"""The fetch stage end to end, on the real broker: a webhook that only announces its result
ends as the outcome of the result fetched from the vendor's API (the fake vendor servers), and
every failure of that API ends as docs/operations.md says."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
import pytest
from aio_pika.abc import AbstractChannel, AbstractRobustConnection

from shared.broker import Broker
from shared.outcome import Outcome
from shared.settings import Settings
from shared.topology import Topology, for_settings
from tests.fakes import vendor_bodies
from tests.fakes.vendor_apis import FakeVendorApis
from tests.faults.support import Ledger, depth, publish_inbound, running_worker, wait_until
from tests.support import take
from workers import policies
from workers.fetch import client
from workers.reclassify import Reclassification, Window
from workers.settle import RETRIES_EXHAUSTED
from workers.vendors.policy import RESULT_FETCHED

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CHECK = "f2302f45-227d-413d-ad61-09ec077a086a"
ACCOUNT, EXECUTION = "11111111-xxxx-xxxx-xxxx-xxxxxxxxxxxx", "22222222-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
INTERVIEW = "6750bb000000000000000005"
VERIFICATION = "6118d3f00000000000000059"
# Webhooks that announce a result without carrying it, and their resources' ids.
ANNOUNCING = {
    "onfido": "check-completed--sdk-example.json",
    "jumio": "processed--documented-example.json",
    "incode": "onboarding-status--onboarding-finished.json",
    "metamap": "verification-completed--no-identity-status.json",
}


def announcing(vendor: str) -> bytes:
    return (FIXTURES / vendor / ANNOUNCING[vendor]).read_bytes()


Send = Callable[[Settings, str], Awaitable[tuple[str, Ledger]]]


@pytest.fixture
def send(broker: Broker, channel: AbstractChannel, topology: Topology) -> Send:
    """A worker with these settings, and the vendor's announcing webhook through it: its message
    id, and the ledger holding what became of it."""

    async def send(settings: Settings, vendor: str) -> tuple[str, Ledger]:
        ledger = Ledger(channel, topology)
        async with running_worker(settings, broker):
            message_id = await publish_inbound(broker, vendor, announcing(vendor))
            await ledger.wait_for([message_id], timeout=20)
        return message_id, ledger

    return send


async def test_each_announced_result_ends_as_the_outcome_of_the_fetched_one(
    fetching: Settings,
    fake: FakeVendorApis,
    broker: Broker,
    channel: AbstractChannel,
    topology: Topology,
) -> None:
    fake.add_onfido_check(CHECK, result="consider")
    fake.add_jumio_execution(ACCOUNT, EXECUTION, decision="REJECTED")
    fake.add_incode_score(INTERVIEW, overall="OK")
    fake.add_metamap_verification(VERIFICATION, status="verified")
    expected = {
        "onfido": (Outcome.REFER, "resource.result:consider"),
        "jumio": (Outcome.FAIL, "decision.type:REJECTED"),
        "incode": (Outcome.PASS, "overall.status:OK"),
        "metamap": (Outcome.PASS, "identityStatus:verified"),
    }
    ledger = Ledger(channel, topology)
    async with running_worker(fetching, broker):
        sent = {
            vendor: await publish_inbound(broker, vendor, announcing(vendor)) for vendor in expected
        }
        await ledger.wait_for(sent.values(), timeout=30)

    for vendor, (outcome, deciding) in expected.items():
        [event] = ledger.outcomes[sent[vendor]]
        assert (event.outcome, event.reasons[0].code) == (outcome, deciding), vendor
        assert RESULT_FETCHED in [reason.code for reason in event.reasons]
        # The answers held names, birth dates, document numbers and image links: none reached
        # the event.
        shown = repr(event)
        assert not [value for value in vendor_bodies.PERSONAL_DATA if value in shown]
        assert not [marker for marker in vendor_bodies.MEDIA_URL_MARKERS if marker in shown]


async def test_without_credentials_the_announcement_stays_pending(
    config: Settings,
    fake: FakeVendorApis,
    send: Send,
) -> None:
    message_id, ledger = await send(config, "jumio")
    [event] = ledger.outcomes[message_id]
    assert event.outcome is Outcome.PENDING
    assert event.reasons[0].code == "result_not_in_webhook"
    assert not fake.requests


@pytest.mark.parametrize(
    ("status", "body"),
    [(500, None), (503, None), (200, b"<html>a proxy's page</html>")],
    ids=["500", "503", "malformed"],
)
async def test_a_passing_failure_goes_round_the_retry_queue_and_then_decides(
    fetching: Settings,
    fake: FakeVendorApis,
    send: Send,
    status: int,
    body: bytes | None,
) -> None:
    fake.add_onfido_check(CHECK, result="clear")
    fake.fail("onfido", status, times=1, body=body)
    message_id, ledger = await send(fetching, "onfido")
    [event] = ledger.outcomes[message_id]
    assert event.outcome is Outcome.PASS
    assert message_id not in ledger.dead
    assert fake.count("onfido", CHECK) == 2


async def test_a_slow_answer_times_out_and_a_retry_decides(
    fetching: Settings, fake: FakeVendorApis, send: Send
) -> None:
    onfido = fetching.for_vendor("onfido")
    impatient = msgspec.structs.replace(
        onfido, api=msgspec.structs.replace(onfido.api, timeout=0.3)
    )
    settings = msgspec.structs.replace(fetching, vendor={**fetching.vendor, "onfido": impatient})
    fake.add_onfido_check(CHECK, result="clear")
    fake.delay("onfido", 2.0)
    # The vendor is slow for the first request only: it answers in time by the retry.
    asyncio.get_running_loop().call_later(0.4, fake.delay, "onfido", 0.0)
    message_id, ledger = await send(settings, "onfido")
    [event] = ledger.outcomes[message_id]
    assert event.outcome is Outcome.PASS
    assert fake.count("onfido", CHECK) == 2


async def test_retry_after_is_honoured_by_a_retry_queue_that_waits_as_long(
    fetching: Settings,
    fake: FakeVendorApis,
    broker: Broker,
    channel: AbstractChannel,
    topology: Topology,
) -> None:
    # Retry delays here are 0.5 s and 1 s: a Retry-After of 1 skips the first.
    fake.add_metamap_verification(VERIFICATION, status="rejected")
    fake.fail("metamap", 429, retry_after="1", path=f"/v2/verifications/{VERIFICATION}")
    longer = topology.retry_queue("metamap", topology.retry_delays[1])
    ledger = Ledger(channel, topology)
    async with running_worker(fetching, broker):
        message_id = await publish_inbound(broker, "metamap", announcing("metamap"))

        async def waiting_long_enough() -> bool:
            return await depth(channel, longer) == 1

        await wait_until(waiting_long_enough, what="the message in the 1 s retry queue")
        await ledger.wait_for([message_id], timeout=20)
    [event] = ledger.outcomes[message_id]
    assert event.outcome is Outcome.FAIL
    [refused, answered] = [r for r in fake.requests if VERIFICATION in r.path]
    assert answered.started - refused.started >= 1.0


async def test_a_vendor_that_keeps_asking_to_wait_gets_each_try_then_a_dead_letter(
    fetching: Settings, fake: FakeVendorApis, topology: Topology, send: Send
) -> None:
    # Each Retry-After (1 s) is longer than the first retry delay (0.5 s): waited out, and no
    # try of the schedule spent on it.
    fake.add_metamap_verification(VERIFICATION)
    path = f"/v2/verifications/{VERIFICATION}"
    fake.fail("metamap", 429, times=10, retry_after="1", path=path)
    message_id, ledger = await send(fetching, "metamap")
    [letter] = ledger.dead[message_id]
    assert (letter.kind, letter.reason) == ("transient", RETRIES_EXHAUSTED)
    assert letter.error == f"{client.RATE_LIMITED}: metamap API answered 429"
    assert letter.attempts == len(topology.retry_delays) + 1
    tries = sorted(r.started for r in fake.requests if VERIFICATION in r.path)
    assert len(tries) == len(topology.retry_delays) + 1
    assert all(b - a >= 1.0 for a, b in itertools.pairwise(tries))


async def test_a_lasting_failure_ends_as_a_dead_letter_saying_what_failed(
    fetching: Settings,
    fake: FakeVendorApis,
    topology: Topology,
    send: Send,
) -> None:
    fake.add_incode_score(INTERVIEW)
    fake.fail("incode", 503, times=10, path=f"/omni/get/score?id={INTERVIEW}")
    message_id, ledger = await send(fetching, "incode")
    [letter] = ledger.dead[message_id]
    assert (letter.kind, letter.reason) == ("transient", RETRIES_EXHAUSTED)
    assert letter.error == f"{client.UNAVAILABLE}: incode API answered 503"
    assert letter.attempts == len(topology.retry_delays) + 1
    assert message_id not in ledger.outcomes


@pytest.mark.parametrize(
    ("status", "reason"),
    [(401, client.UNAUTHORIZED), (403, client.UNAUTHORIZED), (404, client.NOT_FOUND)],
)
async def test_refusals_are_permanent_dead_letters_at_once(
    fetching: Settings,
    fake: FakeVendorApis,
    send: Send,
    status: int,
    reason: str,
) -> None:
    # The check is not added: 404 is the fake's own answer; 401 and 403 are injected, twice
    # (a client fetches a new token once before it believes them; Onfido's has none).
    if status != 404:
        fake.fail("jumio", status, times=2)
    message_id, ledger = await send(fetching, "jumio")
    [letter] = ledger.dead[message_id]
    assert (letter.kind, letter.reason, letter.attempts) == ("permanent", reason, 1)
    assert "jumio API answered" in (letter.error or "")


async def test_one_resource_is_never_fetched_twice_at_the_same_time(
    fetching: Settings,
    fake: FakeVendorApis,
    broker: Broker,
    channel: AbstractChannel,
    topology: Topology,
) -> None:
    # A vendor's retries of one webhook, arriving together.
    fake.add_jumio_execution(ACCOUNT, EXECUTION, decision="PASSED")
    fake.delay("jumio", 0.3)
    ledger = Ledger(channel, topology)
    async with running_worker(fetching, broker):
        sent = await asyncio.gather(
            *(publish_inbound(broker, "jumio", announcing("jumio")) for _ in range(4))
        )
        await ledger.wait_for(sent, timeout=20)
    events = [event for message_id in sent for event in ledger.outcomes[message_id]]
    assert {event.outcome for event in events} == {Outcome.PASS}
    assert len({event.id for event in events}) == 1
    assert (
        fake.in_flight_max("jumio", f"/api/v1/accounts/{ACCOUNT}/workflow-executions/{EXECUTION}")
        == 1
    )


async def test_reclassifying_leaves_a_fetched_decision_as_it_is(
    fetching: Settings,
    fake: FakeVendorApis,
    channel: AbstractChannel,
    topology: Topology,
    connection: AbstractRobustConnection,
) -> None:
    # The archive holds the webhook, not the result fetched for it: deciding the webhook again
    # would say pending (result_not_in_webhook) and "correct" a decided verification.
    archived = msgspec.structs.replace(fetching, archive=True, archive_max_bytes=50 * 1024 * 1024)
    fake.add_metamap_verification(VERIFICATION, status="verified")
    since = datetime.now(UTC) - timedelta(seconds=1)
    archiving = Broker(archived.amqp_url, for_settings(archived), name="test-archive")
    await archiving.connect()
    try:
        async with running_worker(archived, archiving):
            message_id = await publish_inbound(archiving, "metamap", announcing("metamap"))
            [message] = await take(channel, topology.outcome_queue(Outcome.PASS), 1, timeout=20)
        assert message.correlation_id == message_id
        effective = policies.effective()
        report = await Reclassification(
            topology=for_settings(archived),
            window=Window(since, datetime.now(UTC) + timedelta(seconds=1)),
            classifiers=effective.classifiers(),
            policy_digest=effective.digest,
            dry_run=True,
        ).run(connection)
    finally:
        await archiving.close()
    assert (report.webhooks, report.fetched, report.changed) == (1, 1, 0)
