"""The connection to RabbitMQ: one of several addresses, reconnecting by itself; the topology; the
broker's flow control.

``VERDICT_AMQP_URL`` may list several addresses, comma-separated (a cluster's nodes, or one
address in front of them). A process holds one connection, to the first address that answers.
When it loses it, it moves on to the next address that answers, backing off while none does;
each time it connects it declares the topology and tells its listeners (the worker reopens its
consumers), so no process needs a restart. The publisher opens its channel on the new connection
at its next publish.

A process starts even while no broker answers: ``ready`` stays False meanwhile and the ingress
answers 503. While RabbitMQ blocks the connection (``connection.blocked``, sent during a memory or
disk alarm, when it stops reading what publishing connections send), ``blocked`` is True: the
ingress refuses webhooks at once, the worker holds what it has until the alarm clears.

A broker that answers and refuses us (a wrong password, a virtual host that does not exist, a
user with no permission on it: shared/broker_refusals.py) is logged at every attempt as an error
whose event names the cause and whose detail says which setting to change, and is tried again
every 30 s rather than stopping the process: on a fresh deployment the virtual host, the user and
its permissions are often created by an operator or by definitions loaded after the pipeline
starts (the RabbitMQ topology operator does so), and a process that exits would only be restarted
by its supervisor into the same refusal, with the reason further from sight. ``ready`` stays False
meanwhile, so the ingress answers 503 and a readiness probe keeps it out of rotation.

Passwords stay out of logs, errors and metrics: every address there goes through
:func:`shared.addresses.redact`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import aio_pika
import aiormq
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractExchange

from shared import aiormq_internals, logging, metrics
from shared.addresses import addresses, redact
from shared.broker_refusals import BrokerRefused, refusal
from shared.topology import Topology

log = logging.get("verdict.broker")

_FIRST_BACKOFF = 0.5
_MAX_BACKOFF = 10.0
# After a round in which a broker refused us (see the module's docstring): what would change its
# answer is a person or a deployment tool, not the next second.
_REFUSED_RETRY = 30.0
# An address that neither answers nor refuses (a node behind a dead host) is given this long.
_CONNECT_TIMEOUT = 10.0
# Once connected: opening the channel and declaring the topology, then each listener.
_SETUP_TIMEOUT = 10.0
# How often a connected process looks at the blocked flag, to log and count its transitions
# (publishes read the flag itself, at once).
_WATCH_SECONDS = 0.1

T = TypeVar("T")
Listener = Callable[[AbstractConnection], Awaitable[None]]
# What an address that does not answer, or refuses us, raises (a refusal: BrokerRefused, an
# OSError).
CONNECT_ERRORS = (TimeoutError, OSError, aio_pika.exceptions.AMQPError)


# Operations given up on, still cleaning up after themselves (see bounded).
_abandoned: set[asyncio.Future[Any]] = set()


async def bounded(work: Awaitable[T], seconds: float, what: str) -> T:
    """``work``, given at most ``seconds``: then TimeoutError, at once.

    aiormq cleans up after a failed or cancelled operation by talking to the broker, and waits
    for the answer. A peer that accepted the TCP connection and then says nothing (a container's
    port forwarder whose broker is stopped, a broker still starting) keeps that cleanup, and any
    ``wait_for`` or ``timeout`` around it, waiting for ever. So the work runs as a task of its
    own, and is given up on whatever its cleanup is doing, left to finish in the background. A
    CancelledError that comes from aiormq (it cancels what waits on a connection that failed),
    not from the caller, is a failure like any other: ConnectionError.
    """
    task = asyncio.ensure_future(work)
    try:
        done, _ = await asyncio.wait({task}, timeout=seconds)
    except asyncio.CancelledError:
        _abandon(task)
        raise
    if not done:
        _abandon(task)
        raise TimeoutError(f"{what}: no answer in {seconds:g} s")
    if task.cancelled():
        raise ConnectionError(f"{what}: cancelled as the connection failed")
    return task.result()


def _abandon(task: asyncio.Future[Any]) -> None:
    task.cancel()
    _abandoned.add(task)
    task.add_done_callback(_forget)


def _forget(task: asyncio.Future[Any]) -> None:
    _abandoned.discard(task)
    if not task.cancelled():
        task.exception()  # retrieved: it was given up on


async def open_connection(url: str, name: str) -> AbstractConnection:
    """A connection to one address (no reconnecting: :class:`Broker` does that); TimeoutError
    when it does not complete the AMQP handshake in time, BrokerRefused when the broker refuses
    the login or the virtual host."""
    connecting = aio_pika.connect(
        url, client_properties={"connection_name": name}, timeout=_CONNECT_TIMEOUT
    )
    try:
        return await bounded(connecting, _CONNECT_TIMEOUT + 1, "connecting")
    except Exception as exc:
        refused = refusal(exc, url)
        if refused is None:
            raise
        raise refused from exc


def connect_failure(urls: Sequence[str], error: BaseException) -> str:
    """One line for a command that could not connect: the refusal and what to change, or the
    addresses that did not answer."""
    if isinstance(error, BrokerRefused):
        return f"cannot connect to {error.broker}: {error.detail}"
    where = ", ".join(redact(url) for url in urls)
    # The library's text says what failed (e.g. "Connect call failed ('127.0.0.1', 5672)").
    said = f" {error}" if str(error) else ""
    return f"cannot reach the broker at {where}: {type(error).__name__}{said}"


def _log_failure(url: str, error: BaseException) -> None:
    if isinstance(error, BrokerRefused):
        log.error(error.event, broker=redact(url), detail=error.detail)
    else:
        log.warning("broker_unreachable", broker=redact(url), error=type(error).__name__)


def _most_telling(failures: Sequence[Exception]) -> Exception:
    """A refusal, which says what to change, over an address that did not answer; else the
    last failure."""
    return next((f for f in failures if isinstance(f, BrokerRefused)), failures[-1])


async def close_connection(connection: AbstractConnection) -> None:
    """Close, if the broker answers in time; a connection that cannot even be closed is left."""
    with contextlib.suppress(*CONNECT_ERRORS, RuntimeError):
        await bounded(connection.close(), _CONNECT_TIMEOUT, "closing")


async def connect_first(urls: Sequence[str], name: str) -> AbstractConnection:
    """A connection to the first of ``urls`` that answers (``verdict dlq``). When none does,
    each failure is logged (address redacted) and one is raised: a refusal if there was one,
    else the last (:func:`connect_failure` says it in one line)."""
    failures: list[Exception] = []
    for url in urls:
        try:
            return await open_connection(url, name)
        except CONNECT_ERRORS as exc:
            _log_failure(url, exc)
            failures.append(exc)
    if not failures:
        raise ValueError("no broker address given")
    raise _most_telling(failures)


class Broker:
    def __init__(self, urls: str | Sequence[str], topology: Topology, *, name: str) -> None:
        self.urls = addresses(urls) if isinstance(urls, str) else tuple(urls)
        self.topology = topology
        self.name = name
        self.connection: AbstractConnection | None = None
        self._url: str | None = None
        # A channel of the current connection, for the topology and for exchange() lookups.
        self.channel: AbstractChannel | None = None
        self._lost = asyncio.Event()
        self._connected = asyncio.Event()
        self._listeners: list[Listener] = []
        self._blocked_callbacks: list[Callable[[], None]] = []
        self._next = 0  # the address to try first
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        metrics.track_broker(name, lambda: self.ready, lambda: self.blocked)

    @property
    def address(self) -> str | None:
        """The address of the current connection, redacted."""
        return None if self._url is None else redact(self._url)

    @property
    def amqp(self) -> aiormq.Connection | None:
        """The current connection's aiormq connection, while it is up."""
        if not self.ready or self.connection is None or self.connection.transport is None:
            return None
        connection = self.connection.transport.connection
        return connection if isinstance(connection, aiormq.Connection) else None

    @property
    def ready(self) -> bool:
        """Connected, with the topology declared and a channel open."""
        return (
            self.connection is not None
            and not self._lost.is_set()
            and self.connection.connected.is_set()
            and self.channel is not None
            and not self.channel.is_closed
        )

    @property
    def blocked(self) -> bool:
        """RabbitMQ is blocking this connection's publishes (a resource alarm)."""
        amqp = self.amqp
        return amqp is not None and aiormq_internals.connection_blocked(amqp)

    def on_connected(self, listener: Listener) -> None:
        """Call ``listener(connection)`` after every connect, once the topology is declared."""
        self._listeners.append(listener)

    def on_blocked(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` when RabbitMQ blocks the connection (seen within 0.1 s)."""
        self._blocked_callbacks.append(callback)

    def start(self) -> None:
        """Connect in the background, and again whenever the connection is lost."""
        self._task = asyncio.create_task(self._stay_connected(), name=f"{self.name}-connect")

    async def wait_connected(self, timeout: float | None = None) -> None:
        await asyncio.wait_for(self._connected.wait(), timeout)

    async def until_unblocked(self) -> None:
        """Return once RabbitMQ no longer blocks the connection (or the connection is gone)."""
        amqp = self.amqp
        if amqp is None or not aiormq_internals.connection_blocked(amqp):
            return
        # aiormq's ready() returns once connected and unblocked; a lost connection ends it too.
        waiters = {asyncio.ensure_future(amqp.ready()), asyncio.ensure_future(self._lost.wait())}
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    async def connect(self) -> None:
        """Connect to the first address that answers, from the one after the last used, and
        declare the topology. When none answers, raises a refusal if one refused (BrokerRefused),
        else the last error."""
        failures: list[Exception] = []
        for attempt in range(len(self.urls)):
            index = (self._next + attempt) % len(self.urls)
            try:
                await self._connect_to(self.urls[index])
            # Whatever an attempt raised (aiormq lets more than AMQP errors out of a handshake
            # cut short: StopAsyncIteration, when RabbitMQ 4 closes the socket of a connection it
            # is not ready for), the next address, or round, is tried.
            except Exception as exc:
                _log_failure(self.urls[index], exc)
                failures.append(exc)
            else:
                # Next time, start with the next address: the one just used is the one lost.
                self._next = (index + 1) % len(self.urls)
                return
        raise _most_telling(failures)

    async def _connect_to(self, url: str) -> None:
        connection = await open_connection(url, self.name)
        try:
            # A broker still starting up can take the connection and then not answer a declare
            # for a long while: try again later rather than wait here for ever.
            channel = await bounded(
                self._declare_on(connection), _SETUP_TIMEOUT, "declaring the topology"
            )
        except BaseException:
            await close_connection(connection)
            raise
        lost = asyncio.Event()
        connection.close_callbacks.add(lambda *_: lost.set())
        self.connection, self.channel, self._lost, self._url = connection, channel, lost, url
        self._connected.set()
        for listener in self._listeners:
            try:
                await bounded(listener(connection), _SETUP_TIMEOUT, "setting up")
            except (*CONNECT_ERRORS, RuntimeError) as exc:
                # The connection went again already, or the broker is not answering: drop this
                # connection, and the next round connects again.
                log.warning("broker_listener_failed", error=type(exc).__name__)
                await close_connection(connection)
                return

    async def _declare_on(self, connection: AbstractConnection) -> AbstractChannel:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        await self.topology.declare(channel)
        return channel

    async def _stay_connected(self) -> None:
        backoff = _FIRST_BACKOFF
        connected_before = False
        while not self._closing:
            try:
                await self.connect()
            except Exception as exc:  # logged per address by connect(): try again
                # A refusal is retried too, less often (see the module's docstring).
                wait = _REFUSED_RETRY if isinstance(exc, BrokerRefused) else backoff
                log.warning("broker_retrying", retry_in=wait, addresses=len(self.urls))
                await asyncio.sleep(wait)
                backoff = min(backoff * 2, _MAX_BACKOFF)
                continue
            backoff = _FIRST_BACKOFF
            log.info(
                "broker_reconnected" if connected_before else "broker_connected",
                broker=self.address,
            )
            connected_before = True
            await self._watch()
            if not self._closing:
                log.warning("broker_connection_lost", broker=self.address)

    async def _watch(self) -> None:
        """Until the connection is lost: log each change of the blocked flag, once."""
        blocked = False
        lost = self._lost
        while not lost.is_set():
            if self.blocked != blocked:
                blocked = not blocked
                if blocked:
                    log.warning("broker_blocked", broker=self.address)
                    for callback in self._blocked_callbacks:
                        callback()
                else:
                    log.info("broker_unblocked", broker=self.address)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(lost.wait(), _WATCH_SECONDS)
        if blocked:
            log.info("broker_unblocked", broker=self.address, detail="connection lost")

    async def exchange(self, name: str) -> AbstractExchange:
        # While reconnecting, refuse at once (the caller answers 503, retries or requeues).
        if self.channel is None or not self.ready:
            raise ConnectionError("not connected to the broker")
        return await self.channel.get_exchange(name, ensure=False)

    async def close(self) -> None:
        self._closing = True
        if self._task is not None:
            self._task.cancel()
            # Whatever the connecting was doing when cancelled, it ends here.
            await asyncio.gather(self._task, return_exceptions=True)
        if self.connection is not None:
            await close_connection(self.connection)
