"""One vendor's retrieval API as a worker uses it: the requests it may make at once and per
second, one request per resource at a time, the token it holds, and what each answer means for
the message (workers/settle.py).

- 2xx: the answer is decoded by the vendor's :class:`Protocol`, which keeps only the verdict
  fields: names, document data and image links in the answer are never declared, so never kept.
- timeout, connection failure, 5xx: :class:`Transient` ``fetch_unavailable``; 429:
  ``fetch_rate_limited``, both with the vendor's ``Retry-After``; an answer that is not the
  documented JSON: ``fetch_malformed``. Retried through the retry queues, then dead-lettered.
- 401/403: the credentials. A token is fetched anew once; refused again, :class:`Permanent`
  ``fetch_unauthorized`` (dead letter), with one log line naming the setting.
- 404: ``fetch_not_found``; any other 4xx: ``fetch_refused``. Dead letters.
"""

from __future__ import annotations

import asyncio
import email.utils
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol as TypingProtocol
from typing import TypeVar

import aiohttp
import msgspec
from aiolimiter import AsyncLimiter

from shared import logging, metrics
from shared.vendor_api_settings import Api
from workers.settle import Permanent, Transient
from workers.vendors import base
from workers.vendors.base import Fetch
from workers.vendors.policy import Fetched

log = logging.get("verdict.worker")

T = TypeVar("T")

UNAVAILABLE = "fetch_unavailable"
RATE_LIMITED = "fetch_rate_limited"
MALFORMED = "fetch_malformed"
UNAUTHORIZED = "fetch_unauthorized"
NOT_FOUND = "fetch_not_found"
REFUSED = "fetch_refused"

# An answer larger than this is no retrieval API's JSON (theirs are a few KiB); reading stops.
MAX_ANSWER_BYTES = 2 * 1024 * 1024
# A token is renewed this long before the vendor says it expires (half its life, if shorter).
_TOKEN_MARGIN = 60.0
# The longest a vendor's Retry-After is believed; a longer one waits the longest retry delay.
MAX_RETRY_AFTER = 3600.0
# One fetch, its token and its waits for a slot and the rate limit included, ends within this
# many of the API's timeouts (a token, the resource, a renewed token and the resource again).
_FETCH_TIMEOUTS = 4


class Malformed(Exception):
    """The vendor's answer is not the documented JSON (said without its content)."""


def decode(decoder: msgspec.json.Decoder[T], body: bytes) -> T:
    """A vendor's answer decoded, or Malformed (saying where, never a value)."""
    return base.decode(decoder, body, Malformed)


@dataclass(frozen=True)
class Request:
    url: str
    method: str = "GET"
    # Credentials travel in these: never in a repr.
    headers: Mapping[str, str] | None = field(default=None, repr=False)
    # A form body (OAuth2's token requests) or JSON.
    form: Mapping[str, str] | None = field(default=None, repr=False)
    json: Mapping[str, str] | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Token:
    headers: Mapping[str, str] = field(repr=False)
    expires_at: float  # time.monotonic(); float("inf") for a static credential
    issued_at: float = field(default_factory=time.monotonic)


class Protocol(TypingProtocol):
    """What one vendor's API documents: how to get a token, where a resource is, how to read it."""

    def token_request(self) -> Request | None:
        """The request for a token; None when the credential itself is sent (Onfido's)."""

    def read_token(self, body: bytes) -> Token:
        """The token answer as the headers to send and when they expire (Malformed if not)."""

    def resource_request(self, what: Fetch, token: Token) -> Request:
        """The request for the resource."""

    def read_resource(self, what: Fetch, body: bytes) -> Fetched:
        """The verdict fields of the answer, keyed as the vendor's table reads them (and the
        person's ids where the answer has them)."""


class VendorApi:
    """A vendor's retrieval API for one worker."""

    def __init__(
        self, vendor: str, api: Api, protocol: Protocol, session: aiohttp.ClientSession
    ) -> None:
        self.vendor = vendor
        self.protocol = protocol
        self._session = session
        self._timeout = aiohttp.ClientTimeout(total=api.timeout)
        self._deadline = api.timeout * _FETCH_TIMEOUTS
        # A pause the vendor asked for that a fetch sits out in place; a longer one sends the
        # message to the retry queues.
        self._longest_wait = api.timeout / 2
        self._slots = asyncio.Semaphore(api.concurrency)
        self._limiter = _limiter(api.rate_limit)
        # Until when the vendor asked not to be called (a 429's or 503's Retry-After): every
        # fetch waits, rather than each spending a request and a retry on its own refusal.
        self._paused_until = 0.0
        self._token: Token | None = None
        self._token_lock = asyncio.Lock()
        # One request per resource at a time: a second message about it waits for the answer.
        self._in_flight: dict[Fetch, asyncio.Future[Fetched]] = {}

    async def fetch(self, what: Fetch) -> Fetched:
        pending = self._in_flight.get(what)
        if pending is not None:
            try:
                return await asyncio.shield(pending)
            except asyncio.CancelledError:
                if not pending.cancelled():
                    raise  # this task was cancelled
                # The task fetching it was cancelled, not this one: fetch it here.
        future: asyncio.Future[Fetched] = asyncio.get_running_loop().create_future()
        self._in_flight[what] = future
        try:
            result = await self._timed(what)
        except asyncio.CancelledError:
            future.cancel()
            raise
        except BaseException as exc:
            future.set_exception(exc)
            # Waiters take the exception; nobody waiting is not an error.
            future.exception()
            raise
        else:
            future.set_result(result)
            return result
        finally:
            del self._in_flight[what]

    async def _timed(self, what: Fetch) -> Fetched:
        started = time.perf_counter()
        result = "ok"
        try:
            async with asyncio.timeout(self._deadline):
                try:
                    return await self._fetch(what)
                except Malformed as exc:  # an answer, or a token's, that is not the vendor's JSON
                    raise Transient(MALFORMED, f"{self.vendor} API: {exc}") from None
        except TimeoutError:
            result = "unavailable"
            error = f"{self.vendor} API: no answer within {self._deadline:g} s, waits included"
            metrics.FETCH_ERRORS.labels(vendor=self.vendor, kind=result).inc()
            raise Transient(UNAVAILABLE, error) from None
        except (Transient, Permanent) as exc:
            result = exc.reason.removeprefix("fetch_")
            metrics.FETCH_ERRORS.labels(vendor=self.vendor, kind=result).inc()
            raise
        except Exception:
            result = "error"  # a bug: the worker's poison handling takes it from here
            metrics.FETCH_ERRORS.labels(vendor=self.vendor, kind=result).inc()
            raise
        finally:
            seconds = time.perf_counter() - started
            metrics.FETCH_SECONDS.labels(vendor=self.vendor, result=result).observe(seconds)

    async def _fetch(self, what: Fetch) -> Fetched:
        refused: Token | None = None
        for renewed in (False, True):
            token = await self._current_token(refused)
            status, body, retry_after = await self._send(
                self.protocol.resource_request(what, token)
            )
            if status in (401, 403) and not renewed and token.expires_at != float("inf"):
                refused = token  # expired or revoked: once more with a new one
                continue
            break
        self._raise_for(status, what, retry_after)
        return self.protocol.read_resource(what, body)

    async def _current_token(self, refused: Token | None = None) -> Token:
        """The token to send: a new one when there is none, it is about to expire, or it is the
        one the vendor just refused (not if another fetch has renewed it meanwhile)."""
        async with self._token_lock:
            token = self._token
            if token is None or token is refused or time.monotonic() >= _renew_at(token):
                token = self._token = await self._new_token()
            return token

    async def _new_token(self) -> Token:
        request = self.protocol.token_request()
        if request is None:
            return self.protocol.read_token(b"")
        status, body, retry_after = await self._send(request)
        self._raise_for(status, None, retry_after)
        return self.protocol.read_token(body)

    async def _send(self, request: Request) -> tuple[int, bytes, float | None]:
        """One request within the limits; its status, body and Retry-After."""
        async with self._slots:
            if (paused := self._paused_until - time.monotonic()) > 0:
                if paused > self._longest_wait:
                    # Too long to hold the message: to the retry queues, asking nothing.
                    said = f"{self.vendor} API asked to wait {paused:.0f} s more"
                    raise Transient(RATE_LIMITED, said, paused)
                await asyncio.sleep(paused)
            if self._limiter is not None:
                await self._limiter.acquire()
            try:
                async with self._session.request(
                    request.method,
                    request.url,
                    headers=request.headers,
                    data=request.form,
                    json=request.json,
                    timeout=self._timeout,
                    allow_redirects=False,
                ) as response:
                    body = await _read_limited(response)
                    return response.status, body, _retry_after(response.headers)
            except TimeoutError:
                raise Transient(UNAVAILABLE, f"{self.vendor} API: no answer in time") from None
            except aiohttp.ClientError as exc:
                error = f"{self.vendor} API: {type(exc).__name__}"
                raise Transient(UNAVAILABLE, error) from None

    def _raise_for(self, status: int, what: Fetch | None, retry_after: float | None) -> None:
        if 200 <= status < 300:
            return
        said = f"{self.vendor} API answered {status}"
        if retry_after and status in (429, 503):
            self._paused_until = max(self._paused_until, time.monotonic() + retry_after)
        if status == 429:
            raise Transient(RATE_LIMITED, said, retry_after)
        if status >= 500 or status == 408:
            raise Transient(UNAVAILABLE, said, retry_after)
        if status in (401, 403):
            setting = f"[vendor.{self.vendor}.api] (VERDICT_{self.vendor.upper()}_API_*)"
            # One line an operator can act on; the message's dead letter says it again.
            log.error("vendor_api_unauthorized", vendor=self.vendor, status=status, setting=setting)
            raise Permanent(UNAUTHORIZED, f"{said}: check the credentials in {setting}")
        if status == 404 and what is not None:
            raise Permanent(NOT_FOUND, f"{said}: no {what.resource} {'/'.join(what.ids)}")
        raise Permanent(REFUSED, said)


async def _read_limited(response: aiohttp.ClientResponse) -> bytes:
    if (response.content_length or 0) > MAX_ANSWER_BYTES:
        raise Malformed(f"an answer of {response.content_length} bytes")
    chunks = []
    size = 0
    async for chunk in response.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise Malformed(f"an answer of more than {MAX_ANSWER_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """``Retry-After`` in seconds, given as seconds or as an HTTP date, at most
    :data:`MAX_RETRY_AFTER`; None if absent or not one of those."""
    value = headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return min(max(0.0, when.timestamp() - time.time()), MAX_RETRY_AFTER)


def _limiter(rate: float | None) -> AsyncLimiter | None:
    """At most ``rate`` requests a second: a second's worth at once, or, below one a second,
    one every 1/rate seconds (aiolimiter takes no fraction of a request)."""
    if rate is None:
        return None
    return AsyncLimiter(rate, 1.0) if rate >= 1 else AsyncLimiter(1, 1 / rate)


def _renew_at(token: Token) -> float:
    lifetime = token.expires_at - token.issued_at
    return token.expires_at - min(_TOKEN_MARGIN, lifetime / 2)
