"""The worker's per-message metrics, recorded once a message is settled."""

from __future__ import annotations

from collections.abc import Container, Mapping

from shared import metrics
from workers.settle import Settled


def record_settled(
    vendors: Container[str], result: Mapping[str, str], settled: Settled, seconds: float
) -> None:
    """Count one settled message; ``result`` is what the worker learnt about it (no ids used)."""
    vendor = metrics.vendor_label(result.get("vendor", ""), vendors)
    metrics.PROCESSING_SECONDS.labels(vendor=vendor, settled=settled.value).observe(seconds)
    if settled is Settled.REQUEUED:
        metrics.REQUEUES.labels(vendor=vendor).inc()
    elif settled is Settled.DONE and "outcome" in result:
        event = metrics.event_label(vendor, result.get("vendor_event", ""))
        metrics.MESSAGES.labels(vendor=vendor, event=event, outcome=result["outcome"]).inc()
