"""The pieces of the ingress's checks, without HTTP: addresses, JSON re-serialisation, clocks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress

import pytest

from ingress.peer import AddressPolicy
from ingress.signatures import StandardWebhooksSignature, TimestampedSignature, compact_json


def test_address_policy() -> None:
    policy = AddressPolicy(["192.0.2.0/24", "2001:db8::/32"], ["10.0.0.1"])
    assert policy.allows(policy.client("192.0.2.9", []))
    assert policy.allows(policy.client("::ffff:192.0.2.9", []))  # dual-stack socket
    assert policy.allows(policy.client("2001:db8::1", []))
    assert not policy.allows(policy.client("198.51.100.1", []))
    assert not policy.allows(policy.client(None, []))
    assert policy.client("10.0.0.1", ["192.0.2.1, 198.51.100.1"]) == ipaddress.ip_address(
        "198.51.100.1"
    )
    assert policy.client("10.0.0.1", ["192.0.2.1", "10.0.0.1"]) == ipaddress.ip_address("192.0.2.1")
    assert policy.client("10.0.0.1", ["bogus"]) is None
    open_policy = AddressPolicy([], [])
    assert open_policy.allows(None)
    assert not open_policy.restricted


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{ "a" : 1 , "b" : [true, null, "x"] }', b'{"a":1,"b":[true,null,"x"]}'),
        (
            b'{"n": 1.0, "m": 1.50, "e": 1e5, "s": 0.000001}',
            b'{"n":1,"m":1.5,"e":100000,"s":0.000001}',
        ),
        (
            b'{"tiny": 1.5e-7, "huge": 1.5e300, "big": 1.2345678901234568e20}',
            b'{"tiny":1.5e-7,"huge":1.5e+300,"big":123456789012345680000}',
        ),
        (b'{"u": "\\u00e9\\/\\n"}', '{"u":"\u00e9/\\n"}'.encode()),
        (b'{"z": -0.0}', b'{"z":0}'),
        (b"not json", None),
    ],
)
def test_compact_json_is_what_javascript_writes(body: bytes, expected: bytes | None) -> None:
    assert compact_json(body) == expected


def test_standard_webhooks_tolerance_both_ways() -> None:
    key = b"k" * 24
    now = 1_700_000_000.0
    check = StandardWebhooksSignature(secrets=[key], tolerance=300, clock=lambda: now)

    def headers(at: int) -> dict[str, str]:
        signed = f"id.{at}.".encode() + b"{}"
        digest = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
        return {
            "webhook-id": "id",
            "webhook-timestamp": str(at),
            "webhook-signature": f"v1,{digest}",
        }

    assert check.verify(headers(int(now) - 300), b"{}")
    assert check.verify(headers(int(now) + 300), b"{}")
    assert not check.verify(headers(int(now) - 301), b"{}")
    assert not check.verify(headers(int(now) + 301), b"{}")
    # Far too many digits for a time: refused, not an overflow (it was a 500).
    assert not check.verify(headers(10**400), b"{}")
    assert not check.verify(headers(int("9" * 4000)), b"{}")


def test_timestamped_tolerance_both_ways() -> None:
    now = 1_700_000_000.0
    check = TimestampedSignature(
        header="persona-signature", secrets=[b"secret"], tolerance=300, clock=lambda: now
    )

    def headers(at: int) -> dict[str, str]:
        digest = hmac.new(b"secret", f"{at}.".encode() + b"{}", hashlib.sha256).hexdigest()
        return {"persona-signature": f"t={at},v1={digest}"}

    assert check.verify(headers(int(now) - 300), b"{}")
    assert check.verify(headers(int(now) + 300), b"{}")
    assert not check.verify(headers(int(now) - 301), b"{}")
    assert not check.verify(headers(int(now) + 301), b"{}")


def test_standard_webhooks_secret_forms() -> None:
    encoded = base64.b64encode(b"key").decode()
    assert StandardWebhooksSignature.decode_secret("whsec_" + encoded) == b"key"
    assert StandardWebhooksSignature.decode_secret(encoded) == b"key"
    assert StandardWebhooksSignature.decode_secret("whsec_not base64!") is None
