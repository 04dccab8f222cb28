"""Label values stay bounded whatever vendors send."""

from __future__ import annotations

from shared import metrics


def test_only_configured_vendors_are_labels() -> None:
    vendors = ("incode", "w2")
    assert metrics.vendor_label("w2", vendors) == "w2"
    assert metrics.vendor_label("acme", vendors) == metrics.UNKNOWN
    assert metrics.vendor_label("", vendors) == metrics.UNKNOWN


def test_event_names_are_capped_per_vendor() -> None:
    vendor = "label-test-vendor"
    events = [f"event_{n}" for n in range(metrics.MAX_EVENTS_PER_VENDOR)]
    assert [metrics.event_label(vendor, event) for event in events] == events
    # Once the cap is reached, new names fold into one; the names already seen keep theirs.
    assert metrics.event_label(vendor, "one_more") == metrics.OTHER
    assert metrics.event_label(vendor, "event_0") == "event_0"
    # Another vendor has its own allowance.
    assert metrics.event_label("label-test-other", "one_more") == "one_more"
