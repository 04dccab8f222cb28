"""Running a service until SIGTERM or SIGINT, and making sure the process then ends.

The first signal asks the service to drain and stop; a second one ends the process at once. A
process must not outlive its first signal, nor a failed start, whatever is still running in it:
aiormq cleans up a connection given up on by talking to the broker, and a peer that took the TCP
connection and says nothing keeps that cleanup waiting for ever (shared/broker.py, ``bounded``),
so leaving the event loop, which waits for every task, could wait for ever too. A timer thread,
which needs no event loop, ends the process when that wait runs past its deadline.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
from collections.abc import Awaitable, Callable

import uvloop

from shared import logging
from shared.settings import Settings
from verdict.listening import CannotListen

log = logging.get("verdict")

Service = Callable[[Settings, asyncio.Event], Awaitable[None]]

OK, FAILED = 0, 1
_SIGNALS = (signal.SIGTERM, signal.SIGINT)
# After the first signal: the drain (VERDICT_DRAIN_TIMEOUT), then closing the HTTP server and the
# broker connection, each bounded (shared/broker.py: 10 s): past this margin something hangs.
_STOP_MARGIN_SECONDS = 30.0
# Once the service has returned or failed, leaving the event loop cancels what still runs.
_TEARDOWN_SECONDS = 10.0


def run_until_signalled(service: Service, config: Settings) -> int:
    """Run ``service`` until a signal; the exit status (1 when it could not start)."""
    status = FAILED
    deadlines = Deadlines()
    try:
        # uvloop: the same asyncio, with a cheaper event loop and socket I/O (docs/performance.md).
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            try:
                runner.run(_until_signalled(service, config, deadlines))
                status = OK
            except CannotListen as exc:
                print(f"verdict: {exc}", file=sys.stderr)
            except Exception:
                # Logged now: the traceback Python would print comes only after the teardown.
                log.exception("service_failed")
            deadlines.arm(_TEARDOWN_SECONDS, status, "leaving the event loop")
    finally:
        # Ended in time: nothing more to force (and a caller's process, a test's, goes on).
        deadlines.cancel()
    return status


async def _until_signalled(service: Service, config: Settings, deadlines: Deadlines) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def stopping(signum: signal.Signals) -> None:
        log.info("stopping", signal=signum.name)
        stop.set()
        deadlines.arm(config.drain_timeout + _STOP_MARGIN_SECONDS, FAILED, "stopping")
        _uncatch(loop)  # a second signal ends the process at once, without draining

    for signum in _SIGNALS:
        loop.add_signal_handler(signum, stopping, signum)
    try:
        await service(config, stop)
    finally:
        # A signal from here on, with nothing left to stop, ends the process.
        _uncatch(loop)


def _uncatch(loop: asyncio.AbstractEventLoop) -> None:
    for signum in _SIGNALS:
        loop.remove_signal_handler(signum)


class Deadlines:
    """Timers that end the process, each unless it has ended (or they are cancelled) by then."""

    def __init__(self) -> None:
        self._timers: list[threading.Timer] = []

    def arm(self, seconds: float, status: int, what: str) -> None:
        """End the process with ``status`` in ``seconds``; ``what`` it was doing goes in the log."""

        def end() -> None:
            log.error("exit_forced", waited_seconds=seconds, doing=what)
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(status)

        timer = threading.Timer(seconds, end)
        timer.daemon = True  # does not keep a process that ends in time
        timer.start()
        self._timers.append(timer)

    def cancel(self) -> None:
        for timer in self._timers:
            timer.cancel()
