"""Decode and classify one inbound webhook: pure, synchronous, no I/O.

Every input gives either an :class:`OutcomeEvent` or a :class:`Rejection` (a dead-letter
decision). An exception out of here is a bug in an adapter; the worker treats it as poison.
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from shared.messages import Inbound
from shared.outcome import OutcomeEvent, event_id
from workers.vendors import CLASSIFIERS, SHIPPED_DIGEST
from workers.vendors.base import Classification, Classifier, Undecodable, slug
from workers.vendors.policy import Completer, Fetched

NO_ADAPTER = "no_adapter"
UNDECODABLE = "undecodable"


class Rejection(msgspec.Struct, frozen=True):
    """Why a message cannot be classified (outcome policy, rule 5)."""

    reason: str
    error: str


def classify(
    inbound: Inbound,
    classifiers: Mapping[str, Classifier] = CLASSIFIERS,
    policy_digest: str = SHIPPED_DIGEST,
) -> OutcomeEvent | Rejection:
    verdict = decide(inbound, classifiers)
    if isinstance(verdict, Rejection):
        return verdict
    return outcome_event(inbound, verdict, policy_digest)


def decide(
    inbound: Inbound, classifiers: Mapping[str, Classifier] = CLASSIFIERS
) -> Classification | Rejection:
    """The vendor's verdict on the body (with ``fetch`` where it only announces the result)."""
    classifier = classifiers.get(inbound.vendor)
    if classifier is None:
        return Rejection(NO_ADAPTER, f"no adapter for vendor {inbound.vendor!r}")
    try:
        return classifier(inbound.body, inbound.http_headers)
    except Undecodable as exc:
        return Rejection(UNDECODABLE, str(exc))


def complete(inbound: Inbound, completer: Completer, fetched: Fetched) -> Classification:
    """The verdict on the body with the result fetched for it. The body decoded once already
    (``decide``), so it decodes again."""
    return completer(inbound.body, inbound.http_headers, fetched)


def outcome_event(inbound: Inbound, verdict: Classification, policy_digest: str) -> OutcomeEvent:
    return OutcomeEvent(
        id=event_id(inbound.vendor, verdict.identity, inbound.body),
        vendor=inbound.vendor,
        event=slug(verdict.event),
        outcome=verdict.outcome,
        reasons=verdict.reasons,
        subject=verdict.subject,
        occurred_at=verdict.occurred_at,
        received_at=inbound.received_at,
        ingress_message_id=inbound.message_id,
        policy_digest=policy_digest,
    )
