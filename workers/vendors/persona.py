"""Persona (withpersona.com) webhooks: decoded here, classified by persona.toml (docs/policy.md).

Every Persona webhook is one JSON:API event, told apart by its name::

    {data: {type: "event", id: "evt_...", attributes: {name, created-at,
        payload: {data: {type, id, attributes{status, resolution?, has-match?, ...},
                         relationships{inquiry?, account?, ...}},
                  included: [...]}}}}

``payload.data`` is the object the event is about, in the schema of its API resource: an
inquiry (``inquiry.*``), a verification (``verification.*``, typed ``verification/<kind>``), a case
(``case.*``) or a report (``report/<kind>.*``). Events: inquiry ``created``, ``started``,
``expired``, ``completed``, ``failed``, ``marked-for-review`` (also seen as ``needs_review``),
``escalated``, ``approved``, ``declined``, ``transitioned``, ``redacted``,
``reusable-persona-created``, ``reusable-persona-used``, ``updated-tags``; verification
``created``, ``submitted``, ``passed``, ``failed``, ``requires-retry``, ``canceled``, ``skipped``,
``tentatively-passed``, ``tentatively-failed``; case ``created``, ``assigned``, ``resolved``,
``reopened``, ``updated``; ``report/<kind>.ready|matched|errored`` for the report kinds Persona
lists, and ``report/screening.reviewed``. Names match whatever their case, with ``_``, ``-`` or
spaces between words alike. Event words: :func:`base.slug` of the name (``inquiry_approved``,
``report_watchlist_matched``; ``inquiry.needs_review`` is ``inquiry_marked_for_review``). Any
other name is an unknown event (pending), its word the name slugged, or ``unknown`` where that
would be a known event's word.

Values extracted (reasons name an attribute by the object that holds it): ``event.name`` (the
event's name, in the table's spelling); the payload's ``status`` as ``inquiry.status``,
``verification.status`` or ``case.status`` by the event's object; ``case.resolution``;
``report.has-match``; ``verification.type`` (which verification it is).

Never declared, so never decoded: the objects' personal data (names, birthdate, addresses, phone,
email, identification and document numbers, ``fields``, ``reference-id``, ``creator``,
``behaviors``, ``tags``), photo and file URLs, and ``included`` altogether.

Subject names: ``inquiry_id``, ``verification_id``, ``case_id``, ``report_id``, ``account_id``
(the payload object's own ``id`` by its type, and its ``inquiry`` and ``account`` relationships).

Identity: ``(data.id, event word)``: ``data.id`` (``evt_...``) is the event's own id, the same on
every retry. Without it, the body hash. ``occurred_at``: ``data.attributes.created-at``, which
Persona says to order events by.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import msgspec

from workers.vendors import base
from workers.vendors.base import Id
from workers.vendors.policy import Facts, Value


class RelationshipData(msgspec.Struct, frozen=True):
    id: Id | None = None


class Relationship(msgspec.Struct, frozen=True):
    # A to-one relationship: ``{"data": {"id", "type"}}``, ``{"data": null}`` or ``{}``.
    data: RelationshipData | None = None


class Relationships(msgspec.Struct, frozen=True):
    # Only the to-one links that name the person's inquiry and account; the rest are not read.
    inquiry: Relationship | None = None
    account: Relationship | None = None


class ObjectAttributes(msgspec.Struct, frozen=True, rename="kebab"):
    # Only what decides. Everything else an object carries (personal data, photo URLs, checks)
    # is left undeclared: it can neither fail a decode nor reach an outcome.
    status: str | None = None
    resolution: str | None = None
    # A boolean; some senders write it as a string.
    has_match: bool | str | None = None


class PayloadObject(msgspec.Struct, frozen=True):
    type: str | None = None
    id: Id | None = None
    attributes: ObjectAttributes | None = None
    relationships: Relationships | None = None


class Payload(msgspec.Struct, frozen=True):
    # ``included`` (related objects, with photo URLs) is not declared.
    data: PayloadObject | None = None


class EventAttributes(msgspec.Struct, frozen=True, rename="kebab"):
    # The one field every Persona event carries: its absence means the body is not Persona's.
    name: str
    created_at: str | None = None
    payload: Payload | None = None


class EventData(msgspec.Struct, frozen=True):
    attributes: EventAttributes
    id: Id | None = None


class Webhook(msgspec.Struct, frozen=True):
    data: EventData


_decoder = base.lenient_decoder(Webhook)

_REPORT_KINDS = {
    # Kinds that report a match (a monitoring hit) as well as being ready or failing.
    **dict.fromkeys(
        (
            "adverse-media",
            "business-adverse-media",
            "business-watchlist",
            "politically-exposed-person",
            "watchlist",
        ),
        ("ready", "matched", "errored"),
    ),
    **dict.fromkeys(
        ("address-lookup", "email-address", "phone-number", "profile"), ("ready", "errored")
    ),
}

# Persona's names, as the table spells them.
EVENT_NAMES: tuple[str, ...] = (
    *(
        f"inquiry.{action}"
        for action in (
            "created",
            "started",
            "expired",
            "completed",
            "failed",
            "marked-for-review",
            "needs_review",
            "escalated",
            "approved",
            "declined",
            "transitioned",
            "redacted",
            "reusable-persona-created",
            "reusable-persona-used",
            "updated-tags",
        )
    ),
    *(
        f"verification.{action}"
        for action in (
            "created",
            "submitted",
            "passed",
            "failed",
            "requires-retry",
            "canceled",
            "skipped",
            "tentatively-passed",
            "tentatively-failed",
        )
    ),
    *(f"case.{action}" for action in ("created", "assigned", "resolved", "reopened", "updated")),
    *(f"report/{kind}.{action}" for kind, actions in _REPORT_KINDS.items() for action in actions),
    "report/screening.reviewed",
)
# One event under two names: Persona's docs and its Help Center disagree on the review event.
_ALIASES = {"inquiry.needs_review": "inquiry.marked-for-review"}

_SEPARATORS = re.compile(r"[\s_-]+")


def _normal(name: str) -> str:
    """An event name as matched: whatever its case, and ``_``, ``-`` or spaces between words alike
    (``inquiry.needs_review``, ``Inquiry.Needs-Review``)."""
    return _SEPARATORS.sub("-", name.strip().lower())


_EVENTS = {_normal(name): name for name in EVENT_NAMES}


def event_word(name: str) -> str:
    """The routing-key word of a name the table spells (an alias has its event's word)."""
    return base.slug(_ALIASES.get(name, name))


_WORDS = frozenset(event_word(name) for name in EVENT_NAMES)


def _unknown_word(name: str) -> str:
    """An unknown name's word; ``unknown`` where it would pass for a known event's
    (``inquiry approved``, ``inquiry.approved!``), so a routing key never names an event that
    was not sent."""
    word = base.slug(name)
    return "unknown" if word in _WORDS else word


# The object a status belongs to, by the event's family: its key in the table.
_STATUS_KEYS = {
    "inquiry": "inquiry.status",
    "verification": "verification.status",
    "case": "case.status",
}


def extract(body: bytes, headers: Mapping[str, str]) -> Facts:
    hook = base.decode(_decoder, body)
    event = hook.data.attributes
    name = _EVENTS.get(_normal(event.name)) if event.name.isascii() else None
    word = event_word(name) if name is not None else _unknown_word(event.name)
    family = re.split(r"[./]", name, maxsplit=1)[0] if name is not None else ""
    payload = event.payload.data if event.payload is not None else None
    attributes = (payload.attributes if payload is not None else None) or ObjectAttributes()
    object_type = (payload.type or "").strip().lower() if payload is not None else ""

    values: dict[str, Value] = {"event.name": name}
    status_key = _STATUS_KEYS.get(family)
    if status_key is not None:
        values[status_key] = attributes.status
    if family == "verification":
        values["verification.type"] = payload.type if payload is not None else None
    if family == "case":
        values["case.resolution"] = attributes.resolution
        if (attributes.resolution or "").strip():
            # The resolution decides a resolved case; its status is only said.
            values["case.status.noted"] = values.pop("case.status")
    if family == "report":
        values["report.has-match"] = _text(attributes.has_match)

    event_id = base.id_text(hook.data.id)
    return Facts(
        event=word,
        event_name=event.name,
        event_field="event.name",
        known=name is not None,
        values=values,
        subject=_subject(payload, object_type or family),
        identity=(event_id, word) if event_id else None,
        occurred_at=base.timestamp(event.created_at),
    )


def _text(value: bool | str | None) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


_SUBJECT_KEYS = {
    "inquiry": "inquiry_id",
    "verification": "verification_id",
    "case": "case_id",
    "report": "report_id",
    "account": "account_id",
}


def _subject(payload: PayloadObject | None, object_type: str) -> dict[str, str]:
    if payload is None:
        return {}
    ids: dict[str, str | None] = {}
    links = payload.relationships
    if links is not None:
        ids["inquiry_id"] = _linked(links.inquiry)
        ids["account_id"] = _linked(links.account)
    own = _SUBJECT_KEYS.get(re.split(r"[./]", object_type, maxsplit=1)[0])
    if own is not None:
        ids[own] = base.id_text(payload.id)
    return base.subject(**ids)


def _linked(link: Relationship | None) -> str | None:
    if link is None or link.data is None:
        return None
    return base.id_text(link.data.id)
