"""The AMQP 0-9-1 frames of a publish and of a settlement, marshalled for shared/publisher.py.

pamqp marshals a content header generically (a type lookup and a dispatch per property and per
table value); on the ingress's hot path that cost as much as the rest of the publish. This
module writes the same bytes directly for the values the pipeline sends (strings and nested
tables) and hands every other value to pamqp, so its output is byte-identical to pamqp's
(tests/test_frames.py checks it). One addition: a header pamqp read as bytes (a long string that
is not UTF-8, which a dead letter keeps from its original) is written back as the long string it
was, where pamqp would raise.
"""

from __future__ import annotations

import enum
import functools
import struct
from collections.abc import Callable
from typing import Any

from pamqp import commands, encode, frame

Properties = commands.Basic.Properties

# Frame: type, channel, payload size; then the payload and the frame-end octet.
_FRAME = struct.Struct(">BHI")
_FRAME_END = b"\xce"
_METHOD, _HEADER, _BODY = 1, 2, 3
# Content header payload: class id, weight, body size, property flags (Basic has 14 < 16).
_HEADER_START = struct.Struct(">HHQH")
_LONG = struct.Struct(">I")
# basic.ack: frame type, channel, payload size, class id, method id, delivery tag, multiple.
_ACK = struct.Struct(">BHIHHQB")
_ACK_PAYLOAD_SIZE = _ACK.size - _FRAME.size
_MAX_KEY_BYTES = 128
_MAX_SHORT_STRING_BYTES = 255


def method(channel: int, exchange: str, routing_key: str, *, mandatory: bool) -> bytes:
    publish = commands.Basic.Publish(
        exchange=exchange, routing_key=routing_key, mandatory=mandatory
    )
    return frame.marshal(publish, channel)


class Settlement(enum.Enum):
    """What a consumer tells the broker about one delivery."""

    ACK = "ack"  # done: the queue forgets it
    REQUEUE = "requeue"  # basic.nack with requeue: delivered again (counted by a quorum queue)
    REJECT = "reject"  # basic.reject without requeue: the queue dead-letters it, if it can


def settlement(channel: int, delivery_tag: int, how: Settlement) -> bytes:
    if how is Settlement.ACK:
        return ack(channel, delivery_tag)
    if how is Settlement.REQUEUE:
        return frame.marshal(commands.Basic.Nack(delivery_tag=delivery_tag, requeue=True), channel)
    return frame.marshal(commands.Basic.Reject(delivery_tag=delivery_tag, requeue=False), channel)


def ack(channel: int, delivery_tag: int) -> bytes:
    """basic.ack of one delivery (packed here: the worker sends one per message)."""
    return (
        _ACK.pack(
            _METHOD,
            channel,
            _ACK_PAYLOAD_SIZE,
            commands.Basic.frame_id,
            commands.Basic.Ack.frame_id,
            delivery_tag,
            0,
        )
        + _FRAME_END
    )


def content_header(channel: int, body_size: int, properties: Properties) -> bytes:
    flags = 0
    parts: list[bytes] = []
    for name, flag, encoder in _PROPERTIES:
        value = getattr(properties, name)
        if value is None or value == "":
            continue
        flags |= flag
        parts.append(encoder(value))
    payload = _HEADER_START.pack(Properties.frame_id, 0, body_size, flags) + b"".join(parts)
    return _FRAME.pack(_HEADER, channel, len(payload)) + payload + _FRAME_END


def body(channel: int, data: bytes | bytearray, max_frame_payload: int) -> list[bytes | memoryview]:
    """The body in frames of at most ``max_frame_payload`` bytes (none for an empty body).

    The chunks are views of ``data``, not copies: a body of several MB is copied once, when the
    publisher joins a batch for the socket.
    """
    parts: list[bytes | memoryview] = []
    view = memoryview(data)
    for start in range(0, len(data), max_frame_payload):
        chunk = view[start : start + max_frame_payload]
        parts += (_FRAME.pack(_BODY, channel, len(chunk)), chunk, _FRAME_END)
    return parts


def _short_string(value: Any) -> bytes:
    if type(value) is str:
        encoded = value.encode()
        if len(encoded) <= _MAX_SHORT_STRING_BYTES:
            return bytes((len(encoded),)) + encoded
    return encode.short_string(value)  # pamqp raises its own error


def _octet(value: Any) -> bytes:
    if type(value) is int and 0 <= value <= 255:
        return bytes((value,))
    return encode.octet(value)


def _table(table: dict[str, Any]) -> bytes:
    if not table:
        return _LONG.pack(0)
    parts: list[bytes] = []
    for key, value in sorted(table.items()):
        encoded_key = key.encode()
        if len(encoded_key) > _MAX_KEY_BYTES:
            return encode.field_table(table)  # pamqp truncates, and says so
        parts.append(bytes((len(encoded_key),)) + encoded_key)
        if type(value) is str:
            encoded = value.encode()
            parts.append(b"S" + _LONG.pack(len(encoded)) + encoded)
        elif type(value) is bytes:
            # A long string that is not UTF-8: pamqp reads it as bytes and cannot write it back.
            parts.append(b"S" + _LONG.pack(len(value)) + value)
        elif type(value) is dict:
            parts.append(b"F" + _table(value))
        else:
            parts.append(encode.encode_table_value(value))
    content = b"".join(parts)
    return _LONG.pack(len(content)) + content


_ENCODERS: dict[str, Callable[[Any], bytes]] = {
    "shortstr": _short_string,
    "octet": _octet,
    "table": _table,
}
# Property name, its flag bit and its encoder, in wire order (from pamqp's own definition).
_PROPERTIES = tuple(
    (
        name,
        Properties.flags[name],
        _ENCODERS.get(kind) or functools.partial(encode.by_type, data_type=kind),
    )
    for name in Properties.__slots__
    for kind in (Properties.amqp_type(name),)
)
