"""shared/frames.py writes exactly the bytes pamqp writes, and pamqp reads them back."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pamqp import body, commands, frame, header

from shared import frames, messages

NOW = datetime(2026, 11, 24, 3, 4, 5, 678901, tzinfo=UTC)

values: st.SearchStrategy[Any] = st.recursive(
    st.text() | st.integers(-(2**63), 2**63 - 1) | st.booleans() | st.none(),
    lambda inner: st.dictionaries(st.text(max_size=20), inner, max_size=4),
    max_leaves=10,
)


def pamqp_header(channel: int, size: int, properties: frames.Properties) -> bytes:
    return frame.marshal(header.ContentHeader(0, size, properties), channel)


@pytest.mark.parametrize(
    "properties",
    [
        frames.Properties(),
        frames.Properties(delivery_mode=2),
        frames.Properties(
            content_type="application/json",
            delivery_mode=2,
            message_id="4f7c",
            correlation_id="e1",
            timestamp=NOW,
            headers={
                messages.VENDOR: "idwise",
                messages.RECEIVED_AT: NOW.isoformat(),
                messages.HTTP_HEADERS: {"x-request-id": "r-42", "user-agent": "vendor/1.0 ü"},
                messages.ATTEMPTS: 3,
                "flag": True,
                "when": NOW,
                "amount": Decimal("1.5"),
                "nothing": None,
                "empty": {},
                "k" * 200: "a key longer than AMQP allows",
            },
        ),
        frames.Properties(headers={}, app_id="verdict", expiration="60000", priority=5),
    ],
)
def test_content_header_is_byte_identical_to_pamqp(properties: frames.Properties) -> None:
    assert frames.content_header(7, 12345, properties) == pamqp_header(7, 12345, properties)


@given(st.dictionaries(st.text(max_size=30), values, max_size=8))
def test_any_headers_table_is_byte_identical_to_pamqp(headers: dict[str, Any]) -> None:
    properties = frames.Properties(headers=headers, message_id="m")
    assert frames.content_header(1, 0, properties) == pamqp_header(1, 0, properties)


def test_method_frame_is_pamqp_s() -> None:
    marshalled = frames.method(3, "verdict.inbound", "w2", mandatory=True)
    _, channel, publish = frame.unmarshal(marshalled)
    assert channel == 3
    assert isinstance(publish, commands.Basic.Publish)
    assert (publish.exchange, publish.routing_key, publish.mandatory) == (
        "verdict.inbound",
        "w2",
        True,
    )


@pytest.mark.parametrize("size", [0, 1, 99, 100, 101, 250])
def test_body_frames_split_at_the_limit_and_join_back(size: int) -> None:
    data = bytes(range(256))[:size]
    wire = b"".join(frames.body(5, data, 100))
    joined = b""
    while wire:
        consumed, channel, part = frame.unmarshal(wire)
        assert channel == 5
        assert isinstance(part, body.ContentBody)
        assert len(part.value) <= 100
        joined += part.value
        wire = wire[consumed:]
    assert joined == data


# Delivery tags count up from 1 on each channel; pamqp encodes them as signed 64-bit.
@given(st.integers(1, 2**16 - 1), st.integers(1, 2**63 - 1))
def test_ack_is_byte_identical_to_pamqp(channel: int, delivery_tag: int) -> None:
    ack = commands.Basic.Ack(delivery_tag=delivery_tag, multiple=False)
    assert frames.ack(channel, delivery_tag) == frame.marshal(ack, channel)


def test_settlements_are_pamqp_s() -> None:
    assert frames.settlement(3, 7, frames.Settlement.ACK) == frames.ack(3, 7)
    nack = commands.Basic.Nack(delivery_tag=7, multiple=False, requeue=True)
    assert frames.settlement(3, 7, frames.Settlement.REQUEUE) == frame.marshal(nack, 3)
    reject = commands.Basic.Reject(delivery_tag=7, requeue=False)
    assert frames.settlement(3, 7, frames.Settlement.REJECT) == frame.marshal(reject, 3)


def test_a_header_pamqp_read_as_bytes_is_written_back_as_it_came() -> None:
    # pamqp decodes a long string that is not UTF-8 as bytes, and cannot encode bytes itself.
    properties = frames.Properties(headers={"raw": b"\xff\xfe", "nested": {"raw": b"ok"}})
    _, _, decoded = frame.unmarshal(frames.content_header(1, 0, properties))
    assert isinstance(decoded, header.ContentHeader)
    assert decoded.properties.headers == {"raw": b"\xff\xfe", "nested": {"raw": "ok"}}
