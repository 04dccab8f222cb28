"""``verdict outcomes`` against the real broker: what waits is shown and stays; --follow prints
new events live; the README's webhook is seen with the README's commands."""

from __future__ import annotations

import asyncio
import io
import signal
from datetime import UTC, datetime
from pathlib import Path

import aio_pika
import aiohttp
import msgspec
import pytest
from aio_pika.abc import AbstractChannel

from shared import outcome
from shared.outcome import Outcome, OutcomeEvent, Reason
from shared.settings import Settings
from shared.topology import Topology
from tests.faults.support import VERDICT, environment, finish, started, wait_until
from tests.support import depth
from verdict import outcomes_commands
from verdict.cli import build_parser


def _event(number: int, result: Outcome, vendor: str) -> OutcomeEvent:
    return OutcomeEvent(
        id=f"00000000-0000-4000-8000-{number:012d}",
        vendor=vendor,
        event="finished",
        outcome=result,
        reasons=(Reason(code=f"status:{result.value}"),),
        received_at=datetime(2026, 12, 5, 10, number, tzinfo=UTC),
        ingress_message_id=f"m{number}",
    )


EVENTS = (
    _event(1, Outcome.PASS, "metamap"),
    _event(2, Outcome.FAIL, "w2"),
    _event(3, Outcome.PASS, "idwise"),
)


async def _route(channel: AbstractChannel, topology: Topology, event: OutcomeEvent) -> None:
    exchange = await channel.get_exchange(topology.outcomes_exchange, ensure=False)
    await exchange.publish(aio_pika.Message(outcome.encode(event)), routing_key=event.routing_key)


async def _outcomes(config: Settings, *argv: str) -> tuple[int, list[str]]:
    """Run ``verdict outcomes ARGV`` in this process: exit code and the lines it printed."""
    out = io.StringIO()
    code = await outcomes_commands.run(build_parser().parse_args(["outcomes", *argv]), config, out)
    return code, out.getvalue().splitlines()


def _ids(lines: list[str]) -> list[str]:
    return [line.split()[4] for line in lines[1:]]


async def test_waiting_events_are_shown_and_stay(
    config: Settings, channel: AbstractChannel, topology: Topology
) -> None:
    for event in EVENTS:
        await _route(channel, topology, event)

    async def routed() -> bool:
        return await depth(channel, topology.outcome_queue(Outcome.PASS)) == 2

    await wait_until(routed, what="the events to be routed")

    for _ in range(3):  # looking again shows the same: nothing was taken
        code, lines = await _outcomes(config)
        assert code == 0
        assert lines[0].split() == list(outcomes_commands._HEADINGS)
        assert sorted(_ids(lines)) == sorted(event.id for event in EVENTS)
    assert await depth(channel, topology.outcome_queue(Outcome.PASS)) == 2
    assert await depth(channel, topology.outcome_queue(Outcome.FAIL)) == 1

    assert _ids((await _outcomes(config, "--outcome", "pass"))[1]) == [EVENTS[0].id, EVENTS[2].id]
    assert _ids((await _outcomes(config, "--vendor", "w2"))[1]) == [EVENTS[1].id]
    assert _ids((await _outcomes(config, "--limit", "1", "--outcome", "pass"))[1]) == [EVENTS[0].id]
    code, lines = await _outcomes(config, "--json", "--outcome", "fail")
    assert [outcome.decode(line.encode()) for line in lines] == [EVENTS[1]]


async def test_events_sharing_an_id_are_each_shown(
    config: Settings, channel: AbstractChannel, topology: Topology
) -> None:
    # A vendor's retry (another webhook), and the same webhook decided again under a changed
    # policy (a correction), carry the id of the vendor's event: each is an event of its own.
    first = EVENTS[0]
    retry = msgspec.structs.replace(first, ingress_message_id="m-retry")
    again = msgspec.structs.replace(first, outcome=Outcome.FAIL)
    for event in (first, retry, again):
        await _route(channel, topology, event)

    async def routed() -> bool:
        return await depth(channel, topology.outcome_queue(Outcome.FAIL)) == 1

    await wait_until(routed, what="the events to be routed")
    _, lines = await _outcomes(config)
    assert _ids(lines) == [first.id, first.id, first.id]
    assert sorted(line.split()[1] for line in lines[1:]) == ["fail", "pass", "pass"]


async def test_an_unknown_vendor_is_a_usage_error(
    config: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines = await _outcomes(config, "--vendor", "nosuch")
    assert (code, lines) == (2, [])
    assert "unknown vendor 'nosuch'; known: incode, w2, idwise, metamap" in capsys.readouterr().err


async def test_follow_prints_new_events_until_sigterm(
    config: Settings, channel: AbstractChannel, topology: Topology
) -> None:
    await _route(channel, topology, EVENTS[0])  # waiting before it starts
    process = await asyncio.create_subprocess_exec(
        VERDICT,
        "outcomes",
        "--follow",
        "--json",
        env=environment(config),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    assert process.stderr is not None
    try:
        # "following" comes once the live queue is bound and what waited was printed.
        said = await asyncio.wait_for(process.stderr.readline(), 30)
        assert b"following" in said, said
        assert outcome.decode(await process.stdout.readline()) == EVENTS[0]
        for event in EVENTS[1:]:
            await _route(channel, topology, event)
            line = await asyncio.wait_for(process.stdout.readline(), 10)
            assert outcome.decode(line) == event
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 10) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    # Following took nothing from the outcome queues.
    assert await depth(channel, topology.outcome_queue(Outcome.PASS)) == 2


async def test_the_readmes_webhook_is_seen_with_the_readmes_commands(
    config: Settings, channel: AbstractChannel, tmp_path: Path
) -> None:
    env = environment(config)
    service = await started(env, tmp_path / "run.log", "run")
    try:
        # The README's curl, as sent (README.md, "Send a webhook, watch the outcome").
        body = (
            '{"event": "Finished Journey", "body": {"eventId": "4f7c-demo", "journeyId": '
            '"62e6demo", "referenceNo": "840demo", "systemDecision": "Complete", '
            '"manualDecision": null, "finalDecision": "Complete"}}'
        )
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"http://127.0.0.1:{env['VERDICT_HTTP_PORT']}/webhooks/idwise",
                data=body,
                headers={"Content-Type": "application/json"},
            ) as response,
        ):
            assert response.status == 202

        async def seen() -> bool:
            shown = await asyncio.create_subprocess_exec(
                VERDICT, "outcomes", env=env, stdout=asyncio.subprocess.PIPE
            )
            printed, _ = await asyncio.wait_for(shown.communicate(), 30)
            assert shown.returncode == 0
            return any(
                line.split()[1:4] == ["pass", "idwise", "finished_journey"]
                for line in printed.decode().splitlines()[1:]
            )

        await wait_until(seen, what="verdict outcomes to show the README's webhook")
    finally:
        assert finish(service) == 0
