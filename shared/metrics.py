"""Every Prometheus metric the pipeline exports: defined here once, in one registry.

``verdict run`` puts the ingress and a worker in one process; both record into :data:`REGISTRY`
and the ingress's ``/metrics`` shows them all. Label values are bounded: a vendor label is a
configured vendor or ``unknown``, event labels are capped per vendor, and no id is ever a label.
"""

from __future__ import annotations

from collections.abc import Callable, Container

from aiohttp import web
from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
)
from prometheus_client.exposition import choose_encoder

# The *_created series double the output for a timestamp no dashboard here uses.
disable_created_metrics()  # type: ignore[no-untyped-call]  # untyped in prometheus-client

REGISTRY = CollectorRegistry(auto_describe=True)
for _collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
    REGISTRY.register(_collector)

# The vendor label for a name that is not a configured vendor (a probe of /webhooks/anything).
UNKNOWN = "unknown"
# The event label once a vendor has sent more distinct event names than MAX_EVENTS_PER_VENDOR:
# event names come from vendors' bodies, and a label must not grow without bound.
OTHER = "other"
MAX_EVENTS_PER_VENDOR = 50

_KIB = 1024
_MIB = 1024 * _KIB

# --- ingress ------------------------------------------------------------------------------------
REQUESTS = Counter(
    "verdict_ingress_requests",
    "Webhook requests answered, by vendor and HTTP status code.",
    ["vendor", "status"],
    registry=REGISTRY,
)
REQUEST_BODY_BYTES = Histogram(
    "verdict_ingress_request_body_bytes",
    "Size of webhook bodies read by the ingress.",
    ["vendor"],
    # From small JSON callbacks to W2's inline document images (the default limit is 16 MiB).
    buckets=(
        _KIB,
        4 * _KIB,
        16 * _KIB,
        64 * _KIB,
        256 * _KIB,
        _MIB,
        4 * _MIB,
        16 * _MIB,
        32 * _MIB,
    ),
    registry=REGISTRY,
)
PUBLISH_CONFIRM_SECONDS = Histogram(
    "verdict_ingress_publish_confirm_seconds",
    "From publishing a webhook to RabbitMQ's confirm; the vendor waits this long for its 202.",
    ["vendor"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)

# --- worker -------------------------------------------------------------------------------------
MESSAGES = Counter(
    "verdict_worker_messages",
    "Messages classified and published as an outcome event, by vendor, event and outcome.",
    ["vendor", "event", "outcome"],
    registry=REGISTRY,
)
PROCESSING_SECONDS = Histogram(
    "verdict_worker_processing_seconds",
    "From delivery to acknowledgement of one message, by vendor and what became of it.",
    ["vendor", "settled"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
RETRIES = Counter(
    "verdict_worker_retries",
    "Messages sent to a retry queue after a transient failure.",
    ["vendor"],
    registry=REGISTRY,
)
DEAD_LETTERS = Counter(
    "verdict_worker_dead_letters",
    "Messages the worker dead-lettered, by failure kind (permanent, transient, poison; broker when "
    "its copy could not be encoded and the broker dead-lettered the original). Poison that kills "
    "the worker is dead-lettered by the broker's delivery limit and not counted here.",
    ["vendor", "kind"],
    registry=REGISTRY,
)
REQUEUES = Counter(
    "verdict_worker_requeues",
    "Messages handed back to the broker unsettled (a crash in a handler, or no confirm for "
    "a retry or dead letter); the delivery limit stops them going round for ever.",
    ["vendor"],
    registry=REGISTRY,
)
POLICY = Gauge(
    "verdict_policy_info",
    "1 for the digest of the outcome policy this worker decides by (shipped tables with the "
    "deployment's [[policy]] changes; every outcome event carries it as policy_digest).",
    ["digest", "changes"],
    registry=REGISTRY,
)
FETCH_SECONDS = Histogram(
    "verdict_fetch_seconds",
    "Fetching a result a webhook only announced from the vendor's API (token included), by "
    "vendor and how it ended (ok, or the failure kind).",
    ["vendor", "result"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
    registry=REGISTRY,
)
FETCH_ERRORS = Counter(
    "verdict_fetch_errors",
    "Fetches from a vendor's API that failed, by kind: unavailable (timeout, connection, 5xx), "
    "rate_limited (429), malformed (an answer that is not the documented JSON), unauthorized "
    "(401/403: the credentials), not_found (404), refused (another 4xx).",
    ["vendor", "kind"],
    registry=REGISTRY,
)
IN_FLIGHT = Gauge(
    "verdict_worker_messages_in_flight",
    "Messages a worker has received and not yet settled.",
    registry=REGISTRY,
)

# --- both ---------------------------------------------------------------------------------------
BROKER_CONNECTED = Gauge(
    "verdict_broker_connected",
    "1 while the named connection to RabbitMQ is up with a channel that can publish, else 0.",
    ["connection"],
    registry=REGISTRY,
)
BROKER_BLOCKED = Gauge(
    "verdict_broker_blocked",
    "1 while RabbitMQ blocks the named connection's publishes (a memory or disk alarm), else 0.",
    ["connection"],
    registry=REGISTRY,
)
PUBLISH_WAITING_BYTES = Gauge(
    "verdict_publish_waiting_bytes",
    "Bytes of messages waiting to be written to RabbitMQ's socket, by connection; the ingress "
    "refuses webhooks past VERDICT_PUBLISH_BUFFER_BYTES.",
    ["connection"],
    registry=REGISTRY,
)

_events_seen: dict[str, set[str]] = {}


def vendor_label(vendor: str, vendors: Container[str]) -> str:
    return vendor if vendor in vendors else UNKNOWN


def event_label(vendor: str, event: str) -> str:
    """``event``, or ``other`` once ``vendor`` has used up its distinct event names."""
    seen = _events_seen.setdefault(vendor, set())
    if event in seen:
        return event
    if len(seen) < MAX_EVENTS_PER_VENDOR:
        seen.add(event)
        return event
    return OTHER


def track_broker(connection: str, ready: Callable[[], bool], blocked: Callable[[], bool]) -> None:
    """Report ``ready()`` and ``blocked()`` as ``verdict_broker_connected`` and
    ``verdict_broker_blocked`` (``{connection=...}``) at every scrape."""
    BROKER_CONNECTED.labels(connection=connection).set_function(lambda: float(ready()))
    BROKER_BLOCKED.labels(connection=connection).set_function(lambda: float(blocked()))


def track_publisher(connection: str, waiting_bytes: Callable[[], int]) -> None:
    """Report ``waiting_bytes()`` as ``verdict_publish_waiting_bytes`` at every scrape."""
    PUBLISH_WAITING_BYTES.labels(connection=connection).set_function(lambda: float(waiting_bytes()))


def render(accept: str = "") -> tuple[bytes, str]:
    """The registry in the format ``accept`` asks for (Prometheus text or OpenMetrics)."""
    encoder, content_type = choose_encoder(accept)
    return encoder(REGISTRY), content_type


async def metrics_view(request: web.Request) -> web.Response:
    body, content_type = render(request.headers.get("Accept", ""))
    return web.Response(body=body, headers={"Content-Type": content_type})
