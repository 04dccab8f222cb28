"""The retrieval APIs of Onfido, Jumio, Incode and MetaMap, served on 127.0.0.1 for tests.

A client written against the vendors' documentation should work against this unchanged, given
``base_url(vendor)`` as its base: the same paths, credentials in the same headers, the same token
exchanges, and error bodies of the same shape, as the vendors' docs and SDKs show them (what they
leave open is decided where it matters and marked [A], assumed). On top of that a test can inject
faults (statuses, Retry-After, malformed bodies, latency, expired tokens) and observe what the
client did (every request, with timings, and the most requests ever in flight at once).

Every request is answered in this order, so that each fault is deterministic:
latency, then an injected fault (the oldest that matches), then the method, the credentials,
a raw answer put for the path, and last the resource (or 404).

Nothing is logged: the resources hold personal data, as the vendors' do.

Standalone, for the benchmark: ``python -m tests.fakes.vendor_apis --port 8099 --latency 0.05``.
"""

from __future__ import annotations

import abc
import argparse
import asyncio
import base64
import contextlib
import math
import secrets
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import ClassVar, Self

from aiohttp import web
from multidict import MultiMapping

from tests.fakes import vendor_bodies as bodies
from tests.fakes.vendor_bodies import Json

ONFIDO_TOKEN = "fake-onfido-api-token"
JUMIO_CLIENT_ID = "fake-jumio-client-id"
JUMIO_CLIENT_SECRET = "fake-jumio-client-secret"
INCODE_API_KEY = "fake-incode-api-key"
INCODE_EMAIL = "executive@verdict.test"
INCODE_PASSWORD = "fake-incode-password"
METAMAP_CLIENT_ID = "fake-metamap-client-id"
METAMAP_CLIENT_SECRET = "fake-metamap-client-secret"

VENDORS = ("onfido", "jumio", "incode", "metamap")


@dataclass(slots=True)
class Recorded:
    """One request as the fake saw it. ``path`` is under the vendor's base URL, query included;
    ``status`` and ``ended`` stay None until it is answered (or if the fake stopped first)."""

    vendor: str
    method: str
    path: str
    started: float  # time.monotonic()
    status: int | None = None
    ended: float | None = None


@dataclass(slots=True)
class _Fault:
    status: int
    remaining: int
    retry_after: str | None
    body: bytes | None
    content_type: str
    path: str | None

    def matches(self, path: str, path_qs: str, *, token: bool) -> bool:
        return not token if self.path is None else self.path in (path, path_qs)


@dataclass(frozen=True, slots=True)
class _Raw:
    status: int
    body: bytes
    content_type: str

    def response(self) -> web.Response:
        # A header, not content_type=: aiohttp refuses a charset in that argument.
        return web.Response(
            status=self.status, body=self.body, headers={"Content-Type": self.content_type}
        )


class _Tokens:
    """The access tokens issued, per vendor, each until its expiry (monotonic)."""

    def __init__(self, lifetime: float) -> None:
        self.lifetime = lifetime
        self._expiries: dict[tuple[str, str], float] = {}

    def issue(self, vendor: str) -> str:
        token = secrets.token_urlsafe(24)
        self._expiries[vendor, token] = time.monotonic() + self.lifetime
        return token

    def valid(self, vendor: str, token: str) -> bool:
        return time.monotonic() < self._expiries.get((vendor, token), -math.inf)

    def expires_in(self) -> int:
        """The lifetime as the whole seconds a token response states (at least 1)."""
        return max(1, math.ceil(self.lifetime))

    def expire_all(self) -> None:
        self._expiries.clear()


def _bearer(request: web.Request) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _basic_is(request: web.Request, client_id: str, secret: str) -> bool:
    """Whether the request carries these client credentials as HTTP Basic auth."""
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("latin1")
    except ValueError:  # binascii.Error is one
        return False
    return scheme.lower() == "basic" and decoded == f"{client_id}:{secret}"


class _Api(abc.ABC):
    """One vendor: how it checks credentials, issues tokens, finds resources, words errors."""

    name: ClassVar[str]
    token_paths: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, tokens: _Tokens) -> None:
        self.tokens = tokens
        self.resources: dict[str, Json] = {}  # keyed by the path that serves each one

    @abc.abstractmethod
    def error(self, status: int, message: str, path: str) -> Json:
        """The vendor's error body."""

    def reply(self, status: int, message: str, path: str) -> web.Response:
        return web.json_response(self.error(status, message, path), status=status)

    async def refuse_client(self, request: web.Request, path: str) -> web.Response | None:
        """At a token endpoint, the answer to a client the vendor would refuse (else None)."""
        return self.reply(404, "Not Found", path)  # a vendor with no token endpoint

    def token(self) -> Json:
        raise NotImplementedError(self.name)

    @abc.abstractmethod
    def refuse_access(self, request: web.Request, path: str) -> web.Response | None:
        """At a retrieval path, the answer to a request without valid credentials (else None)."""

    def find(self, path: str, query: MultiMapping[str]) -> Json | web.Response | None:
        return self.resources.get(path)


class _Onfido(_Api):
    """Static API token (``Authorization: Token token=…``); Onfido's OAuth exchange is not
    served: the brief's clients use the API token."""

    name = "onfido"

    def error(self, status: int, message: str, path: str) -> Json:
        return bodies.onfido_error(status, message)

    def refuse_access(self, request: web.Request, path: str) -> web.Response | None:
        if request.headers.get("Authorization") != f"Token token={ONFIDO_TOKEN}":
            return self.reply(401, "Authorization error: please re-check your credentials", path)
        return None

    def find(self, path: str, query: MultiMapping[str]) -> Json | web.Response | None:
        if path == "/v3.6/reports":  # the list, ?check_id=
            check_id = query.get("check_id")
            if not check_id:
                return self.reply(422, "check_id is required", path)
            return {"reports": self._reports_of(check_id)}
        found = self.resources.get(path)
        if found is not None and path.startswith("/v3.6/checks/"):
            return found | {"report_ids": [r["id"] for r in self._reports_of(found["id"])]}
        return found

    def _reports_of(self, check_id: str) -> list[Json]:
        return [
            report
            for path, report in self.resources.items()
            if path.startswith("/v3.6/reports/") and report["check_id"] == check_id
        ]


class _Jumio(_Api):
    """OAuth2 client credentials (HTTP Basic) for a Bearer token; retrieval also wants a
    User-Agent, as Jumio's documentation insists (403 without one)."""

    name = "jumio"
    token_paths = frozenset({"/oauth2/token"})

    def error(self, status: int, message: str, path: str) -> Json:
        return bodies.jumio_error(status, message)

    async def refuse_client(self, request: web.Request, path: str) -> web.Response | None:
        if not _basic_is(request, JUMIO_CLIENT_ID, JUMIO_CLIENT_SECRET):
            body = bodies.oauth_error("invalid_client", "Bad client credentials")
            return web.json_response(body, status=401)
        if (await request.post()).get("grant_type") != "client_credentials":
            # RFC 6749 answers 400 here, and so does Jumio ("400 or 403" for bad params) [A].
            body = bodies.oauth_error("unsupported_grant_type", "grant_type: client_credentials")
            return web.json_response(body, status=400)
        return None

    def token(self) -> Json:
        return {
            "access_token": self.tokens.issue(self.name),
            "expires_in": self.tokens.expires_in(),
            "token_type": "Bearer",
        }

    def refuse_access(self, request: web.Request, path: str) -> web.Response | None:
        if not request.headers.get("User-Agent", "").strip():
            return self.reply(403, "Missing or suspicious headers", path)
        if not self.tokens.valid(self.name, _bearer(request)):
            return self.reply(401, "Invalid or expired access token", path)
        return None

    def find(self, path: str, query: MultiMapping[str]) -> Json | web.Response | None:
        if path.endswith("/status"):
            details = self.resources.get(path.removesuffix("/status"))
            return None if details is None else bodies.jumio_status(details)
        return self.resources.get(path)


class _Incode(_Api):
    """An executive token from /executive/log-in, sent back as ``X-Incode-Hardware-Id``; every
    call carries ``x-api-key`` (403 without) and ``api-version: 1.0``."""

    name = "incode"
    token_paths = frozenset({"/executive/log-in"})
    score_paths = frozenset({"/omni/get/score", "/omni/get/score/"})  # Incode's samples add a /

    def error(self, status: int, message: str, path: str) -> Json:
        return bodies.incode_error(status, message, path)

    def _refuse_headers(self, request: web.Request, path: str) -> web.Response | None:
        if request.headers.get("x-api-key") != INCODE_API_KEY:
            return self.reply(403, "Invalid or missing API key", path)
        if request.headers.get("api-version") != "1.0":  # the status is undocumented [A]
            return self.reply(400, "api-version: 1.0 is mandatory", path)
        return None

    async def refuse_client(self, request: web.Request, path: str) -> web.Response | None:
        if refusal := self._refuse_headers(request, path):
            return refusal
        try:
            login = await request.json()
        except ValueError:
            return self.reply(400, "The body is not JSON", path)
        if not isinstance(login, dict) or (login.get("email"), login.get("password")) != (
            INCODE_EMAIL,
            INCODE_PASSWORD,
        ):
            return self.reply(401, "Invalid credentials", path)  # the status is undocumented [A]
        return None

    def token(self) -> Json:
        return {"token": self.tokens.issue(self.name)}

    def refuse_access(self, request: web.Request, path: str) -> web.Response | None:
        if refusal := self._refuse_headers(request, path):
            return refusal
        if not self.tokens.valid(self.name, request.headers.get("X-Incode-Hardware-Id", "")):
            return self.reply(401, "Invalid or missing access token", path)
        return None

    def find(self, path: str, query: MultiMapping[str]) -> Json | web.Response | None:
        if path not in self.score_paths:
            return None
        interview_id = query.get("id")
        if not interview_id:
            # Incode would take the session from a session token; an executive token has none [A].
            return self.reply(400, "id is required with an executive token", path)
        return self.resources.get(interview_id)  # keyed by interview id, not path


class _MetaMap(_Api):
    """OAuth2 client credentials (HTTP Basic) at /oauth for a Bearer JWT. The error bodies are
    those of the node oauth2-server library, which MetaMap's recorded 401 matches word for word."""

    name = "metamap"
    token_paths = frozenset({"/oauth", "/oauth/"})  # the reference shows both

    def error(self, status: int, message: str, path: str) -> Json:
        names = {401: "invalid_token", 403: "forbidden", 404: "not_found"}
        return bodies.metamap_error(status, message, names.get(status, "server_error"))

    async def refuse_client(self, request: web.Request, path: str) -> web.Response | None:
        if not _basic_is(request, METAMAP_CLIENT_ID, METAMAP_CLIENT_SECRET):
            body = bodies.metamap_error(401, "Invalid client: client is invalid", "invalid_client")
            return web.json_response(body, status=401)
        grant_type = (await request.post()).get("grant_type")
        if grant_type != "client_credentials":
            if grant_type is None:
                body = bodies.metamap_error(
                    400, "Missing parameter: `grant_type`", "invalid_request"
                )
            else:
                body = bodies.metamap_error(
                    400, "Unsupported grant type: `grant_type` is invalid", "unsupported_grant_type"
                )
            return web.json_response(body, status=400)
        return None

    def token(self) -> Json:
        return bodies.metamap_token(self.tokens.issue(self.name), self.tokens.expires_in())

    def refuse_access(self, request: web.Request, path: str) -> web.Response | None:
        if not self.tokens.valid(self.name, _bearer(request)):
            return self.reply(401, "Invalid token: access token is invalid", path)
        return None


class FakeVendorApis:
    """The four vendors' retrieval APIs on one local port, each under ``/{vendor}``.

    ``async with FakeVendorApis() as fake:``, then point a client at ``fake.base_url("jumio")``
    with this module's credentials. Resources are added with ``add_*``; a path not added answers
    the vendor's 404. Tokens last ``token_lifetime`` seconds (``expire_tokens()`` ends them all
    now; Onfido's API token is static and stays valid). ``latency`` delays every answer.
    ``record=False`` keeps ``requests`` empty (and ``count`` at 0), for a long benchmark.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
        token_lifetime: float = 3600.0,
        record: bool = True,
    ) -> None:
        self.latency = latency
        self.record = record
        self.requests: list[Recorded] = []
        self._host, self._port = host, port
        self._url: str | None = None
        self._runner: web.AppRunner | None = None
        self._tokens = _Tokens(token_lifetime)
        apis: list[_Api] = [_Onfido(self._tokens), _Jumio(self._tokens)]
        apis += [_Incode(self._tokens), _MetaMap(self._tokens)]
        self._apis = {api.name: api for api in apis}
        self._delays: dict[str, float] = {}
        self._faults: dict[str, list[_Fault]] = {vendor: [] for vendor in VENDORS}
        self._raw: dict[tuple[str, str], _Raw] = {}
        self._in_flight: Counter[tuple[str, str | None]] = Counter()
        self._in_flight_max: Counter[tuple[str, str | None]] = Counter()

    # Lifecycle ------------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        app = web.Application()
        vendors = "|".join(VENDORS)
        app.router.add_route("*", f"/{{vendor:{vendors}}}{{path:/.*}}", self._handle)
        # A short shutdown: a test that gave up on a delayed answer should not wait for it.
        runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        try:
            await web.TCPSite(runner, self._host, self._port).start()
        except BaseException:
            await runner.cleanup()
            raise
        host, port = runner.addresses[0][:2]
        self._runner, self._url = runner, f"http://{host}:{port}"
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``, once started."""
        if self._url is None:
            raise RuntimeError("FakeVendorApis is not started: use `async with`")
        return self._url

    def base_url(self, vendor: str) -> str:
        return f"{self.url}/{self._api(vendor).name}"

    @property
    def token_lifetime(self) -> float:
        """Seconds a token issued from now on stays valid (and its stated ``expires_in``)."""
        return self._tokens.lifetime

    @token_lifetime.setter
    def token_lifetime(self, seconds: float) -> None:
        self._tokens.lifetime = seconds

    # Resources ------------------------------------------------------------------------------

    def add_onfido_check(
        self, check_id: str, *, result: str | None = "clear", status: str = "complete"
    ) -> None:
        """``report_ids`` lists the reports added with this ``check_id``, whenever added."""
        body = bodies.onfido_check(check_id, status=status, result=result)
        self._apis["onfido"].resources[f"/v3.6/checks/{check_id}"] = body

    def add_onfido_report(
        self,
        report_id: str,
        *,
        check_id: str | None = None,
        name: str = "document",
        result: str | None = "clear",
        sub_result: str | None = "clear",
        status: str = "complete",
    ) -> None:
        """``sub_result`` is served for document reports only (null for other names, as Onfido
        does); with ``check_id`` the report is in that check and in ``/reports?check_id=``."""
        body = bodies.onfido_report(
            report_id,
            check_id=check_id,
            name=name,
            status=status,
            result=result,
            sub_result=sub_result,
        )
        self._apis["onfido"].resources[f"/v3.6/reports/{report_id}"] = body

    def add_onfido_workflow_run(self, run_id: str, *, status: str = "approved") -> None:
        """A workflow run has a status (approved, declined, review, …) and no result."""
        body = bodies.onfido_workflow_run(run_id, status=status)
        self._apis["onfido"].resources[f"/v3.6/workflow_runs/{run_id}"] = body

    def add_jumio_execution(
        self,
        account_id: str,
        execution_id: str,
        *,
        decision: str = "PASSED",
        status: str = "PROCESSED",
    ) -> None:
        """Served at the execution's path, and its ``/status`` beside it."""
        body = bodies.jumio_execution(account_id, execution_id, decision=decision, status=status)
        path = f"/api/v1/accounts/{account_id}/workflow-executions/{execution_id}"
        self._apis["jumio"].resources[path] = body

    def add_incode_score(self, interview_id: str, *, overall: str | None = "OK") -> None:
        """``overall=None``: a score without its overall verdict, as before the session ends."""
        self._apis["incode"].resources[interview_id] = bodies.incode_score(overall=overall)

    def add_metamap_verification(
        self, verification_id: str, *, status: str | None = "verified"
    ) -> None:
        """``status=None`` leaves ``identity`` out of the verification."""
        body = bodies.metamap_verification(verification_id, status=status)
        self._apis["metamap"].resources[f"/v2/verifications/{verification_id}"] = body

    def put_raw(
        self,
        vendor: str,
        path: str,
        body: bytes,
        status: int = 200,
        content_type: str = "application/json",
    ) -> None:
        """Answer ``path`` (under the vendor's base; with its query to match only that query)
        with these bytes, once the request's credentials pass. A token endpoint's path replaces
        the token response (no token is issued)."""
        self._raw[self._api(vendor).name, path] = _Raw(status, body, content_type)

    # Faults ---------------------------------------------------------------------------------

    def fail(
        self,
        vendor: str,
        status: int,
        *,
        times: int = 1,
        retry_after: str | None = None,
        body: bytes | None = None,
        content_type: str = "application/json",
        path: str | None = None,
    ) -> None:
        """Answer the next ``times`` retrieval requests to ``vendor`` with ``status``, before
        their credentials are looked at: with ``body``, or the vendor's error body for that
        status. ``path`` (with or without its query) narrows it to that path, and is how to make
        a token endpoint fail. Faults queue: each request takes the oldest that matches it."""
        if times < 1:
            raise ValueError(f"times must be at least 1, not {times}")
        fault = _Fault(status, times, retry_after, body, content_type, path)
        self._faults[self._api(vendor).name].append(fault)

    def delay(self, vendor: str, seconds: float) -> None:
        """Every answer from ``vendor`` (token endpoints too) waits ``seconds`` more than
        ``latency`` before anything else; 0 clears it."""
        self._delays[self._api(vendor).name] = seconds

    def expire_tokens(self) -> None:
        """End every token issued so far: the next call with one answers 401."""
        self._tokens.expire_all()

    # Observation ----------------------------------------------------------------------------

    def in_flight_max(self, vendor: str, path: str | None = None) -> int:
        """The most requests to ``vendor`` ever in flight at once, latency included; with
        ``path`` only those to that path (with its query: that exact request; without: every
        query of it)."""
        return self._in_flight_max[self._api(vendor).name, path]

    def count(self, vendor: str, path_contains: str = "") -> int:
        """Requests received by ``vendor`` whose path (query included) contains the text."""
        name = self._api(vendor).name
        return sum(r.vendor == name and path_contains in r.path for r in self.requests)

    # Serving --------------------------------------------------------------------------------

    def _api(self, vendor: str) -> _Api:
        try:
            return self._apis[vendor]
        except KeyError:
            raise ValueError(f"unknown vendor {vendor!r}; one of {', '.join(VENDORS)}") from None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        vendor = request.match_info["vendor"]
        path = request.match_info["path"]
        path_qs = f"{path}?{request.query_string}" if request.query_string else path
        record = Recorded(vendor, request.method, path_qs, started=time.monotonic())
        if self.record:
            self.requests.append(record)
        keys = {(vendor, None), (vendor, path), (vendor, path_qs)}
        for key in keys:
            self._in_flight[key] += 1
            self._in_flight_max[key] = max(self._in_flight_max[key], self._in_flight[key])
        try:
            wait = self.latency + self._delays.get(vendor, 0.0)
            if wait > 0:
                await asyncio.sleep(wait)
            response = await self._answer(self._apis[vendor], request, path, path_qs)
            record.status = response.status
            return response
        finally:
            record.ended = time.monotonic()
            for key in keys:
                self._in_flight[key] -= 1

    async def _answer(
        self, api: _Api, request: web.Request, path: str, path_qs: str
    ) -> web.Response:
        is_token = path in api.token_paths
        if fault := self._take_fault(api.name, path, path_qs, token=is_token):
            headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            if fault.body is None:
                response = api.reply(fault.status, bodies.phrase(fault.status), path)
            else:
                response = _Raw(fault.status, fault.body, fault.content_type).response()
            response.headers.update(headers)
            return response
        if request.method != ("POST" if is_token else "GET"):
            return api.reply(405, "Method Not Allowed", path)
        if is_token:
            refusal = await api.refuse_client(request, path)
        else:
            refusal = api.refuse_access(request, path)
        if refusal is not None:
            return refusal
        if raw := self._raw.get((api.name, path_qs)) or self._raw.get((api.name, path)):
            return raw.response()
        if is_token:
            return web.json_response(api.token())
        found = api.find(path, request.query)
        if found is None:
            return api.reply(404, "The resource could not be found", path)
        return found if isinstance(found, web.Response) else web.json_response(found)

    def _take_fault(self, vendor: str, path: str, path_qs: str, *, token: bool) -> _Fault | None:
        faults = self._faults[vendor]
        for fault in faults:
            if fault.matches(path, path_qs, token=token):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    faults.remove(fault)
                return fault
        return None


# Standalone -------------------------------------------------------------------------------


def _preload(fake: FakeVendorApis) -> list[str]:
    """A passing, a failing and an unfinished resource per vendor; their URLs."""
    onfido, jumio, incode, metamap = (fake.base_url(vendor) for vendor in VENDORS)
    account = "11111111-1111-4111-8111-111111111111"
    fake.add_onfido_check("f2302f45-227d-413d-ad61-09ec077a086a")
    fake.add_onfido_report(
        "95c8cc09-db72-42ff-85ef-ee6c82020a24", check_id="f2302f45-227d-413d-ad61-09ec077a086a"
    )
    fake.add_onfido_check("c0ffee00-0000-4000-8000-000000000002", result="consider")
    fake.add_onfido_check("c0ffee00-0000-4000-8000-000000000003", status="in_progress", result=None)
    fake.add_onfido_workflow_run("b48fdff9-66a1-405d-9912-54780799bd68", status="declined")
    fake.add_jumio_execution(account, "22222222-2222-4222-8222-222222222222")
    fake.add_jumio_execution(account, "22222222-2222-4222-8222-222222222223", decision="REJECTED")
    fake.add_jumio_execution(
        account, "22222222-2222-4222-8222-222222222224", decision="NOT_EXECUTED", status="ACQUIRED"
    )
    fake.add_incode_score("interview-ok")
    fake.add_incode_score("interview-fail", overall="FAIL")
    fake.add_incode_score("interview-pending", overall=None)
    fake.add_metamap_verification("5d9fb1f5bfbfac001a349bfb")
    fake.add_metamap_verification("5d9fb1f5bfbfac001a349bfc", status="rejected")
    fake.add_metamap_verification("5d9fb1f5bfbfac001a349bfd", status="running")
    executions = f"{jumio}/api/v1/accounts/{account}/workflow-executions"
    return [
        f"{onfido}/v3.6/checks/f2302f45-227d-413d-ad61-09ec077a086a",
        f"{onfido}/v3.6/checks/c0ffee00-0000-4000-8000-000000000002",
        f"{onfido}/v3.6/checks/c0ffee00-0000-4000-8000-000000000003",
        f"{onfido}/v3.6/reports/95c8cc09-db72-42ff-85ef-ee6c82020a24",
        f"{onfido}/v3.6/workflow_runs/b48fdff9-66a1-405d-9912-54780799bd68",
        *(f"{executions}/22222222-2222-4222-8222-22222222222{n}" for n in "234"),
        *(f"{incode}/omni/get/score?id=interview-{s}" for s in ("ok", "fail", "pending")),
        *(f"{metamap}/v2/verifications/5d9fb1f5bfbfac001a349bf{c}" for c in "bcd"),
    ]


async def _serve(args: argparse.Namespace) -> None:
    fake = FakeVendorApis(
        host=args.host,
        port=args.port,
        latency=args.latency,
        token_lifetime=args.token_lifetime,
        record=False,  # nobody reads them, and a benchmark's run would pile them up
    )
    async with fake:
        urls = _preload(fake)
        print(f"Fake vendor APIs on {fake.url} (latency {fake.latency} s); Ctrl-C stops.")
        print(f"onfido   {fake.base_url('onfido')}  Authorization: Token token={ONFIDO_TOKEN}")
        print(
            f"jumio    {fake.base_url('jumio')}  token: POST /oauth2/token, Basic "
            f"{JUMIO_CLIENT_ID}:{JUMIO_CLIENT_SECRET}"
        )
        print(
            f"incode   {fake.base_url('incode')}  x-api-key: {INCODE_API_KEY}; token: POST "
            f"/executive/log-in {INCODE_EMAIL} / {INCODE_PASSWORD}"
        )
        print(
            f"metamap  {fake.base_url('metamap')}  token: POST /oauth, Basic "
            f"{METAMAP_CLIENT_ID}:{METAMAP_CLIENT_SECRET}"
        )
        print("Resources:", *urls, sep="\n  ", flush=True)
        await asyncio.Event().wait()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.fakes.vendor_apis",
        description="Serve the fake vendor retrieval APIs with a few resources preloaded.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8099, help="0 for any free port")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument("--token-lifetime", type=float, default=3600.0, help="seconds")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
