"""The outcome policy as data, and the one evaluator that applies it (docs/policy.md).

An adapter decodes a body into :class:`Facts`: the event, and each value that matters as the
vendor's field name -> the vendor's value. A vendor's policy table
(``workers/vendors/<vendor>.toml``, shipped with the package; a deployment may override entries)
says what each value means. The
rules that hold for every vendor (docs/outcomes.md) live here, once:

- an event the table does not list is ``pending`` with ``unrecognised_event`` (rule 3);
- a value the table does not list is never ``pass`` or ``fail``: it gives the field's ``unknown``
  outcome (``refer`` unless the table says ``system_error``, ``pending`` or ``ignore``), with
  ``unrecognised_value`` (rule 2); a table cannot even say otherwise;
- a ``pass`` beside a ``fail`` is a ``contradiction``: ``refer`` (rule 2);
- otherwise the event's ``combine`` decides: ``worst`` takes the gravest outcome of its fields
  (``system_error`` > ``refer`` > ``fail`` > ``pass`` > ``pending``: an error or a review request
  outranks a verdict), ``first`` the first field, in the table's order, that has a value.

Every value that counted is a reason ``field:value`` in the vendor's own spelling, so a consumer
reads why without the body.
"""

from __future__ import annotations

import enum
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from importlib import resources
from typing import Literal

import msgspec

from shared.outcome import Outcome, Reason
from shared.policy_settings import Meaning
from workers.vendors import base

# What a value may mean: an outcome, or ``ignore``, nothing at all (a reason deciding nothing).
IGNORE = "ignore"
# What a value the table does not list may mean: never a verdict (rule 2).
UnknownMeaning = Literal["refer", "system_error", "pending", "ignore"]

# Gravest first: what `worst` keeps when fields disagree without contradicting.
SEVERITY: tuple[Outcome, ...] = (
    Outcome.SYSTEM_ERROR,
    Outcome.REFER,
    Outcome.FAIL,
    Outcome.PASS,
    Outcome.PENDING,
)


class FieldPolicy(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One verdict field: the values it may hold and what each means."""

    values: dict[str, Meaning] = msgspec.field(default_factory=dict)
    unknown: UnknownMeaning = "refer"
    # The vendor's name for the field in reasons, when the table's key differs (two events
    # reading one field differently).
    name: str | None = None


class EventPolicy(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One event: the fields that decide it, in order, and how they combine."""

    # Decided exactly as another event of the table (its word): a table says a rule once.
    like: str | None = None
    fields: tuple[str, ...] = ()
    combine: Literal["worst", "first"] = "worst"
    # The outcome the event itself carries. Its fields then only add reasons, unless they
    # contradict it or are unrecognised.
    fixed: Outcome | None = None
    # The outcome when no field has a value (and nothing is fixed).
    otherwise: Outcome = Outcome.PENDING
    # Fields that must have a value when the adapter reads them: absent, null or blank gives
    # `missing` with reason ``missing_value`` (pending where the vendor says to fetch the result).
    required: tuple[str, ...] = ()
    missing: Outcome = Outcome.REFER
    # The reason code when the event alone decides; default: the event word.
    note: str | None = None
    # A value the table says is the vendor's own failure (system_error) decides, whatever the
    # other fields say, agree, contradict or are missing: the vendor says its verdict fields are
    # not to be trusted (Incode's API exceptions).
    errors_first: bool = False
    # Fields whose listed value, when it means a verdict, decides whatever the other fields say,
    # agree, contradict or are missing (Onfido's rejected sub_result fails a report "whatever
    # result says").
    decisive: tuple[str, ...] = ()
    # Groups of fields whose recognised outcomes must be equal, beyond pass against fail.
    agree: tuple[tuple[str, ...], ...] = ()


class VendorPolicy(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A vendor's table: its events and its verdict fields."""

    vendor: str
    events: dict[str, EventPolicy]
    fields: dict[str, FieldPolicy] = msgspec.field(default_factory=dict)


Value = str | None
Read = Mapping[str, Value | tuple[Value, ...]]


class Facts(msgspec.Struct, frozen=True, kw_only=True):
    """What an adapter extracted from one body, before any policy is applied."""

    # The event word (the table's key) and the vendor's name for it as sent, with its field.
    event: str
    event_name: str | None = None
    event_field: str = "event"
    # False when the adapter did not recognise the vendor's event name (rule 3), whatever word
    # it makes of it: "verification_completed!" must not be decided as verification_completed.
    known: bool = True
    # Table field key -> the vendor's value as text (None: absent, null or blank), a tuple where
    # the field repeats (alerts). A key left out is a field the adapter does not read here.
    values: Read = msgspec.field(default_factory=dict)
    # The vendor's own message about a field's value (an error's text), put on that field's reason.
    messages: Mapping[str, str] = msgspec.field(default_factory=dict)
    # Reasons that decide nothing but explain (context the vendor sent beside the verdict).
    notes: tuple[Reason, ...] = ()
    subject: dict[str, str] = msgspec.field(default_factory=dict)
    identity: tuple[str, ...] | None = None
    occurred_at: datetime | None = None
    # A result the body announces without carrying it (its fields then unread): fetched where
    # the vendor's API is configured, its values then read as the table's (``complete``).
    fetch: base.Fetch | None = None


class Fetched(msgspec.Struct, frozen=True):
    """What the vendor's API gave for a result a body announced: the verdict values, keyed as the
    table reads them, and the ids the API holds for the person (they replace the body's: the
    API, not an unsigned body, says whose verification it is)."""

    values: Read
    subject: dict[str, str] = msgspec.field(default_factory=dict)


Extractor = Callable[[bytes, Mapping[str, str]], Facts]
# Decides a body with what was fetched for it: what ``Facts.fetch`` announced.
Completer = Callable[[bytes, Mapping[str, str], Fetched], base.Classification]

# The note on an outcome decided by a fetched result.
RESULT_FETCHED = "result_fetched"


class Kind(enum.StrEnum):
    VALUE = "value"
    UNRECOGNISED = "unrecognised"
    MISSING = "missing"


class Counted(msgspec.Struct, frozen=True):
    """One field's value, read by the table."""

    field: str
    kind: Kind
    meaning: Meaning
    reason: Reason
    # The value as the vendor sent it (None: absent, null or blank).
    sent: str | None = None
    # The table's key for the field (``agree`` names keys; a deployment's change for one event
    # reads it as ``key@event``).
    key: str = ""


class Decision(msgspec.Struct, frozen=True, kw_only=True):
    outcome: Outcome
    reasons: tuple[Reason, ...]
    # Which rule decided, in words (``verdict policy explain``).
    rule: str
    counted: tuple[Counted, ...] = ()


class Values:
    """One field's values as vendors spell them: listed names first, then patterns.

    A name with ``*`` is a pattern, a class of values (``*_FINISHED``, ``*`` for any other code):
    ``*`` matches any run of characters, case and the separators between words (spaces, ``_``,
    ``-``) ignored. A pattern never means pass or fail: only a value named in full can be a
    verdict (rule 2).
    """

    def __init__(self, values: Mapping[str, Meaning]) -> None:
        self.names = base.EnumTable({k: v for k, v in values.items() if "*" not in k})
        self.patterns = [
            (re.compile(".*".join(map(re.escape, _normal(name).split("*"))), re.ASCII), meaning)
            for name, meaning in values.items()
            if "*" in name
        ]
        if any(meaning in ("pass", "fail") for _, meaning in self.patterns):
            raise ValueError("a pattern cannot mean pass or fail: name each such value in full")

    def find(self, value: str) -> tuple[str, Meaning] | None:
        found = self.names.find(value)
        if found is not None or not value.isascii():
            return found
        normal = _normal(value)
        for pattern, meaning in self.patterns:
            if pattern.fullmatch(normal):
                return value.strip(), meaning
        return None


def _normal(value: str) -> str:
    return _SEPARATORS.sub("_", value.strip().upper())


_SEPARATORS = re.compile(r"[\s_-]+", re.ASCII)


class Table:
    """A vendor's policy ready to evaluate: each field's values indexed as vendors spell them."""

    def __init__(self, policy: VendorPolicy) -> None:
        self.policy = policy
        self.lookups = {key: Values(field.values) for key, field in policy.fields.items()}


def evaluate(table: Table, facts: Facts) -> Decision:
    event = table.policy.events.get(facts.event) if facts.known else None
    if event is None:
        reason = base.unrecognised_event(facts.event_field, facts.event_name or facts.event)
        return Decision(
            outcome=Outcome.PENDING,
            reasons=(reason, *facts.notes),
            rule=f"{facts.event_field} {base.quoted(facts.event_name)} is not in the table",
        )
    counted = tuple(_count(table, event, facts.values, facts.messages))
    outcome, reasons, rule = _combine(facts.event, event, counted)
    return Decision(
        outcome=outcome,
        reasons=(*reasons, *(c.reason for c in counted if c.reason not in reasons), *facts.notes),
        rule=rule,
        counted=counted,
    )


def _count(
    table: Table, event: EventPolicy, values: Read, messages: Mapping[str, str]
) -> Iterable[Counted]:
    for key in event.fields:
        field = table.policy.fields[key]
        # ``K@event`` is field K as one event reads it (a deployment's change for that event
        # only, workers/policies.py): the same value, another table.
        read = key.partition("@")[0]
        name = field.name or read
        if read not in values:
            continue  # The adapter does not read this field in this body (an error's fields).
        sent = values[read]
        for value in sent if isinstance(sent, tuple) else (sent,):
            if value is None or not value.strip():
                if key in event.required:
                    reason = base.missing(name, f"{name} is absent, null or blank")
                    yield Counted(name, Kind.MISSING, event.missing.value, reason, value, read)
                continue
            message = messages.get(read)
            found = table.lookups[key].find(value)
            if found is not None:
                canonical, meaning = found
                reason = _reason(name, canonical, message)
                yield Counted(name, Kind.VALUE, meaning, reason, value, read)
            elif field.unknown == IGNORE:
                # A field that only informs: any value is worth saying, none is a problem.
                reason = _reason(name, value.strip(), message)
                yield Counted(name, Kind.VALUE, IGNORE, reason, value, read)
            else:
                reason = base.unrecognised(name, value)
                yield Counted(name, Kind.UNRECOGNISED, field.unknown, reason, value, read)


def _reason(field: str, value: str, message: str | None) -> Reason:
    return Reason(base.code(f"{field}:{value}") or field, message, field)


def _combine(
    word: str, event: EventPolicy, counted: tuple[Counted, ...]
) -> tuple[Outcome, tuple[Reason, ...], str]:
    deciding = [c for c in counted if c.meaning != IGNORE]
    outcomes = {Outcome(c.meaning) for c in deciding}
    if event.fixed is not None:
        outcomes.add(event.fixed)
    errors = [c for c in deciding if c.kind is Kind.VALUE and c.meaning == "system_error"]
    if event.errors_first and errors:
        error = errors[0]
        return Outcome.SYSTEM_ERROR, (error.reason,), f"errors first: {error.reason.code}"
    for chosen in deciding:
        if chosen.kind is Kind.VALUE and chosen.key in event.decisive:
            return Outcome(chosen.meaning), (chosen.reason,), f"decisive: {chosen.reason.code}"
    if {Outcome.PASS, Outcome.FAIL} <= outcomes:
        return _contradiction(word, event, deciding, Outcome.PASS, Outcome.FAIL)
    for group in event.agree:
        named = [c for c in deciding if c.kind is Kind.VALUE and c.key in group]
        if len({c.meaning for c in named}) > 1:
            first, other = named[0], next(c for c in named if c.meaning != named[0].meaning)
            return _clash(first, other)
    unrecognised = [c for c in deciding if c.kind is not Kind.VALUE]
    if unrecognised:
        gravest = _gravest(unrecognised)
        return Outcome(gravest.meaning), (gravest.reason,), f"{gravest.field}: {gravest.kind}"
    if event.fixed is not None:
        return event.fixed, (Reason(event.note or word),), f"event {word} is {event.fixed}"
    if not deciding:
        rule = f"no field of {word} decides: {event.otherwise}"
        return event.otherwise, (Reason(event.note or word),), rule
    chosen = deciding[0] if event.combine == "first" else _gravest(deciding)
    return Outcome(chosen.meaning), (chosen.reason,), f"{event.combine}: {chosen.reason.code}"


def _gravest(counted: list[Counted]) -> Counted:
    return min(counted, key=lambda c: SEVERITY.index(Outcome(c.meaning)))


def _contradiction(
    word: str, event: EventPolicy, deciding: list[Counted], one: Outcome, other: Outcome
) -> tuple[Outcome, tuple[Reason, ...], str]:
    left = next((c for c in deciding if c.meaning == one), None)
    right = next((c for c in deciding if c.meaning == other), None)
    if left is not None and right is not None:
        return _clash(left, right)
    # One side is the event's own fixed outcome.
    found = left or right
    assert found is not None  # both outcomes are present, at least one from a field
    message = f"{word} is {event.fixed} but {found.reason.code}"
    reason = Reason(base.CONTRADICTION, message, found.field)
    return Outcome.REFER, (reason,), "contradiction"


def _clash(left: Counted, right: Counted) -> tuple[Outcome, tuple[Reason, ...], str]:
    message = f"{left.reason.code} contradicts {right.reason.code}"
    return Outcome.REFER, (Reason(base.CONTRADICTION, message, left.field),), "contradiction"


def classifier(extract: Extractor, table: Table) -> base.Classifier:
    """An adapter's classify: extract the facts, then apply the table."""

    def classify(body: bytes, headers: Mapping[str, str]) -> base.Classification:
        return _classification(table, extract(body, headers))

    return classify


def completer(extract: Extractor, table: Table) -> Completer:
    """Decide a body together with the result fetched for it: the fetched values are read as
    the body's own would be, by the same table (a deployment's changes included)."""

    def complete(body: bytes, headers: Mapping[str, str], fetched: Fetched) -> base.Classification:
        return _classification(table, with_fetched(extract(body, headers), fetched))

    return complete


def with_fetched(facts: Facts, fetched: Fetched) -> Facts:
    """The facts with the fetched values and ids in, and a note saying where they came from."""
    if facts.fetch is None:
        return facts
    note = Reason(RESULT_FETCHED, f"{facts.fetch.resource} fetched from the vendor's API")
    return msgspec.structs.replace(
        facts,
        values={**facts.values, **fetched.values},
        subject={**facts.subject, **fetched.subject},
        notes=(*facts.notes, note),
        fetch=None,
    )


def _classification(table: Table, facts: Facts) -> base.Classification:
    decision = evaluate(table, facts)
    return base.Classification(
        event=facts.event,
        outcome=decision.outcome,
        reasons=decision.reasons,
        subject=facts.subject,
        identity=facts.identity,
        occurred_at=facts.occurred_at,
        fetch=facts.fetch,
    )


def load(vendor: str) -> VendorPolicy:
    """The table shipped with the package for ``vendor``."""
    text = resources.files("workers.vendors").joinpath(f"{vendor}.toml").read_bytes()
    return resolved(msgspec.toml.decode(text, type=VendorPolicy))


def resolved(table: VendorPolicy) -> VendorPolicy:
    """The table with each ``like`` event replaced by the event it names, and every name an event
    uses checked: a table that names a field or event it does not define is refused."""
    events = {}
    for word, event in table.events.items():
        rule = event
        if event.like is not None:
            original = table.events.get(event.like)
            if original is None or original.like is not None:
                raise ValueError(f"{table.vendor}: {word} is like {event.like!r}, not a rule")
            # The rule itself, still saying whose it is (``verdict policy show`` prints it once).
            rule = msgspec.structs.replace(original, like=event.like)
        events[word] = rule
        named = {
            *rule.fields,
            *rule.required,
            *rule.decisive,
            *(key for group in rule.agree for key in group),
        }
        if undefined := sorted(named - table.fields.keys()):
            raise ValueError(f"{table.vendor}: {word} reads undefined fields {undefined}")
        if not {*rule.required, *rule.decisive} <= set(rule.fields):
            raise ValueError(f"{table.vendor}: {word}: required and decisive fields are read")
    for key, field in table.fields.items():
        Values(field.values)  # a pattern meaning pass or fail is refused here, by name
        if not all(field.values):
            raise ValueError(f"{table.vendor}: field {key} lists an empty value")
    return msgspec.structs.replace(table, events=events)


def digest(policies: Mapping[str, VendorPolicy]) -> str:
    """A short, stable name for an effective policy: the same tables give the same digest."""
    encoded = msgspec.json.encode(dict(sorted(policies.items())), order="sorted")
    return hashlib.sha256(encoded).hexdigest()[:12]
