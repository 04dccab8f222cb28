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
from dataclasses import dataclass
from typing import Protocol as TypingProtocol
from typing import TypeVar

import aiohttp
import msgspec
from aiolimiter import AsyncLimiter

from shared import logging, metrics
from shared.vendor_api_settings import Api
from workers.settle import Permanent, Transient
from workers.vendors.base import Fetch
from workers.vendors.policy import Read

log = logging.get("verdict.worker")

T = TypeVar("T")

UNAVAILABLE = "fetch_unavailable"
RATE_LIMITED = "fetch_rate_limited"
MALFORMED = "fetch_malformed"
UNAUTHORIZED = "fetch_unauthorized"
NOT_FOUND = "fetch_not_found"
REFUSED = "fetch_refused"

# An answer larger than this is no retrieval API's JSON; reading stops there.
MAX_ANSWER_BYTES = 8 * 1024 * 1024
# A token is renewed this long before the vendor says it expires.
_TOKEN_MARGIN = 60.0


class Malformed(Exception):
    """The vendor's answer is not the documented JSON (said without its content)."""


def decode(decoder: msgspec.json.Decoder[T], body: bytes) -> T:
    """A vendor's answer decoded, or Malformed: msgspec's messages name the place in the JSON,
    never a value."""
    try:
        return decoder.decode(body)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise Malformed(str(exc)) from None


@dataclass(frozen=True)
class Request:
    url: str
    method: str = "GET"
    headers: Mapping[str, str] | None = None
    # A form body (OAuth2's token requests) or JSON.
    form: Mapping[str, str] | None = None
    json: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Token:
    headers: Mapping[str, str]
    expires_at: float  # time.monotonic(); float("inf") for a static credential


class Protocol(TypingProtocol):
    """What one vendor's API documents: how to get a token, where a resource is, how to read it."""

    def token_request(self) -> Request | None:
        """The request for a token; None when the credential itself is sent (Onfido's)."""

    def read_token(self, body: bytes) -> Token:
        """The token answer as the headers to send and when they expire (Malformed if not)."""

    def resource_request(self, what: Fetch, token: Token) -> Request:
        """The request for the resource."""

    def read_resource(self, what: Fetch, body: bytes) -> Read:
        """The verdict fields of the answer, keyed as the vendor's table reads them."""


class VendorApi:
    """A vendor's retrieval API for one worker."""

    def __init__(
        self, vendor: str, api: Api, protocol: Protocol, session: aiohttp.ClientSession
    ) -> None:
        self.vendor = vendor
        self.protocol = protocol
        self._session = session
        self._timeout = aiohttp.ClientTimeout(total=api.timeout)
        self._slots = asyncio.Semaphore(api.concurrency)
        self._limiter = AsyncLimiter(api.rate_limit, 1.0) if api.rate_limit else None
        self._token: Token | None = None
        self._token_lock = asyncio.Lock()
        # One request per resource at a time: a second message about it waits for the answer.
        self._in_flight: dict[Fetch, asyncio.Future[Read]] = {}

    async def fetch(self, what: Fetch) -> Read:
        pending = self._in_flight.get(what)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Read] = asyncio.get_running_loop().create_future()
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

    async def _timed(self, what: Fetch) -> Read:
        started = time.perf_counter()
        result = "ok"
        try:
            return await self._fetch(what)
        except (Transient, Permanent) as exc:
            result = exc.reason.removeprefix("fetch_")
            metrics.FETCH_ERRORS.labels(vendor=self.vendor, kind=result).inc()
            raise
        finally:
            seconds = time.perf_counter() - started
            metrics.FETCH_SECONDS.labels(vendor=self.vendor, result=result).observe(seconds)

    async def _fetch(self, what: Fetch) -> Read:
        for renewed in (False, True):
            token = await self._current_token(renew=renewed)
            status, body, retry_after = await self._send(
                self.protocol.resource_request(what, token)
            )
            if status in (401, 403) and not renewed and token.expires_at != float("inf"):
                continue  # an expired or revoked token: once more with a new one
            break
        self._raise_for(status, what, retry_after)
        try:
            return self.protocol.read_resource(what, body)
        except Malformed as exc:
            raise Transient(MALFORMED, f"{self.vendor} API: {exc}") from None

    async def _current_token(self, renew: bool) -> Token:
        async with self._token_lock:
            token = self._token
            if token is None or renew or time.monotonic() >= token.expires_at - _TOKEN_MARGIN:
                token = self._token = await self._new_token()
            return token

    async def _new_token(self) -> Token:
        request = self.protocol.token_request()
        if request is None:
            return self.protocol.read_token(b"")
        status, body, retry_after = await self._send(request)
        self._raise_for(status, None, retry_after)
        try:
            return self.protocol.read_token(body)
        except Malformed as exc:
            raise Transient(MALFORMED, f"{self.vendor} token endpoint: {exc}") from None

    async def _send(self, request: Request) -> tuple[int, bytes, float | None]:
        """One request within the limits; its status, body and Retry-After."""
        async with self._slots:
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
            except Malformed as exc:
                raise Transient(MALFORMED, f"{self.vendor} API: {exc}") from None

    def _raise_for(self, status: int, what: Fetch | None, retry_after: float | None) -> None:
        if 200 <= status < 300:
            return
        said = f"{self.vendor} API answered {status}"
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
    """``Retry-After`` in seconds, given as seconds or as an HTTP date; None if absent or bad."""
    value = headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
