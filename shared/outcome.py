"""The outcome event: the one message downstream services consume. It is the public contract.

Changing a field here changes ``shared/outcome-event.schema.json``; a test fails until the
committed schema is regenerated (``python -m shared.outcome > shared/outcome-event.schema.json``).
"""

from __future__ import annotations

import enum
import hashlib
import uuid
from datetime import datetime

import msgspec

# 2: reasons read `field:value` in the vendor's own field names; `policy_digest` and
# `supersedes` added.
SCHEMA_VERSION = 2

# Fixed namespace for the deterministic event ids: the same vendor event always maps to the
# same UUID, on every worker and across releases.
_EVENT_ID_NAMESPACE = uuid.UUID("5b0e2f3c-9d7a-4c1e-8f6b-2a4d9c7e1b30")


class Outcome(enum.StrEnum):
    PASS = "pass"  # noqa: S105 - an outcome, not a password
    FAIL = "fail"
    REFER = "refer"
    SYSTEM_ERROR = "system_error"
    PENDING = "pending"


class Reason(msgspec.Struct, frozen=True, omit_defaults=True):
    """Why an event got its outcome: the vendor's own code and message where it gave one."""

    code: str
    message: str | None = None
    # Set when the reason is about one field of the body (an unrecognised or contradicting value).
    field: str | None = None


class OutcomeEvent(msgspec.Struct, frozen=True, kw_only=True):
    """One vendor event, classified. Never carries document images, personal data or credentials."""

    schema_version: int = SCHEMA_VERSION
    id: str
    vendor: str
    event: str
    outcome: Outcome
    reasons: tuple[Reason, ...] = ()
    subject: dict[str, str] = msgspec.field(default_factory=dict)
    occurred_at: datetime | None = None
    received_at: datetime
    ingress_message_id: str
    # The effective outcome policy the event was decided under (``verdict policy show`` prints
    # it; docs/policy.md). None only in events of schema_version 1.
    policy_digest: str | None = None
    # Set on a correction published by ``verdict reclassify``: the id of the event it replaces
    # (a new policy decides the same webhook otherwise). Consumers act on the latest.
    supersedes: str | None = None

    @property
    def routing_key(self) -> str:
        return f"{self.outcome.value}.{self.vendor}.{self.event}"


def event_id(vendor: str, identity: tuple[str, ...] | None, body: bytes) -> str:
    """The outcome event id: a UUID derived from the vendor's event identity, so retries dedupe.

    Without an identity the body itself is the identity: a byte-identical retry still dedupes.
    """
    parts = identity if identity is not None else ("sha256", hashlib.sha256(body).hexdigest())
    return str(uuid.uuid5(_EVENT_ID_NAMESPACE, "\x1f".join((vendor, *parts))))


def correction_id(superseded: str, policy_digest: str) -> str:
    """The id of the event that corrects ``superseded`` under a policy: the same correction made
    twice has one id, so consumers dedupe it as they dedupe vendor retries."""
    return str(uuid.uuid5(_EVENT_ID_NAMESPACE, f"supersedes\x1f{superseded}\x1f{policy_digest}"))


encode = msgspec.json.Encoder().encode
decode = msgspec.json.Decoder(OutcomeEvent).decode


def json_schema() -> bytes:
    schema = msgspec.json.schema(OutcomeEvent)
    return msgspec.json.format(msgspec.json.encode(schema), indent=2) + b"\n"


if __name__ == "__main__":
    import sys

    sys.stdout.buffer.write(json_schema())
