"""The alarm scenario: a RabbitMQ memory alarm while vendors keep posting 1 MiB webhooks.

On a RabbitMQ node of the benchmark's own (tests/rabbitmq_nodes.py: its own ports, directory and
cookie; never the machine's broker), for the ingress and for the naive reference in turn:
``CLIENTS`` vendors (bench/posters.py, a process of its own) post 1 MiB W2-like webhooks in a
loop, a refused one again after ``RETRY_PAUSE`` (ignoring ``Retry-After``); after ``WARM_UP``
seconds the node's memory alarm is raised for ``--alarm-seconds``, then cleared, and the posting
goes on for ``AFTER`` seconds. Measured: the process's resident memory (from /proc, as
bench/procs.py samples it) before, during and at the end of the alarm; how fast the refusals
came during the alarm; every answer of the run; what reached the inbound queue in the end against
what was answered 202; and how long after the alarm cleared the first 202 came.

The queues are emptied before and after each process's run, so one run's backlog does not
weigh on the next.
"""

from __future__ import annotations

import asyncio
import json
import signal
import statistics
import subprocess
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.bodies import with_images
from bench.broker import BenchBroker
from bench.procs import Process, cpu_seconds, python_module
from tests.rabbitmq_nodes import Node

CLIENTS = 64
BODY_BYTES = 1 << 20
VENDOR = "w2"
RETRY_PAUSE = 0.1
WARM_UP = 5.0
AFTER = 10.0
# The ingress's publish timeout (its default, written into its configuration), given to the naive
# reference's publish too.
PUBLISH_TIMEOUT = 5.0
# The posters finish the webhooks under way before they write their answers.
POSTERS_EXIT_SECONDS = 90.0
# Memory "still climbing" at the end of the alarm: the median of its last fifth above that of its
# second fifth by more than this (the first fifth holds the publishes the alarm caught in flight).
CLIMBING_MIB = 16.0

# [sent, seconds, status, error code] (bench/posters.py)
Answer = tuple[float, float, int, str | None]


def write_body(directory: Path) -> Path:
    """The webhook every poster sends: W2-like JSON with base64 images, about 1 MiB."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "alarm-1mib.json"
    path.write_bytes(with_images(BODY_BYTES).data)
    return path


@dataclass
class Marks:
    """Moments of one run on the machine's monotonic clock (the posters' clock too)."""

    started: float = 0.0
    raising: float = 0.0  # rabbitmqctl asked to raise the alarm
    alarm_on: float = 0.0  # ... and returned: the alarm is on
    clearing: float = 0.0  # rabbitmqctl asked to clear it
    alarm_off: float = 0.0  # ... and returned: the alarm is off
    ended: float = 0.0  # the posters were told to stop
    # The process's CPU time (seconds) when the alarm was raised and when it was cleared.
    cpu_raising: float = 0.0
    cpu_clearing: float = 0.0


async def drive(
    process: Process,
    *,
    port: int,
    node: Node,
    body_file: Path,
    logs: Path,
    alarm_seconds: float,
) -> tuple[list[Answer], list[tuple[float, float]], Marks]:
    """Post to ``process`` through warm-up, alarm and after; its answers, RSS samples, marks."""
    answers_file = logs / f"{process.name}-answers.json"
    answers_file.unlink(missing_ok=True)
    argv = python_module(
        "bench.posters",
        f"http://127.0.0.1:{port}",
        f"/webhooks/{VENDOR}",
        body_file,
        CLIENTS,
        RETRY_PAUSE,
        answers_file,
    )
    marks = Marks()
    async with process.watching_memory():
        marks.started = time.monotonic()
        posters = Process(f"{process.name}_posters", argv, logs, env={})
        try:
            await asyncio.sleep(WARM_UP)
            process.check_alive()
            marks.raising = time.monotonic()
            marks.cpu_raising = cpu_seconds(process.pid)
            try:
                await asyncio.to_thread(node.set_memory_alarm, True)
                marks.alarm_on = time.monotonic()
                await asyncio.sleep(alarm_seconds)
            finally:
                marks.clearing = time.monotonic()
                marks.cpu_clearing = cpu_seconds(process.pid)
                await asyncio.to_thread(node.set_memory_alarm, False)
                marks.alarm_off = time.monotonic()
            await asyncio.sleep(AFTER)
            process.check_alive()
        finally:
            marks.ended = time.monotonic()
            posters.popen.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(posters.popen.wait, POSTERS_EXIT_SECONDS)
            except subprocess.TimeoutExpired:
                posters.popen.kill()
                raise
    if posters.popen.returncode != 0:
        posters.check_alive()  # raises with the end of its log
        raise RuntimeError(f"the posters exited with {posters.popen.returncode}")
    answers: list[Answer] = [
        (float(sent), float(seconds), int(status), error)
        for sent, seconds, status, error in json.loads(answers_file.read_text())
    ]
    return answers, list(process.memory.samples), marks


async def stored(bench: BenchBroker, quiet_seconds: float = 2.0, timeout: float = 120.0) -> int:
    """Messages on the inbound queue once the count has stopped changing (what a stopped process
    left in its socket is still being read when it exits)."""
    queue = bench.topology.inbound_queue(VENDOR)
    deadline = time.monotonic() + timeout
    last, since = -1, time.monotonic()
    while True:
        count = await bench.depth(queue)
        now = time.monotonic()
        if count != last:
            last, since = count, now
        elif now - since >= quiet_seconds or now > deadline:
            return count
        await asyncio.sleep(0.25)


def _percentile(sorted_values: list[float], percent: float) -> float | None:
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, round(percent / 100 * (len(sorted_values) - 1)))
    return sorted_values[index]


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def summarise(
    answers: list[Answer],
    samples: list[tuple[float, float]],
    marks: Marks,
    stored_messages: int,
) -> dict[str, Any]:
    """The scenario's figures for one process (docs/performance.md shows them)."""
    accepted = [a for a in answers if a[2] == 202]
    refused = [a for a in answers if a[2] != 202]
    # Answered while the alarm was on: everything refused then, for whatever reason (a publish
    # that the alarm caught in the socket is refused when its timeout ends, during the alarm).
    in_alarm = [a for a in answers if marks.alarm_on <= a[0] + a[1] < marks.clearing]
    refused_in_alarm = sorted(a[1] for a in in_alarm if a[2] != 202)
    codes: dict[str, list[float]] = {}
    for _, seconds, status, error in in_alarm:
        if status != 202:
            codes.setdefault(f"{status} {error or ''}".strip(), []).append(seconds)
    # The broker acts on the new watermark a moment after rabbitmqctl returns: what it confirmed
    # until then is answered 202 after the alarm was raised.
    accepted_in_alarm = [a[0] + a[1] for a in in_alarm if a[2] == 202]
    answered_after = [a[0] + a[1] for a in accepted if a[0] + a[1] >= marks.clearing]
    first_after = min(answered_after, default=None)

    before = [rss for t, rss in samples if t <= marks.raising]
    during = [rss for t, rss in samples if marks.raising <= t <= marks.clearing]
    fifth = len(during) // 5
    fifths = (
        [statistics.median(during[i * fifth : (i + 1) * fifth]) for i in range(5)] if fifth else []
    )
    growth = fifths[4] - fifths[1] if fifths else None
    return {
        "clients": CLIENTS,
        "body_bytes": BODY_BYTES,
        "alarm_seconds": round(marks.clearing - marks.alarm_on, 1),
        "seconds_total": round(marks.ended - marks.started, 1),
        "accepted": len(accepted),
        "refused": len(refused),
        "statuses": dict(Counter(str(a[2]) for a in answers)),
        "accepted_in_alarm": len(accepted_in_alarm),
        "last_202_in_alarm_s": (
            round(max(accepted_in_alarm) - marks.alarm_on, 2) if accepted_in_alarm else None
        ),
        "refused_in_alarm": len(refused_in_alarm),
        "refused_in_alarm_p50_ms": _ms(_percentile(refused_in_alarm, 50)),
        "refused_in_alarm_p99_ms": _ms(_percentile(refused_in_alarm, 99)),
        "refused_in_alarm_max_ms": _ms(refused_in_alarm[-1] if refused_in_alarm else None),
        "refused_in_alarm_by_code": {
            code: {
                "count": len(values),
                "p50_ms": _ms(_percentile(sorted(values), 50)),
                "max_ms": _ms(max(values)),
            }
            for code, values in sorted(codes.items())
        },
        "stored": stored_messages,
        "stored_beyond_accepted": stored_messages - len(accepted),
        # From the moment rabbitmqctl returned; it takes about half a second itself (below).
        "first_202_after_clear_s": (
            round(first_after - marks.alarm_off, 2) if first_after is not None else None
        ),
        "rabbitmqctl_raise_s": round(marks.alarm_on - marks.raising, 2),
        "rabbitmqctl_clear_s": round(marks.alarm_off - marks.clearing, 2),
        "cpu_share_in_alarm": round(
            (marks.cpu_clearing - marks.cpu_raising) / (marks.clearing - marks.raising), 2
        ),
        "rss_start_mib": round(before[-1], 1) if before else None,
        "rss_alarm_peak_mib": round(max(during), 1) if during else None,
        "rss_alarm_end_mib": round(during[-1], 1) if during else None,
        "rss_alarm_fifth_medians_mib": [round(rss, 1) for rss in fifths],
        "rss_alarm_growth_mib": round(growth, 1) if growth is not None else None,
        "rss_still_climbing": growth is not None and growth > CLIMBING_MIB,
        "rss_end_mib": round(samples[-1][1], 1) if samples else None,
        # Every second or so, in seconds from the alarm's start: for a plot.
        "rss_samples": [
            (round(t - marks.alarm_on, 1), round(rss, 1))
            for t, rss in samples[:: max(1, len(samples) // 120)]
        ],
    }
