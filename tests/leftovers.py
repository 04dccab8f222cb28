"""What tests leave on a shared broker: queues and exchanges of test namespaces, removed.

Each test declares its topology under a namespace of its own (``verdict-test-<hex>``). A test
that starts ``verdict`` processes, or one stopped by a timeout, may leave that topology behind:
51 quorum queues per namespace with nine vendors. On a broker that outlives test runs (this
machine's, and CI's, which keeps its data between runs) they pile up, run after run, until the
broker slows to a standstill. The ``rabbitmq`` fixture removes its session's namespaces at the
end; ``python -m tests.leftovers`` removes every test namespace (CI, before its runs).

Names come from ``rabbitmqctl`` (AMQP cannot list); deletion goes over AMQP, one connection for
all of them (a ``rabbitmqctl delete_queue`` per queue costs a CLI start each).
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from collections.abc import Callable, Collection

import aio_pika

from tests.support import local_rabbitmqctl

PREFIX = "verdict-test-"


def _names(rabbitmqctl: Callable[..., str], what: str) -> list[str]:
    listed = rabbitmqctl(what, "-q", "--no-table-headers", "name")
    return [line.strip() for line in listed.splitlines() if line.strip()]


def _belongs(name: str, namespaces: Collection[str] | None) -> bool:
    if not name.startswith(PREFIX):
        return False
    if namespaces is None:
        return True
    return name.split(".", 1)[0] in namespaces


async def _delete(url: str, queues: list[str], exchanges: list[str]) -> None:
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        for queue in queues:
            await channel.queue_delete(queue)
        for exchange in exchanges:
            await channel.exchange_delete(exchange)


def remove(
    url: str, rabbitmqctl: Callable[..., str], namespaces: Collection[str] | None = None
) -> int:
    """Delete the queues and exchanges of ``namespaces`` (every test namespace when None);
    returns how many were deleted."""
    queues = [name for name in _names(rabbitmqctl, "list_queues") if _belongs(name, namespaces)]
    exchanges = [
        name for name in _names(rabbitmqctl, "list_exchanges") if _belongs(name, namespaces)
    ]
    if not queues and not exchanges:
        return 0

    # A thread of its own, so its event loop never meets the test session's.
    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(_delete(url, queues, exchanges))
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=run, name="leftovers")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return len(queues) + len(exchanges)


def main() -> int:
    url = os.environ.get("VERDICT_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
    removed = remove(url, local_rabbitmqctl)
    print(f"tests.leftovers: removed {removed} queues and exchanges of earlier test runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
