"""The archive stream and `verdict reclassify`, against the real broker and a real stream."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aio_pika
import msgspec
import pytest
from aio_pika.abc import AbstractChannel, AbstractRobustConnection
from aiohttp.test_utils import TestClient, TestServer

from ingress.app import create_app
from shared import outcome, topology
from shared.broker import Broker
from shared.outcome import Outcome
from shared.policy_settings import PolicyOverride
from shared.settings import Settings
from shared.topology import Topology
from tests.faults.support import VERDICT, environment
from tests.support import Client, take
from workers import policies
from workers.reclassify import ArchiveMissing, Reclassification, Report, Window
from workers.worker import Worker

METAMAP = Path(__file__).resolve().parents[1] / "fixtures" / "metamap"
REVIEW_NEEDED = (METAMAP / "verification-completed--reviewneeded.json").read_bytes()
VERIFIED = (METAMAP / "verification-completed--verified.json").read_bytes()
CHANGE = PolicyOverride(
    vendor="metamap", field="identityStatus", value="reviewNeeded", outcome="fail"
)


@pytest.fixture
def archived(config: Settings) -> Settings:
    return msgspec.structs.replace(config, archive=True, archive_max_bytes=50 * 1024 * 1024)


@pytest.fixture
async def pipeline(
    archived: Settings, channel: AbstractChannel
) -> AsyncIterator[tuple[Client, Broker]]:
    """Ingress and worker of a deployment with the archive on; the webhooks it was sent."""
    broker = Broker(archived.amqp_url, topology.for_settings(archived), name="test-archive")
    await broker.connect()
    worker = Worker(archived, broker)
    await worker.start()
    async with TestClient(TestServer(create_app(archived, broker))) as client:
        yield client, broker
    await worker.stop()
    await broker.close()


async def _post(client: Client, *bodies: bytes) -> None:
    for body in bodies:
        response = await client.post("/webhooks/metamap", data=body)
        assert response.status == 202


async def _reclassify(
    connection: AbstractRobustConnection,
    settings: Settings,
    since: datetime,
    *,
    changes: tuple[PolicyOverride, ...] = (),
    dry_run: bool = True,
    vendor: str | None = None,
) -> Report:
    effective = policies.effective(changes)
    run = Reclassification(
        topology=topology.for_settings(settings),
        window=Window(since, datetime.now(UTC) + timedelta(seconds=1), vendor),
        classifiers=effective.classifiers(),
        policy_digest=effective.digest,
        dry_run=dry_run,
    )
    return await run.run(connection)


async def test_the_same_policy_changes_nothing_and_a_new_one_counts_its_changes(
    pipeline: tuple[Client, Broker],
    archived: Settings,
    connection: AbstractRobustConnection,
    channel: AbstractChannel,
    topology: Topology,
) -> None:
    client, _ = pipeline
    since = datetime.now(UTC) - timedelta(seconds=1)
    # The same body twice is two webhooks (a vendor's retry): each is compared.
    await _post(client, REVIEW_NEEDED, REVIEW_NEEDED, VERIFIED)
    await take(channel, topology.outcome_queue(Outcome.REFER), 2, timeout=30)
    await take(channel, topology.outcome_queue(Outcome.PASS), 1, timeout=30)

    same = await _reclassify(connection, archived, since)
    assert (same.webhooks, same.unchanged, same.changed, same.no_outcome) == (3, 3, 0, 0)

    changed = await _reclassify(connection, archived, since, changes=(CHANGE,))
    assert changed.changes == {("metamap", "verification_completed", "refer", "fail"): 2}
    assert (changed.unchanged, changed.published) == (1, 0)
    # A dry run publishes nothing.
    fail = await channel.get_queue(topology.outcome_queue(Outcome.FAIL), ensure=False)
    assert await fail.get(fail=False) is None


async def test_corrections_supersede_the_events_they_correct_once(
    pipeline: tuple[Client, Broker],
    archived: Settings,
    connection: AbstractRobustConnection,
    channel: AbstractChannel,
    topology: Topology,
) -> None:
    client, _ = pipeline
    since = datetime.now(UTC) - timedelta(seconds=1)
    await _post(client, REVIEW_NEEDED)
    [original] = await take(channel, topology.outcome_queue(Outcome.REFER), 1, timeout=30)
    before = outcome.decode(original.body)

    report = await _reclassify(connection, archived, since, changes=(CHANGE,), dry_run=False)
    assert report.published == 1
    [message] = await take(channel, topology.outcome_queue(Outcome.FAIL), 1, timeout=30)
    correction = outcome.decode(message.body)
    assert correction.supersedes == before.id != correction.id
    assert message.message_id == correction.id
    assert message.routing_key == "fail.metamap.verification_completed"
    assert correction.ingress_message_id == before.ingress_message_id
    assert correction.policy_digest == policies.effective((CHANGE,)).digest
    assert correction.reasons[0].code == "identityStatus:reviewNeeded"

    # The correction is on record now: the same change again finds nothing to correct.
    again = await _reclassify(connection, archived, since, changes=(CHANGE,), dry_run=False)
    assert (again.changed, again.unchanged, again.published) == (0, 1, 0)


async def test_the_window_and_vendor_choose_the_webhooks(
    pipeline: tuple[Client, Broker],
    archived: Settings,
    connection: AbstractRobustConnection,
    channel: AbstractChannel,
    topology: Topology,
) -> None:
    client, _ = pipeline
    await _post(client, REVIEW_NEEDED)
    await take(channel, topology.outcome_queue(Outcome.REFER), 1, timeout=30)
    later = datetime.now(UTC) + timedelta(milliseconds=5)
    assert (await _reclassify(connection, archived, later)).webhooks == 0
    early = datetime.now(UTC) - timedelta(minutes=1)
    assert (await _reclassify(connection, archived, early, vendor="idwise")).webhooks == 0
    assert (await _reclassify(connection, archived, early, vendor="metamap")).webhooks == 1


async def test_the_archive_is_a_stream_that_stops_taking_when_switched_off(
    archived: Settings,
    config: Settings,
    connection: AbstractRobustConnection,
    channel: AbstractChannel,
    topology: Topology,
) -> None:
    on = topology_of(archived)
    declaring = await connection.channel()
    await on.declare(declaring)
    inbound = await channel.get_exchange(on.inbound_exchange, ensure=False)
    await inbound.publish(aio_pika.Message(b"{}"), routing_key="metamap")
    assert await _stream_length(connection, on) == 1
    # Switched off: the next process to declare unbinds it; it keeps what it holds.
    await topology_of(config).declare(declaring)
    await inbound.publish(aio_pika.Message(b"{}"), routing_key="metamap")
    assert await _stream_length(connection, on) == 1


def topology_of(settings: Settings) -> Topology:
    return topology.for_settings(settings)


async def _stream_length(connection: AbstractRobustConnection, archive: Topology) -> int:
    """Messages in the stream, read from its first offset (a stream keeps what it is read)."""
    reader = await connection.channel()
    await reader.set_qos(prefetch_count=100)
    stream = await reader.declare_queue(archive.archive_queue, passive=True)
    count = 0
    async with stream.iterator(arguments={"x-stream-offset": "first"}, timeout=1) as messages:
        try:
            async for message in messages:
                await message.ack()
                count += 1
        except TimeoutError:
            pass
    await reader.close()
    return count


async def test_without_an_archive_reclassify_says_how_to_have_one(
    config: Settings, connection: AbstractRobustConnection, channel: AbstractChannel
) -> None:
    with pytest.raises(ArchiveMissing):
        await _reclassify(connection, config, datetime.now(UTC) - timedelta(hours=1))


def test_the_command_prints_the_changes_and_says_a_missing_archive(
    archived: Settings, config: Settings, tmp_path: Path
) -> None:
    # The command as an operator runs it; no archive in this fresh namespace.
    env = environment(config)
    done = subprocess.run(
        [VERDICT, "reclassify", "--since", "2026-01-01T00:00", "--dry-run"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "there is no archive" in done.stderr
    assert "VERDICT_ARCHIVE=true" in done.stderr
    bad = subprocess.run(
        [VERDICT, "reclassify", "--since", "yesterday"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert bad.returncode == 2
    assert "not an ISO 8601 time" in bad.stderr
