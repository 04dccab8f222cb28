"""Post every vendor example in tests/fixtures/ to a running Verdict and show where each lands.

    .venv/bin/python examples/post_examples.py [--url http://localhost:8080] [--vendor metamap]

It binds a temporary queue of its own to the outcomes and dead-letter exchanges (it takes
nothing from the pipeline's queues), posts each fixture, and prints the outcome queue each
event was routed to. Run it beside ``verdict run`` (see README.md).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import aio_pika
import aiohttp

from shared import outcome, settings
from shared.topology import Topology

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures"
# W2's topic webhooks are told apart by this header (the W2 fixture table lists them all).
W2_TOPICS = {
    "monitoring": "caseResultMonitoring",
    "alert-remediation": "AlertRemediation",
    "bundle-remediation": "BundleRemediation",
    # A topic the adapter does not know: pending, unrecognised_event (outcome policy, rule 3).
    "topic-unknown": "caseResultDeleted",
}


def headers_for(vendor: str, name: str) -> dict[str, str]:
    headers = {"Content-Type": "application/json"}
    if vendor == "w2":
        for prefix, topic in W2_TOPICS.items():
            if name.startswith(prefix):
                headers["x-w2-topic"] = topic
    return headers


async def main(url: str, vendors: list[str], timeout: float) -> int:
    config = settings.load()
    topology = Topology(config.namespace, config.vendors)
    connection = await aio_pika.connect_robust(config.amqp_url)
    async with connection:
        channel = await connection.channel()
        watch = await channel.declare_queue(exclusive=True)
        await watch.bind(topology.outcomes_exchange, "#")
        await watch.bind(topology.dead_exchange, "#")

        posted: dict[str, str] = {}
        async with aiohttp.ClientSession() as http:
            for vendor in vendors:
                for path in sorted((FIXTURES / vendor).glob("*.json")):
                    async with http.post(
                        f"{url}/webhooks/{vendor}",
                        data=path.read_bytes(),
                        headers=headers_for(vendor, path.stem),
                    ) as response:
                        if response.status not in (200, 202):
                            print(f"{vendor}/{path.name}: HTTP {response.status}")
                            continue
                        posted[(await response.json())["message_id"]] = f"{vendor}/{path.name}"

        landed = 0
        async with watch.iterator() as messages:
            while landed < len(posted):
                try:
                    message = await asyncio.wait_for(anext(messages), timeout)
                except TimeoutError:
                    break
                async with message.process():
                    landed += 1
                    if message.exchange == topology.dead_exchange:
                        where = f"{topology.dead_letter_queue} (cannot classify)"
                        name = posted.get(message.message_id or "", "?")
                    else:
                        event = outcome.decode(message.body)
                        where = f"{event.outcome.value:<12} {message.routing_key}"
                        name = posted.get(event.ingress_message_id, "?")
                    print(f"{name:<80} {where}")
        print(f"\nposted {len(posted)}, seen {landed}")
        return 0 if landed == len(posted) else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://localhost:8080")
    parser.add_argument("--vendor", action="append", help="only this vendor (repeatable)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait per event")
    args = parser.parse_args()
    vendors = args.vendor or sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
    sys.exit(asyncio.run(main(args.url, vendors, args.timeout)))
